//! A plugin that misbehaves on purpose, for the host's integration tests.
//!
//! Workflow type `Probe` version `1` (task list `probe`, execution timeout 600 seconds,
//! decision task timeout 20 seconds, child policy `TERMINATE`) reacts to each new event:
//!
//! - `WorkflowExecutionStarted`: no decision.
//! - Signal `PANIC`: panics with `probe panicked on purpose`.
//! - Signal `ERROR`: returns the workflow error `probe failed on purpose`.
//! - Signal `SLOW` with a number of milliseconds as input: logs `probe: slow decision
//!   started` at info level, sleeps that long, then completes the execution with the
//!   result `slow`.
//! - Signal `EVENTS`: completes the execution with a JSON array of the `eventId` of every
//!   event in the task, in the order the task lists them, to check history paging.
//! - Any other signal: no decision.
//!
//! Signal names are case-sensitive. After a decision that closes the execution, later
//! events of the same task are not handled.

use std::thread;
use std::time::Duration;

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::{DecisionTask, EventAttributes, WorkflowExecutionSignaledEventAttributes};
use caravan_plugin::log::info;
use caravan_plugin::manifest::WorkflowRegistration;
use caravan_plugin::types::ChildPolicy;
use caravan_plugin::{Workflow, WorkflowError};

pub struct Probe;

impl Workflow for Probe {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Probe", "1")
            .description("Misbehaves on purpose for caravan's tests")
            .default_task_list("probe")
            .default_execution_start_to_close_timeout_secs(600)
            .default_task_start_to_close_timeout_secs(20)
            .default_child_policy(ChildPolicy::Terminate)
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let mut decisions = Decisions::new();

        for event in task.new_events() {
            let EventAttributes::WorkflowExecutionSignaled(signal) = &event.attributes else {
                continue;
            };

            if let Some(decision) = handle_signal(signal, task)? {
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

fn handle_signal(
    signal: &WorkflowExecutionSignaledEventAttributes,
    task: &DecisionTask,
) -> Result<Option<Decision>, WorkflowError> {
    match signal.signal_name.as_str() {
        "PANIC" => panic!("probe panicked on purpose"),
        "ERROR" => Err(WorkflowError::new("probe failed on purpose")),
        "SLOW" => {
            let delay = slow_delay(signal.input.as_deref())?;
            info!("probe: slow decision started");
            thread::sleep(delay);
            Ok(Some(Decision::complete_workflow_execution(Some("slow".to_owned()))))
        }
        "EVENTS" => {
            let event_ids: Vec<i64> = task.events.iter().map(|event| event.event_id).collect();
            let result = serde_json::to_string(&event_ids)?;
            Ok(Some(Decision::complete_workflow_execution(Some(result))))
        }
        _ => Ok(None),
    }
}

/// Reads the delay of a `SLOW` signal from its input, a whole number of milliseconds.
fn slow_delay(input: Option<&str>) -> Result<Duration, WorkflowError> {
    let input = input.unwrap_or_default().trim();

    let millis: u64 = input.parse().map_err(|_| {
        WorkflowError::new(format!(
            "invalid SLOW signal input {input:?}: expected a whole number of milliseconds"
        ))
    })?;
    Ok(Duration::from_millis(millis))
}

caravan_plugin::export_plugin! {
    name: "probe",
    version: env!("CARGO_PKG_VERSION"),
    workflows: [Probe],
}
