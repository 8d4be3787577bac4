//! Scrubbing text that came from outside memnun — an AWS error's message,
//! above all — before it can reach a log line.
//!
//! AWS's own error text can carry what memnun never logs: SES's
//! `MessageRejected` and any `AccessDenied` name the recipient's address,
//! a validation error may quote an item's value. [`scrub`] replaces, word by
//! word, anything shaped like an email address, a coupon code or a token,
//! and keeps the rest (codes, operations, ids) that makes the error useful.
//! Every AWS error is redacted where it is converted
//! ([`crate::adapters`]), and the batch runner redacts every error it logs
//! once more, whatever its source.

/// Characters that end a word: what surrounds an address or a code in an
/// error message.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']' | ',' | ';' | '`' | '{' | '}'
        )
}

/// `text` with every word shaped like an email address, a coupon code or a
/// token replaced by `<address>`, `<code>` or `<token>`.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if is_delimiter(c) {
            out.push_str(replacement(&word).unwrap_or(&word));
            word.clear();
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.push_str(replacement(&word).unwrap_or(&word));
    out
}

/// What a word is replaced with, if it must be.
fn replacement(word: &str) -> Option<&'static str> {
    let trimmed = word.trim_end_matches(['.', ':', '!', '?']);
    if looks_like_address(trimmed) {
        Some("<address>")
    } else if looks_like_coupon(trimmed) {
        Some("<code>")
    } else if looks_like_token(trimmed) {
        Some("<token>")
    } else {
        None
    }
}

/// `local@domain.tld`, also inside a longer word (`to=a@b.c`).
fn looks_like_address(word: &str) -> bool {
    word.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.ends_with('.')
    })
}

/// memnun's coupon codes: `RVW-XXXXX-XXXXX` (a 3–5 letter prefix, two
/// groups of five).
fn looks_like_coupon(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    parts.len() == 3
        && (3..=5).contains(&parts[0].len())
        && parts[0].bytes().all(|b| b.is_ascii_uppercase())
        && parts[1..].iter().all(|p| {
            p.len() == 5
                && p.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// A long run of token characters with letters and digits mixed: signed
/// link tokens, keys, secrets. ARNs and URLs (with `:`) are not tokens.
fn looks_like_token(word: &str) -> bool {
    word.len() >= 24
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'=' | b'+' | b'/')
        })
        && word.bytes().any(|b| b.is_ascii_digit())
        && word.bytes().any(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_codes_and_tokens_go_and_the_rest_stays() {
        let ses = "MessageRejected: Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: ayse.yilmaz@example.com, Dükkan <destek@dukkan.example>";
        let r = scrub(ses);
        assert!(!r.contains('@'), "{r}");
        assert!(r.starts_with("MessageRejected: Email address is not verified."));
        assert!(r.ends_with("<address>, Dükkan <<address>>"), "{r}");

        let denied = "AccessDenied: User `arn:aws:sts::123456789012:assumed-role/x/y' is not authorized to perform `ses:SendEmail' on resource `arn:aws:ses:eu-central-1:123456789012:identity/ayse@example.com'";
        let r = scrub(denied);
        assert!(!r.contains("ayse"), "{r}");
        assert!(r.contains("ses:SendEmail"), "{r}");

        let r = scrub(
            "code RVW-AB3DE-9FGH2 for TK-1234-5678 with token v1.u.Y3VzdC0wMDAx.3f9a8b7c6d5e4f3a2b1c",
        );
        assert_eq!(r, "code <code> for TK-1234-5678 with token <token>");

        let plain = "ConditionalCheckFailedException: The conditional request failed";
        assert_eq!(scrub(plain), plain);
    }
}
