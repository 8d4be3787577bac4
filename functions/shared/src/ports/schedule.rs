//! The ports of what runs on a clock: the due index the SLA sweep walks
//! (tickets' alarms and held messages), the week's counters, the customer
//! directory, suppressed addresses, and the birthday index.

use super::*;

/// An entry of the due index: something that needs looking at once its time
/// has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueEntry {
    /// A ticket with a warning or breach to announce.
    Ticket {
        /// Its number.
        number: TicketNumber,
        /// The ticket as the index carries it (its clocks and version, a
        /// moment behind the table at most); `None` when the index carries
        /// keys only, and the ticket must be read.
        seen: Option<Box<Ticket>>,
    },
    /// A message to send: an email held back until a civil hour.
    Message {
        /// Its id.
        id: String,
        /// The message as the index carries it; `None`: read it.
        seen: Option<ScheduledMessage>,
    },
}

/// Where a walk through one shard of the due index stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCursor(pub Vec<(String, String)>);

/// One page of due entries.
#[derive(Debug, Clone, Default)]
pub struct DuePage {
    /// The entries, earliest first.
    pub entries: Vec<DueEntry>,
    /// Where the next page starts, if there is one.
    pub next: Option<DueCursor>,
}

/// A message kept until its time: `due` is when it may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledMessage {
    /// The message's id (its CloudEvents id).
    pub id: String,
    /// Its CloudEvents `type`.
    pub kind: String,
    /// The JSON body.
    pub body: String,
    /// When it may be sent.
    pub due: Timestamp,
}

/// The due index: tickets by the time their next SLA alarm is due, and
/// messages by the time they may be sent, spread over shards so that no
/// single key takes every write. Read a shard at a time, never scanned.
pub trait DueIndex: Send + Sync {
    /// How many shards there are (the sweep reads `0..shards()`).
    fn shards(&self) -> u32;

    /// Up to `limit` entries of `shard` due at or before `now`, from `after`.
    fn due(
        &self,
        shard: u32,
        now: Timestamp,
        after: Option<DueCursor>,
        limit: i32,
    ) -> impl Future<Output = Result<DuePage>> + Send;

    /// Stores the alarm flags of `ticket` (as [`crate::domain::sla::SlaClock::due_alarms`]
    /// set them) and its place in the index, if the ticket is still at its
    /// `version`: one conditional update, not a read and a write of the
    /// whole ticket. `false`: it changed; read it and decide again.
    fn mark(&self, ticket: &Ticket) -> impl Future<Output = Result<bool>> + Send;

    /// Keeps `message` until `message.due` (a repeat overwrites it).
    fn schedule(&self, message: &ScheduledMessage) -> impl Future<Output = Result<()>> + Send;

    /// The kept message with this id, if it is still kept.
    fn scheduled(&self, id: &str) -> impl Future<Output = Result<Option<ScheduledMessage>>> + Send;

    /// Forgets kept messages (they were sent), each by its id and the time
    /// it was kept for: a message kept again since for another time (a
    /// promise moved while the sweep sent the old one) stays kept.
    fn unschedule(&self, sent: &[(String, Timestamp)]) -> impl Future<Output = Result<()>> + Send;
}

/// Counters per week for the digest: added to as things happen, read two
/// weeks at a time, never computed by scanning.
pub trait StatsStore: Send + Sync {
    /// Adds each amount to its counter of `week`, all in one atomic write.
    fn add(
        &self,
        week: crate::domain::digest::Week,
        amounts: &[(String, i64)],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Every counter of `week` (none when nothing was counted).
    fn counters(
        &self,
        week: crate::domain::digest::Week,
    ) -> impl Future<Output = Result<crate::domain::digest::Counters>> + Send;
}

/// The customer directory's part of a customer: the birthday (in the
/// birthday index) and marketing consent, next to the contact details that
/// [`CustomerStore`] keeps.
pub trait DirectoryStore: Send + Sync {
    /// The stored consent state: the default (never given) for an unknown
    /// customer or one whose consent was never recorded.
    fn consent_state(
        &self,
        id: &CustomerId,
    ) -> impl Future<Output = Result<crate::domain::consent::ConsentState>> + Send;

    /// Replaces consent `read` with `new`, only if the stored state is still
    /// `read` (an unsubscribe may have landed in between); `false` means it
    /// changed: read it again and reapply.
    fn save_consent(
        &self,
        id: &CustomerId,
        read: &crate::domain::consent::ConsentState,
        new: &crate::domain::consent::ConsentState,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Stores the birthday as of `as_of` and files the customer in the
    /// birthday index. A write older than the stored birthday is ignored.
    fn save_birthday(
        &self,
        id: &CustomerId,
        birthday: &crate::domain::customer::Birthday,
        as_of: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Addresses that must get no more marketing email: the permanent bounces
/// and complaints SES reported for them.
pub trait SuppressionStore: Send + Sync {
    /// Whether marketing email to `address` is suppressed.
    fn is_suppressed(
        &self,
        address: &crate::domain::mail::EmailAddress,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Records `entry` unless its address is suppressed already: the first
    /// report stands and a repeat (or a later report) writes nothing.
    fn suppress(
        &self,
        entry: &crate::domain::suppression::Suppression,
    ) -> impl Future<Output = Result<Suppressed>> + Send;
}

/// What recording a suppression did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppressed {
    /// The address is suppressed from now on.
    Now,
    /// It was suppressed before: nothing was written.
    Already,
}

/// One customer as the birthday index shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BirthdayEntry {
    /// Who.
    pub customer_id: CustomerId,
    /// What the scheduler decides with.
    pub candidate: crate::domain::birthday::Candidate,
}

/// One page of the birthday index.
#[derive(Debug, Clone, Default)]
pub struct BirthdayPage {
    /// The customers, in id order.
    pub entries: Vec<BirthdayEntry>,
    /// Entries whose stored birthday could not be read (logged, skipped).
    pub unreadable: usize,
    /// Where the next page starts, if there is one.
    pub next: Option<DueCursor>,
}

/// What the greeter reads about a customer, in one consistent read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Greetee {
    /// Where to write, their name, language and zone.
    pub contact: ContactDetails,
    /// Marketing consent as stored now.
    pub consent: crate::domain::consent::ConsentState,
    /// The last year they were greeted for.
    pub greeted_year: Option<i16>,
}

/// Birthdays: the index the scheduler reads, how far it has read, and the
/// greeter's record of whom it greeted.
pub trait BirthdayStore: Send + Sync {
    /// How many shards each month-day of the index has.
    fn birthday_shards(&self) -> u32;

    /// Customers born on `month`-`day` in `shard`, `limit` at a time,
    /// starting after `after`.
    fn birthdays(
        &self,
        month: i8,
        day: i8,
        shard: u32,
        after: Option<DueCursor>,
        limit: i32,
    ) -> impl Future<Output = Result<BirthdayPage>> + Send;

    /// The end of the scheduler's last complete run, if any.
    fn swept_to(&self) -> impl Future<Output = Result<Option<Timestamp>>> + Send;

    /// Records a complete run up to `to`; never moves the mark back.
    fn sweep_done(&self, to: Timestamp) -> impl Future<Output = Result<()>> + Send;

    /// The customer as the greeter needs them; `None` when unknown.
    fn greetee(&self, id: &CustomerId) -> impl Future<Output = Result<Option<Greetee>>> + Send;

    /// Records that the customer was greeted for `year` (never lowers it).
    fn mark_greeted(&self, id: &CustomerId, year: i16) -> impl Future<Output = Result<()>> + Send;
}
