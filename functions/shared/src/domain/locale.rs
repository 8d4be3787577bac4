//! The languages memnun writes in, and how a customer's language is chosen.

/// A language memnun has every email in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Turkish.
    Tr,
    /// English.
    En,
}

impl Locale {
    /// Reads a language tag (`tr`, `TR`, `tr-TR`, `en_GB`, …); `None` for a
    /// language memnun does not write.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "tr" => Some(Locale::Tr),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The customer's language if memnun writes it, else the shop's default.
    pub fn choose(customer: Option<&str>, shop_default: Locale) -> Locale {
        customer.and_then(Locale::parse).unwrap_or(shop_default)
    }

    /// The tag used in `lang` attributes and stored records.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Tr => "tr",
            Locale::En => "en",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_loosely() {
        assert_eq!(Locale::parse("tr"), Some(Locale::Tr));
        assert_eq!(Locale::parse("TR-tr"), Some(Locale::Tr));
        assert_eq!(Locale::parse("en_GB"), Some(Locale::En));
        assert_eq!(Locale::parse("de"), None);
        assert_eq!(Locale::parse(""), None);
    }

    #[test]
    fn unsupported_languages_fall_back_to_the_shop_default() {
        assert_eq!(Locale::choose(Some("de-DE"), Locale::En), Locale::En);
        assert_eq!(Locale::choose(None, Locale::Tr), Locale::Tr);
        assert_eq!(Locale::choose(Some("en"), Locale::Tr), Locale::En);
    }
}
