//! Which queue each event type travels on.
//!
//! One queue per consuming function, so a burst of one kind (a review
//! campaign) never delays another (complaints) and each function's
//! concurrency can be set on its own. The HTTP edge and the local run both
//! route with this table; the template creates the queues.

/// A queue that carries incoming events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `review.posted` → review-responder.
    Reviews,
    /// Complaints and everything that happens to tickets → complaint-intake.
    Tickets,
    /// `customer.upserted` → the customer directory.
    Customers,
    /// The order journey (`order.*`, `return.*`, `refund.issued`,
    /// `exchange.shipped`) → order-journey.
    Orders,
}

impl Route {
    /// Every route.
    pub const ALL: &'static [Route] = &[
        Route::Reviews,
        Route::Tickets,
        Route::Customers,
        Route::Orders,
    ];

    /// The queue for an event type, if memnun accepts the type.
    pub fn for_type(kind: &str) -> Option<Route> {
        match kind {
            "review.posted" => Some(Route::Reviews),
            "complaint.created" | "ticket.replied" | "ticket.resolved" | "survey.answered"
            | "ticket.self_served" => Some(Route::Tickets),
            "customer.upserted" => Some(Route::Customers),
            "order.placed" | "order.shipped" | "order.delivered" | "order.cancelled"
            | "order.delayed" | "return.requested" | "return.approved" | "return.rejected"
            | "return.received" | "refund.issued" | "exchange.shipped" => Some(Route::Orders),
            _ => None,
        }
    }

    /// The queue's short name (`reviews`), as the local run and the tests call it.
    pub fn queue_name(self) -> &'static str {
        match self {
            Route::Reviews => "reviews",
            Route::Tickets => "tickets",
            Route::Customers => "customers",
            Route::Orders => "orders",
        }
    }

    /// The variable that carries the queue's URL to a function that sends to it.
    pub fn url_variable(self) -> &'static str {
        match self {
            Route::Reviews => "REVIEWS_QUEUE_URL",
            Route::Tickets => "TICKETS_QUEUE_URL",
            Route::Customers => "CUSTOMERS_QUEUE_URL",
            Route::Orders => "ORDERS_QUEUE_URL",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_type_has_a_route() {
        for kind in [
            "customer.upserted",
            "complaint.created",
            "ticket.replied",
            "ticket.resolved",
            "survey.answered",
            "ticket.self_served",
            "review.posted",
            "order.delayed",
            "order.placed",
            "order.shipped",
            "order.delivered",
            "order.cancelled",
            "return.requested",
            "return.approved",
            "return.rejected",
            "return.received",
            "refund.issued",
            "exchange.shipped",
        ] {
            assert!(Route::for_type(kind).is_some(), "{kind}");
        }
        assert_eq!(Route::for_type("sla.breached"), None);
    }
}
