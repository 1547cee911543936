//! Polling for a decision task and fetching every page of its history.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Activity, Poller};
use crate::backoff::Backoff;
use crate::swf::ErrorClass;

/// Attempts per history page before the task is dropped. A page token is valid only for a short
/// while, so longer retries cannot help.
const PAGE_ATTEMPTS: u32 = 4;

/// A first poll waits for as long as the client's long-poll read timeout allows.
const LONG_POLL: Duration = Duration::MAX;

/// How long a decider may take when the execution sets `taskStartToCloseTimeout` to NONE or the
/// first page does not show it.
const UNBOUNDED_TASK_BUDGET: Duration = Duration::from_secs(300);

/// An execution runs for at most a year, so no decision task may take longer. This also bounds a
/// huge value from a faulty endpoint.
const MAX_TASK_BUDGET: Duration = Duration::from_secs(366 * 24 * 3600);

/// SWF closes an execution at 25,000 events and pages hold up to 1,000 of them (the decider asks
/// for 1,000), so a history longer than this many pages is not SWF speaking.
const MAX_HISTORY_PAGES: u32 = 1000;

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

impl DecisionTask {
    /// A task whose poll response could not be read, kept so that the failure policy can still
    /// respond to it with its token.
    fn unreadable(token: String, workflow_id: String, run_id: String) -> DecisionTask {
        DecisionTask {
            token,
            workflow_id,
            run_id,
            type_name: "?".to_string(),
            type_version: "?".to_string(),
            body: Vec::new(),
            event_count: 0,
            received_at: Instant::now(),
            budget: UNBOUNDED_TASK_BUDGET,
        }
    }

    /// When the response to the task is due.
    pub fn deadline(&self) -> Instant {
        self.received_at + self.budget
    }
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
    /// The poll handed out a task (it has a token) whose response could not be read.
    #[error("the poll response for a decision task cannot be read: {message}")]
    Unreadable { task: Box<DecisionTask>, message: String },
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
    let first = match poll_page(poller, None, LONG_POLL).await {
        Ok(page) => page,
        Err(PageError::Call { class, message }) => return Err(FetchError::Poll { class, message }),
        Err(PageError::Unreadable {
            task: Some(task),
            message,
        }) => {
            return Err(FetchError::Unreadable { task, message });
        }
        Err(PageError::Unreadable { task: None, message }) => {
            return Err(FetchError::Poll {
                class: ErrorClass::Permanent,
                message,
            });
        }
    };
    let received_at = Instant::now();

    // SWF signals "no work" by leaving the token out; some endpoints send an empty one.
    let Some(token) = first.task_token.clone().filter(|token| !token.is_empty()) else {
        return Ok(None);
    };
    let (Some(execution), Some(workflow_type)) = (&first.workflow_execution, &first.workflow_type) else {
        let message = "the task has no workflowExecution or workflowType".to_string();
        let ids = first.workflow_execution.as_ref();
        let workflow_id = ids
            .map(|ids| ids.workflow_id.clone())
            .unwrap_or_else(|| "?".to_string());
        let run_id = ids.map(|ids| ids.run_id.clone()).unwrap_or_else(|| "?".to_string());
        let task = Box::new(DecisionTask::unreadable(token, workflow_id, run_id));
        return Err(FetchError::Unreadable { task, message });
    };

    let budget = task_budget(first.events.first().map(|event| &**event));
    let deadline = received_at + budget;
    poller.activity.set(Activity::FetchingHistory {
        workflow_id: execution.workflow_id.clone(),
        run_id: execution.run_id.clone(),
        since: received_at,
    });
    let events = fetch_remaining_pages(poller, &first, execution, deadline).await?;

    let merged = MergedTask {
        started_event_id: first.started_event_id,
        previous_started_event_id: first.previous_started_event_id,
        workflow_execution: execution,
        workflow_type,
        events: &events,
    };
    let body = match serde_json::to_vec(&merged) {
        Ok(body) => body,
        Err(error) => {
            let task = DecisionTask::unreadable(token, execution.workflow_id.clone(), execution.run_id.clone());
            return Err(FetchError::Unreadable {
                task: Box::new(task),
                message: error.to_string(),
            });
        }
    };

    Ok(Some(DecisionTask {
        token,
        workflow_id: execution.workflow_id.clone(),
        run_id: execution.run_id.clone(),
        type_name: workflow_type.name.clone(),
        type_version: workflow_type.version.clone(),
        body,
        event_count: events.len(),
        received_at,
        budget,
    }))
}

/// Follows `nextPageToken` from the first page to the last, within the task's time. A token seen
/// twice, or more pages than a history can have, means the endpoint is not behaving like SWF, and
/// the task is dropped rather than followed forever.
async fn fetch_remaining_pages(
    poller: &Poller,
    first: &PolledPage,
    execution: &ExecutionRef,
    deadline: Instant,
) -> Result<Vec<Box<RawValue>>, FetchError> {
    let page_error = |page: u32, message: String| FetchError::Page {
        page,
        workflow_id: execution.workflow_id.clone(),
        run_id: execution.run_id.clone(),
        message,
    };

    let mut events = first.events.clone();
    let mut seen_tokens = HashSet::new();
    let mut next_page_token = first.next_page_token.clone();
    let mut page = 1;
    while let Some(page_token) = next_page_token.take().filter(|token| !token.is_empty()) {
        page += 1;
        if page > MAX_HISTORY_PAGES {
            return Err(page_error(
                page,
                format!("the history has more than {MAX_HISTORY_PAGES} pages"),
            ));
        }
        if !seen_tokens.insert(page_token.clone()) {
            return Err(page_error(
                page,
                "the endpoint returned the same page token twice".to_string(),
            ));
        }

        let next = fetch_page(poller, page_token, page, execution, deadline).await?;
        events.extend(next.events);
        next_page_token = next.next_page_token;
    }
    Ok(events)
}

/// Fetches a follow-up page, retrying briefly: SWF hands the rest of a task's history out through
/// PollForDecisionTask with the page token, and an empty page may still carry a token.
async fn fetch_page(
    poller: &Poller,
    page_token: String,
    page: u32,
    execution: &ExecutionRef,
    deadline: Instant,
) -> Result<PolledPage, FetchError> {
    let page_error = |message: String| FetchError::Page {
        page,
        workflow_id: execution.workflow_id.clone(),
        run_id: execution.run_id.clone(),
        message,
    };

    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(2));
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(page_error(
                "the task's time ran out while its history was being fetched".to_string(),
            ));
        }

        match poll_page(poller, Some(page_token.clone()), remaining).await {
            Ok(next) => return Ok(next),
            Err(PageError::Call {
                class: ErrorClass::Transient,
                message,
            }) if backoff.failures() + 1 < PAGE_ATTEMPTS => {
                let delay = backoff.next_delay();
                tracing::warn!(page, error = %message, retry_in_ms = delay.as_millis() as u64, "history page fetch failed; retrying");
                tokio::time::sleep(delay).await;
            }
            Err(PageError::Call { message, .. } | PageError::Unreadable { message, .. }) => {
                return Err(page_error(message));
            }
        }
    }
}

/// Failure of one PollForDecisionTask call.
enum PageError {
    Call {
        class: ErrorClass,
        message: String,
    },
    /// The response is not a readable page; `task` is set when it still carries a task token.
    Unreadable {
        task: Option<Box<DecisionTask>>,
        message: String,
    },
}

/// Calls PollForDecisionTask once and reads the page from SWF's own JSON.
async fn poll_page(poller: &Poller, page_token: Option<String>, timeout: Duration) -> Result<PolledPage, PageError> {
    let request = PollRequest {
        domain: &poller.spec.domain,
        task_list: TaskListRef {
            name: &poller.spec.task_list,
        },
        identity: &poller.identity,
        maximum_page_size: 1000,
        next_page_token: page_token.as_deref(),
    };
    let body = serde_json::to_vec(&request).map_err(|error| PageError::Call {
        class: ErrorClass::Permanent,
        message: error.to_string(),
    })?;

    let response = poller
        .client
        .call("PollForDecisionTask", body.into(), timeout)
        .await
        .map_err(|error| PageError::Call {
            class: error.class,
            message: error.message,
        })?;

    serde_json::from_slice::<PolledPage>(&response).map_err(|error| PageError::Unreadable {
        task: token_of_unreadable_response(&response),
        message: format!("invalid poll response: {error}"),
    })
}

/// Reads what it can of a poll response that does not parse as a page: a task token and the
/// execution's ids, so that the task can be reported and handled by the failure policy.
fn token_of_unreadable_response(response: &[u8]) -> Option<Box<DecisionTask>> {
    let value: serde_json::Value = serde_json::from_slice(response).ok()?;
    let token = value
        .get("taskToken")?
        .as_str()
        .filter(|token| !token.is_empty())?
        .to_string();
    let text = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let task = DecisionTask::unreadable(
        token,
        text("/workflowExecution/workflowId"),
        text("/workflowExecution/runId"),
    );
    Some(Box::new(task))
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
        .map(|seconds| Duration::from_secs(seconds).min(MAX_TASK_BUDGET))
        .unwrap_or(UNBOUNDED_TASK_BUDGET)
}
