//! The shop's FAQ, and which of its answers a new complaint gets before a
//! person reads it.
//!
//! The shop writes its questions and answers in one file (`faq.json`, in
//! Turkish and English), checked before it is deployed by `memnun-faq
//! check`, which names the bad entry. A complaint's acknowledgement carries
//! up to [`SUGGESTED`] answers whose category is the complaint's (or that
//! have none) and whose keywords are in its subject or message, folded the
//! Turkish way as the classifier folds ([`crate::domain::text`]): "KARGOM
//! NERDE" finds the entry with `kargo*` and `nerede`/`nerde`. The answers
//! with the most keywords found come first; ties keep the file's order, so
//! the shop ranks them.
//!
//! Why keywords and not a search engine: the shop knows which words its
//! customers use, sees exactly why an answer was offered, and can fix it in
//! the file; and a Lambda with a few hundred entries matches in
//! microseconds, with nothing to run beside it.

use serde::Deserialize;

use crate::domain::classification::Keyword;
use crate::domain::locale::Locale;
use crate::domain::text::fold;
use crate::domain::ticket::Category;

/// How many answers an acknowledgement carries at most.
pub const SUGGESTED: usize = 3;
/// The most entries a file may hold.
pub const MAX_ENTRIES: usize = 500;
/// The longest question, in characters.
pub const MAX_QUESTION: usize = 200;
/// The longest answer, in characters.
pub const MAX_ANSWER: usize = 1500;
/// The largest file, in bytes.
pub const MAX_FILE_BYTES: usize = 512 * 1024;

/// One question and its answer, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// The question as a customer would ask it.
    pub question: String,
    /// The answer, plain text; a blank line starts a paragraph.
    pub answer: String,
}

/// One entry of the FAQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its id: lower-case letters, digits and dashes (`kargo-nerede`),
    /// unique in the file; counted by it in the digest.
    pub id: String,
    /// The category it answers; `None`: any.
    pub category: Option<Category>,
    /// The words that make it a match.
    pub keywords: Vec<Keyword>,
    /// Turkish.
    pub tr: Text,
    /// English.
    pub en: Text,
}

impl Entry {
    /// The entry's words in `locale`.
    pub fn text(&self, locale: Locale) -> &Text {
        match locale {
            Locale::Tr => &self.tr,
            Locale::En => &self.en,
        }
    }
}

/// The shop's FAQ, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faq {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    entries: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    category: Option<String>,
    keywords: Vec<String>,
    tr: Text,
    en: Text,
}

/// What is wrong with a file: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqError {
    /// The entry (`entry 3 (kargo-nerede)`), or `file`.
    pub at: String,
    /// What is wrong (never the text of an answer).
    pub reason: String,
}

impl std::fmt::Display for FaqError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.reason)
    }
}

impl Faq {
    /// Reads and checks a file; every problem is named, the first per
    /// entry.
    pub fn parse(bytes: &[u8]) -> Result<Faq, Vec<FaqError>> {
        let file = |reason: String| {
            vec![FaqError {
                at: "file".into(),
                reason,
            }]
        };
        if bytes.len() > MAX_FILE_BYTES {
            return Err(file(format!("is over {MAX_FILE_BYTES} bytes")));
        }
        let raw: RawFile =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(bytes))
                .map_err(|e| {
                    file(format!(
                        "is not an FAQ file: at `{}`, {}",
                        e.path(),
                        e.inner()
                    ))
                })?;
        if raw.entries.len() > MAX_ENTRIES {
            return Err(file(format!(
                "has {} entries, more than {MAX_ENTRIES}",
                raw.entries.len()
            )));
        }
        let mut errors = Vec::new();
        let mut entries: Vec<Entry> = Vec::with_capacity(raw.entries.len());
        for (i, r) in raw.entries.into_iter().enumerate() {
            let at = format!("entry {} ({})", i + 1, shown_id(&r.id));
            match entry(r, &entries) {
                Ok(e) => entries.push(e),
                Err(reason) => errors.push(FaqError { at, reason }),
            }
        }
        if errors.is_empty() {
            Ok(Faq { entries })
        } else {
            Err(errors)
        }
    }

    /// Every entry, in the file's order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with this id.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The answers for a complaint about `category` with `subject` and
    /// `message`: at most [`SUGGESTED`], the most keywords found first.
    pub fn suggest(&self, category: Category, subject: Option<&str>, message: &str) -> Vec<&Entry> {
        let segments: Vec<String> = subject.into_iter().chain([message]).map(fold).collect();
        let words: Vec<Vec<&str>> = segments
            .iter()
            .map(|s| s.split(' ').filter(|w| !w.is_empty()).collect())
            .collect();
        let mut scored: Vec<(usize, usize, &Entry)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.category.is_none_or(|c| c == category))
            .filter_map(|(i, e)| {
                let hits = e
                    .keywords
                    .iter()
                    .filter(|k| words.iter().any(|w| k.found_in(w)))
                    .count();
                (hits > 0).then_some((hits, i, e))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .take(SUGGESTED)
            .map(|(_, _, e)| e)
            .collect()
    }
}

/// An id as an error may show it: what a valid id may hold, cut short.
fn shown_id(id: &str) -> String {
    let shown: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    if shown.is_empty() {
        "no id".into()
    } else {
        shown
    }
}

fn entry(r: RawEntry, before: &[Entry]) -> Result<Entry, String> {
    let valid_id = !r.id.is_empty()
        && r.id.len() <= 40
        && r.id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid_id {
        return Err("id must be 1 to 40 lower-case letters, digits and dashes".into());
    }
    if before.iter().any(|e| e.id == r.id) {
        return Err("id is used by an earlier entry".into());
    }
    let category = match r.category.as_deref() {
        None | Some("") | Some("any") => None,
        Some(c) => Some(Category::parse(c).ok_or_else(|| {
            let all: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            format!("category must be one of {} (or left out)", all.join(", "))
        })?),
    };
    if r.keywords.is_empty() {
        return Err("keywords is empty: the entry could never be offered".into());
    }
    let mut keywords = Vec::with_capacity(r.keywords.len());
    for (i, k) in r.keywords.iter().enumerate() {
        if k.chars().count() > 60 {
            return Err(format!("keywords[{i}] is longer than 60 characters"));
        }
        keywords.push(Keyword::parse(k).ok_or_else(|| format!("keywords[{i}] has no word"))?);
    }
    for (lang, text) in [("tr", &r.tr), ("en", &r.en)] {
        let q = text.question.trim().chars().count();
        let a = text.answer.trim().chars().count();
        if q == 0 {
            return Err(format!("{lang}.question is empty"));
        }
        if q > MAX_QUESTION {
            return Err(format!(
                "{lang}.question is longer than {MAX_QUESTION} characters"
            ));
        }
        if a == 0 {
            return Err(format!("{lang}.answer is empty"));
        }
        if a > MAX_ANSWER {
            return Err(format!(
                "{lang}.answer is longer than {MAX_ANSWER} characters"
            ));
        }
    }
    Ok(Entry {
        id: r.id,
        category,
        keywords,
        tr: r.tr,
        en: r.en,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../../infra/faq.example.json");

    fn faq() -> Faq {
        Faq::parse(EXAMPLE.as_bytes()).expect("the example is valid")
    }

    fn ids(found: &[&Entry]) -> Vec<String> {
        found.iter().map(|e| e.id.clone()).collect()
    }

    #[test]
    fn answers_match_in_both_languages_however_the_customer_typed() {
        let faq = faq();
        for (category, subject, message) in [
            (
                Category::Delivery,
                Some("KARGOM NERDE??"),
                "3 gündür bekliyorum",
            ),
            (
                Category::Delivery,
                None,
                "siparişim hâlâ gelmedi, kargo takip no?",
            ),
            (
                Category::Delivery,
                Some("Where is my parcel"),
                "It has not arrived yet",
            ),
        ] {
            assert_eq!(
                ids(&faq.suggest(category, subject, message)),
                ["kargo-nerede"],
                "{subject:?} {message}"
            );
        }
        assert_eq!(
            ids(&faq.suggest(Category::Damaged, None, "Kupa KIRIK geldi")),
            ["kirik-urun"]
        );
        assert_eq!(
            ids(&faq.suggest(Category::Damaged, None, "The mug arrived broken")),
            ["kirik-urun"]
        );
        // The words of another category's entry do not bring it.
        assert!(
            faq.suggest(Category::Payment, None, "kargo nerede")
                .is_empty()
        );
        // Nothing in common: nothing offered.
        assert!(faq.suggest(Category::Delivery, None, "merhaba").is_empty());
    }

    #[test]
    fn at_most_three_the_most_keywords_first_then_the_files_order() {
        let entry = |id: &str, keywords: &str| {
            format!(
                r#"{{"id":"{id}","keywords":[{keywords}],"tr":{{"question":"s","answer":"c"}},"en":{{"question":"q","answer":"a"}}}}"#
            )
        };
        let file = format!(
            r#"{{"entries":[{},{},{},{},{}]}}"#,
            entry("a", r#""kargo""#),
            entry("b", r#""kargo","gec*""#),
            entry("c", r#""iade""#),
            entry("d", r#""kargo""#),
            entry("e", r#""kargo""#),
        );
        let faq = Faq::parse(file.as_bytes()).unwrap();
        assert_eq!(
            ids(&faq.suggest(Category::Other, None, "kargo gecikti")),
            ["b", "a", "d"]
        );
    }

    #[test]
    fn every_bad_entry_is_named_with_its_reason() {
        let file = r#"{"entries":[
            {"id":"ok","keywords":["a"],"tr":{"question":"s","answer":"c"},"en":{"question":"q","answer":"a"}},
            {"id":"Bad Id","keywords":["a"],"tr":{"question":"s","answer":"c"},"en":{"question":"q","answer":"a"}},
            {"id":"ok","keywords":["a"],"tr":{"question":"s","answer":"c"},"en":{"question":"q","answer":"a"}},
            {"id":"no-en","keywords":["a"],"tr":{"question":"s","answer":"c"},"en":{"question":"q","answer":" "}},
            {"id":"cat","category":"shipping","keywords":["a"],"tr":{"question":"s","answer":"c"},"en":{"question":"q","answer":"a"}},
            {"id":"no-words","keywords":[],"tr":{"question":"s","answer":"c"},"en":{"question":"q","answer":"a"}}
        ]}"#;
        let errors: Vec<String> = Faq::parse(file.as_bytes())
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            [
                "entry 2 (BadId): id must be 1 to 40 lower-case letters, digits and dashes",
                "entry 3 (ok): id is used by an earlier entry",
                "entry 4 (no-en): en.answer is empty",
                "entry 5 (cat): category must be one of delivery, damaged, wrong_item, return_exchange, quality, payment, other (or left out)",
                "entry 6 (no-words): keywords is empty: the entry could never be offered",
            ]
        );
        let unknown = Faq::parse(br#"{"entries":[{"id":"x","keyword":["a"]}]}"#).unwrap_err();
        assert!(unknown[0].to_string().contains("entries[0]"), "{unknown:?}");
        assert!(Faq::parse(b"not json").is_err());
    }
}
