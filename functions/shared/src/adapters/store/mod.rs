//! The shop's store as a [`CouponRegistry`]: every coupon memnun issues is
//! created in Shopify or WooCommerce before the email with its code leaves.
//!
//! Why before, and why a failure stops the email: a code the store does
//! not know is refused at checkout, and an apology whose code is refused
//! is worse than none. So the flows that issue coupons register the coupon
//! after their commit and before their email ([`crate::app::coupons`]);
//! a store that cannot be reached fails the message, which the queue
//! retries and finally dead-letters, and the customer never receives a
//! dead code.
//!
//! Each platform is one module: [`shopify`] (Admin GraphQL) and
//! [`woocommerce`] (REST `wc/v3`). Each makes the coupon what memnun's is —
//! its percentage, one use, once per customer, from its issue to its
//! expiry — and marks it as memnun's (its title, its description), so a
//! retry that finds the code taken can tell its own earlier registration
//! from a code the shop made for something else.
//!
//! With neither configured, [`StoreRegistry`] answers
//! [`Registered::Nowhere`]: the coupon is only published as
//! `coupon.issued`, as before, for a shop that registers codes itself.

pub mod shopify;
pub mod woocommerce;

use crate::Result;
use crate::adapters::http::HttpClient;
use crate::config::StoreConfig;
use crate::domain::coupon::Coupon;
use crate::ports::{CouponRegistry, Holder, Registered};

/// The stores coupons are registered in: none, one, or (a shop selling on
/// both) Shopify and WooCommerce.
#[derive(Debug, Default)]
pub struct StoreRegistry {
    shopify: Option<shopify::Shopify>,
    woocommerce: Option<woocommerce::WooCommerce>,
}

/// The stores' secrets, as read from SSM at init.
#[derive(Debug, Default)]
pub struct StoreSecrets {
    /// The Shopify custom app's Admin API access token.
    pub shopify_token: Option<String>,
    /// WooCommerce's REST API keys, `ck_…:cs_…`.
    pub woocommerce_keys: Option<String>,
}

impl StoreRegistry {
    /// The registry `config` describes, with its secrets. A store whose
    /// secret is missing is not configured.
    pub fn new(config: &StoreConfig, secrets: StoreSecrets) -> Result<Self> {
        Self::with_client(config, secrets, HttpClient::default())
    }

    /// [`StoreRegistry::new`] over a given client.
    pub fn with_client(
        config: &StoreConfig,
        secrets: StoreSecrets,
        http: HttpClient,
    ) -> Result<Self> {
        let shopify = match (&config.shopify, secrets.shopify_token) {
            (Some(s), Some(token)) => {
                Some(shopify::Shopify::new(http.clone(), &s.url, token.trim())?)
            }
            _ => None,
        };
        let woocommerce = match (&config.woocommerce, secrets.woocommerce_keys) {
            (Some(w), Some(keys)) => Some(woocommerce::WooCommerce::new(http, &w.url, &keys)?),
            _ => None,
        };
        Ok(StoreRegistry {
            shopify,
            woocommerce,
        })
    }

    /// Whether any store is configured.
    pub fn is_configured(&self) -> bool {
        self.shopify.is_some() || self.woocommerce.is_some()
    }
}

impl CouponRegistry for StoreRegistry {
    async fn register(&self, coupon: &Coupon, holder: Holder<'_>) -> Result<Registered> {
        let mut found = Vec::new();
        if let Some(shopify) = &self.shopify {
            found.push(shopify.register(coupon).await?);
        }
        if let Some(woocommerce) = &self.woocommerce {
            found.push(woocommerce.register(coupon, holder).await?);
        }
        Ok(combined(&found))
    }
}

/// What several stores' answers mean together: taken in one is taken (the
/// code cannot be emailed), new in one is new.
fn combined(found: &[Registered]) -> Registered {
    if found.is_empty() {
        Registered::Nowhere
    } else if found.contains(&Registered::Taken) {
        Registered::Taken
    } else if found.contains(&Registered::Now) {
        Registered::Now
    } else {
        Registered::Before
    }
}

/// The name a coupon carries in the store (Shopify's title, WooCommerce's
/// description): how a retry recognises memnun's own registration, and
/// what the shop's staff see in the admin's discount list.
pub fn store_name(coupon: &Coupon) -> String {
    format!("memnun {} {}", coupon.reason.as_str(), coupon.code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_stores_agree_or_the_code_is_taken() {
        use Registered::*;
        assert_eq!(combined(&[]), Nowhere);
        assert_eq!(combined(&[Now]), Now);
        assert_eq!(combined(&[Before, Before]), Before);
        assert_eq!(combined(&[Before, Now]), Now);
        assert_eq!(combined(&[Now, Taken]), Taken);
    }
}
