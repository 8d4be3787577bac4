//! An order's journey as memnun knows it: placed, shipped, delivered or
//! cancelled, and what each event tells the customer.
//!
//! Events arrive in any order: SQS reorders, shops retry, and a platform may
//! send "shipped" before "placed". So the record is built by merging, never
//! by replacing: each event adds what it knows, a later step is never undone
//! by an earlier one arriving late, and the customer is only told of a step
//! when the order has not already passed it (no "your order is on its way"
//! after it was delivered or cancelled). Times come from the events, so a
//! replay builds the same record.
//!
//! **The promise.** An order is promised for the latest of the day the shop
//! promised at checkout, the carrier's estimate and the new date of an
//! `order.delayed` ([`Order::promise`]): a later date moves it, an earlier
//! one never does. A late order is apologised to once ([`Order::apologized`]),
//! whether the shop said so (`order.delayed`) or memnun found the promise
//! broken itself ([`Lateness`]).

use jiff::Timestamp;
use jiff::civil::Date;

use crate::domain::customer::CustomerId;
use crate::domain::returns::Refund;
use crate::domain::watch::Watch;

/// A shop's id for one of its records (an order, a return): 1 to 128 bytes,
/// without control characters.
pub(crate) fn shop_id(s: &str) -> Result<String, String> {
    if s.is_empty() || s.len() > 128 {
        return Err("must be 1 to 128 bytes".into());
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_owned())
}

/// The shop's id for an order: printable, without control characters, at
/// most 128 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderId(String);

impl OrderId {
    /// Validates a producer-supplied id.
    pub fn parse(s: &str) -> Result<Self, String> {
        shop_id(s).map(OrderId)
    }

    /// The id as the shop wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an order stands. The order of the variants is the journey's:
/// a step is only ever followed by a later one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Heard of only through a later event so far, or placed.
    Placed,
    /// Handed to a carrier.
    Shipped,
    /// In the customer's hands.
    Delivered,
    /// Cancelled before delivery.
    Cancelled,
}

impl Stage {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Placed => "placed",
            Stage::Shipped => "shipped",
            Stage::Delivered => "delivered",
            Stage::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "placed" => Stage::Placed,
            "shipped" => Stage::Shipped,
            "delivered" => Stage::Delivered,
            "cancelled" => Stage::Cancelled,
            _ => return None,
        })
    }
}

/// A shipment: how the customer follows the parcel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shipment {
    /// The carrier's name as the shop gives it.
    pub carrier: Option<String>,
    /// The carrier's tracking number.
    pub tracking_number: Option<String>,
    /// Where to follow the parcel (https only).
    pub tracking_url: Option<String>,
    /// The carrier's estimated delivery date.
    pub estimated_delivery: Option<Date>,
}

/// A line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItem {
    /// The product's id.
    pub product_id: Option<String>,
    /// The product's name as the shop shows it.
    pub name: Option<String>,
    /// How many.
    pub quantity: u32,
}

/// Most lines an order keeps: what a review request lists, never the whole
/// of a wholesale order.
pub const MAX_KEPT_ITEMS: usize = 20;

/// An order as memnun keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Which order.
    pub id: OrderId,
    /// Whose.
    pub customer_id: CustomerId,
    /// The latest step reached.
    pub stage: Stage,
    /// When it was placed (the event's time), once known.
    pub placed_at: Option<Timestamp>,
    /// The day delivery was promised by, at checkout.
    pub promised_date: Option<Date>,
    /// The order's number as the customer knows it (`#1042`), when the shop
    /// gave one: what emails call the order ([`Order::known_as`]).
    pub number: Option<String>,
    /// What was ordered (the first [`MAX_KEPT_ITEMS`] lines), as placed.
    pub items: Vec<OrderItem>,
    /// The latest shipment.
    pub shipment: Option<Shipment>,
    /// When it was shipped.
    pub shipped_at: Option<Timestamp>,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
    /// When it was cancelled.
    pub cancelled_at: Option<Timestamp>,
    /// The latest new date an `order.delayed` gave.
    pub delayed_to: Option<Date>,
    /// When the customer was apologised to for lateness, and who noticed.
    pub apologized: Option<(Timestamp, Lateness)>,
    /// Refunds of the order itself (not of a return), each with when it was
    /// first reported: a cancelled order paid back, a partial refund.
    pub refunds: Vec<(Timestamp, Refund)>,
    /// The journey's clocks that alerted, and when
    /// ([`crate::domain::watch`]): each alerts once.
    pub alerted: Vec<(Watch, Timestamp)>,
    /// The stored version, for optimistic concurrency (0: not stored yet).
    pub version: u64,
}

/// Who noticed an order was late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lateness {
    /// The shop, with `order.delayed`.
    Told,
    /// memnun, when the promised day ended without a delivery.
    Found,
}

impl Lateness {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lateness::Told => "told",
            Lateness::Found => "found",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Lateness> {
        match s {
            "told" => Some(Lateness::Told),
            "found" => Some(Lateness::Found),
            _ => None,
        }
    }
}

/// What an event says happened to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `order.placed`.
    Placed {
        /// The day delivery was promised by.
        promised_date: Option<Date>,
        /// What was ordered.
        items: Vec<OrderItem>,
        /// The number the customer knows it by.
        number: Option<String>,
    },
    /// `order.shipped`.
    Shipped(Shipment),
    /// `order.delivered`.
    Delivered,
    /// `order.cancelled`.
    Cancelled,
    /// `refund.issued` naming no return.
    Refunded(Refund),
    /// `order.delayed`: later than promised.
    Delayed {
        /// The day first promised, as the shop says.
        promised_date: Option<Date>,
        /// The new expected day.
        new_date: Option<Date>,
    },
}

/// What applying a step changed, and what the customer is to be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The record changed; tell the customer of the step (a shipment).
    Tell,
    /// The record changed; nothing to tell (placed, delivered, cancelled,
    /// or a step the order has already passed).
    Recorded,
    /// Nothing new: the record already says it.
    Unchanged,
}

impl Order {
    /// An order first heard of now, through any of its events.
    pub fn new(id: OrderId, customer_id: CustomerId) -> Self {
        Order {
            id,
            customer_id,
            stage: Stage::Placed,
            placed_at: None,
            promised_date: None,
            number: None,
            items: Vec::new(),
            shipment: None,
            shipped_at: None,
            delivered_at: None,
            cancelled_at: None,
            delayed_to: None,
            apologized: None,
            refunds: Vec::new(),
            alerted: Vec::new(),
            version: 0,
        }
    }

    /// The order as the customer knows it: its number (a leading `#`
    /// left off, emails add their own), else the shop's id.
    pub fn known_as(&self) -> &str {
        self.number
            .as_deref()
            .map(|n| n.trim_start_matches('#'))
            .filter(|n| !n.is_empty())
            .unwrap_or(self.id.as_str())
    }

    /// Merges what `step`, an event of time `at`, says. Facts fill gaps and
    /// the stage only moves on; a delivered order is never cancelled after
    /// the fact, and a cancelled one never shipped.
    pub fn apply(&mut self, step: &Step, at: Timestamp) -> Applied {
        let before = self.clone();
        let mut tell = false;
        match step {
            Step::Placed {
                promised_date,
                items,
                number,
            } => {
                self.placed_at.get_or_insert(at);
                if self.number.is_none() {
                    self.number.clone_from(number);
                }
                if self.promised_date.is_none() {
                    self.promised_date = *promised_date;
                }
                if self.items.is_empty() {
                    self.items = items.iter().take(MAX_KEPT_ITEMS).cloned().collect();
                }
            }
            Step::Shipped(shipment) => {
                let new_parcel = self.shipment.as_ref() != Some(shipment);
                if self.shipped_at.is_none() || new_parcel {
                    // The earliest shipping time, the latest parcel details.
                    let first = self.shipped_at.map_or(at, |t| t.min(at));
                    self.shipped_at = Some(first);
                    self.shipment = Some(shipment.clone());
                }
                if self.stage < Stage::Shipped {
                    self.stage = Stage::Shipped;
                }
                // Only a parcel the customer has not heard of, on its way.
                tell = new_parcel && self.stage == Stage::Shipped;
            }
            Step::Delivered => {
                self.delivered_at.get_or_insert(at);
                if self.stage < Stage::Delivered || self.stage == Stage::Cancelled {
                    self.stage = Stage::Delivered;
                }
            }
            Step::Cancelled => {
                self.cancelled_at.get_or_insert(at);
                if self.stage < Stage::Delivered {
                    self.stage = Stage::Cancelled;
                }
            }
            Step::Delayed {
                promised_date,
                new_date,
            } => {
                if self.promised_date.is_none() {
                    self.promised_date = *promised_date;
                }
                if new_date.is_some() && *new_date > self.delayed_to {
                    self.delayed_to = *new_date;
                }
            }
            Step::Refunded(refund) => {
                // A refund is known by its amount and currency: the same
                // report again (a platform's retry) is not news, a second
                // partial refund of another amount is.
                let known = self
                    .refunds
                    .iter()
                    .any(|(_, r)| r.amount == refund.amount && r.currency == refund.currency);
                if !known {
                    self.refunds.push((at, refund.clone()));
                    tell = true;
                }
            }
        }
        if *self == before {
            Applied::Unchanged
        } else if tell {
            Applied::Tell
        } else {
            Applied::Recorded
        }
    }
}

impl Order {
    /// The day the order is promised for: the latest of the checkout's
    /// promise, the carrier's estimate and a delay's new date.
    pub fn promise(&self) -> Option<Date> {
        [
            self.promised_date,
            self.shipment.as_ref().and_then(|s| s.estimated_delivery),
            self.delayed_to,
        ]
        .into_iter()
        .flatten()
        .max()
    }

    /// Whether a late order is still to be apologised to: not yet, and not
    /// delivered or cancelled (the customer has passed that step).
    pub fn apology_due(&self) -> bool {
        self.apologized.is_none() && matches!(self.stage, Stage::Placed | Stage::Shipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> Order {
        Order::new(
            OrderId::parse("1001").unwrap(),
            CustomerId::parse("c-1").unwrap(),
        )
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn parcel(number: &str) -> Shipment {
        Shipment {
            carrier: Some("Yurtiçi Kargo".into()),
            tracking_number: Some(number.into()),
            tracking_url: Some(format!("https://kargo.example/{number}")),
            estimated_delivery: Some(Date::constant(2026, 12, 5)),
        }
    }

    #[test]
    fn a_shipment_is_told_once() {
        let mut o = order();
        let placed = Step::Placed {
            promised_date: Some(Date::constant(2026, 12, 6)),
            number: None,
            items: Vec::new(),
        };
        assert_eq!(
            o.apply(&placed, at("2026-12-01T10:00:00Z")),
            Applied::Recorded
        );
        let shipped = Step::Shipped(parcel("YK1"));
        assert_eq!(o.apply(&shipped, at("2026-12-02T10:00:00Z")), Applied::Tell);
        assert_eq!(
            o.apply(&shipped, at("2026-12-02T10:00:00Z")),
            Applied::Unchanged
        );
        assert_eq!(o.stage, Stage::Shipped);
    }

    #[test]
    fn a_second_parcel_is_told_too() {
        let mut o = order();
        o.apply(&Step::Shipped(parcel("YK1")), at("2026-12-02T10:00:00Z"));
        assert_eq!(
            o.apply(&Step::Shipped(parcel("YK2")), at("2026-12-03T10:00:00Z")),
            Applied::Tell
        );
        assert_eq!(o.shipped_at, Some(at("2026-12-02T10:00:00Z")));
    }

    #[test]
    fn a_late_shipped_after_delivery_is_recorded_not_told() {
        let mut o = order();
        o.apply(&Step::Delivered, at("2026-12-04T10:00:00Z"));
        assert_eq!(
            o.apply(&Step::Shipped(parcel("YK1")), at("2026-12-02T10:00:00Z")),
            Applied::Recorded
        );
        assert_eq!(o.stage, Stage::Delivered);
    }

    #[test]
    fn a_cancelled_order_is_not_told_of_a_shipment() {
        let mut o = order();
        o.apply(&Step::Cancelled, at("2026-12-02T09:00:00Z"));
        assert_eq!(
            o.apply(&Step::Shipped(parcel("YK1")), at("2026-12-02T10:00:00Z")),
            Applied::Recorded
        );
        assert_eq!(o.stage, Stage::Cancelled);
    }

    #[test]
    fn a_delivered_order_stays_delivered() {
        let mut o = order();
        o.apply(&Step::Delivered, at("2026-12-04T10:00:00Z"));
        o.apply(&Step::Cancelled, at("2026-12-05T10:00:00Z"));
        assert_eq!(o.stage, Stage::Delivered);
    }

    #[test]
    fn placed_arriving_last_fills_in_and_moves_nothing_back() {
        let mut o = order();
        o.apply(&Step::Shipped(parcel("YK1")), at("2026-12-02T10:00:00Z"));
        let placed = Step::Placed {
            promised_date: Some(Date::constant(2026, 12, 6)),
            number: None,
            items: Vec::new(),
        };
        assert_eq!(
            o.apply(&placed, at("2026-12-01T10:00:00Z")),
            Applied::Recorded
        );
        assert_eq!(o.stage, Stage::Shipped);
        assert_eq!(o.placed_at, Some(at("2026-12-01T10:00:00Z")));
    }

    #[test]
    fn every_order_of_arrival_ends_in_the_same_record() {
        let steps = [
            (
                Step::Placed {
                    promised_date: Some(Date::constant(2026, 12, 6)),
                    number: None,
                    items: Vec::new(),
                },
                at("2026-12-01T10:00:00Z"),
            ),
            (Step::Shipped(parcel("YK1")), at("2026-12-02T10:00:00Z")),
            (Step::Delivered, at("2026-12-04T10:00:00Z")),
        ];
        let orders = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let records: Vec<Order> = orders
            .iter()
            .map(|sequence| {
                let mut o = order();
                for &i in sequence {
                    o.apply(&steps[i].0, steps[i].1);
                }
                o
            })
            .collect();
        assert!(records.windows(2).all(|w| w[0] == w[1]), "{records:#?}");
        assert_eq!(records[0].stage, Stage::Delivered);
    }

    #[test]
    fn the_promise_is_the_latest_date_heard_and_never_moves_earlier() {
        let mut o = order();
        assert_eq!(o.promise(), None);
        o.apply(
            &Step::Placed {
                promised_date: Some(Date::constant(2026, 12, 6)),
                number: None,
                items: Vec::new(),
            },
            at("2026-12-01T10:00:00Z"),
        );
        assert_eq!(o.promise(), Some(Date::constant(2026, 12, 6)));
        // The carrier expects the 5th: the shop's promise still stands.
        o.apply(&Step::Shipped(parcel("YK1")), at("2026-12-02T10:00:00Z"));
        assert_eq!(o.promise(), Some(Date::constant(2026, 12, 6)));
        let delay = |d| Step::Delayed {
            promised_date: None,
            new_date: Some(d),
        };
        o.apply(
            &delay(Date::constant(2026, 12, 10)),
            at("2026-12-05T10:00:00Z"),
        );
        o.apply(
            &delay(Date::constant(2026, 12, 8)),
            at("2026-12-05T11:00:00Z"),
        );
        assert_eq!(o.promise(), Some(Date::constant(2026, 12, 10)));
        assert!(o.apology_due());
        o.apply(&Step::Delivered, at("2026-12-09T10:00:00Z"));
        assert!(!o.apology_due(), "delivered: nothing to apologise for now");
    }

    #[test]
    fn each_refund_of_an_order_is_told_once() {
        let mut o = order();
        o.apply(&Step::Cancelled, at("2026-12-02T09:00:00Z"));
        let refund = |amount: &str| {
            Step::Refunded(Refund {
                amount: amount.into(),
                currency: "TRY".into(),
                method: None,
            })
        };
        assert_eq!(
            o.apply(&refund("149.90"), at("2026-12-03T09:00:00Z")),
            Applied::Tell
        );
        assert_eq!(
            o.apply(&refund("149.90"), at("2026-12-03T10:00:00Z")),
            Applied::Unchanged,
            "the same refund reported again"
        );
        assert_eq!(
            o.apply(&refund("20.00"), at("2026-12-04T09:00:00Z")),
            Applied::Tell
        );
        assert_eq!(o.refunds.len(), 2);
        assert_eq!(o.stage, Stage::Cancelled);
    }
}
