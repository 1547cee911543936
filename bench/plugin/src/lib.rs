//! Trivial workflows for the decider benchmark, so that what is measured is the decider's own cost:
//! polling, history parsing, the plugin call and the response.
//!
//! - `bench_complete` version `1` completes on its first decision task.
//! - `bench_timers` version `1` starts a 0-second timer three times, one per decision task, then
//!   completes: four decision tasks per execution.
//! - `bench_activity` version `1` schedules one `bench_noop` activity on task list
//!   `caravan-bench-work` on its first decision task, and completes when the activity has
//!   completed.
//! - `bench_signals` version `1` folds the whole history with the toolkit's `WorkflowState` on
//!   every decision task. When the last signal is named `finish`, it completes with the number of
//!   signals received. Until then it makes no decisions.
//!
//! Activity type `bench_noop` version `1` (task list `caravan-bench-work`) returns `ok` at once.

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::{DecisionTask, EventAttributes};
use caravan_plugin::manifest::{ActivityRegistration, WorkflowRegistration};
use caravan_plugin::toolkit::{self, Timeout, WorkflowState};
use caravan_plugin::types::{ActivityType, ChildPolicy};
use caravan_plugin::{Activity, ActivityContext, ActivityFailure, ActivityTask, Workflow, WorkflowError};

/// Task list the benchmark's workflow types are registered with.
const TASK_LIST: &str = "caravan-bench";

/// Task list the benchmark's activity type is registered with.
const ACTIVITY_TASK_LIST: &str = "caravan-bench-work";

fn registration(name: &str) -> WorkflowRegistration {
    WorkflowRegistration::new(name, "1")
        .default_task_list(TASK_LIST)
        .default_execution_start_to_close_timeout_secs(3600)
        .default_task_start_to_close_timeout_secs(60)
        .default_child_policy(ChildPolicy::Terminate)
}

struct BenchComplete;

impl Workflow for BenchComplete {
    fn registration(&self) -> WorkflowRegistration {
        registration("bench_complete")
    }

    fn decide(&self, _task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        Ok(Decisions::from(vec![Decision::complete_workflow_execution(Some(
            "ok".to_owned(),
        ))]))
    }
}

struct BenchTimers;

impl Workflow for BenchTimers {
    fn registration(&self) -> WorkflowRegistration {
        registration("bench_timers")
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let fired = task
            .events
            .iter()
            .filter(|event| matches!(event.attributes, EventAttributes::TimerFired(_)))
            .count();

        let decision = if fired < 3 {
            Decision::start_timer(format!("t{fired}"), 0)
        } else {
            Decision::complete_workflow_execution(Some("ok".to_owned()))
        };
        Ok(Decisions::from(vec![decision]))
    }
}

struct BenchActivity;

impl Workflow for BenchActivity {
    fn registration(&self) -> WorkflowRegistration {
        registration("bench_activity")
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let completed = task
            .events
            .iter()
            .any(|event| matches!(event.attributes, EventAttributes::ActivityTaskCompleted(_)));
        let scheduled = task
            .events
            .iter()
            .any(|event| matches!(event.attributes, EventAttributes::ActivityTaskScheduled(_)));

        let decisions = if completed {
            vec![Decision::complete_workflow_execution(Some("ok".to_owned()))]
        } else if scheduled {
            Vec::new()
        } else {
            let noop = toolkit::ActivityTask::new("noop", ActivityType::new("bench_noop", "1"))
                .task_list(ACTIVITY_TASK_LIST)
                .schedule_to_start_timeout(Timeout::Seconds(3600))
                .schedule_to_close_timeout(Timeout::Seconds(3660))
                .start_to_close_timeout(Timeout::Seconds(60))
                .heartbeat_timeout(Timeout::Unlimited)
                .build()?;
            vec![noop]
        };
        Ok(Decisions::from(decisions))
    }
}

struct BenchSignals;

impl Workflow for BenchSignals {
    fn registration(&self) -> WorkflowRegistration {
        registration("bench_signals")
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let state = WorkflowState::from_task(task);
        let finished = state.signals.last().is_some_and(|signal| signal.name == "finish");

        let decisions = if finished {
            let received = state.signals.len().to_string();
            vec![Decision::complete_workflow_execution(Some(received))]
        } else {
            Vec::new()
        };
        Ok(Decisions::from(decisions))
    }
}

struct BenchNoop;

impl Activity for BenchNoop {
    fn registration(&self) -> ActivityRegistration {
        ActivityRegistration::new("bench_noop", "1")
            .default_task_list(ACTIVITY_TASK_LIST)
            .default_task_schedule_to_start_timeout_secs(3600)
            .default_task_schedule_to_close_timeout_secs(3660)
            .default_task_start_to_close_timeout_secs(60)
            .default_task_heartbeat_timeout_secs(60)
    }

    fn run(&self, _task: &ActivityTask, _context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        Ok("ok".to_owned())
    }
}

caravan_plugin::export_plugin! {
    name: "bench",
    version: env!("CARGO_PKG_VERSION"),
    workflows: [BenchComplete, BenchTimers, BenchActivity, BenchSignals],
    activities: [BenchNoop],
}
