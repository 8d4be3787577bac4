//! The classifier against real complaints, and the rules against themselves.

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
    let classifier = Classifier::default().with_keywords(Category::Damaged, ["küflü*", "mouldy"]);
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
