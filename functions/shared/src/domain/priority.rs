//! How soon a complaint must be handled.
//!
//! The priority comes from four things, applied in this order, each only
//! ever raising it:
//!
//! 1. **The category sets the base.** Money and broken goods hurt the most:
//!    [`Category::Payment`] and [`Category::Damaged`] are high.
//!    [`Category::Delivery`], [`Category::WrongItem`],
//!    [`Category::ReturnExchange`] (returns run against a legal withdrawal
//!    period) and [`Category::Quality`] are normal. [`Category::Other`] is
//!    low.
//! 2. **A public complaint raises it one step.** On [`Channel::Social`]
//!    every other customer reads along, so low becomes normal, normal
//!    becomes high and high becomes urgent.
//! 3. **A repeat complainer is at least high.** The third complaint within
//!    30 days (two or more before this one) means the earlier tickets did
//!    not solve the problem.
//! 4. **Urgent or legal words make it urgent.** A customer who writes
//!    "acil", "avukat", "tüketici hakem heyeti", "lawyer" or "chargeback",
//!    or reports an injury, needs a person now, whatever the rest says. The
//!    words are in [`URGENT_KEYWORDS`] and found by [`signals_urgency`].
//!
//! The steps do not compound: a repeat complaint made on social media about
//! a late delivery is high (normal, raised to high by the channel; the
//! repeat rule asks for no more than high).

use std::sync::LazyLock;

use crate::domain::classification::Keyword;
use crate::domain::ticket::{Category, Channel, Priority};

/// How many complaints before this one, within 30 days, make it a repeat.
pub const REPEAT_THRESHOLD: u32 = 2;

/// Words that make a complaint urgent, written like the classification
/// rules (`*` marks a stem; see [`crate::domain::classification`]).
pub const URGENT_KEYWORDS: &[&str] = &[
    // Turkish: urgency
    "acil*",
    "derhal",
    // Turkish: legal steps and the authorities a customer can turn to
    "avukat*",
    "hukuk*",
    "dava",
    "dava aç*",
    "davacı*",
    "mahkeme*",
    "tüketici hakem heyeti*",
    "hakem heyeti*",
    "tüketici hak*",
    "savcılık*",
    "suç duyuru*",
    "noter*",
    "ihtarname*",
    "bddk",
    "ters ibraz*",
    "bankaya itiraz*",
    "şikayetvar*",
    // Turkish: safety
    "yaralan*",
    "zehirlen*",
    "alerji*",
    "yangın*",
    "alev al*",
    "elektrik çarp*",
    "patladı",
    // English: urgency
    "urgent*",
    "asap",
    "emergency",
    "immediately",
    // English: legal steps
    "lawyer*",
    "attorney*",
    "solicitor*",
    "legal action",
    "lawsuit*",
    "sue",
    "suing",
    "to court",
    "court case*",
    "small claims",
    "trading standards",
    "consumer protection",
    "chargeback*",
    "dispute the charge*",
    // English: safety
    "injur*",
    "hospital*",
    "poison*",
    "allergic reaction*",
    "caught fire",
    "exploded",
    "electric shock*",
];

static URGENT: LazyLock<Vec<Keyword>> = LazyLock::new(|| {
    URGENT_KEYWORDS
        .iter()
        .filter_map(|k| Keyword::parse(k))
        .collect()
});

/// True when the subject or message contains any of [`URGENT_KEYWORDS`].
pub fn signals_urgency(subject: Option<&str>, message: &str) -> bool {
    subject
        .into_iter()
        .chain([message])
        .any(|text| URGENT.iter().any(|k| k.occurs_in(text)))
}

/// What the priority is decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityInput {
    /// What the complaint is about.
    pub category: Category,
    /// Where it was made.
    pub channel: Channel,
    /// How many complaints the same customer made in the 30 days before
    /// this one (not counting this one).
    pub prior_complaints_30d: u32,
    /// Whether its words signal urgency ([`signals_urgency`]).
    pub urgent_language: bool,
}

/// The priority of a complaint, by the rules in the module documentation.
pub fn priority(input: &PriorityInput) -> Priority {
    if input.urgent_language {
        return Priority::Urgent;
    }
    let mut p = base(input.category);
    if input.channel == Channel::Social {
        p = raise(p);
    }
    if input.prior_complaints_30d >= REPEAT_THRESHOLD {
        p = at_least(p, Priority::High);
    }
    p
}

/// The priority a category starts from (rule 1).
pub fn base(category: Category) -> Priority {
    match category {
        Category::Payment | Category::Damaged => Priority::High,
        Category::Delivery | Category::WrongItem | Category::ReturnExchange | Category::Quality => {
            Priority::Normal
        }
        Category::Other => Priority::Low,
    }
}

/// One step more urgent; urgent stays urgent.
pub fn raise(p: Priority) -> Priority {
    match p {
        Priority::Low => Priority::Normal,
        Priority::Normal => Priority::High,
        Priority::High | Priority::Urgent => Priority::Urgent,
    }
}

fn rank(p: Priority) -> u8 {
    match p {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
        Priority::Urgent => 3,
    }
}

fn at_least(p: Priority, floor: Priority) -> Priority {
    if rank(p) >= rank(floor) { p } else { floor }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(category: Category, channel: Channel, prior: u32, urgent: bool) -> PriorityInput {
        PriorityInput {
            category,
            channel,
            prior_complaints_30d: prior,
            urgent_language: urgent,
        }
    }

    fn p(category: Category, channel: Channel, prior: u32) -> Priority {
        priority(&input(category, channel, prior, false))
    }

    #[test]
    fn the_category_sets_the_base() {
        use Category::*;
        let expected = [
            (Payment, Priority::High),
            (Damaged, Priority::High),
            (Delivery, Priority::Normal),
            (WrongItem, Priority::Normal),
            (ReturnExchange, Priority::Normal),
            (Quality, Priority::Normal),
            (Other, Priority::Low),
        ];
        for (category, priority) in expected {
            assert_eq!(p(category, Channel::Email, 0), priority, "{category}");
        }
        // Every category is covered, and only the social channel changes it.
        assert_eq!(expected.len(), Category::ALL.len());
        for channel in [Channel::Email, Channel::Web, Channel::Phone, Channel::Chat] {
            assert_eq!(p(Delivery, channel, 0), Priority::Normal);
        }
    }

    #[test]
    fn social_raises_one_step() {
        assert_eq!(p(Category::Other, Channel::Social, 0), Priority::Normal);
        assert_eq!(p(Category::Delivery, Channel::Social, 0), Priority::High);
        assert_eq!(p(Category::Damaged, Channel::Social, 0), Priority::Urgent);
    }

    #[test]
    fn the_third_complaint_in_30_days_is_at_least_high() {
        // First and second complaint: the base.
        assert_eq!(p(Category::Other, Channel::Email, 0), Priority::Low);
        assert_eq!(p(Category::Other, Channel::Email, 1), Priority::Low);
        assert_eq!(p(Category::Delivery, Channel::Web, 1), Priority::Normal);
        // Third and later: at least high.
        assert_eq!(p(Category::Other, Channel::Email, 2), Priority::High);
        assert_eq!(p(Category::Delivery, Channel::Web, 2), Priority::High);
        assert_eq!(p(Category::Quality, Channel::Chat, 9), Priority::High);
        // Already above high stays there; rules do not compound.
        assert_eq!(p(Category::Payment, Channel::Social, 2), Priority::Urgent);
        assert_eq!(p(Category::Delivery, Channel::Social, 2), Priority::High);
    }

    #[test]
    fn urgent_words_make_it_urgent() {
        for category in Category::ALL {
            assert_eq!(
                priority(&input(*category, Channel::Email, 0, true)),
                Priority::Urgent
            );
        }
    }

    #[test]
    fn urgent_words_are_found_in_both_languages() {
        for text in [
            "ACİL dönüş bekliyorum",
            "acilen iade istiyorum",
            "Avukatıma ileteceğim",
            "Tüketici Hakem Heyetine başvuracağım",
            "tuketici hakem heyeti",
            "Bankaya itiraz edip ters ibraz yapacağım",
            "Ürün elimde patladı",
            "This is URGENT",
            "I will contact my lawyer",
            "I am filing a chargeback",
            "My son was injured by the toy",
        ] {
            assert!(signals_urgency(None, text), "{text}");
        }
        assert!(signals_urgency(Some("Acil!"), "kargom gelmedi"));
        for text in [
            "Kargom gecikti",
            "Davranışınız çok kaba",
            "Mahallemize geç geliyor",
            "the court shoes are too small",
            "Where is my order?",
        ] {
            assert!(!signals_urgency(None, text), "{text}");
        }
        assert!(signals_urgency(None, "I will take you to court"));
    }

    #[test]
    fn every_urgent_keyword_parses() {
        for k in URGENT_KEYWORDS {
            assert!(Keyword::parse(k).is_some(), "{k}");
        }
        assert_eq!(URGENT.len(), URGENT_KEYWORDS.len());
    }

    #[test]
    fn raise_saturates() {
        assert_eq!(raise(Priority::Urgent), Priority::Urgent);
        assert_eq!(raise(Priority::High), Priority::Urgent);
        assert_eq!(at_least(Priority::Urgent, Priority::High), Priority::Urgent);
        assert_eq!(at_least(Priority::Low, Priority::High), Priority::High);
    }
}
