//! Scalar values of the SWF wire format: timestamps, durations, priorities and the enums that travel as
//! strings.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// A point in time in milliseconds since the Unix epoch.
pub(crate) type Millis = i64;

pub(crate) const MILLIS_PER_SECOND: i64 = 1_000;
pub(crate) const MILLIS_PER_DAY: i64 = 86_400 * MILLIS_PER_SECOND;

/// Maximum run time of a workflow execution, and so the maximum execution timeout: one year.
pub(crate) const MAX_EXECUTION_SECONDS: u64 = 31_536_000;

/// Maximum retention period of a domain, in days.
pub(crate) const MAX_RETENTION_DAYS: u32 = 90;

/// Reads the system clock. A clock before 1970 reads as the epoch.
pub(crate) fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Renders a timestamp as epoch seconds with millisecond precision, the form SWF responses use.
pub(crate) fn timestamp_value(at: Millis) -> Value {
    Value::from(at as f64 / 1_000.0)
}

/// Converts epoch seconds from a request (an integer or a fraction) to milliseconds.
pub(crate) fn millis_from_seconds(seconds: f64) -> Millis {
    (seconds * 1_000.0).round() as Millis
}

/// A duration setting: whole seconds, or `NONE` for no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timeout {
    Seconds(u64),
    Unlimited,
}

impl Timeout {
    /// Parses `NONE` or a string of decimal digits.
    pub(crate) fn parse(text: &str) -> Option<Timeout> {
        if text == "NONE" {
            return Some(Timeout::Unlimited);
        }
        parse_seconds(text).map(Timeout::Seconds)
    }

    /// Returns the wire form, `"NONE"` or the number of seconds.
    pub(crate) fn wire(self) -> String {
        match self {
            Timeout::Seconds(seconds) => seconds.to_string(),
            Timeout::Unlimited => "NONE".to_string(),
        }
    }

    /// Returns when a clock of this length started at `start` runs out, or `None` for no limit.
    pub(crate) fn deadline_after(self, start: Millis) -> Option<Millis> {
        match self {
            Timeout::Seconds(seconds) => Some(start.saturating_add(seconds_to_millis(seconds))),
            Timeout::Unlimited => None,
        }
    }
}

/// Parses a string of decimal digits as seconds.
pub(crate) fn parse_seconds(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

pub(crate) fn seconds_to_millis(seconds: u64) -> Millis {
    i64::try_from(seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(MILLIS_PER_SECOND)
}

/// Parses a task priority, a string holding a signed 32-bit integer; higher runs sooner.
pub(crate) fn parse_priority(text: &str) -> Option<i32> {
    text.parse().ok()
}

/// Parses a retention period: `NONE`, or whole days from 0 to 90. `NONE` and `0` both mean that closed
/// executions are deleted at once.
pub(crate) fn parse_retention_days(text: &str) -> Option<u32> {
    if text == "NONE" {
        return Some(0);
    }
    let days = parse_seconds(text)?;
    u32::try_from(days).ok().filter(|days| *days <= MAX_RETENTION_DAYS)
}

/// Policy for the open child executions of a parent that is terminated or times out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChildPolicy {
    Terminate,
    RequestCancel,
    Abandon,
}

impl ChildPolicy {
    pub(crate) const NAMES: &'static [&'static str] = &["TERMINATE", "REQUEST_CANCEL", "ABANDON"];

    pub(crate) fn parse(text: &str) -> Option<ChildPolicy> {
        match text {
            "TERMINATE" => Some(ChildPolicy::Terminate),
            "REQUEST_CANCEL" => Some(ChildPolicy::RequestCancel),
            "ABANDON" => Some(ChildPolicy::Abandon),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ChildPolicy::Terminate => "TERMINATE",
            ChildPolicy::RequestCancel => "REQUEST_CANCEL",
            ChildPolicy::Abandon => "ABANDON",
        }
    }
}

/// Close status of a closed execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CloseStatus {
    Completed,
    Failed,
    Canceled,
    Terminated,
    ContinuedAsNew,
    TimedOut,
}

impl CloseStatus {
    pub(crate) const NAMES: &'static [&'static str] = &[
        "COMPLETED",
        "FAILED",
        "CANCELED",
        "TERMINATED",
        "CONTINUED_AS_NEW",
        "TIMED_OUT",
    ];

    pub(crate) fn parse(text: &str) -> Option<CloseStatus> {
        match text {
            "COMPLETED" => Some(CloseStatus::Completed),
            "FAILED" => Some(CloseStatus::Failed),
            "CANCELED" => Some(CloseStatus::Canceled),
            "TERMINATED" => Some(CloseStatus::Terminated),
            "CONTINUED_AS_NEW" => Some(CloseStatus::ContinuedAsNew),
            "TIMED_OUT" => Some(CloseStatus::TimedOut),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CloseStatus::Completed => "COMPLETED",
            CloseStatus::Failed => "FAILED",
            CloseStatus::Canceled => "CANCELED",
            CloseStatus::Terminated => "TERMINATED",
            CloseStatus::ContinuedAsNew => "CONTINUED_AS_NEW",
            CloseStatus::TimedOut => "TIMED_OUT",
        }
    }
}

/// Registration status of a domain or a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RegistrationStatus {
    Registered,
    Deprecated,
}

impl RegistrationStatus {
    pub(crate) const NAMES: &'static [&'static str] = &["REGISTERED", "DEPRECATED"];

    pub(crate) fn parse(text: &str) -> Option<RegistrationStatus> {
        match text {
            "REGISTERED" => Some(RegistrationStatus::Registered),
            "DEPRECATED" => Some(RegistrationStatus::Deprecated),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Registered => "REGISTERED",
            RegistrationStatus::Deprecated => "DEPRECATED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_parses_seconds_and_none() {
        assert_eq!(Timeout::parse("30"), Some(Timeout::Seconds(30)));
        assert_eq!(Timeout::parse("0"), Some(Timeout::Seconds(0)));
        assert_eq!(Timeout::parse("NONE"), Some(Timeout::Unlimited));
        assert_eq!(Timeout::parse("-1"), None);
        assert_eq!(Timeout::parse("1.5"), None);
        assert_eq!(Timeout::parse(""), None);
        assert_eq!(Timeout::parse("none"), None);
    }

    #[test]
    fn timeout_deadline() {
        assert_eq!(Timeout::Seconds(2).deadline_after(1_000), Some(3_000));
        assert_eq!(Timeout::Unlimited.deadline_after(1_000), None);
    }

    #[test]
    fn retention_accepts_none_and_up_to_90_days() {
        assert_eq!(parse_retention_days("NONE"), Some(0));
        assert_eq!(parse_retention_days("0"), Some(0));
        assert_eq!(parse_retention_days("90"), Some(90));
        assert_eq!(parse_retention_days("91"), None);
        assert_eq!(parse_retention_days("x"), None);
    }

    #[test]
    fn priority_is_signed_32_bit() {
        assert_eq!(parse_priority("-5"), Some(-5));
        assert_eq!(parse_priority("2147483647"), Some(i32::MAX));
        assert_eq!(parse_priority("2147483648"), None);
    }

    #[test]
    fn timestamp_has_millisecond_precision() {
        assert_eq!(timestamp_value(1_735_689_600_123).to_string(), "1735689600.123");
        assert_eq!(millis_from_seconds(1_735_689_600.123), 1_735_689_600_123);
    }
}
