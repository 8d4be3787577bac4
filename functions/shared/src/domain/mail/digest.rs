//! The weekly digest email, in each language.
//!
//! Same rules as [`super::render`]: the words live in
//! `functions/shared/templates/` (`digest_tr.html`, `digest_en.txt`, …) and
//! the HTML extends `layout.html`. The charts are tables: a bar is a cell
//! whose width is its share of the chart's largest value, which every mail
//! client renders, with no image to host or block. The key figures table
//! and the charts are shared by both languages (`digest_summary.html`,
//! `digest_chart.html`); only their words differ.
//!
//! It goes to the support lead and marketing, never to customers: it carries
//! counts only, no ticket, customer or coupon code.

use askama::Template;
use jiff::civil::Date;

use crate::domain::coupon::CouponReason;
use crate::domain::digest::{Bar, Figures, Kept, Pair, Week};
use crate::domain::locale::Locale;
use crate::domain::mail::render::Rendered;
use crate::domain::mail::tickets::category_label;
use crate::domain::mail::{display_text, format, header_text};
use crate::domain::marketing::Marketing;
use crate::domain::ticket::Channel;
use crate::{Error, Result};

mod marketing;

pub use marketing::{MarketingMail, marketing_digest};

/// How a channel reads in the digest.
pub fn channel_label(locale: Locale, c: Channel) -> &'static str {
    match (locale, c) {
        (Locale::Tr, Channel::Email) => "e-posta",
        (Locale::Tr, Channel::Web) => "web formu",
        (Locale::Tr, Channel::Social) => "sosyal medya",
        (Locale::Tr, Channel::Phone) => "telefon",
        (Locale::Tr, Channel::Chat) => "canlı sohbet",
        (Locale::En, Channel::Email) => "email",
        (Locale::En, Channel::Web) => "web form",
        (Locale::En, Channel::Social) => "social media",
        (Locale::En, Channel::Phone) => "phone",
        (Locale::En, Channel::Chat) => "chat",
    }
}

/// Why coupons were issued, as the digest lists it.
pub fn reason_label(locale: Locale, r: CouponReason) -> &'static str {
    match (locale, r) {
        (Locale::Tr, CouponReason::NegativeReview) => "olumsuz ürün yorumu",
        (Locale::Tr, CouponReason::LowSatisfaction) => "düşük memnuniyet puanı",
        (Locale::Tr, CouponReason::SlaBreach) => "geciken destek yanıtı",
        (Locale::Tr, CouponReason::OrderDelay) => "geciken sipariş",
        (Locale::Tr, CouponReason::Birthday) => "doğum günü",
        (Locale::En, CouponReason::NegativeReview) => "negative review",
        (Locale::En, CouponReason::LowSatisfaction) => "low satisfaction score",
        (Locale::En, CouponReason::SlaBreach) => "late support answer",
        (Locale::En, CouponReason::OrderDelay) => "late order",
        (Locale::En, CouponReason::Birthday) => "birthday",
    }
}

/// A line of the key figures table.
struct SummaryRow {
    label: String,
    this: String,
    last: String,
    delta: String,
}

/// A row of a chart.
struct BarRow {
    label: String,
    /// The label padded to the chart's longest, for the text part.
    padded: String,
    this: String,
    last: String,
    this_width: u8,
    last_width: u8,
    /// This week's bar drawn with characters, for the text part.
    this_text: String,
    /// A figure shown beside the counts (the coupons' average discount).
    note: Option<String>,
}

/// A chart.
struct Chart {
    title: &'static str,
    rows: Vec<BarRow>,
}

struct DigestView {
    lang: &'static str,
    subject: String,
    shop: String,
    /// `16–22 Kasım 2026`.
    range: String,
    /// The week before, the same way.
    previous_range: String,
    /// `47`.
    week_number: i8,
    /// Column heads.
    this_head: &'static str,
    last_head: &'static str,
    delta_head: &'static str,
    summary: Vec<SummaryRow>,
    charts: Vec<Chart>,
    /// Nothing at all was counted in either week.
    quiet: bool,
}

macro_rules! templates {
    ($($name:ident => $path:literal),+ $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                v: &'a DigestView,
            }
        )+
    };
}

templates! {
    DigestTrHtml => "digest_tr.html",
    DigestTrText => "digest_tr.txt",
    DigestEnHtml => "digest_en.html",
    DigestEnText => "digest_en.txt",
    MarketingTrHtml => "marketing_tr.html",
    MarketingTrText => "marketing_tr.txt",
    MarketingEnHtml => "marketing_en.html",
    MarketingEnText => "marketing_en.txt",
}

/// What the digest needs besides the figures.
#[derive(Debug, Clone)]
pub struct DigestMail<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The figures.
    pub figures: &'a Figures,
}

/// `16–22 Kasım 2026`, `30 Kasım – 6 Aralık 2026`, `29 Aralık 2025 – 4 Ocak 2026`.
fn range(locale: Locale, week: Week) -> String {
    let (from, to): (Date, Date) = (week.monday(), week.sunday());
    let full = |d: Date| format::date(locale, d);
    if from.year() != to.year() {
        format!("{} – {}", full(from), full(to))
    } else if from.month() != to.month() {
        let without_year = |d: Date| {
            full(d)
                .trim_end_matches(&d.year().to_string())
                .trim_end()
                .to_owned()
        };
        format!("{} – {}", without_year(from), full(to))
    } else {
        format!("{}–{}", from.day(), full(to))
    }
}

/// `+3`, `−2`, `0`.
fn signed(n: i64) -> String {
    match n {
        0 => "0".to_owned(),
        n if n > 0 => format!("+{n}"),
        n => format!("\u{2212}{}", n.unsigned_abs()),
    }
}

fn count_row(label: impl Into<String>, p: Pair) -> SummaryRow {
    SummaryRow {
        label: label.into(),
        this: p.this.to_string(),
        last: p.last.to_string(),
        delta: signed(p.delta()),
    }
}

fn kept_row(locale: Locale, label: impl Into<String>, (this, last): (Kept, Kept)) -> SummaryRow {
    let shown = |k: Kept| match k.percent() {
        Some(p) => format::percent(locale, p),
        None => "—".to_owned(),
    };
    let points = match locale {
        Locale::Tr => "puan",
        Locale::En => "pts",
    };
    SummaryRow {
        label: label.into(),
        this: shown(this),
        last: shown(last),
        delta: match (this.percent(), last.percent()) {
            (Some(a), Some(b)) => {
                format!("{} {points}", signed(i64::from(a) - i64::from(b)))
            }
            _ => "—".to_owned(),
        },
    }
}

/// `4,2` / `4.2` from tenths.
fn tenths(locale: Locale, t: u16) -> String {
    let sep = match locale {
        Locale::Tr => ',',
        Locale::En => '.',
    };
    format!("{}{sep}{}", t / 10, t % 10)
}

fn score_row(
    locale: Locale,
    label: impl Into<String>,
    (this, last): (Option<u16>, Option<u16>),
) -> SummaryRow {
    let shown =
        |t: Option<u16>| t.map_or_else(|| "—".to_owned(), |t| format!("{} / 5", tenths(locale, t)));
    SummaryRow {
        label: label.into(),
        this: shown(this),
        last: shown(last),
        delta: match (this, last) {
            (Some(a), Some(b)) => {
                let d = i32::from(a) - i32::from(b);
                let magnitude = tenths(locale, u16::try_from(d.unsigned_abs()).unwrap_or(u16::MAX));
                match d {
                    0 => "0".to_owned(),
                    d if d > 0 => format!("+{magnitude}"),
                    _ => format!("\u{2212}{magnitude}"),
                }
            }
            _ => "—".to_owned(),
        },
    }
}

/// A bar of at most ten characters for the text part; a value above zero
/// shows at least one.
fn text_bar(width: u8) -> String {
    let n = if width == 0 {
        0
    } else {
        usize::from(width).div_ceil(10)
    };
    "█".repeat(n)
}

fn chart<K: Copy>(
    title: &'static str,
    bars: &[Bar<K>],
    label: impl Fn(K) -> String,
    note: impl Fn(&Bar<K>) -> Option<String>,
) -> Chart {
    let labels: Vec<String> = bars.iter().map(|b| label(b.key)).collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    Chart {
        title,
        rows: bars
            .iter()
            .zip(labels)
            .map(|(b, label)| BarRow {
                padded: format!("{label}{}", " ".repeat(longest - label.chars().count())),
                label,
                this: b.value.this.to_string(),
                last: b.value.last.to_string(),
                this_width: b.this_width,
                last_width: b.last_width,
                this_text: text_bar(b.this_width),
                note: note(b),
            })
            .collect(),
    }
}

/// The words of one language.
struct Words {
    subject: &'static str,
    this_head: &'static str,
    last_head: &'static str,
    delta_head: &'static str,
    complaints: &'static str,
    first_reply: &'static str,
    resolution: &'static str,
    breaches: &'static str,
    coupons: &'static str,
    coupon_points: &'static str,
    negative_reviews: &'static str,
    score: &'static str,
    surveys: &'static str,
    by_category: &'static str,
    by_channel: &'static str,
    by_reason: &'static str,
    average: &'static str,
    delivered: &'static str,
    late_told: &'static str,
    late_found: &'static str,
    returns: &'static str,
    refunds: &'static str,
    review_requests: &'static str,
    returns_by_reason: &'static str,
    joined: &'static str,
    reminded: &'static str,
    no_reply: &'static str,
    set_aside: &'static str,
    self_served: &'static str,
    self_service_rate: &'static str,
    by_entry: &'static str,
    unanswered: &'static str,
}

fn words(locale: Locale) -> Words {
    match locale {
        Locale::Tr => Words {
            subject: "haftalık destek özeti",
            this_head: "Bu hafta",
            last_head: "Önceki hafta",
            delta_head: "Fark",
            complaints: "Şikâyetler",
            first_reply: "Zamanında ilk yanıt",
            resolution: "Zamanında çözüm",
            breaches: "SLA aşımları",
            coupons: "Verilen kuponlar",
            coupon_points: "Kuponların toplam indirimi (puan)",
            negative_reviews: "Olumsuz ürün yorumları",
            score: "Ortalama memnuniyet puanı",
            surveys: "Yanıtlanan memnuniyet anketleri",
            by_category: "Kategoriye göre şikâyetler",
            by_channel: "Kanala göre şikâyetler",
            by_reason: "Nedene göre kuponlar",
            average: "ort.",
            delivered: "Zamanında teslim edilen siparişler",
            late_told: "Mağazanın bildirdiği geciken siparişler",
            late_found: "memnun'un fark ettiği geciken siparişler",
            returns: "İade ve değişim talepleri",
            refunds: "14 gün içinde yapılan ücret iadeleri",
            review_requests: "Teslimattan sonra gönderilen değerlendirme istekleri",
            returns_by_reason: "Nedene göre iade talepleri",
            joined: "Açık talebe eklenen yeni mesajlar",
            reminded: "Yanıt beklenen müşterilere hatırlatmalar",
            no_reply: "Yanıt gelmediği için kapanan talepler",
            set_aside: "Talebe eklenmeyen gelen e-postalar (kayıtlarda nedeni)",
            self_served: "SSS yanıtıyla kendi kendine çözülen talepler",
            self_service_rate: "SSS yanıtı önerilen şikâyetlerde çözülme oranı",
            by_entry: "Talep çözen SSS yanıtları",
            unanswered: "SSS'de yanıtı olmayan şikâyetler (yazılacaklar)",
        },
        Locale::En => Words {
            subject: "weekly support digest",
            this_head: "This week",
            last_head: "Week before",
            delta_head: "Change",
            complaints: "Complaints",
            first_reply: "First replies in time",
            resolution: "Resolutions in time",
            breaches: "SLA breaches",
            coupons: "Coupons issued",
            coupon_points: "Coupons' total discount (points)",
            negative_reviews: "Negative product reviews",
            score: "Average satisfaction score",
            surveys: "Satisfaction surveys answered",
            by_category: "Complaints by category",
            by_channel: "Complaints by channel",
            by_reason: "Coupons by reason",
            average: "avg.",
            delivered: "Orders delivered on time",
            late_told: "Late orders the shop told of",
            late_found: "Late orders memnun found",
            returns: "Return and exchange requests",
            refunds: "Refunds within 14 days",
            review_requests: "Review requests sent after delivery",
            returns_by_reason: "Return requests by reason",
            joined: "New messages joined to an open ticket",
            reminded: "Reminders to customers we waited on",
            no_reply: "Tickets closed for no reply",
            set_aside: "Received emails not joined to a ticket (the log says why)",
            self_served: "Tickets self-served with an FAQ answer",
            self_service_rate: "Self-service rate where FAQ answers were offered",
            by_entry: "FAQ answers that resolved tickets",
            unanswered: "Complaints the FAQ had no answer for (what to write next)",
        },
    }
}

/// Renders the digest of `d.figures` in `locale`.
pub fn weekly_digest(locale: Locale, d: &DigestMail<'_>) -> Result<Rendered> {
    let f = d.figures;
    let w = words(locale);
    let shop = display_text(d.shop, 100);
    let range_text = range(locale, f.week);
    let subject = header_text(&format!("{shop}: {} — {range_text}", w.subject));
    let mut summary = vec![
        count_row(w.complaints, f.complaints),
        kept_row(locale, w.first_reply, f.first_reply),
        kept_row(locale, w.resolution, f.resolution),
        count_row(w.breaches, f.breaches()),
        count_row(w.coupons, f.coupon_count),
        count_row(w.coupon_points, f.coupon_percent),
        count_row(w.negative_reviews, f.negative_reviews),
        score_row(locale, w.score, f.average_score),
        count_row(w.surveys, f.surveys),
    ];
    if let Some(c) = &f.conversations {
        summary.extend([
            count_row(w.joined, c.joined),
            count_row(w.reminded, c.reminded),
            count_row(w.no_reply, c.no_reply),
        ]);
        if c.set_aside != Pair::default() {
            summary.push(count_row(w.set_aside, c.set_aside));
        }
    }
    if let Some(ss) = &f.self_service {
        summary.extend([
            count_row(w.self_served, ss.self_served),
            kept_row(locale, w.self_service_rate, ss.rate),
        ]);
    }
    if let Some(j) = &f.journey {
        summary.extend([
            kept_row(locale, w.delivered, j.delivered),
            count_row(w.late_told, j.late_told),
            count_row(w.late_found, j.late_found),
            count_row(w.returns, j.returns),
            kept_row(locale, w.refunds, j.refunds),
            count_row(w.review_requests, j.review_requests),
        ]);
    }
    let average = |count: i64, sum: i64| {
        (count > 0).then(|| {
            let avg = u8::try_from(((sum * 2 + count) / (2 * count)).clamp(0, 100)).unwrap_or(100);
            format!("{} {}", w.average, format::percent(locale, avg))
        })
    };
    let coupon_bars: Vec<Bar<CouponReason>> = f.coupons.iter().map(|c| c.count).collect();
    let no_returns = Vec::new();
    let returns_by_reason = f
        .journey
        .as_ref()
        .map_or(&no_returns, |j| &j.returns_by_reason);
    let charts = vec![
        chart(
            w.by_category,
            &f.by_category,
            |c| category_label(locale, c).to_owned(),
            |_| None,
        ),
        chart(
            w.by_channel,
            &f.by_channel,
            |c| channel_label(locale, c).to_owned(),
            |_| None,
        ),
        chart(
            w.by_reason,
            &coupon_bars,
            |r| reason_label(locale, r).to_owned(),
            |b| {
                f.coupons
                    .iter()
                    .find(|c| c.count.key == b.key)
                    .and_then(|c| average(c.count.value.this, c.percent.this))
            },
        ),
        chart(
            w.returns_by_reason,
            returns_by_reason,
            |c| category_label(locale, c).to_owned(),
            |_| None,
        ),
    ]
    .into_iter()
    .chain(f.self_service.as_ref().map(|ss| {
        chart(
            w.by_entry,
            &ss.by_entry,
            |i| ss.entries.get(i).cloned().unwrap_or_default(),
            |_| None,
        )
    }))
    .chain(f.self_service.as_ref().map(|ss| {
        chart(
            w.unanswered,
            &ss.unanswered,
            |c| category_label(locale, c).to_owned(),
            |_| None,
        )
    }))
    .filter(|c| !c.rows.is_empty())
    .collect::<Vec<_>>();
    let quiet = charts.is_empty()
        && f.breaches() == Pair::default()
        && f.negative_reviews == Pair::default()
        && f.surveys == Pair::default()
        && f.journey.is_none()
        && f.conversations.is_none()
        && f.self_service.is_none();
    let v = DigestView {
        lang: locale.tag(),
        subject,
        shop,
        range: range_text,
        previous_range: range(locale, f.previous),
        week_number: f.week.number(),
        this_head: w.this_head,
        last_head: w.last_head,
        delta_head: w.delta_head,
        summary,
        charts,
        quiet,
    };
    let v = &v;
    let err = |e: askama::Error| Error::Render {
        template: "digest",
        reason: e.to_string(),
    };
    let (html, text) = match locale {
        Locale::Tr => (DigestTrHtml { v }.render(), DigestTrText { v }.render()),
        Locale::En => (DigestEnHtml { v }.render(), DigestEnText { v }.render()),
    };
    Ok(Rendered {
        subject: v.subject.clone(),
        html: html.map_err(err)?,
        text: text.map_err(err)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::digest::Counters;

    fn figures() -> Figures {
        let this = Counters(
            [
                ("complaints", 3),
                ("complaints.category.damaged", 2),
                ("complaints.category.delivery", 1),
                ("complaints.channel.web", 3),
                ("first_reply.met", 2),
                ("first_reply.missed", 1),
                ("breaches.first_reply", 1),
                ("coupons.negative_review.count", 2),
                ("coupons.negative_review.percent", 35),
                ("reviews.negative", 2),
                ("surveys.answered", 2),
                ("surveys.score_sum", 7),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        );
        let last = Counters(
            [
                ("complaints", 1),
                ("complaints.category.damaged", 1),
                ("complaints.channel.email", 1),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        );
        Figures::compute(Week::parse("2026-W47").unwrap(), &this, &last)
    }

    #[test]
    fn both_languages_show_the_figures_with_table_bars() {
        let f = figures();
        for locale in [Locale::Tr, Locale::En] {
            let r = weekly_digest(
                locale,
                &DigestMail {
                    shop: "Dükkan",
                    figures: &f,
                },
            )
            .unwrap();
            for part in [&r.html, &r.text] {
                assert!(part.contains("+2"), "{part}");
                assert!(
                    part.contains(format::percent(locale, 67).as_str()),
                    "{part}"
                );
                assert!(part.contains(&tenths(locale, 35)), "{part}");
                assert!(part.contains(category_label(
                    locale,
                    crate::domain::ticket::Category::Damaged
                )));
                assert!(
                    part.contains(channel_label(locale, Channel::Email)),
                    "{part}"
                );
                assert!(part.contains(reason_label(locale, CouponReason::NegativeReview)));
            }
            assert!(r.html.contains("width=\"100%\" bgcolor="), "{}", r.html);
            assert!(r.html.contains("width=\"50%\""), "{}", r.html);
            assert!(!r.html.contains("<img"), "no images to host");
            assert!(r.text.contains("██████████"), "{}", r.text);
            assert!(r.subject.starts_with("Dükkan: "), "{}", r.subject);
        }
        let tr = weekly_digest(
            Locale::Tr,
            &DigestMail {
                shop: "Dükkan",
                figures: &f,
            },
        )
        .unwrap();
        assert!(tr.subject.contains("16–22 Kasım 2026"), "{}", tr.subject);
        assert!(tr.html.contains("9–15 Kasım 2026"), "{}", tr.html);
        assert!(tr.html.contains("ort. %18"), "{}", tr.html);
        let en = weekly_digest(
            Locale::En,
            &DigestMail {
                shop: "Dükkan",
                figures: &f,
            },
        )
        .unwrap();
        assert!(en.subject.contains("16–22 November 2026"), "{}", en.subject);
        assert!(en.html.contains("lang=\"en\""));
    }

    #[test]
    fn self_service_shows_its_rate_the_answers_that_worked_and_what_to_write_next() {
        let this = Counters(
            [
                ("faq.offered", 8),
                ("tickets.self_served", 2),
                ("faq.resolved.kargo-nerede", 2),
                ("faq.unanswered.payment", 3),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        );
        let f = Figures::compute(
            Week::parse("2026-W49").unwrap(),
            &this,
            &Counters::default(),
        );
        let ss = f.self_service.as_ref().expect("self-service counted");
        assert_eq!(ss.rate.0.percent(), Some(25));
        let en = weekly_digest(
            Locale::En,
            &DigestMail {
                shop: "Dükkan",
                figures: &f,
            },
        )
        .unwrap();
        for needle in [
            "Tickets self-served with an FAQ answer: 2 / 0 / +2",
            "Self-service rate where FAQ answers were offered: 25%",
            "FAQ answers that resolved tickets",
            "kargo-nerede",
            "Complaints the FAQ had no answer for (what to write next)",
        ] {
            assert!(en.text.contains(needle), "lacks {needle}: {}", en.text);
        }
        assert!(figures().self_service.is_none());
    }

    #[test]
    fn marketing_reads_each_flows_figures_in_both_languages() {
        use crate::domain::marketing::Marketing;
        let this = Counters(
            [
                ("coupons.birthday.count", 10),
                ("coupons.birthday.percent", 150),
                ("coupons.birthday.redeemed", 3),
                ("coupons.birthday.revenue.TRY", 104_970),
                ("coupons.birthday.redeem_days.4", 3),
                ("coupons.birthday.attributed", 5),
                ("coupons.birthday.attributed_revenue.TRY", 250_000),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        );
        let m = Marketing::compute(
            Week::parse("2026-W49").unwrap(),
            &this,
            &Counters::default(),
        );
        let render = |locale| {
            marketing_digest(
                locale,
                &MarketingMail {
                    shop: "Dükkan",
                    marketing: &m,
                },
            )
            .unwrap()
        };
        let en = render(Locale::En);
        assert!(
            en.subject.contains("weekly marketing digest"),
            "{}",
            en.subject
        );
        for needle in [
            "Birthday: coupons issued: 10 / 0 / +10",
            "Birthday: coupons redeemed: 3 / 0 / +3",
            "Birthday: redemption rate: 30%",
            "Birthday: revenue of redeeming orders: TRY 1,049.70 / TRY 0.00 / +TRY 1,049.70",
            "Birthday: average discount: 15%",
            "Birthday: days to redeem (median): 4 days",
            "Birthday: orders in the days after the greeting (with the code or without): 5 / 0 / +5",
            "Birthday: those orders' revenue: TRY 2,500.00",
            "Coupons redeemed by flow",
        ] {
            assert!(en.text.contains(needle), "lacks {needle}: {}", en.text);
        }
        let tr = render(Locale::Tr);
        for needle in [
            "Doğum günü: verilen kupon: 10",
            "Doğum günü: kupon kullanan siparişlerin tutarı: 1.049,70 TL",
            "Doğum günü: kullanıma kadar geçen gün (ortanca): 4 gün",
        ] {
            assert!(tr.text.contains(needle), "lacks {needle}: {}", tr.text);
        }
        assert!(tr.html.contains("Haftalık pazarlama özeti"));
        let quiet = Marketing::compute(
            Week::parse("2026-W49").unwrap(),
            &Counters::default(),
            &Counters::default(),
        );
        let text = marketing_digest(
            Locale::En,
            &MarketingMail {
                shop: "Dükkan",
                marketing: &quiet,
            },
        )
        .unwrap()
        .text;
        assert!(text.contains("No coupon was issued or redeemed"), "{text}");
    }

    #[test]
    fn conversations_show_only_when_there_were_some() {
        let render = |f: &Figures, locale| {
            weekly_digest(
                locale,
                &DigestMail {
                    shop: "Dükkan",
                    figures: f,
                },
            )
            .unwrap()
        };
        assert!(!render(&figures(), Locale::En).text.contains("no reply"));
        let this = Counters(
            [
                ("complaints.joined", 5),
                ("tickets.reminded", 3),
                ("tickets.no_reply", 1),
                ("emails.set_aside", 2),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        );
        let f = Figures::compute(
            Week::parse("2026-W49").unwrap(),
            &this,
            &Counters::default(),
        );
        let en = render(&f, Locale::En);
        for needle in [
            "New messages joined to an open ticket: 5 / 0 / +5",
            "Reminders to customers we waited on: 3 / 0 / +3",
            "Tickets closed for no reply: 1 / 0 / +1",
            "Received emails not joined to a ticket (the log says why): 2 / 0 / +2",
        ] {
            assert!(en.text.contains(needle), "lacks {needle}: {}", en.text);
        }
        assert!(
            render(&f, Locale::Tr)
                .text
                .contains("Yanıt gelmediği için kapanan talepler: 1")
        );
    }

    #[test]
    fn the_journey_shows_only_when_it_counted_something() {
        let f = figures();
        assert!(f.journey.is_none());
        let render = |f: &Figures, locale| {
            weekly_digest(
                locale,
                &DigestMail {
                    shop: "Dükkan",
                    figures: f,
                },
            )
            .unwrap()
        };
        assert!(!render(&f, Locale::En).text.contains("delivered on time"));
        let this = Counters(
            [
                ("orders.delivered", 4),
                ("orders.delivered_late", 1),
                ("orders.late.told", 1),
                ("orders.late.found", 2),
                ("returns.requested", 3),
                ("returns.category.damaged", 2),
                ("returns.category.other", 1),
                ("refunds.on_time", 1),
                ("refunds.late", 1),
                ("reviews.requested", 3),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        );
        let f = Figures::compute(
            Week::parse("2026-W47").unwrap(),
            &this,
            &Counters::default(),
        );
        let j = f.journey.as_ref().expect("the journey counted");
        assert_eq!(j.delivered.0.percent(), Some(75));
        assert_eq!(j.refunds.0.percent(), Some(50));
        let en = render(&f, Locale::En);
        for needle in [
            "Orders delivered on time: 75% / — / —",
            "Late orders memnun found: 2 / 0 / +2",
            "Return and exchange requests: 3 / 0 / +3",
            "Refunds within 14 days: 50% / — / —",
            "Review requests sent after delivery: 3 / 0 / +3",
            "Return requests by reason",
        ] {
            assert!(en.text.contains(needle), "lacks {needle}: {}", en.text);
        }
        let tr = render(&f, Locale::Tr);
        assert!(
            tr.html.contains("Zamanında teslim edilen siparişler"),
            "{}",
            tr.html
        );
        assert!(
            tr.text.contains("Nedene göre iade talepleri"),
            "{}",
            tr.text
        );
    }

    #[test]
    fn ranges_name_months_and_years_once_when_they_can() {
        let at = |s: &str| Week::parse(s).unwrap();
        assert_eq!(range(Locale::En, at("2026-W47")), "16–22 November 2026");
        assert_eq!(
            range(Locale::Tr, at("2026-W49")),
            "30 Kasım – 6 Aralık 2026"
        );
        assert_eq!(
            range(Locale::En, at("2026-W01")),
            "29 December 2025 – 4 January 2026"
        );
    }

    #[test]
    fn deltas_and_scores_are_written_with_their_sign() {
        assert_eq!(signed(3), "+3");
        assert_eq!(signed(-2), "\u{2212}2");
        assert_eq!(signed(0), "0");
        let row = score_row(Locale::Tr, "x", (Some(42), Some(45)));
        assert_eq!(
            (row.this.as_str(), row.delta.as_str()),
            ("4,2 / 5", "\u{2212}0,3")
        );
        let row = score_row(Locale::En, "x", (Some(40), None));
        assert_eq!(
            (row.this.as_str(), row.last.as_str(), row.delta.as_str()),
            ("4.0 / 5", "—", "—")
        );
        assert_eq!(text_bar(0), "");
        assert_eq!(text_bar(1), "█");
        assert_eq!(text_bar(100).chars().count(), 10);
    }

    #[test]
    fn an_empty_week_says_so() {
        let f = Figures::compute(
            Week::parse("2026-W47").unwrap(),
            &Counters::default(),
            &Counters::default(),
        );
        let r = weekly_digest(
            Locale::En,
            &DigestMail {
                shop: "Shop",
                figures: &f,
            },
        )
        .unwrap();
        assert!(r.text.contains("Nothing was counted"), "{}", r.text);
        assert!(!r.html.contains("bgcolor"), "no bars without figures");
    }
}
