//! A workflow toolkit over the typed history: state, checked decisions, retries.
//!
//! Plugins may use it or decide from the raw history themselves; the ABI is the same. It
//! has three parts:
//!
//! - [`WorkflowState`]: the history folded in one pass into the state of each activity,
//!   Lambda task, child workflow, timer and request to another execution, by id. It also
//!   keeps the signals and markers in order, the execution's input and whether cancellation
//!   was requested, and selects what is new since the previous decision task.
//! - [`DecisionList`] and the builders [`ActivityTask`], [`LambdaFunction`], [`Timer`] and
//!   [`ChildWorkflow`]: decisions checked against SWF's limits before anything is sent, with
//!   a [`LimitError`] that names the member and the limit.
//! - [`retry_after`] and [`back_off_transient_failures`]: retries that wait on a durable
//!   timer whose delay grows with each attempt, so no failure makes the workflow send the
//!   same decision again at once.
//!
//! A workflow that runs activity `charge`, retries it when it fails, and completes with its
//! result:
//!
//! ```
//! use caravan_plugin::decision::{Decision, Decisions};
//! use caravan_plugin::history::DecisionTask;
//! use caravan_plugin::toolkit::{ActivityTask, DecisionList, RetryPolicy, TaskStatus, Timeout, WorkflowState};
//! use caravan_plugin::toolkit::{back_off_transient_failures, retry_after};
//! use caravan_plugin::types::ActivityType;
//! use caravan_plugin::WorkflowError;
//!
//! fn decide(task: &DecisionTask) -> Result<Decisions, WorkflowError> {
//!     let state = WorkflowState::from_task(task);
//!     let policy = RetryPolicy::default();
//!     let mut decisions = DecisionList::new();
//!
//!     let charge = ActivityTask::new("charge", ActivityType::new("Charge", "1"))
//!         .input(state.input().unwrap_or_default())
//!         .start_to_close_timeout(Timeout::Seconds(300))
//!         .build()?;
//!
//!     // Rejections such as ACTIVITY_CREATION_RATE_EXCEEDED wait on a timer.
//!     let timers = back_off_transient_failures(&state, &policy, |_| Some(charge.clone()))?;
//!     decisions.extend(timers)?;
//!
//!     for retry in state.due_retries() {
//!         decisions.push(retry.decision.clone().unwrap_or_else(|| charge.clone()))?;
//!     }
//!
//!     match state.activities.get("charge") {
//!         None => {
//!             decisions.push(charge)?;
//!         }
//!         Some(activity) if state.is_new(activity.last_event_id) => match activity.status {
//!             TaskStatus::Completed => {
//!                 decisions.push(Decision::complete_workflow_execution(activity.result.clone()))?;
//!             }
//!             TaskStatus::Failed | TaskStatus::TimedOut => match retry_after(&charge, activity.attempts + 1, &policy)? {
//!                 Some(timer) => {
//!                     decisions.push(timer)?;
//!                 }
//!                 None => {
//!                     decisions.push(Decision::fail_workflow_execution("charge failed", None))?;
//!                 }
//!             },
//!             _ => {}
//!         },
//!         Some(_) => {}
//!     }
//!
//!     Ok(decisions.finish()?)
//! }
//! # let task: DecisionTask = serde_json::from_value(serde_json::json!({
//! #     "startedEventId": 3, "previousStartedEventId": 0,
//! #     "workflowExecution": {"workflowId": "w", "runId": "r"},
//! #     "workflowType": {"name": "Pay", "version": "1"},
//! #     "events": [{"eventId": 1, "eventTimestamp": 0, "eventType": "WorkflowExecutionStarted",
//! #         "workflowExecutionStartedEventAttributes": {"childPolicy": "TERMINATE",
//! #         "taskList": {"name": "t"}, "workflowType": {"name": "Pay", "version": "1"}}}],
//! # })).unwrap();
//! # assert_eq!(decide(&task).unwrap().decisions.len(), 1);
//! ```
//!
//! Ids must be deterministic, because SWF may hand the same history to the decider again
//! and the decider keeps nothing between tasks. Attempt counts come from the history
//! ([`TaskState::attempts`]) and from each retry timer's `control` member, and
//! [`TaskState::decision`] rebuilds the decision that scheduled a task, so a failed task can
//! be scheduled again from the history alone.

mod builders;
mod limits;
mod retry;
mod state;

pub use builders::{ActivityTask, ChildWorkflow, DecisionList, LambdaFunction, Timer};
pub use limits::*;
pub use retry::{RetryPolicy, back_off_transient_failures, decision_id, retry_after, retry_timer_id};
pub use state::{
    ExternalRequestKind, ExternalRequestState, Failure, Marker, RequestStatus, Retry, Signal, TaskState, TaskStatus,
    TaskType, TimerState, TimerStatus, TransientFailure, WorkflowState,
};

#[cfg(test)]
mod tests;
