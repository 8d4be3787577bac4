//! The customer's history, summed up for the agent who takes a new ticket:
//! their requests and coupons of the last 90 days, their last satisfaction
//! score, their orders and where the last one stands.
//!
//! Why a summary and not the records: an agent reads it in the seconds
//! before answering, in the help desk's note or in `ticket.opened`; it must
//! be short, the same in every help desk, and say nothing a ticket does not
//! need (no addresses, no codes, no message text). It is taken when the
//! ticket opens, from what the store read for the ticket anyway (the
//! customer's partition and their tickets in the customer index), so it
//! costs the flow no call of its own. A past ticket's number is in it, so
//! the agent can open that ticket; its text is not.

use jiff::{SignedDuration, Timestamp};

use crate::domain::coupon::CouponReason;
use crate::domain::locale::Locale;
use crate::domain::order::{OrderId, Stage};
use crate::domain::rating::Rating;
use crate::domain::ticket::{Origin, Status, TicketNumber};

/// How far back the tickets and coupons of the summary reach.
pub const WINDOW: SignedDuration = SignedDuration::from_hours(90 * 24);

/// How many open tickets the summary names (the count says the rest).
pub const NAMED_OPEN: usize = 5;

/// One of the customer's tickets, as the customer index carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastTicket {
    /// Its number.
    pub number: TicketNumber,
    /// What opened it.
    pub origin: Origin,
    /// When.
    pub opened_at: Timestamp,
    /// Where it stands.
    pub status: Status,
    /// The satisfaction score given for it, and when.
    pub survey: Option<(Rating, Timestamp)>,
}

/// One of the customer's coupons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastCoupon {
    /// Why it was given.
    pub reason: CouponReason,
    /// When.
    pub issued_at: Timestamp,
}

/// One of the customer's orders, as its link in the customer's partition
/// carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastOrder {
    /// The shop's id.
    pub id: OrderId,
    /// Where it stands; `None` on a link written before links carried it.
    pub stage: Option<Stage>,
    /// When it was placed, when known.
    pub placed_at: Option<Timestamp>,
}

/// The customer's coupons and orders, read with their contact details.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Every coupon of the customer.
    pub coupons: Vec<PastCoupon>,
    /// Every order memnun has heard of.
    pub orders: Vec<PastOrder>,
    /// The ticket last opened about each order the customer wrote about
    /// (open or not: [`crate::domain::thread`] reads it to join a new
    /// complaint about the same order).
    pub order_tickets: Vec<OrderTicket>,
}

/// The ticket last opened about an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTicket {
    /// The order, as the ticket names it.
    pub order_id: String,
    /// The ticket.
    pub number: TicketNumber,
}

/// The summary an agent reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// The start of the window (90 days before the ticket).
    pub since: Timestamp,
    /// Tickets opened in the window, the new one not counted.
    pub tickets: u32,
    /// Of those, the ones still open (at most [`NAMED_OPEN`], newest
    /// first).
    pub open: Vec<TicketNumber>,
    /// How many of them are open in all.
    pub open_count: u32,
    /// Coupons given in the window.
    pub coupons: u32,
    /// The last satisfaction score in the window, and when it was given.
    pub last_csat: Option<(Rating, Timestamp)>,
    /// Orders memnun has heard of.
    pub orders: u32,
    /// The most recently placed of them.
    pub last_order: Option<PastOrder>,
}

impl History {
    /// Sums up what was read, as of `now`. `tickets` are those opened since
    /// `now - WINDOW` (the customer index read by time); the ticket being
    /// opened is not among them yet.
    pub fn summarise(now: Timestamp, tickets: &[PastTicket], footprint: &Footprint) -> History {
        let since = now.checked_sub(WINDOW).unwrap_or(Timestamp::MIN);
        let in_window = |at: Timestamp| since <= at && at <= now;
        let mut open: Vec<&PastTicket> = tickets
            .iter()
            .filter(|t| t.status != Status::Resolved)
            .collect();
        open.sort_by_key(|t| std::cmp::Reverse(t.opened_at));
        let last_csat = tickets
            .iter()
            .filter_map(|t| t.survey)
            .filter(|(_, at)| in_window(*at))
            .max_by_key(|(_, at)| *at);
        let last_order = footprint
            .orders
            .iter()
            .max_by(|a, b| a.placed_at.cmp(&b.placed_at).then_with(|| a.id.cmp(&b.id)))
            .cloned();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        History {
            since,
            tickets: count(tickets.iter().filter(|t| in_window(t.opened_at)).count()),
            open_count: count(open.len()),
            open: open
                .iter()
                .take(NAMED_OPEN)
                .map(|t| t.number.clone())
                .collect(),
            coupons: count(
                footprint
                    .coupons
                    .iter()
                    .filter(|c| in_window(c.issued_at))
                    .count(),
            ),
            last_csat,
            orders: count(footprint.orders.len()),
            last_order,
        }
    }

    /// Whether there is anything to tell: a first-time customer's summary
    /// is one line.
    pub fn is_empty(&self) -> bool {
        self.tickets == 0
            && self.open_count == 0
            && self.coupons == 0
            && self.last_csat.is_none()
            && self.orders == 0
    }

    /// The summary as the internal note on the help desk's ticket, in the
    /// team's language: plain text, one fact a line.
    pub fn note(&self, locale: Locale) -> String {
        let tr = locale == Locale::Tr;
        let mut lines = vec![if tr {
            "memnun: müşterinin geçmişi (son 90 gün)".to_owned()
        } else {
            "memnun: the customer's history (last 90 days)".to_owned()
        }];
        if self.is_empty() {
            lines.push(if tr {
                "İlk talebi: önceki talep, kupon veya sipariş yok.".to_owned()
            } else {
                "First request: no earlier tickets, coupons or orders.".to_owned()
            });
            return lines.join("\n");
        }
        let open = if self.open.is_empty() {
            String::new()
        } else {
            let mut named = self
                .open
                .iter()
                .map(TicketNumber::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            if self.open_count as usize > self.open.len() {
                named.push_str(", …");
            }
            named
        };
        lines.push(match (tr, self.open_count) {
            (true, 0) => format!("Talepler: {}, hiçbiri açık değil", self.tickets),
            (true, n) => format!("Talepler: {}, açık: {n} ({open})", self.tickets),
            (false, 0) => format!("Tickets: {}, none open", self.tickets),
            (false, n) => format!("Tickets: {}, open: {n} ({open})", self.tickets),
        });
        lines.push(if tr {
            format!("Kuponlar: {}", self.coupons)
        } else {
            format!("Coupons: {}", self.coupons)
        });
        lines.push(match (tr, self.last_csat) {
            (true, None) => "Son memnuniyet puanı: yok".to_owned(),
            (false, None) => "Last satisfaction score: none".to_owned(),
            (true, Some((r, at))) => format!(
                "Son memnuniyet puanı: {}/5 ({})",
                r.stars(),
                at.strftime("%Y-%m-%d")
            ),
            (false, Some((r, at))) => format!(
                "Last satisfaction score: {}/5 ({})",
                r.stars(),
                at.strftime("%Y-%m-%d")
            ),
        });
        let last = self.last_order.as_ref().map(|o| {
            let stage = o.stage.map(|s| stage_name(s, tr)).unwrap_or("?");
            let placed = o
                .placed_at
                .map(|at| format!(", {}", at.strftime("%Y-%m-%d")))
                .unwrap_or_default();
            format!("{} ({stage}{placed})", o.id.as_str())
        });
        lines.push(match (tr, last) {
            (true, None) => format!("Siparişler: {}", self.orders),
            (false, None) => format!("Orders: {}", self.orders),
            (true, Some(last)) => format!("Siparişler: {}, son: {last}", self.orders),
            (false, Some(last)) => format!("Orders: {}, last: {last}", self.orders),
        });
        lines.join("\n")
    }
}

fn stage_name(stage: Stage, tr: bool) -> &'static str {
    match (stage, tr) {
        (Stage::Placed, true) => "verildi",
        (Stage::Shipped, true) => "kargoda",
        (Stage::Delivered, true) => "teslim edildi",
        (Stage::Cancelled, true) => "iptal",
        (Stage::Placed, false) => "placed",
        (Stage::Shipped, false) => "shipped",
        (Stage::Delivered, false) => "delivered",
        (Stage::Cancelled, false) => "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn ticket(n: &str, opened: &str, status: Status, score: Option<(u8, &str)>) -> PastTicket {
        PastTicket {
            number: TicketNumber::parse(n).unwrap(),
            origin: Origin::Complaint,
            opened_at: at(opened),
            status,
            survey: score.map(|(s, t)| (Rating::new(s).unwrap(), at(t))),
        }
    }

    #[test]
    fn the_window_the_open_tickets_the_last_score_and_the_last_order() {
        let now = at("2026-12-01T10:00:00Z");
        let tickets = [
            ticket(
                "TK-1111-2222",
                "2026-09-10T10:00:00Z",
                Status::Resolved,
                Some((2, "2026-09-12T10:00:00Z")),
            ),
            ticket(
                "TK-3333-4444",
                "2026-11-20T10:00:00Z",
                Status::Resolved,
                Some((4, "2026-11-22T10:00:00Z")),
            ),
            ticket(
                "TK-5555-6666",
                "2026-11-28T10:00:00Z",
                Status::WaitingOnCustomer,
                None,
            ),
        ];
        let footprint = Footprint {
            coupons: vec![
                PastCoupon {
                    reason: CouponReason::Birthday,
                    issued_at: at("2026-03-01T09:00:00Z"),
                },
                PastCoupon {
                    reason: CouponReason::NegativeReview,
                    issued_at: at("2026-11-21T09:00:00Z"),
                },
            ],
            orders: vec![
                PastOrder {
                    id: OrderId::parse("1001").unwrap(),
                    stage: Some(Stage::Delivered),
                    placed_at: Some(at("2026-10-01T09:00:00Z")),
                },
                PastOrder {
                    id: OrderId::parse("1002").unwrap(),
                    stage: Some(Stage::Shipped),
                    placed_at: Some(at("2026-11-25T09:00:00Z")),
                },
            ],
            order_tickets: Vec::new(),
        };
        let h = History::summarise(now, &tickets, &footprint);
        assert_eq!(h.tickets, 3, "2026-09-10 is inside 90 days");
        assert_eq!(h.open_count, 1);
        assert_eq!(h.open, [TicketNumber::parse("TK-5555-6666").unwrap()]);
        assert_eq!(h.coupons, 1, "the March birthday coupon is outside");
        assert_eq!(h.last_csat.map(|(r, _)| r.stars()), Some(4));
        assert_eq!(h.orders, 2);
        assert_eq!(h.last_order.as_ref().unwrap().id.as_str(), "1002");
        let en = h.note(Locale::En);
        assert!(en.contains("Tickets: 3, open: 1 (TK-5555-6666)"), "{en}");
        assert!(
            en.contains("Last satisfaction score: 4/5 (2026-11-22)"),
            "{en}"
        );
        assert!(
            en.contains("Orders: 2, last: 1002 (shipped, 2026-11-25)"),
            "{en}"
        );
        let tr = h.note(Locale::Tr);
        assert!(tr.contains("son: 1002 (kargoda, 2026-11-25)"), "{tr}");
    }

    #[test]
    fn a_first_request_says_so_in_one_line() {
        let h = History::summarise(at("2026-12-01T10:00:00Z"), &[], &Footprint::default());
        assert!(h.is_empty());
        assert!(
            h.note(Locale::En)
                .ends_with("First request: no earlier tickets, coupons or orders.")
        );
    }
}
