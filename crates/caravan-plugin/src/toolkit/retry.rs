//! Retries that wait on a durable timer before a decision is sent again.
//!
//! A decider keeps no state between tasks, so the timer carries the retry: its `control`
//! member contains the attempt number, the decision type, the id and, when it fits in
//! [`MAX_DATA_CHARS`](super::limits::MAX_DATA_CHARS), the decision itself. When the timer
//! fires, [`WorkflowState::due_retries`] returns that record, rebuilt from history alone.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::decision::Decision;

use super::builders::Timer;
use super::limits::{LimitError, MAX_DATA_CHARS};
use super::state::{Retry, TransientFailure, WorkflowState};

/// Largest timer delay SWF accepts: `startToFireTimeout` has at most 8 digits.
const MAX_TIMER_SECS: u64 = 99_999_999;

/// The member of a timer's `control` that marks a retry timer.
const CONTROL_KEY: &str = "caravanRetry";

/// How long to wait before each retry, and how many attempts to make.
///
/// The wait before attempt `n` (2 for the first retry) is
/// `initial_delay_secs * backoff_coefficient^(n - 2)`, capped at `max_delay_secs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub initial_delay_secs: u64,
    pub backoff_coefficient: u32,
    pub max_delay_secs: u64,
    /// Attempts in all, the first one included; `None` retries without end.
    pub max_attempts: Option<u32>,
}

impl Default for RetryPolicy {
    /// Waits 5, 10, 20, 40 seconds and so on up to 10 minutes, for at most 10 attempts.
    fn default() -> Self {
        Self {
            initial_delay_secs: 5,
            backoff_coefficient: 2,
            max_delay_secs: 600,
            max_attempts: Some(10),
        }
    }
}

impl RetryPolicy {
    /// Returns the seconds to wait before attempt `attempt`; attempts 0 and 1 wait
    /// `initial_delay_secs` like attempt 2.
    pub fn delay_secs(&self, attempt: u32) -> u64 {
        let exponent = attempt.saturating_sub(2);
        let factor = u64::from(self.backoff_coefficient).saturating_pow(exponent);

        self.initial_delay_secs
            .saturating_mul(factor)
            .min(self.max_delay_secs)
            .min(MAX_TIMER_SECS)
    }

    /// Returns whether the policy allows attempt `attempt`.
    pub fn allows(&self, attempt: u32) -> bool {
        self.max_attempts.is_none_or(|max_attempts| attempt <= max_attempts)
    }
}

/// The record a retry timer keeps in its `control` member.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetryControl {
    #[serde(rename = "caravanRetry")]
    retry: RetryHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decision: Option<Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetryHeader {
    attempt: u32,
    decision_type: String,
    id: String,
}

/// Returns the id of the timer that delays a retry of the decision with this type and id,
/// such as `retry-activity-charge-1`.
pub fn retry_timer_id(decision_type: &str, id: &str) -> String {
    let kind = match decision_type {
        "ScheduleActivityTask" => "activity",
        "ScheduleLambdaFunction" => "lambda",
        "StartChildWorkflowExecution" => "child",
        "StartTimer" => "timer",
        "SignalExternalWorkflowExecution" => "signal",
        "RequestCancelExternalWorkflowExecution" => "cancel",
        "ContinueAsNewWorkflowExecution" => "continue",
        _ => "decision",
    };
    format!("retry-{kind}-{id}")
}

/// Returns the id a decision's retry is keyed by: the activity id, Lambda task id, child
/// or target workflow id, or timer id. Other decisions have none, and return an empty id.
pub fn decision_id(decision: &Decision) -> &str {
    match decision {
        Decision::ScheduleActivityTask(attributes) => &attributes.activity_id,
        Decision::ScheduleLambdaFunction(attributes) => &attributes.id,
        Decision::StartChildWorkflowExecution(attributes) => &attributes.workflow_id,
        Decision::StartTimer(attributes) => &attributes.timer_id,
        Decision::SignalExternalWorkflowExecution(attributes) => &attributes.workflow_id,
        Decision::RequestCancelExternalWorkflowExecution(attributes) => &attributes.workflow_id,
        _ => "",
    }
}

/// Starts a timer that waits [`RetryPolicy::delay_secs`] before `decision` is sent again
/// as attempt `attempt` (2 for the first retry). Returns `Ok(None)` when the policy allows
/// no such attempt.
///
/// The timer's id comes from [`retry_timer_id`], so an id longer than about 240 characters
/// is rejected for `timerId`. The decision goes into the timer's `control` when it fits;
/// otherwise the [`Retry`] that [`WorkflowState::due_retries`] returns has no decision and
/// the workflow rebuilds it.
pub fn retry_after(decision: &Decision, attempt: u32, policy: &RetryPolicy) -> Result<Option<Decision>, LimitError> {
    if !policy.allows(attempt) {
        return Ok(None);
    }

    let decision_type = decision.decision_type().to_owned();
    let id = decision_id(decision).to_owned();
    let timer_id = retry_timer_id(&decision_type, &id);

    let mut control = RetryControl {
        retry: RetryHeader {
            attempt,
            decision_type,
            id,
        },
        decision: serde_json::to_value(decision).ok(),
    };
    let mut text = control_text(&control);
    if text.chars().count() > MAX_DATA_CHARS {
        control.decision = None;
        text = control_text(&control);
    }

    Timer::new(timer_id, policy.delay_secs(attempt))
        .control(text)
        .build()
        .map(Some)
}

fn control_text(control: &RetryControl) -> String {
    serde_json::to_string(control).expect("a retry record serializes, because its decision is already a JSON value")
}

/// Reads a retry record from a timer's `control`, or returns `None` for other timers.
pub(crate) fn parse_retry_control(control: &str) -> Option<Retry> {
    if !control.trim_start().starts_with(&format!("{{\"{CONTROL_KEY}\"")) {
        return None;
    }
    let control: RetryControl = serde_json::from_str(control).ok()?;

    Some(Retry {
        attempt: control.retry.attempt,
        decision_type: control.retry.decision_type,
        id: control.retry.id,
        decision: control.decision.and_then(|value| serde_json::from_value(value).ok()),
    })
}

/// Returns a retry timer for each decision that SWF rejected since the previous decision
/// task with a cause that waiting resolves (`*_RATE_EXCEEDED`, `*_ID_ALREADY_IN_USE`), so
/// such a rejection never makes the workflow send the decision again at once.
///
/// `rebuild` returns the decision to send again for a failure, or `None` to give it up.
/// Failures whose next attempt the policy does not allow get no timer; the workflow finds
/// them in [`WorkflowState::transient_failures`].
pub fn back_off_transient_failures(
    state: &WorkflowState,
    policy: &RetryPolicy,
    mut rebuild: impl FnMut(&TransientFailure) -> Option<Decision>,
) -> Result<Vec<Decision>, LimitError> {
    let mut timers = Vec::new();
    let mut timer_ids = HashSet::new();

    for failure in state.new_transient_failures() {
        // One timer per id: a second StartTimer with the same id would fail.
        let timer_id = retry_timer_id(failure.decision_type, &failure.id);
        if state.retry_pending(failure.decision_type, &failure.id) || !timer_ids.insert(timer_id) {
            continue;
        }
        let Some(decision) = rebuild(failure) else {
            continue;
        };
        if let Some(timer) = retry_after(&decision, failure.attempt + 1, policy)? {
            timers.push(timer);
        }
    }
    Ok(timers)
}
