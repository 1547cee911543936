//! Heartbeats for a running activity task: RecordActivityTaskHeartbeat at no more than half the
//! heartbeat timeout, and the cancellation flag set when SWF reports a cancellation request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::task::{JoinError, JoinHandle};

use crate::swf::{self, DirectClient, ErrorClass};

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

/// Sends heartbeats every `every` until `running` ends, and returns its result and whether SWF
/// requested cancellation. The flag `cancel` is set when SWF requests cancellation or no longer
/// has the task.
pub async fn beat_while_running<T>(
    client: &DirectClient,
    token: &str,
    every: Duration,
    cancel: &AtomicBool,
    running: JoinHandle<T>,
) -> (Result<T, JoinError>, bool) {
    tokio::pin!(running);
    let body = Bytes::from(serde_json::json!({ "taskToken": token }).to_string());
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut cancel_requested = false;
    let mut beating = true;

    loop {
        tokio::select! {
            joined = &mut running => return (joined, cancel_requested),
            _ = ticker.tick(), if beating => {
                match record(client, body.clone(), every).await {
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
