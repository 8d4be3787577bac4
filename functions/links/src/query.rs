//! Query strings and form bodies (`application/x-www-form-urlencoded`),
//! parsed totally: any input gives either the pairs or a [`TooLarge`], never a
//! panic.
//!
//! The rules are the WHATWG urlencoded parser's, simplified where a link
//! cannot need more: pairs split on `&`, name from value on the first `=`,
//! `+` is a space, `%XX` is a byte and a `%` not followed by two hex digits
//! stays as it is, and bytes that are not UTF-8 become U+FFFD. Input is
//! bounded in bytes and in pairs, so a hostile link costs nothing.

/// The longest query string or form body read, in bytes. A link of ours is
/// under 200 bytes; browsers and mail clients add little.
pub const MAX_INPUT_BYTES: usize = 4096;
/// The most pairs read; anything after them is not looked at.
pub const MAX_PAIRS: usize = 32;

/// The input is longer than [`MAX_INPUT_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

/// Decoded name–value pairs, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The first value of `name`, if any (a repeated name cannot override it).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// How many pairs were read.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Parses a query string (without the `?`) or a form body.
pub fn parse(input: &[u8]) -> Result<Params, TooLarge> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(TooLarge);
    }
    let pairs = input
        .split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .take(MAX_PAIRS)
        .map(|part| {
            let (name, value) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &[][..]),
            };
            (decode(name), decode(value))
        })
        .collect();
    Ok(Params(pairs))
}

/// Percent-decodes one name or value, `+` as a space.
pub fn decode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Percent-encodes `s` for a query value: everything but the unreserved
/// characters (`A–Z a–z 0–9 - . _ ~`).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pairs_are_split_and_decoded() {
        let p = parse(b"t=v1.s.VEs.abc&s=4&empty=&flag&&x=a+b%20c%2Bd").unwrap();
        assert_eq!(p.get("t"), Some("v1.s.VEs.abc"));
        assert_eq!(p.get("s"), Some("4"));
        assert_eq!(p.get("empty"), Some(""));
        assert_eq!(p.get("flag"), Some(""));
        assert_eq!(p.get("x"), Some("a b c+d"));
        assert_eq!(p.get("missing"), None);
        assert_eq!(p.len(), 5);
    }

    #[test]
    fn the_first_of_a_repeated_name_wins() {
        assert_eq!(parse(b"s=1&s=5").unwrap().get("s"), Some("1"));
    }

    #[test]
    fn bad_escapes_and_bytes_do_not_fail() {
        assert_eq!(decode(b"100%"), "100%");
        assert_eq!(decode(b"%zz%4"), "%zz%4");
        assert_eq!(decode(b"%C3%BC"), "ü");
        assert_eq!(decode(b"%FF"), "\u{FFFD}");
        assert_eq!(decode(b"a=b"), "a=b");
        assert!(parse(b"").unwrap().is_empty());
        assert_eq!(parse(b"==").unwrap().get(""), Some("="));
    }

    #[test]
    fn input_is_bounded() {
        assert_eq!(parse(&vec![b'a'; MAX_INPUT_BYTES + 1]), Err(TooLarge));
        let many = "a=1&".repeat(100);
        assert_eq!(parse(many.as_bytes()).unwrap().len(), MAX_PAIRS);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_input_parses_or_is_too_large(input in proptest::collection::vec(any::<u8>(), 0..5000)) {
            match parse(&input) {
                Ok(p) => prop_assert!(p.len() <= MAX_PAIRS),
                Err(TooLarge) => prop_assert!(input.len() > MAX_INPUT_BYTES),
            }
        }

        #[test]
        fn encoding_round_trips(name in ".{0,20}", value in ".{0,60}") {
            let query = format!("{}={}&other=1", encode(&name), encode(&value));
            let p = parse(query.as_bytes()).unwrap();
            prop_assert_eq!(p.get(&name), Some(value.as_str()));
        }
    }
}
