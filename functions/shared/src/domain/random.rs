//! Unguessable identifiers from the operating system's randomness.

use crate::{Error, Result};

/// Draws `n` characters uniformly from `alphabet` (at most 256 symbols) using
/// the OS generator. Rejection sampling keeps every symbol equally likely.
pub fn from_alphabet(alphabet: &[u8], n: usize) -> Result<String> {
    debug_assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let len = alphabet.len();
    // The largest multiple of `len` that fits in a byte: bytes at or above it
    // would make the first symbols more likely, so they are drawn again.
    let limit = 256 - (256 % len);
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 32];
    while out.len() < n {
        getrandom::fill(&mut buf).map_err(|e| Error::Aws {
            service: "os",
            operation: "getrandom",
            message: e.to_string(),
            permanent: false,
        })?;
        for &b in &buf {
            if usize::from(b) < limit && out.len() < n {
                out.push(char::from(alphabet[usize::from(b) % len]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_only_from_the_alphabet_and_covers_it() {
        let s = from_alphabet(b"abc", 3000).unwrap();
        assert_eq!(s.len(), 3000);
        for c in ['a', 'b', 'c'] {
            let count = s.chars().filter(|&x| x == c).count();
            // Each symbol should appear about 1000 times.
            assert!((800..1200).contains(&count), "{c}: {count}");
        }
    }
}
