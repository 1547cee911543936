//! Trivial workflows for the decider benchmark, so that what is measured is the decider's own cost:
//! polling, history parsing, the plugin call and the response.
//!
//! - `bench_complete` version `1` completes on its first decision task.
//! - `bench_timers` version `1` starts a 0-second timer three times, one per decision task, then
//!   completes: four decision tasks per execution.

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::{DecisionTask, EventAttributes};
use caravan_plugin::manifest::WorkflowRegistration;
use caravan_plugin::types::ChildPolicy;
use caravan_plugin::{Workflow, WorkflowError};

/// Task list the benchmark's workflow types are registered with.
const TASK_LIST: &str = "caravan-bench";

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

caravan_plugin::export_plugin! {
    name: "bench",
    version: env!("CARGO_PKG_VERSION"),
    workflows: [BenchComplete, BenchTimers],
}
