//! Polling for a decision task and fetching every page of its history.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::Poller;
use crate::backoff::Backoff;
use crate::swf::ErrorClass;

/// Attempts per history page before the task is dropped. A page token is valid only for a short
/// while, so longer retries cannot help.
const PAGE_ATTEMPTS: u32 = 4;

/// How long a decider may take when the execution sets `taskStartToCloseTimeout` to NONE or the
/// first page does not show it.
const UNBOUNDED_TASK_BUDGET: Duration = Duration::from_secs(300);

/// A decision task with its whole history, ready for a plugin.
#[derive(Debug)]
pub struct DecisionTask {
    pub token: String,
    pub workflow_id: String,
    pub run_id: String,
    pub type_name: String,
    pub type_version: String,
    /// SWF's DecisionTask JSON with every page merged, without the task token.
    pub body: Vec<u8>,
    pub event_count: usize,
    /// When the poll returned. The response to the task is due within `budget` of it.
    pub received_at: Instant,
    pub budget: Duration,
}

/// Failure of a poll or of a history page fetch.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("poll failed: {message}")]
    Poll { class: ErrorClass, message: String },
    #[error("history page {page} could not be fetched: {message}")]
    Page {
        page: u32,
        workflow_id: String,
        run_id: String,
        message: String,
    },
    #[error("invalid poll response: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolledPage {
    #[serde(default)]
    task_token: Option<String>,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    started_event_id: i64,
    #[serde(default)]
    previous_started_event_id: i64,
    #[serde(default)]
    workflow_execution: Option<ExecutionRef>,
    #[serde(default)]
    workflow_type: Option<TypeRef>,
    #[serde(default)]
    events: Vec<Box<RawValue>>,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecutionRef {
    workflow_id: String,
    run_id: String,
}

#[derive(Deserialize, serde::Serialize)]
struct TypeRef {
    name: String,
    version: String,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct MergedTask<'a> {
    started_event_id: i64,
    previous_started_event_id: i64,
    workflow_execution: &'a ExecutionRef,
    workflow_type: &'a TypeRef,
    events: &'a [Box<RawValue>],
}

/// Makes one long poll and fetches the task's remaining history pages. `Ok(None)` means the poll
/// ended without work.
pub async fn poll_task(poller: &Poller) -> Result<Option<DecisionTask>, FetchError> {
    let first = match poll_page(poller, None).await {
        Ok(page) => page,
        Err((class, message)) => return Err(FetchError::Poll { class, message }),
    };
    let received_at = Instant::now();

    // SWF signals "no work" by leaving the token out; some endpoints send an empty one.
    let Some(token) = first.task_token.clone().filter(|token| !token.is_empty()) else {
        return Ok(None);
    };
    let (Some(execution), Some(workflow_type)) = (&first.workflow_execution, &first.workflow_type) else {
        return Err(FetchError::Invalid(
            "a task without workflowExecution or workflowType".to_string(),
        ));
    };

    let mut events = first.events.clone();
    let mut next_page_token = first.next_page_token.clone();
    let mut page = 1;
    while let Some(page_token) = next_page_token.take().filter(|token| !token.is_empty()) {
        page += 1;
        let next = fetch_page(poller, page_token, page, execution).await?;
        events.extend(next.events);
        next_page_token = next.next_page_token;
    }

    let merged = MergedTask {
        started_event_id: first.started_event_id,
        previous_started_event_id: first.previous_started_event_id,
        workflow_execution: execution,
        workflow_type,
        events: &events,
    };
    let body = serde_json::to_vec(&merged).map_err(|error| FetchError::Invalid(error.to_string()))?;

    Ok(Some(DecisionTask {
        token,
        workflow_id: execution.workflow_id.clone(),
        run_id: execution.run_id.clone(),
        type_name: workflow_type.name.clone(),
        type_version: workflow_type.version.clone(),
        body,
        event_count: events.len(),
        received_at,
        budget: task_budget(events.first().map(|event| &**event)),
    }))
}

/// Fetches a follow-up page, retrying briefly: SWF hands the rest of a task's history out through
/// PollForDecisionTask with the page token, and an empty page may still carry a token.
async fn fetch_page(
    poller: &Poller,
    page_token: String,
    page: u32,
    execution: &ExecutionRef,
) -> Result<PolledPage, FetchError> {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(2));
    loop {
        match poll_page(poller, Some(page_token.clone())).await {
            Ok(next) => return Ok(next),
            Err((ErrorClass::Transient, message)) if backoff.failures() + 1 < PAGE_ATTEMPTS => {
                let delay = backoff.next_delay();
                tracing::warn!(page, error = %message, retry_in_ms = delay.as_millis() as u64, "history page fetch failed; retrying");
                tokio::time::sleep(delay).await;
            }
            Err((_, message)) => {
                return Err(FetchError::Page {
                    page,
                    workflow_id: execution.workflow_id.clone(),
                    run_id: execution.run_id.clone(),
                    message,
                });
            }
        }
    }
}

/// Calls PollForDecisionTask once and reads the page from SWF's own JSON.
async fn poll_page(poller: &Poller, page_token: Option<String>) -> Result<PolledPage, (ErrorClass, String)> {
    let request = PollRequest {
        domain: &poller.spec.domain,
        task_list: TaskListRef {
            name: &poller.spec.task_list,
        },
        identity: &poller.identity,
        maximum_page_size: 1000,
        next_page_token: page_token.as_deref(),
    };
    let body = serde_json::to_vec(&request).map_err(|error| (ErrorClass::Permanent, error.to_string()))?;

    let response = poller
        .client
        .call("PollForDecisionTask", body.into())
        .await
        .map_err(|error| (error.class, error.message))?;
    serde_json::from_slice::<PolledPage>(&response)
        .map_err(|error| (ErrorClass::Permanent, format!("invalid poll response: {error}")))
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct PollRequest<'a> {
    domain: &'a str,
    task_list: TaskListRef<'a>,
    identity: &'a str,
    maximum_page_size: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page_token: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct TaskListRef<'a> {
    name: &'a str,
}

/// Returns the time a decider has for this task: the execution's `taskStartToCloseTimeout`, read
/// from the WorkflowExecutionStarted event that opens the history.
fn task_budget(first_event: Option<&RawValue>) -> Duration {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct FirstEvent {
        workflow_execution_started_event_attributes: Option<StartedAttributes>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct StartedAttributes {
        task_start_to_close_timeout: Option<String>,
    }

    first_event
        .and_then(|event| serde_json::from_str::<FirstEvent>(event.get()).ok())
        .and_then(|event| event.workflow_execution_started_event_attributes)
        .and_then(|attributes| attributes.task_start_to_close_timeout)
        .and_then(|timeout| timeout.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(UNBOUNDED_TASK_BUDGET)
}
