//! History events.
//!
//! An event stores its attributes as the JSON object clients receive, so that rendering a page of history
//! is a copy. The engine keeps whatever it needs to decide later (open activities, timers, children) in
//! its own records and never reads attributes back.

use serde_json::{Map, Value};

use super::values::{Millis, timestamp_value};

/// Defines `EventType` with, for each event type, whether recording it requests a decision task.
macro_rules! event_types {
    ($($name:ident => $requests_decision:literal,)*) => {
        /// The event types this endpoint records. `RecordMarkerFailed` (an IAM denial) is not produced.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum EventType {
            $($name,)*
        }

        impl EventType {
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(EventType::$name => stringify!($name),)*
                }
            }

            /// Tells whether recording this event needs the decider, so that a decision task is
            /// scheduled (or queued behind the started one).
            pub(crate) fn requests_decision(self) -> bool {
                match self {
                    $(EventType::$name => $requests_decision,)*
                }
            }
        }
    };
}

event_types! {
    WorkflowExecutionStarted => true,
    WorkflowExecutionCancelRequested => true,
    WorkflowExecutionCompleted => false,
    CompleteWorkflowExecutionFailed => true,
    WorkflowExecutionFailed => false,
    FailWorkflowExecutionFailed => true,
    WorkflowExecutionTimedOut => false,
    WorkflowExecutionCanceled => false,
    CancelWorkflowExecutionFailed => true,
    WorkflowExecutionContinuedAsNew => false,
    ContinueAsNewWorkflowExecutionFailed => true,
    WorkflowExecutionTerminated => false,
    DecisionTaskScheduled => false,
    DecisionTaskStarted => false,
    DecisionTaskCompleted => false,
    DecisionTaskTimedOut => true,
    ActivityTaskScheduled => false,
    ScheduleActivityTaskFailed => true,
    ActivityTaskStarted => false,
    ActivityTaskCompleted => true,
    ActivityTaskFailed => true,
    ActivityTaskTimedOut => true,
    ActivityTaskCanceled => true,
    ActivityTaskCancelRequested => false,
    RequestCancelActivityTaskFailed => true,
    WorkflowExecutionSignaled => true,
    MarkerRecorded => false,
    TimerStarted => false,
    StartTimerFailed => true,
    TimerFired => true,
    TimerCanceled => false,
    CancelTimerFailed => true,
    StartChildWorkflowExecutionInitiated => false,
    StartChildWorkflowExecutionFailed => true,
    ChildWorkflowExecutionStarted => true,
    ChildWorkflowExecutionCompleted => true,
    ChildWorkflowExecutionFailed => true,
    ChildWorkflowExecutionTimedOut => true,
    ChildWorkflowExecutionCanceled => true,
    ChildWorkflowExecutionTerminated => true,
    SignalExternalWorkflowExecutionInitiated => false,
    SignalExternalWorkflowExecutionFailed => true,
    ExternalWorkflowExecutionSignaled => true,
    RequestCancelExternalWorkflowExecutionInitiated => false,
    RequestCancelExternalWorkflowExecutionFailed => true,
    ExternalWorkflowExecutionCancelRequested => true,
    LambdaFunctionScheduled => false,
    LambdaFunctionStarted => false,
    LambdaFunctionCompleted => true,
    LambdaFunctionFailed => true,
    LambdaFunctionTimedOut => true,
    ScheduleLambdaFunctionFailed => true,
    StartLambdaFunctionFailed => true,
}

impl EventType {
    /// Returns the member that carries the attributes, for example
    /// `activityTaskScheduledEventAttributes`.
    pub(crate) fn attributes_key(self) -> String {
        let name = self.name();
        let mut key = String::with_capacity(name.len() + 15);
        let mut characters = name.chars();
        if let Some(first) = characters.next() {
            key.push(first.to_ascii_lowercase());
        }
        key.extend(characters);
        key.push_str("EventAttributes");
        key
    }
}

/// One event of an execution's history.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub(crate) id: i64,
    pub(crate) timestamp: Millis,
    pub(crate) event_type: EventType,
    pub(crate) attributes: Map<String, Value>,
}

impl Event {
    /// Builds the `HistoryEvent` structure.
    pub(crate) fn to_value(&self) -> Value {
        let mut event = Map::new();
        event.insert("eventId".to_string(), Value::from(self.id));
        event.insert("eventTimestamp".to_string(), timestamp_value(self.timestamp));
        event.insert("eventType".to_string(), Value::from(self.event_type.name()));
        event.insert(self.event_type.attributes_key(), Value::Object(self.attributes.clone()));
        Value::Object(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_key_is_lower_camel_case() {
        assert_eq!(
            EventType::ActivityTaskScheduled.attributes_key(),
            "activityTaskScheduledEventAttributes"
        );
        assert_eq!(
            EventType::TimerCanceled.attributes_key(),
            "timerCanceledEventAttributes"
        );
    }

    #[test]
    fn markers_never_request_decisions() {
        assert!(!EventType::MarkerRecorded.requests_decision());
        assert!(EventType::WorkflowExecutionSignaled.requests_decision());
        assert!(EventType::StartChildWorkflowExecutionFailed.requests_decision());
    }
}
