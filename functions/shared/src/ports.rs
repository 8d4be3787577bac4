//! The ports: what the functions need from the outside world, as traits.
//!
//! Handlers are generic over these; [`crate::adapters`] implements them over
//! DynamoDB, SES and SQS. Nothing here names an AWS type.

use std::future::Future;

use jiff::Timestamp;

use crate::Result;
use crate::contract::journey::Owner;
use crate::contract::outbound::OutboundMessage;
use crate::domain::coupon::{Coupon, CouponReason};
use crate::domain::customer::{ContactDetails, Customer, CustomerId};
use crate::domain::desk::DeskTicket;
use crate::domain::history::{Footprint, PastTicket};
use crate::domain::mail::OutgoingEmail;
use crate::domain::order::{Order, OrderId};
use crate::domain::rating::Rating;
use crate::domain::returns::{Return, ReturnId};
use crate::domain::sla::Goal;
use crate::domain::ticket::{Origin, Priority, Ticket, TicketNumber};
use crate::keys::WorkKey;

/// Customers and what they said.
pub trait CustomerStore: Send + Sync {
    /// The customer, if known.
    fn customer(&self, id: &CustomerId) -> impl Future<Output = Result<Option<Customer>>> + Send;

    /// The customer with their coupons and orders, in one consistent read of
    /// their partition (for the history an agent reads,
    /// [`crate::domain::history`]).
    fn customer_with_footprint(
        &self,
        id: &CustomerId,
    ) -> impl Future<Output = Result<(Option<Customer>, Footprint)>> + Send;

    /// Writes contact details as of `as_of` (creating the customer when new).
    /// Fields not set in `contact` are kept. A write older than the stored
    /// details is ignored, so out-of-order events cannot roll details back.
    fn save_contact(
        &self,
        id: &CustomerId,
        contact: &ContactDetails,
        as_of: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Records a product review (idempotent on `event_key`).
    fn record_review(&self, review: &ReviewRecord) -> impl Future<Output = Result<()>> + Send;
}

/// A review as stored.
#[derive(Debug, Clone)]
pub struct ReviewRecord {
    /// The reviewer.
    pub customer_id: CustomerId,
    /// The event that brought it.
    pub event_key: String,
    /// When it was posted.
    pub posted_at: Timestamp,
    /// Stars.
    pub rating: Rating,
    /// At or under the apology threshold.
    pub negative: bool,
    /// Product id.
    pub product_id: Option<String>,
    /// Product name.
    pub product_name: Option<String>,
    /// Order id.
    pub order_id: Option<String>,
    /// The text.
    pub text: Option<String>,
}

/// What happened when a coupon was to be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    /// Issued now.
    Issued(Coupon),
    /// This event had already issued one: here it is again.
    AlreadyIssued(Coupon),
    /// Another apology coupon got there first within the cap window.
    CapReached,
    /// The code exists already (a collision): draw another.
    CodeTaken,
}

/// What happened when a ticket was to be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// Opened now.
    Opened(Ticket),
    /// This event had already opened one: here it is again.
    AlreadyOpened(Ticket),
    /// The number is taken: draw another.
    NumberTaken,
}

/// Coupons: unique codes, one per (customer, reason, source event).
pub trait CouponStore: Send + Sync {
    /// The coupon already issued for this reason and event, if any.
    fn issued_for(
        &self,
        customer: &CustomerId,
        reason: CouponReason,
        source_event: &str,
    ) -> impl Future<Output = Result<Option<Coupon>>> + Send;

    /// Stores `coupon` atomically: its code must be new, its (customer,
    /// reason, event) must not have a coupon yet, and — when `cap_cutoff` is
    /// given — the customer's last apology coupon must be older than it.
    fn issue(
        &self,
        coupon: &Coupon,
        cap_cutoff: Option<Timestamp>,
    ) -> impl Future<Output = Result<IssueOutcome>> + Send;

    /// Gives `coupon` the code `to` instead of its own (which the shop's
    /// store has for something else), atomically: `to` must be new, and the
    /// coupon must still carry its old code. `false`: nothing was written
    /// (the code is taken too, or the coupon changed: read it again).
    fn recode(
        &self,
        coupon: &Coupon,
        to: &crate::domain::coupon::CouponCode,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// What is kept under each of `codes` (memnun's, with their flows):
    /// its redemption and when its coupon was issued, each when there is
    /// one; in one read.
    fn redemptions(
        &self,
        codes: &[(crate::domain::coupon::CouponCode, CouponReason)],
    ) -> impl Future<Output = Result<Vec<crate::domain::redemption::Stored>>> + Send;
}

/// What registering a coupon in the shop's store found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// Created now: the store takes the code at checkout from now on.
    Now,
    /// The store had it already, as memnun registered it (a retry).
    Before,
    /// The store has the code for something else (the shop's own code, or
    /// another memnun coupon's): this coupon needs a new code.
    Taken,
    /// No store is configured: the coupon is only published, and the shop
    /// registers it itself.
    Nowhere,
}

/// Whom a coupon is for, as the store can limit it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Holder<'a> {
    /// The customer's address (WooCommerce limits the code to it).
    pub email: Option<&'a crate::domain::mail::EmailAddress>,
}

/// The shop's store, where a coupon must exist before its code is emailed:
/// a customer must never be sent a code that checkout refuses.
pub trait CouponRegistry: Send + Sync {
    /// Makes `coupon` redeemable by its holder. Safe to repeat: a code the
    /// store has as memnun registered it answers [`Registered::Before`].
    fn register(
        &self,
        coupon: &Coupon,
        holder: Holder<'_>,
    ) -> impl Future<Output = Result<Registered>> + Send;
}

/// Where memnun's outbound events are delivered for the shop: its own URL
/// (the signed outbound webhook).
pub trait Deliverer: Send + Sync {
    /// Delivers one outbound event; an error leaves it to the queue's retry.
    fn deliver(&self, message: &OutboundMessage) -> impl Future<Output = Result<()>> + Send;
}

/// The shop's help desk (Zendesk, Freshdesk), where its agents answer
/// memnun's tickets.
pub trait HelpDesk: Send + Sync {
    /// Opens `ticket` in the desk with its history note, once: a retry
    /// finds the ticket opened before (by memnun's number) and adds only
    /// what is missing.
    fn open(&self, ticket: &DeskTicket) -> impl Future<Output = Result<DeskOpened>> + Send;

    /// Raises memnun's ticket `number` to `priority` with an internal
    /// `note`, once per missed deadline; `false` when it was raised for it
    /// before. [`crate::Error::NotFound`] when the desk has no such ticket
    /// yet (its `ticket.opened` is still on its way): the message is
    /// retried.
    fn escalate(
        &self,
        number: &TicketNumber,
        missed: Goal,
        priority: Priority,
        note: &str,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Adds the `message`-th message that joined memnun's ticket `number`
    /// as the customer's comment, once; `false` when it was added before.
    /// [`crate::Error::NotFound`] when the desk has no such ticket yet, as
    /// for [`HelpDesk::escalate`].
    fn comment(
        &self,
        number: &TicketNumber,
        message: u32,
        body: &str,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Solves memnun's ticket `number` with an internal `note`, once;
    /// `false` when it was closed before. [`crate::Error::NotFound`] when
    /// the desk has no such ticket, as for [`HelpDesk::escalate`].
    fn close(
        &self,
        number: &TicketNumber,
        resolved_as: crate::domain::ticket::ResolvedAs,
        note: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// Whether [`HelpDesk::open`] opened the ticket or found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskOpened {
    /// Opened by this call.
    Now,
    /// Opened before (a retry, a duplicate delivery).
    Before,
}

/// Tickets.
pub trait TicketStore: Send + Sync {
    /// The ticket with this number, if any.
    fn ticket(&self, number: &TicketNumber) -> impl Future<Output = Result<Option<Ticket>>> + Send;

    /// Stores a changed ticket if nobody else changed it since it was read
    /// (its `version`); `false` means read it again and reapply.
    fn save(&self, ticket: &Ticket) -> impl Future<Output = Result<bool>> + Send;

    /// The customer's tickets opened between `from` and `to`, as the
    /// customer index carries them (no scan): what a new complaint's
    /// priority counts and its agent's history sums up.
    fn tickets_between(
        &self,
        customer: &CustomerId,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = Result<Vec<PastTicket>>> + Send;

    /// Opens `ticket` atomically, once per (customer, origin, source event):
    /// a repeat answers the ticket opened the first time.
    fn open(&self, ticket: &Ticket) -> impl Future<Output = Result<OpenOutcome>> + Send;

    /// The ticket and its customer, in one consistent read.
    fn ticket_with_customer(
        &self,
        number: &TicketNumber,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<(Option<Ticket>, Option<Customer>)>> + Send;

    /// The `message`-th message that joined the customer's ticket
    /// ([`crate::domain::thread::ThreadMessage`]), if it is there.
    fn thread_message(
        &self,
        customer: &CustomerId,
        ticket: &TicketNumber,
        message: u32,
    ) -> impl Future<Output = Result<Option<crate::domain::thread::ThreadMessage>>> + Send;

    /// The ticket opened for this event, if any.
    fn opened_for(
        &self,
        customer: &CustomerId,
        origin: Origin,
        source_event: &str,
    ) -> impl Future<Output = Result<Option<Ticket>>> + Send;
}

/// The state of a claim on a piece of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller holds it now and must complete or release it.
    Acquired,
    /// Done before; the stored result, if any.
    Done(Option<String>),
    /// Another invocation holds it and its lease has not run out.
    Held,
}

/// Claims on work, the lock behind exactly-once effects.
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` until `lease_until`, unless it is done or validly held.
    /// `now` is the wall clock, to judge a lease left by a crashed invocation.
    fn claim(
        &self,
        key: &WorkKey,
        lease_until: Timestamp,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> impl Future<Output = Result<Claim>> + Send;

    /// Marks `key` done with an optional result.
    fn complete(
        &self,
        key: &WorkKey,
        result: Option<&str>,
        expires_at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Gives up a claim so a retry can take it at once.
    fn release(&self, key: &WorkKey) -> impl Future<Output = Result<()>> + Send;
}

/// Orders, as the journey's events build them.
pub trait OrderStore: Send + Sync {
    /// The order and its customer, consistently, in one read.
    fn order_with_customer(
        &self,
        order: &OrderId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<(Option<Order>, Option<Customer>)>> + Send;

    /// The return and its customer, consistently, in one read.
    fn return_with_customer(
        &self,
        id: &ReturnId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<(Option<Return>, Option<Customer>)>> + Send;

    /// The customer who placed the order, or asked for the return, `owner`
    /// names (one consistent read); `None` before memnun has heard of it.
    fn owner(&self, owner: &Owner) -> impl Future<Output = Result<Option<CustomerId>>> + Send;

    /// Whether a return was requested for `order` (one query of the
    /// customer's returns).
    fn returned(
        &self,
        customer: &CustomerId,
        order: &OrderId,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// A stored mail, read up to a bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The whole mail.
    Mail(Vec<u8>),
    /// The mail is larger than the bound: its size in bytes, when known.
    TooLarge(Option<u64>),
}

/// Where SES stores the mail it receives.
pub trait MailBox: Send + Sync {
    /// The mail stored under `key` in `bucket`, read only up to `max_bytes`:
    /// a larger one is [`Fetched::TooLarge`], never read whole.
    fn fetch(
        &self,
        bucket: &str,
        key: &str,
        max_bytes: usize,
    ) -> impl Future<Output = Result<Fetched>> + Send;
}

/// Sending email.
pub trait Mailer: Send + Sync {
    /// Sends and answers the provider's message id.
    fn send(&self, email: &OutgoingEmail) -> impl Future<Output = Result<String>> + Send;
}

/// Publishing to a queue.
pub trait Publisher: Send + Sync {
    /// Sends messages to the queue at `queue_url`, in batches of ten; every
    /// message is sent or the call fails.
    fn publish(
        &self,
        queue_url: &str,
        messages: &[OutboundMessage],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Sends messages and answers, in order, whether each was enqueued
    /// (after retries). Never claims a message that SQS did not take.
    fn publish_each(
        &self,
        queue_url: &str,
        messages: &[OutboundMessage],
    ) -> impl Future<Output = Vec<bool>> + Send;
}

/// How a customer withdrew their marketing consent (stored as
/// `consent_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentChannel {
    /// The button on the unsubscribe page the email's link opens.
    UnsubscribeLink,
    /// The mail provider's RFC 8058 one-click POST (`List-Unsubscribe-Post`).
    OneClick,
}

impl ConsentChannel {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentChannel::UnsubscribeLink => "unsubscribe-link",
            ConsentChannel::OneClick => "one-click",
        }
    }
}

/// What withdrawing consent did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// Written now: consent was given, never recorded, or withdrawn before
    /// this time.
    Withdrawn,
    /// It had been withdrawn at that time or later: nothing was written.
    AlreadyWithdrawn,
    /// No such customer: nothing was written.
    UnknownCustomer,
}

/// Marketing consent: what the birthday greetings and any other marketing
/// email must find `true` before they are sent.
pub trait ConsentStore: Send + Sync {
    /// Withdraws the customer's marketing consent as of `at`, recording when
    /// and how. A repeat at the same time (or an older one) writes nothing; a
    /// later one moves the withdrawal's time forward, so that the latest wish
    /// is what a re-grant must be newer than. Never creates a customer.
    fn withdraw_marketing_consent(
        &self,
        id: &CustomerId,
        at: Timestamp,
        how: ConsentChannel,
    ) -> impl Future<Output = Result<Withdrawal>> + Send;
}

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

/// What claiming the record of a unit of work found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The caller holds it now; `step` is how far an earlier attempt got (0:
    /// nothing written) and `saved` what that attempt kept for its retry.
    Held {
        /// The last step recorded.
        step: u8,
        /// What the attempt that wrote the step kept (JSON), if anything.
        saved: Option<String>,
    },
    /// Done before.
    Done,
    /// Another invocation holds it and its lease has not run out.
    Busy,
}

/// Whose claim on a unit of work this is, and until when it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The record's key (`event#<function>#<event>`, `alarm#…`).
    pub key: WorkKey,
    /// Drawn per attempt: only its holder may move the record on.
    pub token: String,
    /// The invocation's deadline: a lease left by a crash lapses then.
    pub until: Timestamp,
    /// When the record expires (the idempotency table's TTL).
    pub expires_at: Timestamp,
}

/// The customer's own item, changed as one write: the contact details, the
/// apology cap, the year greeted. Each part brings its own condition.
#[derive(Debug, Clone)]
pub struct ProfileWrite {
    /// Whose.
    pub id: CustomerId,
    /// New contact details as of a time; written only over older ones.
    pub contact: Option<(ContactDetails, Timestamp)>,
    /// An apology coupon issued at a time: the customer's last one must be
    /// older than the cutoff, when one is given.
    pub apology_coupon: Option<(Timestamp, Option<Timestamp>)>,
    /// Greeted for this year, at this time: only a customer with marketing
    /// consent, not greeted for it yet.
    pub greeted: Option<(i16, Timestamp)>,
}

impl ProfileWrite {
    /// New contact details for `id`, as of a time, and nothing else.
    pub fn contact(id: CustomerId, contact: (ContactDetails, Timestamp)) -> Self {
        ProfileWrite {
            id,
            contact: Some(contact),
            apology_coupon: None,
            greeted: None,
        }
    }
}

/// One domain write of a unit of work. All of a unit's writes, and the step
/// of its record, land in one transaction or not at all.
#[derive(Debug, Clone)]
pub enum Write {
    /// The customer's item.
    Profile(ProfileWrite),
    /// A review, kept with the customer.
    Review(ReviewRecord),
    /// A coupon: its code and its (customer, reason, cause) must be new.
    Coupon(Coupon),
    /// A coupon's new code, for one whose code the shop's store has for
    /// something else ([`CouponStore::recode`], inside a unit's commit).
    Recode(Coupon, crate::domain::coupon::CouponCode),
    /// A ticket: its number and its (customer, origin, cause) must be new.
    /// One about an order becomes the order's last ticket
    /// ([`crate::domain::history::OrderTicket`]).
    Ticket(Box<Ticket>),
    /// A ticket changed, over the version it was read at.
    TicketChange(Box<Ticket>),
    /// A message that joined a ticket, kept for the help desk.
    Message(crate::domain::thread::ThreadMessage),
    /// A check that no coupon was issued for this cause.
    NoCoupon {
        /// Whose.
        customer: CustomerId,
        /// Why.
        reason: CouponReason,
        /// The cause.
        source_event: String,
    },
    /// A check that marketing email may still go to this address.
    NotSuppressed(crate::domain::mail::EmailAddress),
    /// A check that the customer's marketing consent still stands (a
    /// [`Conflict::Profile`] when withdrawn since the read). Not beside a
    /// [`Write::Profile`] of the same customer: a transaction names an
    /// item once (that write carries its own consent condition).
    Consented(CustomerId),
    /// Amounts added to the counters of a week.
    Count(crate::domain::digest::Week, Vec<(String, i64)>),
    /// A message kept until its time.
    Schedule(ScheduledMessage),
    /// An effect's own record, for an effect several units can reach (one
    /// apology per ticket and day): it must be new.
    Claim(WorkKey),
    /// An order, over the version it was read at (0: it must be new).
    Order(Box<Order>),
    /// A return, over the version it was read at (0: it must be new).
    Return(Box<Return>),
    /// A coupon's first redemption: nothing may be kept under its code yet.
    Redemption(Box<crate::domain::redemption::Redemption>),
    /// Another order that used a redeemed code, flagged on the redemption.
    Reused {
        /// The code.
        code: crate::domain::coupon::CouponCode,
        /// The other order.
        order_id: crate::domain::order::OrderId,
    },
}

/// Which write stopped a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The unit's record moved on: another attempt holds it now.
    Lease,
    /// The profile's condition failed (newer contact details, the apology
    /// cap reached, consent withdrawn or greeted already): read it again.
    Profile,
    /// The coupon's code exists: draw another.
    CouponCode,
    /// A coupon for this cause exists already.
    CouponCause,
    /// The ticket's number exists: draw another.
    TicketNumber,
    /// A ticket for this cause exists already.
    TicketCause,
    /// The ticket changed since it was read: read it again.
    Ticket,
    /// A coupon was issued for the cause a [`Write::NoCoupon`] names.
    OtherCoupon,
    /// The address is suppressed.
    Suppressed,
    /// The effect a [`Write::Claim`] names was claimed by another unit.
    Claimed(WorkKey),
    /// The order changed since it was read: read it again.
    Order,
    /// The return changed since it was read (or was recorded by another
    /// event in between): read it again.
    Return,
    /// A code was redeemed by another order since it was read: read again.
    Redeemed,
}

/// The records of units of work (the idempotency table): one per event or
/// alarm, claimed once, moved on step by step, and done.
pub trait WorkStore: Send + Sync {
    /// Claims the record for `lease` unless it is done or validly held; one
    /// call whatever it finds.
    fn begin(&self, lease: &Lease, now: Timestamp) -> impl Future<Output = Result<Begun>> + Send;

    /// Writes `writes` and records `step` (with `saved`) in one transaction;
    /// answers the writes whose condition failed (empty: committed).
    fn commit(
        &self,
        lease: &Lease,
        writes: &[Write],
        step: u8,
        saved: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Conflict>>> + Send;

    /// Records that the unit got to `step`.
    fn advance(&self, lease: &Lease, step: u8) -> impl Future<Output = Result<()>> + Send;

    /// Marks the unit done.
    fn finish(&self, lease: &Lease) -> impl Future<Output = Result<()>> + Send;

    /// Lets the lease lapse now (the attempt failed), recording `step`, so a
    /// retry can go on at once from there.
    fn release(&self, lease: &Lease, step: u8) -> impl Future<Output = Result<()>> + Send;
}
