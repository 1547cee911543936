//! Round trips through the typed history and decisions.
//!
//! `data/events.json` and `data/decisions.json` hold one sample of each of the 54 event types
//! and 13 decision types, generated from the botocore SWF model (API version 2012-01-25).
//! The `full` samples set every member the model defines plus an unknown `futureMember`;
//! the `minimal` samples set only the required members.

use std::collections::HashSet;

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::{DecisionTask, EventAttributes, HistoryEvent};
use caravan_plugin::types::ChildPolicy;
use serde_json::{Value, json};

const EVENTS: &str = include_str!("data/events.json");
const DECISIONS: &str = include_str!("data/decisions.json");

fn samples(json: &str, kind: &str) -> Vec<Value> {
    let mut all: Value = serde_json::from_str(json).unwrap();
    serde_json::from_value(all[kind].take()).unwrap()
}

#[test]
fn samples_cover_every_type() {
    let event_types: HashSet<String> = samples(EVENTS, "full")
        .iter()
        .map(|event| event["eventType"].as_str().unwrap().to_owned())
        .collect();
    let decision_types: HashSet<String> = samples(DECISIONS, "full")
        .iter()
        .map(|decision| decision["decisionType"].as_str().unwrap().to_owned())
        .collect();

    assert_eq!(event_types.len(), 54);
    assert_eq!(decision_types.len(), 13);
}

#[test]
fn every_event_type_round_trips_with_all_members() {
    for sample in samples(EVENTS, "full") {
        let event: HistoryEvent = serde_json::from_value(sample.clone()).unwrap();

        let event_type = sample["eventType"].as_str().unwrap();
        assert_eq!(event.event_type(), event_type);
        assert!(
            !matches!(event.attributes, EventAttributes::Unknown { .. }),
            "{event_type} parsed as an unknown event type"
        );

        // A member this SDK misnames would land in `unknown_fields` next to `futureMember`.
        let unknown: Vec<&String> = event.attributes.unknown_fields().unwrap().keys().collect();
        assert_eq!(unknown, vec!["futureMember"], "{event_type}");

        assert_eq!(serde_json::to_value(&event).unwrap(), sample, "{event_type}");
    }
}

#[test]
fn every_event_type_round_trips_with_required_members() {
    for sample in samples(EVENTS, "minimal") {
        let event: HistoryEvent = serde_json::from_value(sample.clone()).unwrap();

        let event_type = sample["eventType"].as_str().unwrap();
        assert!(event.attributes.unknown_fields().unwrap().is_empty(), "{event_type}");
        assert_eq!(serde_json::to_value(&event).unwrap(), sample, "{event_type}");
    }
}

#[test]
fn every_decision_type_round_trips_with_all_members() {
    for sample in samples(DECISIONS, "full") {
        let decision: Decision = serde_json::from_value(sample.clone()).unwrap();

        let decision_type = sample["decisionType"].as_str().unwrap();
        assert_eq!(decision.decision_type(), decision_type);
        assert!(
            !matches!(decision, Decision::Raw(_)),
            "{decision_type} parsed as a raw decision"
        );

        assert_eq!(serde_json::to_value(&decision).unwrap(), sample, "{decision_type}");
    }
}

#[test]
fn every_decision_type_round_trips_with_required_members() {
    for sample in samples(DECISIONS, "minimal") {
        let decision: Decision = serde_json::from_value(sample.clone()).unwrap();

        let decision_type = sample["decisionType"].as_str().unwrap();
        assert_eq!(serde_json::to_value(&decision).unwrap(), sample, "{decision_type}");
    }
}

#[test]
fn unknown_event_type_is_carried_through() {
    let sample = json!({
        "eventId": 9,
        "eventTimestamp": 1735689600.5,
        "eventType": "WorkflowExecutionPaused",
        "workflowExecutionPausedEventAttributes": {"reason": "maintenance", "until": 1735690000}
    });

    let event: HistoryEvent = serde_json::from_value(sample.clone()).unwrap();

    assert_eq!(
        event.attributes,
        EventAttributes::Unknown {
            event_type: "WorkflowExecutionPaused".to_owned(),
            attributes: Some(json!({"reason": "maintenance", "until": 1735690000})),
        }
    );
    assert_eq!(serde_json::to_value(&event).unwrap(), sample);
}

#[test]
fn unknown_event_type_without_attributes_is_carried_through() {
    let sample = json!({"eventId": 9, "eventTimestamp": 1.5, "eventType": "Heartbeat"});

    let event: HistoryEvent = serde_json::from_value(sample.clone()).unwrap();

    assert_eq!(serde_json::to_value(&event).unwrap(), sample);
}

#[test]
fn unknown_top_level_member_is_carried_through() {
    let sample = json!({
        "eventId": 3,
        "eventTimestamp": 1735689600.5,
        "eventType": "TimerFired",
        "timerFiredEventAttributes": {"timerId": "t", "startedEventId": 2},
        "eventSource": "local"
    });

    let event: HistoryEvent = serde_json::from_value(sample.clone()).unwrap();

    assert_eq!(event.unknown_fields.get("eventSource"), Some(&json!("local")));
    assert_eq!(serde_json::to_value(&event).unwrap(), sample);
}

#[test]
fn unknown_enum_value_is_carried_through() {
    let sample = json!({
        "eventId": 7,
        "eventTimestamp": 1735689600.5,
        "eventType": "WorkflowExecutionTimedOut",
        "workflowExecutionTimedOutEventAttributes": {
            "timeoutType": "START_TO_CLOSE",
            "childPolicy": "PAUSE_CHILDREN"
        }
    });

    let event: HistoryEvent = serde_json::from_value(sample.clone()).unwrap();

    let EventAttributes::WorkflowExecutionTimedOut(attributes) = &event.attributes else {
        panic!("expected WorkflowExecutionTimedOut, got {:?}", event.attributes);
    };
    assert_eq!(
        attributes.child_policy,
        ChildPolicy::Unknown("PAUSE_CHILDREN".to_owned())
    );
    assert_eq!(serde_json::to_value(&event).unwrap(), sample);
}

#[test]
fn unknown_decision_type_is_raw() {
    let sample = json!({
        "decisionType": "PauseWorkflowExecution",
        "pauseWorkflowExecutionDecisionAttributes": {"seconds": "60"}
    });

    let decision: Decision = serde_json::from_value(sample.clone()).unwrap();

    assert_eq!(decision, Decision::Raw(sample.clone()));
    assert_eq!(decision.decision_type(), "PauseWorkflowExecution");
    assert_eq!(serde_json::to_value(&decision).unwrap(), sample);
}

#[test]
fn decision_task_round_trips() {
    let sample = json!({
        "startedEventId": 3,
        "previousStartedEventId": 0,
        "workflowExecution": {"workflowId": "order-42", "runId": "22yT"},
        "workflowType": {"name": "Order", "version": "1"},
        "events": samples(EVENTS, "full"),
    });

    let task: DecisionTask = serde_json::from_value(sample.clone()).unwrap();

    assert_eq!(task.events.len(), 54);
    assert_eq!(serde_json::to_value(&task).unwrap(), sample);
}

#[test]
fn decisions_round_trip() {
    let sample = json!({
        "decisions": samples(DECISIONS, "full"),
        "executionContext": "step=1",
    });

    let decisions: Decisions = serde_json::from_value(sample.clone()).unwrap();

    assert_eq!(decisions.decisions.len(), 13);
    assert_eq!(serde_json::to_value(&decisions).unwrap(), sample);
}
