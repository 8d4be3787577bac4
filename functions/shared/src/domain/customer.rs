//! Customers as memnun knows them, and when their contact details change.

use std::fmt;

use jiff::Timestamp;

use crate::domain::mail::EmailAddress;

/// The shop's id for a customer: printable, without spaces, at most 128 bytes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerId(String);

impl CustomerId {
    /// Validates a producer-supplied id.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 128 {
            return Err("must be 1 to 128 bytes".into());
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("must not contain spaces or control characters".into());
        }
        Ok(CustomerId(s.to_owned()))
    }

    /// The id as the shop wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Contact details a producer knows about a customer (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactDetails {
    /// Where to write.
    pub email: Option<EmailAddress>,
    /// What to call them.
    pub name: Option<String>,
    /// Their language tag as given.
    pub locale: Option<String>,
    /// Their IANA time zone.
    pub time_zone: Option<String>,
}

impl ContactDetails {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.name.is_none()
            && self.locale.is_none()
            && self.time_zone.is_none()
    }
}

/// A stored customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// The shop's id.
    pub id: CustomerId,
    /// The current contact details.
    pub contact: ContactDetails,
    /// The time of the event that last set the contact details.
    pub contact_updated_at: Option<Timestamp>,
    /// When the customer last received an apology coupon (the farming cap).
    pub last_apology_coupon_at: Option<Timestamp>,
    /// Whether marketing messages may be sent, as stored now (the consent
    /// state's `granted`, [`crate::domain::consent`]).
    pub marketing_consent: bool,
    /// When they were last greeted for their birthday: where the birthday
    /// flow's attribution window starts ([`crate::domain::attribution`]).
    pub greeted_at: Option<Timestamp>,
}

/// The contact fields to write, if an event brings anything new: a field the
/// event leaves out keeps its stored value. `None` means nothing to write.
/// A new customer is always written, so that a minimal record exists.
pub fn contact_update(
    existing: Option<&Customer>,
    incoming: &ContactDetails,
) -> Option<ContactDetails> {
    let Some(existing) = existing else {
        return Some(incoming.clone());
    };
    let stored = &existing.contact;
    let changed = |new: &Option<String>, old: &Option<String>| new.is_some() && new != old;
    let any = (incoming.email.is_some() && incoming.email != stored.email)
        || changed(&incoming.name, &stored.name)
        || changed(&incoming.locale, &stored.locale)
        || changed(&incoming.time_zone, &stored.time_zone);
    any.then(|| incoming.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(contact: ContactDetails) -> Customer {
        Customer {
            id: CustomerId::parse("c-1").unwrap(),
            contact,
            contact_updated_at: None,
            last_apology_coupon_at: None,
            marketing_consent: false,
            greeted_at: None,
        }
    }

    #[test]
    fn ids_are_validated() {
        assert!(CustomerId::parse("gid://shop/Customer/42").is_ok());
        assert!(CustomerId::parse("").is_err());
        assert!(CustomerId::parse("a b").is_err());
        assert!(CustomerId::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn only_new_or_changed_details_are_written() {
        let email = EmailAddress::parse("ayse@example.com").ok();
        let stored = customer(ContactDetails {
            email: email.clone(),
            name: Some("Ayşe".into()),
            ..Default::default()
        });
        assert_eq!(
            contact_update(Some(&stored), &ContactDetails::default()),
            None
        );
        assert_eq!(
            contact_update(
                Some(&stored),
                &ContactDetails {
                    email: email.clone(),
                    ..Default::default()
                }
            ),
            None
        );
        let renamed = ContactDetails {
            name: Some("Ayşe Y.".into()),
            ..Default::default()
        };
        assert_eq!(
            contact_update(Some(&stored), &renamed),
            Some(renamed.clone())
        );
        assert_eq!(
            contact_update(None, &ContactDetails::default()),
            Some(ContactDetails::default())
        );
    }
}

/// A birthday, with or without the year (`1990-02-28` or `--02-28`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthday {
    /// The year of birth, when the customer gave it.
    pub year: Option<i16>,
    /// 1–12.
    pub month: i8,
    /// 1–31, valid for the month (29 February allowed without a year).
    pub day: i8,
}

impl Birthday {
    /// Reads `YYYY-MM-DD` or `--MM-DD`. The reason for a refusal never
    /// repeats the value: a birthday is personal data, and reasons reach
    /// logs and dead-letter queues.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || "is not YYYY-MM-DD or --MM-DD".to_string();
        let (year, rest) = match s.strip_prefix("--") {
            Some(rest) => (None, rest),
            None => {
                let (y, rest) = s.split_once('-').ok_or_else(bad)?;
                if y.len() != 4 {
                    return Err(bad());
                }
                (Some(y.parse::<i16>().map_err(|_| bad())?), rest)
            }
        };
        let (m, d) = rest.split_once('-').ok_or_else(bad)?;
        if m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let month: i8 = m.parse().map_err(|_| bad())?;
        let day: i8 = d.parse().map_err(|_| bad())?;
        // Without a year, check against a leap year so 29 February is allowed.
        jiff::civil::Date::new(year.unwrap_or(2000), month, day)
            .map_err(|_| "is not a day of the calendar".to_string())?;
        if let Some(y) = year
            && !(1900..=2100).contains(&y)
        {
            return Err("has a year outside 1900 to 2100".into());
        }
        Ok(Birthday { year, month, day })
    }
}

#[cfg(test)]
mod birthday_tests {
    use super::Birthday;

    #[test]
    fn both_forms_parse_and_impossible_days_do_not() {
        assert_eq!(Birthday::parse("1990-02-28").unwrap().year, Some(1990));
        assert_eq!(Birthday::parse("--02-29").unwrap().day, 29);
        assert!(Birthday::parse("2000-02-29").is_ok());
        assert!(Birthday::parse("1990-02-29").is_err());
        assert!(Birthday::parse("--13-01").is_err());
        assert!(Birthday::parse("--04-31").is_err());
        assert!(Birthday::parse("02-28").is_err());
        assert!(Birthday::parse("0990-01-01").is_err());
    }

    #[test]
    fn refusals_never_repeat_the_value() {
        for bad in [
            "1990-02-30",
            "--13-01",
            "0990-01-01",
            "<b>14 Mart</b>",
            "1990/03/14",
        ] {
            let reason = Birthday::parse(bad).unwrap_err();
            assert!(!reason.contains(bad) && !reason.contains('`'), "{reason}");
        }
    }
}
