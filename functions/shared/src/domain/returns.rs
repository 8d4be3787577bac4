//! A return or exchange request as memnun keeps it, and what its first step
//! owes the customer.
//!
//! Turkish distance-sales rules (Mesafeli Sözleşmeler Yönetmeliği, Art.
//! 11(2) in its 2014 text) oblige a seller who takes withdrawals on its site
//! to confirm at once that the request reached it. So the first time memnun hears of a
//! return, it keeps the request, opens a ticket so the team handles it, and
//! confirms to the customer with the return's number and what happens next;
//! a request heard of again (a platform's retry under another id) changes
//! nothing and confirms nothing.

use jiff::Timestamp;

use crate::domain::customer::CustomerId;
use crate::domain::order::OrderId;
use crate::domain::ticket::TicketNumber;

/// The shop's id for a return: printable, without control characters, at
/// most 128 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReturnId(String);

impl ReturnId {
    /// Validates a producer-supplied id.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 128 {
            return Err("must be 1 to 128 bytes".into());
        }
        if s.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(ReturnId(s.to_owned()))
    }

    /// The id as the shop wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ReturnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the customer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnKind {
    /// The goods back, the money back.
    Return,
    /// The goods back, other goods out.
    Exchange,
}

impl ReturnKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnKind::Return => "return",
            ReturnKind::Exchange => "exchange",
        }
    }

    /// Reads a stored or sent name.
    pub fn parse(s: &str) -> Option<ReturnKind> {
        match s {
            "return" => Some(ReturnKind::Return),
            "exchange" => Some(ReturnKind::Exchange),
            _ => None,
        }
    }
}

/// A return as memnun keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    /// Which return.
    pub id: ReturnId,
    /// Of which order.
    pub order_id: OrderId,
    /// Whose.
    pub customer_id: CustomerId,
    /// A return or an exchange.
    pub kind: ReturnKind,
    /// Why, as the customer gave it.
    pub reason: Option<String>,
    /// When it was requested (the event's time): the legal clocks start here.
    pub requested_at: Timestamp,
    /// The team's ticket for it.
    pub ticket: TicketNumber,
    /// The stored version, for optimistic concurrency (0: not stored yet).
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_kinds_read_back_as_written() {
        assert_eq!(ReturnId::parse("RMA-7").unwrap().as_str(), "RMA-7");
        assert!(ReturnId::parse("").is_err());
        assert!(ReturnId::parse(&"r".repeat(129)).is_err());
        assert!(ReturnId::parse("a\nb").is_err());
        for kind in [ReturnKind::Return, ReturnKind::Exchange] {
            assert_eq!(ReturnKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ReturnKind::parse("refund"), None);
    }
}
