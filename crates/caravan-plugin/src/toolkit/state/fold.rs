//! The one pass over the history that builds a [`WorkflowState`].
//!
//! Events that close a task name it by the id of its `*Scheduled` or `*Initiated` event, so
//! the pass keeps a map from those event ids to task ids. Each event costs a few map
//! operations, so the pass is linear in the number of events, up to the logarithmic cost of
//! the ordered maps in [`WorkflowState`].

mod tasks;

use std::collections::HashMap;

use super::*;
use crate::history::{EventAttributes, HistoryEvent};

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
