//! Text as memnun compares it: Turkish-aware folding.
//!
//! Folding lowercases the Turkish way ('İ' → 'i', 'I' → 'ı'), then drops the
//! marks (ı → i, ş → s, ğ → g, ü → u, ö → o, ç → c, â → a, î → i, û → u),
//! deletes apostrophes (so "kargo'nun" is one word, as customers also write
//! it), turns every other punctuation mark into a space and squeezes letters
//! typed three or more times in a row ("geldiiii") down to one. So "kırık",
//! "KIRIK", "kirik", "Kırık" and "KİRİK" are the same word.
//!
//! A module of its own because the classification of complaints and the
//! business calendar (holiday names) both fold, and neither should depend on
//! the other for it.

/// Folds `text` for matching: Turkish-aware lowercase without marks or
/// punctuation, words separated by single spaces (see the module
/// documentation).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last: Option<char> = None;
    let mut run = 0usize;
    for c in text.chars() {
        let mapped = match c {
            // Apostrophes join a suffix to its word ("kargo'nun", "didn't").
            '\'' | '’' | '‘' | 'ʼ' | '`' | '´' => continue,
            // Combining marks: the text came decomposed ("s" + cedilla).
            '\u{0300}'..='\u{036F}' => continue,
            'I' | 'İ' | 'ı' | 'î' | 'Î' => 'i',
            'Ş' | 'ş' => 's',
            'Ğ' | 'ğ' => 'g',
            'Ü' | 'ü' | 'û' | 'Û' => 'u',
            'Ö' | 'ö' => 'o',
            'Ç' | 'ç' => 'c',
            'Â' | 'â' => 'a',
            c if c.is_alphanumeric() => {
                let mut lower = c.to_lowercase();
                match (lower.next(), lower.next()) {
                    (Some(l), None) => l,
                    // Lowercasing to several characters only happens for
                    // letters outside Turkish and English; keep them whole.
                    _ => c,
                }
            }
            _ => ' ',
        };
        if mapped == ' ' {
            if last.is_some_and(|l| l != ' ') {
                out.push(' ');
            }
            last = Some(' ');
            run = 0;
            continue;
        }
        if last == Some(mapped) {
            run += 1;
        } else {
            run = 1;
        }
        last = Some(mapped);
        // Letters typed three or more times ("acilll") are read once; two
        // stay, since both languages spell with doubled letters.
        if run == 3 && mapped.is_alphabetic() {
            out.pop();
            out.pop();
            out.push(mapped);
        } else if run < 3 || !mapped.is_alphabetic() {
            out.push(mapped);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_handles_turkish_case_letters_and_punctuation() {
        for word in ["kırık", "KIRIK", "kirik", "Kırık", "KİRİK", "KıRıK"] {
            assert_eq!(fold(word), "kirik", "{word}");
        }
        assert_eq!(fold("İstanbul'a IĞDIR"), "istanbula igdir");
        assert_eq!(fold("ŞÇĞÜÖ şçğüö âîû"), "scguo scguo aiu");
        assert_eq!(
            fold("  Kargo'nun,   durumu?! (acil)  "),
            "kargonun durumu acil"
        );
        assert_eq!(fold("Didn’t arrive..."), "didnt arrive");
        // Decomposed input: "ş" as "s" + combining cedilla, "İ" as "I" + dot.
        assert_eq!(fold("s\u{0327}ikayet I\u{0307}ade"), "sikayet iade");
        assert_eq!(fold("geldiiiii ACİİİL"), "geldi acil");
        // Doubled letters are real spelling and stay.
        assert_eq!(fold("Teşekkürler, good"), "tesekkurler good");
        assert_eq!(fold("Order #1234 – 2026"), "order 1234 2026");
        assert_eq!(fold("...!"), "");
    }
}
