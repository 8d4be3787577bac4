//! Dates, times and amounts written the way each language writes them.

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime, Weekday};

use crate::domain::locale::Locale;

const MONTHS_TR: [&str; 12] = [
    "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim",
    "Kasım", "Aralık",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `22 Aralık 2026` / `22 December 2026`.
pub fn date(locale: Locale, d: Date) -> String {
    let month = usize::try_from(d.month() - 1).unwrap_or(0);
    let name = match locale {
        Locale::Tr => MONTHS_TR[month],
        Locale::En => MONTHS_EN[month],
    };
    format!("{} {} {}", d.day(), name, d.year())
}

/// `23 Kasım 2026 Pazartesi, 10:15` / `Monday, 23 November 2026, 10:15`.
pub fn date_time(locale: Locale, dt: DateTime) -> String {
    let day = date(locale, dt.date());
    let wd = weekday(locale, dt.weekday());
    let hm = format!("{:02}:{:02}", dt.hour(), dt.minute());
    match locale {
        Locale::Tr => format!("{day} {wd}, {hm}"),
        Locale::En => format!("{wd}, {day}, {hm}"),
    }
}

/// The weekday's name.
pub fn weekday(locale: Locale, w: Weekday) -> &'static str {
    let i = usize::try_from(w.to_monday_zero_offset()).unwrap_or(0);
    match locale {
        Locale::Tr => [
            "Pazartesi",
            "Salı",
            "Çarşamba",
            "Perşembe",
            "Cuma",
            "Cumartesi",
            "Pazar",
        ][i],
        Locale::En => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i],
    }
}

/// `%20` / `20%`.
pub fn percent(locale: Locale, p: u8) -> String {
    match locale {
        Locale::Tr => format!("%{p}"),
        Locale::En => format!("{p}%"),
    }
}

/// An amount as each language writes it: `1.249,90 TL` / `TRY 1,249.90`.
///
/// `amount` is the contract's decimal (digits, at most one `.`), written
/// as the shop sent it: no rounding, no float. Turkish groups thousands
/// with `.`, separates decimals with `,` and writes the lira `TL`;
/// English groups with `,` and puts the ISO code first.
pub fn money(locale: Locale, amount: &str, currency: &str) -> String {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let group = match locale {
        Locale::Tr => '.',
        Locale::En => ',',
    };
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    match locale {
        Locale::Tr => {
            let unit = if currency == "TRY" { "TL" } else { currency };
            if fraction.is_empty() {
                format!("{grouped} {unit}")
            } else {
                format!("{grouped},{fraction} {unit}")
            }
        }
        Locale::En if fraction.is_empty() => format!("{currency} {grouped}"),
        Locale::En => format!("{currency} {grouped}.{fraction}"),
    }
}

/// A span of time as a person writes it: `1 sa 5 dk` / `1 h 5 min`, `45 dk` /
/// `45 min`, and from a day on `2 gün 3 sa` / `2 days 3 h`.
///
/// The magnitude is written (the caller's sentence says whether it is time
/// left or time overdue). Minutes are rounded to the nearest; a non-zero span
/// under half a minute still reads `1 min`, because `0 min` left would read
/// as "already late". From a day on, minutes are noise and hours are rounded.
pub fn duration(locale: Locale, d: SignedDuration) -> String {
    let secs = d.as_secs().unsigned_abs();
    let mut minutes = secs.saturating_add(30) / 60;
    if minutes == 0 && !d.is_zero() {
        minutes = 1;
    }
    if minutes >= 24 * 60 {
        let hours_total = minutes.saturating_add(30) / 60;
        let (days, hours) = (hours_total / 24, hours_total % 24);
        let days = match (locale, days) {
            (Locale::Tr, n) => format!("{n} gün"),
            (Locale::En, 1) => "1 day".to_owned(),
            (Locale::En, n) => format!("{n} days"),
        };
        return match (locale, hours) {
            (_, 0) => days,
            (Locale::Tr, h) => format!("{days} {h} sa"),
            (Locale::En, h) => format!("{days} {h} h"),
        };
    }
    let (hours, minutes) = (minutes / 60, minutes % 60);
    let (h_unit, m_unit) = match locale {
        Locale::Tr => ("sa", "dk"),
        Locale::En => ("h", "min"),
    };
    match (hours, minutes) {
        (0, m) => format!("{m} {m_unit}"),
        (h, 0) => format!("{h} {h_unit}"),
        (h, m) => format!("{h} {h_unit} {m} {m_unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    #[test]
    fn dates_read_naturally_in_both_languages() {
        assert_eq!(date(Locale::Tr, d(2026, 12, 22)), "22 Aralık 2026");
        assert_eq!(date(Locale::En, d(2026, 12, 22)), "22 December 2026");
        assert_eq!(date(Locale::Tr, d(2028, 2, 29)), "29 Şubat 2028");
        let dt = d(2026, 11, 23).at(10, 15, 0, 0);
        assert_eq!(date_time(Locale::Tr, dt), "23 Kasım 2026 Pazartesi, 10:15");
        assert_eq!(date_time(Locale::En, dt), "Monday, 23 November 2026, 10:15");
    }

    #[test]
    fn amounts_are_grouped_and_marked_as_each_language_does() {
        assert_eq!(money(Locale::Tr, "1249.90", "TRY"), "1.249,90 TL");
        assert_eq!(money(Locale::En, "1249.90", "TRY"), "TRY 1,249.90");
        assert_eq!(money(Locale::Tr, "20", "EUR"), "20 EUR");
        assert_eq!(money(Locale::En, "1000000", "USD"), "USD 1,000,000");
        assert_eq!(money(Locale::Tr, "999.5", "TRY"), "999,5 TL");
    }

    #[test]
    fn percent_sign_goes_where_each_language_puts_it() {
        assert_eq!(percent(Locale::Tr, 20), "%20");
        assert_eq!(percent(Locale::En, 15), "15%");
    }

    #[test]
    fn durations_read_like_a_person_wrote_them() {
        let m = |n: i64| SignedDuration::from_mins(n);
        assert_eq!(duration(Locale::Tr, m(45)), "45 dk");
        assert_eq!(duration(Locale::En, m(45)), "45 min");
        assert_eq!(duration(Locale::Tr, m(65)), "1 sa 5 dk");
        assert_eq!(duration(Locale::En, m(65)), "1 h 5 min");
        assert_eq!(duration(Locale::En, m(130)), "2 h 10 min");
        assert_eq!(duration(Locale::Tr, m(120)), "2 sa");
        assert_eq!(duration(Locale::En, m(24 * 60)), "1 day");
        assert_eq!(duration(Locale::En, m(51 * 60 + 20)), "2 days 3 h");
        assert_eq!(duration(Locale::Tr, m(51 * 60 + 40)), "2 gün 4 sa");
        assert_eq!(duration(Locale::Tr, m(48 * 60)), "2 gün");
    }

    #[test]
    fn durations_round_and_ignore_the_sign() {
        let s = SignedDuration::from_secs;
        assert_eq!(duration(Locale::En, s(-130 * 60)), "2 h 10 min");
        assert_eq!(duration(Locale::En, s(89)), "1 min");
        assert_eq!(duration(Locale::En, s(90)), "2 min");
        assert_eq!(duration(Locale::En, s(10)), "1 min", "not yet zero");
        assert_eq!(duration(Locale::En, SignedDuration::ZERO), "0 min");
        assert_eq!(duration(Locale::Tr, s(23 * 3600 + 59 * 60 + 40)), "1 gün");
    }
}
