//! Polling for an activity task and running it in a plugin.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use caravan_plugin::activity::ActivityOutcome;
use serde::Deserialize;

use super::heartbeat::{HeartbeatDetails, Heartbeats, SwfTaskCalls};
use super::{WorkerContext, WorkerSpec};
use crate::plugin::{CallError, LoadedPlugin};
use crate::swf::{self, DirectClient, ErrorClass};

/// Failure reason of a task whose activity type no plugin of the worker serves.
pub const UNKNOWN_ACTIVITY_TYPE: &str = "UnknownActivityType";

/// Failure reason of a task whose activity panicked.
pub const ACTIVITY_PANICKED: &str = "ActivityPanicked";

/// Failure reason of a task the plugin could not run, such as one with invalid JSON.
pub const PLUGIN_ERROR: &str = "PluginError";

/// A poll waits for as long as the client's long-poll read timeout allows.
const LONG_POLL: Duration = Duration::MAX;

/// An activity task as the poll returned it.
#[derive(Debug)]
pub struct ActivityTask {
    pub token: String,
    pub activity_id: String,
    pub type_name: String,
    pub type_version: String,
    pub workflow_id: String,
    pub run_id: String,
    /// The id of the task's `ActivityTaskStarted` event, or 0 if the poll response lacks it.
    pub started_event_id: i64,
    /// The poll response without `taskToken`, as the plugin receives it.
    pub body: Vec<u8>,
}

impl ActivityTask {
    /// Names the task for the log of abandoned work.
    pub fn describe(&self) -> String {
        format!(
            "activity {} ({} {}) of workflow {} run {}",
            self.activity_id, self.type_name, self.type_version, self.workflow_id, self.run_id
        )
    }
}

/// The response the worker sends to SWF for one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed {
        result: Option<String>,
    },
    Failed {
        reason: String,
        details: Option<String>,
    },
    /// The activity failed after SWF requested its cancellation.
    Canceled {
        details: Option<String>,
    },
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PolledIds {
    #[serde(default)]
    task_token: Option<String>,
    #[serde(default)]
    activity_id: String,
    #[serde(default)]
    started_event_id: i64,
    #[serde(default)]
    activity_type: TypeRef,
    #[serde(default)]
    workflow_execution: ExecutionRef,
}

#[derive(Deserialize, Default)]
struct TypeRef {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ExecutionRef {
    #[serde(default)]
    workflow_id: String,
    #[serde(default)]
    run_id: String,
}

/// Makes one long PollForActivityTask call. `Ok(None)` means the poll ended without work.
pub async fn poll(
    client: &DirectClient,
    spec: &WorkerSpec,
    identity: &str,
) -> Result<Option<ActivityTask>, swf::CallError> {
    let request = serde_json::json!({
        "domain": spec.domain,
        "taskList": {"name": spec.task_list},
        "identity": identity,
    });
    let response = client
        .call(swf::POLL_FOR_ACTIVITY_TASK, request.to_string().into(), LONG_POLL)
        .await?;

    parse_task(&response).map_err(|message| swf::CallError {
        class: ErrorClass::Permanent,
        message,
    })
}

/// Reads a poll response. A response without a task token, or with an empty one, is no work.
fn parse_task(response: &[u8]) -> Result<Option<ActivityTask>, String> {
    let mut members: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(response).map_err(|error| format!("invalid activity poll response: {error}"))?;
    let ids: PolledIds = serde_json::from_value(serde_json::Value::Object(members.clone()))
        .map_err(|error| format!("invalid activity poll response: {error}"))?;

    let Some(token) = ids.task_token.filter(|token| !token.is_empty()) else {
        return Ok(None);
    };
    members.remove("taskToken");
    let body = serde_json::to_vec(&members).map_err(|error| error.to_string())?;

    Ok(Some(ActivityTask {
        token,
        activity_id: ids.activity_id,
        type_name: ids.activity_type.name,
        type_version: ids.activity_type.version,
        workflow_id: ids.workflow_execution.workflow_id,
        run_id: ids.workflow_execution.run_id,
        started_event_id: ids.started_event_id,
        body,
    }))
}

/// Runs the activity on a blocking thread, keeping the task's span for the plugin's log records,
/// and sends heartbeats while it runs, with the details it records, every half of the task's
/// heartbeat timeout. `registered_every` is the interval for the type's registered timeout, used
/// until the task's own is known. Turns every plugin failure into a failed outcome, and a failure
/// after SWF requested cancellation into a canceled one.
pub async fn run_plugin(
    context: &WorkerContext,
    plugin: Arc<LoadedPlugin>,
    task: &ActivityTask,
    registered_every: Duration,
) -> Outcome {
    let body = task.body.clone();
    let span = tracing::Span::current();
    let cancel = Arc::new(AtomicBool::new(false));
    let details = Arc::new(HeartbeatDetails::default());

    let flag = cancel.clone();
    let recorded = details.clone();
    let running = tokio::task::spawn_blocking(move || {
        let sink = |bytes: &[u8]| recorded.record(bytes);
        span.in_scope(|| plugin.run_activity(&body, &flag, &sink))
    });
    let heartbeats = Heartbeats {
        calls: SwfTaskCalls {
            client: &context.client,
            domain: &context.spec.domain,
            task,
        },
        registered_every,
        cancel: &cancel,
        details: &details,
        lookup_warnings: &context.spec.heartbeat_lookup_failures,
    };
    let (joined, cancel_requested) = heartbeats.beat_while_running(running).await;

    match outcome_of(joined) {
        Outcome::Failed { reason, details } if cancel_requested => {
            tracing::info!(reason = %crate::text::shorten(&reason, 256), "activity stopped after a cancellation request");
            Outcome::Canceled { details }
        }
        other => other,
    }
}

fn outcome_of(joined: Result<Result<Vec<u8>, CallError>, tokio::task::JoinError>) -> Outcome {
    let called = match joined {
        Ok(called) => called,
        Err(error) => Err(CallError::Panicked(format!(
            "the plugin call ended abnormally: {error}"
        ))),
    };

    match called {
        Ok(output) => read_outcome(&output),
        Err(CallError::Panicked(message)) => {
            tracing::error!(error = %crate::text::shorten(&message, 4096), "activity panicked; failing the task");
            Outcome::Failed {
                reason: ACTIVITY_PANICKED.to_string(),
                details: Some(message),
            }
        }
        Err(error) => {
            let message = error.to_string();
            tracing::error!(error = %crate::text::shorten(&message, 4096), "plugin failed to run the activity; failing the task");
            Outcome::Failed {
                reason: PLUGIN_ERROR.to_string(),
                details: Some(message),
            }
        }
    }
}

/// Reads the outcome JSON a plugin returned with `STATUS_OK`.
fn read_outcome(output: &[u8]) -> Outcome {
    match serde_json::from_slice::<ActivityOutcome>(output) {
        Ok(ActivityOutcome::Completed { result }) => Outcome::Completed { result },
        Ok(ActivityOutcome::Failed(failure)) => Outcome::Failed {
            reason: failure.reason.unwrap_or_default(),
            details: failure.details,
        },
        Err(error) => {
            let message = format!("the plugin returned an invalid activity outcome: {error}");
            tracing::error!(error = %message, "plugin failed to run the activity; failing the task");
            Outcome::Failed {
                reason: PLUGIN_ERROR.to_string(),
                details: Some(message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_task_without_token_is_no_work() {
        assert!(parse_task(br#"{"startedEventId":0}"#).unwrap().is_none());
        assert!(parse_task(br#"{"taskToken":"","startedEventId":0}"#).unwrap().is_none());
    }

    #[test]
    fn parse_task_removes_token_from_body() {
        let response = br#"{"taskToken":"T","activityId":"a1","startedEventId":5,
            "activityType":{"name":"Upper","version":"1"},
            "workflowExecution":{"workflowId":"w","runId":"r"},"input":"hi"}"#;

        let task = parse_task(response).unwrap().unwrap();
        let body: serde_json::Value = serde_json::from_slice(&task.body).unwrap();

        assert_eq!(task.token, "T");
        assert_eq!(task.activity_id, "a1");
        assert_eq!(task.type_name, "Upper");
        assert_eq!(task.type_version, "1");
        assert_eq!(task.workflow_id, "w");
        assert_eq!(task.run_id, "r");
        assert_eq!(task.started_event_id, 5);
        assert!(body.get("taskToken").is_none());
        assert_eq!(body["input"], "hi");
        assert_eq!(body["startedEventId"], 5);
    }

    #[test]
    fn parse_task_rejects_non_json() {
        let error = parse_task(b"<html>").unwrap_err();
        assert!(error.contains("invalid activity poll response"), "{error}");
    }

    #[test]
    fn read_outcome_shapes() {
        assert_eq!(
            read_outcome(br#"{"completed":{"result":"OK"}}"#),
            Outcome::Completed {
                result: Some("OK".to_string())
            }
        );
        assert_eq!(
            read_outcome(br#"{"failed":{"reason":"bad","details":"d"}}"#),
            Outcome::Failed {
                reason: "bad".to_string(),
                details: Some("d".to_string())
            }
        );
        let Outcome::Failed { reason, .. } = read_outcome(b"[]") else {
            panic!("an invalid outcome should fail the task");
        };
        assert_eq!(reason, PLUGIN_ERROR);
    }
}
