//! Timestamps as memnun stores and compares them.
//!
//! Stored times are UTC strings of one fixed width (`2026-11-22T10:15:00Z`),
//! so that DynamoDB's string order is time order in sort keys and conditions.

use jiff::Timestamp;

/// Formats `t` as a fixed-width UTC string, truncated to the second.
pub fn to_key(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses a string written by [`to_key`] (or any RFC 3339 timestamp).
pub fn parse(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// Whole seconds since the Unix epoch, as DynamoDB's TTL wants them.
pub fn epoch_seconds(t: Timestamp) -> i64 {
    t.as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fixed_width_and_sort_like_time() {
        let a: Timestamp = "2026-01-02T03:04:05.678Z".parse().unwrap();
        let b: Timestamp = "2026-11-22T10:15:00Z".parse().unwrap();
        assert_eq!(to_key(a), "2026-01-02T03:04:05Z");
        assert_eq!(to_key(b), "2026-11-22T10:15:00Z");
        assert!(to_key(a) < to_key(b));
        assert_eq!(parse(&to_key(b)), Some(b));
    }
}
