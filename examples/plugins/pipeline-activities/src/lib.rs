//! Example activities for a caravan worker, on task list `pipeline`.
//!
//! - `Uppercase` version `1` returns its input in upper case.
//! - `Check` version `1` returns its input unchanged, or fails with reason `check failed` when
//!   the input contains the word `fail`.
//! - `Process` version `1` takes a JSON request, `{"text": ..., "attempt": N, "failAttempts": K,
//!   "sleepMs": MS}`, waits `sleepMs` milliseconds, then fails with reason `planned failure` while
//!   `attempt` is at most `failAttempts`, and otherwise returns `text` in upper case. The
//!   `Pipeline` workflow passes the attempt number, so the failures are deterministic.
//!
//! The plugin exports activities only. A workflow that schedules them lives in its own plugin
//! and refers to them by name and version, so deciders and activities share no code.

use std::thread;
use std::time::{Duration, Instant};

use caravan_plugin::log::info;
use caravan_plugin::manifest::ActivityRegistration;
use caravan_plugin::{Activity, ActivityContext, ActivityFailure, ActivityTask};
use serde::Deserialize;

/// The task list the activity types go to unless the decision names another.
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

/// The request of a `Process` activity task.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProcessRequest {
    text: String,
    #[serde(default = "first_attempt")]
    attempt: u32,
    #[serde(default)]
    fail_attempts: u32,
    #[serde(default)]
    sleep_ms: u64,
}

fn first_attempt() -> u32 {
    1
}

/// How often a sleeping `Process` task checks whether its cancellation was requested.
const CANCEL_CHECK_INTERVAL: Duration = Duration::from_millis(100);

pub struct Process;

impl Activity for Process {
    fn registration(&self) -> ActivityRegistration {
        // The worker heartbeats every half of the heartbeat timeout, and a cancellation request
        // reaches the activity with a heartbeat's response, so a short timeout makes it arrive
        // within 5 seconds.
        ActivityRegistration::new("Process", "1")
            .description("Uppercases the text of a JSON request, failing its first attempts on request")
            .default_task_list(TASK_LIST)
            .default_task_schedule_to_start_timeout_secs(300)
            .default_task_schedule_to_close_timeout_secs(360)
            .default_task_start_to_close_timeout_secs(300)
            .default_task_heartbeat_timeout_secs(10)
    }

    fn run(&self, task: &ActivityTask, context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        let input = task.input.as_deref().unwrap_or_default();
        let request: ProcessRequest = serde_json::from_str(input)
            .map_err(|error| ActivityFailure::new("invalid request").details(format!("{error}: {input}")))?;
        info!(
            "processing attempt {} of activity {}",
            request.attempt, task.activity_id
        );

        let started = Instant::now();
        let deadline = started + Duration::from_millis(request.sleep_ms);
        while Instant::now() < deadline {
            if context.is_cancel_requested() {
                info!("activity {} canceled", task.activity_id);
                return Err(ActivityFailure::new("canceled").details("cancellation was requested"));
            }
            // SWF records the last details in ActivityTaskTimedOut if the task times out.
            context.record_heartbeat(&format!(
                "attempt {}: slept {} of {} ms",
                request.attempt,
                started.elapsed().as_millis(),
                request.sleep_ms
            ));
            thread::sleep(CANCEL_CHECK_INTERVAL.min(deadline.saturating_duration_since(Instant::now())));
        }

        if request.attempt <= request.fail_attempts {
            return Err(ActivityFailure::new("planned failure").details(format!(
                "attempt {} of the {} that the request asks to fail",
                request.attempt, request.fail_attempts
            )));
        }
        Ok(request.text.to_uppercase())
    }
}

caravan_plugin::export_plugin! {
    name: "pipeline-activities",
    version: env!("CARGO_PKG_VERSION"),
    activities: [Uppercase, Check, Process],
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

    #[test]
    fn process_fails_requested_attempts() {
        let cancel = AtomicBool::new(false);
        let request = |attempt: u32| format!(r#"{{"text": "hi", "attempt": {attempt}, "failAttempts": 2}}"#);

        let first = Process.run(&task("Process", &request(1)), &ActivityContext::new(&cancel));
        let second = Process.run(&task("Process", &request(2)), &ActivityContext::new(&cancel));
        let third = Process.run(&task("Process", &request(3)), &ActivityContext::new(&cancel));

        assert_eq!(first.unwrap_err().reason.as_deref(), Some("planned failure"));
        assert_eq!(second.unwrap_err().reason.as_deref(), Some("planned failure"));
        assert_eq!(third, Ok("HI".to_owned()));
    }

    #[test]
    fn process_stops_when_canceled() {
        let cancel = AtomicBool::new(true);

        let result = Process.run(
            &task("Process", r#"{"text": "hi", "sleepMs": 60000}"#),
            &ActivityContext::new(&cancel),
        );

        assert_eq!(result.unwrap_err().reason.as_deref(), Some("canceled"));
    }

    #[test]
    fn process_records_progress_while_sleeping() {
        let cancel = AtomicBool::new(false);
        let recorded = std::sync::Mutex::new(Vec::new());
        let sink = |details: &str| recorded.lock().unwrap().push(details.to_owned());
        let context = ActivityContext::new(&cancel).with_heartbeat_sink(&sink);

        let result = Process.run(
            &task("Process", r#"{"text": "hi", "attempt": 2, "sleepMs": 250}"#),
            &context,
        );

        assert_eq!(result, Ok("HI".to_owned()));
        let recorded = recorded.into_inner().unwrap();
        assert!(!recorded.is_empty());
        assert!(
            recorded.iter().all(|details| details.starts_with("attempt 2: slept ")),
            "{recorded:?}"
        );
        assert!(
            recorded.iter().all(|details| details.ends_with(" of 250 ms")),
            "{recorded:?}"
        );
    }

    #[test]
    fn process_rejects_invalid_request() {
        let cancel = AtomicBool::new(false);

        let failure = Process
            .run(&task("Process", "not json"), &ActivityContext::new(&cancel))
            .unwrap_err();

        assert_eq!(failure.reason.as_deref(), Some("invalid request"));
    }
}
