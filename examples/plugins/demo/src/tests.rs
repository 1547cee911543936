//! `Demo::decide` driven with hand-built histories.

use std::sync::{Mutex, Once, PoisonError};

use caravan_plugin::decision::Decision;
use caravan_plugin::history::DecisionTask;
use caravan_plugin::log::{self, LevelFilter, Log, Metadata, Record};
use serde_json::{Value, json};

use super::*;

/// Info-level messages logged by the workflow, from every test in this binary.
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct CaptureLogger;

impl Log for CaptureLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &Record<'_>) {
        LOGGED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record.args().to_string());
    }

    fn flush(&self) {}
}

static LOGGER: CaptureLogger = CaptureLogger;

fn capture_logs() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        log::set_logger(&LOGGER).expect("no other logger in this test binary");
        log::set_max_level(LevelFilter::Info);
    });
}

fn logged_message_containing(needle: &str) -> Option<String> {
    LOGGED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|message| message.contains(needle))
        .cloned()
}

/// An event's type and attributes member; the task builders assign ids and timestamps.
type NewEvent = (&'static str, Value);

fn started(input: Option<&str>) -> NewEvent {
    let mut attributes = json!({
        "childPolicy": "TERMINATE",
        "taskList": {"name": "default"},
        "workflowType": {"name": "Demo", "version": "0.1"},
    });
    if let Some(input) = input {
        attributes["input"] = json!(input);
    }
    ("WorkflowExecutionStarted", attributes)
}

fn signaled(signal_name: &str, input: &str) -> NewEvent {
    (
        "WorkflowExecutionSignaled",
        json!({"signalName": signal_name, "input": input}),
    )
}

fn timer_fired(timer_id: &str) -> NewEvent {
    ("TimerFired", json!({"timerId": timer_id, "startedEventId": 5}))
}

fn to_wire(event_id: i64, (event_type, attributes): NewEvent) -> Value {
    let mut member = event_type[..1].to_ascii_lowercase();
    member.push_str(&event_type[1..]);
    member.push_str("EventAttributes");

    json!({
        "eventId": event_id,
        "eventTimestamp": 1735689600.0 + event_id as f64,
        "eventType": event_type,
        member: attributes,
    })
}

/// Builds a decision task from `old` events, which an earlier task handled, and `new`
/// events, followed by the `DecisionTaskScheduled` and `DecisionTaskStarted` SWF appends.
fn task(old: Vec<NewEvent>, new: Vec<NewEvent>) -> DecisionTask {
    let previous_started_event_id = old.len() as i64;
    let scheduled_event_id = (old.len() + new.len()) as i64 + 1;

    let mut events = old;
    events.extend(new);
    events.push(("DecisionTaskScheduled", json!({"taskList": {"name": "default"}})));
    events.push(("DecisionTaskStarted", json!({"scheduledEventId": scheduled_event_id})));
    let events: Vec<Value> = (1..).zip(events).map(|(id, event)| to_wire(id, event)).collect();

    serde_json::from_value(json!({
        "startedEventId": scheduled_event_id + 1,
        "previousStartedEventId": previous_started_event_id,
        "workflowExecution": {"workflowId": "demo-1", "runId": "run-1"},
        "workflowType": {"name": "Demo", "version": "0.1"},
        "events": events,
    }))
    .unwrap()
}

/// Returns the events of the first decision task and of its response, which started the timer.
fn first_task_history() -> Vec<NewEvent> {
    vec![
        started(None),
        ("DecisionTaskScheduled", json!({"taskList": {"name": "default"}})),
        ("DecisionTaskStarted", json!({"scheduledEventId": 2})),
        (
            "DecisionTaskCompleted",
            json!({"scheduledEventId": 2, "startedEventId": 3}),
        ),
        (
            "TimerStarted",
            json!({"timerId": "SignalTimeout", "startToFireTimeout": "300", "decisionTaskCompletedEventId": 4}),
        ),
    ]
}

/// Builds a later decision task whose new events are `new`.
fn later_task(new: Vec<NewEvent>) -> DecisionTask {
    task(first_task_history(), new)
}

fn decide(task: &DecisionTask) -> Vec<Decision> {
    Demo.decide(task).unwrap().decisions
}

#[test]
fn registration_has_demo_defaults() {
    let json = serde_json::to_value(Demo.registration()).unwrap();

    assert_eq!(json["name"], "Demo");
    assert_eq!(json["version"], "0.1");
    assert!(json["description"].is_string());
    assert_eq!(json["defaultTaskList"], json!({"name": "default"}));
    assert_eq!(json["defaultExecutionStartToCloseTimeout"], "600");
    assert_eq!(json["defaultTaskStartToCloseTimeout"], "10");
    assert_eq!(json["defaultChildPolicy"], "TERMINATE");
}

#[test]
fn start_starts_signal_timeout_timer() {
    let decisions = decide(&task(vec![], vec![started(None)]));

    assert_eq!(decisions, vec![Decision::start_timer("SignalTimeout", 300)]);
}

#[test]
fn start_uses_patience_from_input() {
    let decisions = decide(&task(vec![], vec![started(Some(r#"{"patience_secs": 5}"#))]));

    assert_eq!(decisions, vec![Decision::start_timer("SignalTimeout", 5)]);
}

#[test]
fn start_ignores_invalid_patience() {
    let inputs = [
        r#"{"patience_secs": 0}"#,
        r#"{"patience_secs": -3}"#,
        r#"{"patience_secs": "5"}"#,
        r#"{"patience_secs": 2.5}"#,
        r#"{"patience_secs": 100000000}"#,
        r#"[5]"#,
        "not json",
    ];

    for input in inputs {
        let decisions = decide(&task(vec![], vec![started(Some(input))]));

        assert_eq!(decisions, vec![Decision::start_timer("SignalTimeout", 300)], "{input}");
    }
}

#[test]
fn handled_events_are_not_handled_again() {
    let decisions = decide(&later_task(vec![]));

    assert!(decisions.is_empty(), "{decisions:?}");
}

#[test]
fn print_logs_input_without_decision() {
    capture_logs();

    let decisions = decide(&later_task(vec![signaled("PRINT", "Hello World!")]));

    assert!(decisions.is_empty(), "{decisions:?}");
    assert!(logged_message_containing("signal PRINT received: Hello World!").is_some());
}

#[test]
fn stop_completes_with_success() {
    let decisions = decide(&later_task(vec![signaled("STOP", "")]));

    assert_eq!(
        decisions,
        vec![Decision::complete_workflow_execution(Some(
            r#"{"success": true}"#.to_owned()
        ))]
    );
}

#[test]
fn abort_fails_with_reason_aborted() {
    let decisions = decide(&later_task(vec![signaled("ABORT", "")]));

    assert_eq!(decisions, vec![Decision::fail_workflow_execution("aborted", None)]);
}

#[test]
fn signal_names_ignore_case() {
    let decisions = decide(&later_task(vec![signaled("sToP", "")]));

    assert_eq!(
        decisions,
        vec![Decision::complete_workflow_execution(Some(
            r#"{"success": true}"#.to_owned()
        ))]
    );
}

#[test]
fn timer_fired_fails_with_patience_lost() {
    let decisions = decide(&later_task(vec![timer_fired("SignalTimeout")]));

    assert_eq!(
        decisions,
        vec![Decision::fail_workflow_execution("patience_lost", None)]
    );
}

#[test]
fn other_timer_is_ignored() {
    let decisions = decide(&later_task(vec![timer_fired("Reminder")]));

    assert!(decisions.is_empty(), "{decisions:?}");
}

#[test]
fn unknown_signal_is_logged_and_ignored() {
    capture_logs();

    let decisions = decide(&later_task(vec![signaled("DANCE", "")]));

    assert!(decisions.is_empty(), "{decisions:?}");
    assert!(logged_message_containing(r#"signal "DANCE" ignored"#).is_some());
}

#[test]
fn two_signals_handled_in_order() {
    capture_logs();

    let decisions = decide(&later_task(vec![
        signaled("PRINT", "before stop"),
        signaled("STOP", ""),
    ]));

    assert_eq!(
        decisions,
        vec![Decision::complete_workflow_execution(Some(
            r#"{"success": true}"#.to_owned()
        ))]
    );
    assert!(logged_message_containing("signal PRINT received: before stop").is_some());
}

#[test]
fn events_after_closing_decision_are_not_handled() {
    capture_logs();

    let decisions = decide(&later_task(vec![
        signaled("STOP", ""),
        signaled("ABORT", ""),
        signaled("PRINT", "after stop"),
    ]));

    assert_eq!(
        decisions,
        vec![Decision::complete_workflow_execution(Some(
            r#"{"success": true}"#.to_owned()
        ))]
    );
    assert!(logged_message_containing("after stop").is_none());
}

#[test]
fn start_and_stop_in_first_task() {
    let decisions = decide(&task(vec![], vec![started(None), signaled("STOP", "")]));

    assert_eq!(
        decisions,
        vec![
            Decision::start_timer("SignalTimeout", 300),
            Decision::complete_workflow_execution(Some(r#"{"success": true}"#.to_owned())),
        ]
    );
}
