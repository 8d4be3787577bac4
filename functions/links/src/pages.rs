//! The pages, in Turkish and English.
//!
//! Markup lives in `functions/links/templates/` (`page_layout.html` and one
//! file per kind of page), compiled in by askama with HTML escaping on; the
//! words live here, one [`Words`] per language, so a page cannot exist in one
//! language and not the other. Pages are plain HTML with inline CSS and no
//! script, image, font or any other resource: they load in one request, pass
//! the strict content security policy the handler sends, and work from
//! 320 px up.

use askama::Template;
use memnun_shared::domain::locale::Locale;
use memnun_shared::domain::mail::display_text;
use memnun_shared::domain::ticket::TicketNumber;

use crate::query::encode;

/// What every page shows around its content.
struct Frame<'a> {
    lang: &'static str,
    shop: &'a str,
    title: &'a str,
}

/// A sentence that may name a ticket; the number never breaks across lines.
struct Line {
    before: String,
    ticket: Option<String>,
    after: String,
}

impl Line {
    fn plain(text: &str) -> Line {
        Line {
            before: text.to_string(),
            ticket: None,
            after: String::new(),
        }
    }

    fn naming(before: &str, ticket: &TicketNumber, after: &str) -> Line {
        Line {
            before: before.to_string(),
            ticket: Some(ticket.to_string()),
            after: after.to_string(),
        }
    }
}

/// One score of the survey form.
struct ScoreOption {
    score: u8,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "page_survey.html")]
struct SurveyPage<'a> {
    frame: Frame<'a>,
    question: Line,
    options: Vec<ScoreOption>,
    token: &'a str,
    button: &'static str,
    note: &'static str,
    error: Option<&'static str>,
}

/// A page with one button, which posts to `action` with the token: what a
/// mail scanner opening the link cannot press.
#[derive(Template)]
#[template(path = "page_button.html")]
struct ButtonPage<'a> {
    frame: Frame<'a>,
    action: &'static str,
    text: &'static str,
    token: &'a str,
    token_in_url: String,
    button: &'static str,
    note: &'static str,
}

#[derive(Template)]
#[template(path = "page_message.html")]
struct MessagePage<'a> {
    frame: Frame<'a>,
    paragraphs: Vec<Line>,
}

/// Every string of every page, in one language.
pub struct Words {
    lang: &'static str,
    score_labels: [&'static str; 5],
    survey_title: &'static str,
    survey_button: &'static str,
    survey_note: &'static str,
    survey_pick_a_score: &'static str,
    thanks_title: &'static str,
    thanks_more: &'static str,
    unsubscribe_title: &'static str,
    unsubscribe_text: &'static str,
    unsubscribe_button: &'static str,
    unsubscribe_note: &'static str,
    unsubscribed_title: &'static str,
    unsubscribed_text: &'static str,
    answered_title: &'static str,
    answered_text: &'static str,
    answered_button: &'static str,
    answered_note: &'static str,
    self_served_title: &'static str,
    self_served_more: &'static str,
    problems: [(&'static str, &'static str); PROBLEMS],
}

const PROBLEMS: usize = 9;

/// Why a page could not do what its link asked; each has its words and its
/// HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// No token, or not of a token's shape (a cut-off link): 400.
    IncompleteLink,
    /// Well formed, but not signed by us (changed, or another shop's): 403.
    InvalidLink,
    /// Signed for the other page (a survey token on the unsubscribe page): 400.
    WrongPage,
    /// The ticket the survey is about is not stored: 404.
    UnknownTicket,
    /// No page at this path: 404.
    NotFound,
    /// A method the page does not answer: 405.
    Method,
    /// A query string or body over the limits: 413.
    TooLarge,
    /// An AWS call failed; trying again later may work: 503.
    Unavailable,
    /// A score outside 1–5 sent without the form: 400.
    BadScore,
}

impl Problem {
    /// The HTTP status of the page.
    pub fn status(self) -> u16 {
        match self {
            Problem::IncompleteLink | Problem::WrongPage | Problem::BadScore => 400,
            Problem::InvalidLink => 403,
            Problem::UnknownTicket | Problem::NotFound => 404,
            Problem::Method => 405,
            Problem::TooLarge => 413,
            Problem::Unavailable => 503,
        }
    }

    /// A short name for the logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::IncompleteLink => "incomplete link",
            Problem::InvalidLink => "invalid signature",
            Problem::WrongPage => "token for another page",
            Problem::UnknownTicket => "unknown ticket",
            Problem::NotFound => "no such page",
            Problem::Method => "method not allowed",
            Problem::TooLarge => "request too large",
            Problem::Unavailable => "unavailable",
            Problem::BadScore => "bad score",
        }
    }

    fn index(self) -> usize {
        match self {
            Problem::IncompleteLink => 0,
            Problem::InvalidLink => 1,
            Problem::WrongPage => 2,
            Problem::UnknownTicket => 3,
            Problem::NotFound => 4,
            Problem::Method => 5,
            Problem::TooLarge => 6,
            Problem::Unavailable => 7,
            Problem::BadScore => 8,
        }
    }
}

// "e‑posta" is written with a non-breaking hyphen (U+2011): a narrow screen
// would otherwise break the word after "e-".
const TR: Words = Words {
    lang: "tr",
    score_labels: [
        "Hiç memnun kalmadım",
        "Memnun kalmadım",
        "Kararsızım",
        "Memnun kaldım",
        "Çok memnun kaldım",
    ],
    survey_title: "Yardımımızı değerlendirin",
    survey_button: "Puanımı gönder",
    survey_note: "Her talep bir kez puanlanır; ilk gönderdiğiniz puan geçerlidir.",
    survey_pick_a_score: "Lütfen 1 ile 5 arasında bir puan seçin.",
    thanks_title: "Teşekkür ederiz!",
    thanks_more: "Hâlâ yolunda gitmeyen bir şey varsa e‑postalarımızdan birini yanıtlamanız yeterli.",
    unsubscribe_title: "Pazarlama e‑postalarından çıkılsın mı?",
    unsubscribe_text: "Artık kampanya, indirim ve doğum günü e‑postaları almayacaksınız.",
    unsubscribe_button: "Abonelikten çık",
    unsubscribe_note: "Siparişleriniz ve destek talepleriniz hakkındaki e‑postalar gelmeye devam eder.",
    unsubscribed_title: "Abonelikten çıktınız",
    unsubscribed_text: "Size artık pazarlama e‑postası göndermeyeceğiz. Siparişleriniz ve destek talepleriniz hakkındaki e‑postalar gelmeye devam eder.",
    answered_title: "Sorunuz yanıtlandı mı?",
    answered_text: "Önerdiğimiz yanıt sorunuzu karşıladıysa talebinizi kapatalım; ekibimiz size ayrıca yazmayacak.",
    answered_button: "Evet, talebimi kapatın",
    answered_note: "Karşılamadıysa bu sayfayı kapatmanız yeterli: ekibimiz size dönecek.",
    self_served_title: "Talebiniz kapatıldı",
    self_served_more: "Yardımcı olabildiğimize sevindik. Başka bir sorunuz olursa e‑postalarımızdan birini yanıtlamanız yeterli.",
    problems: [
        (
            "Bu bağlantı eksik",
            "Bağlantı kesilmiş ya da bozulmuş olabilir. Lütfen e‑postadaki bağlantıyı yeniden açın ya da adresin tamamını kopyalayın.",
        ),
        (
            "Bu bağlantı geçerli değil",
            "Bağlantı değiştirilmiş olabilir. Lütfen size gönderdiğimiz e‑postadaki bağlantıyı olduğu gibi kullanın.",
        ),
        (
            "Bu bağlantı bu sayfa için değil",
            "Lütfen e‑postadaki doğru bağlantıyı kullanın.",
        ),
        (
            "Bu talebi bulamadık",
            "Bağlantı eski ya da hatalı olabilir. Yardım gerekiyorsa e‑postalarımızdan birini yanıtlayın.",
        ),
        ("Sayfa bulunamadı", "Bu adreste bir sayfa yok."),
        (
            "Bu işlem yapılamıyor",
            "Bu sayfa bu tür bir isteği yanıtlamıyor.",
        ),
        ("İstek çok büyük", "Lütfen e‑postadaki bağlantıyı kullanın."),
        (
            "Şu anda bir sorun var",
            "Bizden kaynaklanan bir sorun oluştu. Lütfen birkaç dakika sonra yeniden deneyin.",
        ),
        (
            "Lütfen bir puan seçin",
            "Puan 1 ile 5 arasında olmalı. Lütfen e‑postadaki bağlantılardan birini kullanın.",
        ),
    ],
};

const EN: Words = Words {
    lang: "en",
    score_labels: [
        "Very dissatisfied",
        "Dissatisfied",
        "Neither",
        "Satisfied",
        "Very satisfied",
    ],
    survey_title: "Rate our help",
    survey_button: "Send my rating",
    survey_note: "Each ticket is rated once; the first score you send is the one that counts.",
    survey_pick_a_score: "Please choose a score from 1 to 5.",
    thanks_title: "Thank you!",
    thanks_more: "If something is still not right, simply reply to any of our emails.",
    unsubscribe_title: "Unsubscribe from marketing emails?",
    unsubscribe_text: "You will no longer receive offers, discounts or birthday greetings by email.",
    unsubscribe_button: "Unsubscribe",
    unsubscribe_note: "Emails about your orders and support requests will still reach you.",
    unsubscribed_title: "You are unsubscribed",
    unsubscribed_text: "We will not send you marketing emails any more. Emails about your orders and support requests will still reach you.",
    answered_title: "Did that answer your question?",
    answered_text: "If the answer we suggested settles it, we will close your ticket; the team will not write to you about it.",
    answered_button: "Yes, close my ticket",
    answered_note: "If it did not, just close this page: the team will get back to you.",
    self_served_title: "Your ticket is closed",
    self_served_more: "We are glad it helped. If anything else comes up, simply reply to any of our emails.",
    problems: [
        (
            "This link is incomplete",
            "It may have been cut off or damaged. Please open the link in the email again, or copy the whole address.",
        ),
        (
            "This link is not valid",
            "It may have been changed. Please use the link in the email we sent you exactly as it is.",
        ),
        (
            "This link is not meant for this page",
            "Please use the right link from the email.",
        ),
        (
            "We could not find this ticket",
            "The link may be old or wrong. If you need help, reply to any of our emails.",
        ),
        ("Page not found", "There is no page at this address."),
        (
            "This cannot be done here",
            "This page does not answer this kind of request.",
        ),
        (
            "This request is too large",
            "Please use the link in the email.",
        ),
        (
            "Something went wrong",
            "The problem is on our side. Please try again in a few minutes.",
        ),
        (
            "Please choose a score",
            "The score must be from 1 to 5. Please use one of the links in the email.",
        ),
    ],
};

/// The words of `locale`.
pub fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::Tr => &TR,
        Locale::En => &EN,
    }
}

/// A rendered page: its status and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The HTTP status.
    pub status: u16,
    /// The whole document.
    pub html: String,
}

/// The shop's name as a page shows it.
fn shop_name(shop: &str) -> String {
    display_text(shop, 100)
}

fn render(status: u16, template: &impl Template) -> Page {
    // The templates take only strings and numbers: rendering cannot fail but
    // for a bug in askama itself, and a bare page beats a panic.
    let html = template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a page failed to render");
        "<!DOCTYPE html><title>memnun</title><p>Error</p>".to_string()
    });
    Page { status, html }
}

fn question(locale: Locale, ticket: &TicketNumber) -> Line {
    match locale {
        Locale::Tr => Line::naming(
            "",
            ticket,
            " numaralı talebinizde aldığınız yardımdan ne kadar memnun kaldınız?",
        ),
        Locale::En => Line::naming(
            "How satisfied are you with the help you got on ticket ",
            ticket,
            "?",
        ),
    }
}

/// The survey form with `selected` checked (none when `None`); `error` adds
/// the line asking for a score.
pub fn survey(
    locale: Locale,
    shop: &str,
    ticket: &TicketNumber,
    token: &str,
    selected: Option<u8>,
    error: bool,
) -> Page {
    let w = words(locale);
    let shop = shop_name(shop);
    let options = (1..=5u8)
        .zip(w.score_labels)
        .map(|(score, label)| ScoreOption {
            score,
            label,
            checked: selected == Some(score),
        })
        .collect();
    let page = SurveyPage {
        frame: Frame {
            lang: w.lang,
            shop: &shop,
            title: w.survey_title,
        },
        question: question(locale, ticket),
        options,
        token,
        button: w.survey_button,
        note: w.survey_note,
        error: error.then_some(w.survey_pick_a_score),
    };
    render(if error { 400 } else { 200 }, &page)
}

/// The thank-you page; `already` when the ticket had been rated before (the
/// first score stands, and it is the one shown).
pub fn thanks(locale: Locale, shop: &str, ticket: &TicketNumber, score: u8, already: bool) -> Page {
    let w = words(locale);
    let shop = shop_name(shop);
    let recorded = match (locale, already) {
        (Locale::Tr, false) => Line::naming(
            "",
            ticket,
            &format!(" numaralı talebiniz için verdiğiniz {score}/5 puanı kaydettik."),
        ),
        (Locale::Tr, true) => Line::naming(
            "",
            ticket,
            &format!(
                " numaralı talebi daha önce {score}/5 olarak puanlamıştınız; ilk puanınız geçerlidir."
            ),
        ),
        (Locale::En, false) => Line::naming(
            &format!("We have recorded your score of {score} out of 5 for ticket "),
            ticket,
            ".",
        ),
        (Locale::En, true) => Line::naming(
            "You had already rated ticket ",
            ticket,
            &format!(" {score} out of 5; your first score is the one that counts."),
        ),
    };
    render(
        200,
        &MessagePage {
            frame: Frame {
                lang: w.lang,
                shop: &shop,
                title: w.thanks_title,
            },
            paragraphs: vec![recorded, Line::plain(w.thanks_more)],
        },
    )
}

/// The unsubscribe page: one button, which posts to the same link.
pub fn unsubscribe(locale: Locale, shop: &str, token: &str) -> Page {
    let w = words(locale);
    let shop = shop_name(shop);
    render(
        200,
        &ButtonPage {
            frame: Frame {
                lang: w.lang,
                shop: &shop,
                title: w.unsubscribe_title,
            },
            action: "/unsubscribe",
            text: w.unsubscribe_text,
            token,
            token_in_url: encode(token),
            button: w.unsubscribe_button,
            note: w.unsubscribe_note,
        },
    )
}

/// The "this answered my question" page: one button, which posts to the
/// same link.
pub fn answered(locale: Locale, shop: &str, token: &str) -> Page {
    let w = words(locale);
    let shop = shop_name(shop);
    render(
        200,
        &ButtonPage {
            frame: Frame {
                lang: w.lang,
                shop: &shop,
                title: w.answered_title,
            },
            action: "/answered",
            text: w.answered_text,
            token,
            token_in_url: encode(token),
            button: w.answered_button,
            note: w.answered_note,
        },
    )
}

/// The page after "this answered my question", or for a ticket already
/// resolved (`already`).
pub fn self_served(locale: Locale, shop: &str, ticket: &TicketNumber, already: bool) -> Page {
    let w = words(locale);
    let shop = shop_name(shop);
    let closed = match (locale, already) {
        (Locale::Tr, false) => Line::naming("", ticket, " numaralı talebinizi kapattık."),
        (Locale::Tr, true) => Line::naming("", ticket, " numaralı talebiniz zaten kapatılmış."),
        (Locale::En, false) => Line::naming("We have closed ticket ", ticket, "."),
        (Locale::En, true) => Line::naming("Ticket ", ticket, " was already closed."),
    };
    render(
        200,
        &MessagePage {
            frame: Frame {
                lang: w.lang,
                shop: &shop,
                title: w.self_served_title,
            },
            paragraphs: vec![closed, Line::plain(w.self_served_more)],
        },
    )
}

/// The confirmation after an unsubscribe.
pub fn unsubscribed(locale: Locale, shop: &str) -> Page {
    let w = words(locale);
    let shop = shop_name(shop);
    render(
        200,
        &MessagePage {
            frame: Frame {
                lang: w.lang,
                shop: &shop,
                title: w.unsubscribed_title,
            },
            paragraphs: vec![Line::plain(w.unsubscribed_text)],
        },
    )
}

/// The page for `problem`, with its status.
pub fn problem(locale: Locale, shop: &str, problem: Problem) -> Page {
    let w = words(locale);
    let shop = shop_name(shop);
    let (title, text) = w.problems[problem.index()];
    render(
        problem.status(),
        &MessagePage {
            frame: Frame {
                lang: w.lang,
                shop: &shop,
                title,
            },
            paragraphs: vec![Line::plain(text)],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> TicketNumber {
        TicketNumber::parse("TK-1234-5678").unwrap()
    }

    fn all_pages(locale: Locale) -> Vec<Page> {
        let mut pages = vec![
            survey(locale, "Dükkan", &ticket(), "v1.s.x.y", Some(4), false),
            survey(locale, "Dükkan", &ticket(), "v1.s.x.y", None, true),
            thanks(locale, "Dükkan", &ticket(), 4, false),
            thanks(locale, "Dükkan", &ticket(), 2, true),
            unsubscribe(locale, "Dükkan", "v1.u.x.y"),
            unsubscribed(locale, "Dükkan"),
        ];
        for p in [
            Problem::IncompleteLink,
            Problem::InvalidLink,
            Problem::WrongPage,
            Problem::UnknownTicket,
            Problem::NotFound,
            Problem::Method,
            Problem::TooLarge,
            Problem::Unavailable,
            Problem::BadScore,
        ] {
            pages.push(problem(locale, "Dükkan", p));
        }
        pages
    }

    #[test]
    fn every_page_is_self_contained_and_accessible_in_both_languages() {
        for (locale, lang) in [(Locale::Tr, "tr"), (Locale::En, "en")] {
            for page in all_pages(locale) {
                let html = &page.html;
                assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
                assert!(html.contains(&format!("<html lang=\"{lang}\">")));
                assert!(html.contains("name=\"viewport\""));
                assert!(html.contains("<h1>"));
                assert!(html.contains(":focus-visible"));
                assert!(html.contains("Dükkan"));
                for external in [
                    "http:", "https:", "src=", "<script", "<link", "@import", "url(",
                ] {
                    assert!(!html.contains(external), "{external} in {html}");
                }
            }
        }
    }

    #[test]
    fn problems_have_their_status_and_words() {
        let p = problem(Locale::En, "Dükkan", Problem::InvalidLink);
        assert_eq!(p.status, 403);
        assert!(p.html.contains("This link is not valid"));
        let p = problem(Locale::Tr, "Dükkan", Problem::UnknownTicket);
        assert_eq!(p.status, 404);
        assert!(p.html.contains("Bu talebi bulamadık"));
    }

    #[test]
    fn the_survey_form_checks_the_clicked_score_and_carries_the_token() {
        let p = survey(
            Locale::En,
            "Dükkan",
            &ticket(),
            "v1.s.VEs.tag",
            Some(4),
            false,
        );
        assert_eq!(p.status, 200);
        assert!(p.html.contains("value=\"4\" required checked"));
        assert_eq!(p.html.matches(" checked").count(), 1);
        assert!(p.html.contains("name=\"t\" value=\"v1.s.VEs.tag\""));
        assert!(
            p.html
                .contains("<button type=\"submit\">Send my rating</button>")
        );
        assert!(p.html.contains("TK-1234-5678"));
    }

    #[test]
    fn the_unsubscribe_form_posts_to_its_own_link() {
        let p = unsubscribe(Locale::Tr, "Dükkan", "v1.u.Yy0x.tag");
        assert!(
            p.html
                .contains("<form method=\"post\" action=\"/unsubscribe?t=v1.u.Yy0x.tag\">")
        );
        assert!(p.html.contains(">Abonelikten çık</button>"));
    }

    #[test]
    fn shop_names_are_escaped() {
        let p = unsubscribed(Locale::En, "<script>alert(1)</script>");
        assert!(!p.html.contains("<script>"));
        assert!(p.html.contains("&#60;script&#62;") || p.html.contains("&lt;script&gt;"));
    }
}
