//! `sla-monitor`: on a schedule (every 5 minutes by default), finds the SLA
//! deadlines that are near or past and announces each exactly once.
//!
//! A sweep takes its `now` from the schedule's input (`{"time": …}`), so a
//! late run, a retried run or a replay at any date sees the world as of that
//! time. It reads the due index ([`memnun_shared::adapters::due`]) one shard
//! at a time, a page at a time, everything due at or before `now`:
//!
//! - A **ticket**: read again by key (consistently: the index may lag) and
//!   its clocks asked for the alarms due at `now`
//!   ([`memnun_shared::domain::sla::SlaClock::due_alarms`]). Their
//!   `sla.warning` / `sla.breached` events are sent first, then the ticket is
//!   stored with the alarms marked, only if nobody changed it since the read.
//!   That conditional write is what makes a second sweep, at the same time
//!   or later, find nothing to announce.
//! - A **message** held until its time: sent now, then forgotten. The
//!   escalator holds back the parts of an alarm until a civil hour (they
//!   go back to the escalations queue); the order journey keeps its own
//!   clocks here, `journey.due` (an order not shipped in time, a refund's
//!   legal date), which go to the orders queue; complaint-intake keeps the
//!   clocks of tickets waiting on the customer, `ticket.waiting`, which go
//!   to the tickets queue.
//!
//! Why send before marking: an alarm marked but never sent would be lost
//! without a trace, while one sent but not marked (the invocation died in
//! between, or another sweep ran at the same moment) is only sent again by
//! the next sweep, under the same id (`sla.breached:<ticket>:<goal>`), and
//! the escalator does each effect once whatever the deliveries. A ticket
//! changed between the read and the write is read again: it is marked when
//! what is due now is what was sent, and otherwise left for the next sweep.
//! The escalator checks the ticket before acting, so a reply that arrived in
//! time at the same moment withdraws the breach.
//!
//! Events go to the escalations queue in `SendMessageBatch`es of ten, as
//! they accumulate across pages; a ticket is marked once all its events are
//! out. Nothing is held in memory beyond one page and the tickets of the
//! last few unsent messages.
//!
//! A sweep stops starting new pages shortly before the invocation's
//! deadline: what it did not reach is still due, and the next sweep starts
//! there.

use std::collections::HashSet;

use futures_util::{StreamExt as _, stream};
use jiff::{SignedDuration, Timestamp};
use memnun_shared::config::{Env, queue_url_from_env};
use memnun_shared::contract::internal::{
    InternalEvent, JOURNEY_DUE, SLA_BREACHED, SLA_WARNING, SlaAlarm, alarm_id, known_kind,
};
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::contract::reminder::COUPON_EXPIRING;
use memnun_shared::contract::waiting::TICKET_WAITING;
use memnun_shared::domain::sla::{AlarmKind, Goal};
use memnun_shared::domain::ticket::{Ticket, TicketNumber};
use memnun_shared::ports::{
    DueCursor, DueEntry, DueIndex, Publisher, ScheduledMessage, TicketStore,
};
use memnun_shared::{Error, Result};
use serde::Serialize;

/// The name events published by this function carry as their `source`.
pub const SOURCE: &str = "memnun/sla-monitor";

/// Index entries read per query. Keys only, so a page is small; large enough
/// that a sweep of 10,000 due tickets takes a few dozen queries.
const PAGE: i32 = 500;
/// Tickets handled at the same time: each is a read and a transaction, I/O
/// bound, so a few dozen in flight keep one small function busy.
const CONCURRENCY: usize = 32;
/// `SendMessageBatch` calls in flight at once.
const SEND_CONCURRENCY: usize = 8;
/// Messages per `SendMessageBatch` (the SQS limit).
const BATCH: usize = 10;
/// No new page is started with less than this left before the deadline.
const MARGIN: SignedDuration = SignedDuration::from_secs(15);
/// Reads and writes of one ticket when others change it in between.
const ATTEMPTS: usize = 5;

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main table (`TABLE_NAME`).
    pub table: String,
    /// Where `sla.warning` and `sla.breached` go (`ESCALATIONS_QUEUE_URL`).
    pub escalations_queue_url: String,
    /// Where the journey's clocks go, `journey.due` (`ORDERS_QUEUE_URL`).
    pub orders_queue_url: String,
    /// Where waiting tickets' clocks go, `ticket.waiting`
    /// (`TICKETS_QUEUE_URL`).
    pub tickets_queue_url: String,
    /// Where unused coupons' reminders go, `coupon.expiring`
    /// (`GREETINGS_QUEUE_URL`).
    pub greetings_queue_url: String,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            table: env.required("TABLE_NAME")?,
            escalations_queue_url: queue_url_from_env(env, "ESCALATIONS_QUEUE_URL")?,
            orders_queue_url: queue_url_from_env(env, "ORDERS_QUEUE_URL")?,
            tickets_queue_url: queue_url_from_env(env, "TICKETS_QUEUE_URL")?,
            greetings_queue_url: queue_url_from_env(env, "GREETINGS_QUEUE_URL")?,
        })
    }
}

/// What a sweep did, for the log and the invocation's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sweep {
    /// The time it stood for.
    pub now: String,
    /// Index entries read.
    pub entries: usize,
    /// Index queries made (pages read).
    pub pages: usize,
    /// Warnings announced (sent and marked) now.
    pub warnings: usize,
    /// Breaches announced now.
    pub breaches: usize,
    /// Held messages found due.
    pub waiting: usize,
    /// Messages enqueued.
    pub sent: usize,
    /// Messages that could not be enqueued; the next sweep sends them (their
    /// tickets stay unmarked, the held ones stay kept).
    pub unsent: usize,
    /// Entries that failed (logged with their ticket or message id); the
    /// next sweep tries them again.
    pub failed: usize,
    /// `SendMessageBatch` calls made.
    pub batches: usize,
    /// False when the time ran out before every shard was read.
    pub complete: bool,
}

/// A ticket whose alarms are being announced: marked in memory, stored
/// once every one of its events is out.
struct Marking {
    ticket: Ticket,
    ids: Vec<String>,
    warnings: usize,
    breaches: usize,
}

/// What one index entry gave.
enum Found {
    /// Nothing to send.
    Nothing,
    /// A ticket's due alarms and their events.
    Alarms(Box<Marking>, Vec<OutboundMessage>),
    /// A held message now due, and the time it was kept for.
    Waiting(OutboundMessage, Timestamp),
}

/// What is on its way out: messages not yet sent, tickets not yet marked.
#[derive(Default)]
struct Outgoing {
    messages: Vec<OutboundMessage>,
    markings: Vec<Marking>,
    /// Held messages (by id, with the time each was kept for) among
    /// `messages`: forgotten once sent, unless kept again since.
    held: Vec<(String, Timestamp)>,
}

/// The handler, generic over its ports.
pub struct Handler<S, P> {
    config: Config,
    store: S,
    publisher: P,
    page: i32,
    concurrency: usize,
}

impl<S, P> Handler<S, P>
where
    S: TicketStore + DueIndex,
    P: Publisher,
{
    /// Builds the handler once, at init.
    pub fn new(config: Config, store: S, publisher: P) -> Self {
        Handler {
            config,
            store,
            publisher,
            page: PAGE,
            concurrency: CONCURRENCY,
        }
    }

    /// The publisher (tests count what went through it).
    pub fn publisher(&self) -> &P {
        &self.publisher
    }

    /// Reads the index `page` entries at a time instead of 500 (tests make
    /// pages small to walk many of them).
    pub fn with_page_size(mut self, page: i32) -> Self {
        self.page = page.max(1);
        self
    }

    /// Handles `n` tickets at a time instead of 32.
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sweeps the due index as of `now`; `deadline` is the invocation's.
    /// Fails only when the index cannot be read; entries that fail are
    /// counted in [`Sweep::failed`] and tried again by the next sweep.
    pub async fn sweep(&self, now: Timestamp, deadline: Timestamp) -> Result<Sweep> {
        let mut sweep = Sweep {
            now: memnun_shared::time::to_key(now),
            complete: true,
            ..Sweep::default()
        };
        let mut outgoing = Outgoing::default();
        let result = self.walk(now, deadline, &mut sweep, &mut outgoing).await;
        // Whatever happened, what was found is sent and marked.
        self.flush(&mut outgoing, true, now, &mut sweep).await;
        result?;
        tracing::info!(
            warnings = sweep.warnings,
            breaches = sweep.breaches,
            waiting = sweep.waiting,
            sent = sweep.sent,
            unsent = sweep.unsent,
            failed = sweep.failed,
            entries = sweep.entries,
            pages = sweep.pages,
            batches = sweep.batches,
            complete = sweep.complete,
            now = %sweep.now,
            "sweep done"
        );
        Ok(sweep)
    }

    /// Reads every shard side by side: each round fetches the next page of
    /// every shard not yet done, all at once, and handles their entries
    /// together, [`CONCURRENCY`] at a time. One shard after another would
    /// make a sweep's time grow with the shards it touches; this way it
    /// grows with the pages of the largest. At most `shards × page` keys are
    /// held at once (8,000, well under a megabyte), and the tickets of one
    /// page's worth of them.
    async fn walk(
        &self,
        now: Timestamp,
        deadline: Timestamp,
        sweep: &mut Sweep,
        outgoing: &mut Outgoing,
    ) -> Result<()> {
        // Each shard not yet done, with where its next page starts.
        let mut open: Vec<(u32, Option<DueCursor>)> = (0..self.store.shards())
            .map(|shard| (shard, None))
            .collect();
        while !open.is_empty() {
            if Timestamp::now() + MARGIN > deadline {
                tracing::warn!(
                    shards_left = open.len(),
                    "time is running out: the next sweep goes on from here"
                );
                sweep.complete = false;
                return Ok(());
            }
            let pages = futures_util::future::join_all(
                open.iter()
                    .map(|(shard, after)| self.store.due(*shard, now, after.clone(), self.page)),
            )
            .await;
            let mut entries = Vec::new();
            let mut still_open = Vec::with_capacity(open.len());
            let mut unreadable = None;
            for ((shard, after), page) in open.into_iter().zip(pages) {
                match page {
                    Ok(page) => {
                        sweep.pages += 1;
                        sweep.entries += page.entries.len();
                        entries.extend(page.entries);
                        if let Some(next) = page.next {
                            still_open.push((shard, Some(next)));
                        }
                    }
                    Err(e) => {
                        // Its entries wait for the next sweep; the others
                        // of this round are still handled.
                        tracing::error!(shard, error = %e, "a shard of the due index could not be read");
                        still_open.push((shard, after));
                        unreadable.get_or_insert(e);
                    }
                }
            }
            // A page's worth at a time, each sent and marked before the
            // next: what waits in memory for its send is one page's tickets,
            // not the round's.
            let mut entries = entries.into_iter().peekable();
            while entries.peek().is_some() {
                if Timestamp::now() + MARGIN > deadline {
                    // What is left stays in the index for the next sweep.
                    tracing::warn!("time is running out: the next sweep goes on from here");
                    sweep.complete = false;
                    return Ok(());
                }
                let chunk: Vec<DueEntry> = entries.by_ref().take(self.page_len()).collect();
                let found: Vec<Result<Found>> = stream::iter(chunk)
                    .map(|entry| self.entry(entry, now))
                    .buffer_unordered(self.concurrency)
                    .collect()
                    .await;
                for result in found {
                    match result {
                        Ok(Found::Nothing) => {}
                        Ok(Found::Alarms(marking, messages)) => {
                            outgoing.messages.extend(messages);
                            outgoing.markings.push(*marking);
                        }
                        Ok(Found::Waiting(message, due)) => {
                            sweep.waiting += 1;
                            outgoing.held.push((message.id.clone(), due));
                            outgoing.messages.push(message);
                        }
                        Err(_) => sweep.failed += 1,
                    }
                }
                self.flush(outgoing, false, now, sweep).await;
            }
            if let Some(e) = unreadable {
                return Err(e);
            }
            open = still_open;
        }
        Ok(())
    }

    /// Entries handled before each flush: a page's worth.
    fn page_len(&self) -> usize {
        usize::try_from(self.page).unwrap_or(1).max(1)
    }

    async fn entry(&self, entry: DueEntry, now: Timestamp) -> Result<Found> {
        let result = match &entry {
            DueEntry::Ticket { number, seen } => self.alarms(number, seen.clone(), now).await,
            DueEntry::Message { id, seen } => self.held(id, seen.clone(), now).await,
        };
        if let Err(e) = &result {
            match &entry {
                DueEntry::Ticket { number, .. } => {
                    tracing::error!(ticket = %number, error = %e, "ticket not checked; the next sweep tries again")
                }
                DueEntry::Message { id, .. } => {
                    tracing::error!(message = %id, error = %e, "held message not sent; the next sweep tries again")
                }
            }
        }
        result
    }

    /// The ticket's due alarms, marked in memory, with their events. The
    /// ticket as the index carries it is enough; it is read only when the
    /// index carries keys alone.
    async fn alarms(
        &self,
        number: &TicketNumber,
        seen: Option<Box<Ticket>>,
        now: Timestamp,
    ) -> Result<Found> {
        let mut ticket = match seen {
            Some(ticket) => *ticket,
            None => self.store.ticket(number).await?.ok_or_else(|| {
                Error::NotFound(format!("ticket {number} named by the due index"))
            })?,
        };
        let Some(clock) = ticket.sla.as_mut() else {
            return Ok(Found::Nothing);
        };
        let alarms = clock.due_alarms(now);
        if alarms.is_empty() {
            // Announced by another sweep since the index was read, or due at
            // this very second (a deadline is met up to and including it).
            return Ok(Found::Nothing);
        }
        let customer_id = ticket.customer_id.clone();
        let (mut warnings, mut breaches) = (0, 0);
        let mut messages = Vec::with_capacity(alarms.len());
        for alarm in &alarms {
            let due = match alarm.goal {
                Goal::FirstReply => clock.first_reply.due,
                Goal::Resolution => clock.resolution.due,
            };
            let data = SlaAlarm {
                ticket_id: number.clone(),
                goal: alarm.goal,
                due,
                priority: ticket.priority,
                category: ticket.category,
                customer_id: customer_id.clone(),
                part: None,
            };
            let event = match alarm.kind {
                AlarmKind::Warning => {
                    warnings += 1;
                    InternalEvent::SlaWarning(data)
                }
                AlarmKind::Breach => {
                    breaches += 1;
                    InternalEvent::SlaBreached(data)
                }
            };
            messages.push(event.to_message(now, SOURCE));
        }
        let marking = Marking {
            ids: messages.iter().map(|m| m.id.clone()).collect(),
            ticket,
            warnings,
            breaches,
        };
        Ok(Found::Alarms(Box::new(marking), messages))
    }

    /// A held message, if it is still kept and due.
    async fn held(
        &self,
        id: &str,
        seen: Option<ScheduledMessage>,
        now: Timestamp,
    ) -> Result<Found> {
        let kept = match seen {
            Some(kept) => kept,
            None => match self.store.scheduled(id).await? {
                Some(kept) => kept,
                // Sent and forgotten since the index was read.
                None => return Ok(Found::Nothing),
            },
        };
        if kept.due > now {
            return Ok(Found::Nothing);
        }
        let kind = known_kind(&kept.kind)
            .ok_or_else(|| Error::corrupt(id.to_owned(), "a held message of an unknown type"))?;
        Ok(Found::Waiting(
            OutboundMessage {
                id: kept.id,
                kind,
                body: kept.body,
            },
            kept.due,
        ))
    }

    /// Sends full batches of ten (all that is left when `all`), marks the
    /// tickets whose events are all out, and forgets the held messages sent.
    async fn flush(&self, out: &mut Outgoing, all: bool, now: Timestamp, sweep: &mut Sweep) {
        let ready = if all {
            out.messages.len()
        } else {
            out.messages.len() - out.messages.len() % BATCH
        };
        if ready == 0 {
            return;
        }
        // Ten to a batch, each batch to one queue: the journey's clocks to
        // the orders queue, waiting tickets' to the tickets queue, coupons'
        // reminders to the greetings queue, everything else to the
        // escalations queue.
        let (journey, rest): (Vec<OutboundMessage>, Vec<OutboundMessage>) = out
            .messages
            .drain(..ready)
            .partition(|m| m.kind == JOURNEY_DUE);
        let (waiting, rest): (Vec<OutboundMessage>, Vec<OutboundMessage>) =
            rest.into_iter().partition(|m| m.kind == TICKET_WAITING);
        let (reminders, escalations): (Vec<OutboundMessage>, Vec<OutboundMessage>) =
            rest.into_iter().partition(|m| m.kind == COUPON_EXPIRING);
        let batches: Vec<(&str, Vec<OutboundMessage>)> = [
            (self.config.escalations_queue_url.as_str(), escalations),
            (self.config.orders_queue_url.as_str(), journey),
            (self.config.tickets_queue_url.as_str(), waiting),
            (self.config.greetings_queue_url.as_str(), reminders),
        ]
        .into_iter()
        .flat_map(|(queue, messages)| {
            messages
                .chunks(BATCH)
                .map(|chunk| (queue, chunk.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect();
        sweep.batches += batches.len();
        let results: Vec<(Vec<OutboundMessage>, Vec<bool>)> = stream::iter(batches)
            .map(|(queue, batch)| async move {
                let sent = self.publisher.publish_each(queue, &batch).await;
                (batch, sent)
            })
            .buffer_unordered(SEND_CONCURRENCY)
            .collect()
            .await;
        let mut sent = HashSet::new();
        let mut unsent = HashSet::new();
        for (batch, oks) in results {
            for (message, ok) in batch.into_iter().zip(oks) {
                if ok {
                    sent.insert(message.id);
                } else {
                    unsent.insert(message.id);
                }
            }
        }
        sweep.sent += sent.len();
        sweep.unsent += unsent.len();
        if !unsent.is_empty() {
            tracing::warn!(
                unsent = unsent.len(),
                "some events could not be enqueued; the next sweep sends them"
            );
        }

        // A ticket is marked once all its events are out; one whose events
        // did not all go out stays unmarked, and the next sweep sends them.
        let mut ready_to_mark = Vec::new();
        let mut waiting = Vec::new();
        for marking in out.markings.drain(..) {
            if marking.ids.iter().all(|id| sent.contains(id)) {
                ready_to_mark.push(marking);
            } else if marking.ids.iter().any(|id| unsent.contains(id)) {
                tracing::warn!(ticket = %marking.ticket.number, "not marked: an event did not go out");
            } else {
                waiting.push(marking);
            }
        }
        out.markings = waiting;
        let marked: Vec<Result<(usize, usize)>> = stream::iter(ready_to_mark)
            .map(|marking| self.mark(marking, now))
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        for result in marked {
            match result {
                Ok((warnings, breaches)) => {
                    sweep.warnings += warnings;
                    sweep.breaches += breaches;
                }
                Err(_) => sweep.failed += 1,
            }
        }

        let held: Vec<(String, Timestamp)> = out
            .held
            .iter()
            .filter(|(id, _)| sent.contains(id))
            .cloned()
            .collect();
        out.held
            .retain(|(id, _)| !sent.contains(id) && !unsent.contains(id));
        if let Err(e) = self.store.unschedule(&held).await {
            // They went out; the next sweep sends them again, and the
            // escalator does each effect once.
            tracing::warn!(error = %e, "sent held messages could not be forgotten");
        }
    }

    /// Stores the ticket with its sent alarms marked; answers how many
    /// warnings and breaches this sweep announced.
    async fn mark(&self, marking: Marking, now: Timestamp) -> Result<(usize, usize)> {
        let number = marking.ticket.number.clone();
        let result = self.mark_once(marking, now).await;
        match &result {
            Ok((w, b)) if w + b > 0 => {
                tracing::info!(ticket = %number, warnings = w, breaches = b, "alarms announced")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(ticket = %number, error = %e, "events sent but the ticket not marked; the next sweep sends them again")
            }
        }
        result
    }

    async fn mark_once(&self, marking: Marking, now: Timestamp) -> Result<(usize, usize)> {
        if self.store.mark(&marking.ticket).await? {
            return Ok((marking.warnings, marking.breaches));
        }
        for _ in 0..ATTEMPTS {
            // Changed since the read: by another sweep (then nothing is due
            // any more), or by a reply (then what is due may differ).
            let Some(mut fresh) = self.store.ticket(&marking.ticket.number).await? else {
                return Ok((0, 0));
            };
            let Some(clock) = fresh.sla.as_mut() else {
                return Ok((0, 0));
            };
            let alarms = clock.due_alarms(now);
            let ids: Vec<String> = alarms
                .iter()
                .map(|a| {
                    let kind = match a.kind {
                        AlarmKind::Warning => SLA_WARNING,
                        AlarmKind::Breach => SLA_BREACHED,
                    };
                    alarm_id(kind, &marking.ticket.number, a.goal)
                })
                .collect();
            if alarms.is_empty() || !ids.iter().all(|id| marking.ids.contains(id)) {
                // Marked by someone else, or something is due that was not
                // sent: the next sweep sends and marks it.
                return Ok((0, 0));
            }
            if self.store.mark(&fresh).await? {
                let breaches = alarms
                    .iter()
                    .filter(|a| a.kind == AlarmKind::Breach)
                    .count();
                return Ok((alarms.len() - breaches, breaches));
            }
        }
        Err(Error::Exhausted(
            "ticket update (too many concurrent changes)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_is_a_url() {
        let env = |url: &str| {
            Env::from_pairs([
                ("TABLE_NAME", "t"),
                ("ESCALATIONS_QUEUE_URL", url),
                (
                    "ORDERS_QUEUE_URL",
                    "https://sqs.eu-central-1.amazonaws.com/1/orders",
                ),
                (
                    "TICKETS_QUEUE_URL",
                    "https://sqs.eu-central-1.amazonaws.com/1/tickets",
                ),
                (
                    "GREETINGS_QUEUE_URL",
                    "https://sqs.eu-central-1.amazonaws.com/1/greetings",
                ),
            ])
        };
        assert!(Config::from_env(&env("https://sqs.eu-central-1.amazonaws.com/1/q")).is_ok());
        let err = Config::from_env(&env("escalations")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("environment variable ESCALATIONS_QUEUE_URL is invalid")
        );
    }
}
