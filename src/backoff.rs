//! Exponential backoff with jitter, so that many pollers failing together do not retry in step.

use std::time::Duration;

use rand::Rng;

/// Delays that double from `base` up to `cap`. Each delay is drawn from the upper half of the
/// current step, so a retry never follows at once and a crowd of retries spreads out.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff { base, cap, failures: 0 }
    }

    /// Returns the next delay and counts one more failure.
    pub fn next_delay(&mut self) -> Duration {
        let step = self
            .base
            .saturating_mul(2u32.saturating_pow(self.failures.min(20)))
            .min(self.cap);
        self.failures = self.failures.saturating_add(1);

        let half = step / 2;
        half + rand::rng().random_range(Duration::ZERO..=half)
    }

    /// Failures since the last reset.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_within_cap() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let delays: Vec<Duration> = (0..10).map(|_| backoff.next_delay()).collect();

        assert!(delays[0] >= Duration::from_millis(50));
        assert!(delays[0] <= Duration::from_millis(100));
        assert!(delays[3] >= Duration::from_millis(400));
        for delay in &delays {
            assert!(*delay <= Duration::from_secs(2));
        }
        assert!(delays[9] >= Duration::from_secs(1));
    }

    #[test]
    fn reset_starts_over() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        for _ in 0..5 {
            backoff.next_delay();
        }
        assert_eq!(backoff.failures(), 5);

        backoff.reset();

        assert_eq!(backoff.failures(), 0);
        assert!(backoff.next_delay() <= Duration::from_millis(100));
    }
}
