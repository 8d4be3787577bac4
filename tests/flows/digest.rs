//! The weekly digest against the emulator: two weeks of events replayed
//! through the real functions (some delivered twice), the counters they keep,
//! and the digest that reads them, once per week.

#[path = "support/functions.rs"]
mod functions;

use std::collections::BTreeMap;

use functions::*;
use memnun_shared::domain::digest::{Counters, Week};
use memnun_shared::ports::StatsStore;
use memnun_tests::events::{event, review};
use memnun_tests::stack::{LEAD, MARKETING, Stack, attr};
use serde_json::json;

fn counters(pairs: &[(&str, i64)]) -> Counters {
    Counters(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
}

async fn number_of(stack: &Stack, customer: &str) -> String {
    let t = stack
        .items_with_prefix("TICKET#")
        .await
        .into_iter()
        .find(|t| attr(t, "customer_id") == customer && attr(t, "origin") == "complaint")
        .unwrap_or_else(|| panic!("no complaint of {customer}"));
    attr(&t, "number").to_string()
}

fn survey(id: &str, time: &str, ticket: &str, score: u8) -> String {
    event(
        id,
        "survey.answered",
        time,
        json!({"ticket_id": ticket, "score": score}),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_digest_reports_the_events_replayed_once_per_week() {
    // Apology coupons reminded of: every flow keeps its coupon's reminder.
    let stack = Stack::start_with(&[("ApologyCouponReminder", "true")], true).await;
    let (intake, responder, monitor, escalator, digest) = (
        intake(&stack),
        responder(&stack),
        monitor(&stack),
        escalator(&stack),
        digest(&stack),
    );
    let ist = "Europe/Istanbul";

    // Week 46 (9-15 November): a damaged cup nobody answers, a 1-star review.
    stack
        .send(
            "tickets",
            &complaint(
                "l-1",
                "2026-11-10T09:00:00Z",
                "l-1",
                "web",
                "Kupa KIRIK geldi",
                "l1@example.com",
                "tr",
                ist,
            ),
        )
        .await;
    stack
        .send(
            "reviews",
            &review(
                "rev-l2",
                "2026-11-12T10:00:00Z",
                "l-2",
                1,
                "l2@example.com",
                "tr",
            ),
        )
        .await;

    // Week 47 (16-22 November): three complaints, one delivered twice.
    let a = complaint(
        "a",
        "2026-11-16T09:00:00Z",
        "a",
        "web",
        "Kupa KIRIK geldi",
        "a@example.com",
        "tr",
        ist,
    );
    stack.send("tickets", &a).await;
    stack.send("tickets", &a).await;
    stack
        .send(
            "tickets",
            &complaint(
                "b",
                "2026-11-17T09:00:00Z",
                "b",
                "email",
                "My parcel has not arrived yet",
                "b@example.com",
                "en",
                ist,
            ),
        )
        .await;
    stack
        .send(
            "tickets",
            &complaint(
                "c",
                "2026-11-20T09:00:00Z",
                "c",
                "social",
                "Yanlış ürün gönderilmiş",
                "c@example.com",
                "tr",
                ist,
            ),
        )
        .await;
    // A 2-star review (delivered twice), a 5-star one, a late order.
    let bad = review(
        "rev-r2",
        "2026-11-21T10:00:00Z",
        "r-2",
        2,
        "r2@example.com",
        "tr",
    );
    stack.send("reviews", &bad).await;
    stack.send("reviews", &bad).await;
    stack
        .send(
            "reviews",
            &review(
                "rev-r5",
                "2026-11-21T11:00:00Z",
                "r-5",
                5,
                "r5@example.com",
                "tr",
            ),
        )
        .await;
    stack.send("orders", &event("late-1", "order.delayed", "2026-11-21T07:00:00Z",
        json!({"customer_id": "d-1", "order_id": "ord-9", "promised_date": "2026-11-19", "new_date": "2026-11-25",
               "customer": {"email": "d1@example.com", "locale": "tr"}}))).await;
    deliver_tickets(&stack, &intake).await;
    deliver_reviews(&stack, &responder).await;
    deliver_orders(&stack, &journey(&stack)).await;

    let (na, nb, nc) = (
        number_of(&stack, "a").await,
        number_of(&stack, "b").await,
        number_of(&stack, "c").await,
    );
    // A: answered and resolved in time, rated 2 (an apology with a coupon).
    // B (normal, first reply due the 18th at 09:00): answered late, resolved
    // in time, rated 5. C (high on social media): never answered.
    for body in [
        reply("a-r", "2026-11-16T10:00:00Z", &na, "agent"),
        resolved("a-x", "2026-11-16T15:00:00Z", &na),
        survey("a-s", "2026-11-17T10:00:00Z", &na, 2),
        reply("b-r", "2026-11-18T12:00:00Z", &nb, "agent"),
        resolved("b-x", "2026-11-19T09:00:00Z", &nb),
        survey("b-s", "2026-11-19T10:00:00Z", &nb, 5),
        survey("b-s2", "2026-11-19T11:00:00Z", &nb, 1),
    ] {
        stack.send("tickets", &body).await;
        deliver_tickets(&stack, &intake).await;
    }
    // A repeat of A's reply changes nothing and counts nothing.
    stack
        .send(
            "tickets",
            &reply("a-r2", "2026-11-16T10:00:00Z", &na, "agent"),
        )
        .await;
    deliver_tickets(&stack, &intake).await;

    // Friday afternoon's sweep: C's first reply is late; so is everything of
    // week 46's complaint.
    let s = sweep(&monitor, "2026-11-20T13:30:00Z").await;
    assert_eq!(s.breaches, 3, "{s:?}");
    escalate(&stack, &escalator).await;
    let breaches = emails_to(&stack, LEAD);
    assert_eq!(breaches.len(), 3);
    assert_eq!(
        breaches.iter().filter(|e| e.subject.contains(&nc)).count(),
        1
    );

    let store = store(&stack);
    let w47 = Week::parse("2026-W47").unwrap();
    assert_eq!(
        store.counters(w47).await.unwrap(),
        counters(&[
            ("complaints", 3),
            ("complaints.category.damaged", 1),
            ("complaints.category.delivery", 1),
            ("complaints.category.wrong_item", 1),
            ("complaints.channel.web", 1),
            ("complaints.channel.email", 1),
            ("complaints.channel.social", 1),
            ("first_reply.met", 1),
            ("first_reply.missed", 1),
            ("resolution.met", 2),
            ("breaches.first_reply", 1),
            ("surveys.answered", 2),
            ("surveys.score_sum", 7),
            ("coupons.low_satisfaction.count", 1),
            ("coupons.low_satisfaction.percent", 15),
            ("coupons.negative_review.count", 1),
            ("coupons.negative_review.percent", 15),
            ("coupons.order_delay.count", 1),
            ("coupons.order_delay.percent", 10),
            // The late order, apologised to as the shop said.
            ("orders.late.told", 1),
            // Week 46's missed resolution, apologised for this week.
            ("coupons.sla_breach.count", 1),
            ("coupons.sla_breach.percent", 10),
            ("reviews.negative", 1),
        ])
    );
    assert_eq!(
        store.counters(w47.previous()).await.unwrap(),
        counters(&[
            ("complaints", 1),
            ("complaints.category.damaged", 1),
            ("complaints.channel.web", 1),
            ("breaches.first_reply", 1),
            ("breaches.resolution", 1),
            ("coupons.negative_review.count", 1),
            ("coupons.negative_review.percent", 20),
            ("reviews.negative", 1),
        ])
    );
    let coupons = stack.items_with_prefix("COUPON#").await.len();
    assert_eq!(coupons, 5, "as many coupons as counted over both weeks");
    // Each apology flow kept its coupon's reminder, once however often its
    // event came.
    let mut held: Vec<String> = stack
        .items_with_prefix("SCHEDULED#coupon.expiring:")
        .await
        .iter()
        .map(|m| attr(m, "id").split(':').nth(1).expect("reason").to_owned())
        .collect();
    held.sort();
    assert_eq!(
        held,
        [
            "low_satisfaction",
            "negative_review",
            "negative_review",
            "order_delay",
            "sla_breach"
        ]
    );

    // Monday 08:00 in Istanbul: the week that just ended against the one before.
    let before = stack.emulator.sent_emails().len();
    let report = digest
        .run(ts("2026-11-23T05:00:00Z"), deadline())
        .await
        .expect("digest");
    assert_eq!(
        (report.week.as_str(), report.sent, report.already_sent),
        ("2026-W47", 2, 0)
    );
    let lead = emails_to(&stack, LEAD)
        .into_iter()
        .filter(|e| e.subject.contains("özet"))
        .collect::<Vec<_>>();
    let marketing = emails_to(&stack, MARKETING);
    assert_eq!((lead.len(), marketing.len()), (1, 1));
    let d = &lead[0];
    assert_eq!(
        d.subject,
        "Dükkan: haftalık destek özeti — 16–22 Kasım 2026"
    );
    // Marketing gets its own: what each coupon flow gave this week.
    let m = &marketing[0];
    assert_eq!(
        m.subject,
        "Dükkan: haftalık pazarlama özeti — 16–22 Kasım 2026"
    );
    assert!(m.body.contains(": verilen kupon</td>"), "{}", m.body);
    assert!(
        !m.body.contains("Şikâyetler"),
        "no support figures for marketing"
    );
    let rows: BTreeMap<&str, &str> = [
        ("Şikâyetler", "3</td>"),
        ("Zamanında ilk yanıt", "%50</td>"),
        ("Zamanında çözüm", "%100</td>"),
        ("SLA aşımları", "1</td>"),
        ("Verilen kuponlar", "4</td>"),
        ("Kuponların toplam indirimi (puan)", "50</td>"),
        ("Olumsuz ürün yorumları", "1</td>"),
        ("Ortalama memnuniyet puanı", "3,5 / 5</td>"),
        ("Yanıtlanan memnuniyet anketleri", "2</td>"),
    ]
    .into_iter()
    .collect();
    for (label, value) in rows {
        let at = d
            .body
            .find(&format!(">{label}</td>"))
            .unwrap_or_else(|| panic!("no row {label}: {}", d.body));
        let row_end = at + d.body[at..].find("</tr>").expect("row end");
        assert!(
            d.body[at..row_end].contains(value),
            "{label}: {}",
            &d.body[at..row_end]
        );
    }
    // This week against last: complaints +2, breaches 1 against 2.
    assert!(d.body.contains(">+2</td>"), "{}", d.body);
    assert!(d.body.contains(">\u{2212}1</td>"), "{}", d.body);
    for label in [
        "hasarlı ürün",
        "teslimat / kargo",
        "yanlış ürün",
        "web formu",
        "e-posta",
        "sosyal medya",
        "geciken sipariş",
        "olumsuz ürün yorumu",
        "geciken destek yanıtı",
    ] {
        assert!(d.body.contains(label), "{label}");
    }
    assert!(
        d.body.contains("bgcolor=\"#2f6f8f\""),
        "bars are table cells"
    );
    for secret in [
        "@example.com",
        "Ayşe",
        "KIRIK",
        "RVW-",
        "CSAT-",
        "LATE-",
        "SLA-",
    ] {
        assert!(!d.body.contains(secret), "{secret} in the digest");
    }

    // Again (a retry, a second schedule): nothing more is sent.
    let again = digest
        .run(ts("2026-11-23T05:03:00Z"), deadline())
        .await
        .expect("digest");
    assert_eq!((again.sent, again.already_sent), (0, 2));
    assert_eq!(stack.emulator.sent_emails().len(), before + 2);
}

/// Marketing's digest equals the replayed events: two apology coupons
/// issued by the real review-responder, one redeemed by an order placed
/// two days later (and used again by another order, met before it), read
/// by the real order-journey; the digest of that week says so, flow by
/// flow.
#[tokio::test(flavor = "multi_thread")]
async fn the_marketing_digest_counts_what_each_flow_gave_and_brought_back() {
    let stack = Stack::start().await;
    let responder = responder(&stack);
    for (id, customer) in [("r-m1", "c-m1"), ("r-m2", "c-m2")] {
        stack
            .send(
                "reviews",
                &review(
                    id,
                    "2026-11-24T09:00:00Z",
                    customer,
                    1,
                    &format!("{customer}@example.com"),
                    "tr",
                ),
            )
            .await;
    }
    deliver_reviews(&stack, &responder).await;
    let coupons = stack.items_with_prefix("COUPON#").await;
    assert_eq!(coupons.len(), 2);
    let code = attr(
        coupons
            .iter()
            .find(|c| attr(c, "customer_id") == "c-m1")
            .expect("c-m1's coupon"),
        "code",
    )
    .to_string();

    let journey = journey(&stack);
    let placed = |id: &str, order: &str, time: &str| {
        event(
            id,
            "order.placed",
            time,
            json!({"customer_id": "c-m1", "order_id": order, "total": "349.90", "currency": "TRY",
                   "discount_codes": [code.as_str()],
                   "customer": {"email": "c-m1@example.com", "locale": "tr"}}),
        )
    };
    let first = placed("o-m1", "ord-m1", "2026-11-26T12:00:00Z");
    let again = placed("o-m2", "ord-m2", "2026-11-27T12:00:00Z");
    // The later order met first: the redemption is the first order's all
    // the same, the later one reuse.
    stack.send("orders", &again).await;
    deliver_orders(&stack, &journey).await;
    for body in [&first, &first] {
        stack.send("orders", body).await;
    }
    deliver_orders(&stack, &journey).await;

    let digest = digest(&stack);
    digest
        .run(ts("2026-11-30T05:00:00Z"), deadline())
        .await
        .expect("digest");
    let marketing = emails_to(&stack, MARKETING);
    assert_eq!(marketing.len(), 1);
    let m = &marketing[0];
    assert_eq!(
        m.subject,
        "Dükkan: haftalık pazarlama özeti — 23–29 Kasım 2026"
    );
    for (label, value) in [
        ("Olumsuz ürün yorumu: verilen kupon", ">2</td>"),
        ("Olumsuz ürün yorumu: kullanılan kupon", ">1</td>"),
        ("Olumsuz ürün yorumu: kullanım oranı", ">%50</td>"),
        (
            "Olumsuz ürün yorumu: kupon kullanan siparişlerin tutarı",
            ">349,90 TL</td>",
        ),
        (
            "Olumsuz ürün yorumu: kullanıma kadar geçen gün (ortanca)",
            ">2 gün</td>",
        ),
        (
            "Olumsuz ürün yorumu: başka siparişte yeniden kullanılan kod",
            ">1</td>",
        ),
    ] {
        let at = m
            .body
            .find(&format!(">{label}</td>"))
            .unwrap_or_else(|| panic!("no row {label}: {}", m.body));
        let row_end = at + m.body[at..].find("</tr>").expect("row end");
        assert!(
            m.body[at..row_end].contains(value),
            "{label}: {}",
            &m.body[at..row_end]
        );
    }
}
