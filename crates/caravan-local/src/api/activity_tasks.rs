//! PollForActivityTask, RecordActivityTaskHeartbeat and RespondActivityTask{Completed, Failed,
//! Canceled}.

use serde_json::{Value, json};

use super::input::Input;
use super::polling::long_poll;
use super::shapes::{self, DATA, IDENTITY, LIMITED_DATA, Naming, REASON, TASK_TOKEN};
use crate::engine::State;
use crate::engine::activities::ActivityOutcome;
use crate::engine::queues::TaskKind;
use crate::error::ApiError;
use crate::shared::Shared;

/// A PollForActivityTask request.
pub(crate) struct ActivityPoll {
    domain: String,
    task_list: String,
    identity: Option<String>,
}

pub(crate) fn read_poll(mut input: Input) -> Result<ActivityPoll, ApiError> {
    let domain = shapes::domain(&mut input)?;
    let task_list = shapes::required_task_list(&mut input, "taskList", Naming::Unchecked)?;
    let identity = input.string("identity", IDENTITY)?;
    input.finish()?;

    Ok(ActivityPoll {
        domain,
        task_list,
        identity,
    })
}

/// Returns an activity task, or after the poll window an empty result without a task token.
pub(crate) async fn poll(shared: &Shared, request: ActivityPoll) -> Result<Value, ApiError> {
    let task = long_poll(
        shared,
        TaskKind::Activity,
        &request.domain,
        &request.task_list,
        |state| state.take_activity_task(&request.domain, &request.task_list, request.identity.as_deref()),
    )
    .await?;
    Ok(task.unwrap_or_else(|| json!({ "startedEventId": 0 })))
}

pub(crate) fn heartbeat(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let token = input.required_string("taskToken", TASK_TOKEN)?;
    let details = input.string("details", LIMITED_DATA)?;
    input.finish()?;

    let cancel_requested = state.record_heartbeat(&token, details)?;
    Ok(json!({ "cancelRequested": cancel_requested }))
}

pub(crate) fn completed(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let token = input.required_string("taskToken", TASK_TOKEN)?;
    let result = input.string("result", DATA)?;
    input.finish()?;

    state.respond_activity(&token, ActivityOutcome::Completed { result })?;
    Ok(json!({}))
}

pub(crate) fn failed(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let token = input.required_string("taskToken", TASK_TOKEN)?;
    let reason = input.string("reason", REASON)?;
    let details = input.string("details", DATA)?;
    input.finish()?;

    state.respond_activity(&token, ActivityOutcome::Failed { reason, details })?;
    Ok(json!({}))
}

/// Records `ActivityTaskCanceled`; it is accepted whether or not a cancellation was requested.
pub(crate) fn canceled(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let token = input.required_string("taskToken", TASK_TOKEN)?;
    let details = input.string("details", DATA)?;
    input.finish()?;

    state.respond_activity(&token, ActivityOutcome::Canceled { details })?;
    Ok(json!({}))
}
