//! Heartbeats for a running activity task: RecordActivityTaskHeartbeat at no more than half the
//! heartbeat timeout, with the latest progress details the activity recorded, and the cancellation
//! flag set when SWF reports a cancellation request.
//!
//! Recording details never prompts an extra heartbeat. SWF shows heartbeat details only in the
//! `ActivityTaskTimedOut` event, not in DescribeWorkflowExecution or any other event, so an early
//! heartbeat would not show them to an operator any sooner. It would only spend the account's
//! RecordActivityTaskHeartbeat quota (SWF documents a bucket of 2,000 calls that refills at 160 a
//! second), and an activity may record details in a tight loop.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::task::{JoinError, JoinHandle};

use crate::swf::{self, DirectClient, ErrorClass};
use crate::text::truncate_chars;

/// SWF's limit on a heartbeat's details, in characters.
pub const MAX_DETAILS_CHARS: usize = 2048;

/// Interval for an activity type without a heartbeat timeout. Heartbeats then serve only to learn
/// of cancellation requests, so they can be rare.
const INTERVAL_WITHOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// The shortest interval, for a heartbeat timeout of one second.
const MIN_INTERVAL: Duration = Duration::from_millis(500);

/// Returns the heartbeat interval for a heartbeat timeout as SWF writes it: whole seconds, or
/// `NONE` or nothing for no timeout. The interval is half the timeout, so that one late or failed
/// heartbeat does not time the task out.
///
/// NOTE: the timeout is the activity type's registered default from the plugin's manifest. The
/// poll response does not carry the task's own timeout, so a decision that sets a shorter one is
/// not seen, and neither is a type registered earlier with other defaults.
pub fn interval(heartbeat_timeout: Option<&str>) -> Duration {
    match heartbeat_timeout.and_then(|text| text.trim().parse::<u64>().ok()) {
        Some(seconds) if seconds > 0 => (Duration::from_secs(seconds) / 2).max(MIN_INTERVAL),
        _ => INTERVAL_WITHOUT_TIMEOUT,
    }
}

/// The latest progress details an activity recorded, which the next heartbeat sends.
#[derive(Debug, Default)]
pub struct HeartbeatDetails {
    latest: Mutex<Option<String>>,
}

impl HeartbeatDetails {
    /// Stores the details a plugin handed over, cut to SWF's 2,048 characters without splitting a
    /// character. Bytes that are not UTF-8 become U+FFFD.
    pub fn record(&self, details: &[u8]) {
        // The first 2,048 characters of valid UTF-8 fit in 4 bytes each, so a longer input is
        // never decoded whole.
        let prefix = &details[..details.len().min(MAX_DETAILS_CHARS * 4)];
        let text = String::from_utf8_lossy(prefix);
        let truncated = truncate_chars(&text, MAX_DETAILS_CHARS);

        if let Ok(mut latest) = self.latest.lock() {
            let slot = latest.get_or_insert_with(String::new);
            slot.clear();
            slot.push_str(truncated);
        }
    }

    /// Returns the details recorded last, if any.
    pub fn latest(&self) -> Option<String> {
        self.latest.lock().ok().and_then(|latest| latest.clone())
    }
}

/// Returns the body of a RecordActivityTaskHeartbeat call.
fn heartbeat_body(token: &str, details: Option<&str>) -> Bytes {
    let mut body = serde_json::json!({ "taskToken": token });
    if let Some(details) = details {
        body["details"] = details.into();
    }
    Bytes::from(body.to_string())
}

/// Sends heartbeats every `every` until `running` ends, each with the latest `details`, and
/// returns its result and whether SWF requested cancellation. The flag `cancel` is set when SWF
/// requests cancellation or no longer has the task.
pub async fn beat_while_running<T>(
    client: &DirectClient,
    token: &str,
    every: Duration,
    cancel: &AtomicBool,
    details: &HeartbeatDetails,
    running: JoinHandle<T>,
) -> (Result<T, JoinError>, bool) {
    tokio::pin!(running);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut cancel_requested = false;
    let mut beating = true;

    loop {
        tokio::select! {
            joined = &mut running => return (joined, cancel_requested),
            _ = ticker.tick(), if beating => {
                let body = heartbeat_body(token, details.latest().as_deref());
                match record(client, body, every).await {
                    Ok(true) if !cancel_requested => {
                        tracing::info!("SWF requested cancellation of the activity task; setting its cancellation flag");
                        cancel_requested = true;
                        cancel.store(true, Ordering::Relaxed);
                    }
                    Ok(_) => {}
                    Err(error) if error.class == ErrorClass::UnknownResource => {
                        tracing::warn!(
                            error = %error.message,
                            "activity task no longer exists (it timed out or its execution closed); setting its cancellation flag"
                        );
                        cancel.store(true, Ordering::Relaxed);
                        beating = false;
                    }
                    Err(error) => {
                        tracing::warn!(
                            error = %error.message,
                            retry_in_ms = every.as_millis() as u64,
                            "heartbeat failed; sending the next one on time"
                        );
                    }
                }
            }
        }
    }
}

/// Sends one heartbeat and returns SWF's `cancelRequested`.
async fn record(client: &DirectClient, body: Bytes, timeout: Duration) -> Result<bool, swf::CallError> {
    let response = client.call(swf::RECORD_ACTIVITY_TASK_HEARTBEAT, body, timeout).await?;
    let answer: serde_json::Value = serde_json::from_slice(&response).map_err(|error| swf::CallError {
        class: ErrorClass::Transient,
        message: format!("invalid heartbeat response: {error}"),
    })?;
    Ok(answer["cancelRequested"].as_bool().unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_keep_the_latest() {
        let details = HeartbeatDetails::default();
        assert_eq!(details.latest(), None);

        details.record(b"1 of 3");
        details.record("2 of 3 ✓".as_bytes());

        assert_eq!(details.latest().as_deref(), Some("2 of 3 ✓"));
    }

    #[test]
    fn details_cut_between_characters() {
        let details = HeartbeatDetails::default();
        // 2,047 one-byte characters, then four-byte ones: a cut at 2,048 bytes would split one.
        let text = format!("{}{}", "s".repeat(2047), "🚀".repeat(3000));

        details.record(text.as_bytes());

        let kept = details.latest().expect("details");
        assert_eq!(kept.chars().count(), MAX_DETAILS_CHARS);
        assert_eq!(kept, format!("{}🚀", "s".repeat(2047)));
    }

    #[test]
    fn details_of_four_byte_characters_keep_2048() {
        let details = HeartbeatDetails::default();

        details.record("🚀".repeat(5000).as_bytes());

        let kept = details.latest().expect("details");
        assert_eq!(kept.chars().count(), MAX_DETAILS_CHARS);
        assert!(kept.chars().all(|character| character == '🚀'));
    }

    #[test]
    fn details_replace_invalid_utf8() {
        let details = HeartbeatDetails::default();

        details.record(b"step \xff 3");

        assert_eq!(details.latest().as_deref(), Some("step \u{fffd} 3"));
    }

    #[test]
    fn heartbeat_body_carries_details() {
        let with: serde_json::Value = serde_json::from_slice(&heartbeat_body("T", Some("step 3"))).unwrap();
        let without: serde_json::Value = serde_json::from_slice(&heartbeat_body("T", None)).unwrap();

        assert_eq!(with, serde_json::json!({"taskToken": "T", "details": "step 3"}));
        assert_eq!(without, serde_json::json!({"taskToken": "T"}));
    }

    #[test]
    fn interval_is_half_the_timeout() {
        assert_eq!(interval(Some("60")), Duration::from_secs(30));
        assert_eq!(interval(Some("3")), Duration::from_millis(1500));
    }

    #[test]
    fn interval_has_a_floor() {
        assert_eq!(interval(Some("1")), MIN_INTERVAL);
    }

    #[test]
    fn interval_without_timeout() {
        assert_eq!(interval(None), INTERVAL_WITHOUT_TIMEOUT);
        assert_eq!(interval(Some("NONE")), INTERVAL_WITHOUT_TIMEOUT);
        assert_eq!(interval(Some("0")), INTERVAL_WITHOUT_TIMEOUT);
    }
}
