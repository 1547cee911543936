//! Responding to an activity task with RespondActivityTaskCompleted, RespondActivityTaskFailed or
//! RespondActivityTaskCanceled, retrying throttling and 5xx errors with jittered backoff.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::task::Outcome;
use crate::backoff::Backoff;
use crate::swf::{self, DirectClient, ErrorClass};
use crate::text::truncate_chars;

/// SWF's limits on an activity's failure reason and on its details and result, in characters.
pub const MAX_REASON_CHARS: usize = 256;
pub const MAX_DETAILS_CHARS: usize = 32_768;

/// How long transient failures of one response are retried. The poll response does not carry
/// the task's start-to-close timeout, so this is a fixed bound rather than the task's own.
const RETRY_WINDOW: Duration = Duration::from_secs(60);

/// Sends the outcome of a task.
pub async fn send_outcome(client: &DirectClient, token: &str, outcome: Outcome) {
    match outcome {
        Outcome::Completed { result } => {
            let body = completed_body(token, result.as_deref());
            if respond(client, swf::RESPOND_ACTIVITY_TASK_COMPLETED, body).await {
                tracing::debug!("activity task completed");
            }
        }
        Outcome::Failed { reason, details } => {
            tracing::info!(reason = %truncate_chars(&reason, MAX_REASON_CHARS), "activity task failed");
            let body = failed_body(token, &reason, details.as_deref());
            respond(client, swf::RESPOND_ACTIVITY_TASK_FAILED, body).await;
        }
        Outcome::Canceled { details } => {
            let body = canceled_body(token, details.as_deref());
            if respond(client, swf::RESPOND_ACTIVITY_TASK_CANCELED, body).await {
                tracing::info!("activity task canceled");
            }
        }
    }
}

/// Fails a task with `reason` and `details`.
pub async fn fail(client: &DirectClient, token: &str, reason: &str, details: &str) {
    let body = failed_body(token, reason, Some(details));
    respond(client, swf::RESPOND_ACTIVITY_TASK_FAILED, body).await;
}

fn completed_body(token: &str, result: Option<&str>) -> Bytes {
    let mut body = serde_json::json!({ "taskToken": token });
    if let Some(result) = result {
        body["result"] = truncate_chars(result, MAX_DETAILS_CHARS).into();
    }
    Bytes::from(body.to_string())
}

fn failed_body(token: &str, reason: &str, details: Option<&str>) -> Bytes {
    let mut body = serde_json::json!({
        "taskToken": token,
        "reason": truncate_chars(reason, MAX_REASON_CHARS),
    });
    if let Some(details) = details {
        body["details"] = truncate_chars(details, MAX_DETAILS_CHARS).into();
    }
    Bytes::from(body.to_string())
}

fn canceled_body(token: &str, details: Option<&str>) -> Bytes {
    let mut body = serde_json::json!({ "taskToken": token });
    if let Some(details) = details {
        body["details"] = truncate_chars(details, MAX_DETAILS_CHARS).into();
    }
    Bytes::from(body.to_string())
}

/// Sends one response, retrying transient failures within [`RETRY_WINDOW`]. Returns whether SWF
/// accepted it. Every other outcome is logged here.
async fn respond(client: &DirectClient, operation: &str, body: Bytes) -> bool {
    let deadline = Instant::now() + RETRY_WINDOW;
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));

    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let error = match client.call(operation, body.clone(), remaining).await {
            Ok(_) => return true,
            Err(error) => error,
        };

        match error.class {
            ErrorClass::UnknownResource if backoff.failures() > 0 => {
                // An earlier attempt may have reached SWF before its connection failed.
                tracing::warn!(
                    operation,
                    error = %error.message,
                    "activity task no longer open after a failed attempt; that attempt may have been accepted"
                );
                return false;
            }
            ErrorClass::UnknownResource => {
                tracing::warn!(
                    operation,
                    error = %error.message,
                    "activity task no longer exists (it timed out or its execution closed); dropping the response"
                );
                return false;
            }
            ErrorClass::Transient => {
                let delay = backoff.next_delay();
                if Instant::now() + delay >= deadline {
                    tracing::error!(
                        operation,
                        attempts = backoff.failures(),
                        error = %error.message,
                        "gave up responding to the activity task; SWF will time it out"
                    );
                    return false;
                }
                tracing::warn!(
                    operation,
                    attempt = backoff.failures(),
                    retry_in_ms = delay.as_millis() as u64,
                    error = %error.message,
                    "responding to the activity task failed; retrying"
                );
                tokio::time::sleep(delay).await;
            }
            ErrorClass::Permanent => {
                tracing::error!(operation, error = %error.message, "SWF rejected the response to the activity task");
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(body: &Bytes) -> serde_json::Value {
        serde_json::from_slice(body).expect("JSON")
    }

    #[test]
    fn failed_body_cuts_reason_without_splitting_characters() {
        // 255 ASCII characters and then multi-byte ones: a cut by bytes would split "é".
        let reason = format!("{}{}", "r".repeat(255), "é".repeat(10));
        let details = "🚀".repeat(40_000);

        let body = json(&failed_body("T", &reason, Some(&details)));
        let sent_reason = body["reason"].as_str().unwrap();
        let sent_details = body["details"].as_str().unwrap();

        assert_eq!(body["taskToken"], "T");
        assert_eq!(sent_reason.chars().count(), MAX_REASON_CHARS);
        assert!(sent_reason.ends_with("ré"), "{sent_reason}");
        assert_eq!(sent_details.chars().count(), MAX_DETAILS_CHARS);
        assert!(sent_details.chars().all(|character| character == '🚀'));
    }

    #[test]
    fn failed_body_cuts_long_message_and_trace() {
        let message: String = "Zahlung für Café fehlgeschlagen 💳❌ "
            .chars()
            .cycle()
            .take(1_000)
            .collect();
        let trace: String = "  at pipeline::charge (paiement.rs:42) — échec 🔥\n"
            .chars()
            .cycle()
            .take(100_000)
            .collect();

        let body = json(&failed_body("T", &message, Some(&trace)));
        let sent_reason = body["reason"].as_str().unwrap();
        let sent_details = body["details"].as_str().unwrap();

        assert_eq!(sent_reason.chars().count(), MAX_REASON_CHARS);
        assert!(message.starts_with(sent_reason));
        assert_eq!(sent_details.chars().count(), MAX_DETAILS_CHARS);
        assert!(trace.starts_with(sent_details));
    }

    #[test]
    fn failed_body_keeps_short_values() {
        let body = json(&failed_body("T", "bad", None));

        assert_eq!(body["reason"], "bad");
        assert!(body.get("details").is_none());
    }

    #[test]
    fn completed_body_cuts_result() {
        let result = "ü".repeat(MAX_DETAILS_CHARS + 5);

        let body = json(&completed_body("T", Some(&result)));

        assert_eq!(
            body["result"].as_str().map(|text| text.chars().count()),
            Some(MAX_DETAILS_CHARS)
        );
    }

    #[test]
    fn canceled_body_cuts_details() {
        let details = "ü".repeat(MAX_DETAILS_CHARS + 5);

        let body = json(&canceled_body("T", Some(&details)));

        assert_eq!(body["taskToken"], "T");
        assert_eq!(
            body["details"].as_str().map(|text| text.chars().count()),
            Some(MAX_DETAILS_CHARS)
        );
    }

    #[test]
    fn completed_body_without_result() {
        let body = json(&completed_body("T", None));

        assert_eq!(body, serde_json::json!({"taskToken": "T"}));
    }
}
