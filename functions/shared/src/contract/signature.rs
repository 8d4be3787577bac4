//! Webhook signatures: `Memnun-Signature: t=<unix seconds>,v1=<hex>`, both
//! ways: the ingest function checks the shop's requests with it, and the
//! outbound function signs what it posts to the shop's URL with it.
//!
//! `v1` is HMAC-SHA256, keyed with the shop's webhook secret, over the bytes
//! `<t>.<raw body>`. Binding the timestamp into the MAC stops a captured
//! request from being replayed later than the tolerance (5 minutes, either
//! way, for clock skew). Several `v1` values may be sent and several secrets
//! configured, so both sides can rotate without a flag day; any match is
//! enough. Comparison is constant-time (`Mac::verify_slice`).

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::Sha256;

/// The header that carries the signature.
pub const HEADER: &str = "memnun-signature";
/// How far the signed time may be from now, in seconds.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a request's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No signature header.
    Missing,
    /// The header is not `t=…,v1=…`.
    Malformed,
    /// The signed time is more than five minutes from now.
    Expired,
    /// No configured secret produced any of the signatures.
    Mismatch,
}

impl Refusal {
    /// What the caller is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Missing => "the Memnun-Signature header is missing",
            Refusal::Malformed => {
                "the Memnun-Signature header must be t=<unix seconds>,v1=<hex HMAC-SHA256>"
            }
            Refusal::Expired => "the signature's timestamp is more than 5 minutes from now",
            Refusal::Mismatch => "the signature does not match the body with any configured secret",
        }
    }
}

/// Checks `header` for `body` at `now` against every secret.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[Vec<u8>],
    now: Timestamp,
) -> Result<(), Refusal> {
    let header = header.ok_or(Refusal::Missing)?;
    let mut time = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => time = Some(v.parse::<i64>().map_err(|_| Refusal::Malformed)?),
            Some(("v1", v)) => candidates.push(decode_hex(v).ok_or(Refusal::Malformed)?),
            // Unknown schemes are ignored, so a newer sender can add one.
            Some(_) => {}
            None => return Err(Refusal::Malformed),
        }
    }
    let time = time.ok_or(Refusal::Malformed)?;
    if candidates.is_empty() || candidates.len() > 8 {
        return Err(Refusal::Malformed);
    }
    if (now.as_second() - time).abs() > TOLERANCE_SECONDS {
        return Err(Refusal::Expired);
    }
    let prefix = format!("{time}.");
    for secret in secrets {
        for candidate in &candidates {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
                continue;
            };
            mac.update(prefix.as_bytes());
            mac.update(body);
            if mac.verify_slice(candidate).is_ok() {
                return Ok(());
            }
        }
    }
    Err(Refusal::Mismatch)
}

/// Splits a secret parameter's value, which the variable `var` named, into
/// secrets: one per line or comma, each at least `min` bytes.
pub fn secrets(var: &'static str, value: &str, min: usize) -> crate::Result<Vec<Vec<u8>>> {
    let secrets: Vec<Vec<u8>> = value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes().to_vec())
        .collect();
    if secrets.is_empty() || secrets.iter().any(|s| s.len() < min) {
        return Err(crate::Error::Config {
            var,
            reason: format!(
                "names a parameter that must hold one or more secrets of at least {min} bytes"
            ),
        });
    }
    Ok(secrets)
}

/// The header a sender computes: the outbound function's, the tests', and
/// the recipe documented for shops.
pub fn sign(secret: &[u8], time: i64, body: &[u8]) -> String {
    let hex = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(format!("{time}.").as_bytes());
            mac.update(body);
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        }
        Err(_) => String::new(),
    };
    format!("t={time},v1={hex}")
}

/// The header signed with every secret (one `v1` each), so that a receiver
/// holding either of two secrets accepts it while one is rotated out.
pub fn sign_all(secrets: &[Vec<u8>], time: i64, body: &[u8]) -> String {
    let mut header = format!("t={time}");
    for secret in secrets {
        let one = sign(secret, time, body);
        if let Some((_, v1)) = one.split_once(",v1=") {
            header.push_str(",v1=");
            header.push_str(v1);
        }
    }
    header
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &[u8] = b"whsec_old_0123456789abcdef0123456789";
    const NEW: &[u8] = b"whsec_new_0123456789abcdef0123456789";

    fn now() -> Timestamp {
        Timestamp::from_second(1_795_000_000).unwrap()
    }

    #[test]
    fn signed_with_every_secret_either_receiver_accepts() {
        let body = br#"{"a":1}"#;
        let header = sign_all(&[NEW.to_vec(), OLD.to_vec()], now().as_second(), body);
        assert_eq!(header.matches("v1=").count(), 2);
        for secret in [OLD, NEW] {
            assert_eq!(
                verify(Some(&header), body, &[secret.to_vec()], now()),
                Ok(())
            );
        }
        assert_eq!(
            verify(Some(&header), br#"{"a":2}"#, &[OLD.to_vec()], now()),
            Err(Refusal::Mismatch)
        );
    }

    #[test]
    fn a_fresh_signature_passes() {
        let body = br#"{"a":1}"#;
        let header = sign(OLD, now().as_second() - 10, body);
        assert_eq!(verify(Some(&header), body, &[OLD.to_vec()], now()), Ok(()));
    }

    #[test]
    fn expired_tampered_missing_and_malformed_are_refused() {
        let body = br#"{"a":1}"#;
        let old = sign(OLD, now().as_second() - 301, body);
        assert_eq!(
            verify(Some(&old), body, &[OLD.to_vec()], now()),
            Err(Refusal::Expired)
        );
        let future = sign(OLD, now().as_second() + 301, body);
        assert_eq!(
            verify(Some(&future), body, &[OLD.to_vec()], now()),
            Err(Refusal::Expired)
        );
        let header = sign(OLD, now().as_second(), body);
        assert_eq!(
            verify(Some(&header), br#"{"a":2}"#, &[OLD.to_vec()], now()),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify(None, body, &[OLD.to_vec()], now()),
            Err(Refusal::Missing)
        );
        for bad in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=zz", "garbage"] {
            assert!(
                verify(Some(bad), body, &[OLD.to_vec()], now()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn rotation_accepts_either_secret_and_either_signature() {
        let body = b"[]";
        let t = now().as_second();
        let by_old = sign(OLD, t, body);
        let secrets = [NEW.to_vec(), OLD.to_vec()];
        assert_eq!(verify(Some(&by_old), body, &secrets, now()), Ok(()));
        // A sender mid-rotation sends both signatures.
        let both = format!(
            "{},{}",
            sign(NEW, t, body),
            sign(OLD, t, body).split(',').nth(1).unwrap()
        );
        assert_eq!(verify(Some(&both), body, &[OLD.to_vec()], now()), Ok(()));
        assert_eq!(
            verify(Some(&by_old), body, &[NEW.to_vec()], now()),
            Err(Refusal::Mismatch)
        );
    }
}

#[cfg(test)]
mod properties {
    //! No header and no body makes verification panic or pass by accident.

    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn arbitrary_headers_never_panic_and_never_pass(header in ".{0,200}", body in prop::collection::vec(any::<u8>(), 0..200)) {
            let secret = b"whsec_prop_0123456789abcdef0123456789".to_vec();
            let now = Timestamp::from_second(1_795_000_000).unwrap();
            prop_assert!(verify(Some(&header), &body, &[secret], now).is_err());
        }

        #[test]
        fn a_signature_passes_only_for_its_own_body(body in prop::collection::vec(any::<u8>(), 0..200), flip in any::<prop::sample::Index>()) {
            let secret = b"whsec_prop_0123456789abcdef0123456789".to_vec();
            let now = Timestamp::from_second(1_795_000_000).unwrap();
            let header = sign(&secret, now.as_second(), &body);
            prop_assert_eq!(verify(Some(&header), &body, std::slice::from_ref(&secret), now), Ok(()));
            if !body.is_empty() {
                let mut changed = body.clone();
                let i = flip.index(changed.len());
                changed[i] ^= 0x01;
                prop_assert_eq!(verify(Some(&header), &changed, &[secret], now), Err(Refusal::Mismatch));
            }
        }
    }
}
