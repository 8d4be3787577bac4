//! Signed tokens for links in emails: survey scores and unsubscribes.
//!
//! A token says "this purpose, for this subject" (a ticket number for a
//! survey, a customer id for an unsubscribe) and carries an HMAC-SHA256 tag,
//! truncated to 128 bits, over exactly that. Nobody without the key can make
//! one for another ticket or customer, and a changed byte fails the check,
//! which runs in constant time. Several keys may be configured: the first
//! signs, all verify, so a shop can rotate keys without breaking links
//! already sent.
//!
//! Format: `v1.<purpose>.<subject, base64url>.<tag, base64url>`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;
const TAG_BYTES: usize = 16;
/// The longest token accepted, so a hostile link cannot cost much.
pub const MAX_TOKEN_BYTES: usize = 512;

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Rating a resolved ticket.
    Survey,
    /// Withdrawing marketing consent.
    Unsubscribe,
    /// Saying a suggested answer answered the question (subject
    /// `<ticket>:<faq id>`).
    Answered,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Survey => "s",
            Purpose::Unsubscribe => "u",
            Purpose::Answered => "a",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "s" => Some(Purpose::Survey),
            "u" => Some(Purpose::Unsubscribe),
            "a" => Some(Purpose::Answered),
            _ => None,
        }
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not of the token's shape.
    #[error("the link is not valid")]
    Malformed,
    /// Well formed, but no key signed it (tampered, or from another shop).
    #[error("the link has been changed or is not ours")]
    BadSignature,
    /// Signed, but for another purpose.
    #[error("the link is not meant for this page")]
    WrongPurpose,
}

/// Signs with the first key, verifies with any.
#[derive(Clone)]
pub struct Signer {
    keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({} key(s))", self.keys.len())
    }
}

impl Signer {
    /// Reads keys separated by commas or new lines (the first signs); each
    /// must be at least 32 bytes.
    pub fn from_secret(secret: &str) -> Result<Signer, String> {
        let keys: Vec<Vec<u8>> = secret
            .split([',', '\n'])
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| k.as_bytes().to_vec())
            .collect();
        if keys.is_empty() {
            return Err("holds no key".into());
        }
        if keys.iter().any(|k| k.len() < MIN_KEY_BYTES) {
            return Err(format!("holds a key shorter than {MIN_KEY_BYTES} bytes"));
        }
        Ok(Signer { keys })
    }

    /// A token for `purpose` and `subject`.
    pub fn sign(&self, purpose: Purpose, subject: &str) -> String {
        let subject = URL_SAFE_NO_PAD.encode(subject.as_bytes());
        let message = format!("v1.{}.{subject}", purpose.as_str());
        let tag = URL_SAFE_NO_PAD.encode(&mac(&self.keys[0], &message)[..TAG_BYTES]);
        format!("{message}.{tag}")
    }

    /// The unsubscribe page of the links edge at `base` for `customer`:
    /// what a marketing email links and names in `List-Unsubscribe`.
    pub fn unsubscribe_url(&self, base: &str, customer: &str) -> String {
        let token = self.sign(Purpose::Unsubscribe, customer);
        format!("{base}/unsubscribe?t={token}")
    }

    /// The subject of a valid token for `purpose`.
    pub fn verify(&self, purpose: Purpose, token: &str) -> Result<String, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        let (message, tag) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let mut parts = message.split('.');
        let (Some("v1"), Some(p), Some(subject), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let found = Purpose::parse(p).ok_or(TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Malformed)?;
        if tag.len() != TAG_BYTES {
            return Err(TokenError::Malformed);
        }
        let signed = self.keys.iter().any(|key| {
            HmacSha256::new_from_slice(key)
                .map(|mut m| {
                    m.update(message.as_bytes());
                    m.verify_truncated_left(&tag).is_ok()
                })
                .unwrap_or(false)
        });
        if !signed {
            return Err(TokenError::BadSignature);
        }
        if found != purpose {
            return Err(TokenError::WrongPurpose);
        }
        let subject = URL_SAFE_NO_PAD
            .decode(subject)
            .map_err(|_| TokenError::Malformed)?;
        String::from_utf8(subject).map_err(|_| TokenError::Malformed)
    }
}

fn mac(key: &[u8], message: &str) -> Vec<u8> {
    // HMAC takes keys of any length; the error cannot happen.
    match HmacSha256::new_from_slice(key) {
        Ok(mut m) => {
            m.update(message.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => vec![0; 32],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef-old";
    const NEW: &str = "fedcba9876543210fedcba9876543210-new";

    #[test]
    fn a_token_verifies_for_its_purpose_and_subject() {
        let s = Signer::from_secret(KEY).unwrap();
        let t = s.sign(Purpose::Survey, "TK-1234-5678");
        assert_eq!(s.verify(Purpose::Survey, &t), Ok("TK-1234-5678".into()));
        assert_eq!(
            s.verify(Purpose::Unsubscribe, &t),
            Err(TokenError::WrongPurpose)
        );
    }

    #[test]
    fn tampering_fails() {
        let s = Signer::from_secret(KEY).unwrap();
        let t = s.sign(Purpose::Unsubscribe, "cust-1");
        let other = URL_SAFE_NO_PAD.encode("cust-2");
        let forged = t.replace(&URL_SAFE_NO_PAD.encode("cust-1"), &other);
        assert_eq!(
            s.verify(Purpose::Unsubscribe, &forged),
            Err(TokenError::BadSignature)
        );
        let purpose_swapped = t.replacen("v1.u.", "v1.s.", 1);
        assert_eq!(
            s.verify(Purpose::Survey, &purpose_swapped),
            Err(TokenError::BadSignature)
        );
        for bad in [
            "",
            "v1",
            "v1.u.x",
            "v2.u.eA.AAAAAAAAAAAAAAAAAAAAAA",
            "v1.u.eA.%%%",
            "v1.x.eA.AAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(s.verify(Purpose::Unsubscribe, bad).is_err(), "{bad}");
        }
        assert_eq!(
            s.verify(Purpose::Survey, &"a".repeat(10_000)),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn rotation_keeps_old_links_working() {
        let old = Signer::from_secret(KEY).unwrap();
        let token = old.sign(Purpose::Survey, "TK-1111-2222");
        let rotated = Signer::from_secret(&format!("{NEW},{KEY}")).unwrap();
        assert!(rotated.verify(Purpose::Survey, &token).is_ok());
        let fresh = rotated.sign(Purpose::Survey, "TK-1111-2222");
        assert_eq!(
            old.verify(Purpose::Survey, &fresh),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn short_or_missing_keys_are_refused() {
        assert!(Signer::from_secret("").is_err());
        assert!(Signer::from_secret("short").is_err());
        assert!(format!("{:?}", Signer::from_secret(KEY).unwrap()).contains("1 key"));
    }
}

#[cfg(test)]
mod properties {
    //! Tokens from anywhere: verifying never panics, never accepts what was
    //! not signed, and every subject memnun signs fits in a link.

    use super::*;
    use crate::domain::customer::CustomerId;
    use proptest::prelude::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef-prop";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_customer_id_round_trips_within_the_token_limit(subject in "[^\\s\\p{Cc}]{1,32}") {
            // Customer ids are at most 128 bytes: the longest still makes a
            // token under MAX_TOKEN_BYTES.
            let subject: String = subject.chars().cycle().take(128).collect();
            let subject = match subject.char_indices().find(|(i, c)| i + c.len_utf8() > 128) {
                Some((cut, _)) => subject[..cut].to_string(),
                None => subject,
            };
            prop_assume!(CustomerId::parse(&subject).is_ok());
            let signer = Signer::from_secret(KEY).unwrap();
            let token = signer.sign(Purpose::Unsubscribe, &subject);
            prop_assert!(token.len() <= MAX_TOKEN_BYTES, "{} bytes", token.len());
            prop_assert_eq!(signer.verify(Purpose::Unsubscribe, &token), Ok(subject));
        }

        #[test]
        fn any_bytes_as_a_token_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..700)) {
            let signer = Signer::from_secret(KEY).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for purpose in [Purpose::Survey, Purpose::Unsubscribe] {
                prop_assert!(signer.verify(purpose, &text).is_err());
            }
        }

        #[test]
        fn a_token_signed_with_another_key_is_refused(subject in ".{1,64}") {
            let ours = Signer::from_secret(KEY).unwrap();
            let theirs = Signer::from_secret("another-shops-key-0123456789abcdef").unwrap();
            let token = theirs.sign(Purpose::Survey, &subject);
            prop_assert_eq!(ours.verify(Purpose::Survey, &token), Err(TokenError::BadSignature));
        }
    }
}
