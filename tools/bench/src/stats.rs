//! Median and 99th percentile of a set of runs.

use serde::Serialize;

/// A summary of measured values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// The median.
    pub median: f64,
    /// The 99th percentile (nearest rank: with 30 runs, the largest).
    pub p99: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// How many values.
    pub n: usize,
}

/// Summarises `values`; `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    // Nearest rank: the smallest value with at least 99 % at or below it.
    let rank = (0.99 * n as f64).ceil() as usize;
    let p99 = sorted[rank.clamp(1, n) - 1];
    Some(Summary {
        median,
        p99,
        min: sorted[0],
        max: sorted[n - 1],
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_nearest_rank_p99() {
        let s = summarize(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.median, s.p99, s.min, s.max), (3.0, 5.0, 1.0, 5.0));
        let values: Vec<f64> = (1..=200).map(f64::from).collect();
        let s = summarize(&values).unwrap();
        assert_eq!((s.median, s.p99), (100.5, 198.0));
        assert!(summarize(&[]).is_none());
    }
}
