//! Fault injection: throttled requests, internal failures, connections dropped before or after a
//! request took effect, and added latency, so that clients can be tested against the failures they
//! meet on SWF.
//!
//! Each request draws once: with [`Faults::throttle_share`] it is throttled, with
//! [`Faults::error_share`] it fails with HTTP 500, with [`Faults::drop_share`] its connection is
//! dropped, and otherwise it is served. A dropped request draws again, with even odds, whether the
//! drop comes before the request runs or after it ran and changed the state.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tracing::info;

/// Amount by which the fault shares may add up to more than 1.0, so that decimal shares such as
/// 0.1, 0.2 and 0.7, whose binary sum rounds to just above 1.0, are accepted.
pub const FAULT_SHARE_TOLERANCE: f64 = 1e-9;

/// Settings of fault injection; the default injects nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Share of requests, from 0.0 to 1.0, that fail with HTTP 400 and
    /// `com.amazon.coral.availability#ThrottlingException` ("Rate exceeded"). A throttled request
    /// never runs.
    pub throttle_share: f64,
    /// Share of requests that fail with HTTP 500 and `com.amazon.coral.service#InternalFailure`. Such
    /// a request never runs.
    pub error_share: f64,
    /// Share of requests whose connection is closed without any response. Half of them, chosen at
    /// random, close before the request runs. The other half close after it ran, so its effect stays
    /// and only the response is lost. A poll dropped that way leaves its task started until the task
    /// times out, and a client that retries such a request blindly acts twice.
    pub drop_share: f64,
    /// Delay added before every request is handled, long polls included.
    pub latency: Duration,
    /// Upper bound of a uniformly random delay added on top of `latency`.
    pub latency_jitter: Duration,
    /// Seed of the random choices. With a seed, the same sequence of requests meets the same
    /// faults and delays. Concurrent clients reach the endpoint in varying order, so only a client
    /// that sends one request at a time gets a reproducible run. Without a seed the choices come
    /// from the operating system's randomness.
    pub seed: Option<u64>,
}

impl Faults {
    /// Checks that each share is in 0.0..=1.0 and that together they are at most 1.0, give or
    /// take [`FAULT_SHARE_TOLERANCE`].
    pub fn validate(&self) -> Result<(), String> {
        let shares = [
            ("throttle_share", self.throttle_share),
            ("error_share", self.error_share),
            ("drop_share", self.drop_share),
        ];
        for (name, share) in shares {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("fault {name} {share} is not from 0.0 to 1.0"));
            }
        }

        let total = self.total_share();
        if total > 1.0 + FAULT_SHARE_TOLERANCE {
            return Err(format!(
                "the fault shares add up to {total}, more than 1.0 (all requests)"
            ));
        }
        Ok(())
    }

    /// Returns true when any fault or delay is set.
    pub fn is_active(&self) -> bool {
        self.total_share() > 0.0 || !self.latency.is_zero() || !self.latency_jitter.is_zero()
    }

    fn total_share(&self) -> f64 {
        self.throttle_share + self.error_share + self.drop_share
    }
}

/// The fault injected into one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Injected {
    Throttle,
    InternalFailure,
    /// The connection closes before the request runs.
    DropBeforeEffect,
    /// The request runs, then the connection closes without the response.
    DropAfterEffect,
}

impl Injected {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Injected::Throttle => "throttled",
            Injected::InternalFailure => "internal failure",
            Injected::DropBeforeEffect => "connection dropped before the request ran",
            Injected::DropAfterEffect => "connection dropped after the request ran",
        }
    }

    fn index(self) -> usize {
        match self {
            Injected::Throttle => 0,
            Injected::InternalFailure => 1,
            Injected::DropBeforeEffect => 2,
            Injected::DropAfterEffect => 3,
        }
    }
}

/// The fault and delay drawn for one request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) fault: Option<Injected>,
    pub(crate) delay: Duration,
}

/// Draws each request's fault and counts what was injected.
pub(crate) struct FaultInjector {
    faults: Faults,
    random: Mutex<StdRng>,
    requests: AtomicU64,
    injected: [AtomicU64; 4],
}

impl FaultInjector {
    pub(crate) fn new(faults: &Faults) -> FaultInjector {
        let random = match faults.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        FaultInjector {
            faults: faults.clone(),
            random: Mutex::new(random),
            requests: AtomicU64::new(0),
            injected: Default::default(),
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        self.faults.is_active()
    }

    /// Draws the fault and delay of the next request.
    pub(crate) fn plan(&self) -> Plan {
        if !self.is_active() {
            return Plan {
                fault: None,
                delay: Duration::ZERO,
            };
        }
        self.requests.fetch_add(1, Ordering::Relaxed);

        // The generator's state stays valid even when another thread panicked while holding the lock.
        let mut random = self.random.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let draw: f64 = random.random();
        let faults = &self.faults;
        let fault = if draw < faults.throttle_share {
            Some(Injected::Throttle)
        } else if draw < faults.throttle_share + faults.error_share {
            Some(Injected::InternalFailure)
        } else if draw < faults.total_share() {
            if random.random_bool(0.5) {
                Some(Injected::DropBeforeEffect)
            } else {
                Some(Injected::DropAfterEffect)
            }
        } else {
            None
        };

        let jitter_nanos = u64::try_from(faults.latency_jitter.as_nanos()).unwrap_or(u64::MAX);
        let jitter = match jitter_nanos {
            0 => Duration::ZERO,
            bound => Duration::from_nanos(random.random_range(0..=bound)),
        };
        drop(random);

        if let Some(fault) = fault {
            self.injected[fault.index()].fetch_add(1, Ordering::Relaxed);
        }
        Plan {
            fault,
            delay: faults.latency + jitter,
        }
    }

    /// Logs the counts of injected faults at info level, when fault injection is on.
    pub(crate) fn log_summary(&self) {
        if !self.is_active() {
            return;
        }
        let count = |fault: Injected| self.injected[fault.index()].load(Ordering::Relaxed);
        info!(
            requests = self.requests.load(Ordering::Relaxed),
            throttled = count(Injected::Throttle),
            internal_failures = count(Injected::InternalFailure),
            dropped_before_effect = count(Injected::DropBeforeEffect),
            dropped_after_effect = count(Injected::DropAfterEffect),
            "injected faults"
        );
    }
}

/// Body of a throttled request, as SWF sends it (HTTP 400).
pub(crate) fn throttling_body() -> Value {
    json!({
        "__type": "com.amazon.coral.availability#ThrottlingException",
        "message": "Rate exceeded",
    })
}

/// Body of an internal failure (HTTP 500) in the Coral framework's shape.
pub(crate) fn internal_failure_body() -> Value {
    json!({
        "__type": "com.amazon.coral.service#InternalFailure",
        "message": "Internal failure, injected by the endpoint's fault settings",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_injects_nothing() {
        let injector = FaultInjector::new(&Faults::default());

        let plan = injector.plan();

        assert_eq!(plan.fault, None);
        assert_eq!(plan.delay, Duration::ZERO);
        assert!(!injector.is_active());
    }

    #[test]
    fn shares_out_of_range_are_invalid() {
        let negative = Faults {
            throttle_share: -0.1,
            ..Faults::default()
        };
        let too_large = Faults {
            drop_share: 1.5,
            ..Faults::default()
        };
        let not_a_number = Faults {
            error_share: f64::NAN,
            ..Faults::default()
        };

        assert!(negative.validate().is_err());
        assert!(too_large.validate().is_err());
        assert!(not_a_number.validate().is_err());
    }

    #[test]
    fn shares_over_one_together_are_invalid() {
        let faults = Faults {
            throttle_share: 0.5,
            error_share: 0.3,
            drop_share: 0.3,
            ..Faults::default()
        };

        let error = faults.validate().expect_err("shares over 1.0");

        assert!(error.contains("more than 1.0"), "{error}");
    }

    #[test]
    fn drops_split_between_before_and_after() {
        let injector = FaultInjector::new(&Faults {
            drop_share: 1.0,
            seed: Some(7),
            ..Faults::default()
        });

        let faults: Vec<_> = (0..200).filter_map(|_| injector.plan().fault).collect();

        let before = faults
            .iter()
            .filter(|fault| **fault == Injected::DropBeforeEffect)
            .count();
        let after = faults
            .iter()
            .filter(|fault| **fault == Injected::DropAfterEffect)
            .count();
        assert_eq!(before + after, 200);
        assert!(before > 50, "{before} of 200 dropped before effect");
        assert!(after > 50, "{after} of 200 dropped after effect");
    }

    #[test]
    fn jitter_stays_within_bound() {
        let injector = FaultInjector::new(&Faults {
            latency: Duration::from_millis(10),
            latency_jitter: Duration::from_millis(5),
            ..Faults::default()
        });

        for _ in 0..100 {
            let delay = injector.plan().delay;
            assert!(delay >= Duration::from_millis(10), "{delay:?}");
            assert!(delay <= Duration::from_millis(15), "{delay:?}");
        }
    }
}
