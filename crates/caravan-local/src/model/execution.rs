//! Workflow executions (runs) and the open work inside them: the decision task, activity tasks, timers,
//! child executions and Lambda functions.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::domain::{TypeKey, WorkflowDefaults};
use super::events::{Event, EventType};
use super::values::{ChildPolicy, CloseStatus, Millis, Timeout, timestamp_value};
use crate::json::{self, Obj};

/// Internal handle of a run; run ids are for clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ExecId(pub(crate) u64);

/// Settings of a run, resolved from the start request and the workflow type's defaults.
#[derive(Clone, Debug)]
pub(crate) struct ExecutionConfig {
    pub(crate) task_list: String,
    pub(crate) task_priority: Option<i32>,
    pub(crate) execution_start_to_close: u64,
    pub(crate) task_start_to_close: Timeout,
    pub(crate) child_policy: ChildPolicy,
    pub(crate) lambda_role: Option<String>,
}

impl ExecutionConfig {
    /// Builds the `WorkflowExecutionConfiguration` structure.
    pub(crate) fn to_value(&self) -> Value {
        Obj::new()
            .set("taskStartToCloseTimeout", self.task_start_to_close.wire())
            .set(
                "executionStartToCloseTimeout",
                self.execution_start_to_close.to_string(),
            )
            .set("taskList", json::task_list(&self.task_list))
            .set_opt("taskPriority", self.task_priority.map(|priority| priority.to_string()))
            .set("childPolicy", self.child_policy.as_str())
            .set_opt("lambdaRole", self.lambda_role.clone())
            .into_value()
    }
}

/// Settings a request gives for a new run; the unset ones come from the workflow type's defaults.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunSettings {
    pub(crate) task_list: Option<String>,
    pub(crate) task_priority: Option<i32>,
    pub(crate) execution_start_to_close: Option<u64>,
    pub(crate) task_start_to_close: Option<Timeout>,
    pub(crate) child_policy: Option<ChildPolicy>,
    pub(crate) lambda_role: Option<String>,
}

/// A run setting that neither the request nor the workflow type defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MissingDefault {
    TaskList,
    ExecutionStartToCloseTimeout,
    TaskStartToCloseTimeout,
    ChildPolicy,
}

impl MissingDefault {
    /// Returns the request member that would have defined the setting.
    pub(crate) fn member(self) -> &'static str {
        match self {
            MissingDefault::TaskList => "taskList",
            MissingDefault::ExecutionStartToCloseTimeout => "executionStartToCloseTimeout",
            MissingDefault::TaskStartToCloseTimeout => "taskStartToCloseTimeout",
            MissingDefault::ChildPolicy => "childPolicy",
        }
    }

    /// Returns the cause recorded when a decision starts a run without the setting.
    pub(crate) fn decision_cause(self) -> &'static str {
        match self {
            MissingDefault::TaskList => "DEFAULT_TASK_LIST_UNDEFINED",
            MissingDefault::ExecutionStartToCloseTimeout => "DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED",
            MissingDefault::TaskStartToCloseTimeout => "DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED",
            MissingDefault::ChildPolicy => "DEFAULT_CHILD_POLICY_UNDEFINED",
        }
    }
}

impl RunSettings {
    /// Resolves each setting from the request, else from `defaults`. Settings are checked in the order
    /// task list, execution timeout, task timeout, child policy, and the first missing one is returned.
    pub(crate) fn resolve(&self, defaults: &WorkflowDefaults) -> Result<ExecutionConfig, MissingDefault> {
        let task_list = self.task_list.clone().or_else(|| defaults.task_list.clone());
        let task_list = task_list.ok_or(MissingDefault::TaskList)?;

        let execution_start_to_close = self.execution_start_to_close.or(defaults.execution_start_to_close);
        let execution_start_to_close = execution_start_to_close.ok_or(MissingDefault::ExecutionStartToCloseTimeout)?;

        let task_start_to_close = self.task_start_to_close.or(defaults.task_start_to_close);
        let task_start_to_close = task_start_to_close.ok_or(MissingDefault::TaskStartToCloseTimeout)?;

        let child_policy = self.child_policy.or(defaults.child_policy);
        let child_policy = child_policy.ok_or(MissingDefault::ChildPolicy)?;

        Ok(ExecutionConfig {
            task_list,
            task_priority: self.task_priority.or(defaults.task_priority),
            execution_start_to_close,
            task_start_to_close,
            child_policy,
            lambda_role: self.lambda_role.clone().or_else(|| defaults.lambda_role.clone()),
        })
    }
}

/// Position of a task in its task list: higher priority first, then first scheduled first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QueuePosition {
    pub(crate) priority: i32,
    pub(crate) sequence: u64,
}

impl Ord for QueuePosition {
    fn cmp(&self, other: &QueuePosition) -> Ordering {
        other
            .priority
            .cmp(&self.priority)
            .then(self.sequence.cmp(&other.sequence))
    }
}

impl PartialOrd for QueuePosition {
    fn partial_cmp(&self, other: &QueuePosition) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The decision task of a run; a run has at most one open (scheduled or started) at a time.
#[derive(Clone, Debug)]
pub(crate) enum DecisionTaskState {
    Idle,
    Scheduled {
        scheduled_event_id: i64,
        task_list: String,
        position: QueuePosition,
    },
    Started {
        scheduled_event_id: i64,
        started_event_id: i64,
        token: String,
    },
}

/// A task list override set by a decider with a schedule-to-start timeout; it lasts until a decision
/// task on it times out.
#[derive(Clone, Debug)]
pub(crate) struct StickyTaskList {
    pub(crate) name: String,
    pub(crate) schedule_to_start: Timeout,
}

/// The four clocks of an activity task, resolved from the decision and the activity type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ActivityTimeouts {
    pub(crate) schedule_to_start: Timeout,
    pub(crate) schedule_to_close: Timeout,
    pub(crate) start_to_close: Timeout,
    pub(crate) heartbeat: Timeout,
}

#[derive(Clone, Debug)]
pub(crate) enum ActivityState {
    Scheduled {
        task_list: String,
        position: QueuePosition,
    },
    Started {
        started_event_id: i64,
        token: String,
        /// When the heartbeat clock runs out; each heartbeat moves it.
        heartbeat_deadline: Option<Millis>,
    },
}

/// An open activity task: scheduled, or started by a worker.
#[derive(Clone, Debug)]
pub(crate) struct ActivityTask {
    pub(crate) activity_id: String,
    pub(crate) activity_type: TypeKey,
    pub(crate) input: Option<String>,
    pub(crate) timeouts: ActivityTimeouts,
    pub(crate) state: ActivityState,
    /// Id of the latest `ActivityTaskCancelRequested` event for this task.
    pub(crate) cancel_requested_event_id: Option<i64>,
    pub(crate) heartbeat_details: Option<String>,
}

impl ActivityTask {
    pub(crate) fn started_event_id(&self) -> i64 {
        match self.state {
            ActivityState::Started { started_event_id, .. } => started_event_id,
            ActivityState::Scheduled { .. } => 0,
        }
    }
}

/// A child execution as recorded in its parent.
#[derive(Clone, Debug)]
pub(crate) struct ChildLink {
    /// The child's current run; it moves when the child continues as new.
    pub(crate) exec: ExecId,
    pub(crate) workflow_type: TypeKey,
    pub(crate) started_event_id: i64,
}

/// An open Lambda function: scheduled by a decision, or running its command.
#[derive(Debug)]
pub(crate) struct LambdaTask {
    /// The decision's `id`, unique among the run's open functions.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) input: Option<String>,
    pub(crate) start_to_close_secs: u64,
    pub(crate) state: LambdaState,
}

#[derive(Debug)]
pub(crate) enum LambdaState {
    /// Recorded as scheduled; it starts once the decision task's decisions are applied.
    Scheduled,
    Running {
        started_event_id: i64,
        /// Dropping it (with the task) makes the runner kill the command's processes.
        _stop: oneshot::Sender<()>,
    },
}

/// The parent of a child execution as recorded in the child.
#[derive(Clone, Debug)]
pub(crate) struct ParentLink {
    pub(crate) exec: ExecId,
    pub(crate) workflow_id: String,
    pub(crate) run_id: String,
    pub(crate) initiated_event_id: i64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Closed {
    pub(crate) status: CloseStatus,
    pub(crate) at: Millis,
}

/// One run of a workflow execution.
#[derive(Debug)]
pub(crate) struct Execution {
    pub(crate) id: ExecId,
    pub(crate) domain: String,
    pub(crate) workflow_id: String,
    pub(crate) run_id: String,
    pub(crate) workflow_type: TypeKey,
    pub(crate) config: ExecutionConfig,
    pub(crate) tags: Vec<String>,
    pub(crate) started_at: Millis,
    pub(crate) closed: Option<Closed>,
    pub(crate) cancel_requested: bool,
    pub(crate) parent: Option<ParentLink>,
    pub(crate) history: Vec<Event>,
    pub(crate) decision: DecisionTaskState,
    /// Set when an event requested a decision while a decision task was started; the next task is
    /// scheduled when that one completes or times out.
    pub(crate) decision_needed: bool,
    /// `startedEventId` of the last decision task that was completed.
    pub(crate) previous_started_event_id: i64,
    pub(crate) sticky: Option<StickyTaskList>,
    /// Open activity tasks by the id of their `ActivityTaskScheduled` event.
    pub(crate) activities: BTreeMap<i64, ActivityTask>,
    /// Open timers: timer id to the id of its `TimerStarted` event.
    pub(crate) timers: HashMap<String, i64>,
    /// Open child executions by the id of their `StartChildWorkflowExecutionInitiated` event.
    pub(crate) children: BTreeMap<i64, ChildLink>,
    /// Open Lambda functions by the id of their `LambdaFunctionScheduled` event.
    pub(crate) lambdas: BTreeMap<i64, LambdaTask>,
    pub(crate) latest_activity_scheduled_at: Option<Millis>,
    pub(crate) latest_execution_context: Option<String>,
}

impl Execution {
    pub(crate) fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    /// Appends an event and returns its id. Timestamps never go backwards within a history.
    pub(crate) fn append(&mut self, event_type: EventType, attributes: Map<String, Value>, now: Millis) -> i64 {
        let timestamp = self.history.last().map_or(now, |last| last.timestamp.max(now));
        let id = self.history.len() as i64 + 1;
        self.history.push(Event {
            id,
            timestamp,
            event_type,
            attributes,
        });
        id
    }

    /// Builds the `WorkflowExecution` structure of this run.
    pub(crate) fn reference(&self) -> Value {
        json::workflow_execution(&self.workflow_id, &self.run_id)
    }

    /// Returns the scheduled event id of the open activity task with this activity id.
    pub(crate) fn open_activity(&self, activity_id: &str) -> Option<i64> {
        self.activities
            .iter()
            .find(|(_, task)| task.activity_id == activity_id)
            .map(|(scheduled_event_id, _)| *scheduled_event_id)
    }

    pub(crate) fn has_open_decision_task(&self) -> bool {
        !matches!(self.decision, DecisionTaskState::Idle)
    }

    /// Builds the `WorkflowExecutionInfo` structure.
    pub(crate) fn info(&self) -> Value {
        let parent = self
            .parent
            .as_ref()
            .map(|parent| json::workflow_execution(&parent.workflow_id, &parent.run_id));
        let tags = (!self.tags.is_empty()).then(|| Value::from(self.tags.clone()));
        Obj::new()
            .set("execution", self.reference())
            .set("workflowType", self.workflow_type.to_value())
            .set("startTimestamp", timestamp_value(self.started_at))
            .set_opt("closeTimestamp", self.closed.map(|closed| timestamp_value(closed.at)))
            .set("executionStatus", if self.is_open() { "OPEN" } else { "CLOSED" })
            .set_opt("closeStatus", self.closed.map(|closed| closed.status.as_str()))
            .set_opt("parent", parent)
            .set_opt("tagList", tags)
            .set("cancelRequested", self.cancel_requested)
            .into_value()
    }

    /// Builds the `WorkflowExecutionOpenCounts` structure.
    pub(crate) fn open_counts(&self) -> Value {
        Obj::new()
            .set("openActivityTasks", self.activities.len())
            .set("openDecisionTasks", usize::from(self.has_open_decision_task()))
            .set("openTimers", self.timers.len())
            .set("openChildWorkflowExecutions", self.children.len())
            .set("openLambdaFunctions", self.lambdas.len())
            .into_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_settings_fall_back_to_type_defaults() {
        let defaults = WorkflowDefaults {
            task_list: Some("deciders".into()),
            execution_start_to_close: Some(3600),
            task_start_to_close: Some(Timeout::Seconds(30)),
            child_policy: Some(ChildPolicy::Terminate),
            ..WorkflowDefaults::default()
        };
        let settings = RunSettings {
            task_list: Some("other".into()),
            ..RunSettings::default()
        };

        let config = settings.resolve(&defaults).expect("all settings have defaults");

        assert_eq!(config.task_list, "other");
        assert_eq!(config.execution_start_to_close, 3600);
        assert_eq!(config.child_policy, ChildPolicy::Terminate);
    }

    #[test]
    fn run_settings_report_first_missing_default() {
        let defaults = WorkflowDefaults {
            task_list: Some("deciders".into()),
            ..WorkflowDefaults::default()
        };

        let missing = RunSettings::default().resolve(&defaults).unwrap_err();

        assert_eq!(missing, MissingDefault::ExecutionStartToCloseTimeout);
    }

    #[test]
    fn queue_positions_order_by_priority_then_age() {
        let old_low = QueuePosition {
            priority: 0,
            sequence: 1,
        };
        let new_low = QueuePosition {
            priority: 0,
            sequence: 2,
        };
        let new_high = QueuePosition {
            priority: 5,
            sequence: 3,
        };

        let mut positions = [new_low, old_low, new_high];
        positions.sort();

        assert_eq!(positions, [new_high, old_low, new_low]);
    }
}
