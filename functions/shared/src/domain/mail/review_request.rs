//! The review request a week after delivery: a marketing email, so it
//! carries the unsubscribe link in its footer (and, as a header, in
//! [`super::mime`]) like the birthday greeting. It asks for an honest
//! review of what was delivered, whatever the customer thinks of it; the
//! words are in `templates/review_request_{tr,en}.{html,txt}`.

use askama::Template;
use jiff::civil::Date;

use crate::Result;
use crate::domain::locale::Locale;
use crate::domain::mail::format;
use crate::domain::mail::render::{Rendered, finish};
use crate::domain::mail::{display_text, header_text};
use crate::domain::review_request::Link;

/// What the request says.
#[derive(Debug, Clone)]
pub struct ReviewRequest<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The order, as the customer knows it ([`crate::domain::order::Order::known_as`]).
    pub order: &'a str,
    /// The day it was delivered, on the customer's clock.
    pub delivered: Date,
    /// Where to write the review: one per product, or one for the order.
    pub links: &'a [Link],
    /// Products of the order not linked (beyond the first few).
    pub more: usize,
    /// The page that withdraws marketing consent (an `https` URL).
    pub unsubscribe_url: &'a str,
}

struct LinkView {
    product: Option<String>,
    url: String,
}

struct View {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    order: String,
    delivered: String,
    links: Vec<LinkView>,
    more: usize,
    unsubscribe: String,
}

macro_rules! templates {
    ($($name:ident => $path:literal),+ $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                v: &'a View,
            }
        )+
    };
}

templates! {
    ReviewTrHtml => "review_request_tr.html",
    ReviewTrText => "review_request_tr.txt",
    ReviewEnHtml => "review_request_en.html",
    ReviewEnText => "review_request_en.txt",
}

/// Renders the request in `locale`.
pub fn review_request(locale: Locale, r: &ReviewRequest<'_>) -> Result<Rendered> {
    let order = display_text(r.order, 128);
    let subject = match locale {
        Locale::Tr => format!("Siparişiniz nasıldı? #{order}"),
        Locale::En => format!("How was your order #{order}?"),
    };
    let v = View {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop: display_text(r.shop, 100),
        name: r
            .name
            .map(|n| display_text(n, 80))
            .filter(|n| !n.is_empty()),
        order,
        delivered: format::date(locale, r.delivered),
        links: r
            .links
            .iter()
            .map(|l| LinkView {
                product: l
                    .product
                    .as_deref()
                    .map(|p| display_text(p, 120))
                    .filter(|p| !p.is_empty()),
                url: display_text(&l.url, 2048),
            })
            .collect(),
        more: r.more,
        unsubscribe: display_text(r.unsubscribe_url, 2048),
    };
    let v = &v;
    let name = "review_request";
    match locale {
        Locale::Tr => finish(name, &v.subject, &ReviewTrHtml { v }, &ReviewTrText { v }),
        Locale::En => finish(name, &v.subject, &ReviewEnHtml { v }, &ReviewEnText { v }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> Vec<Link> {
        vec![
            Link {
                product: Some("Kupa <b>".into()),
                url: "https://shop.example/p/sku-1#reviews".into(),
            },
            Link {
                product: Some("Örtü".into()),
                url: "https://shop.example/p/sku-2#reviews".into(),
            },
        ]
    }

    #[test]
    fn the_request_names_the_order_links_each_product_and_the_way_out_in_both_languages() {
        let order = crate::domain::order::OrderId::parse("1001").unwrap();
        let links = links();
        let url = "https://links.example.com/unsubscribe?t=tok.en";
        for (locale, subject, delivered, more, ask) in [
            (
                Locale::Tr,
                "Siparişiniz nasıldı? #1001",
                "4 Aralık 2026",
                "ve 2 ürün daha",
                "Değerlendir",
            ),
            (
                Locale::En,
                "How was your order #1001?",
                "4 December 2026",
                "and 2 more products",
                "Write a review",
            ),
        ] {
            let r = review_request(
                locale,
                &ReviewRequest {
                    shop: "Dükkân",
                    name: Some("Ayşe"),
                    order: order.as_str(),
                    delivered: Date::constant(2026, 12, 4),
                    links: &links,
                    more: 2,
                    unsubscribe_url: url,
                },
            )
            .unwrap();
            assert_eq!(r.subject, subject);
            for part in [&r.html, &r.text] {
                assert!(part.contains(delivered), "{part}");
                assert!(
                    part.contains("https://shop.example/p/sku-2#reviews"),
                    "{part}"
                );
                assert!(part.contains(url), "{part}");
                assert!(part.contains(more), "{part}");
                assert!(part.contains(ask), "{part}");
                assert!(part.contains("Ayşe"), "{part}");
            }
            assert!(r.html.contains("Kupa &#60;b&#62;") || r.html.contains("Kupa &lt;b&gt;"));
            // An honest review is asked for, good or bad: no word of stars
            // or of "if you are happy".
            for part in [&r.html, &r.text] {
                for gating in [
                    "5 yıldız",
                    "memnun kaldıysanız",
                    "5 stars",
                    "if you are happy",
                    "if you loved",
                ] {
                    assert!(!part.contains(gating), "{gating} in {part}");
                }
            }
        }
    }

    #[test]
    fn an_order_link_alone_asks_about_the_order() {
        let order = crate::domain::order::OrderId::parse("1001").unwrap();
        let one = [Link {
            product: None,
            url: "https://shop.example/orders/1001/review".into(),
        }];
        let r = review_request(
            Locale::En,
            &ReviewRequest {
                shop: "Shop",
                name: None,
                order: order.as_str(),
                delivered: Date::constant(2026, 12, 4),
                links: &one,
                more: 0,
                unsubscribe_url: "https://links.example.com/unsubscribe?t=x",
            },
        )
        .unwrap();
        assert!(r.text.starts_with("Hello,"), "{}", r.text);
        assert!(r.text.contains("https://shop.example/orders/1001/review"));
        assert!(!r.text.contains("more products"));
    }
}
