//! The satisfaction survey of a resolved ticket: five signed score links.

use super::*;

/// What the satisfaction survey after a resolved ticket says.
#[derive(Debug, Clone)]
pub struct SurveyRequest<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The resolved ticket.
    pub ticket: &'a TicketNumber,
    /// One-click links for the scores 1 to 5, in that order; each must be an
    /// `https` URL.
    pub score_links: &'a [String; 5],
}

/// A score as the survey shows it.
struct ScoreLink {
    score: u8,
    label: &'static str,
    url: String,
}

struct SurveyView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    ticket: String,
    links: Vec<ScoreLink>,
}

/// The words of each score, 1 to 5.
pub(super) fn score_labels(locale: Locale) -> [&'static str; 5] {
    match locale {
        Locale::Tr => [
            "Hiç memnun değilim",
            "Memnun değilim",
            "Kararsızım",
            "Memnunum",
            "Çok memnunum",
        ],
        Locale::En => [
            "Very dissatisfied",
            "Dissatisfied",
            "Neutral",
            "Satisfied",
            "Very satisfied",
        ],
    }
}

/// Renders the satisfaction survey for a resolved ticket in `locale`.
///
/// Fails if a score link is not an `https` URL: the links are built by
/// memnun itself, so a bad one is a bug to surface, not to paper over.
pub fn survey_request(locale: Locale, s: &SurveyRequest<'_>) -> Result<Rendered> {
    let shop = shop_name(s.shop);
    let subject = match locale {
        Locale::Tr => format!("[{}] {shop}: Hizmetimizi nasıl buldunuz?", s.ticket),
        Locale::En => format!("[{}] {shop}: How did we do?", s.ticket),
    };
    let mut links = Vec::with_capacity(5);
    for ((score, label), url) in (1u8..).zip(score_labels(locale)).zip(s.score_links) {
        let url = https_url(url).ok_or_else(|| Error::Render {
            template: "survey",
            // The URL itself stays out: it may carry a signed token.
            reason: format!("the link for score {score} is not an https URL"),
        })?;
        links.push(ScoreLink { score, label, url });
    }
    let v = SurveyView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(s.name),
        ticket: s.ticket.to_string(),
        links,
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "survey",
            &v.subject,
            &SurveyTrHtml { v },
            &SurveyTrText { v },
        ),
        Locale::En => finish(
            "survey",
            &v.subject,
            &SurveyEnHtml { v },
            &SurveyEnText { v },
        ),
    }
}

templates! {
    SurveyTrHtml(SurveyView) => "survey_tr.html",
    SurveyTrText(SurveyView) => "survey_tr.txt",
    SurveyEnHtml(SurveyView) => "survey_en.html",
    SurveyEnText(SurveyView) => "survey_en.txt",
}
