//! One invocation of ingest: a request to its Function URL, or an event
//! from Shopify's Amazon EventBridge partner event source.
//!
//! A shop with a Shopify app can have Shopify deliver straight to
//! EventBridge instead of a public URL (`ShopifyEventSourceName`): the
//! template's rule on that partner event bus invokes this function with
//! the EventBridge event, which carries Shopify's payload and its headers
//! (`detail.payload`, `detail.metadata`). It goes through the same Shopify
//! mapping as `/webhooks/shopify`; no signature is needed, since only
//! Shopify can put events on its partner bus and the function takes only
//! the source it was configured with. A failure is the invocation's error:
//! Lambda retries it twice, then keeps it in the on-failure queue, whose
//! alarm fires.

use jiff::Timestamp;
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};
use lambda_http::request::LambdaRequest;
use memnun_shared::ports::Publisher;
use memnun_shared::{Error, Result};
use serde_json::{Value, json};

use crate::platforms::{Delivery, Platform, shopify};
use crate::{Delivered, Handler};

/// Answers one invocation of either kind.
pub async fn invoke<P: Publisher>(
    handler: &Handler<P>,
    payload: Value,
    now: Timestamp,
) -> Result<Value> {
    if payload.get("detail-type").is_some() && payload.get("detail").is_some() {
        return eventbridge(handler, &payload, now).await;
    }
    let request: LambdaRequest = serde_json::from_value(payload).map_err(|_| {
        Error::contract(
            "body",
            "is neither a Function URL request nor an EventBridge event",
        )
    })?;
    let response = handler
        .handle(lambda_http::Request::from(request), now)
        .await;
    Ok(function_url_answer(response))
}

/// A Function URL's answer: status, headers and the JSON body as text.
fn function_url_answer(response: lambda_http::Response<lambda_http::Body>) -> Value {
    let headers: serde_json::Map<String, Value> = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), Value::from(v.to_str().ok()?))))
        .collect();
    // The handler answers JSON text; bytes are read as text all the same.
    let body = String::from_utf8_lossy(response.body().as_ref()).into_owned();
    json!({
        "statusCode": response.status().as_u16(),
        "headers": headers,
        "body": body,
        "isBase64Encoded": false,
    })
}

/// A Shopify delivery through EventBridge: its headers from
/// `detail.metadata` (or `detail` itself), its body `detail.payload`.
async fn eventbridge<P: Publisher>(
    handler: &Handler<P>,
    event: &Value,
    now: Timestamp,
) -> Result<Value> {
    let source = event.get("source").and_then(Value::as_str).unwrap_or("");
    if handler.config.shopify_event_source.as_deref() != Some(source) {
        return Err(Error::contract(
            "source",
            "is not the Shopify partner event source this stack takes (ShopifyEventSourceName)",
        ));
    }
    let detail = &event["detail"];
    let payload = detail
        .get("payload")
        .filter(|p| p.is_object())
        .ok_or_else(|| Error::contract("detail.payload", "is required"))?;
    let metadata = detail
        .get("metadata")
        .and_then(Value::as_object)
        .or_else(|| detail.as_object());
    let mut headers = HeaderMap::new();
    for (name, value) in metadata.into_iter().flatten() {
        let (Ok(name), Some(Ok(value))) = (
            HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
            value.as_str().map(HeaderValue::from_str),
        ) else {
            continue;
        };
        headers.insert(name, value);
    }
    // What EventBridge knows stands in for what the metadata lacks: its
    // time, and its id (the same on Lambda's retries).
    for (header, fallback) in [
        (shopify::TRIGGERED_AT, event.get("time")),
        (shopify::WEBHOOK_ID, event.get("id")),
    ] {
        if !headers.contains_key(header)
            && let Some(Ok(value)) = fallback.and_then(Value::as_str).map(HeaderValue::from_str)
        {
            headers.insert(header, value);
        }
    }
    let body = serde_json::to_vec(payload)
        .map_err(|_| Error::contract("detail.payload", "cannot be read"))?;
    let delivery = Delivery {
        headers: &headers,
        body: &body,
        received: now,
        topic: None,
    };
    match handler.deliver(Platform::Shopify, &delivery).await {
        Delivered::Accepted(ids) => Ok(json!({ "accepted": ids })),
        Delivered::Ignored(reason) => Ok(json!({ "ignored": reason })),
        Delivered::Unmappable(e) => Err(e),
        Delivered::NotEnqueued => Err(Error::Aws {
            service: "sqs",
            operation: "SendMessage",
            message: "the queue did not take the mapped event".into(),
            permanent: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Queues;
    use memnun_shared::contract::outbound::OutboundMessage;

    const SOURCE: &str = "aws.partner/shopify.com/1830279/memnun";

    fn handler() -> Handler<Queues> {
        let mut h = crate::testing::handler(b"whsec_0123456789abcdef0123456789");
        h.config.shopify_event_source = Some(SOURCE.into());
        h
    }

    fn sample(file: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../events/shopify")
            .join(file);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Shopify's delivery as EventBridge hands it to the function.
    fn event(topic: &str, payload: Value) -> Value {
        json!({
            "version": "0",
            "id": "6f1c2b3a-9d8e-4f70-a1b2-c3d4e5f60718",
            "detail-type": "shopifyWebhook",
            "source": SOURCE,
            "account": "123456789012",
            "time": "2026-11-24T11:05:32Z",
            "region": "eu-central-1",
            "resources": [],
            "detail": {
                "payload": payload,
                "metadata": {
                    "Content-Type": "application/json",
                    "X-Shopify-Topic": topic,
                    "X-Shopify-Hmac-SHA256": "not checked: the partner bus is the proof",
                    "X-Shopify-Shop-Domain": "dukkan.myshopify.com",
                    "X-Shopify-API-Version": "2025-10",
                    "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
                },
            },
        })
    }

    fn run(h: &Handler<Queues>, payload: Value) -> Result<Value> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(invoke(h, payload, "2026-12-03T09:00:00Z".parse().unwrap()))
    }

    fn sent(h: &Handler<Queues>) -> Vec<OutboundMessage> {
        h.publisher.sent.lock().unwrap().clone()
    }

    #[test]
    fn a_shopify_event_from_eventbridge_goes_through_the_same_mapping() {
        let h = handler();
        let answer = run(
            &h,
            event("fulfillments/create", sample("fulfillments-create.json")),
        )
        .unwrap();
        assert_eq!(
            answer,
            json!({"accepted": ["fulfillments/create:98880550-7158-44d4-b7cd-2c97c8a091b5"]})
        );
        let sent = sent(&h);
        let shipped: Value = serde_json::from_str(&sent[0].body).unwrap();
        assert_eq!(shipped["type"], "order.shipped");
        assert_eq!(shipped["source"], "shopify/dukkan.myshopify.com");
        assert_eq!(shipped["data"]["tracking_number"], "YK30418822");
        // Lambda's retry of the same event is the same memnun event.
        run(
            &h,
            event("fulfillments/create", sample("fulfillments-create.json")),
        )
        .unwrap();
        let again = self::sent(&h);
        assert_eq!(again[0].body, again[1].body);
    }

    #[test]
    fn headers_at_the_top_of_detail_and_eventbridges_own_id_and_time_serve_too() {
        let h = handler();
        let mut e = event("returns/approve", sample("returns-approve.json"));
        let metadata = e["detail"]["metadata"].take();
        let detail = e["detail"].as_object_mut().unwrap();
        detail.remove("metadata");
        for (k, v) in metadata.as_object().unwrap() {
            if k != "X-Shopify-Event-Id" {
                detail.insert(k.clone(), v.clone());
            }
        }
        let answer = run(&h, e).unwrap();
        assert_eq!(
            answer["accepted"][0],
            "returns/approve:6f1c2b3a-9d8e-4f70-a1b2-c3d4e5f60718"
        );
        let approved: Value = serde_json::from_str(&sent(&h)[0].body).unwrap();
        assert_eq!(
            approved["time"], "2026-11-24T11:05:32Z",
            "EventBridge's time"
        );
    }

    #[test]
    fn another_source_an_unused_topic_and_an_unmappable_payload() {
        let h = handler();
        let mut foreign = event("orders/create", sample("orders-create.json"));
        foreign["source"] = "aws.partner/shopify.com/999/someone-else".into();
        assert!(
            matches!(run(&h, foreign), Err(Error::Contract { field, .. }) if field == "source")
        );
        let answer = run(&h, event("products/update", sample("products-update.json"))).unwrap();
        assert!(answer["ignored"].is_string());
        let broken = run(&h, event("orders/create", json!({"customer": {"id": 5}})));
        assert!(matches!(broken, Err(Error::Contract { field, .. }) if field == "id"));
        // Without ShopifyEventSourceName, no EventBridge event is taken.
        let off = crate::testing::handler(b"whsec_0123456789abcdef0123456789");
        assert!(run(&off, event("orders/create", sample("orders-create.json"))).is_err());
        assert!(sent(&h).is_empty());
    }

    #[test]
    fn a_function_url_request_is_answered_as_function_urls_expect() {
        let h = handler();
        let request = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/webhooks/magento",
            "rawQueryString": "",
            "headers": {"content-type": "application/json", "host": "abc.lambda-url.eu-central-1.on.aws"},
            "requestContext": {
                "accountId": "anonymous",
                "apiId": "abc",
                "domainName": "abc.lambda-url.eu-central-1.on.aws",
                "domainPrefix": "abc",
                "http": {"method": "POST", "path": "/webhooks/magento", "protocol": "HTTP/1.1",
                         "sourceIp": "203.0.113.9", "userAgent": "curl/8"},
                "requestId": "r-1",
                "routeKey": "$default",
                "stage": "$default",
                "time": "03/Dec/2026:09:00:00 +0000",
                "timeEpoch": 1796288400000_u64
            },
            "body": "{}",
            "isBase64Encoded": false
        });
        let answer = run(&h, request).unwrap();
        assert_eq!(answer["statusCode"], 404);
        assert_eq!(answer["headers"]["content-type"], "application/json");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert!(body["error"].as_str().unwrap().contains("shopify"));
        assert!(run(&h, json!({"neither": true})).is_err());
    }
}
