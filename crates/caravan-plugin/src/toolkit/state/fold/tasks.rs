//! The parts of the pass for activity tasks, Lambda tasks and child workflow executions,
//! which share [`TaskState`].

use super::*;
use crate::decision::{
    ScheduleActivityTaskDecisionAttributes, ScheduleLambdaFunctionDecisionAttributes,
    StartChildWorkflowExecutionDecisionAttributes,
};
use crate::history::StartChildWorkflowExecutionFailedEventAttributes;

impl Folder {
    pub(super) fn apply_activity(&mut self, id: i64, attributes: &EventAttributes) -> bool {
        match attributes {
            EventAttributes::ActivityTaskScheduled(scheduled) => {
                self.activity_ids.insert(id, scheduled.activity_id.clone());
                let task = scheduled_task(
                    &mut self.state.activities,
                    &scheduled.activity_id,
                    TaskType::Activity(scheduled.activity_type.clone()),
                    id,
                );
                task.input = scheduled.input.clone();
                task.control = scheduled.control.clone();
                task.decision = Some(decisions::schedule_activity_task(scheduled));
            }
            EventAttributes::ScheduleActivityTaskFailed(failed) => {
                let task = schedule_failed_task(
                    &mut self.state.activities,
                    &failed.activity_id,
                    TaskType::Activity(failed.activity_type.clone()),
                    failed.cause.as_str(),
                    id,
                );
                let attempt = task.attempts;
                let activity_id = failed.activity_id.clone();
                self.note_failure("ScheduleActivityTask", activity_id, failed.cause.as_str(), id, attempt);
            }
            EventAttributes::ActivityTaskStarted(started) => {
                if let Some(task) = find(
                    &mut self.state.activities,
                    &self.activity_ids,
                    started.scheduled_event_id,
                ) {
                    task.status = TaskStatus::Started;
                    task.started_event_id = id;
                    task.last_event_id = id;
                }
            }
            EventAttributes::ActivityTaskCompleted(completed) => {
                if let Some(task) = find(
                    &mut self.state.activities,
                    &self.activity_ids,
                    completed.scheduled_event_id,
                ) {
                    close(task, TaskStatus::Completed, id, None);
                    task.result = completed.result.clone();
                }
            }
            EventAttributes::ActivityTaskFailed(failed) => {
                let failure = Failure {
                    reason: failed.reason.clone(),
                    details: failed.details.clone(),
                    ..Failure::default()
                };
                if let Some(task) = find(
                    &mut self.state.activities,
                    &self.activity_ids,
                    failed.scheduled_event_id,
                ) {
                    close(task, TaskStatus::Failed, id, Some(failure));
                }
            }
            EventAttributes::ActivityTaskTimedOut(timed_out) => {
                let failure = Failure {
                    details: timed_out.details.clone(),
                    timeout_type: Some(timed_out.timeout_type.to_string()),
                    ..Failure::default()
                };
                if let Some(task) = find(
                    &mut self.state.activities,
                    &self.activity_ids,
                    timed_out.scheduled_event_id,
                ) {
                    close(task, TaskStatus::TimedOut, id, Some(failure));
                }
            }
            EventAttributes::ActivityTaskCanceled(canceled) => {
                let failure = Failure {
                    details: canceled.details.clone(),
                    ..Failure::default()
                };
                if let Some(task) = find(
                    &mut self.state.activities,
                    &self.activity_ids,
                    canceled.scheduled_event_id,
                ) {
                    close(task, TaskStatus::Canceled, id, Some(failure));
                }
            }
            EventAttributes::ActivityTaskCancelRequested(requested) => {
                if let Some(task) = self.state.activities.get_mut(&requested.activity_id) {
                    task.cancel_requested = true;
                    task.last_event_id = id;
                }
            }
            _ => return false,
        }
        true
    }

    pub(super) fn apply_lambda(&mut self, id: i64, attributes: &EventAttributes) -> bool {
        match attributes {
            EventAttributes::LambdaFunctionScheduled(scheduled) => {
                self.lambda_ids.insert(id, scheduled.id.clone());
                let task = scheduled_task(
                    &mut self.state.lambda_functions,
                    &scheduled.id,
                    TaskType::LambdaFunction(scheduled.name.clone()),
                    id,
                );
                task.input = scheduled.input.clone();
                task.control = scheduled.control.clone();
                task.decision = Some(decisions::schedule_lambda_function(scheduled));
            }
            EventAttributes::ScheduleLambdaFunctionFailed(failed) => {
                let task = schedule_failed_task(
                    &mut self.state.lambda_functions,
                    &failed.id,
                    TaskType::LambdaFunction(failed.name.clone()),
                    failed.cause.as_str(),
                    id,
                );
                let attempt = task.attempts;
                self.note_failure(
                    "ScheduleLambdaFunction",
                    failed.id.clone(),
                    failed.cause.as_str(),
                    id,
                    attempt,
                );
            }
            EventAttributes::LambdaFunctionStarted(started) => {
                if let Some(task) = find(
                    &mut self.state.lambda_functions,
                    &self.lambda_ids,
                    started.scheduled_event_id,
                ) {
                    task.status = TaskStatus::Started;
                    task.started_event_id = id;
                    task.last_event_id = id;
                }
            }
            EventAttributes::StartLambdaFunctionFailed(failed) => {
                let failure = Failure {
                    details: failed.message.clone(),
                    cause: failed.cause.as_ref().map(ToString::to_string),
                    ..Failure::default()
                };
                let scheduled_event_id = failed.scheduled_event_id.unwrap_or_default();
                if let Some(task) = find(&mut self.state.lambda_functions, &self.lambda_ids, scheduled_event_id) {
                    close(task, TaskStatus::StartFailed, id, Some(failure));
                }
            }
            EventAttributes::LambdaFunctionCompleted(completed) => {
                if let Some(task) = find(
                    &mut self.state.lambda_functions,
                    &self.lambda_ids,
                    completed.scheduled_event_id,
                ) {
                    close(task, TaskStatus::Completed, id, None);
                    task.result = completed.result.clone();
                }
            }
            EventAttributes::LambdaFunctionFailed(failed) => {
                let failure = Failure {
                    reason: failed.reason.clone(),
                    details: failed.details.clone(),
                    ..Failure::default()
                };
                if let Some(task) = find(
                    &mut self.state.lambda_functions,
                    &self.lambda_ids,
                    failed.scheduled_event_id,
                ) {
                    close(task, TaskStatus::Failed, id, Some(failure));
                }
            }
            EventAttributes::LambdaFunctionTimedOut(timed_out) => {
                let failure = Failure {
                    timeout_type: timed_out.timeout_type.as_ref().map(ToString::to_string),
                    ..Failure::default()
                };
                if let Some(task) = find(
                    &mut self.state.lambda_functions,
                    &self.lambda_ids,
                    timed_out.scheduled_event_id,
                ) {
                    close(task, TaskStatus::TimedOut, id, Some(failure));
                }
            }
            _ => return false,
        }
        true
    }

    pub(super) fn apply_child(&mut self, id: i64, attributes: &EventAttributes) -> bool {
        let (initiated_event_id, status, result, failure) = match attributes {
            EventAttributes::StartChildWorkflowExecutionInitiated(initiated) => {
                self.child_ids.insert(id, initiated.workflow_id.clone());
                let task_type = TaskType::ChildWorkflow {
                    workflow_type: initiated.workflow_type.clone(),
                    run_id: None,
                };
                let task = scheduled_task(&mut self.state.child_workflows, &initiated.workflow_id, task_type, id);
                task.input = initiated.input.clone();
                task.control = initiated.control.clone();
                task.decision = Some(decisions::start_child_workflow_execution(initiated));
                return true;
            }
            EventAttributes::StartChildWorkflowExecutionFailed(failed) => {
                self.apply_child_start_failed(id, failed);
                return true;
            }
            EventAttributes::ChildWorkflowExecutionStarted(started) => {
                if let Some(task) = find(
                    &mut self.state.child_workflows,
                    &self.child_ids,
                    started.initiated_event_id,
                ) {
                    task.status = TaskStatus::Started;
                    task.started_event_id = id;
                    task.last_event_id = id;
                    if let TaskType::ChildWorkflow { run_id, .. } = &mut task.task_type {
                        *run_id = Some(started.workflow_execution.run_id.clone());
                    }
                }
                return true;
            }
            EventAttributes::ChildWorkflowExecutionCompleted(completed) => (
                completed.initiated_event_id,
                TaskStatus::Completed,
                completed.result.clone(),
                None,
            ),
            EventAttributes::ChildWorkflowExecutionFailed(failed) => {
                let failure = Failure {
                    reason: failed.reason.clone(),
                    details: failed.details.clone(),
                    ..Failure::default()
                };
                (failed.initiated_event_id, TaskStatus::Failed, None, Some(failure))
            }
            EventAttributes::ChildWorkflowExecutionTimedOut(timed_out) => {
                let failure = Failure {
                    timeout_type: Some(timed_out.timeout_type.to_string()),
                    ..Failure::default()
                };
                (timed_out.initiated_event_id, TaskStatus::TimedOut, None, Some(failure))
            }
            EventAttributes::ChildWorkflowExecutionCanceled(canceled) => {
                let failure = Failure {
                    details: canceled.details.clone(),
                    ..Failure::default()
                };
                (canceled.initiated_event_id, TaskStatus::Canceled, None, Some(failure))
            }
            EventAttributes::ChildWorkflowExecutionTerminated(terminated) => {
                (terminated.initiated_event_id, TaskStatus::Terminated, None, None)
            }
            _ => return false,
        };

        if let Some(task) = find(&mut self.state.child_workflows, &self.child_ids, initiated_event_id) {
            close(task, status, id, failure);
            task.result = result;
        }
        true
    }

    /// Applies `StartChildWorkflowExecutionFailed`. SWF records it without an initiated event
    /// (`initiatedEventId` 0) unless the cause is `WORKFLOW_ALREADY_RUNNING`.
    fn apply_child_start_failed(&mut self, id: i64, failed: &StartChildWorkflowExecutionFailedEventAttributes) {
        let cause = failed.cause.as_str();

        let attempt = if let Some(task) = find(
            &mut self.state.child_workflows,
            &self.child_ids,
            failed.initiated_event_id,
        ) {
            close(task, TaskStatus::StartFailed, id, Some(cause_only(cause)));
            task.attempts
        } else {
            let task_type = TaskType::ChildWorkflow {
                workflow_type: failed.workflow_type.clone(),
                run_id: None,
            };
            let task = schedule_failed_task(
                &mut self.state.child_workflows,
                &failed.workflow_id,
                task_type,
                cause,
                id,
            );
            task.control = failed.control.clone();
            task.attempts
        };

        self.note_failure(
            "StartChildWorkflowExecution",
            failed.workflow_id.clone(),
            cause,
            id,
            attempt,
        );
    }
}

/// Starts a new attempt for `id` in `tasks`, keeping the attempt count of earlier ones.
fn new_attempt<'a>(tasks: &'a mut BTreeMap<String, TaskState>, id: &str, task_type: TaskType) -> &'a mut TaskState {
    let attempts = tasks.get(id).map_or(0, |task| task.attempts);
    let task = TaskState {
        id: id.to_owned(),
        task_type,
        status: TaskStatus::Scheduled,
        attempts: attempts + 1,
        input: None,
        control: None,
        scheduled_event_id: 0,
        started_event_id: 0,
        result: None,
        failure: None,
        cancel_requested: false,
        decision: None,
        last_event_id: 0,
    };
    tasks.insert(id.to_owned(), task);
    tasks.get_mut(id).expect("the task was just inserted")
}

fn scheduled_task<'a>(
    tasks: &'a mut BTreeMap<String, TaskState>,
    id: &str,
    task_type: TaskType,
    event_id: i64,
) -> &'a mut TaskState {
    let task = new_attempt(tasks, id, task_type);
    task.scheduled_event_id = event_id;
    task.last_event_id = event_id;
    task
}

/// Records a rejected scheduling decision. An `*_ID_ALREADY_IN_USE` rejection leaves the
/// open task with that id as it is and only counts the attempt.
fn schedule_failed_task<'a>(
    tasks: &'a mut BTreeMap<String, TaskState>,
    id: &str,
    task_type: TaskType,
    cause: &str,
    event_id: i64,
) -> &'a mut TaskState {
    let open = tasks.get(id).is_some_and(|task| task.status.is_open());
    if open && cause.ends_with("ALREADY_IN_USE") {
        let task = tasks.get_mut(id).expect("checked above");
        task.attempts += 1;
        return task;
    }

    let task = new_attempt(tasks, id, task_type);
    close(task, TaskStatus::ScheduleFailed, event_id, Some(cause_only(cause)));
    task
}

fn find<'a>(
    tasks: &'a mut BTreeMap<String, TaskState>,
    ids: &HashMap<i64, String>,
    scheduled_event_id: i64,
) -> Option<&'a mut TaskState> {
    let id = ids.get(&scheduled_event_id)?;
    tasks
        .get_mut(id)
        .filter(|task| task.scheduled_event_id == scheduled_event_id)
}

fn close(task: &mut TaskState, status: TaskStatus, event_id: i64, failure: Option<Failure>) {
    task.status = status;
    task.failure = failure;
    task.last_event_id = event_id;
}

/// The decisions that schedule a task again, rebuilt from the event that scheduled it.
mod decisions {
    use super::*;
    use crate::history::{
        ActivityTaskScheduledEventAttributes, LambdaFunctionScheduledEventAttributes,
        StartChildWorkflowExecutionInitiatedEventAttributes,
    };

    pub(super) fn schedule_activity_task(scheduled: &ActivityTaskScheduledEventAttributes) -> Decision {
        Decision::ScheduleActivityTask(ScheduleActivityTaskDecisionAttributes {
            activity_type: scheduled.activity_type.clone(),
            activity_id: scheduled.activity_id.clone(),
            control: scheduled.control.clone(),
            input: scheduled.input.clone(),
            schedule_to_close_timeout: scheduled.schedule_to_close_timeout.clone(),
            task_list: Some(scheduled.task_list.clone()),
            task_priority: scheduled.task_priority.clone(),
            schedule_to_start_timeout: scheduled.schedule_to_start_timeout.clone(),
            start_to_close_timeout: scheduled.start_to_close_timeout.clone(),
            heartbeat_timeout: scheduled.heartbeat_timeout.clone(),
            ..Default::default()
        })
    }

    pub(super) fn schedule_lambda_function(scheduled: &LambdaFunctionScheduledEventAttributes) -> Decision {
        Decision::ScheduleLambdaFunction(ScheduleLambdaFunctionDecisionAttributes {
            id: scheduled.id.clone(),
            name: scheduled.name.clone(),
            control: scheduled.control.clone(),
            input: scheduled.input.clone(),
            start_to_close_timeout: scheduled.start_to_close_timeout.clone(),
            ..Default::default()
        })
    }

    pub(super) fn start_child_workflow_execution(
        initiated: &StartChildWorkflowExecutionInitiatedEventAttributes,
    ) -> Decision {
        Decision::StartChildWorkflowExecution(StartChildWorkflowExecutionDecisionAttributes {
            workflow_type: initiated.workflow_type.clone(),
            workflow_id: initiated.workflow_id.clone(),
            control: initiated.control.clone(),
            input: initiated.input.clone(),
            execution_start_to_close_timeout: initiated.execution_start_to_close_timeout.clone(),
            task_list: Some(initiated.task_list.clone()),
            task_priority: initiated.task_priority.clone(),
            task_start_to_close_timeout: initiated.task_start_to_close_timeout.clone(),
            child_policy: Some(initiated.child_policy.clone()),
            tag_list: initiated.tag_list.clone(),
            lambda_role: initiated.lambda_role.clone(),
            ..Default::default()
        })
    }
}

fn cause_only(cause: &str) -> Failure {
    Failure {
        cause: Some(cause.to_owned()),
        ..Failure::default()
    }
}
