//! The history of a decision task folded into the state of each task, timer, signal and
//! marker.

mod fold;

use std::collections::BTreeMap;

use crate::decision::Decision;
use crate::history::{DecisionTask, WorkflowExecutionStartedEventAttributes};
use crate::types::{ActivityType, WorkflowExecution, WorkflowType};

/// Status of an activity task, a Lambda task or a child workflow execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Scheduled (an activity or a Lambda function) or initiated (a child workflow), and
    /// not started yet.
    Scheduled,
    /// Started and not closed yet.
    Started,
    /// Closed with a result.
    Completed,
    /// Closed with a reason and details.
    Failed,
    /// Closed by a timeout, named in [`Failure::timeout_type`].
    TimedOut,
    /// Closed by a cancellation.
    Canceled,
    /// A child workflow execution that was terminated.
    Terminated,
    /// SWF rejected the decision, with the cause in [`Failure::cause`].
    ScheduleFailed,
    /// SWF could not start a scheduled Lambda function or an initiated child workflow.
    StartFailed,
}

impl TaskStatus {
    /// Returns whether the task is scheduled or started, so its id is still in use.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Scheduled | Self::Started)
    }
}

/// Reason, details, timeout type or cause of a task that ended without success. Each member
/// is `None` when the closing event does not carry it. `timeout_type` and `cause` are SWF's
/// wire values, such as `START_TO_CLOSE` or `ACTIVITY_CREATION_RATE_EXCEEDED`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    pub reason: Option<String>,
    /// The details of a failure or cancellation, the last heartbeat details of a timed-out
    /// activity, or the message of a `StartLambdaFunctionFailed` event.
    pub details: Option<String>,
    pub timeout_type: Option<String>,
    pub cause: Option<String>,
}

/// The kind of task, with the activity type, function name or workflow type it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskType {
    Activity(ActivityType),
    /// A Lambda function, by the name or ARN the decision gave.
    LambdaFunction(String),
    /// A child workflow; `run_id` is set once the child has started.
    ChildWorkflow {
        workflow_type: WorkflowType,
        run_id: Option<String>,
    },
}

/// The latest attempt of an activity task, Lambda task or child workflow execution with a
/// given id.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskState {
    /// The activity id, Lambda task id or child workflow id.
    pub id: String,
    pub task_type: TaskType,
    pub status: TaskStatus,
    /// Number of decisions that scheduled this id, including those SWF rejected.
    pub attempts: u32,
    pub input: Option<String>,
    pub control: Option<String>,
    /// Id of the `*Scheduled` or `*Initiated` event, or 0 when SWF rejected the decision.
    pub scheduled_event_id: i64,
    /// Id of the `*Started` event, or 0 while the task has not started.
    pub started_event_id: i64,
    /// Result of a completed task.
    pub result: Option<String>,
    /// Reason, details, timeout type or cause of a task that ended without success.
    pub failure: Option<Failure>,
    /// Whether a `RequestCancelActivityTask` decision for this activity was accepted.
    pub cancel_requested: bool,
    /// The decision that schedules this task again, rebuilt from its `*Scheduled` or
    /// `*Initiated` event with the settings SWF resolved. `None` when SWF rejected the
    /// decision, because the rejection event keeps only the id and type.
    pub decision: Option<Decision>,
    /// Id of the last event that changed this state.
    pub last_event_id: i64,
}

/// Status of a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimerStatus {
    Started,
    Fired,
    Canceled,
    /// SWF rejected the `StartTimer` decision, with the cause in [`TimerState::cause`].
    StartFailed,
}

/// The latest timer with a given id.
#[derive(Clone, Debug, PartialEq)]
pub struct TimerState {
    pub timer_id: String,
    pub status: TimerStatus,
    pub control: Option<String>,
    /// The `startToFireTimeout` in seconds, as SWF's string.
    pub start_to_fire_timeout: Option<String>,
    /// Id of the `TimerStarted` event, or 0 when SWF rejected the decision.
    pub started_event_id: i64,
    /// Cause of a rejected `StartTimer` decision.
    pub cause: Option<String>,
    /// Number of `StartTimer` decisions with this id, including those SWF rejected.
    pub attempts: u32,
    /// The retry that this timer delays, when [`retry_after`](super::retry_after) started it.
    pub retry: Option<Retry>,
    /// Id of the last event that changed this state.
    pub last_event_id: i64,
}

/// A decision that waits on a timer before it is sent again, read back from the timer's
/// `control` member.
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    /// The attempt the decision makes when it is sent again: 2 for the first retry.
    pub attempt: u32,
    /// The decision type, such as `ScheduleActivityTask`.
    pub decision_type: String,
    /// The id the retry is keyed by, as [`decision_id`](super::retry::decision_id) returns it.
    pub id: String,
    /// The decision to send again, or `None` when it did not fit in the timer's `control`
    /// and the workflow must rebuild it.
    pub decision: Option<Decision>,
}

/// Status of a signal or cancellation request sent to another execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// The decision was accepted and the request is on its way.
    Initiated,
    /// The target execution recorded the signal or the cancellation request.
    Delivered,
    /// SWF could not deliver it, with the cause in [`ExternalRequestState::cause`].
    Failed,
}

/// The kind of request an [`ExternalRequestState`] tracks: a signal or a cancellation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternalRequestKind {
    Signal { signal_name: String, input: Option<String> },
    Cancel,
}

/// A signal or a cancellation request that this execution sent to another one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalRequestState {
    /// Id of the `*Initiated` event, which identifies the request.
    pub initiated_event_id: i64,
    pub kind: ExternalRequestKind,
    pub workflow_id: String,
    /// The run id the decision named, or the resolved one once the request is delivered.
    pub run_id: Option<String>,
    pub control: Option<String>,
    pub status: RequestStatus,
    pub cause: Option<String>,
    /// Id of the last event that changed this state.
    pub last_event_id: i64,
}

/// A signal this execution received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    pub event_id: i64,
    pub name: String,
    pub input: Option<String>,
    /// The sending execution, when another workflow sent the signal.
    pub sender: Option<WorkflowExecution>,
}

/// A marker recorded in the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub event_id: i64,
    pub name: String,
    pub details: Option<String>,
}

/// A decision that SWF rejected with a cause that goes away by waiting: a `*_RATE_EXCEEDED`
/// cause, or an `*_ID_ALREADY_IN_USE` cause while an earlier task with the same id is open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransientFailure {
    /// The decision type SWF rejected, such as `ScheduleActivityTask`.
    pub decision_type: &'static str,
    /// The activity id, Lambda task id, timer id or child workflow id, or for a request to
    /// another execution its workflow id, as [`decision_id`](super::retry::decision_id)
    /// returns it. Empty for `ContinueAsNewWorkflowExecution`.
    pub id: String,
    pub cause: String,
    /// Id of the `*Failed` event.
    pub event_id: i64,
    /// The attempt SWF rejected: 1 for the first decision with this id.
    pub attempt: u32,
}

/// The history of a decision task as state, built in one pass over its events.
///
/// Tasks and timers are keyed by their id and show the latest attempt with that id, because
/// SWF lets a closed task's id be used again. Events after the task's `startedEventId` are
/// ignored, and events are read in id order whatever order the task lists them in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkflowState {
    /// The attributes of `WorkflowExecutionStarted`, when the history has it.
    pub started: Option<WorkflowExecutionStartedEventAttributes>,
    pub activities: BTreeMap<String, TaskState>,
    pub lambda_functions: BTreeMap<String, TaskState>,
    pub child_workflows: BTreeMap<String, TaskState>,
    pub timers: BTreeMap<String, TimerState>,
    /// Signals and cancellation requests sent to other executions, by initiated event id.
    pub external_requests: BTreeMap<i64, ExternalRequestState>,
    /// Signals received, in history order.
    pub signals: Vec<Signal>,
    /// Markers recorded, in history order.
    pub markers: Vec<Marker>,
    /// Decisions SWF rejected with a cause that waiting resolves, in history order.
    pub transient_failures: Vec<TransientFailure>,
    /// Id of the first `WorkflowExecutionCancelRequested` event, if any.
    pub cancel_requested_event_id: Option<i64>,
    /// The task's `previousStartedEventId`: events up to this id were in an earlier
    /// decision task.
    pub previous_started_event_id: i64,
    /// The task's `startedEventId`.
    pub started_event_id: i64,
}

impl WorkflowState {
    /// Builds the state from a decision task's history.
    pub fn from_task(task: &DecisionTask) -> Self {
        fold::fold(task)
    }

    /// Returns the execution's input.
    pub fn input(&self) -> Option<&str> {
        self.started.as_ref().and_then(|started| started.input.as_deref())
    }

    /// Returns whether someone requested the cancellation of this execution.
    pub fn cancel_requested(&self) -> bool {
        self.cancel_requested_event_id.is_some()
    }

    /// Returns whether the event is new to this decision task: later than
    /// `previousStartedEventId`. Use it to react to an event only once.
    pub fn is_new(&self, event_id: i64) -> bool {
        event_id > self.previous_started_event_id
    }

    /// Returns the signals received since the previous decision task, in history order.
    pub fn new_signals(&self) -> impl Iterator<Item = &Signal> {
        self.signals.iter().filter(|signal| self.is_new(signal.event_id))
    }

    /// Returns the markers recorded with `name`, in history order.
    pub fn markers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Marker> {
        self.markers.iter().filter(move |marker| marker.name == name)
    }

    /// Returns the transient failures recorded since the previous decision task.
    pub fn new_transient_failures(&self) -> impl Iterator<Item = &TransientFailure> {
        self.transient_failures
            .iter()
            .filter(|failure| self.is_new(failure.event_id))
    }

    /// Returns the activities whose state changed since the previous decision task.
    pub fn changed_activities(&self) -> impl Iterator<Item = &TaskState> {
        self.activities.values().filter(|task| self.is_new(task.last_event_id))
    }

    /// Returns the Lambda tasks whose state changed since the previous decision task.
    pub fn changed_lambda_functions(&self) -> impl Iterator<Item = &TaskState> {
        self.lambda_functions
            .values()
            .filter(|task| self.is_new(task.last_event_id))
    }

    /// Returns the child workflows whose state changed since the previous decision task.
    pub fn changed_child_workflows(&self) -> impl Iterator<Item = &TaskState> {
        self.child_workflows
            .values()
            .filter(|task| self.is_new(task.last_event_id))
    }

    /// Returns the retries whose timer fired since the previous decision task: send each
    /// decision again now.
    pub fn due_retries(&self) -> impl Iterator<Item = &Retry> {
        self.timers
            .values()
            .filter(|timer| timer.status == TimerStatus::Fired && self.is_new(timer.last_event_id))
            .filter_map(|timer| timer.retry.as_ref())
    }

    /// Returns whether a retry timer for the decision with this type and id is open, so the
    /// decision must not be sent again yet.
    pub fn retry_pending(&self, decision_type: &str, id: &str) -> bool {
        let timer_id = super::retry::retry_timer_id(decision_type, id);
        self.timers
            .get(&timer_id)
            .is_some_and(|timer| timer.status == TimerStatus::Started)
    }
}
