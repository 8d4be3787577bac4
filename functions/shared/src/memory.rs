//! The ports in memory: a store, a mailer and a publisher that keep what
//! they are given, so a handler's policy can be tested in milliseconds,
//! without the emulator (feature `memory`, for tests only).
//!
//! The store applies a unit's commit as DynamoDB applies the transaction:
//! every condition is checked first (a new coupon code and cause, a new
//! ticket number and cause, the apology cap, newer contact details, consent
//! for a greeting, an unsuppressed address, a new claim, the unit's lease),
//! and either all writes land or none, with the conflicts named. What it
//! cannot show is what the emulator tests prove: that the DynamoDB adapters
//! say the same in their expressions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;

use crate::Result;
use crate::contract::journey::Owner;
use crate::contract::outbound::OutboundMessage;
use crate::domain::consent::ConsentState;
use crate::domain::coupon::{Coupon, CouponCode, CouponReason};
use crate::domain::customer::{ContactDetails, Customer, CustomerId};
use crate::domain::desk::DeskTicket;
use crate::domain::digest::{Counters, Week};
use crate::domain::history::{Footprint, OrderTicket, PastCoupon, PastOrder, PastTicket};
use crate::domain::mail::OutgoingEmail;
use crate::domain::order::{Order, OrderId};
use crate::domain::returns::{Return, ReturnId};
use crate::domain::sla::Goal;
use crate::domain::thread::ThreadMessage;
use crate::domain::ticket::{Origin, Priority, Ticket, TicketNumber};
use crate::keys::WorkKey;
use crate::ports::{
    Begun, Claim, Conflict, CouponRegistry, CouponStore, CustomerStore, DeskOpened, DueCursor,
    DueEntry, DueIndex, DuePage, HelpDesk, Holder, IdempotencyStore, IssueOutcome, Lease, Mailer,
    OpenOutcome, OrderStore, ProfileWrite, Publisher, Registered, ReviewRecord, ScheduledMessage,
    StatsStore, TicketStore, WorkStore, Write,
};

/// A customer's item: contact details, the cap, consent, the year greeted.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The customer as [`CustomerStore::customer`] answers it.
    pub customer: Option<Customer>,
    /// Marketing consent.
    pub consent: ConsentState,
    /// The last year greeted.
    pub greeted_year: Option<i16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    done: bool,
    token: String,
    lease_until: Timestamp,
    step: u8,
    saved: Option<String>,
}

/// Everything the store holds, open for a test to arrange and inspect.
#[derive(Debug, Default)]
pub struct World {
    /// Customers by id.
    pub profiles: HashMap<String, Profile>,
    /// Reviews, in the order recorded.
    pub reviews: Vec<ReviewRecord>,
    /// Coupons by code.
    pub coupons: HashMap<String, Coupon>,
    /// Coupon codes by (customer, reason, cause).
    pub coupon_causes: HashMap<(String, &'static str, String), String>,
    /// Tickets by number.
    pub tickets: HashMap<String, Ticket>,
    /// Ticket numbers by (customer, origin, cause).
    pub ticket_causes: HashMap<(String, &'static str, String), String>,
    /// Counters by week.
    pub counters: HashMap<Week, BTreeMap<String, i64>>,
    /// Suppressed addresses.
    pub suppressed: HashSet<String>,
    /// Messages held until a time, by id.
    pub held: HashMap<String, crate::ports::ScheduledMessage>,
    /// Effects' own records (`apology#sla#…`) and per-effect claims.
    pub claims: HashMap<WorkKey, Option<String>>,
    /// Orders by id, each with its stored version.
    pub orders: HashMap<String, Order>,
    /// Returns by id.
    pub returns: HashMap<String, Return>,
    /// The last ticket opened about each (customer, order).
    pub order_tickets: HashMap<(String, String), TicketNumber>,
    /// Messages that joined tickets, by (ticket, place).
    pub messages: BTreeMap<(String, u32), ThreadMessage>,
    /// Coupons' redemptions, by code.
    pub redemptions: HashMap<String, crate::domain::redemption::Redemption>,
    units: HashMap<WorkKey, Record>,
    /// Every port call, by name, in order.
    pub calls: Vec<&'static str>,
}

/// The store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    world: Mutex<World>,
}

impl MemoryStore {
    /// What the store holds now (a lock: drop it before calling a handler).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn call(&self, name: &'static str) -> MutexGuard<'_, World> {
        let mut world = self.world();
        world.calls.push(name);
        world
    }
}

fn cause(
    customer: &CustomerId,
    reason: CouponReason,
    source: &str,
) -> (String, &'static str, String) {
    (
        customer.as_str().to_owned(),
        reason.as_str(),
        source.to_owned(),
    )
}

fn ticket_cause(
    customer: &CustomerId,
    origin: Origin,
    source: &str,
) -> (String, &'static str, String) {
    (
        customer.as_str().to_owned(),
        origin.as_str(),
        source.to_owned(),
    )
}

impl World {
    /// The conflicts `writes` would meet now.
    fn conflicts(&self, lease: &Lease, writes: &[Write]) -> Vec<Conflict> {
        let mut found = Vec::new();
        let held = self
            .units
            .get(&lease.key)
            .is_some_and(|r| !r.done && r.token == lease.token);
        if !held {
            found.push(Conflict::Lease);
        }
        for write in writes {
            match write {
                Write::Profile(p) if !self.profile_allows(p) => found.push(Conflict::Profile),
                Write::Coupon(c) => {
                    if self.coupons.contains_key(c.code.as_str()) {
                        found.push(Conflict::CouponCode);
                    }
                    let key = cause(&c.customer_id, c.reason, &c.source_event);
                    if self.coupon_causes.contains_key(&key) {
                        found.push(Conflict::CouponCause);
                    }
                }
                Write::Recode(c, to) => {
                    if self.coupons.contains_key(to.as_str()) {
                        found.push(Conflict::CouponCode);
                    }
                    let key = cause(&c.customer_id, c.reason, &c.source_event);
                    if self.coupon_causes.get(&key).map(String::as_str) != Some(c.code.as_str()) {
                        found.push(Conflict::CouponCause);
                    }
                }
                Write::Ticket(t) => {
                    if self.tickets.contains_key(t.number.as_str()) {
                        found.push(Conflict::TicketNumber);
                    }
                    let key = ticket_cause(&t.customer_id, t.origin, &t.source_event);
                    if self.ticket_causes.contains_key(&key) {
                        found.push(Conflict::TicketCause);
                    }
                }
                Write::NoCoupon {
                    customer,
                    reason,
                    source_event,
                } if self
                    .coupon_causes
                    .contains_key(&cause(customer, *reason, source_event)) =>
                {
                    found.push(Conflict::OtherCoupon);
                }
                Write::Consented(id)
                    if !self
                        .profiles
                        .get(id.as_str())
                        .is_some_and(|p| p.consent.granted) =>
                {
                    found.push(Conflict::Profile)
                }
                Write::NotSuppressed(address) if self.suppressed.contains(address.as_str()) => {
                    found.push(Conflict::Suppressed);
                }
                Write::Claim(key) if self.claims.contains_key(key) => {
                    found.push(Conflict::Claimed(key.clone()));
                }
                Write::Redemption(r) if self.redemptions.contains_key(r.code.as_str()) => {
                    found.push(Conflict::Redeemed);
                }
                Write::Reused { code, .. } if !self.redemptions.contains_key(code.as_str()) => {
                    found.push(Conflict::Redeemed);
                }
                Write::RedemptionMoved { was, .. }
                    if !self.redemptions.get(was.code.as_str()).is_some_and(|r| {
                        r.order_id == was.order_id && r.reused_by.len() == was.reused_by.len()
                    }) =>
                {
                    found.push(Conflict::Redeemed);
                }
                Write::TicketChange(t)
                    if self.tickets.get(t.number.as_str()).map_or(0, |o| o.version)
                        != t.version =>
                {
                    found.push(Conflict::Ticket);
                }
                Write::Order(order)
                    if self.orders.get(order.id.as_str()).map_or(0, |o| o.version)
                        != order.version =>
                {
                    found.push(Conflict::Order);
                }
                Write::Return(r)
                    if self.returns.get(r.id.as_str()).map_or(0, |o| o.version) != r.version =>
                {
                    found.push(Conflict::Return);
                }
                _ => {}
            }
        }
        found
    }

    fn profile_allows(&self, p: &ProfileWrite) -> bool {
        let profile = self.profiles.get(p.id.as_str());
        let customer = profile.and_then(|p| p.customer.as_ref());
        let contact_ok = match (&p.contact, customer.and_then(|c| c.contact_updated_at)) {
            (Some((_, as_of)), Some(stored)) => stored <= *as_of,
            _ => true,
        };
        let cap_ok = match (
            &p.apology_coupon,
            customer.and_then(|c| c.last_apology_coupon_at),
        ) {
            (Some((_, Some(cutoff))), Some(last)) => last <= *cutoff,
            _ => true,
        };
        let greeting_ok = match p.greeted {
            None => true,
            Some((year, _)) => profile
                .is_some_and(|pr| pr.consent.granted && pr.greeted_year.is_none_or(|y| y < year)),
        };
        contact_ok && cap_ok && greeting_ok
    }

    fn apply(&mut self, lease: &Lease, writes: &[Write]) {
        for write in writes {
            match write {
                Write::Profile(p) => {
                    let profile = self.profiles.entry(p.id.as_str().to_owned()).or_default();
                    let customer = profile.customer.get_or_insert_with(|| Customer {
                        id: p.id.clone(),
                        contact: ContactDetails::default(),
                        contact_updated_at: None,
                        last_apology_coupon_at: None,
                        marketing_consent: false,
                        greeted_at: None,
                    });
                    if let Some((contact, as_of)) = &p.contact {
                        let stored = &mut customer.contact;
                        if contact.email.is_some() {
                            stored.email.clone_from(&contact.email);
                        }
                        for (new, old) in [
                            (&contact.name, &mut stored.name),
                            (&contact.locale, &mut stored.locale),
                            (&contact.time_zone, &mut stored.time_zone),
                        ] {
                            if new.is_some() {
                                old.clone_from(new);
                            }
                        }
                        customer.contact_updated_at = Some(*as_of);
                    }
                    if let Some((issued, _)) = p.apology_coupon {
                        customer.last_apology_coupon_at = Some(issued);
                    }
                    if let Some((year, at)) = p.greeted {
                        profile.greeted_year = Some(year);
                        customer.greeted_at = Some(at);
                    }
                }
                Write::Review(r) => self.reviews.push(r.clone()),
                Write::Coupon(c) => {
                    self.coupon_causes.insert(
                        cause(&c.customer_id, c.reason, &c.source_event),
                        c.code.as_str().to_owned(),
                    );
                    self.coupons.insert(c.code.as_str().to_owned(), c.clone());
                }
                Write::Recode(c, to) => {
                    self.coupons.remove(c.code.as_str());
                    let recoded = Coupon {
                        code: to.clone(),
                        ..c.clone()
                    };
                    self.coupon_causes.insert(
                        cause(&c.customer_id, c.reason, &c.source_event),
                        to.as_str().to_owned(),
                    );
                    self.coupons.insert(to.as_str().to_owned(), recoded);
                }
                Write::Ticket(t) => {
                    self.ticket_causes.insert(
                        ticket_cause(&t.customer_id, t.origin, &t.source_event),
                        t.number.as_str().to_owned(),
                    );
                    self.tickets
                        .insert(t.number.as_str().to_owned(), (**t).clone());
                    if let Some(order) = &t.order_id {
                        self.order_tickets.insert(
                            (t.customer_id.as_str().to_owned(), order.clone()),
                            t.number.clone(),
                        );
                    }
                }
                Write::TicketChange(t) => {
                    let mut stored = (**t).clone();
                    stored.version += 1;
                    self.tickets.insert(t.number.as_str().to_owned(), stored);
                }
                Write::Message(m) => {
                    self.messages
                        .insert((m.ticket.as_str().to_owned(), m.message), m.clone());
                }
                Write::Count(week, amounts) => {
                    let counters = self.counters.entry(*week).or_default();
                    for (name, amount) in amounts {
                        *counters.entry(name.clone()).or_default() += amount;
                    }
                }
                Write::Schedule(m) => {
                    self.held.insert(m.id.clone(), m.clone());
                }
                Write::Claim(key) => {
                    self.claims.insert(key.clone(), Some(lease.key.to_string()));
                }
                Write::Order(order) => {
                    let mut stored = (**order).clone();
                    stored.version += 1;
                    self.orders.insert(order.id.as_str().to_owned(), stored);
                }
                Write::Return(r) => {
                    let mut stored = (**r).clone();
                    stored.version += 1;
                    self.returns.insert(r.id.as_str().to_owned(), stored);
                }
                Write::Redemption(r) | Write::RedemptionMoved { now: r, .. } => {
                    self.redemptions
                        .insert(r.code.as_str().to_owned(), (**r).clone());
                }
                Write::Reused { code, order_id } => {
                    if let Some(r) = self.redemptions.get_mut(code.as_str())
                        && !r.reused_by.contains(order_id)
                    {
                        r.reused_by.push(order_id.clone());
                    }
                }
                Write::NoCoupon { .. } | Write::NotSuppressed(_) | Write::Consented(_) => {}
            }
        }
    }
}

impl WorkStore for MemoryStore {
    async fn begin(&self, lease: &Lease, now: Timestamp) -> Result<Begun> {
        let mut world = self.call("begin");
        let fresh = Record {
            done: false,
            token: lease.token.clone(),
            lease_until: lease.until,
            step: 0,
            saved: None,
        };
        match world.units.get_mut(&lease.key) {
            None => {
                world.units.insert(lease.key.clone(), fresh);
                Ok(Begun::Held {
                    step: 0,
                    saved: None,
                })
            }
            Some(r) if r.done => Ok(Begun::Done),
            Some(r) if r.lease_until >= now => Ok(Begun::Busy),
            Some(r) => {
                let (step, saved) = (r.step, r.saved.clone());
                r.token.clone_from(&lease.token);
                r.lease_until = lease.until;
                Ok(Begun::Held { step, saved })
            }
        }
    }

    async fn commit(
        &self,
        lease: &Lease,
        writes: &[Write],
        step: u8,
        saved: Option<&str>,
    ) -> Result<Vec<Conflict>> {
        let mut world = self.call("commit");
        let conflicts = world.conflicts(lease, writes);
        if !conflicts.is_empty() {
            return Ok(conflicts);
        }
        world.apply(lease, writes);
        if let Some(r) = world.units.get_mut(&lease.key) {
            r.step = step;
            r.saved = saved.map(str::to_owned);
        }
        Ok(Vec::new())
    }

    async fn advance(&self, lease: &Lease, step: u8) -> Result<()> {
        let mut world = self.call("advance");
        match world.units.get_mut(&lease.key) {
            Some(r) if r.token == lease.token => {
                r.step = step;
                Ok(())
            }
            _ => Err(crate::Error::InProgress(lease.key.to_string())),
        }
    }

    async fn finish(&self, lease: &Lease) -> Result<()> {
        let mut world = self.call("finish");
        if let Some(r) = world.units.get_mut(&lease.key) {
            r.done = true;
            r.saved = None;
        }
        Ok(())
    }

    async fn release(&self, lease: &Lease, step: u8) -> Result<()> {
        let mut world = self.call("release");
        if let Some(r) = world.units.get_mut(&lease.key)
            && r.token == lease.token
            && !r.done
        {
            r.step = step;
            r.lease_until = Timestamp::MIN;
        }
        Ok(())
    }
}

impl CustomerStore for MemoryStore {
    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>> {
        let world = self.call("customer");
        Ok(world
            .profiles
            .get(id.as_str())
            .and_then(|p| p.customer.clone()))
    }

    async fn customer_with_footprint(
        &self,
        id: &CustomerId,
    ) -> Result<(Option<Customer>, Footprint)> {
        let world = self.call("customer_with_footprint");
        let customer = world
            .profiles
            .get(id.as_str())
            .and_then(|p| p.customer.clone());
        let footprint = Footprint {
            coupons: world
                .coupons
                .values()
                .filter(|c| c.customer_id == *id)
                .map(|c| PastCoupon {
                    reason: c.reason,
                    issued_at: c.issued_at,
                })
                .collect(),
            orders: world
                .orders
                .values()
                .filter(|o| o.customer_id == *id)
                .map(|o| PastOrder {
                    id: o.id.clone(),
                    stage: Some(o.stage),
                    placed_at: o.placed_at,
                })
                .collect(),
            order_tickets: world
                .order_tickets
                .iter()
                .filter(|((customer, _), _)| customer == id.as_str())
                .map(|((_, order), number)| OrderTicket {
                    order_id: order.clone(),
                    number: number.clone(),
                })
                .collect(),
        };
        Ok((customer, footprint))
    }

    async fn save_contact(
        &self,
        id: &CustomerId,
        contact: &ContactDetails,
        as_of: Timestamp,
    ) -> Result<()> {
        let write = ProfileWrite {
            id: id.clone(),
            contact: Some((contact.clone(), as_of)),
            apology_coupon: None,
            greeted: None,
        };
        let mut world = self.call("save_contact");
        if world.profile_allows(&write) {
            let lease = no_lease();
            world.apply(&lease, &[Write::Profile(write)]);
        }
        Ok(())
    }

    async fn record_review(&self, review: &ReviewRecord) -> Result<()> {
        self.call("record_review").reviews.push(review.clone());
        Ok(())
    }
}

fn no_lease() -> Lease {
    Lease {
        key: WorkKey::from_stored(""),
        token: String::new(),
        until: Timestamp::MIN,
        expires_at: Timestamp::MIN,
    }
}

impl CouponStore for MemoryStore {
    async fn issued_for(
        &self,
        customer: &CustomerId,
        reason: CouponReason,
        source_event: &str,
    ) -> Result<Option<Coupon>> {
        let world = self.call("issued_for");
        Ok(world
            .coupon_causes
            .get(&cause(customer, reason, source_event))
            .and_then(|code| world.coupons.get(code))
            .cloned())
    }

    async fn issue(&self, coupon: &Coupon, cap_cutoff: Option<Timestamp>) -> Result<IssueOutcome> {
        let mut world = self.call("issue");
        let key = cause(&coupon.customer_id, coupon.reason, &coupon.source_event);
        if let Some(existing) = world
            .coupon_causes
            .get(&key)
            .and_then(|c| world.coupons.get(c))
        {
            return Ok(IssueOutcome::AlreadyIssued(existing.clone()));
        }
        if world.coupons.contains_key(coupon.code.as_str()) {
            return Ok(IssueOutcome::CodeTaken);
        }
        let capped = ProfileWrite {
            id: coupon.customer_id.clone(),
            contact: None,
            apology_coupon: cap_cutoff.map(|cutoff| (coupon.issued_at, Some(cutoff))),
            greeted: None,
        };
        if !world.profile_allows(&capped) {
            return Ok(IssueOutcome::CapReached);
        }
        let mut writes = vec![Write::Coupon(coupon.clone())];
        if cap_cutoff.is_some() {
            writes.push(Write::Profile(capped));
        }
        world.apply(&no_lease(), &writes);
        Ok(IssueOutcome::Issued(coupon.clone()))
    }

    async fn recode(&self, coupon: &Coupon, to: &CouponCode) -> Result<bool> {
        let mut world = self.call("recode");
        let writes = [Write::Recode(coupon.clone(), to.clone())];
        let conflicts = world.conflicts(&no_lease(), &writes);
        if conflicts.iter().any(|c| *c != Conflict::Lease) {
            return Ok(false);
        }
        world.apply(&no_lease(), &writes);
        Ok(true)
    }

    async fn redemptions(
        &self,
        codes: &[(CouponCode, CouponReason)],
    ) -> Result<Vec<crate::domain::redemption::Stored>> {
        let world = self.call("redemptions");
        Ok(codes
            .iter()
            .map(|(code, reason)| {
                (
                    code.clone(),
                    *reason,
                    world.redemptions.get(code.as_str()).cloned(),
                    world.coupons.get(code.as_str()).map(|c| c.issued_at),
                )
            })
            .collect())
    }
}

impl OrderStore for MemoryStore {
    async fn order_with_customer(
        &self,
        order: &OrderId,
        customer: &CustomerId,
    ) -> Result<(Option<Order>, Option<Customer>)> {
        let world = self.call("order_with_customer");
        Ok((
            world.orders.get(order.as_str()).cloned(),
            world.profiles.get(customer.as_str()).and_then(|p| {
                p.customer.clone().map(|c| Customer {
                    marketing_consent: p.consent.granted,
                    ..c
                })
            }),
        ))
    }

    async fn return_with_customer(
        &self,
        id: &ReturnId,
        customer: &CustomerId,
    ) -> Result<(Option<Return>, Option<Customer>)> {
        let world = self.call("return_with_customer");
        Ok((
            world.returns.get(id.as_str()).cloned(),
            world
                .profiles
                .get(customer.as_str())
                .and_then(|p| p.customer.clone()),
        ))
    }

    async fn owner(&self, owner: &Owner) -> Result<Option<CustomerId>> {
        let world = self.call("owner");
        Ok(match owner {
            Owner::Order(id) => world.orders.get(id.as_str()).map(|o| o.customer_id.clone()),
            Owner::Return(id) => world
                .returns
                .get(id.as_str())
                .map(|r| r.customer_id.clone()),
        })
    }

    async fn returned(&self, customer: &CustomerId, order: &OrderId) -> Result<bool> {
        let world = self.call("returned");
        Ok(world
            .returns
            .values()
            .any(|r| r.customer_id == *customer && r.order_id == *order))
    }
}

impl DueIndex for MemoryStore {
    fn shards(&self) -> u32 {
        1
    }

    async fn due(
        &self,
        _shard: u32,
        now: Timestamp,
        _after: Option<DueCursor>,
        _limit: i32,
    ) -> Result<DuePage> {
        // Held messages only, all in one page: the sweep over tickets is
        // proven against the emulator.
        let world = self.call("due");
        let mut entries: Vec<(Timestamp, String)> = world
            .held
            .values()
            .filter(|m| m.due <= now)
            .map(|m| (m.due, m.id.clone()))
            .collect();
        entries.sort();
        Ok(DuePage {
            entries: entries
                .into_iter()
                .map(|(_, id)| DueEntry::Message { id, seen: None })
                .collect(),
            next: None,
        })
    }

    async fn mark(&self, ticket: &Ticket) -> Result<bool> {
        let mut world = self.call("mark");
        match world.tickets.get_mut(ticket.number.as_str()) {
            Some(stored) if stored.version == ticket.version => {
                *stored = ticket.clone();
                stored.version += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn schedule(&self, message: &ScheduledMessage) -> Result<()> {
        self.call("schedule")
            .held
            .insert(message.id.clone(), message.clone());
        Ok(())
    }

    async fn scheduled(&self, id: &str) -> Result<Option<ScheduledMessage>> {
        Ok(self.call("scheduled").held.get(id).cloned())
    }

    async fn unschedule(&self, sent: &[(String, Timestamp)]) -> Result<()> {
        let mut world = self.call("unschedule");
        for (id, due) in sent {
            if world.held.get(id).is_some_and(|m| m.due == *due) {
                world.held.remove(id);
            }
        }
        Ok(())
    }
}

impl TicketStore for MemoryStore {
    async fn ticket(&self, number: &TicketNumber) -> Result<Option<Ticket>> {
        Ok(self.call("ticket").tickets.get(number.as_str()).cloned())
    }

    async fn save(&self, ticket: &Ticket) -> Result<bool> {
        let mut world = self.call("save");
        let current = world.tickets.get(ticket.number.as_str()).map(|t| t.version);
        if current != Some(ticket.version) {
            return Ok(false);
        }
        let mut stored = ticket.clone();
        stored.version += 1;
        world
            .tickets
            .insert(ticket.number.as_str().to_owned(), stored);
        Ok(true)
    }

    async fn tickets_between(
        &self,
        customer: &CustomerId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<PastTicket>> {
        let world = self.call("tickets_between");
        Ok(world
            .tickets
            .values()
            .filter(|t| t.customer_id == *customer && (from..=to).contains(&t.opened_at))
            .map(|t| PastTicket {
                number: t.number.clone(),
                origin: t.origin,
                opened_at: t.opened_at,
                status: t.status,
                survey: t.survey,
            })
            .collect())
    }

    async fn open(&self, ticket: &Ticket) -> Result<OpenOutcome> {
        let mut world = self.call("open");
        let key = ticket_cause(&ticket.customer_id, ticket.origin, &ticket.source_event);
        if let Some(existing) = world
            .ticket_causes
            .get(&key)
            .and_then(|n| world.tickets.get(n))
        {
            return Ok(OpenOutcome::AlreadyOpened(existing.clone()));
        }
        if world.tickets.contains_key(ticket.number.as_str()) {
            return Ok(OpenOutcome::NumberTaken);
        }
        world.apply(&no_lease(), &[Write::Ticket(Box::new(ticket.clone()))]);
        Ok(OpenOutcome::Opened(ticket.clone()))
    }

    async fn ticket_with_customer(
        &self,
        number: &TicketNumber,
        customer: &CustomerId,
    ) -> Result<(Option<Ticket>, Option<Customer>)> {
        let world = self.call("ticket_with_customer");
        Ok((
            world.tickets.get(number.as_str()).cloned(),
            world
                .profiles
                .get(customer.as_str())
                .and_then(|p| p.customer.clone()),
        ))
    }

    async fn thread_message(
        &self,
        customer: &CustomerId,
        ticket: &TicketNumber,
        message: u32,
    ) -> Result<Option<ThreadMessage>> {
        let world = self.call("thread_message");
        Ok(world
            .messages
            .get(&(ticket.as_str().to_owned(), message))
            .filter(|m| m.customer_id == *customer)
            .cloned())
    }

    async fn opened_for(
        &self,
        customer: &CustomerId,
        origin: Origin,
        source_event: &str,
    ) -> Result<Option<Ticket>> {
        let world = self.call("opened_for");
        Ok(world
            .ticket_causes
            .get(&ticket_cause(customer, origin, source_event))
            .and_then(|n| world.tickets.get(n))
            .cloned())
    }
}

impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        key: &WorkKey,
        _lease_until: Timestamp,
        _now: Timestamp,
        _expires_at: Timestamp,
    ) -> Result<Claim> {
        let mut world = self.call("claim");
        match world.claims.get(key) {
            Some(result) => Ok(Claim::Done(result.clone())),
            None => {
                world.claims.insert(key.clone(), None);
                Ok(Claim::Acquired)
            }
        }
    }

    async fn complete(&self, key: &WorkKey, result: Option<&str>, _: Timestamp) -> Result<()> {
        self.call("complete")
            .claims
            .insert(key.clone(), result.map(str::to_owned));
        Ok(())
    }

    async fn release(&self, key: &WorkKey) -> Result<()> {
        self.call("release_claim").claims.remove(key);
        Ok(())
    }
}

impl StatsStore for MemoryStore {
    async fn add(&self, week: Week, amounts: &[(String, i64)]) -> Result<()> {
        let mut world = self.call("add");
        let counters = world.counters.entry(week).or_default();
        for (name, amount) in amounts {
            *counters.entry(name.clone()).or_default() += amount;
        }
        Ok(())
    }

    async fn counters(&self, week: Week) -> Result<Counters> {
        let world = self.call("counters");
        Ok(Counters(
            world.counters.get(&week).cloned().unwrap_or_default(),
        ))
    }
}

/// The shop's store in memory: the codes memnun registered, codes the shop
/// made itself, and failures on demand.
#[derive(Debug, Default)]
pub struct MemoryRegistry {
    state: Mutex<RegistryState>,
}

#[derive(Debug, Default)]
struct RegistryState {
    registered: Vec<String>,
    shop_codes: HashSet<String>,
    shop_takes: usize,
    failing: usize,
    calls: usize,
}

impl MemoryRegistry {
    fn state(&self) -> MutexGuard<'_, RegistryState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The codes memnun registered, in order.
    pub fn registered(&self) -> Vec<String> {
        self.state().registered.clone()
    }

    /// How many times a registration was asked for.
    pub fn calls(&self) -> usize {
        self.state().calls
    }

    /// The codes the shop has of its own.
    pub fn shop_codes(&self) -> Vec<String> {
        self.state().shop_codes.iter().cloned().collect()
    }

    /// The shop made `code` itself.
    pub fn taken_by_shop(&self, code: &str) {
        self.state().shop_codes.insert(code.to_owned());
    }

    /// The shop has the next `n` codes memnun asks for already.
    pub fn shop_takes_next(&self, n: usize) {
        self.state().shop_takes = n;
    }

    /// Fails the next `n` registrations, as a store that is down would.
    pub fn fail_next(&self, n: usize) {
        self.state().failing = n;
    }
}

impl CouponRegistry for MemoryRegistry {
    async fn register(&self, coupon: &Coupon, _holder: Holder<'_>) -> Result<Registered> {
        let mut state = self.state();
        state.calls += 1;
        if state.failing > 0 {
            state.failing -= 1;
            return Err(crate::Error::Platform {
                platform: "memory",
                operation: "register",
                reason: "answered 503".into(),
                permanent: false,
            });
        }
        let code = coupon.code.as_str().to_owned();
        if state.shop_takes > 0 && !state.registered.contains(&code) {
            state.shop_takes -= 1;
            state.shop_codes.insert(code.clone());
        }
        if state.shop_codes.contains(&code) {
            return Ok(Registered::Taken);
        }
        if state.registered.contains(&code) {
            return Ok(Registered::Before);
        }
        state.registered.push(code);
        Ok(Registered::Now)
    }
}

/// The shop's help desk in memory: the tickets opened, their notes and
/// priorities.
///
/// Each call lets others run before it acts, as a real desk's round trip
/// does, and counts the calls that found another on the same ticket still
/// under way: a desk whose updates replace (Freshdesk's tags) loses one of
/// two such writes.
#[derive(Debug, Default)]
pub struct MemoryDesk {
    tickets: Mutex<Vec<DeskEntry>>,
    busy: Mutex<Vec<TicketNumber>>,
    overlaps: std::sync::atomic::AtomicUsize,
}

/// A call on one ticket under way in [`MemoryDesk`].
struct Visit<'a> {
    desk: &'a MemoryDesk,
    number: TicketNumber,
}

impl Drop for Visit<'_> {
    fn drop(&mut self) {
        let mut busy = self
            .desk
            .busy
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = busy.iter().position(|n| *n == self.number) {
            busy.swap_remove(i);
        }
    }
}

/// A ticket as [`MemoryDesk`] holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskEntry {
    /// What memnun opened.
    pub ticket: DeskTicket,
    /// Its notes, in order.
    pub notes: Vec<String>,
    /// Its priority now.
    pub priority: Priority,
    /// The deadlines it was raised for.
    pub raised_for: Vec<Goal>,
    /// The customer's later messages, by place.
    pub comments: Vec<(u32, String)>,
    /// Why memnun closed it, if it did.
    pub closed: Option<crate::domain::ticket::ResolvedAs>,
}

impl MemoryDesk {
    /// The desk's tickets, in the order opened.
    pub fn tickets(&self) -> Vec<DeskEntry> {
        self.tickets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many calls began while another on the same ticket was under way.
    pub fn overlaps(&self) -> usize {
        self.overlaps.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Marks a call on `number` under way until the answer is dropped, and
    /// yields once, so that calls made side by side do overlap here.
    async fn visit(&self, number: &TicketNumber) -> Visit<'_> {
        {
            let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
            if busy.contains(number) {
                self.overlaps
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            busy.push(number.clone());
        }
        tokio::task::yield_now().await;
        Visit {
            desk: self,
            number: number.clone(),
        }
    }
}

/// The desk's ticket for memnun's `number`, as a desk answers a look-up.
fn desk_entry<'a>(
    tickets: &'a mut [DeskEntry],
    number: &TicketNumber,
) -> Result<&'a mut DeskEntry> {
    tickets
        .iter_mut()
        .find(|e| e.ticket.number == *number)
        .ok_or_else(|| crate::Error::NotFound(format!("the help desk's ticket for {number}")))
}

impl HelpDesk for MemoryDesk {
    async fn open(&self, ticket: &DeskTicket) -> Result<DeskOpened> {
        let _visit = self.visit(&ticket.number).await;
        let mut tickets = self.tickets.lock().unwrap_or_else(PoisonError::into_inner);
        if tickets.iter().any(|e| e.ticket.number == ticket.number) {
            return Ok(DeskOpened::Before);
        }
        tickets.push(DeskEntry {
            ticket: ticket.clone(),
            notes: vec![ticket.note.clone()],
            priority: ticket.priority,
            raised_for: Vec::new(),
            comments: Vec::new(),
            closed: None,
        });
        Ok(DeskOpened::Now)
    }

    async fn close(
        &self,
        number: &TicketNumber,
        resolved_as: crate::domain::ticket::ResolvedAs,
        note: &str,
    ) -> Result<bool> {
        let _visit = self.visit(number).await;
        let mut tickets = self.tickets.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = desk_entry(&mut tickets, number)?;
        if entry.closed.is_some() {
            return Ok(false);
        }
        entry.closed = Some(resolved_as);
        entry.notes.push(note.to_owned());
        Ok(true)
    }

    async fn comment(&self, number: &TicketNumber, message: u32, body: &str) -> Result<bool> {
        let _visit = self.visit(number).await;
        let mut tickets = self.tickets.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = desk_entry(&mut tickets, number)?;
        if entry.comments.iter().any(|(n, _)| *n == message) {
            return Ok(false);
        }
        entry.comments.push((message, body.to_owned()));
        Ok(true)
    }

    async fn escalate(
        &self,
        number: &TicketNumber,
        missed: Goal,
        priority: Priority,
        note: &str,
    ) -> Result<bool> {
        let _visit = self.visit(number).await;
        let mut tickets = self.tickets.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = desk_entry(&mut tickets, number)?;
        if entry.raised_for.contains(&missed) {
            return Ok(false);
        }
        entry.raised_for.push(missed);
        entry.priority = priority;
        entry.notes.push(note.to_owned());
        Ok(true)
    }
}

/// A mailer that keeps what it sends.
#[derive(Debug, Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<OutgoingEmail>>,
    failing: std::sync::atomic::AtomicUsize,
}

impl MemoryMailer {
    /// Everything sent, in order.
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Fails the next `n` sends, as SES unreachable would.
    pub fn fail_next(&self, n: usize) {
        self.failing.store(n, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Mailer for MemoryMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String> {
        use std::sync::atomic::Ordering;
        if self
            .failing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(crate::Error::Aws {
                service: "ses",
                operation: "SendEmail",
                message: "unreachable (memory mailer)".into(),
                permanent: false,
            });
        }
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        sent.push(email.clone());
        Ok(format!("memory-{}", sent.len()))
    }
}

/// A publisher that keeps what it publishes.
#[derive(Debug, Default)]
pub struct MemoryPublisher {
    published: Mutex<Vec<OutboundMessage>>,
}

impl MemoryPublisher {
    /// Everything published, in order.
    pub fn published(&self) -> Vec<OutboundMessage> {
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Publisher for MemoryPublisher {
    async fn publish(&self, _: &str, messages: &[OutboundMessage]) -> Result<()> {
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(messages);
        Ok(())
    }

    async fn publish_each(&self, queue_url: &str, messages: &[OutboundMessage]) -> Vec<bool> {
        let ok = self.publish(queue_url, messages).await.is_ok();
        vec![ok; messages.len()]
    }
}
