//! A 1–5 score: a product review's stars or a satisfaction answer.

use std::fmt;

/// A whole number of stars from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rating(u8);

impl Rating {
    /// Accepts 1 to 5.
    pub fn new(stars: u8) -> Option<Self> {
        (1..=5).contains(&stars).then_some(Rating(stars))
    }

    /// The number of stars.
    pub fn stars(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
