//! What a complaint is about, read from its words, in Turkish and English.
//!
//! A complaint's subject and message are matched against [`RULES`]: one row
//! per category, each with the keywords and phrases that point to it. The
//! category with the highest score wins; a complaint that matches nothing is
//! [`Category::Other`] and a person sorts it.
//!
//! # Folding
//!
//! Text and keywords both go through [`fold`] ([`crate::domain::text`])
//! before they are compared, so case, Turkish letters and the usual ways of
//! typing without them do not matter: "kırık", "KIRIK", "kirik", "Kırık" and
//! "KİRİK" are the same word.
//!
//! # Keywords
//!
//! A keyword is one or more words separated by spaces, written as a person
//! would write them (any case, with or without Turkish letters):
//!
//! - a word ending in `*` is a stem and matches every word that starts with
//!   it. Turkish builds words by adding suffixes, so `gecik*` finds
//!   "gecikti", "gecikme" and "geciken"; English needs it for "damage*" →
//!   "damaged", "damages".
//! - a word without `*` matches only that whole word: `geç` ("late") must not
//!   find "geçen hafta" ("last week"), nor `card` "cardigan".
//! - a phrase (`yanlış ürün*`, `where is my order`) matches its words in a
//!   row.
//!
//! # Scoring
//!
//! Longer phrases are more specific, so they are matched first and the words
//! they cover are not available to shorter keywords: "para iadesi" (refund,
//! [`Category::Payment`]) does not also count as "iade" (return), and "hayal
//! kırıklığı" (disappointment, [`Category::Quality`]) is not "kırık"
//! (broken). Each keyword that matched adds its number of words to its
//! category's score — once, however often it occurs, so that a customer who
//! writes "kargo" five times does not outweigh the one word "kırık". The
//! highest score wins; ties go to the category that comes first in
//! [`PRECEDENCE`]:
//!
//! Damaged > WrongItem > Delivery > Payment > ReturnExchange > Quality.
//!
//! The order puts the concrete fault before the remedy asked for: "it arrived
//! broken, I want to return it" is about damage (the return follows from
//! it), "the parcel came with the wrong item" is a wrong item, not a
//! delivery problem. Quality is the vaguest and comes last.
//!
//! The result carries the score and the keywords that matched, so an agent
//! can see why a ticket landed where it did; a score of 0 means nothing
//! matched.
//!
//! # Extending the rules
//!
//! To teach memnun a word for every shop, add it to the category's row in
//! [`RULES`] (the tests check that every keyword is well-formed and appears
//! once). One shop's own vocabulary (product names, local slang) goes in at
//! run time: `Classifier::default().with_keywords(Category::Damaged,
//! ["küflü*", "mouldy"])`.
//!
//! Negation is not understood ("not broken" still reads as broken): in a
//! complaint, a word rarely appears only to deny it.

use std::sync::LazyLock;

use crate::domain::text::fold;
use crate::domain::ticket::Category;

pub use rules::RULES;

mod rules;

/// Who wins a tie, first to last. [`Category::Other`] is last: it wins only
/// when nothing matched.
pub const PRECEDENCE: [Category; 7] = [
    Category::Damaged,
    Category::WrongItem,
    Category::Delivery,
    Category::Payment,
    Category::ReturnExchange,
    Category::Quality,
    Category::Other,
];

/// Only this many words of each of subject and message are read: the
/// complaint is at the start, what follows is mostly a quoted thread, and the
/// bound keeps the work per message small whatever a sender pastes.
pub const MAX_WORDS: usize = 2_000;

/// One word of a keyword, folded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KeywordWord {
    folded: String,
    stem: bool,
}

/// A keyword or phrase, ready to be matched against folded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    text: String,
    words: Vec<KeywordWord>,
}

impl Keyword {
    /// Reads a keyword as written in [`RULES`]; `None` if it has no words.
    pub fn parse(text: &str) -> Option<Keyword> {
        let mut words = Vec::new();
        for token in text.split_whitespace() {
            let (body, stem) = match token.strip_suffix('*') {
                Some(body) => (body, true),
                None => (token, false),
            };
            let folded = fold(body);
            let mut parts = folded.split(' ').filter(|w| !w.is_empty()).peekable();
            while let Some(part) = parts.next() {
                words.push(KeywordWord {
                    folded: part.to_owned(),
                    // Punctuation inside a token ("e-arşiv*") splits it; the
                    // star belongs to its last part.
                    stem: stem && parts.peek().is_none(),
                });
            }
        }
        (!words.is_empty()).then(|| Keyword {
            text: text.trim().to_owned(),
            words,
        })
    }

    /// The keyword as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many words it has.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Always false: a keyword has at least one word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    fn matches_at(&self, words: &[&str], start: usize) -> bool {
        words.len() >= start + self.words.len()
            && self.words.iter().zip(&words[start..]).all(|(k, w)| {
                if k.stem {
                    w.starts_with(k.folded.as_str())
                } else {
                    *w == k.folded
                }
            })
    }

    /// Where the keyword starts in `words` (text already [`fold`]ed and
    /// split on spaces).
    fn positions<'a>(&'a self, words: &'a [&str]) -> impl Iterator<Item = usize> + 'a {
        (0..words.len()).filter(move |i| self.matches_at(words, *i))
    }

    /// True when the keyword occurs in `words` (text already [`fold`]ed
    /// and split on spaces).
    pub fn found_in(&self, words: &[&str]) -> bool {
        self.positions(words).next().is_some()
    }

    /// True when the keyword occurs anywhere in `text` (folded here).
    pub fn occurs_in(&self, text: &str) -> bool {
        let folded = fold(text);
        let words = split_words(&folded);
        self.positions(&words).next().is_some()
    }
}

fn split_words(folded: &str) -> Vec<&str> {
    folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .collect()
}

/// What [`Classifier::classify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The category.
    pub category: Category,
    /// The winning category's score: the number of words its matched
    /// keywords cover, each keyword counted once. 0 when nothing matched.
    pub score: u32,
    /// The winning category's keywords that matched, as written in the
    /// rules, in the order they were found.
    pub matched: Vec<String>,
}

/// A set of rules, folded once and used for many complaints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classifier {
    rules: Vec<(Category, Keyword)>,
}

impl Default for Classifier {
    /// The built-in [`RULES`].
    fn default() -> Self {
        Classifier::new(
            RULES
                .iter()
                .flat_map(|(c, words)| words.iter().map(move |w| (*c, *w))),
        )
    }
}

static DEFAULT: LazyLock<Classifier> = LazyLock::new(Classifier::default);

/// Classifies a complaint with the built-in [`RULES`].
pub fn classify(subject: Option<&str>, message: &str) -> Classification {
    DEFAULT.classify(subject, message)
}

impl Classifier {
    /// A classifier over `(category, keyword)` pairs; keywords without any
    /// word are skipped.
    pub fn new<'a>(rules: impl IntoIterator<Item = (Category, &'a str)>) -> Self {
        Classifier {
            rules: rules
                .into_iter()
                .filter_map(|(c, k)| Keyword::parse(k).map(|k| (c, k)))
                .collect(),
        }
    }

    /// Adds keywords for `category` (a shop's own vocabulary).
    pub fn with_keywords<'a>(
        mut self,
        category: Category,
        keywords: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.rules.extend(
            keywords
                .into_iter()
                .filter_map(|k| Keyword::parse(k).map(|k| (category, k))),
        );
        self
    }

    /// Classifies a complaint from its subject (if any) and message.
    pub fn classify(&self, subject: Option<&str>, message: &str) -> Classification {
        let folded: Vec<String> = subject.into_iter().chain([message]).map(fold).collect();
        // Subject and message are matched apart so that no phrase spans the
        // two.
        let segments: Vec<Vec<&str>> = folded.iter().map(|f| split_words(f)).collect();

        // (words, segment, start, rule): longest first, then in reading order.
        let mut found: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (rule, (_, keyword)) in self.rules.iter().enumerate() {
            for (segment, words) in segments.iter().enumerate() {
                for start in keyword.positions(words) {
                    found.push((keyword.len(), segment, start, rule));
                }
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2, a.3).cmp(&(b.1, b.2, b.3))));

        let mut taken: Vec<Vec<bool>> = segments.iter().map(|w| vec![false; w.len()]).collect();
        let mut counted = vec![false; self.rules.len()];
        let mut scores = [0u32; PRECEDENCE.len()];
        let mut order: Vec<(usize, usize, usize)> = Vec::new();
        for (len, segment, start, rule) in found {
            let span = &mut taken[segment][start..start + len];
            if span.iter().any(|t| *t) {
                continue;
            }
            span.iter_mut().for_each(|t| *t = true);
            if !counted[rule] {
                counted[rule] = true;
                let category = self.rules[rule].0;
                scores[rank(category)] += u32::try_from(len).unwrap_or(u32::MAX);
                order.push((segment, start, rule));
            }
        }

        let (best, score) = scores
            .iter()
            .enumerate()
            // `max_by_key` keeps the last maximum; reversing makes it the
            // first in precedence.
            .rev()
            .max_by_key(|(_, s)| **s)
            .map(|(i, s)| (i, *s))
            .unwrap_or((rank(Category::Other), 0));
        if score == 0 {
            return Classification {
                category: Category::Other,
                score: 0,
                matched: Vec::new(),
            };
        }
        let category = PRECEDENCE[best];
        order.sort_unstable();
        Classification {
            category,
            score,
            matched: order
                .into_iter()
                .filter(|(_, _, rule)| self.rules[*rule].0 == category)
                .map(|(_, _, rule)| self.rules[rule].1.as_str().to_owned())
                .collect(),
        }
    }
}

fn rank(category: Category) -> usize {
    PRECEDENCE
        .iter()
        .position(|c| *c == category)
        .unwrap_or(PRECEDENCE.len() - 1)
}

#[cfg(test)]
mod tests;
