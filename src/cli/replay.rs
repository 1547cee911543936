//! `caravan replay`: runs a plugin's decider over a saved history and prints its decisions.
//!
//! The decision task is built as the daemon builds it from a poll, so a plugin author can check
//! what a new plugin version decides for a recorded execution. Nothing here talks to SWF, and no
//! AWS client or credentials are needed.
//!
//! Exit codes: a plugin that cannot be loaded exits 78, as for the daemon. A `--workflow-type`
//! that the plugin does not serve, and a `--started-event-id` that names no DecisionTaskStarted
//! event of the history, are usage errors (64). A history file that cannot be read or
//! used, a history whose workflow type the plugin does not serve, and a plugin that fails to
//! decide exit 1.

use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use serde_json::{Map, Value, json};

use super::args::ReplayArgs;
use super::output::{self, Table};
use super::{Cli, Failure, summary};
use crate::plugin::LoadedPlugin;

/// Workflow id and run id the plugin receives when neither the command line nor the file sets them.
const PLACEHOLDER_ID: &str = "replay";

/// SWF rejects requests larger than 1 MB, so the daemon fails decisions larger than this.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

pub fn replay(cli: &Cli, args: &ReplayArgs) -> Result<ExitCode, Failure> {
    let plugin = super::plugin::load_for_author(&args.plugin)?;

    let file = &args.history_file;
    let task = read_task(file, args).map_err(|error| match error {
        TaskError::Content(message) => in_file(file, &message),
        TaskError::StartedEventId(message) => {
            Failure::Usage(format!("invalid --started-event-id: {message} in {}", file.display()))
        }
    })?;
    check_served(&plugin, &task, args)?;

    let output = plugin.decide(task.body.to_string().as_bytes()).map_err(|error| {
        in_file(
            file,
            &format!(
                "{} failed to decide the task of event {}: {error}",
                plugin.path().display(),
                task.started_event_id
            ),
        )
    })?;
    let response = read_plugin_output(&output).map_err(|message| {
        in_file(
            file,
            &format!("{} returned invalid decisions: {message}", plugin.path().display()),
        )
    })?;

    print_decisions(cli, response)?;
    Ok(ExitCode::SUCCESS)
}

fn in_file(file: &Path, message: &str) -> Failure {
    Failure::Runtime(anyhow!("{}: {message}", file.display()))
}

/// A decision task rebuilt from a history file.
#[derive(Debug)]
struct ReplayTask {
    /// The task as PollForDecisionTask returns it with every page merged, without the token.
    body: Value,
    type_name: String,
    type_version: String,
    started_event_id: i64,
}

/// Failure to build the decision task from a history file.
#[derive(Debug, thiserror::Error)]
enum TaskError {
    /// The file cannot be read, or its content is no usable history.
    #[error("{0}")]
    Content(String),
    /// `--started-event-id` names no DecisionTaskStarted event of the history.
    #[error("{0}")]
    StartedEventId(String),
}

impl From<String> for TaskError {
    fn from(message: String) -> TaskError {
        TaskError::Content(message)
    }
}

impl From<&str> for TaskError {
    fn from(message: &str) -> TaskError {
        TaskError::Content(message.to_string())
    }
}

/// Reads the history file and builds the decision task of the chosen DecisionTaskStarted event.
fn read_task(file: &Path, args: &ReplayArgs) -> Result<ReplayTask, TaskError> {
    let bytes = std::fs::read(file).map_err(|error| format!("cannot read the history: {error}"))?;
    let document: Value =
        serde_json::from_slice(&bytes).map_err(|error| format!("the history is not valid JSON: {error}"))?;
    build_task(document, args)
}

fn build_task(document: Value, args: &ReplayArgs) -> Result<ReplayTask, TaskError> {
    let (mut events, poll) = split_document(document)?;
    check_events(&events)?;
    // A history printed with --reverse is newest first, but the daemon hands events to plugins oldest first.
    events.sort_by_key(event_id);

    let started_attributes = events
        .iter()
        .find(|event| event["eventType"] == "WorkflowExecutionStarted")
        .and_then(|event| summary::attributes(event, "EventAttributes"))
        .ok_or("the history has no WorkflowExecutionStarted event: save the whole history, from event 1")?;
    let (type_name, type_version) = match (&args.workflow_type, poll.get("workflowType")) {
        (Some(workflow_type), _) => workflow_type.clone(),
        (None, Some(workflow_type)) => name_and_version(workflow_type)
            .ok_or("the workflowType of the PollForDecisionTask response has no name or version")?,
        (None, None) => started_attributes
            .get("workflowType")
            .and_then(name_and_version)
            .ok_or("the WorkflowExecutionStarted event has no workflowType; pass --workflow-type NAME:VERSION")?,
    };

    let started_event_id = match args.started_event_id {
        Some(chosen) => check_started_event_id(&events, chosen)?,
        None => events
            .iter()
            .rev()
            .find(|event| event["eventType"] == "DecisionTaskStarted")
            .map(event_id)
            .ok_or("the history has no DecisionTaskStarted event, so it contains no decision task to replay")?,
    };
    events.retain(|event| event_id(event) <= started_event_id);

    // A PollForDecisionTask response sets previousStartedEventId for its own task only.
    let polled_task = poll.get("startedEventId").and_then(Value::as_i64) == Some(started_event_id);
    let previous_started_event_id = match poll.get("previousStartedEventId").and_then(Value::as_i64) {
        Some(previous) if polled_task => previous,
        _ => previous_started_event_id(&events),
    };
    let text = |member: &str| {
        poll.get("workflowExecution")
            .and_then(|execution| execution[member].as_str())
            .unwrap_or(PLACEHOLDER_ID)
            .to_string()
    };
    let workflow_id = args.workflow_id.clone().unwrap_or_else(|| text("workflowId"));
    let run_id = args.run_id.clone().unwrap_or_else(|| text("runId"));

    let body = json!({
        "startedEventId": started_event_id,
        "previousStartedEventId": previous_started_event_id,
        "workflowExecution": {"workflowId": workflow_id, "runId": run_id},
        "workflowType": {"name": type_name, "version": type_version},
        "events": events,
    });
    Ok(ReplayTask {
        body,
        type_name,
        type_version,
        started_event_id,
    })
}

/// Returns `chosen` if it is the id of a DecisionTaskStarted event of `events`.
fn check_started_event_id(events: &[Value], chosen: i64) -> Result<i64, TaskError> {
    let Some(event) = events.iter().find(|event| event_id(event) == chosen) else {
        return Err(TaskError::StartedEventId(format!(
            "event {chosen} is not in the history"
        )));
    };
    if event["eventType"] != "DecisionTaskStarted" {
        return Err(TaskError::StartedEventId(format!(
            "event {chosen} is a {} event, not DecisionTaskStarted",
            event["eventType"].as_str().unwrap_or("?")
        )));
    }
    Ok(chosen)
}

/// Returns the events of the document and, for a PollForDecisionTask response, its other members.
fn split_document(document: Value) -> Result<(Vec<Value>, Map<String, Value>), String> {
    const SHAPES: &str = "expected {\"events\": [...]} as `caravan history --output json` prints it, a JSON array of \
                          events, or a PollForDecisionTask response";
    match document {
        Value::Array(events) => Ok((events, Map::new())),
        Value::Object(mut members) => match members.remove("events") {
            Some(Value::Array(events)) => {
                let is_poll_response = members.contains_key("taskToken") || members.contains_key("startedEventId");
                let poll = if is_poll_response { members } else { Map::new() };
                Ok((events, poll))
            }
            Some(_) => Err(format!("`events` is not a JSON array; {SHAPES}")),
            None => Err(format!("the JSON object has no `events` member; {SHAPES}")),
        },
        _ => Err(format!("the history is neither a JSON object nor an array; {SHAPES}")),
    }
}

/// Checks that every event has an integer `eventId` and a string `eventType`, once each id.
fn check_events(events: &[Value]) -> Result<(), String> {
    let mut ids = std::collections::HashSet::new();
    for (index, event) in events.iter().enumerate() {
        let Some(id) = event["eventId"].as_i64() else {
            return Err(format!("event {} of the file has no integer eventId", index + 1));
        };
        if event["eventType"].as_str().is_none() {
            return Err(format!("event {id} has no eventType"));
        }
        if !ids.insert(id) {
            return Err(format!("event id {id} appears twice"));
        }
    }
    Ok(())
}

/// Returns what SWF sends as `previousStartedEventId`: the started event of the last decision
/// task that a decider completed, or 0 when none was completed.
fn previous_started_event_id(events: &[Value]) -> i64 {
    events
        .iter()
        .rev()
        .filter(|event| event["eventType"] == "DecisionTaskCompleted")
        .find_map(|event| event["decisionTaskCompletedEventAttributes"]["startedEventId"].as_i64())
        .unwrap_or(0)
}

fn event_id(event: &Value) -> i64 {
    event["eventId"].as_i64().unwrap_or(0)
}

fn name_and_version(workflow_type: &Value) -> Option<(String, String)> {
    let name = workflow_type["name"].as_str()?;
    let version = workflow_type["version"].as_str()?;
    Some((name.to_string(), version.to_string()))
}

/// Fails unless the plugin serves the task's workflow type, as the daemon would.
fn check_served(plugin: &LoadedPlugin, task: &ReplayTask, args: &ReplayArgs) -> Result<(), Failure> {
    let workflows = &plugin.manifest().workflows;
    let served = workflows
        .iter()
        .any(|workflow| workflow.name == task.type_name && workflow.version == task.type_version);
    if served {
        return Ok(());
    }

    let served_types: Vec<String> = workflows
        .iter()
        .map(|workflow| format!("{}:{}", workflow.name, workflow.version))
        .collect();
    let message = format!(
        "plugin {} does not serve workflow type {}:{}; it serves {}",
        plugin.path().display(),
        task.type_name,
        task.type_version,
        served_types.join(", ")
    );
    match args.workflow_type {
        Some(_) => Err(Failure::Usage(format!("invalid --workflow-type: {message}"))),
        None => Err(in_file(
            &args.history_file,
            &format!("{message}; pass --workflow-type to decide as another type"),
        )),
    }
}

/// Reads the plugin's output as the daemon does before it responds: a JSON object whose
/// `decisions` member, when present, is an array, and which fits in one SWF request.
fn read_plugin_output(output: &[u8]) -> Result<Map<String, Value>, String> {
    // NOTE: the daemon's limit also counts the task token it adds, so output a few hundred bytes
    // under the limit passes here and can still fail in the daemon.
    if output.len() > MAX_REQUEST_BYTES {
        return Err(format!(
            "the decisions are {} bytes, more than SWF's limit of {MAX_REQUEST_BYTES} bytes per request",
            output.len()
        ));
    }
    let response: Map<String, Value> =
        serde_json::from_slice(output).map_err(|error| format!("the output is not a JSON object: {error}"))?;
    if response.get("decisions").is_some_and(|decisions| !decisions.is_array()) {
        return Err("`decisions` is not a JSON array".to_string());
    }
    Ok(response)
}

/// Prints the decisions as a table, or the plugin's RespondDecisionTaskCompleted body (without
/// the task token) with `--output json`.
fn print_decisions(cli: &Cli, response: Map<String, Value>) -> Result<(), Failure> {
    if cli.output.is_json() {
        return output::print_json(&Value::Object(response));
    }

    let decisions = response
        .get("decisions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if decisions.is_empty() {
        output::print_line("No decisions.")?;
    } else {
        let mut table = Table::new(["#", "Decision", "Details"]);
        for (index, decision) in decisions.iter().enumerate() {
            table.push([
                (index + 1).to_string(),
                decision["decisionType"].as_str().unwrap_or("?").to_string(),
                summary::summarize(summary::attributes(decision, "DecisionAttributes")),
            ]);
        }
        output::print_table(cli.output, table, Value::Null)?;
    }

    if let Some(context) = response.get("executionContext").and_then(Value::as_str) {
        output::print_line(&format!("Execution context: {context}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ReplayArgs {
        ReplayArgs {
            plugin: "demo.so".into(),
            history_file: "history.json".into(),
            workflow_type: None,
            workflow_id: None,
            run_id: None,
            started_event_id: None,
        }
    }

    fn event(id: i64, event_type: &str, attributes: Value) -> Value {
        let member = format!("{}{}EventAttributes", event_type[..1].to_lowercase(), &event_type[1..]);
        json!({"eventId": id, "eventTimestamp": 1420070400.0, "eventType": event_type, member: attributes})
    }

    /// Returns a history whose first task was completed and whose second task is started.
    fn second_task_history() -> Vec<Value> {
        vec![
            event(
                1,
                "WorkflowExecutionStarted",
                json!({"workflowType": {"name": "Demo", "version": "0.1"}}),
            ),
            event(2, "DecisionTaskScheduled", json!({})),
            event(3, "DecisionTaskStarted", json!({"scheduledEventId": 2})),
            event(
                4,
                "DecisionTaskCompleted",
                json!({"scheduledEventId": 2, "startedEventId": 3}),
            ),
            event(5, "WorkflowExecutionSignaled", json!({"signalName": "STOP"})),
            event(6, "DecisionTaskScheduled", json!({})),
            event(7, "DecisionTaskStarted", json!({"scheduledEventId": 6})),
            event(
                8,
                "DecisionTaskCompleted",
                json!({"scheduledEventId": 6, "startedEventId": 7}),
            ),
            event(
                9,
                "WorkflowExecutionCompleted",
                json!({"decisionTaskCompletedEventId": 8}),
            ),
        ]
    }

    #[test]
    fn task_ends_at_last_decision_task_started() {
        let task = build_task(json!({ "events": second_task_history() }), &args()).expect("task");

        assert_eq!(task.started_event_id, 7);
        assert_eq!(task.body["startedEventId"], 7);
        assert_eq!(task.body["previousStartedEventId"], 3);
        assert_eq!(task.body["events"].as_array().map(Vec::len), Some(7));
        assert_eq!(task.body["workflowType"], json!({"name": "Demo", "version": "0.1"}));
        assert_eq!(task.body["workflowExecution"]["workflowId"], PLACEHOLDER_ID);
    }

    #[test]
    fn reversed_array_is_sorted() {
        let mut events = second_task_history();
        events.reverse();

        let task = build_task(Value::Array(events), &args()).expect("task");

        let ids: Vec<i64> = task.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(event_id)
            .collect();
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn first_task_has_no_previous() {
        let events: Vec<Value> = second_task_history().into_iter().take(3).collect();

        let task = build_task(Value::Array(events), &args()).expect("task");

        assert_eq!(task.body["previousStartedEventId"], 0);
        assert_eq!(task.started_event_id, 3);
    }

    #[test]
    fn poll_response_keeps_its_members() {
        let document = json!({
            "taskToken": "token",
            "startedEventId": 7,
            "previousStartedEventId": 0,
            "workflowExecution": {"workflowId": "wf-1", "runId": "run-1"},
            "workflowType": {"name": "Demo", "version": "0.1"},
            "events": second_task_history(),
        });

        let task = build_task(document, &args()).expect("task");

        assert_eq!(task.body["previousStartedEventId"], 0);
        assert_eq!(task.body["workflowExecution"]["workflowId"], "wf-1");
        assert_eq!(task.body["workflowExecution"]["runId"], "run-1");
        assert!(task.body.get("taskToken").is_none());
    }

    #[test]
    fn workflow_type_flag_overrides_history() {
        let mut args = args();
        args.workflow_type = Some(("Other".to_string(), "2".to_string()));

        let task = build_task(Value::Array(second_task_history()), &args).expect("task");

        assert_eq!(task.type_name, "Other");
        assert_eq!(task.body["workflowType"]["version"], "2");
    }

    #[test]
    fn history_without_start_is_rejected() {
        let events: Vec<Value> = second_task_history().into_iter().skip(1).collect();

        let error = build_task(Value::Array(events), &args()).unwrap_err().to_string();

        assert!(error.contains("no WorkflowExecutionStarted"), "{error}");
    }

    #[test]
    fn history_without_decision_task_is_rejected() {
        let events: Vec<Value> = second_task_history().into_iter().take(2).collect();

        let error = build_task(Value::Array(events), &args()).unwrap_err().to_string();

        assert!(error.contains("no DecisionTaskStarted"), "{error}");
    }

    #[test]
    fn other_json_shapes_are_rejected() {
        for document in [json!("text"), json!({"executionInfos": []}), json!({"events": {}})] {
            let error = build_task(document.clone(), &args()).unwrap_err().to_string();
            assert!(error.contains("expected {\"events\""), "{document}: {error}");
        }
    }

    #[test]
    fn events_without_ids_are_rejected() {
        let error = build_task(json!([{"eventType": "WorkflowExecutionStarted"}]), &args())
            .unwrap_err()
            .to_string();

        assert!(error.contains("no integer eventId"), "{error}");
    }

    #[test]
    fn started_event_id_picks_earlier_task() {
        let mut args = args();
        args.started_event_id = Some(3);

        let task = build_task(json!({ "events": second_task_history() }), &args).expect("task");

        assert_eq!(task.started_event_id, 3);
        assert_eq!(task.body["previousStartedEventId"], 0);
        assert_eq!(task.body["events"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn started_event_id_ignores_poll_previous() {
        let mut args = args();
        args.started_event_id = Some(3);
        let document = json!({
            "taskToken": "token",
            "startedEventId": 7,
            "previousStartedEventId": 3,
            "workflowType": {"name": "Demo", "version": "0.1"},
            "events": second_task_history(),
        });

        let task = build_task(document, &args).expect("task");

        assert_eq!(task.body["previousStartedEventId"], 0);
    }

    #[test]
    fn started_event_id_must_name_decision_task() {
        let mut args = args();
        for (chosen, expected) in [(5, "WorkflowExecutionSignaled event"), (99, "not in the history")] {
            args.started_event_id = Some(chosen);

            let error = build_task(json!({ "events": second_task_history() }), &args).unwrap_err();

            assert!(matches!(error, TaskError::StartedEventId(_)), "{error:?}");
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn plugin_output_must_be_object_with_array() {
        assert!(read_plugin_output(br#"{"decisions":[]}"#).is_ok());
        assert!(read_plugin_output(b"[]").is_err());
        assert!(read_plugin_output(br#"{"decisions":{}}"#).is_err());
    }
}
