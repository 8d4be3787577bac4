//! The review request after delivery: who is asked, where the link points,
//! and why someone is not asked.
//!
//! A review request is a commercial message (it promotes the shop), so it
//! takes the greeter's checks, all of them: marketing consent as stored at
//! the moment it leaves, an address SES has not reported, and one-click
//! unsubscribe. It is never gated on how the customer feels: asking only
//! the satisfied is review gating, which Google's review policy and the
//! FTC's 2024 rule on consumer reviews forbid. So a complaint, a low rating
//! or a late delivery changes nothing here; only an order the customer did
//! not keep is skipped (cancelled, refunded, or with a return requested),
//! since asking to review goods sent back reads as not listening.
//!
//! Where the customer writes the review is the shop's: `REVIEW_URL`, an
//! https address that may name `{order_id}` and `{product_id}`. With
//! `{product_id}` each product of the order gets its own link (the first
//! [`MAX_LINKED_ITEMS`]); without, the order gets one.

use crate::domain::order::{Order, OrderItem};

/// Most products one request links; the rest are counted, not listed.
pub const MAX_LINKED_ITEMS: usize = 5;

/// Why a customer is not asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not delivered, or not kept: cancelled, refunded, already asked.
    NotDue,
    /// A return was requested for the order.
    Returned,
    /// No address is known.
    NoAddress,
    /// Marketing consent is not (or no longer) granted.
    NoConsent,
    /// SES reported the address as bouncing or complaining.
    Suppressed,
    /// The link names products and the order's are not known.
    NoProducts,
}

impl Skip {
    /// The run's outcome, as the log and the tests read it.
    pub fn outcome(self) -> &'static str {
        match self {
            Skip::NotDue => "review request: not due (not delivered, not kept, or asked)",
            Skip::Returned => "review request skipped: a return was requested",
            Skip::NoAddress => "review request skipped: no address",
            Skip::NoConsent => "review request skipped: no marketing consent",
            Skip::Suppressed => "review request skipped: address suppressed",
            Skip::NoProducts => "review request skipped: no products to link",
        }
    }
}

/// Whether `order`'s customer may be asked, before anything is written:
/// the order as it stands, its returns, the address and consent.
pub fn may_ask(
    order: &Order,
    link: &ReviewLink,
    returned: bool,
    has_address: bool,
    consent: bool,
) -> Result<(), Skip> {
    if !order.still_due(crate::domain::watch::Watch::ReviewRequest) {
        Err(Skip::NotDue)
    } else if returned {
        Err(Skip::Returned)
    } else if !has_address {
        Err(Skip::NoAddress)
    } else if !consent {
        Err(Skip::NoConsent)
    } else if link.per_product() && link.links(order).is_empty() {
        Err(Skip::NoProducts)
    } else {
        Ok(())
    }
}

/// The shop's review page, as a template (`REVIEW_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLink(String);

/// One link of a request: what it is for (a product's name; none for the
/// whole order) and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The product's name, when the link is a product's.
    pub product: Option<String>,
    /// The address.
    pub url: String,
}

const ORDER: &str = "{order_id}";
const PRODUCT: &str = "{product_id}";

impl ReviewLink {
    /// Checks a configured template: https, no spaces, and no placeholder
    /// but `{order_id}` and `{product_id}`.
    pub fn parse(v: &str) -> Result<Self, String> {
        if !v.starts_with("https://") || v.len() > 2048 || v.contains(char::is_whitespace) {
            return Err(format!("`{v}` is not an https URL of at most 2048 bytes"));
        }
        let rest = v.replace(ORDER, "").replace(PRODUCT, "");
        if rest.contains(['{', '}']) {
            return Err(format!(
                "`{v}` names a placeholder other than {ORDER} and {PRODUCT}"
            ));
        }
        Ok(ReviewLink(v.to_owned()))
    }

    /// Whether each product gets its own link.
    pub fn per_product(&self) -> bool {
        self.0.contains(PRODUCT)
    }

    /// The request's links for `order`: one per product with an id (the
    /// first [`MAX_LINKED_ITEMS`]) when the template names products, else
    /// one for the order. Ids are percent-encoded: a shop's id may hold any
    /// printable character.
    pub fn links(&self, order: &Order) -> Vec<Link> {
        let with_order = self.0.replace(ORDER, &encode(order.id.as_str()));
        if !self.per_product() {
            return vec![Link {
                product: None,
                url: with_order,
            }];
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut links = Vec::new();
        for OrderItem {
            product_id, name, ..
        } in &order.items
        {
            let Some(id) = product_id.as_deref() else {
                continue;
            };
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            if links.len() == MAX_LINKED_ITEMS {
                continue;
            }
            links.push(Link {
                product: name.clone(),
                url: with_order.replace(PRODUCT, &encode(id)),
            });
        }
        links
    }

    /// The distinct products the order names beyond the linked ones.
    pub fn unlisted(&self, order: &Order) -> usize {
        if !self.per_product() {
            return 0;
        }
        let mut ids: Vec<&str> = order
            .items
            .iter()
            .filter_map(|i| i.product_id.as_deref())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len().saturating_sub(MAX_LINKED_ITEMS)
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::CustomerId;
    use crate::domain::order::{OrderId, Step};

    fn delivered(items: Vec<OrderItem>) -> Order {
        let mut o = Order::new(
            OrderId::parse("1001/B").unwrap(),
            CustomerId::parse("c-1").unwrap(),
        );
        let at = "2026-12-01T10:00:00Z".parse().unwrap();
        o.apply(
            &Step::Placed {
                promised_date: None,
                items,
                number: None,
            },
            at,
        );
        o.apply(&Step::Delivered, at);
        o
    }

    fn item(id: Option<&str>, name: &str) -> OrderItem {
        OrderItem {
            product_id: id.map(str::to_owned),
            name: Some(name.to_owned()),
            quantity: 1,
        }
    }

    #[test]
    fn a_template_names_only_the_order_and_its_products() {
        assert!(ReviewLink::parse("https://shop.example/reviews?order={order_id}").is_ok());
        assert!(ReviewLink::parse("http://shop.example/r").is_err());
        assert!(ReviewLink::parse("https://shop.example/r/{customer_id}").is_err());
        assert!(ReviewLink::parse("https://shop.example/r {order_id}").is_err());
    }

    #[test]
    fn each_product_gets_its_own_encoded_link_and_the_rest_are_counted() {
        let link =
            ReviewLink::parse("https://shop.example/p/{product_id}?o={order_id}#reviews").unwrap();
        let mut items: Vec<OrderItem> = (1..=7)
            .map(|i| item(Some(&format!("sku {i}")), &format!("Mug {i}")))
            .collect();
        items.insert(1, item(Some("sku 1"), "Mug 1 again"));
        items.push(item(None, "Gift wrap"));
        let o = delivered(items);
        let links = link.links(&o);
        assert_eq!(links.len(), MAX_LINKED_ITEMS);
        assert_eq!(
            links[0],
            Link {
                product: Some("Mug 1".into()),
                url: "https://shop.example/p/sku%201?o=1001%2FB#reviews".into(),
            }
        );
        assert_eq!(link.unlisted(&o), 2);
        let whole = ReviewLink::parse("https://shop.example/orders/{order_id}/review").unwrap();
        assert_eq!(
            whole.links(&o),
            vec![Link {
                product: None,
                url: "https://shop.example/orders/1001%2FB/review".into(),
            }]
        );
        assert_eq!(whole.unlisted(&o), 0);
    }

    #[test]
    fn the_checks_come_in_order_and_sentiment_is_not_one_of_them() {
        let link = ReviewLink::parse("https://shop.example/p/{product_id}").unwrap();
        let o = delivered(vec![item(Some("sku-1"), "Mug")]);
        assert_eq!(may_ask(&o, &link, false, true, true), Ok(()));
        assert_eq!(may_ask(&o, &link, true, true, true), Err(Skip::Returned));
        assert_eq!(may_ask(&o, &link, false, false, true), Err(Skip::NoAddress));
        assert_eq!(may_ask(&o, &link, false, true, false), Err(Skip::NoConsent));
        let bare = delivered(Vec::new());
        assert_eq!(
            may_ask(&bare, &link, false, true, true),
            Err(Skip::NoProducts)
        );
        let whole = ReviewLink::parse("https://shop.example/r").unwrap();
        assert_eq!(may_ask(&bare, &whole, false, true, true), Ok(()));
        let mut cancelled = o.clone();
        cancelled.cancelled_at = Some("2026-12-02T10:00:00Z".parse().unwrap());
        assert_eq!(
            may_ask(&cancelled, &link, false, true, true),
            Err(Skip::NotDue)
        );
    }
}
