//! StartWorkflowExecution, SignalWorkflowExecution, RequestCancelWorkflowExecution,
//! TerminateWorkflowExecution, DescribeWorkflowExecution and GetWorkflowExecutionHistory.

use serde_json::{Value, json};

use super::input::Input;
use super::shapes::{self, ARN, DATA, NAME, Naming, REASON, check_name};
use crate::engine::lifecycle::{MAX_OPEN_RUNS_PER_DOMAIN, NewRun, TypeProblem};
use crate::engine::paging::{Position, history_page};
use crate::engine::{State, unknown_execution};
use crate::error::{ApiError, Fault};
use crate::json::Obj;
use crate::model::events::EventType;
use crate::model::execution::{ExecId, RunSettings};
use crate::model::values::timestamp_value;

pub(crate) fn start(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let domain = shapes::domain(&mut input)?;
    let workflow_id = input.required_string("workflowId", NAME)?;
    check_name(&input, "workflowId", &workflow_id);
    let workflow_type = shapes::type_key(&mut input, "workflowType")?;
    let settings = RunSettings {
        task_list: shapes::task_list(&mut input, "taskList", Naming::Checked)?,
        task_priority: shapes::priority(&mut input, "taskPriority")?,
        execution_start_to_close: shapes::execution_timeout(&mut input, "executionStartToCloseTimeout", false)?,
        task_start_to_close: shapes::timeout(&mut input, "taskStartToCloseTimeout")?,
        child_policy: shapes::child_policy(&mut input, "childPolicy")?,
        lambda_role: input.string("lambdaRole", ARN)?,
    };
    let start_input = input.string("input", DATA)?;
    let tags = shapes::tag_list(&mut input)?;
    input.finish()?;

    let type_name = || {
        format!(
            "WorkflowType=[name={}, version={}]",
            workflow_type.name, workflow_type.version
        )
    };
    state.domain(&domain)?;
    let defaults = match state.startable_workflow_type(&domain, &workflow_type) {
        Ok(defaults) => defaults.clone(),
        Err(TypeProblem::Missing) => return Err(ApiError::unknown_resource(format!("Unknown type: {}", type_name()))),
        Err(TypeProblem::Deprecated) => {
            return Err(ApiError::fault(
                Fault::TypeDeprecated,
                format!("Type is deprecated: {}", type_name()),
            ));
        }
    };

    let open_runs = &state.domain(&domain)?.open_runs;
    if let Some(open) = open_runs.get(&workflow_id).and_then(|id| state.execution(*id)) {
        return Err(ApiError::fault(
            Fault::WorkflowExecutionAlreadyStarted,
            format!(
                "Workflow execution already started: workflowId={workflow_id}, open runId={}",
                open.run_id
            ),
        ));
    }
    if open_runs.len() >= MAX_OPEN_RUNS_PER_DOMAIN {
        return Err(ApiError::fault(
            Fault::LimitExceeded,
            format!("Domain {domain} already has {MAX_OPEN_RUNS_PER_DOMAIN} open executions"),
        ));
    }
    let config = settings.resolve(&defaults).map_err(|missing| {
        ApiError::fault(
            Fault::DefaultUndefined,
            format!(
                "{}: the request does not set it and {} has no default for it",
                missing.member(),
                type_name()
            ),
        )
    })?;

    let run = NewRun {
        domain,
        workflow_id,
        workflow_type,
        config,
        input: start_input,
        tags,
        parent: None,
        continued_from: None,
    };
    let id = state.start_run(run);
    let run_id = state
        .execution(id)
        .map(|execution| execution.run_id.clone())
        .unwrap_or_default();
    Ok(json!({ "runId": run_id }))
}

/// Reads the domain, workflow id and optional run id of a Signal, RequestCancel or Terminate request.
fn read_target(input: &mut Input) -> Result<(String, String, Option<String>), ApiError> {
    let domain = shapes::domain(input)?;
    let workflow_id = input.required_string("workflowId", NAME)?;
    let run_id = shapes::optional_run_id(input)?;
    Ok((domain, workflow_id, run_id))
}

/// Finds the open run a request addresses.
fn open_target(state: &State, domain: &str, workflow_id: &str, run_id: Option<&str>) -> Result<ExecId, ApiError> {
    state.domain(domain)?;
    state
        .find_open_run(domain, workflow_id, run_id)
        .ok_or_else(|| unknown_execution(workflow_id, run_id.unwrap_or("null")))
}

pub(crate) fn signal(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let (domain, workflow_id, run_id) = read_target(&mut input)?;
    let signal_name = input.required_string("signalName", NAME)?;
    let signal_input = input.string("input", DATA)?;
    input.finish()?;

    let id = open_target(state, &domain, &workflow_id, run_id.as_deref())?;
    let attributes = Obj::new().set("signalName", signal_name).set_opt("input", signal_input);
    state.record(id, EventType::WorkflowExecutionSignaled, attributes);
    Ok(json!({}))
}

pub(crate) fn request_cancel(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let (domain, workflow_id, run_id) = read_target(&mut input)?;
    input.finish()?;

    let id = open_target(state, &domain, &workflow_id, run_id.as_deref())?;
    if let Some(execution) = state.execution_mut(id) {
        execution.cancel_requested = true;
    }
    state.record(id, EventType::WorkflowExecutionCancelRequested, Obj::new());
    Ok(json!({}))
}

pub(crate) fn terminate(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let (domain, workflow_id, run_id) = read_target(&mut input)?;
    let reason = input.string("reason", REASON)?;
    let details = input.string("details", DATA)?;
    let child_policy = shapes::child_policy(&mut input, "childPolicy")?;
    input.finish()?;

    let id = open_target(state, &domain, &workflow_id, run_id.as_deref())?;
    state.terminate_run(id, reason, details, child_policy, "OPERATOR_INITIATED");
    Ok(json!({}))
}

/// Reads the domain and execution members of Describe and GetHistory.
fn read_execution(input: &mut Input) -> Result<(String, String, String), ApiError> {
    let domain = shapes::domain(input)?;
    let (workflow_id, run_id) = shapes::execution(input, "execution")?;
    Ok((domain, workflow_id, run_id))
}

/// Finds a run, open or closed (until its retention period ends).
fn find_execution(state: &State, (domain, workflow_id, run_id): &(String, String, String)) -> Result<ExecId, ApiError> {
    state.domain(domain)?;
    state.find_run(domain, workflow_id, run_id)
}

pub(crate) fn describe(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let target = read_execution(&mut input)?;
    input.finish()?;

    let id = find_execution(state, &target)?;
    let execution = state
        .execution(id)
        .ok_or_else(|| unknown_execution(&target.1, &target.2))?;
    Ok(Obj::new()
        .set("executionInfo", execution.info())
        .set("executionConfiguration", execution.config.to_value())
        .set("openCounts", execution.open_counts())
        .set_opt(
            "latestActivityTaskTimestamp",
            execution.latest_activity_scheduled_at.map(timestamp_value),
        )
        .set_opt("latestExecutionContext", execution.latest_execution_context.clone())
        .into_value())
}

pub(crate) fn history(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let fingerprint = input.fingerprint();
    let target = read_execution(&mut input)?;
    let page = shapes::page_request(&mut input)?;
    input.finish()?;

    let id = find_execution(state, &target)?;
    let start = match &page.token {
        Some(token) => match state
            .pages
            .redeem(token, "GetWorkflowExecutionHistory", &fingerprint, state.now)?
        {
            Position::Event(next_event_id) => Some(next_event_id),
            _ => None,
        },
        None => None,
    };
    let execution = state
        .execution(id)
        .ok_or_else(|| unknown_execution(&target.1, &target.2))?;
    let last = execution.history.len() as i64;
    let start = start.unwrap_or(if page.reverse { last } else { 1 });
    let (events, next) = history_page(&execution.history, 1, last, start, page.reverse, page.size);

    let now = state.now;
    let token = next.map(|next| {
        state
            .pages
            .issue("GetWorkflowExecutionHistory", &fingerprint, Position::Event(next), now)
    });
    Ok(Obj::new()
        .set("events", events)
        .set_opt("nextPageToken", token)
        .into_value())
}
