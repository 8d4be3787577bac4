//! `birthday-scheduler`: every hour, finds the customers whose birthday
//! greeting has fallen due on their own clock and queues one `birthday.due`
//! for each.
//!
//! A run stands for the time in its schedule's input (`{"time": …}`), not
//! the clock: a late, retried or replayed run sees the world as of then. It
//! covers the window `(swept_to, now]` from the end of the last complete run
//! (at most [`GreetingPolicy::catch_up`] back; one hour on the first run), so
//! a missed hour is caught up by the next run and a repeated one finds
//! nothing new ([`GreetingPolicy::window`]).
//!
//! Who is due is decided by [`GreetingPolicy::select`] from what the birthday
//! index projects, read one month-day and shard at a time, a page at a time,
//! never by a scan: the month-days whose send hour falls in the window on
//! some clock from UTC−12 to UTC+14 (one or two for an hourly run), and 29
//! February in common years
//! ([`memnun_shared::domain::birthday::month_days`]).
//!
//! Events go to the greetings queue in `SendMessageBatch`es of ten as they
//! accumulate, so memory holds one page and fewer than a few batches. Their
//! ids are `birthday.due:<customer>:<year>`: found due twice (two runs at
//! once, a greeting not yet recorded when the index was read), a customer is
//! still greeted once, because the greeter does each effect once per
//! customer and year. The run is recorded as complete only when every event
//! went out; otherwise the next run covers the same window again.

use futures_util::{StreamExt as _, stream};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use memnun_shared::Result;
use memnun_shared::config::{Env, queue_url_from_env, shop_time_zone_from_env};
use memnun_shared::contract::internal::BirthdayDue;
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::domain::birthday::{GreetingPolicy, Selection, month_days};
use memnun_shared::ports::{BirthdayStore, DueCursor, Publisher};
use serde::Serialize;

/// The name events published by this function carry as their `source`.
pub const SOURCE: &str = "memnun/birthday-scheduler";

/// Index entries read per query. The index projects a few small attributes
/// (about 100 bytes an entry), so a page of 1,000 is far below DynamoDB's
/// 1 MB; a month-day with 16,000 customers is one page per shard.
const PAGE: i32 = 1000;
/// `SendMessageBatch` calls in flight at once.
const SEND_CONCURRENCY: usize = 8;
/// Messages per `SendMessageBatch` (the SQS limit).
const BATCH: usize = 10;
/// No new page is started with less than this left before the deadline.
const MARGIN: SignedDuration = SignedDuration::from_secs(15);

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main table (`TABLE_NAME`).
    pub table: String,
    /// Where `birthday.due` goes (`GREETINGS_QUEUE_URL`).
    pub greetings_queue_url: String,
    /// The clock of customers without a time zone (`SHOP_TIME_ZONE`).
    pub shop_time_zone: TimeZone,
    /// The send hour and the catch-up (`BIRTHDAY_SEND_HOUR`,
    /// `BIRTHDAY_CATCH_UP_HOURS`); the coupon fields are the greeter's.
    pub policy: GreetingPolicy,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let d = GreetingPolicy::default();
        let catch_up_hours = env.int_or("BIRTHDAY_CATCH_UP_HOURS", 6, 1..=48)?;
        Ok(Config {
            table: env.required("TABLE_NAME")?,
            greetings_queue_url: queue_url_from_env(env, "GREETINGS_QUEUE_URL")?,
            shop_time_zone: shop_time_zone_from_env(env)?.0,
            policy: GreetingPolicy {
                send_hour: env.int_or("BIRTHDAY_SEND_HOUR", d.send_hour, 0..=23)?,
                catch_up: SignedDuration::from_hours(catch_up_hours),
                ..d
            },
        })
    }
}

/// What a run did, for the log and the invocation's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Run {
    /// The time it stood for.
    pub now: String,
    /// The start of the window it covered (exclusive); `None` when there was
    /// nothing new to cover.
    pub from: Option<String>,
    /// Month-days read.
    pub month_days: usize,
    /// Index queries made.
    pub pages: usize,
    /// Index entries read.
    pub entries: usize,
    /// Customers due now.
    pub due: usize,
    /// Due, but without marketing consent.
    pub no_consent: usize,
    /// Due, but already greeted this year.
    pub already_greeted: usize,
    /// Entries that could not be read (logged).
    pub unreadable: usize,
    /// `birthday.due` events enqueued.
    pub sent: usize,
    /// Events that could not be enqueued; the next run sends them.
    pub unsent: usize,
    /// `SendMessageBatch` calls made.
    pub batches: usize,
    /// False when the time ran out, or events did not go out: the next run
    /// covers this window again.
    pub complete: bool,
}

/// The handler, generic over its ports.
pub struct Handler<S, P> {
    config: Config,
    store: S,
    publisher: P,
    page: i32,
}

impl<S, P> Handler<S, P>
where
    S: BirthdayStore,
    P: Publisher,
{
    /// Builds the handler once, at init.
    pub fn new(config: Config, store: S, publisher: P) -> Self {
        Handler {
            config,
            store,
            publisher,
            page: PAGE,
        }
    }

    /// The publisher (tests count what went through it).
    pub fn publisher(&self) -> &P {
        &self.publisher
    }

    /// Reads the index `page` entries at a time instead of 1,000.
    pub fn with_page_size(mut self, page: i32) -> Self {
        self.page = page.max(1);
        self
    }

    /// Runs as of `now`; `deadline` is the invocation's. Fails only when the
    /// index or the progress mark cannot be read.
    pub async fn run(&self, now: Timestamp, deadline: Timestamp) -> Result<Run> {
        let mut run = Run {
            now: memnun_shared::time::to_key(now),
            complete: true,
            ..Run::default()
        };
        let swept_to = self.store.swept_to().await?;
        let Some((from, to)) = self.config.policy.window(swept_to, now) else {
            tracing::info!(now = %run.now, "nothing new since the last run");
            return Ok(run);
        };
        run.from = Some(memnun_shared::time::to_key(from));
        let mut outgoing = Vec::new();
        let walked = self.walk(from, to, deadline, &mut run, &mut outgoing).await;
        // Whatever happened, what was found is sent.
        self.flush(&mut outgoing, true, &mut run).await;
        walked?;
        if run.unsent > 0 {
            run.complete = false;
        }
        if run.complete {
            self.store.sweep_done(to).await?;
        }
        tracing::info!(
            due = run.due,
            sent = run.sent,
            unsent = run.unsent,
            no_consent = run.no_consent,
            already_greeted = run.already_greeted,
            unreadable = run.unreadable,
            entries = run.entries,
            pages = run.pages,
            batches = run.batches,
            complete = run.complete,
            now = %run.now,
            "birthday run done"
        );
        Ok(run)
    }

    async fn walk(
        &self,
        from: Timestamp,
        to: Timestamp,
        deadline: Timestamp,
        run: &mut Run,
        outgoing: &mut Vec<OutboundMessage>,
    ) -> Result<()> {
        let days = month_days(from, to, self.config.policy.send_hour);
        run.month_days = days.len();
        for (month, day) in days {
            // Every shard of the day side by side, as the SLA sweep reads
            // its index: each round fetches the next page of every shard not
            // yet done, all at once. A run's time grows with the pages of the
            // largest shard, not with the number of shards.
            let mut open: Vec<(u32, Option<DueCursor>)> = (0..self.store.birthday_shards())
                .map(|shard| (shard, None))
                .collect();
            while !open.is_empty() {
                if Timestamp::now() + MARGIN > deadline {
                    tracing::warn!(
                        month,
                        day,
                        shards_left = open.len(),
                        "time is running out: the next run covers this window again"
                    );
                    run.complete = false;
                    return Ok(());
                }
                let pages = futures_util::future::join_all(open.iter().map(|(shard, after)| {
                    self.store
                        .birthdays(month, day, *shard, after.clone(), self.page)
                }))
                .await;
                let mut still_open = Vec::with_capacity(open.len());
                let mut unreadable = None;
                for ((shard, _), page) in open.into_iter().zip(pages) {
                    let page = match page {
                        Ok(page) => page,
                        Err(e) => {
                            // The run stays incomplete: the next one covers
                            // the window again, and the greeter greets once.
                            tracing::error!(month, day, shard, error = %e, "a shard of the birthday index could not be read");
                            unreadable.get_or_insert(e);
                            continue;
                        }
                    };
                    run.pages += 1;
                    run.entries += page.entries.len();
                    run.unreadable += page.unreadable;
                    for entry in page.entries {
                        match self.config.policy.select(
                            &entry.candidate,
                            &self.config.shop_time_zone,
                            from,
                            to,
                        ) {
                            Selection::Due { year, due } => {
                                run.due += 1;
                                let event = BirthdayDue {
                                    customer_id: entry.customer_id,
                                    year,
                                    due,
                                };
                                outgoing.push(event.to_message(to, SOURCE));
                            }
                            Selection::NoConsent => run.no_consent += 1,
                            Selection::AlreadyGreeted => run.already_greeted += 1,
                            Selection::NotNow => {}
                        }
                    }
                    if let Some(next) = page.next {
                        still_open.push((shard, Some(next)));
                    }
                }
                self.flush(outgoing, false, run).await;
                if let Some(e) = unreadable {
                    return Err(e);
                }
                open = still_open;
            }
        }
        Ok(())
    }

    /// Sends the full batches of ten waiting (everything when `all`).
    async fn flush(&self, outgoing: &mut Vec<OutboundMessage>, all: bool, run: &mut Run) {
        let ready = if all {
            outgoing.len()
        } else {
            outgoing.len() - outgoing.len() % BATCH
        };
        if ready == 0 {
            return;
        }
        let batches: Vec<Vec<OutboundMessage>> = outgoing
            .drain(..ready)
            .collect::<Vec<_>>()
            .chunks(BATCH)
            .map(<[OutboundMessage]>::to_vec)
            .collect();
        run.batches += batches.len();
        let queue = &self.config.greetings_queue_url;
        let results: Vec<Vec<bool>> = stream::iter(batches)
            .map(|batch| async move { self.publisher.publish_each(queue, &batch).await })
            .buffer_unordered(SEND_CONCURRENCY)
            .collect()
            .await;
        let (sent, unsent) =
            results.iter().flatten().fold(
                (0, 0),
                |(s, u), ok| if *ok { (s + 1, u) } else { (s, u + 1) },
            );
        run.sent += sent;
        run.unsent += unsent;
        if unsent > 0 {
            tracing::warn!(
                unsent,
                "some greetings could not be queued; the next run sends them"
            );
        }
    }
}
