//! One-line summaries of history events and decisions in SWF's JSON, for the tables of
//! `caravan history` and `caravan replay`.
//!
//! Both carry their attributes in a member named after their type (`timerFiredEventAttributes`,
//! `startTimerDecisionAttributes`), so one list of key members serves all 54 event types and
//! 13 decision types, including types added to SWF later.

use serde_json::{Map, Value};

/// Attribute members worth a place in a summary, in the order they are shown. Ids that only link
/// events together (`decisionTaskCompletedEventId`, `initiatedEventId`) are left out as noise,
/// except the scheduled and started event ids of tasks.
const KEY_MEMBERS: &[&str] = &[
    "workflowType",
    "activityType",
    "activityId",
    "timerId",
    "signalName",
    "markerName",
    "id",
    "name",
    "workflowId",
    "workflowExecution",
    "externalWorkflowExecution",
    "newExecutionRunId",
    "taskList",
    "startToFireTimeout",
    "timeoutType",
    "cause",
    "reason",
    "input",
    "result",
    "details",
    "executionContext",
    "identity",
    "scheduledEventId",
    "startedEventId",
];

/// Text values are cut to this many characters, so that one large input cannot fill a screen.
const MAX_VALUE_CHARS: usize = 40;

/// Returns the attributes of an event or decision: the one object member whose name ends with
/// `suffix` (`EventAttributes` or `DecisionAttributes`).
pub fn attributes<'a>(item: &'a Value, suffix: &str) -> Option<&'a Map<String, Value>> {
    item.as_object()?
        .iter()
        .find(|(name, _)| name.ends_with(suffix))
        .and_then(|(_, value)| value.as_object())
}

/// Summarises attributes as `member=value` pairs of the key members present.
pub fn summarize(attributes: Option<&Map<String, Value>>) -> String {
    let Some(attributes) = attributes else {
        return String::new();
    };
    let pairs: Vec<String> = KEY_MEMBERS
        .iter()
        .filter_map(|member| {
            let value = attributes.get(*member)?;
            Some(format!("{member}={}", format_value(value)))
        })
        .collect();
    pairs.join(" ")
}

/// Formats a value compactly: a type as `NAME VERSION`, a task list or execution by its name or
/// workflow id, text quoted when it has spaces or quotes, and long text cut.
fn format_value(value: &Value) -> String {
    match value {
        Value::String(text) => format_text(text),
        Value::Object(object) => {
            let text = |member: &str| object.get(member).and_then(Value::as_str);
            match (text("name"), text("version"), text("workflowId")) {
                (Some(name), Some(version), _) => format_text(&format!("{name} {version}")),
                (Some(name), None, _) => format_text(name),
                (None, _, Some(workflow_id)) => format_text(workflow_id),
                _ => format_text(&value.to_string()),
            }
        }
        other => other.to_string(),
    }
}

fn format_text(text: &str) -> String {
    let shortened = match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    };
    let plain = !shortened.is_empty()
        && !shortened
            .chars()
            .any(|character| character.is_whitespace() || character == '"' || character.is_control());
    if plain {
        shortened
    } else {
        Value::String(shortened).to_string()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn summary_lists_key_members_in_order() {
        let event = json!({
            "eventId": 7,
            "eventType": "WorkflowExecutionSignaled",
            "workflowExecutionSignaledEventAttributes": {
                "input": "Hello World!",
                "signalName": "PRINT",
                "externalInitiatedEventId": 0
            }
        });

        let summary = summarize(attributes(&event, "EventAttributes"));

        assert_eq!(summary, r#"signalName=PRINT input="Hello World!""#);
    }

    #[test]
    fn summary_names_types_and_task_lists() {
        let event = json!({
            "workflowExecutionStartedEventAttributes": {
                "workflowType": {"name": "Demo", "version": "0.1"},
                "taskList": {"name": "default"},
                "childPolicy": "TERMINATE"
            }
        });

        let summary = summarize(attributes(&event, "EventAttributes"));

        assert_eq!(summary, r#"workflowType="Demo 0.1" taskList=default"#);
    }

    #[test]
    fn summary_cuts_long_text() {
        let decision = json!({
            "decisionType": "CompleteWorkflowExecution",
            "completeWorkflowExecutionDecisionAttributes": {"result": "x".repeat(100)}
        });

        let summary = summarize(attributes(&decision, "DecisionAttributes"));

        assert_eq!(summary, format!("result={}...", "x".repeat(40)));
    }

    #[test]
    fn summary_of_missing_attributes_is_empty() {
        let event = json!({"eventType": "DecisionTaskScheduled"});

        assert_eq!(summarize(attributes(&event, "EventAttributes")), "");
    }
}
