//! Marketing's weekly digest: one row per coupon flow (issued, redeemed,
//! the rate, revenue, average discount, days to redeem, reminders, reuse,
//! attributed orders), with the key figures and charts the support digest
//! draws, in marketing's words.

use super::*;

/// What the marketing digest shows: the shop, and the week's flows.
#[derive(Debug, Clone)]
pub struct MarketingMail<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The figures.
    pub marketing: &'a Marketing,
}

/// The words of the marketing digest in one language.
struct MarketingWords {
    subject: &'static str,
    issued: &'static str,
    redeemed: &'static str,
    rate: &'static str,
    revenue: &'static str,
    discount: &'static str,
    days: &'static str,
    reused: &'static str,
    reminded: &'static str,
    attributed: &'static str,
    attributed_revenue: &'static str,
    redeemed_chart: &'static str,
    day_unit: &'static str,
}

fn marketing_words(locale: Locale) -> MarketingWords {
    match locale {
        Locale::Tr => MarketingWords {
            subject: "haftalık pazarlama özeti",
            issued: "verilen kupon",
            redeemed: "kullanılan kupon",
            rate: "kullanım oranı",
            revenue: "kupon kullanan siparişlerin tutarı",
            discount: "ortalama indirim",
            days: "kullanıma kadar geçen gün (ortanca)",
            reused: "başka siparişte yeniden kullanılan kod",
            reminded: "süresi dolmadan gönderilen hatırlatma",
            attributed: "tebrikten sonraki günlerde verilen siparişler (kodlu ya da kodsuz)",
            attributed_revenue: "bu siparişlerin tutarı",
            redeemed_chart: "Akışa göre kullanılan kuponlar",
            day_unit: "gün",
        },
        Locale::En => MarketingWords {
            subject: "weekly marketing digest",
            issued: "coupons issued",
            redeemed: "coupons redeemed",
            rate: "redemption rate",
            revenue: "revenue of redeeming orders",
            discount: "average discount",
            days: "days to redeem (median)",
            reused: "codes used again by another order",
            reminded: "reminders before the coupon ended",
            attributed: "orders in the days after the greeting (with the code or without)",
            attributed_revenue: "those orders' revenue",
            redeemed_chart: "Coupons redeemed by flow",
            day_unit: "days",
        },
    }
}

/// Hundredths as the contract's decimal (`104970` → `1049.70`).
fn from_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// A row of amounts in hundredths of `currency`.
fn money_row(locale: Locale, label: String, currency: &str, p: Pair) -> SummaryRow {
    let money = |cents: i64| format::money(locale, &from_cents(cents), currency);
    SummaryRow {
        label,
        this: money(p.this),
        last: money(p.last),
        delta: match p.delta() {
            0 => "0".to_owned(),
            n if n > 0 => format!("+{}", money(n)),
            n => format!("\u{2212}{}", money(n.abs())),
        },
    }
}

/// Renders marketing's digest of `m.marketing` in `locale`: each flow's
/// row of figures, this week against last, and the redemptions as bars.
pub fn marketing_digest(locale: Locale, m: &MarketingMail<'_>) -> Result<Rendered> {
    let f = m.marketing;
    let w = marketing_words(locale);
    let d = words(locale);
    let shop = display_text(m.shop, 100);
    let range_text = range(locale, f.week);
    let subject = header_text(&format!("{shop}: {} — {range_text}", w.subject));
    let mut summary = Vec::new();
    for flow in &f.flows {
        // The flows' labels start no word with an `i`, whose capital differs
        // in Turkish.
        let name = reason_label(locale, flow.reason);
        let mut chars = name.chars();
        let name: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        let label = |what: &str| format!("{name}: {what}");
        summary.push(count_row(label(w.issued), flow.issued));
        summary.push(count_row(label(w.redeemed), flow.redeemed));
        summary.push(kept_row(locale, label(w.rate), flow.rate()));
        for (currency, p) in &flow.revenue {
            summary.push(money_row(locale, label(w.revenue), currency, *p));
        }
        let (a, b) = flow.average_percent();
        let shown =
            |p: Option<u8>| p.map_or_else(|| "—".to_owned(), |p| format::percent(locale, p));
        summary.push(SummaryRow {
            label: label(w.discount),
            this: shown(a),
            last: shown(b),
            delta: "—".to_owned(),
        });
        let days =
            |n: Option<i64>| n.map_or_else(|| "—".to_owned(), |n| format!("{n} {}", w.day_unit));
        summary.push(SummaryRow {
            label: label(w.days),
            this: days(flow.median_days.0),
            last: days(flow.median_days.1),
            delta: "—".to_owned(),
        });
        if flow.attributed != Pair::default() {
            summary.push(count_row(label(w.attributed), flow.attributed));
            for (currency, p) in &flow.attributed_revenue {
                summary.push(money_row(locale, label(w.attributed_revenue), currency, *p));
            }
        }
        if flow.reminded != Pair::default() {
            summary.push(count_row(label(w.reminded), flow.reminded));
        }
        if flow.reused != Pair::default() {
            summary.push(count_row(label(w.reused), flow.reused));
        }
    }
    let charts = vec![chart(
        w.redeemed_chart,
        &f.redeemed,
        |r| reason_label(locale, r).to_owned(),
        |_| None,
    )]
    .into_iter()
    .filter(|c| !c.rows.is_empty())
    .collect::<Vec<_>>();
    let v = DigestView {
        lang: locale.tag(),
        subject,
        shop,
        range: range_text,
        previous_range: range(locale, f.previous),
        week_number: f.week.number(),
        this_head: d.this_head,
        last_head: d.last_head,
        delta_head: d.delta_head,
        summary,
        charts,
        quiet: f.is_quiet(),
    };
    let v = &v;
    let err = |e: askama::Error| Error::Render {
        template: "marketing",
        reason: e.to_string(),
    };
    let (html, text) = match locale {
        Locale::Tr => (
            MarketingTrHtml { v }.render(),
            MarketingTrText { v }.render(),
        ),
        Locale::En => (
            MarketingEnHtml { v }.render(),
            MarketingEnText { v }.render(),
        ),
    };
    Ok(Rendered {
        subject: v.subject.clone(),
        html: html.map_err(err)?,
        text: text.map_err(err)?,
    })
}
