//! A plugin built in two versions from this one source, for tests that replace a plugin file while
//! the daemon runs: the packages `caravan-test-versioned-1` (version 1.0.0) and
//! `caravan-test-versioned-2` (version 2.0.0).
//!
//! Workflow type `Versioned` version `1` (task list `versioned`, execution timeout 600 seconds,
//! decision task timeout 5 seconds) completes on its first decision with the result
//! `WORKFLOW_ID by VERSION`, so a test can tell which build decided each execution. The short task
//! timeout makes a decision task that no decider completed show as DecisionTaskTimedOut.

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::DecisionTask;
use caravan_plugin::manifest::WorkflowRegistration;
use caravan_plugin::types::ChildPolicy;
use caravan_plugin::{Workflow, WorkflowError};

pub struct Versioned;

impl Workflow for Versioned {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Versioned", "1")
            .description("Completes at once with the plugin version, for caravan's tests")
            .default_task_list("versioned")
            .default_execution_start_to_close_timeout_secs(600)
            .default_task_start_to_close_timeout_secs(5)
            .default_child_policy(ChildPolicy::Terminate)
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let result = format!(
            "{} by {}",
            task.workflow_execution.workflow_id,
            env!("CARGO_PKG_VERSION")
        );
        Ok(Decisions::from(vec![Decision::complete_workflow_execution(Some(
            result,
        ))]))
    }
}

caravan_plugin::export_plugin! {
    name: "versioned",
    version: env!("CARGO_PKG_VERSION"),
    workflows: [Versioned],
}
