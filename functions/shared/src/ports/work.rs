//! The unit-of-work port: one record per event that leases the work and
//! says how far it got, and one commit of the event's writes whose
//! conditions are its claims ([`crate::work`] drives it).

use super::*;

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
    /// A redemption moved to an order placed before the one holding it:
    /// over the redemption as read (its order and its reuse unchanged).
    RedemptionMoved {
        /// As read.
        was: Box<crate::domain::redemption::Redemption>,
        /// As it becomes.
        now: Box<crate::domain::redemption::Redemption>,
    },
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
    /// A code was redeemed by another order, or its redemption moved or
    /// was flagged, since it was read: read again.
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
