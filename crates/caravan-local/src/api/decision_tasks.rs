//! PollForDecisionTask and RespondDecisionTaskCompleted.

use serde_json::{Value, json};

use super::decisions::read_decisions;
use super::input::Input;
use super::polling::long_poll;
use super::shapes::{self, DATA, IDENTITY, Naming, PageRequest, TASK_TOKEN};
use crate::engine::State;
use crate::engine::decision_tasks::{DecisionResponse, StartedDecisionTask};
use crate::engine::paging::{DecisionTaskPage, Position, history_page};
use crate::engine::queues::TaskKind;
use crate::error::ApiError;
use crate::json::Obj;
use crate::shared::Shared;

const POLL_OPERATION: &str = "PollForDecisionTask";

/// A PollForDecisionTask request.
pub(crate) struct DecisionPoll {
    domain: String,
    task_list: String,
    identity: Option<String>,
    page: PageRequest,
    start_at_previous_started_event: bool,
    fingerprint: String,
}

pub(crate) fn read_poll(mut input: Input) -> Result<DecisionPoll, ApiError> {
    let fingerprint = input.fingerprint();
    let domain = shapes::domain(&mut input)?;
    let task_list = shapes::required_task_list(&mut input, "taskList", Naming::Unchecked)?;
    let identity = input.string("identity", IDENTITY)?;
    let page = shapes::page_request(&mut input)?;
    let start_at_previous_started_event = input.boolean("startAtPreviousStartedEvent")?.unwrap_or(false);
    input.finish()?;

    Ok(DecisionPoll {
        domain,
        task_list,
        identity,
        page,
        start_at_previous_started_event,
        fingerprint,
    })
}

/// Returns a decision task with the first page of its history, or with a page token the next page of
/// the same task, or after the poll window an empty result without a task token.
pub(crate) async fn poll(shared: &Shared, request: DecisionPoll) -> Result<Value, ApiError> {
    if let Some(token) = &request.page.token {
        return shared.with_state(|state| next_page(state, &request, token));
    }

    let task = long_poll(
        shared,
        TaskKind::Decision,
        &request.domain,
        &request.task_list,
        |state| {
            let started = state.take_decision_task(&request.domain, &request.task_list, request.identity.as_deref())?;
            first_page(state, &request, started)
        },
    )
    .await?;
    Ok(task.unwrap_or_else(|| json!({ "previousStartedEventId": 0, "startedEventId": 0 })))
}

fn first_page(state: &mut State, request: &DecisionPoll, started: StartedDecisionTask) -> Option<Value> {
    let execution = state.execution(started.exec)?;

    // With startAtPreviousStartedEvent the history starts at the first event no older than the
    // DecisionTaskStarted of the last completed task.
    let mut first_event_id = 1;
    if request.start_at_previous_started_event && started.previous_started_event_id > 0 {
        let index = usize::try_from(started.previous_started_event_id - 1).ok()?;
        let since = execution.history.get(index)?.timestamp;
        first_event_id = execution
            .history
            .iter()
            .find(|event| event.timestamp >= since)
            .map_or(1, |event| event.id);
    }

    let page = DecisionTaskPage {
        exec: started.exec,
        task_token: started.token,
        started_event_id: started.started_event_id,
        previous_started_event_id: started.previous_started_event_id,
        first_event_id,
        next_event_id: if request.page.reverse {
            started.started_event_id
        } else {
            first_event_id
        },
    };
    render_page(state, request, page).ok()
}

fn next_page(state: &mut State, request: &DecisionPoll, token: &str) -> Result<Value, ApiError> {
    let position = state
        .pages
        .redeem(token, POLL_OPERATION, &request.fingerprint, state.now)?;
    let Position::DecisionTask(page) = position else {
        return Err(ApiError::Validation(
            "The nextPageToken does not belong to PollForDecisionTask".to_string(),
        ));
    };
    render_page(state, request, page)
}

/// Builds a decision task with one page of its history, which ends at the task's DecisionTaskStarted.
fn render_page(state: &mut State, request: &DecisionPoll, page: DecisionTaskPage) -> Result<Value, ApiError> {
    let execution = state.execution(page.exec).ok_or_else(|| {
        ApiError::unknown_resource("Unknown execution: the decision task's execution no longer exists")
    })?;
    let (events, next) = history_page(
        &execution.history,
        page.first_event_id,
        page.started_event_id,
        page.next_event_id,
        request.page.reverse,
        request.page.size,
    );
    let task = Obj::new()
        .set("taskToken", page.task_token.clone())
        .set("startedEventId", page.started_event_id)
        .set("workflowExecution", execution.reference())
        .set("workflowType", execution.workflow_type.to_value())
        .set("events", events)
        .set("previousStartedEventId", page.previous_started_event_id);

    let now = state.now;
    let next_token = next.map(|next_event_id| {
        let position = Position::DecisionTask(DecisionTaskPage { next_event_id, ..page });
        state.pages.issue(POLL_OPERATION, &request.fingerprint, position, now)
    });
    Ok(task.set_opt("nextPageToken", next_token).into_value())
}

pub(crate) fn respond(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let token = input.required_string("taskToken", TASK_TOKEN)?;
    let decisions = read_decisions(&mut input)?;
    let execution_context = input.string("executionContext", DATA)?;
    let task_list = shapes::task_list(&mut input, "taskList", Naming::Checked)?;
    let task_list_schedule_to_start = shapes::timeout(&mut input, "taskListScheduleToStartTimeout")?;
    input.finish()?;

    let response = DecisionResponse {
        decisions,
        execution_context,
        task_list,
        task_list_schedule_to_start,
    };
    state.complete_decision_task(&token, response)?;
    Ok(json!({}))
}
