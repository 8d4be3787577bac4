//! CloudEvents for the tests.

use serde_json::{Value, json};

/// An event envelope around `data`.
pub fn event(id: &str, kind: &str, time: &str, data: Value) -> String {
    json!({
        "specversion": "1.0",
        "id": id,
        "source": "shop/test",
        "type": kind,
        "time": time,
        "data": data,
    })
    .to_string()
}

/// A `review.posted` by `customer` with `rating` stars, with contact details.
pub fn review(
    id: &str,
    time: &str,
    customer: &str,
    rating: u8,
    email: &str,
    locale: &str,
) -> String {
    event(
        id,
        "review.posted",
        time,
        json!({
            "customer_id": customer,
            "rating": rating,
            "product_id": "p-1",
            "product_name": "Seramik Kupa",
            "order_id": "o-1",
            "text": "Kırık geldi",
            "customer": {"email": email, "name": "Ayşe Yılmaz", "locale": locale, "time_zone": "Europe/Istanbul"},
        }),
    )
}
