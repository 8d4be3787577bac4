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

/// Keywords per category. See the module documentation for how to write
/// and extend them.
pub const RULES: &[(Category, &[&str])] = &[
    (
        Category::Delivery,
        &[
            // Turkish
            "kargo*",
            "teslimat*",
            "teslim edilmedi",
            "teslim edilmemiş*",
            "teslim alamad*",
            "teslim tarih*",
            "gecik*",
            "geç",
            "geç kal*",
            "geç gel*",
            "gelmedi",
            "gelmemiş*",
            "gelmiyor",
            "hala gelmedi",
            "henüz gelmedi",
            "sipariş* gelmedi",
            "sipariş* nerede",
            "sipariş* ulaşmad*",
            "paket* nerede",
            "ne zaman gelecek",
            "ne zaman gelir*",
            "ulaşmad*",
            "ulaşmamış*",
            "takip numara*",
            "takip kod*",
            "gönderi takip*",
            "kurye*",
            "dağıtım*",
            "kayboldu",
            "kaybolmuş*",
            "kayıp",
            "gönderilmedi",
            "gönderilmemiş*",
            "yanlış adres*",
            // English
            "deliver*",
            "late",
            "arrived late",
            "delay*",
            "shipping",
            "shipment*",
            "shipped",
            "not shipped",
            "dispatch*",
            "courier*",
            "tracking*",
            "track my order",
            "not arrived",
            "never arrived",
            "hasnt arrived",
            "didnt arrive",
            "did not arrive",
            "not received",
            "never received",
            "havent received",
            "where is my order",
            "wheres my order",
            "where is my package",
            "where is my parcel",
            "still waiting for my order",
            "lost package",
            "package lost",
            "lost parcel",
            "parcel*",
            "in transit",
            "wrong address",
        ],
    ),
    (
        Category::Damaged,
        &[
            // Turkish
            "kırık*",
            "kırıl*",
            "hasar*",
            "bozuk*",
            "çatla*",
            "ezik*",
            "ezil*",
            "parçalan*",
            "paramparça*",
            "un ufak",
            "yırtık*",
            "yırtıl*",
            "çizik*",
            "çizil*",
            "delik",
            "delinmiş*",
            "ıslak*",
            "ıslan*",
            "lekeli",
            "sızdır*",
            // English
            "broke*",
            "damage*",
            "crack*",
            "smash*",
            "shatter*",
            "dent",
            "dents",
            "dented",
            "scratch*",
            "torn",
            "ripped",
            "crushed",
            "squashed",
            "leak*",
            "in pieces",
            "stained",
            "soaked",
            "bent",
        ],
    ),
    (
        Category::WrongItem,
        &[
            // Turkish
            "yanlış ürün*",
            "yanlış sipariş*",
            "yanlış gel*",
            "yanlış gönder*",
            "yanlış renk*",
            "yanlış beden*",
            "yanlış numara*",
            "yanlış model*",
            "farklı ürün*",
            "farklı bir ürün*",
            "farklı renk*",
            "farklı model*",
            "farklı beden*",
            "başka ürün*",
            "başka bir ürün*",
            "sipariş ettiğim* değil",
            "benim sipariş* değil",
            "eksik*",
            // English
            "wrong item*",
            "wrong product*",
            "wrong size*",
            "wrong colo*",
            "wrong order*",
            "wrong model*",
            "wrong one",
            "sent the wrong",
            "sent me the wrong",
            "received the wrong",
            "got the wrong",
            "different item*",
            "different product*",
            "different colo*",
            "different size*",
            "not what i ordered",
            "missing item*",
            "missing part*",
            "missing piece*",
            "item* missing",
            "part* missing",
            "piece* missing",
            "incomplete",
            "instead of",
        ],
    ),
    (
        Category::ReturnExchange,
        &[
            // Turkish
            "iade*",
            "geri gönder*",
            "geri yolla*",
            "geri al*",
            "geri vermek",
            "değişim*",
            "değiştir*",
            "cayma hak*",
            "beden* uymad*",
            "beden* olmad*",
            "küçük geldi",
            "büyük geldi",
            "dar geldi",
            "bol geldi",
            "vazgeçtim",
            "istemiyorum",
            // English
            "return*",
            "refund",
            "refund request*",
            "request a refund",
            "want a refund",
            "exchange*",
            "send it back",
            "send back",
            "sending back",
            "swap*",
            "doesnt fit",
            "does not fit",
            "didnt fit",
            "too small",
            "too big",
            "too large",
            "too tight",
            "changed my mind",
            "money back",
        ],
    ),
    (
        Category::Quality,
        &[
            // Turkish
            "kalitesiz*",
            "kalite*",
            "kötü kalite*",
            "düşük kalite*",
            "kalitesi kötü",
            "kalitesi düşük",
            "bozuldu",
            "bozul*",
            "çalışmıyor*",
            "çalışmadı",
            "çalışmaz",
            "arıza*",
            "defo",
            "defolu*",
            "dikiş*",
            "sökül*",
            "soldu",
            "solmuş*",
            "boyası çıktı",
            "tüylen*",
            "yıkayınca*",
            "dağıldı",
            "dağılmış*",
            "sahte*",
            "taklit*",
            "orijinal değil",
            "gibi değil",
            "beğenmed*",
            "hayal kırıklığ*",
            "memnun kalmad*",
            // English
            "quality",
            "poor quality",
            "bad quality",
            "low quality",
            "cheaply made",
            "fell apart",
            "falling apart",
            "came apart",
            "defect*",
            "faulty",
            "stopped working",
            "doesnt work",
            "does not work",
            "not working",
            "broke after",
            "broke down",
            "malfunction*",
            "faded",
            "shrunk",
            "shrank",
            "peeling",
            "flimsy",
            "fake",
            "counterfeit",
            "not as described",
            "not as pictured",
            "looks nothing like",
            "disappoint*",
        ],
    ),
    (
        Category::Payment,
        &[
            // Turkish
            "öde*",
            "çift çekim*",
            "çift çekil*",
            "iki kez çek*",
            "iki kere çek*",
            "iki defa çek*",
            "2 kez çek*",
            "2 kere çek*",
            "fazla çek*",
            "fazladan*",
            "fazla ücret*",
            "çekim*",
            "ücret*",
            "para iade*",
            "param",
            "paramı",
            "paramı geri*",
            "iade* yatmad*",
            "iade* yapılmad*",
            "iade* gelmedi",
            "iade* alamad*",
            "iade* nerede",
            "geri ödeme*",
            "fatura*",
            "fatura* gelmedi",
            "e-arşiv*",
            "kart",
            "kartım*",
            "kartı",
            "kartın*",
            "kartta*",
            "karttan",
            "kredi kart*",
            "banka kart*",
            "hesabımdan*",
            "tahsil*",
            "taksit*",
            "havale*",
            "eft",
            "provizyon*",
            "ters ibraz*",
            "indirim* uygulanmad*",
            // English
            "payment*",
            "pay",
            "paid",
            "paid twice",
            "charge",
            "charges",
            "charged",
            "charged twice",
            "double charge*",
            "overcharg*",
            "chargeback*",
            "invoice*",
            "receipt*",
            "billing",
            "billed",
            "bill",
            "card",
            "cards",
            "credit card*",
            "debit card*",
            "transaction*",
            "bank",
            "bank account*",
            "bank statement*",
            "paypal",
            "refund not received",
            "refund has not",
            "refund hasnt",
            "not been refunded",
            "not refunded",
            "never refunded",
            "no refund",
            "where is my refund",
            "received my refund",
            "received the refund",
            "receive my refund",
            "waiting for my refund",
            "refund missing",
            "discount not applied",
            "coupon not applied",
        ],
    ),
];

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
mod tests {
    use super::*;

    fn category(text: &str) -> Category {
        classify(None, text).category
    }

    #[test]
    fn broken_in_every_spelling_is_damaged() {
        for text in [
            "kırık",
            "KIRIK",
            "kirik",
            "Kırık",
            "KİRİK",
            "KIRIK GELDİ",
            "Ürün kırılmış olarak geldi.",
            "bardakların ikisi kirik geldi!!!",
            "Kutu EZİK, içindeki vazo parçalanmış",
            "The mug arrived cracked",
            "Screen was SMASHED and the box damaged",
            "my lamp came broken",
        ] {
            let c = classify(None, text);
            assert_eq!(c.category, Category::Damaged, "{text}");
            assert!(c.score > 0);
        }
    }

    #[test]
    fn delivery_in_both_languages_with_stems() {
        for text in [
            "Siparişim 10 gündür gelmedi",
            "Kargom gecikti",
            "teslimatta gecikme var",
            "geciken siparişim ne zaman gelecek?",
            "Kargo takip numarası çalışmıyor",
            "Paket geç geldi",
            "Paketim hâlâ ulaşmadı",
            "Where is my order?",
            "My parcel hasn't arrived yet",
            "The delivery is late",
            "Tracking says delivered but I have nothing",
        ] {
            assert_eq!(category(text), Category::Delivery, "{text}");
        }
    }

    #[test]
    fn wrong_item_return_quality_payment() {
        let cases = [
            ("Yanlış ürün gönderilmiş", Category::WrongItem),
            ("Siparişimden farklı renk geldi", Category::WrongItem),
            ("Kutudan 2 parça eksik çıktı", Category::WrongItem),
            ("You sent me the wrong size", Category::WrongItem),
            ("There is a missing item in my order", Category::WrongItem),
            ("Ürünü iade etmek istiyorum", Category::ReturnExchange),
            (
                "Beden uymadı, değişim yapabilir miyim?",
                Category::ReturnExchange,
            ),
            (
                "I would like to return these shoes",
                Category::ReturnExchange,
            ),
            (
                "Can I exchange it for a bigger one?",
                Category::ReturnExchange,
            ),
            (
                "Çok kalitesiz bir ürün, bir yıkamada dikişleri söküldü",
                Category::Quality,
            ),
            ("Poor quality, it fell apart in a week", Category::Quality),
            (
                "The charger stopped working after two days",
                Category::Quality,
            ),
            ("Kartımdan iki kez çekim yapıldı", Category::Payment),
            ("Para iadem hala yatmadı", Category::Payment),
            ("Faturam gelmedi", Category::Payment),
            ("I was charged twice for one order", Category::Payment),
            ("My refund not received after 3 weeks", Category::Payment),
            ("I returned it and still no refund", Category::Payment),
        ];
        for (text, expected) in cases {
            assert_eq!(category(text), expected, "{text}");
        }
    }

    #[test]
    fn mixed_language_text_is_classified() {
        assert_eq!(
            category("Merhaba, my order arrived kırık"),
            Category::Damaged
        );
        assert_eq!(
            category("Kargo çok late, where is my order"),
            Category::Delivery
        );
        assert_eq!(
            category("wrong item geldi, iade istiyorum"),
            Category::WrongItem
        );
    }

    #[test]
    fn the_subject_counts_too_but_phrases_do_not_span_it() {
        let c = classify(Some("Hasarlı ürün"), "Merhaba, dün teslim aldım.");
        assert_eq!(c.category, Category::Damaged);
        assert_eq!(c.matched, ["hasar*"]);
        // "where is my" | "order" across the boundary is not the phrase.
        let c = classify(Some("where is my"), "order");
        assert_eq!(c.category, Category::Other);
    }

    #[test]
    fn nothing_matched_is_other() {
        for text in [
            "",
            "Merhaba, mağazanız hafta sonu açık mı?",
            "Geçen hafta aldığım elbiseyi çok beğendim",
            "Do you have this in blue?",
            "Karton kutuyu geri dönüşüme atabilir miyim",
        ] {
            let c = classify(None, text);
            assert_eq!(c.category, Category::Other, "{text}");
            assert_eq!(c.score, 0);
            assert!(c.matched.is_empty());
        }
    }

    #[test]
    fn ties_follow_the_precedence() {
        // Delivery 1 ("kargo*") against Damaged 1 ("kırık*").
        let c = classify(None, "Kargo geldi ama ürün kırık");
        assert_eq!((c.category, c.score), (Category::Damaged, 1));
        // Damaged beats ReturnExchange: the fault before the remedy.
        assert_eq!(category("broken, I want to return it"), Category::Damaged);
        // WrongItem beats Delivery.
        let c = classify(None, "Kargo eksik geldi");
        assert_eq!((c.category, c.score), (Category::WrongItem, 1));
        // Delivery beats Payment.
        assert_eq!(category("kargo ücreti"), Category::Delivery);
        // Payment beats ReturnExchange.
        assert_eq!(category("iade ödeme"), Category::Payment);
        // ReturnExchange beats Quality.
        assert_eq!(category("kalitesi yüzünden iade"), Category::ReturnExchange);
        for pair in PRECEDENCE.windows(2) {
            assert_ne!(pair[0], pair[1]);
        }
    }

    #[test]
    fn the_higher_score_wins_over_precedence() {
        // Two delivery keywords against one damage keyword.
        let c = classify(None, "Kargo gecikti, kutu da biraz ezik");
        assert_eq!(c.category, Category::Delivery);
        assert_eq!(c.score, 2);
        assert_eq!(c.matched, ["kargo*", "gecik*"]);
    }

    #[test]
    fn longer_phrases_take_their_words_first() {
        let c = classify(None, "para iadesi istiyorum");
        assert_eq!(c.category, Category::Payment);
        assert_eq!(c.matched, ["para iade*"]);
        let c = classify(None, "Tam bir hayal kırıklığı");
        assert_eq!(c.category, Category::Quality);
        let c = classify(None, "Faturam gelmedi");
        assert_eq!((c.category, c.score), (Category::Payment, 2));
    }

    #[test]
    fn a_repeated_word_counts_once() {
        let c = classify(None, "kargo kargo kargo kargo, ürün kırık ve çatlak");
        assert_eq!(c.category, Category::Damaged);
        assert_eq!(c.score, 2);
    }

    #[test]
    fn whole_words_do_not_match_longer_words() {
        // `geç` is not "geçen", `card` is not "cardigan", `kart` is not "karton".
        assert_eq!(category("geçen ay aldım"), Category::Other);
        assert_eq!(category("the cardigan"), Category::Other);
        assert_eq!(category("karton"), Category::Other);
        assert_eq!(category("pay with card"), Category::Payment);
    }

    #[test]
    fn every_rule_is_well_formed_and_appears_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (category, keywords) in RULES {
            assert_ne!(*category, Category::Other, "Other is the fallback");
            assert!(!keywords.is_empty());
            for k in *keywords {
                let parsed = Keyword::parse(k).unwrap_or_else(|| panic!("empty keyword {k:?}"));
                assert!(!parsed.is_empty());
                assert!(
                    seen.insert(fold(k) + if k.ends_with('*') { "*" } else { "" }),
                    "{k} twice"
                );
            }
        }
        for category in Category::ALL {
            if *category != Category::Other {
                assert!(RULES.iter().any(|(c, _)| c == category), "{category}");
            }
            assert!(PRECEDENCE.contains(category));
        }
    }

    #[test]
    fn keywords_parse_stems_and_phrases() {
        let k = Keyword::parse("  Yanlış ÜRÜN* ").unwrap();
        assert_eq!(k.as_str(), "Yanlış ÜRÜN*");
        assert_eq!(k.len(), 2);
        assert!(k.occurs_in("Size yanlis urunu gonderdiniz"));
        assert!(!k.occurs_in("yanlış bir ürün"));
        let split = Keyword::parse("e-arşiv*").unwrap();
        assert_eq!(split.len(), 2);
        assert!(split.occurs_in("E-Arşiv faturası"));
        assert!(Keyword::parse(" * ").is_none());
        assert!(Keyword::parse("").is_none());
    }

    #[test]
    fn shops_can_add_their_own_words() {
        assert_eq!(category("peynir küflü çıktı"), Category::Other);
        let classifier =
            Classifier::default().with_keywords(Category::Damaged, ["küflü*", "mouldy"]);
        let c = classifier.classify(None, "peynir KÜFLÜYDÜ");
        assert_eq!(c.category, Category::Damaged);
        assert_eq!(c.matched, ["küflü*"]);
        let only = Classifier::new([(Category::Payment, "kasa")]);
        assert_eq!(only.classify(None, "Kasa").category, Category::Payment);
        assert_eq!(only.classify(None, "kırık").category, Category::Other);
    }

    #[test]
    fn long_texts_are_bounded() {
        let padding = "lorem ".repeat(MAX_WORDS);
        assert_eq!(category(&format!("{padding} kırık")), Category::Other);
        assert_eq!(category(&format!("kırık {padding}")), Category::Damaged);
    }
}
