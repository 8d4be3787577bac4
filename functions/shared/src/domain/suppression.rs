//! Suppression: which mail feedback stops marketing email to an address, and
//! how a suppressed address is kept.
//!
//! # What suppresses
//!
//! | feedback | suppresses | why |
//! |---|---|---|
//! | permanent bounce (`Permanent`) | yes | the receiving server said the address does not exist or will never take mail (SES also reports a send it dropped because the address is on its suppression list as one); every retry is another hard bounce, and a bounce rate over 5 % puts the shop's SES account under review |
//! | complaint | yes | the recipient marked a message as spam: they do not want it, whatever their consent says, and a complaint rate over 0.1 % puts the account under review |
//! | transient bounce (`Transient`) | no | a full mailbox, a message too large, a server down for a while, an auto-reply: the address works and the next message may well arrive |
//! | undetermined bounce (`Undetermined`) | no | SES could not tell why it bounced; suppressing on a guess would silence working addresses, and a real hard bounce comes back as a permanent one next time |
//! | delivery and every other event | no | nothing went wrong |
//!
//! A suppression is for good: nothing here lifts it. A customer who fixed
//! their mailbox, or complained by mistake, is lifted by deleting the item
//! (see the deploy guide, `infra/README.md`).
//!
//! # How an address is kept
//!
//! Not at all: the store keeps [`AddressKey`], the SHA-256 of the address
//! [`normalise`]d (trimmed, lowercased), in hex. The suppression list thus
//! holds no readable address, and it outlives the erasure of a customer's
//! data, which is what it is for: an erased customer who complained must not
//! be mailed again when an import brings the address back. Whoever holds an
//! address can still check whether it is suppressed, by hashing it; the hash
//! is a pseudonym, not an anonymisation.
//!
//! Lowercasing the whole address folds local parts that a server could in
//! theory tell apart (`Ayse@` and `ayse@`). No mail provider a shop's
//! customers use does, and when in doubt, not sending is the safe side.

use std::fmt;

use jiff::Timestamp;
use sha2::{Digest as _, Sha256};

use crate::domain::mail::EmailAddress;

/// What a mail provider reported about a message sent to a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackKind {
    /// A hard bounce: the address does not take mail, for good.
    PermanentBounce,
    /// A soft bounce: the address exists; this message did not arrive.
    TransientBounce,
    /// A bounce whose cause the provider could not tell.
    UndeterminedBounce,
    /// The recipient reported the message as spam.
    Complaint,
    /// Anything else (a delivery, a send, an open): nothing went wrong.
    Other,
}

impl FeedbackKind {
    /// The name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::PermanentBounce => "permanent bounce",
            FeedbackKind::TransientBounce => "transient bounce",
            FeedbackKind::UndeterminedBounce => "undetermined bounce",
            FeedbackKind::Complaint => "complaint",
            FeedbackKind::Other => "other",
        }
    }
}

/// Why an address is suppressed (stored as `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionReason {
    /// A permanent bounce.
    Bounce,
    /// A complaint.
    Complaint,
}

impl SuppressionReason {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionReason::Bounce => "bounce",
            SuppressionReason::Complaint => "complaint",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bounce" => Some(SuppressionReason::Bounce),
            "complaint" => Some(SuppressionReason::Complaint),
            _ => None,
        }
    }
}

/// The policy: the reason `kind` suppresses its recipients, or `None` when
/// it does not (see the table in the module docs).
pub fn reason_for(kind: FeedbackKind) -> Option<SuppressionReason> {
    match kind {
        FeedbackKind::PermanentBounce => Some(SuppressionReason::Bounce),
        FeedbackKind::Complaint => Some(SuppressionReason::Complaint),
        FeedbackKind::TransientBounce | FeedbackKind::UndeterminedBounce | FeedbackKind::Other => {
            None
        }
    }
}

/// An address the way it is compared: without surrounding white space, in
/// lower case.
pub fn normalise(address: &str) -> String {
    address.trim().to_lowercase()
}

/// The key a suppressed address is kept under: the SHA-256 of its
/// [`normalise`]d form, 64 lowercase hex digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressKey(String);

impl AddressKey {
    /// The key of `address`.
    pub fn of(address: &EmailAddress) -> Self {
        Self::of_text(address.as_str())
    }

    /// The key of an address given as text (the deploy guide's lookup by
    /// hand computes the same).
    pub fn of_text(address: &str) -> Self {
        let digest = Sha256::digest(normalise(address).as_bytes());
        let mut hex = String::with_capacity(64);
        for byte in digest.iter() {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        AddressKey(hex)
    }

    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Debug for AddressKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A pseudonym still: keep it out of logs that print values.
        f.write_str("AddressKey(<redacted>)")
    }
}

/// One address to suppress, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The address's key.
    pub key: AddressKey,
    /// Why.
    pub reason: SuppressionReason,
    /// When the provider reported it (the feedback's own time).
    pub reported_at: Timestamp,
    /// The provider's id of the report.
    pub feedback_id: String,
}

/// The suppressions a report of `kind` about `recipients` calls for: one per
/// distinct address (two spellings of one address are one), none when the
/// kind does not suppress.
pub fn suppressions(
    kind: FeedbackKind,
    recipients: &[EmailAddress],
    reported_at: Timestamp,
    feedback_id: &str,
) -> Vec<Suppression> {
    let Some(reason) = reason_for(kind) else {
        return Vec::new();
    };
    let mut out: Vec<Suppression> = Vec::with_capacity(recipients.len());
    for recipient in recipients {
        let key = AddressKey::of(recipient);
        if out.iter().any(|s| s.key == key) {
            continue;
        }
        out.push(Suppression {
            key,
            reason,
            reported_at,
            feedback_id: feedback_id.to_owned(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn at() -> Timestamp {
        "2026-11-22T10:15:00Z".parse().unwrap()
    }

    #[test]
    fn permanent_bounces_and_complaints_suppress_nothing_else_does() {
        assert_eq!(
            reason_for(FeedbackKind::PermanentBounce),
            Some(SuppressionReason::Bounce)
        );
        assert_eq!(
            reason_for(FeedbackKind::Complaint),
            Some(SuppressionReason::Complaint)
        );
        for kind in [
            FeedbackKind::TransientBounce,
            FeedbackKind::UndeterminedBounce,
            FeedbackKind::Other,
        ] {
            assert_eq!(reason_for(kind), None, "{}", kind.as_str());
            assert!(suppressions(kind, &[address("a@example.com")], at(), "f").is_empty());
        }
    }

    #[test]
    fn the_key_is_the_sha256_of_the_trimmed_lowercased_address() {
        // printf 'ayse@example.com' | sha256sum
        let key = AddressKey::of_text("ayse@example.com");
        assert_eq!(
            key.as_str(),
            "9b00b0b820caf9556ca074ae455f87d32be94b9543993df0b71176d755f720f7"
        );
        assert_eq!(key, AddressKey::of_text("  Ayse@Example.COM\t"));
        assert_eq!(key, AddressKey::of(&address("AYSE@example.com")));
        assert_ne!(key, AddressKey::of_text("ayse@example.org"));
        // The digest of the empty string pins the hex encoding.
        assert_eq!(
            AddressKey::of_text("").as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn keys_and_addresses_stay_out_of_debug_output() {
        let key = AddressKey::of_text("ayse@example.com");
        assert!(!format!("{key:?}").contains(key.as_str()));
        let s = suppressions(
            FeedbackKind::Complaint,
            &[address("ayse@example.com")],
            at(),
            "fb-1",
        );
        let printed = format!("{s:?}");
        assert!(!printed.contains("ayse") && !printed.contains(key.as_str()));
    }

    #[test]
    fn one_suppression_per_distinct_address() {
        let s = suppressions(
            FeedbackKind::PermanentBounce,
            &[
                address("ayse@example.com"),
                address("AYSE@example.com"),
                address("can@example.com"),
            ],
            at(),
            "fb-1",
        );
        assert_eq!(s.len(), 2);
        assert!(s.iter().all(|s| s.reason == SuppressionReason::Bounce
            && s.feedback_id == "fb-1"
            && s.reported_at == at()));
        assert_eq!(s[0].key, AddressKey::of_text("ayse@example.com"));
        assert_eq!(s[1].key, AddressKey::of_text("can@example.com"));
    }

    #[test]
    fn reasons_round_trip() {
        for r in [SuppressionReason::Bounce, SuppressionReason::Complaint] {
            assert_eq!(SuppressionReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(SuppressionReason::parse("Bounce"), None);
    }
}
