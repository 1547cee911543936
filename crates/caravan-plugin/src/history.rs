//! Decision tasks and their history events, typed.
//!
//! On the wire an event is `{"eventId":5,"eventTimestamp":1735689600.123,"eventType":"TimerFired",
//! "timerFiredEventAttributes":{...}}`. [`HistoryEvent`] keeps the id and timestamp and moves
//! the type and its attributes member into one [`EventAttributes`] variant. Deserializing and
//! serializing again keeps every member: unknown members of a known event land in the
//! attributes struct's `unknown_fields`, unknown top-level members in
//! [`HistoryEvent::unknown_fields`], and an unknown event type in [`EventAttributes::Unknown`].
//!
//! Required members are required here too: an event that lacks one fails to deserialize,
//! and the error names the event id, the event type and the member.

mod attributes;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::macros::take_member;
use crate::types::{WorkflowExecution, WorkflowType};

pub use attributes::*;

/// A decision task as `PollForDecisionTask` returns it, with every history page merged and
/// without `taskToken` and `nextPageToken`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionTask {
    /// Id of the `DecisionTaskStarted` event of this task.
    pub started_event_id: i64,
    /// Id of the `DecisionTaskStarted` event of the last task a decider completed, or 0 when
    /// there is none (SWF sends 0, and some emulators omit the member).
    #[serde(default)]
    pub previous_started_event_id: i64,
    pub workflow_execution: WorkflowExecution,
    pub workflow_type: WorkflowType,
    /// The history, in the order the host received it (ascending unless it asked otherwise).
    #[serde(default)]
    pub events: Vec<HistoryEvent>,
}

impl DecisionTask {
    /// Returns the events that are new to the decider, sorted by event id: those with
    /// `previous_started_event_id < event_id <= started_event_id`.
    pub fn new_events(&self) -> Vec<&HistoryEvent> {
        let mut new_events: Vec<&HistoryEvent> = self
            .events
            .iter()
            .filter(|event| event.event_id > self.previous_started_event_id && event.event_id <= self.started_event_id)
            .collect();

        new_events.sort_by_key(|event| event.event_id);
        new_events
    }

    /// Returns the attributes of the `WorkflowExecutionStarted` event, if the history has it.
    pub fn started(&self) -> Option<&WorkflowExecutionStartedEventAttributes> {
        self.events.iter().find_map(|event| match &event.attributes {
            EventAttributes::WorkflowExecutionStarted(attributes) => Some(attributes),
            _ => None,
        })
    }
}

/// One event of a workflow execution's history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEvent {
    pub event_id: i64,
    /// Time the event was recorded, in seconds since the Unix epoch.
    pub event_timestamp: f64,
    pub attributes: EventAttributes,
    /// Top-level members other than the id, timestamp, type and attributes member, kept so
    /// that they are serialized again. SWF sends none today.
    pub unknown_fields: Map<String, Value>,
}

impl HistoryEvent {
    pub fn new(event_id: i64, event_timestamp: f64, attributes: impl Into<EventAttributes>) -> Self {
        Self {
            event_id,
            event_timestamp,
            attributes: attributes.into(),
            unknown_fields: Map::new(),
        }
    }

    /// Returns the SWF event type name, such as `TimerFired`.
    pub fn event_type(&self) -> &str {
        self.attributes.event_type()
    }

    /// Builds an event from the members of its JSON object.
    fn from_members(mut members: Map<String, Value>) -> Result<Self, String> {
        let event_id: i64 = take_member(&mut members, "eventId")?;

        let event_type: String =
            take_member(&mut members, "eventType").map_err(|error| format!("event {event_id}: {error}"))?;
        let context = |error: String| format!("event {event_id} ({event_type}): {error}");

        let event_timestamp: f64 = take_member(&mut members, "eventTimestamp").map_err(context)?;

        let member = crate::macros::attributes_member(&event_type, "EventAttributes");
        let attributes = members.remove(&member);
        let attributes = EventAttributes::from_wire(event_type.clone(), attributes).map_err(context)?;

        Ok(Self {
            event_id,
            event_timestamp,
            attributes,
            unknown_fields: members,
        })
    }
}

impl Serialize for HistoryEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;

        map.serialize_entry("eventId", &self.event_id)?;
        map.serialize_entry("eventTimestamp", &self.event_timestamp)?;
        map.serialize_entry("eventType", self.event_type())?;
        self.attributes.serialize_member(&mut map)?;

        for (name, value) in &self.unknown_fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for HistoryEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let members = Map::deserialize(deserializer)?;

        Self::from_members(members).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn timer_fired(event_id: i64) -> Value {
        json!({
            "eventId": event_id,
            "eventTimestamp": 1735689600.5,
            "eventType": "TimerFired",
            "timerFiredEventAttributes": {"timerId": "t", "startedEventId": 1}
        })
    }

    fn task(previous_started_event_id: i64, started_event_id: i64, events: Vec<Value>) -> DecisionTask {
        serde_json::from_value(json!({
            "startedEventId": started_event_id,
            "previousStartedEventId": previous_started_event_id,
            "workflowExecution": {"workflowId": "w", "runId": "r"},
            "workflowType": {"name": "Demo", "version": "0.1"},
            "events": events,
        }))
        .unwrap()
    }

    #[test]
    fn new_events_selects_range_in_id_order() {
        let events = (1..=6).rev().map(timer_fired).collect();
        let task = task(2, 5, events);

        let ids: Vec<i64> = task.new_events().iter().map(|event| event.event_id).collect();

        assert_eq!(ids, vec![3, 4, 5]);
    }

    #[test]
    fn started_returns_none_without_start_event() {
        let task = task(0, 1, vec![timer_fired(1)]);

        assert!(task.started().is_none());
    }

    #[test]
    fn decision_task_defaults_missing_previous_started_event_id() {
        let task: DecisionTask = serde_json::from_value(json!({
            "startedEventId": 3,
            "workflowExecution": {"workflowId": "w", "runId": "r"},
            "workflowType": {"name": "Demo", "version": "0.1"},
            "events": [],
        }))
        .unwrap();

        assert_eq!(task.previous_started_event_id, 0);
    }

    #[test]
    fn event_error_names_event_and_member() {
        let event = json!({
            "eventId": 7,
            "eventTimestamp": 1.0,
            "eventType": "TimerFired",
            "timerFiredEventAttributes": {"startedEventId": 1}
        });

        let error = serde_json::from_value::<HistoryEvent>(event).unwrap_err().to_string();

        assert!(error.contains("event 7 (TimerFired)"), "{error}");
        assert!(error.contains("timerId"), "{error}");
    }

    #[test]
    fn event_without_attributes_member_is_rejected() {
        let event = json!({"eventId": 2, "eventTimestamp": 1.0, "eventType": "TimerFired"});

        let error = serde_json::from_value::<HistoryEvent>(event).unwrap_err().to_string();

        assert!(error.contains("missing member `timerFiredEventAttributes`"), "{error}");
    }

    #[test]
    fn event_accepts_integer_timestamp() {
        let event = json!({
            "eventId": 1,
            "eventTimestamp": 1735689600,
            "eventType": "TimerFired",
            "timerFiredEventAttributes": {"timerId": "t", "startedEventId": 1}
        });

        let event: HistoryEvent = serde_json::from_value(event).unwrap();

        assert_eq!(event.event_timestamp, 1735689600.0);
    }
}
