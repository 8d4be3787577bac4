//! `make local` end to end: the real command replays the scenario, reports
//! it, writes the emails, and leaves nothing running.

use std::process::Command;

fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let me = std::process::id().to_string();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = entry.file_name().to_string_lossy().to_string();
        if !pid.chars().all(|c| c.is_ascii_digit()) || pid == me {
            continue;
        }
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        if String::from_utf8_lossy(&environ).contains(needle) {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            found.push(format!(
                "{pid}: {}",
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            ));
        }
    }
    found
}

#[test]
fn the_local_run_replays_the_scenario_and_shows_what_happened() {
    let out = std::env::temp_dir().join(format!("memnun-local-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    // No --time: the scenario keeps its own clock (its schedule steps), so
    // the story below is the same on any day the run is made. At TRACE, the
    // most any LogLevel can say: still no personal data (below).
    let output = Command::new(env!("CARGO_BIN_EXE_memnun-local"))
        .args(["--log-level", "TRACE", "--out"])
        .arg(&out)
        .output()
        .expect("run memnun-local");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );

    // The summary table and its JSON twin.
    assert!(stdout.contains("│ tickets"), "{stdout}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("summary.json")).expect("summary.json"),
    )
    .unwrap();
    assert_eq!(summary["events_in"], 38, "{summary}");
    assert_eq!(
        summary["customers"], 4,
        "Zeynep came from Shopify: {summary}"
    );
    assert_eq!(
        summary["tickets"], 5,
        "the two complaints, the two reviews' follow-ups and the return request's: {summary}"
    );
    assert_eq!(
        summary["coupons"], 4,
        "the two reviews', the late order's and Ayşe's birthday gift: {summary}"
    );
    // Every coupon was created in both stores' stand-ins before its email,
    // and the calls are there to read.
    assert_eq!(summary["in_shopify"], 4, "{summary}");
    assert_eq!(summary["in_woocommerce"], 4, "{summary}");
    let store_calls: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(out.join("store-calls.json")).expect("store-calls.json"),
    )
    .unwrap();
    let created = |platform: &str| {
        store_calls
            .iter()
            .filter(|c| c["platform"] == platform && c["operation"] == "create")
            .count()
    };
    assert_eq!((created("shopify"), created("woocommerce")), (4, 4));
    assert!(stdout.contains("│   in Shopify"), "{stdout}");
    // Every outbound event reached the shop's webhook, signed: the queue is
    // the outbound function's now, and nothing waits on it.
    assert_eq!(summary["outbound"], 0, "{summary}");
    let delivered: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(out.join("webhook-deliveries.json")).expect("deliveries"),
    )
    .unwrap();
    let kinds = |kind: &str| delivered.iter().filter(|d| d["kind"] == kind).count();
    assert_eq!(summary["webhook"], delivered.len(), "{summary}");
    assert_eq!(
        (kinds("coupon.issued"), kinds("ticket.opened")),
        (4, 5),
        "every coupon and every ticket: {summary}"
    );
    // Every ticket was opened in the help desk's stand-in (Zendesk), once,
    // its first note memnun's; the complaint's carries the customer's
    // history, and a ticket whose deadline passed was raised.
    assert_eq!(summary["in_helpdesk"], 5, "{summary}");
    let helpdesk: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("helpdesk.json")).expect("helpdesk.json"),
    )
    .unwrap();
    let desk_tickets = helpdesk["tickets"].as_array().unwrap();
    assert!(
        desk_tickets.iter().all(|t| t["notes"][0][0]
            .as_str()
            .is_some_and(|n| n.starts_with("memnun:"))),
        "{helpdesk}"
    );
    let raised = desk_tickets
        .iter()
        .filter(|t| t["priority"] == "urgent" && t["notes"].as_array().unwrap().len() > 1)
        .count();
    assert_eq!(raised, kinds("ticket.escalated").min(1), "{helpdesk}");
    assert!(
        desk_tickets.iter().any(|t| t["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tag| tag == "memnun_complaint")
            && t["notes"][0][0]
                .as_str()
                .unwrap()
                .contains("müşterinin geçmişi")),
        "{helpdesk}"
    );
    let john = std::fs::read_dir(out.join("emails"))
        .expect("emails")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .find(|page| page.contains("Where is your order?"))
        .expect("John's acknowledgement answers where his order is");
    assert!(john.contains("AR7730412256"), "the tracking number");
    // Her second message, on chat, and her answer by email are notes on the
    // same desk ticket.
    assert_eq!(kinds("ticket.updated"), 2, "{summary}");
    assert!(
        desk_tickets
            .iter()
            .any(|t| t["notes"].as_array().unwrap().iter().any(|n| n[0]
                .as_str()
                .is_some_and(|n| n.contains("Yeni kupayı bekliyorum")))),
        "the email reply, without its quote, on the desk's ticket: {helpdesk}"
    );
    assert!(
        desk_tickets.iter().any(|t| t["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n[0].as_str().is_some_and(|n| n.contains("fotoğrafını")))),
        "{helpdesk}"
    );
    assert!(stdout.contains("│   in Zendesk"), "{stdout}");
    let dead = summary["dead_letters"].as_array().unwrap();
    assert_eq!(dead.len(), 1, "{summary}");
    assert_eq!(dead[0]["event_id"], "rev-553299");
    assert!(dead[0]["reason"].as_str().unwrap().contains("data.rating"));
    assert!(
        stdout.contains("dead letter on reviews: rev-553299"),
        "{stdout}"
    );

    // The story, in the order it happened, on the scenario's own clock.
    let index = std::fs::read_to_string(out.join("emails/index.html")).expect("index");
    let subjects: Vec<&str> = index
        .split("<a href=\"")
        .skip(1)
        .filter_map(|s| {
            s.split_once("\">")
                .map(|(_, rest)| rest.split('<').next().unwrap_or(""))
        })
        .collect();
    let story = [
        "numaralı siparişiniz gecikiyor",
        // Shipped, delivered twice: one notice; then delivered and cancelled
        // orders, which tell nothing.
        "numaralı siparişiniz kargoda",
        // John's order ships too, and in English.
        "your order ord-80533 is on its way",
        // The return from request to refund, one email a step; the
        // receipt delivered twice tells once.
        "iade talebinizi aldık (RMA-5512)",
        "iade talebiniz onaylandı (RMA-5512)",
        "gönderdiğiniz ürün bize ulaştı (RMA-5512)",
        "Mesajınızı aldık",
        // An hour later Ayşe writes again on chat about the same order: it
        // joins her ticket, and she is told so briefly.
        "Mesajınızı talebinize ekledik",
        "We are sorry",
        "SLA uyarısı: ilk yanıta 45 dk kaldı",
        "SLA aşıldı: ilk yanıt 5 dk gecikti",
        "Sizi beklettiğimiz için özür dileriz",
        // Monday's digests: the lead's, and marketing's own.
        "haftalık destek özeti — 16–22 Kasım 2026",
        "haftalık pazarlama özeti — 16–22 Kasım 2026",
        // Ayşe answers the team's reply by email (inbound email): it joins
        // her ticket, and she is told so; the out-of-office that follows is
        // set aside.
        "Mesajınızı talebinize ekledik",
        "Hizmetimizi nasıl buldunuz?",
        // John's promised day (8 December, London) ended without a
        // delivery: memnun found it at the next sweep and apologised.
        "Your order ord-80533 is running late",
        // The refund's own clock: the team warned on day 10, then, its
        // legal date passed, the lead alerted and Mehmet told; the refund
        // comes after.
        "İade RMA-5512: ücret iadesi için son gün 18 Aralık 2026",
        "İade RMA-5512: ücret iadesinin yasal süresi doldu",
        "ücret iadeniz gecikti, özür dileriz (RMA-5512)",
        "ücret iadeniz yapıldı (RMA-5512)",
        // Zeynep's order, straight from Shopify's own webhooks: the
        // fulfillment (delivered twice, as Shopify retries) tells once,
        // with the tracking number; the carrier's delivery scan tells
        // nothing. Her 2-star review, straight from Judge.me, is
        // apologised for; its follow-up ticket is answered and solved in
        // Zendesk, whose ticket events come back (a follow-up asks for no
        // survey).
        "1042 numaralı siparişiniz kargoda",
        "Özür dileriz",
        // John asks where his parcel is: the acknowledgement says it was
        // shipped with Aras Kargo, with the tracking link.
        "We have received your message",
        "Doğum gününüz kutlu olsun, Ayşe",
        // A week after delivery, Mehmet is asked to review the order he
        // kept (ord-80420), not the one he sent back (ord-80211). Marketing
        // email, like the birthday's, is sent raw (its unsubscribe headers).
        "Siparişiniz nasıldı? #ord-80420",
    ];
    assert_eq!(subjects.len(), story.len(), "{subjects:#?}");
    for (subject, expected) in subjects.iter().zip(story) {
        assert!(
            subject.contains(expected),
            "{subject} is not {expected}: {subjects:#?}"
        );
    }
    assert_eq!(summary["emails"], story.len(), "{summary}");
    assert!(
        stdout.contains("the customer unsubscribed with one click"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the customer answered the survey with 4"),
        "{stdout}"
    );

    // Every email as a page, with an index.
    assert_eq!(index.matches("<a href=").count(), story.len());
    for i in 1..=3 {
        let page =
            std::fs::read_to_string(out.join(format!("emails/{i:03}.html"))).expect("email page");
        assert!(page.starts_with("<!DOCTYPE html>"));
    }
    assert!(out.join("logs/review-responder.log").exists());
    let shopify_notice = (1..=story.len())
        .filter_map(|i| std::fs::read_to_string(out.join(format!("emails/{i:03}.html"))).ok())
        .find(|page| page.contains("1042 numaralı siparişiniz kargoda"))
        .expect("the notice of the Shopify order");
    assert!(
        shopify_notice.contains("YK30418822") && shopify_notice.contains("Yurtiçi Kargo"),
        "the carrier and tracking number from Shopify's fulfillment"
    );

    // The functions' logs carry ids and outcomes, never personal data,
    // coupon codes or message text.
    let mut logs = String::new();
    for entry in std::fs::read_dir(out.join("logs")).unwrap().flatten() {
        logs.push_str(&std::fs::read_to_string(entry.path()).unwrap());
    }
    assert!(
        logs.contains("\"event_id\":\"rev-553201\""),
        "a span per message with its event id"
    );
    // Zendesk's solve of the review's follow-up reached its memnun ticket.
    assert!(
        logs.lines()
            .any(|l| l.contains("01JF7R9B3C6D8F1G4H7J0K2M5N") && l.contains("resolution recorded")),
        "the Zendesk solve"
    );
    // The email reply reached its ticket; the out-of-office was set aside,
    // with its reason.
    assert!(
        logs.lines().any(|l| l.contains("reply sent to its ticket")),
        "mail-inbound's join"
    );
    assert!(
        logs.lines()
            .any(|l| l.contains("mail set aside") && l.contains("\"reason\":\"automatic\"")),
        "the out-of-office"
    );
    for secret in [
        "@example.com",
        "Ayşe",
        "Yılmaz",
        "John Smith",
        "Mehmet",
        "RVW-",
        "LATE-",
        "BDAY-",
        "kırık",
        "Kupa",
        "https://kargo",
        "Zeynep",
        "YK30418822",
        "kupayı",
        "out of the office",
    ] {
        assert!(!logs.contains(secret), "the logs show {secret}");
    }
    // The functions' metrics: EMF lines CloudWatch takes, in the stack's
    // namespace, each a metric of the catalogue the dashboard reads.
    let mut emitted = std::collections::BTreeSet::new();
    for line in memnun_tests::emf::lines_of(&logs) {
        let metrics = memnun_tests::emf::check(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        for m in metrics {
            assert_eq!(m.namespace, "memnun/memnun", "{line}");
            let known = memnun_shared::metrics::CATALOGUE
                .iter()
                .find(|c| c.name == m.name)
                .unwrap_or_else(|| panic!("{} is not in the catalogue", m.name));
            let names: Vec<&str> = m.dimensions.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, known.dimensions, "{line}");
            emitted.insert(m.name);
        }
    }
    eprintln!("metrics emitted: {emitted:?}");
    for name in [
        "EmailsSent",
        "CouponsIssued",
        "SlaWarnings",
        "SlaBreaches",
        "DeadLetters",
        "ConnectorEvents",
        "PlatformCalls",
    ] {
        assert!(emitted.contains(name), "no {name} in {emitted:?}");
    }

    // Nothing left running: no process still points at the run's emulator.
    let endpoint = stdout
        .lines()
        .find_map(|l| l.strip_prefix("AWS emulator: "))
        .expect("the run names its emulator")
        .to_string();
    let proxy = stdout
        .lines()
        .find_map(|l| l.strip_prefix("AWS calls recorded through: "))
        .expect("the run names its recording proxy")
        .to_string();
    for address in [&endpoint, &proxy] {
        let left = processes_mentioning(address);
        assert!(left.is_empty(), "left running: {left:?}");
    }
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the emulator still answers"
    );
    let _ = std::fs::remove_dir_all(&out);
}
