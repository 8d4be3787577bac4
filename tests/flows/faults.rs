//! The soak in small (`make soak` runs it at 10 000 events): 60 mixed events
//! through the real function binaries with 10 % sent twice, 5 % out of
//! order and 20 % of the functions' AWS requests faulted by the proxy.

use memnun_tests::faults::{FaultConfig, FaultProxy};
use memnun_tests::soak::{self, SoakOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_faults_nothing_is_lost_and_nothing_is_done_twice() {
    let out = std::env::temp_dir().join(format!("memnun-soak-{}", std::process::id()));
    let mut options = SoakOptions::standard(60, 7, out.clone());
    // Two environments per function keep the start-up short at this size.
    options.environments = 2;
    // Kills, often at this size: after SES sends, inside transactions, at
    // other calls; each killed environment starts again.
    options.kill_every = Some(5);
    let report = soak::run(options, |s| println!("{s}"))
        .await
        .expect("the soak runs");
    println!("{}", report.lines());

    assert!(report.faults.injected() > 0, "the proxy injected nothing");
    assert!(
        report.faults.kills.values().sum::<u64>() > 0,
        "no process killed in {} invocations",
        report.invocations
    );
    for kind in ["throttle", "server_error", "reset"] {
        assert!(
            report.faults.by_kind.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} injected: {:?}",
            report.faults.by_kind
        );
    }
    assert!(
        report.lost.is_empty(),
        "neither processed nor dead-lettered: {:?}",
        report.lost
    );
    assert!(
        report.dead_letters.iter().all(|d| !d.reason.is_empty()),
        "a dead letter without its reason"
    );
    assert!(
        report.dead_letters.len() >= report.invalid_on_purpose,
        "the invalid events must end in the dead-letter queue"
    );
    // Every invocation ended (or was ended at its deadline) while its
    // messages were still hidden, as on Lambda: the bound on emails sent
    // twice below assumes no delivery ran beside another of its event.
    assert_eq!(
        report.lost_leases, 0,
        "a delivery outlasted its lease: {} invocations timed out",
        report.timed_out
    );
    assert_eq!(report.duplicate_coupons, 0, "a coupon issued twice");
    assert_eq!(report.duplicate_tickets, 0, "a ticket duplicated");
    assert_eq!(report.unknown_coupons_published, 0);
    assert!(report.tickets > 0 && report.coupons > 0 && report.emails > 0);
    // A double email is possible only where SES accepted a send and the
    // invocation did not learn it or died before recording it: each one is a
    // send whose answer the proxy lost or whose sender was killed.
    assert!(
        report.emails_sent_twice as u64 <= report.faults.lost_sends + report.kill_exposed_sends,
        "emails sent twice: {}, SES answers lost: {}, sends exposed to kills: {}",
        report.emails_sent_twice,
        report.faults.lost_sends,
        report.kill_exposed_sends
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// The proxy's faults have the shapes the SDK reads: a throttled DynamoDB
/// call is retried by the SDK and then succeeds.
#[tokio::test]
async fn the_sdk_retries_the_proxys_throttles() {
    let stack = memnun_tests::stack::Stack::start().await;
    let mut config = FaultConfig::none(3);
    config.throttle = 0.5;
    let proxy = FaultProxy::start(stack.emulator.port(), config).expect("proxy");
    proxy.set_enabled(true);
    let aws = memnun_tests::stack::client_config(&proxy.endpoint()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let ses = aws_sdk_ses::Client::new(&aws);
    let mut ok = 0;
    for _ in 0..20 {
        if dynamodb.list_tables().send().await.is_ok() {
            ok += 1;
        }
        if sqs.list_queues().send().await.is_ok() {
            ok += 1;
        }
        if ses.list_identities().send().await.is_ok() {
            ok += 1;
        }
    }
    let counts = proxy.counts();
    assert!(
        counts
            .by_code
            .contains_key("dynamodb:ProvisionedThroughputExceededException")
            || counts.by_code.contains_key("dynamodb:ThrottlingException"),
        "{counts:?}"
    );
    assert!(
        counts.by_code.contains_key("sqs:RequestThrottled")
            || counts.by_code.contains_key("sqs:ThrottlingException"),
        "{counts:?}"
    );
    assert!(counts.by_code.contains_key("ses:Throttling"), "{counts:?}");
    // With half the attempts throttled and three attempts, most calls succeed.
    assert!(ok >= 45, "only {ok} of 60 calls succeeded: {counts:?}");
}

/// SES waits out a late answer (one send, one email), and a lost answer is
/// what repeats a send: each attempt whose answer was lost is a copy, and
/// each is counted in `lost_sends`.
#[tokio::test]
async fn a_late_ses_answer_is_waited_for_and_a_lost_one_sends_again() {
    use memnun_shared::adapters::{ses::SesMailer, ses_client};
    use memnun_shared::domain::mail::{EmailAddress, OutgoingEmail};
    use memnun_shared::ports::Mailer;

    let stack = memnun_tests::stack::Stack::start().await;
    let sender = EmailAddress::parse(stack.sender()).expect("sender");
    let email = |subject: &str| OutgoingEmail {
        to: EmailAddress::parse("ayse@example.com").expect("recipient"),
        subject: subject.to_string(),
        html: "<p>Merhaba</p>".into(),
        text: "Merhaba".into(),
        template: "test",
        unsubscribe: None,
        reply_to: None,
    };
    let copies = |subject: &str| {
        stack
            .emulator
            .sent_emails()
            .iter()
            .filter(|e| e.subject == subject)
            .count()
    };

    // A mailer whose every SES request meets the fault `config` sets.
    let behind = async |config: FaultConfig| {
        let proxy = FaultProxy::start(stack.emulator.port(), config).expect("proxy");
        proxy.set_enabled(true);
        let aws = memnun_tests::stack::client_config(&proxy.endpoint()).await;
        let mailer = SesMailer::new(ses_client(&aws), "Dükkan", &sender, None);
        (proxy, mailer)
    };

    let mut late = FaultConfig::none(5);
    late.slow = 1.0;
    let (proxy, mailer) = behind(late).await;
    let sent = std::time::Instant::now();
    mailer
        .send(&email("late"))
        .await
        .expect("a late answer is waited for");
    assert!(sent.elapsed() >= std::time::Duration::from_secs(5));
    assert_eq!(copies("late"), 1);
    assert_eq!(proxy.counts().by_code.get("ses:slow"), Some(&1));
    assert_eq!(proxy.counts().lost_sends, 0);
    drop(proxy);

    let mut lost = FaultConfig::none(6);
    lost.lost = 1.0;
    let (proxy, mailer) = behind(lost).await;
    mailer
        .send(&email("lost"))
        .await
        .expect_err("every answer lost: the call fails");
    // The SDK's three attempts each reached SES: three copies, all counted.
    assert_eq!(copies("lost"), 3);
    assert_eq!(proxy.counts().by_code.get("ses:lost"), Some(&3));
    assert_eq!(proxy.counts().lost_sends, 3);
}

/// A request cut off halfway (its process killed while sending) never
/// reaches AWS whole, so the proxy forwards nothing of it; a whole request
/// after it is forwarded and answered.
#[test]
fn a_request_cut_off_by_a_kill_is_not_forwarded() {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    let upstream = TcpListener::bind("127.0.0.1:0").expect("upstream");
    let port = upstream.local_addr().expect("address").port();
    let proxy = FaultProxy::start(port, FaultConfig::none(8)).expect("proxy");
    let address = proxy.endpoint().trim_start_matches("http://").to_string();
    let head = |length: usize| {
        format!(
            "POST / HTTP/1.1\r\nHost: dynamodb.eu-central-1.amazonaws.com\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\nContent-Length: {length}\r\n\r\n"
        )
    };

    let mut cut = TcpStream::connect(&address).expect("connect");
    cut.write_all(head(100).as_bytes()).expect("head");
    cut.write_all(b"{\"TableName\":").expect("part of the body");
    drop(cut);
    std::thread::sleep(Duration::from_millis(500));
    upstream.set_nonblocking(true).expect("nonblocking");
    assert!(
        upstream.accept().is_err(),
        "the proxy forwarded a request cut off halfway"
    );

    upstream.set_nonblocking(false).expect("blocking");
    let answering = std::thread::spawn(move || {
        let (mut up, _) = upstream.accept().expect("the whole request forwarded");
        // The head and the body may come in separate reads; answered only
        // once both are in, as a server would.
        let mut seen = Vec::new();
        let mut chunk = [0u8; 512];
        while !seen.ends_with(b"\r\n\r\n{}") {
            let n = up.read(&mut chunk).expect("read");
            assert!(n > 0, "closed before the body");
            seen.extend_from_slice(&chunk[..n]);
        }
        up.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            .expect("answer");
        String::from_utf8_lossy(&seen).to_string()
    });
    let mut whole = TcpStream::connect(&address).expect("connect");
    whole.write_all(head(2).as_bytes()).expect("head");
    whole.write_all(b"{}").expect("body");
    let mut answer = String::new();
    whole.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    let forwarded = answering.join().expect("upstream thread");
    assert!(forwarded.ends_with("\r\n\r\n{}"), "{forwarded}");
}
