//! A plugin with a workflow and activities, for the host's integration tests of activity workers.
//!
//! Workflow type `Relay` version `1` (task list `relay`, execution timeout 600 seconds, decision
//! task timeout 20 seconds, child policy `TERMINATE`) takes as input a JSON object
//! `{"activity": NAME, "version": VERSION, "taskList": LIST, "input": TEXT}`. When the execution
//! starts, it schedules that activity with id `step` on that task list, with a schedule-to-start
//! timeout of 60 seconds, start-to-close of 60, and the heartbeat timeout of the optional member
//! `heartbeatTimeout` or none. Signal `CANCEL` requests cancellation of the activity. The workflow
//! closes the execution with the activity's outcome:
//!
//! - `ActivityTaskCompleted`: completes with the activity's result.
//! - `ActivityTaskFailed`: fails with the activity's reason and details.
//! - `ActivityTaskCanceled`: completes with the result `canceled`.
//! - `ActivityTaskTimedOut`: fails with reason `activity timed out: TYPE`.
//! - `ScheduleActivityTaskFailed`: fails with the cause as the reason.
//!
//! Activity types, on task list `relay-work` by default:
//!
//! - `Sleep` version `1` logs `relay: sleep started`, sleeps for the number of milliseconds in
//!   its input, and returns `slept`.
//! - `Fail` version `1` fails with its input as both reason and details.
//! - `Wait` version `1` (heartbeat timeout 2 seconds) logs `relay: wait started` and waits for
//!   the number of milliseconds in its input, then returns `waited`. When the host requests
//!   that it stop early, it fails at once with reason `stopped` and details `stopped early`.
//! - `WaitLongHeartbeat` version `1` does what `Wait` does, but its type's registered heartbeat
//!   timeout is 20 seconds.
//! - `Progress` version `1` (heartbeat timeout 2 seconds) records the heartbeat details
//!   `step 1`, `step 2` and then its input, logs `relay: progress recorded`, and waits until the
//!   host requests that it stop early, or for 60 seconds. It then fails with reason `stopped`
//!   and details `stopped early`, or returns `progressed`.

use std::thread;
use std::time::{Duration, Instant};

use caravan_plugin::decision::{Decision, Decisions, ScheduleActivityTaskDecisionAttributes};
use caravan_plugin::history::{DecisionTask, EventAttributes};
use caravan_plugin::log::info;
use caravan_plugin::manifest::{ActivityRegistration, WorkflowRegistration};
use caravan_plugin::types::{ActivityType, ChildPolicy, TaskList};
use caravan_plugin::{Activity, ActivityContext, ActivityFailure, ActivityTask, Workflow, WorkflowError};

pub struct Relay;

impl Workflow for Relay {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Relay", "1")
            .description("Runs one activity and closes with its outcome, for caravan's tests")
            .default_task_list("relay")
            .default_execution_start_to_close_timeout_secs(600)
            .default_task_start_to_close_timeout_secs(20)
            .default_child_policy(ChildPolicy::Terminate)
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let mut decisions = Decisions::new();

        for event in task.new_events() {
            let decision = match &event.attributes {
                EventAttributes::WorkflowExecutionStarted(started) => schedule(started.input.as_deref())?,
                EventAttributes::ActivityTaskCompleted(completed) => {
                    Decision::complete_workflow_execution(completed.result.clone())
                }
                EventAttributes::ActivityTaskFailed(failed) => {
                    Decision::fail_workflow_execution(failed.reason.clone().unwrap_or_default(), failed.details.clone())
                }
                EventAttributes::ActivityTaskCanceled(_) => {
                    Decision::complete_workflow_execution(Some("canceled".to_owned()))
                }
                EventAttributes::ActivityTaskTimedOut(timed_out) => {
                    Decision::fail_workflow_execution(format!("activity timed out: {}", timed_out.timeout_type), None)
                }
                EventAttributes::WorkflowExecutionSignaled(signal) if signal.signal_name == "CANCEL" => {
                    Decision::request_cancel_activity_task("step")
                }
                EventAttributes::ScheduleActivityTaskFailed(failed) => {
                    Decision::fail_workflow_execution(failed.cause.to_string(), None)
                }
                _ => continue,
            };
            let closes_execution = decision.is_closing();
            decisions.push(decision);
            if closes_execution {
                break;
            }
        }

        Ok(decisions)
    }
}

fn schedule(input: Option<&str>) -> Result<Decision, WorkflowError> {
    let request: serde_json::Value = serde_json::from_str(input.unwrap_or("{}"))?;
    let text = |key: &str| request[key].as_str().unwrap_or_default().to_owned();

    Ok(Decision::ScheduleActivityTask(ScheduleActivityTaskDecisionAttributes {
        activity_type: ActivityType::new(text("activity"), text("version")),
        activity_id: "step".to_owned(),
        input: Some(text("input")),
        task_list: Some(TaskList::new(text("taskList"))),
        schedule_to_start_timeout: Some("60".to_owned()),
        schedule_to_close_timeout: Some("120".to_owned()),
        start_to_close_timeout: Some("60".to_owned()),
        heartbeat_timeout: Some(request["heartbeatTimeout"].as_str().unwrap_or("NONE").to_owned()),
        ..Default::default()
    }))
}

fn registration(name: &str) -> ActivityRegistration {
    ActivityRegistration::new(name, "1")
        .default_task_list("relay-work")
        .default_task_schedule_to_start_timeout_secs(60)
        .default_task_schedule_to_close_timeout_secs(120)
        .default_task_start_to_close_timeout_secs(60)
        .default_task_heartbeat_timeout_secs(60)
}

pub struct Sleep;

impl Activity for Sleep {
    fn registration(&self) -> ActivityRegistration {
        registration("Sleep")
    }

    fn run(&self, task: &ActivityTask, _context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        let millis: u64 = task
            .input
            .as_deref()
            .unwrap_or("0")
            .trim()
            .parse()
            .map_err(|_| ActivityFailure::new("the input is not a number of milliseconds"))?;
        info!("relay: sleep started");
        thread::sleep(Duration::from_millis(millis));
        Ok("slept".to_owned())
    }
}

pub struct Fail;

impl Activity for Fail {
    fn registration(&self) -> ActivityRegistration {
        registration("Fail")
    }

    fn run(&self, task: &ActivityTask, _context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        let input = task.input.clone().unwrap_or_default();
        Err(ActivityFailure::new(input.clone()).details(input))
    }
}

pub struct Wait;

impl Activity for Wait {
    fn registration(&self) -> ActivityRegistration {
        registration("Wait").default_task_heartbeat_timeout_secs(2)
    }

    fn run(&self, task: &ActivityTask, context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        wait(task, context)
    }
}

pub struct WaitLongHeartbeat;

impl Activity for WaitLongHeartbeat {
    fn registration(&self) -> ActivityRegistration {
        registration("WaitLongHeartbeat").default_task_heartbeat_timeout_secs(20)
    }

    fn run(&self, task: &ActivityTask, context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        wait(task, context)
    }
}

/// Waits for the number of milliseconds in the task's input, or until the host requests that the
/// activity stop early.
fn wait(task: &ActivityTask, context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
    let millis: u64 = task
        .input
        .as_deref()
        .unwrap_or("0")
        .trim()
        .parse()
        .map_err(|_| ActivityFailure::new("the input is not a number of milliseconds"))?;
    info!("relay: wait started");

    if wait_unless_stopped(context, Duration::from_millis(millis)) {
        return Err(ActivityFailure::new("stopped").details("stopped early"));
    }
    Ok("waited".to_owned())
}

/// Waits for `duration` and returns false, or returns true as soon as the host requests that the
/// activity stop early.
fn wait_unless_stopped(context: &ActivityContext<'_>, duration: Duration) -> bool {
    let deadline = Instant::now() + duration;
    while Instant::now() < deadline {
        if context.is_cancel_requested() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

pub struct Progress;

impl Activity for Progress {
    fn registration(&self) -> ActivityRegistration {
        registration("Progress").default_task_heartbeat_timeout_secs(2)
    }

    fn run(&self, task: &ActivityTask, context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        context.record_heartbeat("step 1");
        context.record_heartbeat("step 2");
        context.record_heartbeat(task.input.as_deref().unwrap_or_default());
        info!("relay: progress recorded");

        if wait_unless_stopped(context, Duration::from_secs(60)) {
            return Err(ActivityFailure::new("stopped").details("stopped early"));
        }
        Ok("progressed".to_owned())
    }
}

caravan_plugin::export_plugin! {
    name: "relay",
    version: "1.0.0",
    workflows: [Relay],
    activities: [Sleep, Fail, Wait, WaitLongHeartbeat, Progress],
}
