//! Dates, times and amounts written the way each language writes them.

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
    fn percent_sign_goes_where_each_language_puts_it() {
        assert_eq!(percent(Locale::Tr, 20), "%20");
        assert_eq!(percent(Locale::En, 15), "15%");
    }
}
