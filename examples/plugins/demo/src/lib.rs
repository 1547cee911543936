//! The classic caravan demo workflow, as a plugin.
//!
//! Workflow type `Demo` version `0.1` waits for signals. Signal names are compared without
//! regard to case:
//!
//! - `PRINT` logs the signal's input at info level and changes nothing else.
//! - `STOP` completes the execution with the result `{"success": true}`.
//! - `ABORT` fails the execution with the reason `aborted`.
//! - Any other signal is logged at info level and ignored.
//!
//! When the execution starts, the workflow starts timer `SignalTimeout`. If the timer fires
//! before `STOP` or `ABORT` arrives, the execution fails with the reason `patience_lost`.
//! The timer runs for 300 seconds, or for `patience_secs` seconds when the execution's input
//! is a JSON object with an integer `patience_secs` from 1 to 99,999,999, such as
//! `{"patience_secs": 5}`.
//!
//! Each decision task handles its new events in order. Once one of them closes the
//! execution, the later events of that task are not handled, so a task returns at most one
//! closing decision, and it is the last.
//!
//! # Registration
//!
//! The plugin's manifest registers `Demo` `0.1` with these defaults, which apply when
//! `StartWorkflowExecution` does not override them: task list `default`, execution
//! start-to-close timeout 600 seconds, decision task start-to-close timeout 10 seconds and
//! child policy `TERMINATE`.

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::{DecisionTask, EventAttributes, WorkflowExecutionSignaledEventAttributes};
use caravan_plugin::log::info;
use caravan_plugin::manifest::WorkflowRegistration;
use caravan_plugin::types::ChildPolicy;
use caravan_plugin::{Workflow, WorkflowError};

/// Id of the timer that limits how long the workflow waits for `STOP` or `ABORT`.
pub const SIGNAL_TIMEOUT_TIMER_ID: &str = "SignalTimeout";

/// Seconds the workflow waits for `STOP` or `ABORT` unless the input sets `patience_secs`.
pub const DEFAULT_PATIENCE_SECS: u64 = 300;

/// Largest `patience_secs` the input may set: SWF limits a timer's `startToFireTimeout` to
/// 8 characters.
pub const MAX_PATIENCE_SECS: u64 = 99_999_999;

/// Result of an execution that `STOP` completed.
pub const STOP_RESULT: &str = r#"{"success": true}"#;

/// The `Demo` workflow. It has no fields because every decision comes from the history.
pub struct Demo;

impl Workflow for Demo {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Demo", "0.1")
            .description("Demo workflow: waits for PRINT, STOP or ABORT signals")
            .default_task_list("default")
            .default_execution_start_to_close_timeout_secs(600)
            .default_task_start_to_close_timeout_secs(10)
            .default_child_policy(ChildPolicy::Terminate)
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let mut decisions = Decisions::new();

        for event in task.new_events() {
            let decision = match &event.attributes {
                EventAttributes::WorkflowExecutionStarted(started) => {
                    let patience_secs = patience_secs(started.input.as_deref());
                    Some(Decision::start_timer(SIGNAL_TIMEOUT_TIMER_ID, patience_secs))
                }
                EventAttributes::WorkflowExecutionSignaled(signal) => handle_signal(signal),
                EventAttributes::TimerFired(timer) if timer.timer_id == SIGNAL_TIMEOUT_TIMER_ID => {
                    Some(Decision::fail_workflow_execution("patience_lost", None))
                }
                _ => None,
            };

            if let Some(decision) = decision {
                let closes_execution = decision.is_closing();
                decisions.push(decision);
                if closes_execution {
                    break;
                }
            }
        }

        Ok(decisions)
    }
}

/// Returns the `patience_secs` of the execution input, or the default when the input does
/// not set an integer from 1 to [`MAX_PATIENCE_SECS`].
fn patience_secs(input: Option<&str>) -> u64 {
    let configured = input
        .and_then(|input| serde_json::from_str::<serde_json::Value>(input).ok())
        .and_then(|input| input.get("patience_secs").and_then(serde_json::Value::as_u64))
        .filter(|seconds| (1..=MAX_PATIENCE_SECS).contains(seconds));

    configured.unwrap_or(DEFAULT_PATIENCE_SECS)
}

fn handle_signal(signal: &WorkflowExecutionSignaledEventAttributes) -> Option<Decision> {
    let name = signal.signal_name.as_str();
    let input = signal.input.as_deref().unwrap_or_default();

    if name.eq_ignore_ascii_case("PRINT") {
        info!("signal PRINT received: {input}");
        None
    } else if name.eq_ignore_ascii_case("STOP") {
        Some(Decision::complete_workflow_execution(Some(STOP_RESULT.to_owned())))
    } else if name.eq_ignore_ascii_case("ABORT") {
        Some(Decision::fail_workflow_execution("aborted", None))
    } else {
        info!("signal {name:?} ignored: Demo handles only PRINT, STOP and ABORT");
        None
    }
}

caravan_plugin::export_plugin! {
    name: "demo",
    version: env!("CARGO_PKG_VERSION"),
    workflows: [Demo],
}

#[cfg(test)]
mod tests;
