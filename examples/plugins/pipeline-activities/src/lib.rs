//! Example activities for a caravan worker, on task list `pipeline`.
//!
//! - `Uppercase` version `1` returns its input in upper case.
//! - `Check` version `1` returns its input unchanged, or fails with reason `check failed` when
//!   the input contains the word `fail`.
//!
//! The plugin exports activities only. A workflow that schedules them lives in its own plugin
//! and refers to them by name and version, so deciders and activities share no code.

use caravan_plugin::log::info;
use caravan_plugin::manifest::ActivityRegistration;
use caravan_plugin::{Activity, ActivityContext, ActivityFailure, ActivityTask};

/// The task list both activity types go to unless the decision names another.
const TASK_LIST: &str = "pipeline";

pub struct Uppercase;

impl Activity for Uppercase {
    fn registration(&self) -> ActivityRegistration {
        ActivityRegistration::new("Uppercase", "1")
            .description("Returns the input in upper case")
            .default_task_list(TASK_LIST)
            .default_task_schedule_to_start_timeout_secs(300)
            .default_task_schedule_to_close_timeout_secs(360)
            .default_task_start_to_close_timeout_secs(60)
            .default_task_heartbeat_timeout_secs(60)
    }

    fn run(&self, task: &ActivityTask, _context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        info!("uppercasing the input of activity {}", task.activity_id);
        Ok(task.input.as_deref().unwrap_or_default().to_uppercase())
    }
}

pub struct Check;

impl Activity for Check {
    fn registration(&self) -> ActivityRegistration {
        ActivityRegistration::new("Check", "1")
            .description("Fails when the input contains the word fail")
            .default_task_list(TASK_LIST)
            .default_task_schedule_to_start_timeout_secs(300)
            .default_task_schedule_to_close_timeout_secs(360)
            .default_task_start_to_close_timeout_secs(60)
            .default_task_heartbeat_timeout_secs(60)
    }

    fn run(&self, task: &ActivityTask, _context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        let input = task.input.as_deref().unwrap_or_default();
        if input.split_whitespace().any(|word| word == "fail") {
            return Err(ActivityFailure::new("check failed").details(format!("the input {input:?} contains \"fail\"")));
        }
        Ok(input.to_owned())
    }
}

caravan_plugin::export_plugin! {
    name: "pipeline-activities",
    version: env!("CARGO_PKG_VERSION"),
    activities: [Uppercase, Check],
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use caravan_plugin::types::{ActivityType, WorkflowExecution};

    use super::*;

    fn task(name: &str, input: &str) -> ActivityTask {
        ActivityTask {
            activity_id: "a1".to_owned(),
            activity_type: ActivityType::new(name, "1"),
            workflow_execution: WorkflowExecution::new("w", "r"),
            started_event_id: 5,
            input: Some(input.to_owned()),
        }
    }

    #[test]
    fn uppercase_returns_upper_case() {
        let cancel = AtomicBool::new(false);

        let result = Uppercase.run(&task("Uppercase", "hello wörld"), &ActivityContext::new(&cancel));

        assert_eq!(result, Ok("HELLO WÖRLD".to_owned()));
    }

    #[test]
    fn check_fails_on_fail_word() {
        let cancel = AtomicBool::new(false);

        let failure = Check
            .run(&task("Check", "please fail now"), &ActivityContext::new(&cancel))
            .unwrap_err();

        assert_eq!(failure.reason.as_deref(), Some("check failed"));
    }

    #[test]
    fn check_passes_other_input() {
        let cancel = AtomicBool::new(false);

        let result = Check.run(&task("Check", "failure is a word"), &ActivityContext::new(&cancel));

        assert_eq!(result, Ok("failure is a word".to_owned()));
    }
}
