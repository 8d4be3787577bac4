//! Contract stand-ins for the shop's stores on loopback: Shopify's Admin
//! GraphQL API and WooCommerce's REST API, as far as memnun's coupons use
//! them. No real store can be reached from a test; these follow the
//! documented contract instead:
//!
//! - **Shopify** (`POST /admin/api/<version>/graphql.json`): the access
//!   token in `X-Shopify-Access-Token`, else `401` with Shopify's body;
//!   `discountCodeBasicCreate` checks its input's required fields (`code`,
//!   `title`, `startsAt`, `context`, `customerGets` with a percentage
//!   between 0 and 1) and answers `userErrors` for a bad one, or `TAKEN`
//!   on `basicCodeDiscount.code` for a code that exists, memnun's or the
//!   shop's; `codeDiscountNodeByCode` answers the discount's title. Every
//!   answer carries `extensions.cost`; a throttled one is `200` with an
//!   error whose `extensions.code` is `THROTTLED`.
//! - **WooCommerce** (`/wp-json/wc/v3/coupons`): HTTP Basic with the REST
//!   keys, else `401` `woocommerce_rest_cannot_create`; `POST` checks
//!   `code`, `discount_type` and `amount`, answers `201` with the coupon
//!   (its code lower-cased, as WooCommerce stores codes), or `400`
//!   `woocommerce_rest_coupon_code_already_exists`; `GET ?code=` finds
//!   coupons by code without regard to case.
//!
//! Faults are queued and spent one request each, in order: a status (`503`,
//! `422`, …), `429` with `Retry-After`, a hang past the caller's timeout,
//! Shopify's throttling, or the next code created being the shop's own. The
//! server records every request (platform, operation, status) so a test can
//! count the calls a flow made.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::loopback::{Incoming, Reply, Server};

/// The Admin API token the Shopify stand-in accepts.
pub const SHOPIFY_TOKEN: &str = "shpat_0123456789abcdef0123456789abcdef";
/// The REST keys the WooCommerce stand-in accepts.
pub const WOOCOMMERCE_KEYS: &str = "ck_0123456789abcdef:cs_fedcba9876543210";

/// The template parameters that point both stores at a stand-in at `url`
/// (the local run's: a shop sees the calls it would make).
pub fn parameters(url: &str) -> [(&'static str, String); 4] {
    [
        ("ShopifyStoreUrl", url.to_owned()),
        (
            "ShopifyTokenParameterName",
            "/memnun/shopify-token".to_owned(),
        ),
        ("WooCommerceStoreUrl", url.to_owned()),
        (
            "WooCommerceKeysParameterName",
            "/memnun/woocommerce-keys".to_owned(),
        ),
    ]
}

/// A fault the next request meets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status with an empty JSON body.
    Status(u16),
    /// `429` with `Retry-After` of this many seconds.
    TooMany(u64),
    /// Answer only after this long.
    Hang(Duration),
    /// Shopify's cost throttling (`200` with `THROTTLED`).
    Throttled,
    /// The code of the next create is the shop's own already.
    ShopHasTheCode,
}

/// One request the stand-in answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Call {
    /// `shopify` or `woocommerce`.
    pub platform: &'static str,
    /// `create`, `lookup`, or `other`.
    pub operation: &'static str,
    /// The status answered.
    pub status: u16,
}

#[derive(Debug, Default)]
struct State {
    /// Shopify discounts by code: (title, input).
    discounts: HashMap<String, (String, Value)>,
    /// WooCommerce coupons by lower-cased code.
    coupons: HashMap<String, Value>,
    faults: VecDeque<Fault>,
    calls: Vec<Call>,
}

/// The stand-in; it stops accepting when dropped.
pub struct StoreStandIn {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl StoreStandIn {
    /// Starts both stores on one free loopback port.
    pub fn start() -> StoreStandIn {
        let state = Arc::new(Mutex::new(State::default()));
        let serving = Arc::clone(&state);
        let server = Server::start(move |request| serve(&serving, &request));
        StoreStandIn { server, state }
    }

    /// `http://127.0.0.1:<port>`: both stores' base URL.
    pub fn url(&self) -> String {
        self.server.url()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues faults for the next requests, one each.
    pub fn fail(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state().faults.extend(faults);
    }

    /// Every request answered, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// The Shopify discounts created, by code: their inputs.
    pub fn shopify_discounts(&self) -> HashMap<String, Value> {
        self.state()
            .discounts
            .iter()
            .map(|(code, (_, input))| (code.clone(), input.clone()))
            .collect()
    }

    /// The WooCommerce coupons created, by lower-cased code.
    pub fn woocommerce_coupons(&self) -> HashMap<String, Value> {
        self.state().coupons.clone()
    }
}

fn serve(state: &Mutex<State>, request: &Incoming) -> Reply {
    let (method, query, headers, body) = (
        request.method.as_str(),
        request.query.as_str(),
        &request.headers,
        request.body.as_slice(),
    );
    let (platform, operation) = route(method, &request.path, body);
    let fault = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        // A fault is spent by a request that reached a store.
        if platform == "other" {
            None
        } else {
            s.faults.pop_front()
        }
    };
    let mut delay = None;
    let (status, extra, answer) = match fault {
        Some(Fault::Hang(d)) => {
            delay = Some(d);
            answer(state, platform, method, query, headers, body, false)
        }
        Some(Fault::Status(status)) => (status, Vec::new(), json!({"errors": "stand-in fault"})),
        Some(Fault::TooMany(seconds)) => (
            429,
            vec![("Retry-After", seconds.to_string())],
            json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}),
        ),
        Some(Fault::Throttled) => (
            200,
            Vec::new(),
            json!({
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": cost(2.0),
            }),
        ),
        Some(Fault::ShopHasTheCode) => answer(state, platform, method, query, headers, body, true),
        None => answer(state, platform, method, query, headers, body, false),
    };
    state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .calls
        .push(Call {
            platform,
            operation,
            status,
        });
    Reply {
        status,
        headers: extra,
        body: answer.to_string(),
        delay,
    }
}

/// Which store and operation a request is for.
fn route(method: &str, path: &str, body: &[u8]) -> (&'static str, &'static str) {
    if path.starts_with("/admin/api/") && path.ends_with("/graphql.json") {
        let query = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|b| b["query"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let operation = if query.contains("discountCodeBasicCreate") {
            "create"
        } else if query.contains("codeDiscountNodeByCode") {
            "lookup"
        } else {
            "other"
        };
        return ("shopify", operation);
    }
    if path == "/wp-json/wc/v3/coupons" {
        return (
            "woocommerce",
            if method == "POST" { "create" } else { "lookup" },
        );
    }
    ("other", "other")
}

fn cost(available: f64) -> Value {
    json!({"cost": {"requestedQueryCost": 10, "actualQueryCost": 10,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0}}})
}

type Answered = (u16, Vec<(&'static str, String)>, Value);

fn answer(
    state: &Mutex<State>,
    platform: &str,
    method: &str,
    query: &str,
    headers: &HashMap<String, String>,
    body: &[u8],
    shop_has_it: bool,
) -> Answered {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    match platform {
        "shopify" => shopify(&mut s, headers, body, shop_has_it),
        "woocommerce" => woocommerce(&mut s, method, query, headers, body, shop_has_it),
        _ => (404, Vec::new(), json!({"errors": "Not Found"})),
    }
}

fn shopify(
    s: &mut State,
    headers: &HashMap<String, String>,
    body: &[u8],
    shop_has_it: bool,
) -> Answered {
    if headers.get("x-shopify-access-token").map(String::as_str) != Some(SHOPIFY_TOKEN) {
        return (
            401,
            Vec::new(),
            json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}),
        );
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return (
            400,
            Vec::new(),
            json!({"errors": {"query": "Required parameter missing or invalid"}}),
        );
    };
    let query = request["query"].as_str().unwrap_or_default();
    if query.contains("codeDiscountNodeByCode") {
        let code = request["variables"]["code"].as_str().unwrap_or_default();
        let node = s
            .discounts
            .get(code)
            .map(|(title, _)| json!({"codeDiscount": {"title": title}}));
        return (
            200,
            Vec::new(),
            json!({"data": {"codeDiscountNodeByCode": node}, "extensions": cost(1990.0)}),
        );
    }
    if !query.contains("discountCodeBasicCreate") {
        return (
            200,
            Vec::new(),
            json!({"errors": [{"message": "unknown operation", "extensions": {"code": "undefinedField"}}]}),
        );
    }
    let input = &request["variables"]["input"];
    let payload = |errors: Vec<Value>, node: Value| {
        (
            200,
            Vec::new(),
            json!({"data": {"discountCodeBasicCreate": {"codeDiscountNode": node, "userErrors": errors}}, "extensions": cost(1990.0)}),
        )
    };
    let error = |field: &[&str], code: &str, message: &str| json!({"field": field, "code": code, "message": message});
    let Some(code) = input["code"].as_str().filter(|c| !c.is_empty()) else {
        return payload(
            vec![error(
                &["basicCodeDiscount", "code"],
                "BLANK",
                "Code can't be blank",
            )],
            Value::Null,
        );
    };
    if input["title"].as_str().is_none_or(str::is_empty) {
        return payload(
            vec![error(
                &["basicCodeDiscount", "title"],
                "BLANK",
                "Title can't be blank",
            )],
            Value::Null,
        );
    }
    if input["startsAt"]
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .is_none()
    {
        return payload(
            vec![error(
                &["basicCodeDiscount", "startsAt"],
                "INVALID",
                "Starts at is invalid",
            )],
            Value::Null,
        );
    }
    let percentage = input["customerGets"]["value"]["percentage"].as_f64();
    if !percentage.is_some_and(|p| p > 0.0 && p <= 1.0) || input["customerGets"]["items"].is_null()
    {
        return payload(
            vec![error(
                &["basicCodeDiscount", "customerGets"],
                "INVALID",
                "Customer gets is invalid",
            )],
            Value::Null,
        );
    }
    if input["context"].is_null() {
        return payload(
            vec![error(
                &["basicCodeDiscount", "context"],
                "BLANK",
                "Context can't be blank",
            )],
            Value::Null,
        );
    }
    if shop_has_it {
        s.discounts.insert(
            code.to_owned(),
            ("Spring sale".into(), json!({"code": code})),
        );
    }
    if s.discounts.contains_key(code) {
        return payload(
            vec![error(
                &["basicCodeDiscount", "code"],
                "TAKEN",
                "Code must be unique. Please try a different code.",
            )],
            Value::Null,
        );
    }
    let title = input["title"].as_str().unwrap_or_default().to_owned();
    let id = s.discounts.len() + 1;
    s.discounts.insert(code.to_owned(), (title, input.clone()));
    payload(
        Vec::new(),
        json!({"id": format!("gid://shopify/DiscountCodeNode/{id}")}),
    )
}

fn woocommerce(
    s: &mut State,
    method: &str,
    query: &str,
    headers: &HashMap<String, String>,
    body: &[u8],
    shop_has_it: bool,
) -> Answered {
    let expected = format!("Basic {}", STANDARD.encode(WOOCOMMERCE_KEYS));
    if headers.get("authorization") != Some(&expected) {
        return (
            401,
            Vec::new(),
            json!({"code": "woocommerce_rest_cannot_create", "message": "Sorry, you are not allowed to create resources.", "data": {"status": 401}}),
        );
    }
    if method == "GET" {
        let code = query
            .split('&')
            .find_map(|p| p.strip_prefix("code="))
            .unwrap_or_default()
            .to_ascii_lowercase();
        let found: Vec<Value> = s.coupons.get(&code).cloned().into_iter().collect();
        return (200, Vec::new(), Value::Array(found));
    }
    let Ok(coupon) = serde_json::from_slice::<Value>(body) else {
        return (
            400,
            Vec::new(),
            json!({"code": "rest_invalid_json", "message": "Invalid JSON body passed.", "data": {"status": 400}}),
        );
    };
    let invalid = |param: &str| {
        (
            400,
            Vec::new(),
            json!({"code": "rest_invalid_param", "message": format!("Invalid parameter(s): {param}"), "data": {"status": 400, "params": {param: "invalid"}}}),
        )
    };
    let Some(code) = coupon["code"].as_str().filter(|c| !c.is_empty()) else {
        return (
            400,
            Vec::new(),
            json!({"code": "woocommerce_rest_empty_coupon_code", "message": "The coupon code cannot be empty.", "data": {"status": 400}}),
        );
    };
    if !matches!(
        coupon["discount_type"].as_str(),
        Some("percent" | "fixed_cart" | "fixed_product")
    ) {
        return invalid("discount_type");
    }
    if coupon["amount"]
        .as_str()
        .and_then(|a| a.parse::<f64>().ok())
        .is_none()
    {
        return invalid("amount");
    }
    let code = code.to_ascii_lowercase();
    if shop_has_it {
        s.coupons.insert(
            code.clone(),
            json!({"id": 1, "code": code, "description": "Spring sale"}),
        );
    }
    if s.coupons.contains_key(&code) {
        return (
            400,
            Vec::new(),
            json!({"code": "woocommerce_rest_coupon_code_already_exists", "message": "The coupon code already exists", "data": {"status": 400}}),
        );
    }
    let mut stored = coupon.clone();
    stored["code"] = json!(code);
    stored["id"] = json!(s.coupons.len() + 100);
    s.coupons.insert(code, stored.clone());
    (201, Vec::new(), stored)
}
