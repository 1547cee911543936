//! The one pass over the history that builds a [`WorkflowState`].
//!
//! Events that close a task name it by the id of its `*Scheduled` or `*Initiated` event, so
//! the pass keeps a map from those event ids to task ids. Each event costs one map lookup,
//! and the whole pass is linear in the number of events (up to a log factor).

use std::collections::HashMap;

use super::*;
use crate::decision::{
    ScheduleActivityTaskDecisionAttributes, ScheduleLambdaFunctionDecisionAttributes,
    StartChildWorkflowExecutionDecisionAttributes,
};
use crate::history::{EventAttributes, HistoryEvent, StartChildWorkflowExecutionFailedEventAttributes};

/// Returns whether waiting and sending the decision again can succeed after this cause.
pub(crate) fn is_transient_cause(cause: &str) -> bool {
    cause.ends_with("_RATE_EXCEEDED") || cause.ends_with("ID_ALREADY_IN_USE")
}

pub(super) fn fold(task: &DecisionTask) -> WorkflowState {
    let mut folder = Folder {
        state: WorkflowState {
            previous_started_event_id: task.previous_started_event_id,
            started_event_id: task.started_event_id,
            ..WorkflowState::default()
        },
        ..Folder::default()
    };

    for event in events_in_id_order(task) {
        folder.apply(event);
    }
    folder.state
}

/// Returns the task's events up to `startedEventId`, sorted by id. Hosts normally send them
/// sorted already, and then nothing is sorted.
fn events_in_id_order(task: &DecisionTask) -> Vec<&HistoryEvent> {
    let mut events: Vec<&HistoryEvent> = task
        .events
        .iter()
        .filter(|event| task.started_event_id <= 0 || event.event_id <= task.started_event_id)
        .collect();

    if !events.is_sorted_by_key(|event| event.event_id) {
        events.sort_by_key(|event| event.event_id);
    }
    events
}

#[derive(Default)]
struct Folder {
    state: WorkflowState,
    /// Activity id by the id of its `ActivityTaskScheduled` event.
    activity_ids: HashMap<i64, String>,
    /// Lambda task id by the id of its `LambdaFunctionScheduled` event.
    lambda_ids: HashMap<i64, String>,
    /// Child workflow id by the id of its `StartChildWorkflowExecutionInitiated` event.
    child_ids: HashMap<i64, String>,
    /// Number of `StartTimer` decisions, by timer id.
    timer_attempts: HashMap<String, u32>,
    /// Number of signals and cancellation requests sent, by target workflow id.
    external_attempts: HashMap<String, u32>,
    continue_as_new_attempts: u32,
}

impl Folder {
    fn apply(&mut self, event: &HistoryEvent) {
        let id = event.event_id;
        match &event.attributes {
            EventAttributes::WorkflowExecutionStarted(started) => self.state.started = Some(started.clone()),
            EventAttributes::WorkflowExecutionCancelRequested(_) => {
                self.state.cancel_requested_event_id.get_or_insert(id);
            }
            EventAttributes::WorkflowExecutionSignaled(signal) => self.state.signals.push(Signal {
                event_id: id,
                name: signal.signal_name.clone(),
                input: signal.input.clone(),
                sender: signal.external_workflow_execution.clone(),
            }),
            EventAttributes::MarkerRecorded(marker) => self.state.markers.push(Marker {
                event_id: id,
                name: marker.marker_name.clone(),
                details: marker.details.clone(),
            }),
            EventAttributes::ContinueAsNewWorkflowExecutionFailed(failed) => {
                self.continue_as_new_attempts += 1;
                let attempt = self.continue_as_new_attempts;
                self.note_failure(
                    "ContinueAsNewWorkflowExecution",
                    String::new(),
                    failed.cause.as_str(),
                    id,
                    attempt,
                );
            }
            attributes => {
                // Each part returns whether it handled the event, so later parts are skipped.
                // Decision task and closing events change no state and go through all five.
                let _handled = self.apply_activity(id, attributes)
                    || self.apply_lambda(id, attributes)
                    || self.apply_child(id, attributes)
                    || self.apply_timer(id, attributes)
                    || self.apply_external(id, attributes);
            }
        }
    }

    /// Records a rejected decision in `transient_failures` when its cause is transient.
    fn note_failure(&mut self, decision_type: &'static str, id: String, cause: &str, event_id: i64, attempt: u32) {
        if is_transient_cause(cause) {
            self.state.transient_failures.push(TransientFailure {
                decision_type,
                id,
                cause: cause.to_owned(),
                event_id,
                attempt,
            });
        }
    }

    fn apply_activity(&mut self, id: i64, attributes: &EventAttributes) -> bool {
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

    fn apply_lambda(&mut self, id: i64, attributes: &EventAttributes) -> bool {
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

    fn apply_child(&mut self, id: i64, attributes: &EventAttributes) -> bool {
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

    fn apply_timer(&mut self, id: i64, attributes: &EventAttributes) -> bool {
        match attributes {
            EventAttributes::TimerStarted(started) => {
                let timer = TimerState {
                    timer_id: started.timer_id.clone(),
                    status: TimerStatus::Started,
                    control: started.control.clone(),
                    start_to_fire_timeout: Some(started.start_to_fire_timeout.clone()),
                    started_event_id: id,
                    cause: None,
                    retry: started
                        .control
                        .as_deref()
                        .and_then(super::super::retry::parse_retry_control),
                    attempts: self.count_timer_attempt(&started.timer_id),
                    last_event_id: id,
                };
                self.state.timers.insert(started.timer_id.clone(), timer);
            }
            EventAttributes::StartTimerFailed(failed) => {
                let attempts = self.count_timer_attempt(&failed.timer_id);
                let timer = TimerState {
                    timer_id: failed.timer_id.clone(),
                    status: TimerStatus::StartFailed,
                    control: None,
                    start_to_fire_timeout: None,
                    started_event_id: 0,
                    cause: Some(failed.cause.to_string()),
                    retry: None,
                    attempts,
                    last_event_id: id,
                };
                // A timer id that is already in use belongs to an open timer, whose state stays.
                if failed.cause != crate::types::StartTimerFailedCause::TimerIdAlreadyInUse {
                    self.state.timers.insert(failed.timer_id.clone(), timer);
                }
                self.note_failure(
                    "StartTimer",
                    failed.timer_id.clone(),
                    failed.cause.as_str(),
                    id,
                    attempts,
                );
            }
            EventAttributes::TimerFired(fired) => self.end_timer(&fired.timer_id, TimerStatus::Fired, id),
            EventAttributes::TimerCanceled(canceled) => self.end_timer(&canceled.timer_id, TimerStatus::Canceled, id),
            _ => return false,
        }
        true
    }

    /// Counts one more `StartTimer` decision for `timer_id` and returns the count.
    fn count_timer_attempt(&mut self, timer_id: &str) -> u32 {
        let attempts = self.timer_attempts.entry(timer_id.to_owned()).or_default();
        *attempts += 1;
        *attempts
    }

    fn end_timer(&mut self, timer_id: &str, status: TimerStatus, id: i64) {
        if let Some(timer) = self.state.timers.get_mut(timer_id) {
            timer.status = status;
            timer.last_event_id = id;
        }
    }

    fn apply_external(&mut self, id: i64, attributes: &EventAttributes) -> bool {
        match attributes {
            EventAttributes::SignalExternalWorkflowExecutionInitiated(initiated) => {
                let kind = ExternalRequestKind::Signal {
                    signal_name: initiated.signal_name.clone(),
                    input: initiated.input.clone(),
                };
                self.initiate_external(id, kind, &initiated.workflow_id, &initiated.run_id, &initiated.control);
            }
            EventAttributes::RequestCancelExternalWorkflowExecutionInitiated(initiated) => {
                let kind = ExternalRequestKind::Cancel;
                self.initiate_external(id, kind, &initiated.workflow_id, &initiated.run_id, &initiated.control);
            }
            EventAttributes::ExternalWorkflowExecutionSignaled(delivered) => {
                self.deliver_external(id, delivered.initiated_event_id, &delivered.workflow_execution);
            }
            EventAttributes::ExternalWorkflowExecutionCancelRequested(delivered) => {
                self.deliver_external(id, delivered.initiated_event_id, &delivered.workflow_execution);
            }
            EventAttributes::SignalExternalWorkflowExecutionFailed(failed) => {
                let cause = failed.cause.as_str();
                self.fail_external(id, failed.initiated_event_id, cause);
                let attempt = self.external_attempts.get(&failed.workflow_id).copied().unwrap_or(1);
                self.note_failure(
                    "SignalExternalWorkflowExecution",
                    failed.workflow_id.clone(),
                    cause,
                    id,
                    attempt,
                );
            }
            EventAttributes::RequestCancelExternalWorkflowExecutionFailed(failed) => {
                let cause = failed.cause.as_str();
                self.fail_external(id, failed.initiated_event_id, cause);
                let attempt = self.external_attempts.get(&failed.workflow_id).copied().unwrap_or(1);
                let decision_type = "RequestCancelExternalWorkflowExecution";
                self.note_failure(decision_type, failed.workflow_id.clone(), cause, id, attempt);
            }
            _ => return false,
        }
        true
    }

    fn initiate_external(
        &mut self,
        id: i64,
        kind: ExternalRequestKind,
        workflow_id: &str,
        run_id: &Option<String>,
        control: &Option<String>,
    ) {
        *self.external_attempts.entry(workflow_id.to_owned()).or_default() += 1;
        let request = ExternalRequestState {
            initiated_event_id: id,
            kind,
            workflow_id: workflow_id.to_owned(),
            run_id: run_id.clone(),
            control: control.clone(),
            status: RequestStatus::Initiated,
            cause: None,
            last_event_id: id,
        };
        self.state.external_requests.insert(id, request);
    }

    fn deliver_external(&mut self, id: i64, initiated_event_id: i64, target: &WorkflowExecution) {
        if let Some(request) = self.state.external_requests.get_mut(&initiated_event_id) {
            request.status = RequestStatus::Delivered;
            request.run_id = Some(target.run_id.clone());
            request.last_event_id = id;
        }
    }

    fn fail_external(&mut self, id: i64, initiated_event_id: i64, cause: &str) {
        if let Some(request) = self.state.external_requests.get_mut(&initiated_event_id) {
            request.status = RequestStatus::Failed;
            request.cause = Some(cause.to_owned());
            request.last_event_id = id;
        }
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
