//! How a memnun coupon becomes a Shopify discount code: the Admin GraphQL
//! API, version [`API_VERSION`], with a custom app's access token
//! (`X-Shopify-Access-Token`, scope `write_discounts`, and `read_discounts`
//! for the ownership check).
//!
//! | memnun | `discountCodeBasicCreate(basicCodeDiscount:)` |
//! |---|---|
//! | code | `code` |
//! | `memnun <reason> <code>` ([`super::store_name`]) | `title` |
//! | percent | `customerGets.value.percentage` (0.15 for 15 %), on `items.all` |
//! | one use | `usageLimit: 1`, `appliesOncePerCustomer: true` |
//! | issued at / expires at | `startsAt` / `endsAt` |
//! | customer id, when it is a Shopify customer id (digits, as "Platforms in" keeps them) | `context.customers.add: ["gid://shopify/Customer/<id>"]`; otherwise `context.all: ALL` (the code is secret and single-use) |
//!
//! Answers:
//! - `userErrors` with code `TAKEN` on the code: the code exists. The
//!   discount is looked up (`codeDiscountNodeByCode`); its title says
//!   whether it is this coupon, registered by an earlier attempt
//!   ([`Registered::Before`]), or something else ([`Registered::Taken`]).
//! - `userErrors` on the customers (the customer is not in this shop): the
//!   code is created for all buyers, still single-use.
//! - Any other `userErrors`: a permanent failure naming their codes and
//!   fields.
//! - Cost throttling: Shopify answers 200 with an error whose
//!   `extensions.code` is `THROTTLED`, and the bucket's state in
//!   `extensions.cost.throttleStatus`; the call waits until the bucket has
//!   refilled enough for the query's requested cost, then tries again.
//! - 401, 403, 429 and 5xx as every platform ([`crate::adapters::http`]).

use std::time::Duration;

use serde_json::{Value, json};

use super::store_name;
use crate::adapters::http::{self, Answer, Credential, HttpClient, Request, Verdict};
use crate::domain::coupon::{Coupon, CouponValue};
use crate::ports::Registered;
use crate::{Error, Result};

/// The Admin API version memnun speaks: a stable version is supported for
/// at least twelve months after its release.
pub const API_VERSION: &str = "2026-10";

const PLATFORM: &str = "shopify";
const CREATE: &str = "discountCodeBasicCreate";
const LOOKUP: &str = "codeDiscountNodeByCode";

const CREATE_MUTATION: &str = "mutation memnunCoupon($input: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $input) { codeDiscountNode { id } userErrors { field code message } } }";
const LOOKUP_QUERY: &str = "query memnunCouponOwner($code: String!) { codeDiscountNodeByCode(code: $code) { codeDiscount { ... on DiscountCodeBasic { title } } } }";

/// A Shopify store.
#[derive(Debug)]
pub struct Shopify {
    http: HttpClient,
    endpoint: String,
    token: Credential,
}

/// What creating the discount answered.
#[derive(Debug, PartialEq, Eq)]
enum Created {
    Yes,
    CodeTaken,
    NoSuchCustomer,
}

impl Shopify {
    /// The store at `url` (`https://<shop>.myshopify.com`), with `token`.
    pub fn new(http: HttpClient, url: &str, token: &str) -> Result<Self> {
        if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Config {
                var: "SHOPIFY_TOKEN_PARAMETER",
                reason: "names a parameter that does not hold an access token".into(),
            });
        }
        Ok(Shopify {
            http,
            endpoint: format!("{url}/admin/api/{API_VERSION}/graphql.json"),
            token: Credential::new(token.to_owned()),
        })
    }

    /// Creates the discount code, or finds it created before.
    pub async fn register(&self, coupon: &Coupon) -> Result<Registered> {
        let customer = customer_gid(coupon.customer_id.as_str());
        let mut created = self.create(coupon, customer.as_deref()).await?;
        if created == Created::NoSuchCustomer && customer.is_some() {
            tracing::warn!(
                customer_id = %coupon.customer_id,
                "the customer is not one of this Shopify store's: the code is created for any buyer, once"
            );
            created = self.create(coupon, None).await?;
        }
        match created {
            Created::Yes => Ok(Registered::Now),
            Created::CodeTaken if self.is_ours(coupon).await? => Ok(Registered::Before),
            Created::CodeTaken => Ok(Registered::Taken),
            Created::NoSuchCustomer => Err(Error::Platform {
                platform: PLATFORM,
                operation: CREATE,
                reason: "refused the buyer selection for all buyers".into(),
                permanent: true,
            }),
        }
    }

    fn request(&self, query: &str, variables: Value) -> Request {
        Request {
            method: http::Method::POST,
            url: self.endpoint.clone(),
            headers: vec![("x-shopify-access-token", self.token.expose().clone())],
            body: Some(
                json!({"query": query, "variables": variables})
                    .to_string()
                    .into_bytes(),
            ),
        }
    }

    async fn create(&self, coupon: &Coupon, customer: Option<&str>) -> Result<Created> {
        let request = self.request(CREATE_MUTATION, json!({"input": input(coupon, customer)}));
        http::call(&self.http, PLATFORM, CREATE, &request, |answer| {
            graphql(answer, CREATE).and_then(|data| {
                let errors = data
                    .pointer("/discountCodeBasicCreate/userErrors")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if errors.is_empty() {
                    return match data.pointer("/discountCodeBasicCreate/codeDiscountNode/id") {
                        Some(Value::String(_)) => Verdict::Done(Created::Yes),
                        _ => fail(CREATE, "answered neither a discount nor an error".into()),
                    };
                }
                if errors
                    .iter()
                    .any(|e| code_of(e) == "TAKEN" && field_of(e).contains("code"))
                {
                    return Verdict::Done(Created::CodeTaken);
                }
                if errors.iter().any(|e| field_of(e).contains("customers")) {
                    return Verdict::Done(Created::NoSuchCustomer);
                }
                let listed: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{} at {}", code_of(e), field_of(e)))
                    .collect();
                fail(
                    CREATE,
                    format!("refused the discount: {}", listed.join("; ")),
                )
            })
        })
        .await
    }

    async fn is_ours(&self, coupon: &Coupon) -> Result<bool> {
        let request = self.request(LOOKUP_QUERY, json!({"code": coupon.code.as_str()}));
        let title = http::call(&self.http, PLATFORM, LOOKUP, &request, |answer| {
            graphql(answer, LOOKUP).and_then(|data| {
                Verdict::Done(
                    data.pointer("/codeDiscountNodeByCode/codeDiscount/title")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                )
            })
        })
        .await?;
        Ok(title.as_deref() == Some(store_name(coupon).as_str()))
    }
}

/// The discount's input.
fn input(coupon: &Coupon, customer: Option<&str>) -> Value {
    let CouponValue::Percent(percent) = coupon.value;
    let context = match customer {
        Some(gid) => json!({"customers": {"add": [gid]}}),
        None => json!({"all": "ALL"}),
    };
    json!({
        "title": store_name(coupon),
        "code": coupon.code.as_str(),
        "startsAt": coupon.issued_at.to_string(),
        "endsAt": coupon.expires_at.to_string(),
        "context": context,
        "customerGets": {
            "value": {"percentage": f64::from(percent) / 100.0},
            "items": {"all": true},
        },
        "appliesOncePerCustomer": true,
        "usageLimit": 1,
    })
}

/// A memnun customer id as a Shopify customer's global id, when it is one
/// (Shopify's customer ids are numbers, kept as they are on the way in).
fn customer_gid(id: &str) -> Option<String> {
    (!id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("gid://shopify/Customer/{id}"))
}

fn fail<T>(operation: &'static str, reason: String) -> Verdict<T> {
    Verdict::Fail(Error::Platform {
        platform: PLATFORM,
        operation,
        reason,
        permanent: true,
    })
}

fn code_of(error: &Value) -> &str {
    error
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("UNKNOWN")
}

/// A user error's field path, joined (`basicCodeDiscount.code`).
fn field_of(error: &Value) -> String {
    error
        .get("field")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(".")
        })
        .unwrap_or_default()
}

/// A GraphQL answer's `data`, or what to do instead: the statuses every
/// platform shares, then Shopify's throttling and top-level errors.
fn graphql(answer: &Answer, operation: &'static str) -> Verdict<Value> {
    if let Some(verdict) = http::by_status(PLATFORM, operation, answer) {
        return verdict;
    }
    if answer.status != 200 {
        return fail(operation, format!("answered {}", answer.status));
    }
    let body = answer.json();
    let errors = body.get("errors").and_then(Value::as_array);
    if let Some(errors) = errors.filter(|e| !e.is_empty()) {
        let codes: Vec<&str> = errors
            .iter()
            .map(|e| {
                e.pointer("/extensions/code")
                    .and_then(Value::as_str)
                    .unwrap_or("UNKNOWN")
            })
            .collect();
        if codes.contains(&"THROTTLED") {
            return Verdict::Again(refill_wait(&body));
        }
        if codes.contains(&"INTERNAL_SERVER_ERROR") {
            return Verdict::Again(Duration::ZERO);
        }
        return fail(operation, format!("answered errors: {}", codes.join(", ")));
    }
    match body.get("data") {
        Some(data) if data.is_object() => Verdict::Done(data.clone()),
        _ => fail(operation, "answered no data".into()),
    }
}

/// How long until the cost bucket holds the query's requested cost again.
fn refill_wait(body: &Value) -> Duration {
    let cost = |path: &str| body.pointer(path).and_then(Value::as_f64);
    let wait = match (
        cost("/extensions/cost/requestedQueryCost"),
        cost("/extensions/cost/throttleStatus/currentlyAvailable"),
        cost("/extensions/cost/throttleStatus/restoreRate"),
    ) {
        (Some(requested), Some(available), Some(rate)) if rate > 0.0 => {
            ((requested - available) / rate).max(0.0)
        }
        _ => 1.0,
    };
    Duration::from_secs_f64(wait.clamp(0.1, 60.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponCode, CouponReason};
    use crate::domain::customer::CustomerId;

    fn coupon(customer: &str) -> Coupon {
        Coupon {
            code: CouponCode::parse("RVW-ABCDE-23456").unwrap(),
            customer_id: CustomerId::parse(customer).unwrap(),
            reason: CouponReason::NegativeReview,
            value: CouponValue::Percent(15),
            issued_at: "2026-11-23T10:00:00Z".parse().unwrap(),
            expires_at: "2026-12-23T20:59:59Z".parse().unwrap(),
            source_event: "shop/test#r-1".into(),
        }
    }

    fn answer(status: u16, body: Value) -> Answer {
        Answer {
            status,
            retry_after: None,
            body: body.to_string().into(),
        }
    }

    #[test]
    fn the_discount_is_the_coupon() {
        let c = coupon("207119551");
        let i = input(&c, customer_gid(c.customer_id.as_str()).as_deref());
        assert_eq!(i["code"], "RVW-ABCDE-23456");
        assert_eq!(i["title"], "memnun negative_review RVW-ABCDE-23456");
        assert_eq!(i["customerGets"]["value"]["percentage"], 0.15);
        assert_eq!(i["customerGets"]["items"]["all"], true);
        assert_eq!(i["usageLimit"], 1);
        assert_eq!(i["appliesOncePerCustomer"], true);
        assert_eq!(i["startsAt"], "2026-11-23T10:00:00Z");
        assert_eq!(i["endsAt"], "2026-12-23T20:59:59Z");
        assert_eq!(
            i["context"]["customers"]["add"][0],
            "gid://shopify/Customer/207119551"
        );
        let other = coupon("woo-guest-abc");
        let i = input(&other, customer_gid(other.customer_id.as_str()).as_deref());
        assert_eq!(i["context"], json!({"all": "ALL"}));
    }

    #[test]
    fn throttling_waits_for_the_bucket_to_refill() {
        let throttled = answer(
            200,
            json!({
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": {"requestedQueryCost": 10, "actualQueryCost": null,
                    "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 4, "restoreRate": 100.0}}}
            }),
        );
        match graphql(&throttled, CREATE) {
            Verdict::Again(wait) => assert_eq!(wait, Duration::from_millis(100)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_graphql_errors_are_permanent_and_name_codes_only() {
        let bad = answer(
            200,
            json!({"errors": [{"message": "Field 'x' doesn't exist on ayse@example.com", "extensions": {"code": "undefinedField"}}]}),
        );
        match graphql(&bad, CREATE) {
            Verdict::Fail(e) => {
                let text = e.to_string();
                assert!(e.is_permanent());
                assert!(
                    text.contains("undefinedField") && !text.contains('@'),
                    "{text}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
