//! Responding to a decision task with the plugin's decisions, or as the failure policy directs.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::value::RawValue;

use super::{DecisionTask, Poller};
use crate::backoff::Backoff;
use crate::config::FailedDecisionPolicy;
use crate::swf::ErrorClass;
use crate::text::truncate_chars;

/// SWF refuses requests larger than 1 MB, so larger decisions are a plugin error caught here.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// SWF's limits on FailWorkflowExecution's reason and details, in characters.
const MAX_REASON_CHARS: usize = 256;
const MAX_DETAILS_CHARS: usize = 32_768;

/// Outcome of a response that SWF did not reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    /// SWF no longer has the task: it timed out or its execution closed.
    TaskGone,
    /// Transient failures lasted until the task's time was up.
    GaveUp,
}

/// Sends the plugin's decisions. If SWF rejects them, the failure policy decides what happens next.
pub async fn send_decisions(poller: &Poller, task: &DecisionTask, plugin_output: &[u8]) {
    let body = match respond_body(&task.token, plugin_output) {
        Ok(body) => body,
        Err(message) => {
            tracing::error!(domain = %poller.spec.domain, error = %message, "plugin returned invalid decisions");
            apply_failure_policy(poller, task, "caravan: invalid plugin output", &message).await;
            return;
        }
    };

    if let Err(message) = respond(poller, task, body).await {
        apply_failure_policy(poller, task, "caravan: decisions rejected", &message).await;
    }
}

/// Leaves the task to time out, or fails the execution, as the decider's policy sets.
pub async fn apply_failure_policy(poller: &Poller, task: &DecisionTask, reason: &str, details: &str) {
    match poller.spec.policy {
        FailedDecisionPolicy::TimeOut => {
            tracing::debug!(
                "leaving the decision task to time out; SWF schedules a new one after the task timeout (failed_decision_policy = time_out)"
            );
        }
        FailedDecisionPolicy::FailExecution => {
            let body = fail_execution_body(&task.token, reason, details);
            if respond(poller, task, body).await.is_ok() {
                tracing::warn!(
                    reason,
                    "failed the workflow execution (failed_decision_policy = fail_execution)"
                );
            }
        }
    }
}

/// Sends RespondDecisionTaskCompleted with retries on throttling and 5xx within the task's time.
/// Returns SWF's message when it rejects the request; every other outcome is logged here.
async fn respond(poller: &Poller, task: &DecisionTask, body: Bytes) -> Result<Answer, String> {
    let deadline = task.deadline();
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));

    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            tracing::error!(
                attempts = backoff.failures(),
                "gave up responding to the decision task: its time ran out; SWF will schedule it again"
            );
            return Ok(Answer::GaveUp);
        }

        let error = match poller
            .client
            .call("RespondDecisionTaskCompleted", body.clone(), remaining)
            .await
        {
            Ok(_) => {
                tracing::debug!("responded to the decision task");
                return Ok(Answer::Accepted);
            }
            Err(error) => error,
        };

        let message = error.message;
        match error.class {
            ErrorClass::UnknownResource if backoff.failures() > 0 => {
                // An earlier attempt may have reached SWF before its connection failed.
                tracing::warn!(
                    error = %message,
                    "decision task no longer open after a failed attempt; that attempt may have been accepted"
                );
                return Ok(Answer::TaskGone);
            }
            ErrorClass::UnknownResource => {
                tracing::warn!(error = %message, "decision task no longer exists (it timed out or its execution closed); dropping it");
                return Ok(Answer::TaskGone);
            }
            ErrorClass::Transient => {
                let delay = backoff.next_delay();
                if Instant::now() + delay >= deadline {
                    tracing::error!(
                        attempts = backoff.failures(),
                        error = %message,
                        "gave up responding to the decision task; it will time out and SWF will schedule it again"
                    );
                    return Ok(Answer::GaveUp);
                }
                tracing::warn!(attempt = backoff.failures(), retry_in_ms = delay.as_millis() as u64, error = %message, "responding to the decision task failed; retrying");
                tokio::time::sleep(delay).await;
            }
            ErrorClass::Permanent => {
                tracing::error!(domain = %poller.spec.domain, error = %message, "SWF rejected the response to the decision task");
                return Err(message);
            }
        }
    }
}

/// Builds RespondDecisionTaskCompleted's body from the plugin's output by adding the task token.
/// Members the plugin set are passed on as they are, including ones caravan does not know.
fn respond_body(token: &str, plugin_output: &[u8]) -> Result<Bytes, String> {
    let mut members: BTreeMap<String, Box<RawValue>> =
        serde_json::from_slice(plugin_output).map_err(|error| format!("the output is not a JSON object: {error}"))?;

    if let Some(decisions) = members.get("decisions")
        && !decisions.get().trim_start().starts_with('[')
    {
        return Err("`decisions` is not a JSON array".to_string());
    }

    let token = serde_json::value::to_raw_value(token).map_err(|error| error.to_string())?;
    members.insert("taskToken".to_string(), token);
    let body = serde_json::to_vec(&members).map_err(|error| error.to_string())?;

    if body.len() > MAX_REQUEST_BYTES {
        return Err(format!(
            "the response with the plugin's decisions is {} bytes, more than SWF's limit of {MAX_REQUEST_BYTES} bytes per request",
            body.len()
        ));
    }
    Ok(Bytes::from(body))
}

fn fail_execution_body(token: &str, reason: &str, details: &str) -> Bytes {
    let body = serde_json::json!({
        "taskToken": token,
        "decisions": [{
            "decisionType": "FailWorkflowExecution",
            "failWorkflowExecutionDecisionAttributes": {
                "reason": truncate_chars(reason, MAX_REASON_CHARS),
                "details": truncate_chars(details, MAX_DETAILS_CHARS),
            }
        }]
    });
    Bytes::from(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respond_body_adds_token_and_keeps_members() {
        let output = br#"{"decisions":[{"decisionType":"FutureDecision","futureDecisionAttributes":{"x":1}}],"executionContext":"ctx","newMember":true}"#;

        let body = respond_body("TOKEN", output).expect("valid output");
        let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");

        assert_eq!(value["taskToken"], "TOKEN");
        assert_eq!(value["executionContext"], "ctx");
        assert_eq!(value["newMember"], true);
        assert_eq!(value["decisions"][0]["futureDecisionAttributes"]["x"], 1);
    }

    #[test]
    fn respond_body_replaces_plugin_token() {
        let body = respond_body("REAL", br#"{"taskToken":"FAKE","decisions":[]}"#).expect("valid output");
        let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");

        assert_eq!(value["taskToken"], "REAL");
    }

    #[test]
    fn respond_body_rejects_non_array_decisions() {
        let error = respond_body("T", br#"{"decisions":{"decisionType":"X"}}"#).unwrap_err();
        assert!(error.contains("not a JSON array"), "{error}");
    }

    #[test]
    fn respond_body_rejects_over_one_megabyte() {
        let marker = "x".repeat(MAX_REQUEST_BYTES);
        let output = format!(
            r#"{{"decisions":[{{"decisionType":"RecordMarker","recordMarkerDecisionAttributes":{{"markerName":"m","details":"{marker}"}}}}]}}"#
        );

        let error = respond_body("T", output.as_bytes()).unwrap_err();

        assert!(error.contains("more than SWF's limit"), "{error}");
    }

    #[test]
    fn respond_body_rejects_non_object() {
        let error = respond_body("T", b"[1,2]").unwrap_err();
        assert!(error.contains("not a JSON object"), "{error}");
    }

    #[test]
    fn fail_body_truncates_to_swf_limits() {
        let reason = "é".repeat(300);
        let details = "🚀".repeat(40_000);

        let body = fail_execution_body("T", &reason, &details);
        let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        let attributes = &value["decisions"][0]["failWorkflowExecutionDecisionAttributes"];

        assert_eq!(attributes["reason"].as_str().map(|s| s.chars().count()), Some(256));
        assert_eq!(attributes["details"].as_str().map(|s| s.chars().count()), Some(32_768));
    }
}
