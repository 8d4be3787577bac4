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

mod schedule;
mod work;

pub use schedule::*;
pub use work::*;

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
