//! The closed vocabularies of a ticket: what it is about, how urgent it is,
//! where it came from and stands, through which channel, who wrote.
//!
//! Each is an enum with a stable name for events and records
//! (`as_str`/`parse`). They live apart from [`crate::domain::ticket`] so
//! that the SLA clocks, which depend on a priority, need not depend on the
//! ticket that carries them.

use std::fmt;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in events and records.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads [`Self::as_str`] back.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// What a ticket is about.
    Category {
        /// Late or lost delivery.
        Delivery => "delivery",
        /// Arrived broken.
        Damaged => "damaged",
        /// Not what was ordered.
        WrongItem => "wrong_item",
        /// Wants to return or exchange.
        ReturnExchange => "return_exchange",
        /// Unhappy with the product itself.
        Quality => "quality",
        /// Charged wrongly, refund missing.
        Payment => "payment",
        /// Anything else.
        Other => "other",
    }
);

named_enum!(
    /// How soon the ticket must be handled.
    Priority {
        /// Within the hour.
        Urgent => "urgent",
        /// Today.
        High => "high",
        /// The normal pace.
        Normal => "normal",
        /// When there is time.
        Low => "low",
    }
);

named_enum!(
    /// Where a ticket came from.
    Origin {
        /// A complaint through any channel.
        Complaint => "complaint",
        /// A follow-up to a low product review.
        NegativeReview => "negative_review",
        /// A follow-up to a low satisfaction rating.
        LowSatisfaction => "low_satisfaction",
        /// A customer's return or exchange request, for the team to handle.
        ReturnRequest => "return_request",
    }
);

named_enum!(
    /// Where a ticket stands.
    Status {
        /// Waiting for the team.
        Open => "open",
        /// Waiting for the customer (the resolution clock is paused).
        WaitingOnCustomer => "waiting_on_customer",
        /// Done.
        Resolved => "resolved",
    }
);

named_enum!(
    /// Where a complaint was made.
    Channel {
        /// By email.
        Email => "email",
        /// Through the shop's web form.
        Web => "web",
        /// On social media.
        Social => "social",
        /// On the phone (logged by an agent).
        Phone => "phone",
        /// In a chat.
        Chat => "chat",
    }
);

named_enum!(
    /// Who wrote a reply on a ticket.
    Author {
        /// Someone in the support team.
        Agent => "agent",
        /// The customer.
        Customer => "customer",
    }
);

named_enum!(
    /// How a ticket was resolved when nobody of the team resolved it.
    ResolvedAs {
        /// It waited on the customer past `AutoResolveDays` without an
        /// answer ([`crate::domain::waiting`]).
        NoReply => "no_reply",
        /// The customer said a self-service answer answered it.
        SelfServed => "self_served",
    }
);
