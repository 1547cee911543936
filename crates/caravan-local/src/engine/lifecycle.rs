//! Starting and closing runs: close statuses, child policies, reports to the parent, continue-as-new,
//! the history limit and the purge after the retention period.

use std::collections::BTreeMap;

use serde_json::Value;

use super::State;
use super::clock::Deadline;
use crate::json::{self, Obj};
use crate::model::decisions::ContinueAsNew;
use crate::model::domain::{TypeKey, WorkflowDefaults};
use crate::model::events::EventType;
use crate::model::execution::{Closed, DecisionTaskState, ExecId, Execution, ExecutionConfig, ParentLink};
use crate::model::values::{ChildPolicy, CloseStatus, MILLIS_PER_DAY, seconds_to_millis};

/// Maximum number of events in one history. The run is terminated when its history reaches this size.
pub(crate) const MAX_HISTORY_EVENTS: usize = 25_000;

/// Most open runs in one domain, children included.
pub(crate) const MAX_OPEN_RUNS_PER_DOMAIN: usize = 100_000;

/// Reason a workflow type cannot start a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeProblem {
    Missing,
    Deprecated,
}

/// A run about to start.
pub(crate) struct NewRun {
    pub(crate) domain: String,
    pub(crate) workflow_id: String,
    pub(crate) workflow_type: TypeKey,
    pub(crate) config: ExecutionConfig,
    pub(crate) input: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) parent: Option<ParentLink>,
    /// Run id of the run this one continues.
    pub(crate) continued_from: Option<String>,
}

/// Closing of a run, with what its closing event records. Continue-as-new has its own path.
pub(crate) enum Closing {
    Completed {
        result: Option<String>,
        completed_event_id: i64,
    },
    Failed {
        reason: Option<String>,
        details: Option<String>,
        completed_event_id: i64,
    },
    Canceled {
        details: Option<String>,
        completed_event_id: i64,
    },
    Terminated {
        reason: Option<String>,
        details: Option<String>,
        child_policy: ChildPolicy,
        cause: &'static str,
    },
    TimedOut {
        child_policy: ChildPolicy,
    },
}

impl Closing {
    fn status(&self) -> CloseStatus {
        match self {
            Closing::Completed { .. } => CloseStatus::Completed,
            Closing::Failed { .. } => CloseStatus::Failed,
            Closing::Canceled { .. } => CloseStatus::Canceled,
            Closing::Terminated { .. } => CloseStatus::Terminated,
            Closing::TimedOut { .. } => CloseStatus::TimedOut,
        }
    }

    /// Returns the run's own closing event.
    fn own_event(&self) -> (EventType, Obj) {
        match self {
            Closing::Completed {
                result,
                completed_event_id,
            } => (
                EventType::WorkflowExecutionCompleted,
                Obj::new()
                    .set_opt("result", result.clone())
                    .set("decisionTaskCompletedEventId", *completed_event_id),
            ),
            Closing::Failed {
                reason,
                details,
                completed_event_id,
            } => (
                EventType::WorkflowExecutionFailed,
                Obj::new()
                    .set_opt("reason", reason.clone())
                    .set_opt("details", details.clone())
                    .set("decisionTaskCompletedEventId", *completed_event_id),
            ),
            Closing::Canceled {
                details,
                completed_event_id,
            } => (
                EventType::WorkflowExecutionCanceled,
                Obj::new()
                    .set_opt("details", details.clone())
                    .set("decisionTaskCompletedEventId", *completed_event_id),
            ),
            Closing::Terminated {
                reason,
                details,
                child_policy,
                cause,
            } => (
                EventType::WorkflowExecutionTerminated,
                Obj::new()
                    .set_opt("reason", reason.clone())
                    .set_opt("details", details.clone())
                    .set("childPolicy", child_policy.as_str())
                    .set("cause", *cause),
            ),
            Closing::TimedOut { child_policy } => (
                EventType::WorkflowExecutionTimedOut,
                Obj::new()
                    .set("timeoutType", "START_TO_CLOSE")
                    .set("childPolicy", child_policy.as_str()),
            ),
        }
    }

    /// Returns the event that reports to the parent how its child closed, without the members that name
    /// the child.
    fn parent_event(&self) -> (EventType, Obj) {
        match self {
            Closing::Completed { result, .. } => (
                EventType::ChildWorkflowExecutionCompleted,
                Obj::new().set_opt("result", result.clone()),
            ),
            Closing::Failed { reason, details, .. } => (
                EventType::ChildWorkflowExecutionFailed,
                Obj::new()
                    .set_opt("reason", reason.clone())
                    .set_opt("details", details.clone()),
            ),
            Closing::Canceled { details, .. } => (
                EventType::ChildWorkflowExecutionCanceled,
                Obj::new().set_opt("details", details.clone()),
            ),
            Closing::Terminated { .. } => (EventType::ChildWorkflowExecutionTerminated, Obj::new()),
            Closing::TimedOut { .. } => (
                EventType::ChildWorkflowExecutionTimedOut,
                Obj::new().set("timeoutType", "START_TO_CLOSE"),
            ),
        }
    }
}

impl State {
    /// Returns the defaults of a workflow type that can start runs.
    pub(crate) fn startable_workflow_type(
        &self,
        domain: &str,
        key: &TypeKey,
    ) -> Result<&WorkflowDefaults, TypeProblem> {
        let record = self
            .domains
            .get(domain)
            .and_then(|domain| domain.workflow_types.get(key))
            .ok_or(TypeProblem::Missing)?;
        if record.is_deprecated() {
            return Err(TypeProblem::Deprecated);
        }
        Ok(&record.defaults)
    }

    pub(crate) fn start_run(&mut self, run: NewRun) -> ExecId {
        self.start_run_with_id(run, crate::ids::run_id())
    }

    /// Creates the run, records `WorkflowExecutionStarted` (which schedules the first decision task) and
    /// sets the execution timeout.
    fn start_run_with_id(&mut self, run: NewRun, run_id: String) -> ExecId {
        let id = self.new_exec_id();
        let attributes = started_attributes(&run);
        let execution = Execution {
            id,
            domain: run.domain,
            workflow_id: run.workflow_id,
            run_id,
            workflow_type: run.workflow_type,
            config: run.config,
            tags: run.tags,
            started_at: self.now,
            closed: None,
            cancel_requested: false,
            parent: run.parent,
            history: Vec::new(),
            decision: DecisionTaskState::Idle,
            decision_needed: false,
            previous_started_event_id: 0,
            sticky: None,
            activities: BTreeMap::new(),
            timers: Default::default(),
            children: BTreeMap::new(),
            lambdas: BTreeMap::new(),
            latest_activity_scheduled_at: None,
            latest_execution_context: None,
        };
        let timeout_at = self
            .now
            .saturating_add(seconds_to_millis(execution.config.execution_start_to_close));
        if let Some(domain) = self.domains.get_mut(&execution.domain) {
            domain.open_runs.insert(execution.workflow_id.clone(), id);
        }
        self.insert_execution(execution);

        self.record(id, EventType::WorkflowExecutionStarted, attributes);
        self.clock.add(timeout_at, Deadline::ExecutionStartToClose { exec: id });
        id
    }

    /// Closes an open run: records its closing event, drops its open work, reports to its parent and,
    /// for a termination or timeout, applies the child policy to its open children.
    pub(crate) fn close_run(&mut self, id: ExecId, closing: Closing) {
        if !self.is_open(id) {
            return;
        }

        let (event_type, attributes) = closing.own_event();
        self.record(id, event_type, attributes);
        self.mark_closed(id, closing.status());
        self.report_to_parent(id, &closing);

        if let Closing::Terminated { child_policy, .. } | Closing::TimedOut { child_policy } = closing {
            self.apply_child_policy(id, child_policy);
        }
        if let Some(execution) = self.execution_mut(id) {
            execution.children.clear();
        }
    }

    /// Terminates an open run with the given cause; the child policy is the run's own unless given.
    pub(crate) fn terminate_run(
        &mut self,
        id: ExecId,
        reason: Option<String>,
        details: Option<String>,
        child_policy: Option<ChildPolicy>,
        cause: &'static str,
    ) {
        let Some(own_policy) = self.execution(id).map(|execution| execution.config.child_policy) else {
            return;
        };
        let child_policy = child_policy.unwrap_or(own_policy);
        self.close_run(
            id,
            Closing::Terminated {
                reason,
                details,
                child_policy,
                cause,
            },
        );
    }

    pub(crate) fn execution_timed_out(&mut self, id: ExecId) {
        let Some(child_policy) = self.execution(id).map(|execution| execution.config.child_policy) else {
            return;
        };
        self.close_run(id, Closing::TimedOut { child_policy });
    }

    /// Closes the run as continued and starts the next run of its workflow id. A child that continues
    /// stays its parent's child: the new run takes over the parent link.
    pub(crate) fn continue_as_new(
        &mut self,
        id: ExecId,
        completed_event_id: i64,
        workflow_type: TypeKey,
        config: ExecutionConfig,
        continuation: ContinueAsNew,
    ) {
        let Some(execution) = self.execution(id) else {
            return;
        };
        let domain = execution.domain.clone();
        let workflow_id = execution.workflow_id.clone();
        let old_run_id = execution.run_id.clone();
        let parent = execution.parent.clone();
        let new_run_id = crate::ids::run_id();

        let tags = (!continuation.tags.is_empty()).then(|| Value::from(continuation.tags.clone()));
        let attributes = Obj::new()
            .set_opt("input", continuation.input.clone())
            .set("decisionTaskCompletedEventId", completed_event_id)
            .set("newExecutionRunId", new_run_id.clone())
            .set(
                "executionStartToCloseTimeout",
                config.execution_start_to_close.to_string(),
            )
            .set("taskList", json::task_list(&config.task_list))
            .set_opt(
                "taskPriority",
                config.task_priority.map(|priority| priority.to_string()),
            )
            .set("taskStartToCloseTimeout", config.task_start_to_close.wire())
            .set("childPolicy", config.child_policy.as_str())
            .set_opt("tagList", tags)
            .set("workflowType", workflow_type.to_value())
            .set_opt("lambdaRole", config.lambda_role.clone());
        self.record(id, EventType::WorkflowExecutionContinuedAsNew, attributes);
        self.mark_closed(id, CloseStatus::ContinuedAsNew);
        if let Some(execution) = self.execution_mut(id) {
            execution.children.clear();
        }

        let run = NewRun {
            domain,
            workflow_id,
            workflow_type,
            config,
            input: continuation.input,
            tags: continuation.tags,
            parent: parent.clone(),
            continued_from: Some(old_run_id),
        };
        let new_id = self.start_run_with_id(run, new_run_id);

        if let Some(parent) = parent {
            let link = self
                .execution_mut(parent.exec)
                .and_then(|parent_run| parent_run.children.get_mut(&parent.initiated_event_id));
            if let Some(link) = link {
                link.exec = new_id;
            }
        }
    }

    /// Marks a run closed at the time of its last event and drops its decision task, activity tasks,
    /// timers and Lambda functions without recording anything. Their tokens stop working, and the
    /// runner kills the functions' processes.
    fn mark_closed(&mut self, id: ExecId, status: CloseStatus) {
        self.drop_decision_task(id);
        self.drop_activities(id);
        self.drop_lambdas(id);
        let Some(execution) = self.execution_mut(id) else {
            return;
        };
        let closed_at = execution.history.last().map_or(0, |event| event.timestamp);
        execution.closed = Some(Closed { status, at: closed_at });
        execution.timers.clear();
        let domain_name = execution.domain.clone();
        let workflow_id = execution.workflow_id.clone();

        let mut retention_days = 0;
        if let Some(domain) = self.domains.get_mut(&domain_name) {
            if domain.open_runs.get(&workflow_id) == Some(&id) {
                domain.open_runs.remove(&workflow_id);
            }
            retention_days = domain.retention_days;
        }
        let purge_at = closed_at.saturating_add(i64::from(retention_days) * MILLIS_PER_DAY);
        self.clock.add(purge_at, Deadline::Purge { exec: id });
    }

    /// Records in the parent, if it is still open, how its child closed.
    fn report_to_parent(&mut self, child: ExecId, closing: &Closing) {
        let Some(execution) = self.execution(child) else {
            return;
        };
        let Some(parent) = execution.parent.clone() else {
            return;
        };
        let child_reference = execution.reference();

        let link = self
            .execution_mut(parent.exec)
            .filter(|parent_run| parent_run.is_open())
            .and_then(|parent_run| parent_run.children.remove(&parent.initiated_event_id));
        let Some(link) = link else {
            return;
        };

        let (event_type, attributes) = closing.parent_event();
        let attributes = attributes
            .set("workflowExecution", child_reference)
            .set("workflowType", link.workflow_type.to_value())
            .set("initiatedEventId", parent.initiated_event_id)
            .set("startedEventId", link.started_event_id);
        self.record(parent.exec, event_type, attributes);
    }

    /// Applies a closing parent's child policy to its open children.
    fn apply_child_policy(&mut self, parent: ExecId, policy: ChildPolicy) {
        let children: Vec<ExecId> = match self.execution(parent) {
            Some(execution) => execution.children.values().map(|link| link.exec).collect(),
            None => return,
        };

        for child in children {
            match policy {
                ChildPolicy::Terminate => self.terminate_run(child, None, None, None, "CHILD_POLICY_APPLIED"),
                ChildPolicy::RequestCancel => {
                    let Some(execution) = self.execution_mut(child).filter(|execution| execution.is_open()) else {
                        continue;
                    };
                    execution.cancel_requested = true;
                    let attributes = Obj::new().set("cause", "CHILD_POLICY_APPLIED");
                    self.record(child, EventType::WorkflowExecutionCancelRequested, attributes);
                }
                ChildPolicy::Abandon => {}
            }
        }
    }

    /// Terminates the run with `EVENT_LIMIT_EXCEEDED` when its history is one event short of the
    /// limit, so that the termination is the last event it can hold. Returns whether it did.
    pub(crate) fn enforce_event_limit(&mut self, id: ExecId) -> bool {
        let full = self
            .execution(id)
            .is_some_and(|execution| execution.is_open() && execution.history.len() >= MAX_HISTORY_EVENTS - 1);
        if full {
            self.terminate_run(id, None, None, None, "EVENT_LIMIT_EXCEEDED");
        }
        full
    }

    /// Deletes a closed run whose retention period ended.
    pub(crate) fn purge(&mut self, id: ExecId) {
        if self.execution(id).is_some_and(|execution| !execution.is_open()) {
            self.remove_execution(id);
        }
    }
}

fn started_attributes(run: &NewRun) -> Obj {
    let config = &run.config;
    let tags = (!run.tags.is_empty()).then(|| Value::from(run.tags.clone()));
    let parent = run.parent.as_ref();
    Obj::new()
        .set_opt("input", run.input.clone())
        .set(
            "executionStartToCloseTimeout",
            config.execution_start_to_close.to_string(),
        )
        .set("taskStartToCloseTimeout", config.task_start_to_close.wire())
        .set("childPolicy", config.child_policy.as_str())
        .set("taskList", json::task_list(&config.task_list))
        .set_opt(
            "taskPriority",
            config.task_priority.map(|priority| priority.to_string()),
        )
        .set("workflowType", run.workflow_type.to_value())
        .set_opt("tagList", tags)
        .set_opt("continuedExecutionRunId", run.continued_from.clone())
        .set_opt(
            "parentWorkflowExecution",
            parent.map(|parent| json::workflow_execution(&parent.workflow_id, &parent.run_id)),
        )
        .set(
            "parentInitiatedEventId",
            parent.map_or(0, |parent| parent.initiated_event_id),
        )
        .set_opt("lambdaRole", config.lambda_role.clone())
}
