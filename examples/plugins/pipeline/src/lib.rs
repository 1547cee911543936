//! An example workflow built on `caravan_plugin::toolkit`, on decision task list `pipeline`.
//!
//! `Pipeline` version `1` takes a JSON input, `{"text": ..., "failAttempts": K, "sleepMs": MS}`
//! (only `text` is required), and runs three steps one after the other:
//!
//! 1. Activity `Process` version `1` of the `pipeline-activities` plugin, which returns the text
//!    in upper case. `failAttempts` and `sleepMs` go to the activity with the attempt number, so
//!    a test can make its first attempts fail or make it run for a while. A failed or timed-out
//!    attempt is retried twice, after a timer of 1 and then 2 seconds, and the execution fails
//!    when the third attempt fails too.
//! 2. Lambda function `summarize`, with the activity's result as input.
//! 3. Child workflow `PipelineChild` version `1`, with the activity's result as input, which
//!    completes with the text reversed.
//!
//! The execution then completes with `{"activity": ..., "summary": ..., "child": ...}`, where
//! `summary` is the Lambda function's result, as JSON when it parses as JSON.
//!
//! When cancellation is requested, the workflow requests cancellation of a running activity and
//! waits until it closes, then cancels its timers, requests cancellation of a running child
//! workflow and closes with `CancelWorkflowExecution`. A running Lambda function cannot be
//! canceled. SWF does not record the result of an activity or Lambda function that closes after
//! its execution did.
//!
//! The type's default Lambda role is [`LAMBDA_ROLE`], so executions started without a role can
//! run the Lambda function. The role names no real IAM role: on AWS, start executions with a role
//! of your account.

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::DecisionTask;
use caravan_plugin::manifest::WorkflowRegistration;
use caravan_plugin::toolkit::{
    ActivityTask, ChildWorkflow, DecisionList, LambdaFunction, RetryPolicy, TaskState, TaskStatus, TaskType,
    TimerStatus, WorkflowState, retry_after,
};
use caravan_plugin::types::{ActivityType, ChildPolicy, WorkflowType};
use caravan_plugin::{Workflow, WorkflowError};
use serde::Deserialize;
use serde_json::{Value, json};

/// The decision task list of both workflow types.
const TASK_LIST: &str = "pipeline";

/// The activity id of the `Process` step, the same for every attempt.
const ACTIVITY_ID: &str = "process";
/// The id of the Lambda task, and the name of the function it runs.
const LAMBDA_ID: &str = "summarize";
const LAMBDA_NAME: &str = "summarize";

/// The default Lambda role of `Pipeline` executions, an IAM role ARN of a placeholder account.
pub const LAMBDA_ROLE: &str = "arn:aws:iam::000000000000:role/caravan-pipeline";

/// The input of a `Pipeline` execution.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PipelineInput {
    text: String,
    #[serde(default)]
    fail_attempts: u32,
    #[serde(default)]
    sleep_ms: u64,
}

/// Three attempts of the activity in all, with 1 and then 2 seconds between them.
fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        initial_delay_secs: 1,
        backoff_coefficient: 2,
        max_delay_secs: 60,
        max_attempts: Some(3),
    }
}

pub struct Pipeline;

impl Workflow for Pipeline {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Pipeline", "1")
            .description("Runs an activity with retries, a Lambda function and a child workflow")
            .default_task_list(TASK_LIST)
            .default_execution_start_to_close_timeout_secs(600)
            .default_task_start_to_close_timeout_secs(10)
            .default_child_policy(ChildPolicy::Terminate)
            .default_lambda_role(LAMBDA_ROLE)
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let state = WorkflowState::from_task(task);
        if state.cancel_requested() {
            return cancel(&state);
        }

        let input = match serde_json::from_str::<PipelineInput>(state.input().unwrap_or_default()) {
            Ok(input) => input,
            Err(error) => {
                let fail = Decision::fail_workflow_execution("invalid input", Some(error.to_string()));
                return Ok(Decisions::from(vec![fail]));
            }
        };

        let mut decisions = DecisionList::new();
        for retry in state.due_retries() {
            if retry.id == ACTIVITY_ID {
                decisions.push(process_task(&input, retry.attempt)?)?;
            }
        }

        let Some(activity) = state.activities.get(ACTIVITY_ID) else {
            decisions.push(process_task(&input, 1)?)?;
            return Ok(decisions.finish()?);
        };
        if state.is_new(activity.last_event_id) {
            decide_activity(activity, &input, &mut decisions)?;
        }

        let activity_result = activity.result.clone().unwrap_or_default();
        if let Some(lambda) = state.lambda_functions.get(LAMBDA_ID)
            && state.is_new(lambda.last_event_id)
        {
            decide_lambda(lambda, task, &state, &activity_result, &mut decisions)?;
        }

        let child_id = child_workflow_id(task);
        if let Some(child) = state.child_workflows.get(&child_id)
            && state.is_new(child.last_event_id)
        {
            let summary = state
                .lambda_functions
                .get(LAMBDA_ID)
                .and_then(|lambda| lambda.result.clone())
                .unwrap_or_default();
            decide_child(child, &activity_result, &summary, &mut decisions)?;
        }

        Ok(decisions.finish()?)
    }
}

/// Reacts to a new event of the activity: on completion runs the Lambda function, on failure
/// starts a retry timer or fails the execution.
fn decide_activity(
    activity: &TaskState,
    input: &PipelineInput,
    decisions: &mut DecisionList,
) -> Result<(), WorkflowError> {
    match activity.status {
        TaskStatus::Completed => {
            let summarize = LambdaFunction::new(LAMBDA_ID, LAMBDA_NAME)
                .input(activity.result.clone().unwrap_or_default())
                .start_to_close_timeout_secs(60)
                .build()?;
            decisions.push(summarize)?;
        }
        TaskStatus::Failed | TaskStatus::TimedOut | TaskStatus::ScheduleFailed => {
            let next_attempt = activity.attempts + 1;
            match retry_after(&process_task(input, next_attempt)?, next_attempt, &retry_policy())? {
                Some(timer) => {
                    decisions.push(timer)?;
                }
                None => {
                    let reason = format!("activity {ACTIVITY_ID} failed after {} attempts", activity.attempts);
                    decisions.push(Decision::fail_workflow_execution(reason, failure_details(activity)))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Reacts to a new event of the Lambda task: on completion starts the child workflow, when the
/// function cannot run or fails, fails the execution.
fn decide_lambda(
    lambda: &TaskState,
    task: &DecisionTask,
    state: &WorkflowState,
    activity_result: &str,
    decisions: &mut DecisionList,
) -> Result<(), WorkflowError> {
    match lambda.status {
        TaskStatus::Completed => {
            let lambda_role = state
                .started
                .as_ref()
                .and_then(|started| started.lambda_role.clone())
                .unwrap_or_else(|| LAMBDA_ROLE.to_owned());
            let child = ChildWorkflow::new(child_workflow_id(task), PipelineChild.workflow_type())
                .input(activity_result)
                .lambda_role(lambda_role)
                .build()?;
            decisions.push(child)?;
        }
        status if !status.is_open() => {
            let reason = format!("Lambda function {LAMBDA_NAME} did not complete: {status:?}");
            decisions.push(Decision::fail_workflow_execution(reason, failure_details(lambda)))?;
        }
        _ => {}
    }
    Ok(())
}

/// Reacts to a new event of the child workflow: completes the execution with all three results,
/// or fails it when the child did not complete.
fn decide_child(
    child: &TaskState,
    activity_result: &str,
    summary: &str,
    decisions: &mut DecisionList,
) -> Result<(), WorkflowError> {
    match child.status {
        TaskStatus::Completed => {
            let summary = serde_json::from_str::<Value>(summary).unwrap_or_else(|_| Value::from(summary));
            let result = json!({
                "activity": activity_result,
                "summary": summary,
                "child": child.result.clone().unwrap_or_default(),
            });
            decisions.push(Decision::complete_workflow_execution(Some(result.to_string())))?;
        }
        status if !status.is_open() => {
            let reason = format!("child workflow {} did not complete: {status:?}", child.id);
            decisions.push(Decision::fail_workflow_execution(reason, failure_details(child)))?;
        }
        _ => {}
    }
    Ok(())
}

/// Builds the decisions for a cancellation request. While an activity runs, they only request its
/// cancellation, so that its end is recorded before the execution closes.
fn cancel(state: &WorkflowState) -> Result<Decisions, WorkflowError> {
    let mut decisions = DecisionList::new();

    let open_activities: Vec<&TaskState> = state
        .activities
        .values()
        .filter(|activity| activity.status.is_open())
        .collect();
    if !open_activities.is_empty() {
        for activity in open_activities {
            if !activity.cancel_requested {
                decisions.push(Decision::request_cancel_activity_task(activity.id.clone()))?;
            }
        }
        return Ok(decisions.finish()?);
    }

    for timer in state.timers.values() {
        if timer.status == TimerStatus::Started {
            decisions.push(Decision::cancel_timer(timer.timer_id.clone()))?;
        }
    }
    for child in state.child_workflows.values() {
        if child.status.is_open() {
            let run_id = match &child.task_type {
                TaskType::ChildWorkflow { run_id, .. } => run_id.clone(),
                _ => None,
            };
            decisions.push(Decision::request_cancel_external_workflow_execution(
                child.id.clone(),
                run_id,
            ))?;
        }
    }
    decisions.push(Decision::cancel_workflow_execution(Some(
        "cancellation was requested".to_owned(),
    )))?;
    Ok(decisions.finish()?)
}

/// Builds the decision that schedules attempt `attempt` of the activity.
fn process_task(input: &PipelineInput, attempt: u32) -> Result<Decision, WorkflowError> {
    let request = json!({
        "text": input.text,
        "attempt": attempt,
        "failAttempts": input.fail_attempts,
        "sleepMs": input.sleep_ms,
    });
    Ok(ActivityTask::new(ACTIVITY_ID, ActivityType::new("Process", "1"))
        .input(request.to_string())
        .build()?)
}

/// Returns the child's workflow id, derived from the parent's so that it is the same in every
/// decision task.
fn child_workflow_id(task: &DecisionTask) -> String {
    format!("{}-child", task.workflow_execution.workflow_id)
}

/// Returns the failure of a task as the details of a `FailWorkflowExecution` decision.
fn failure_details(task: &TaskState) -> Option<String> {
    let failure = task.failure.as_ref()?;
    let parts: Vec<&str> = [&failure.reason, &failure.details, &failure.timeout_type, &failure.cause]
        .into_iter()
        .filter_map(|part| part.as_deref())
        .collect();
    Some(parts.join(": "))
}

/// The child workflow: completes with its input reversed, or closes as canceled when its
/// cancellation was requested first.
pub struct PipelineChild;

impl Workflow for PipelineChild {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("PipelineChild", "1")
            .description("Completes with its input reversed")
            .default_task_list(TASK_LIST)
            .default_execution_start_to_close_timeout_secs(120)
            .default_task_start_to_close_timeout_secs(10)
            .default_child_policy(ChildPolicy::Terminate)
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let state = WorkflowState::from_task(task);
        let decision = if state.cancel_requested() {
            Decision::cancel_workflow_execution(None)
        } else {
            let reversed: String = state.input().unwrap_or_default().chars().rev().collect();
            Decision::complete_workflow_execution(Some(reversed))
        };
        Ok(Decisions::from(vec![decision]))
    }
}

impl PipelineChild {
    /// Returns the workflow type, for the parent's `StartChildWorkflowExecution` decision.
    fn workflow_type(&self) -> WorkflowType {
        self.registration().workflow_type()
    }
}

caravan_plugin::export_plugin! {
    name: "pipeline",
    version: env!("CARGO_PKG_VERSION"),
    workflows: [Pipeline, PipelineChild],
}

#[cfg(test)]
mod tests;
