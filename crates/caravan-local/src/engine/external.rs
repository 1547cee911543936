//! Decisions that reach other runs: signals, cancel requests and child executions.
//!
//! Delivery happens inside the same request, so the source's `*Initiated` event is followed at once by
//! the outcome: the target's event and the source's `External*` or `*Failed` event. Targets are looked
//! up in the source's domain; without a run id the open run of the workflow id is meant, and a run may
//! address itself.

use super::State;
use super::decisions::DecisionContext;
use super::lifecycle::{MAX_OPEN_RUNS_PER_DOMAIN, NewRun, TypeProblem};
use crate::json::Obj;
use crate::model::decisions::{CancelExternal, SignalExternal, StartChild};
use crate::model::events::EventType;
use crate::model::execution::{ChildLink, ExecutionConfig, ParentLink};

/// Most open child executions of one run.
pub(crate) const MAX_OPEN_CHILDREN: usize = 1_000;

const UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION: &str = "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION";

impl State {
    /// Applies a SignalExternalWorkflowExecution decision.
    pub(crate) fn signal_external(&mut self, context: &DecisionContext, signal: SignalExternal) {
        let Some(source) = self.execution(context.exec) else {
            return;
        };
        let domain = source.domain.clone();
        let source_reference = source.reference();

        let attributes = Obj::new()
            .set("workflowId", signal.workflow_id.clone())
            .set_opt("runId", signal.run_id.clone())
            .set("signalName", signal.signal_name.clone())
            .set_opt("input", signal.input.clone())
            .set("decisionTaskCompletedEventId", context.completed_event_id)
            .set_opt("control", signal.control.clone());
        let initiated_event_id = self.record(
            context.exec,
            EventType::SignalExternalWorkflowExecutionInitiated,
            attributes,
        );

        let Some(target) = self.find_open_run(&domain, &signal.workflow_id, signal.run_id.as_deref()) else {
            let attributes = Obj::new()
                .set("workflowId", signal.workflow_id)
                .set_opt("runId", signal.run_id)
                .set("cause", UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION)
                .set("initiatedEventId", initiated_event_id)
                .set("decisionTaskCompletedEventId", context.completed_event_id)
                .set_opt("control", signal.control);
            self.record(
                context.exec,
                EventType::SignalExternalWorkflowExecutionFailed,
                attributes,
            );
            return;
        };

        let attributes = Obj::new()
            .set("signalName", signal.signal_name)
            .set_opt("input", signal.input)
            .set("externalWorkflowExecution", source_reference)
            .set("externalInitiatedEventId", initiated_event_id);
        self.record(target, EventType::WorkflowExecutionSignaled, attributes);

        let target_reference = self.execution(target).map(|execution| execution.reference());
        let attributes = Obj::new()
            .set_opt("workflowExecution", target_reference)
            .set("initiatedEventId", initiated_event_id);
        self.record(context.exec, EventType::ExternalWorkflowExecutionSignaled, attributes);
    }

    /// Applies a RequestCancelExternalWorkflowExecution decision.
    pub(crate) fn request_cancel_external(&mut self, context: &DecisionContext, cancel: CancelExternal) {
        let Some(source) = self.execution(context.exec) else {
            return;
        };
        let domain = source.domain.clone();
        let source_reference = source.reference();

        let attributes = Obj::new()
            .set("workflowId", cancel.workflow_id.clone())
            .set_opt("runId", cancel.run_id.clone())
            .set("decisionTaskCompletedEventId", context.completed_event_id)
            .set_opt("control", cancel.control.clone());
        let initiated_event_id = self.record(
            context.exec,
            EventType::RequestCancelExternalWorkflowExecutionInitiated,
            attributes,
        );

        let Some(target) = self.find_open_run(&domain, &cancel.workflow_id, cancel.run_id.as_deref()) else {
            let attributes = Obj::new()
                .set("workflowId", cancel.workflow_id)
                .set_opt("runId", cancel.run_id)
                .set("cause", UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION)
                .set("initiatedEventId", initiated_event_id)
                .set("decisionTaskCompletedEventId", context.completed_event_id)
                .set_opt("control", cancel.control);
            self.record(
                context.exec,
                EventType::RequestCancelExternalWorkflowExecutionFailed,
                attributes,
            );
            return;
        };

        if let Some(execution) = self.execution_mut(target) {
            execution.cancel_requested = true;
        }
        let attributes = Obj::new()
            .set("externalWorkflowExecution", source_reference)
            .set("externalInitiatedEventId", initiated_event_id);
        self.record(target, EventType::WorkflowExecutionCancelRequested, attributes);

        let target_reference = self.execution(target).map(|execution| execution.reference());
        let attributes = Obj::new()
            .set_opt("workflowExecution", target_reference)
            .set("initiatedEventId", initiated_event_id);
        self.record(
            context.exec,
            EventType::ExternalWorkflowExecutionCancelRequested,
            attributes,
        );
    }

    /// Applies a StartChildWorkflowExecution decision. Type, default and limit problems fail the
    /// decision before anything is initiated; a workflow id that is already running fails it after the
    /// `StartChildWorkflowExecutionInitiated` event.
    pub(crate) fn start_child(&mut self, context: &DecisionContext, start: StartChild) {
        let config = match self.child_config(context, &start) {
            Ok(config) => config,
            Err(cause) => {
                self.fail_child_start(context, &start, cause, 0);
                return;
            }
        };
        let Some(parent) = self.execution(context.exec) else {
            return;
        };
        let domain = parent.domain.clone();
        let parent_workflow_id = parent.workflow_id.clone();
        let parent_run_id = parent.run_id.clone();

        let initiated_event_id = self.record_child_initiated(context, &start, &config);
        let already_running = self
            .domains
            .get(&domain)
            .is_some_and(|domain| domain.open_runs.contains_key(&start.workflow_id));
        if already_running {
            self.fail_child_start(context, &start, "WORKFLOW_ALREADY_RUNNING", initiated_event_id);
            return;
        }

        let run = NewRun {
            domain,
            workflow_id: start.workflow_id,
            workflow_type: start.workflow_type.clone(),
            config,
            input: start.input,
            tags: start.tags,
            parent: Some(ParentLink {
                exec: context.exec,
                workflow_id: parent_workflow_id,
                run_id: parent_run_id,
                initiated_event_id,
            }),
            continued_from: None,
        };
        let child = self.start_run(run);

        let child_reference = self.execution(child).map(|execution| execution.reference());
        let attributes = Obj::new()
            .set_opt("workflowExecution", child_reference)
            .set("workflowType", start.workflow_type.to_value())
            .set("initiatedEventId", initiated_event_id);
        let started_event_id = self.record(context.exec, EventType::ChildWorkflowExecutionStarted, attributes);

        if let Some(parent) = self.execution_mut(context.exec) {
            let link = ChildLink {
                exec: child,
                workflow_type: start.workflow_type,
                started_event_id,
            };
            parent.children.insert(initiated_event_id, link);
        }
    }

    /// Checks the child's type and limits and resolves its settings, or returns the failure cause.
    fn child_config(&self, context: &DecisionContext, start: &StartChild) -> Result<ExecutionConfig, &'static str> {
        let parent = self.execution(context.exec).ok_or("WORKFLOW_TYPE_DOES_NOT_EXIST")?;
        let defaults = self
            .startable_workflow_type(&parent.domain, &start.workflow_type)
            .map_err(|problem| match problem {
                TypeProblem::Missing => "WORKFLOW_TYPE_DOES_NOT_EXIST",
                TypeProblem::Deprecated => "WORKFLOW_TYPE_DEPRECATED",
            })?;
        let config = start
            .settings
            .resolve(defaults)
            .map_err(|missing| missing.decision_cause())?;

        if parent.children.len() >= MAX_OPEN_CHILDREN {
            return Err("OPEN_CHILDREN_LIMIT_EXCEEDED");
        }
        let open_runs = self
            .domains
            .get(&parent.domain)
            .map_or(0, |domain| domain.open_runs.len());
        if open_runs >= MAX_OPEN_RUNS_PER_DOMAIN {
            return Err("OPEN_WORKFLOWS_LIMIT_EXCEEDED");
        }
        Ok(config)
    }

    fn record_child_initiated(
        &mut self,
        context: &DecisionContext,
        start: &StartChild,
        config: &ExecutionConfig,
    ) -> i64 {
        let tags = (!start.tags.is_empty()).then(|| serde_json::Value::from(start.tags.clone()));
        let attributes = Obj::new()
            .set("workflowId", start.workflow_id.clone())
            .set("workflowType", start.workflow_type.to_value())
            .set_opt("control", start.control.clone())
            .set_opt("input", start.input.clone())
            .set(
                "executionStartToCloseTimeout",
                config.execution_start_to_close.to_string(),
            )
            .set("taskList", crate::json::task_list(&config.task_list))
            .set_opt(
                "taskPriority",
                config.task_priority.map(|priority| priority.to_string()),
            )
            .set("decisionTaskCompletedEventId", context.completed_event_id)
            .set("childPolicy", config.child_policy.as_str())
            .set("taskStartToCloseTimeout", config.task_start_to_close.wire())
            .set_opt("tagList", tags)
            .set_opt("lambdaRole", config.lambda_role.clone());
        self.record(
            context.exec,
            EventType::StartChildWorkflowExecutionInitiated,
            attributes,
        )
    }

    fn fail_child_start(
        &mut self,
        context: &DecisionContext,
        start: &StartChild,
        cause: &str,
        initiated_event_id: i64,
    ) {
        let attributes = Obj::new()
            .set("workflowType", start.workflow_type.to_value())
            .set("cause", cause)
            .set("workflowId", start.workflow_id.clone())
            .set("initiatedEventId", initiated_event_id)
            .set("decisionTaskCompletedEventId", context.completed_event_id)
            .set_opt("control", start.control.clone());
        self.record(context.exec, EventType::StartChildWorkflowExecutionFailed, attributes);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::Settings;
    use crate::api;
    use crate::model::execution::ExecId;
    use crate::shared::Shared;

    use super::MAX_OPEN_RUNS_PER_DOMAIN;

    async fn call(shared: &Shared, action: &str, body: Value) -> Value {
        let body = body.to_string();
        api::handle(shared, action, body.as_bytes())
            .await
            .unwrap_or_else(|error| panic!("{action} failed: {error}"))
    }

    /// Fills the domain's open runs up to the limit with placeholder entries, so that the limit is
    /// reached without starting 100,000 runs.
    fn fill_open_runs(shared: &Shared, domain: &str) {
        shared
            .with_state(|state| {
                let open_runs = &mut state.domain_mut(domain)?.open_runs;
                let mut index = 0_u64;
                while open_runs.len() < MAX_OPEN_RUNS_PER_DOMAIN {
                    open_runs.insert(format!("filler-{index}"), ExecId(u64::MAX - index));
                    index += 1;
                }
                Ok(())
            })
            .expect("filling the open runs");
    }

    #[tokio::test]
    async fn open_workflows_limit_fails_child_start() {
        let shared = Shared::new(&Settings::default());
        call(
            &shared,
            "RegisterDomain",
            json!({"name": "d", "workflowExecutionRetentionPeriodInDays": "1"}),
        )
        .await;
        call(
            &shared,
            "RegisterWorkflowType",
            json!({"domain": "d", "name": "W", "version": "1", "defaultTaskList": {"name": "l"},
                   "defaultExecutionStartToCloseTimeout": "60", "defaultTaskStartToCloseTimeout": "60",
                   "defaultChildPolicy": "TERMINATE"}),
        )
        .await;
        let run = call(
            &shared,
            "StartWorkflowExecution",
            json!({"domain": "d", "workflowId": "p", "workflowType": {"name": "W", "version": "1"}}),
        )
        .await;
        let task = call(
            &shared,
            "PollForDecisionTask",
            json!({"domain": "d", "taskList": {"name": "l"}}),
        )
        .await;
        fill_open_runs(&shared, "d");

        let start = json!({"domain": "d", "workflowId": "other", "workflowType": {"name": "W", "version": "1"}});
        let limited_start = api::handle(&shared, "StartWorkflowExecution", start.to_string().as_bytes()).await;
        call(
            &shared,
            "RespondDecisionTaskCompleted",
            json!({"taskToken": task["taskToken"], "decisions": [{
                "decisionType": "StartChildWorkflowExecution",
                "startChildWorkflowExecutionDecisionAttributes": {"workflowId": "c", "workflowType": {"name": "W", "version": "1"}}
            }]}),
        )
        .await;
        let history = call(
            &shared,
            "GetWorkflowExecutionHistory",
            json!({"domain": "d", "execution": {"workflowId": "p", "runId": run["runId"]}}),
        )
        .await;

        let code = limited_start.err().map(|error| error.code());
        assert_eq!(code, Some("LimitExceededFault"));
        let failed = history["events"]
            .as_array()
            .expect("events")
            .iter()
            .find(|event| event["eventType"] == "StartChildWorkflowExecutionFailed")
            .expect("StartChildWorkflowExecutionFailed in the history");
        let attributes = &failed["startChildWorkflowExecutionFailedEventAttributes"];
        assert_eq!(attributes["cause"], "OPEN_WORKFLOWS_LIMIT_EXCEEDED");
        assert_eq!(attributes["initiatedEventId"], 0);
    }
}
