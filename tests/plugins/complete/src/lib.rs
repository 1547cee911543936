//! A plugin whose workflow completes on its first decision, for tests that run many executions.
//!
//! Workflow type `Complete` version `1` (task list `complete`, execution timeout 600 seconds,
//! decision task timeout 3 seconds, child policy `TERMINATE`) responds to every decision task
//! with `CompleteWorkflowExecution` and the workflow id as result. The short task timeout makes a
//! decision task that no decider received, such as one whose poll response was lost, come back
//! after 3 seconds.

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::DecisionTask;
use caravan_plugin::manifest::WorkflowRegistration;
use caravan_plugin::types::ChildPolicy;
use caravan_plugin::{Workflow, WorkflowError};

pub struct Complete;

impl Workflow for Complete {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Complete", "1")
            .description("Completes on its first decision, for caravan's tests")
            .default_task_list("complete")
            .default_execution_start_to_close_timeout_secs(600)
            .default_task_start_to_close_timeout_secs(3)
            .default_child_policy(ChildPolicy::Terminate)
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let result = task.workflow_execution.workflow_id.clone();
        Ok(Decisions::from(vec![Decision::complete_workflow_execution(Some(
            result,
        ))]))
    }
}

caravan_plugin::export_plugin! {
    name: "complete",
    version: env!("CARGO_PKG_VERSION"),
    workflows: [Complete],
}
