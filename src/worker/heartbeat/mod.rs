//! Heartbeats for a running activity task: RecordActivityTaskHeartbeat at no more than half the
//! task's heartbeat timeout, with the latest progress details the activity recorded, and the
//! cancellation flag set when SWF reports a cancellation request.
//!
//! The poll response does not carry the task's own heartbeat timeout, so the worker starts with
//! the activity type's registered one. If the activity still runs after [`LOOKUP_DELAY`], it looks
//! the task's own up in the history (see [`task_timeout`](super::task_timeout)) and heartbeats by
//! that from then on. An activity that ends sooner costs no history call.
//!
//! Recording details never prompts an extra heartbeat. SWF shows heartbeat details only in the
//! `ActivityTaskTimedOut` event, not in DescribeWorkflowExecution or any other event, so an early
//! heartbeat would not show them to an operator any sooner. It would only spend the account's
//! RecordActivityTaskHeartbeat quota (SWF documents a bucket of 2,000 calls that refills at 160 a
//! second), and an activity may record details in a tight loop.

mod details;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::task::{JoinError, JoinHandle};
use tokio::time::Instant;

use super::task::ActivityTask;
use super::task_timeout::{self, LookupError};
use crate::decider::RepeatLimiter;
use crate::swf::{self, DirectClient, ErrorClass};

pub use details::HeartbeatDetails;

/// How long an activity runs before the worker looks up the task's own heartbeat timeout. Most
/// activities end sooner and never cost a history call. Under a heartbeat timeout of 1 second,
/// the shortest in whole seconds, the first heartbeat is due at 500 ms, so the lookup has 300 ms.
pub const LOOKUP_DELAY: Duration = Duration::from_millis(200);

/// Interval for an activity type without a heartbeat timeout. Heartbeats then serve only to learn
/// of cancellation requests, so they can be rare.
const INTERVAL_WITHOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// The shortest interval, for a heartbeat timeout of one second.
const MIN_INTERVAL: Duration = Duration::from_millis(500);

/// Returns the heartbeat interval for a heartbeat timeout as SWF writes it: whole seconds, or
/// `NONE` or nothing for no timeout. The interval is half the timeout, so that one late or failed
/// heartbeat does not time the task out.
pub fn interval(heartbeat_timeout: Option<&str>) -> Duration {
    match heartbeat_timeout.and_then(|text| text.trim().parse::<u64>().ok()) {
        Some(seconds) if seconds > 0 => (Duration::from_secs(seconds) / 2).max(MIN_INTERVAL),
        _ => INTERVAL_WITHOUT_TIMEOUT,
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

/// The SWF calls that the heartbeats of one task make, behind a trait so that tests can supply
/// their own.
pub trait TaskCalls {
    /// Sends one heartbeat with `details`, waiting at most `timeout`, and returns SWF's
    /// `cancelRequested`.
    fn heartbeat(
        &self,
        details: Option<&str>,
        timeout: Duration,
    ) -> impl Future<Output = Result<bool, swf::CallError>> + Send;

    /// Looks up the `heartbeatTimeout` of the task's `ActivityTaskScheduled` event. The future
    /// sends nothing until it is first polled.
    fn scheduled_heartbeat_timeout(&self) -> impl Future<Output = Result<Option<String>, LookupError>> + Send;
}

/// The calls of one task to SWF.
pub struct SwfTaskCalls<'a> {
    pub client: &'a DirectClient,
    pub domain: &'a str,
    pub task: &'a ActivityTask,
}

impl TaskCalls for SwfTaskCalls<'_> {
    async fn heartbeat(&self, details: Option<&str>, timeout: Duration) -> Result<bool, swf::CallError> {
        let body = heartbeat_body(&self.task.token, details);
        record(self.client, body, timeout).await
    }

    async fn scheduled_heartbeat_timeout(&self) -> Result<Option<String>, LookupError> {
        task_timeout::scheduled_heartbeat_timeout(self.client, self.domain, self.task).await
    }
}

/// The heartbeats of one running task.
pub struct Heartbeats<'a, C> {
    pub calls: C,
    /// The interval for the activity type's registered heartbeat timeout, used until the task's
    /// own is known.
    pub registered_every: Duration,
    /// The flag the activity reads through `ActivityContext::is_cancel_requested`.
    pub cancel: &'a AtomicBool,
    pub details: &'a HeartbeatDetails,
    /// Limits the warnings about failed lookups of a task's heartbeat timeout.
    pub lookup_warnings: &'a RepeatLimiter,
}

/// The state of the lookup of the task's own heartbeat timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    Waiting,
    Running,
    Done,
}

impl<C: TaskCalls> Heartbeats<'_, C> {
    /// Sends heartbeats until `running` ends, each with the latest details, and returns its result
    /// and whether SWF requested cancellation. The flag `cancel` is set when SWF requests
    /// cancellation or no longer has the task.
    pub async fn beat_while_running<T>(&self, running: JoinHandle<T>) -> (Result<T, JoinError>, bool) {
        tokio::pin!(running);
        let mut every = self.registered_every;
        let mut last_beat = Instant::now();
        let next_beat = tokio::time::sleep_until(last_beat + every);
        tokio::pin!(next_beat);

        // No task timeout can give a shorter interval than the shortest one, so then there is
        // nothing to learn.
        let mut lookup = if every > MIN_INTERVAL {
            Lookup::Waiting
        } else {
            Lookup::Done
        };
        let lookup_delay = tokio::time::sleep(LOOKUP_DELAY);
        tokio::pin!(lookup_delay);
        let scheduled_timeout = self.calls.scheduled_heartbeat_timeout();
        tokio::pin!(scheduled_timeout);

        let mut cancel_requested = false;
        let mut beating = true;

        loop {
            tokio::select! {
                biased;
                joined = &mut running => return (joined, cancel_requested),
                () = &mut lookup_delay, if lookup == Lookup::Waiting => lookup = Lookup::Running,
                found = &mut scheduled_timeout, if lookup == Lookup::Running => {
                    lookup = Lookup::Done;
                    every = self.interval_for(found);
                    // A shorter interval may make the next heartbeat due at once.
                    next_beat.as_mut().reset(last_beat + every);
                }
                () = &mut next_beat, if beating => {
                    last_beat = Instant::now();
                    beating = self.beat(every, &mut cancel_requested).await;
                    next_beat.as_mut().reset(last_beat + every);
                }
            }
        }
    }

    /// Sends one heartbeat and acts on the response. Returns false once SWF no longer has the task,
    /// because further heartbeats cannot succeed.
    async fn beat(&self, every: Duration, cancel_requested: &mut bool) -> bool {
        let details = self.details.latest();

        match self.calls.heartbeat(details.as_deref(), every).await {
            Ok(true) if !*cancel_requested => {
                tracing::info!("SWF requested cancellation of the activity task; setting its cancellation flag");
                *cancel_requested = true;
                self.cancel.store(true, Ordering::Relaxed);
                true
            }
            Ok(_) => true,
            Err(error) if error.class == ErrorClass::UnknownResource => {
                tracing::warn!(
                    error = %error.message,
                    "activity task no longer exists (it timed out or its execution closed); setting its cancellation flag"
                );
                self.cancel.store(true, Ordering::Relaxed);
                false
            }
            Err(error) => {
                tracing::warn!(
                    error = %error.message,
                    retry_in_ms = every.as_millis() as u64,
                    "heartbeat failed; sending the next one on time"
                );
                true
            }
        }
    }

    /// Returns the interval for the lookup's result: the task's own heartbeat timeout, or the
    /// registered one when the lookup failed or the event has none.
    fn interval_for(&self, found: Result<Option<String>, LookupError>) -> Duration {
        let registered_ms = self.registered_every.as_millis() as u64;

        match found {
            Ok(Some(timeout)) => {
                let every = interval(Some(&timeout));
                tracing::debug!(
                    heartbeat_timeout = %timeout,
                    interval_ms = every.as_millis() as u64,
                    "heartbeating by the task's own heartbeat timeout"
                );
                every
            }
            Ok(None) => {
                tracing::debug!(
                    interval_ms = registered_ms,
                    "the task's ActivityTaskScheduled event has no heartbeat timeout; heartbeating by the registered one"
                );
                self.registered_every
            }
            Err(error) => {
                if let Some(suppressed) = self.lookup_warnings.allow("heartbeat timeout lookup") {
                    tracing::warn!(
                        error = %error,
                        interval_ms = registered_ms,
                        suppressed_since_last = suppressed,
                        "looking up the task's own heartbeat timeout failed; heartbeating by the activity type's registered one; further failures are logged at most once a minute"
                    );
                }
                self.registered_every
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
