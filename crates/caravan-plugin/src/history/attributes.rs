//! The attributes of the 54 SWF history event types, listed once.
//!
//! Member names and the split into required and optional members follow the botocore SWF
//! model (API version 2012-01-25).

use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use crate::macros::attributes_member;
use crate::types::*;

const SUFFIX: &str = "EventAttributes";

/// Generates one attributes struct per event type and the `EventAttributes` enum over them.
macro_rules! history_events {
    (
        $(
            $variant:ident ( $attributes:ident ) {
                required { $( $required:tt )* }
                optional { $( $optional:tt )* }
            }
        )*
    ) => {
        $(
            swf_struct! {
                #[doc = concat!("Attributes of a `", stringify!($variant), "` history event.")]
                $attributes {
                    required { $( $required )* }
                    optional { $( $optional )* }
                }
            }

            impl From<$attributes> for EventAttributes {
                fn from(attributes: $attributes) -> Self {
                    Self::$variant(attributes)
                }
            }
        )*

        /// The type-specific part of a history event: one variant per SWF event type.
        #[derive(Clone, Debug, PartialEq)]
        pub enum EventAttributes {
            $( $variant($attributes), )*
            /// An event type this SDK does not know, carried through unchanged.
            Unknown {
                /// The `eventType` member as SWF sent it.
                event_type: String,
                /// The `<eventType>EventAttributes` member, if the event had one.
                attributes: Option<Value>,
            },
        }

        impl EventAttributes {
            /// Returns the SWF event type name, such as `TimerFired`.
            pub fn event_type(&self) -> &str {
                match self {
                    $( Self::$variant(_) => stringify!($variant), )*
                    Self::Unknown { event_type, .. } => event_type,
                }
            }

            /// Returns the members of a known event type that this SDK does not know,
            /// or `None` for an unknown event type.
            pub fn unknown_fields(&self) -> Option<&Map<String, Value>> {
                match self {
                    $( Self::$variant(attributes) => Some(&attributes.unknown_fields), )*
                    Self::Unknown { .. } => None,
                }
            }

            /// Builds the attributes from the `eventType` member and the matching
            /// attributes member.
            pub(crate) fn from_wire(event_type: String, attributes: Option<Value>) -> Result<Self, String> {
                let member = attributes_member(&event_type, SUFFIX);
                match event_type.as_str() {
                    $(
                        stringify!($variant) => {
                            let value = attributes.ok_or_else(|| format!("missing member `{member}`"))?;
                            serde_json::from_value(value)
                                .map(Self::$variant)
                                .map_err(|error| format!("invalid member `{member}`: {error}"))
                        }
                    )*
                    _ => Ok(Self::Unknown { event_type, attributes }),
                }
            }

            /// Writes the attributes member, named after the event type, into `map`.
            pub(crate) fn serialize_member<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                let member = attributes_member(self.event_type(), SUFFIX);
                match self {
                    $( Self::$variant(attributes) => map.serialize_entry(&member, attributes), )*
                    Self::Unknown { attributes: Some(attributes), .. } => map.serialize_entry(&member, attributes),
                    Self::Unknown { attributes: None, .. } => Ok(()),
                }
            }
        }
    };
}

history_events! {
    WorkflowExecutionStarted(WorkflowExecutionStartedEventAttributes) {
        required { child_policy: ChildPolicy, task_list: TaskList, workflow_type: WorkflowType }
        optional {
            input: String,
            execution_start_to_close_timeout: String,
            task_start_to_close_timeout: String,
            task_priority: String,
            tag_list: Vec<String>,
            continued_execution_run_id: String,
            parent_workflow_execution: WorkflowExecution,
            parent_initiated_event_id: i64,
            lambda_role: String,
        }
    }
    WorkflowExecutionCancelRequested(WorkflowExecutionCancelRequestedEventAttributes) {
        required {}
        optional {
            external_workflow_execution: WorkflowExecution,
            external_initiated_event_id: i64,
            cause: WorkflowExecutionCancelRequestedCause,
        }
    }
    WorkflowExecutionCompleted(WorkflowExecutionCompletedEventAttributes) {
        required { decision_task_completed_event_id: i64 }
        optional { result: String }
    }
    CompleteWorkflowExecutionFailed(CompleteWorkflowExecutionFailedEventAttributes) {
        required { cause: CompleteWorkflowExecutionFailedCause, decision_task_completed_event_id: i64 }
        optional {}
    }
    WorkflowExecutionFailed(WorkflowExecutionFailedEventAttributes) {
        required { decision_task_completed_event_id: i64 }
        optional { reason: String, details: String }
    }
    FailWorkflowExecutionFailed(FailWorkflowExecutionFailedEventAttributes) {
        required { cause: FailWorkflowExecutionFailedCause, decision_task_completed_event_id: i64 }
        optional {}
    }
    WorkflowExecutionTimedOut(WorkflowExecutionTimedOutEventAttributes) {
        required { timeout_type: WorkflowExecutionTimeoutType, child_policy: ChildPolicy }
        optional {}
    }
    WorkflowExecutionCanceled(WorkflowExecutionCanceledEventAttributes) {
        required { decision_task_completed_event_id: i64 }
        optional { details: String }
    }
    CancelWorkflowExecutionFailed(CancelWorkflowExecutionFailedEventAttributes) {
        required { cause: CancelWorkflowExecutionFailedCause, decision_task_completed_event_id: i64 }
        optional {}
    }
    WorkflowExecutionContinuedAsNew(WorkflowExecutionContinuedAsNewEventAttributes) {
        required {
            decision_task_completed_event_id: i64,
            new_execution_run_id: String,
            task_list: TaskList,
            child_policy: ChildPolicy,
            workflow_type: WorkflowType,
        }
        optional {
            input: String,
            execution_start_to_close_timeout: String,
            task_priority: String,
            task_start_to_close_timeout: String,
            tag_list: Vec<String>,
            lambda_role: String,
        }
    }
    ContinueAsNewWorkflowExecutionFailed(ContinueAsNewWorkflowExecutionFailedEventAttributes) {
        required { cause: ContinueAsNewWorkflowExecutionFailedCause, decision_task_completed_event_id: i64 }
        optional {}
    }
    WorkflowExecutionTerminated(WorkflowExecutionTerminatedEventAttributes) {
        required { child_policy: ChildPolicy }
        optional { reason: String, details: String, cause: WorkflowExecutionTerminatedCause }
    }
    DecisionTaskScheduled(DecisionTaskScheduledEventAttributes) {
        required { task_list: TaskList }
        optional { task_priority: String, start_to_close_timeout: String, schedule_to_start_timeout: String }
    }
    DecisionTaskStarted(DecisionTaskStartedEventAttributes) {
        required { scheduled_event_id: i64 }
        optional { identity: String }
    }
    DecisionTaskCompleted(DecisionTaskCompletedEventAttributes) {
        required { scheduled_event_id: i64, started_event_id: i64 }
        optional { execution_context: String, task_list: TaskList, task_list_schedule_to_start_timeout: String }
    }
    DecisionTaskTimedOut(DecisionTaskTimedOutEventAttributes) {
        required { timeout_type: DecisionTaskTimeoutType, scheduled_event_id: i64, started_event_id: i64 }
        optional {}
    }
    ActivityTaskScheduled(ActivityTaskScheduledEventAttributes) {
        required {
            activity_type: ActivityType,
            activity_id: String,
            task_list: TaskList,
            decision_task_completed_event_id: i64,
        }
        optional {
            input: String,
            control: String,
            schedule_to_start_timeout: String,
            schedule_to_close_timeout: String,
            start_to_close_timeout: String,
            task_priority: String,
            heartbeat_timeout: String,
        }
    }
    ScheduleActivityTaskFailed(ScheduleActivityTaskFailedEventAttributes) {
        required {
            activity_type: ActivityType,
            activity_id: String,
            cause: ScheduleActivityTaskFailedCause,
            decision_task_completed_event_id: i64,
        }
        optional {}
    }
    ActivityTaskStarted(ActivityTaskStartedEventAttributes) {
        required { scheduled_event_id: i64 }
        optional { identity: String }
    }
    ActivityTaskCompleted(ActivityTaskCompletedEventAttributes) {
        required { scheduled_event_id: i64, started_event_id: i64 }
        optional { result: String }
    }
    ActivityTaskFailed(ActivityTaskFailedEventAttributes) {
        required { scheduled_event_id: i64, started_event_id: i64 }
        optional { reason: String, details: String }
    }
    ActivityTaskTimedOut(ActivityTaskTimedOutEventAttributes) {
        required { timeout_type: ActivityTaskTimeoutType, scheduled_event_id: i64, started_event_id: i64 }
        optional { details: String }
    }
    ActivityTaskCanceled(ActivityTaskCanceledEventAttributes) {
        required { scheduled_event_id: i64, started_event_id: i64 }
        optional { details: String, latest_cancel_requested_event_id: i64 }
    }
    ActivityTaskCancelRequested(ActivityTaskCancelRequestedEventAttributes) {
        required { decision_task_completed_event_id: i64, activity_id: String }
        optional {}
    }
    RequestCancelActivityTaskFailed(RequestCancelActivityTaskFailedEventAttributes) {
        required {
            activity_id: String,
            cause: RequestCancelActivityTaskFailedCause,
            decision_task_completed_event_id: i64,
        }
        optional {}
    }
    WorkflowExecutionSignaled(WorkflowExecutionSignaledEventAttributes) {
        required { signal_name: String }
        optional {
            input: String,
            external_workflow_execution: WorkflowExecution,
            external_initiated_event_id: i64,
        }
    }
    MarkerRecorded(MarkerRecordedEventAttributes) {
        required { marker_name: String, decision_task_completed_event_id: i64 }
        optional { details: String }
    }
    RecordMarkerFailed(RecordMarkerFailedEventAttributes) {
        required { marker_name: String, cause: RecordMarkerFailedCause, decision_task_completed_event_id: i64 }
        optional {}
    }
    TimerStarted(TimerStartedEventAttributes) {
        required { timer_id: String, start_to_fire_timeout: String, decision_task_completed_event_id: i64 }
        optional { control: String }
    }
    StartTimerFailed(StartTimerFailedEventAttributes) {
        required { timer_id: String, cause: StartTimerFailedCause, decision_task_completed_event_id: i64 }
        optional {}
    }
    TimerFired(TimerFiredEventAttributes) {
        required { timer_id: String, started_event_id: i64 }
        optional {}
    }
    TimerCanceled(TimerCanceledEventAttributes) {
        required { timer_id: String, started_event_id: i64, decision_task_completed_event_id: i64 }
        optional {}
    }
    CancelTimerFailed(CancelTimerFailedEventAttributes) {
        required { timer_id: String, cause: CancelTimerFailedCause, decision_task_completed_event_id: i64 }
        optional {}
    }
    StartChildWorkflowExecutionInitiated(StartChildWorkflowExecutionInitiatedEventAttributes) {
        required {
            workflow_id: String,
            workflow_type: WorkflowType,
            task_list: TaskList,
            decision_task_completed_event_id: i64,
            child_policy: ChildPolicy,
        }
        optional {
            control: String,
            input: String,
            execution_start_to_close_timeout: String,
            task_priority: String,
            task_start_to_close_timeout: String,
            tag_list: Vec<String>,
            lambda_role: String,
        }
    }
    StartChildWorkflowExecutionFailed(StartChildWorkflowExecutionFailedEventAttributes) {
        required {
            workflow_type: WorkflowType,
            cause: StartChildWorkflowExecutionFailedCause,
            workflow_id: String,
            initiated_event_id: i64,
            decision_task_completed_event_id: i64,
        }
        optional { control: String }
    }
    ChildWorkflowExecutionStarted(ChildWorkflowExecutionStartedEventAttributes) {
        required { workflow_execution: WorkflowExecution, workflow_type: WorkflowType, initiated_event_id: i64 }
        optional {}
    }
    ChildWorkflowExecutionCompleted(ChildWorkflowExecutionCompletedEventAttributes) {
        required {
            workflow_execution: WorkflowExecution,
            workflow_type: WorkflowType,
            initiated_event_id: i64,
            started_event_id: i64,
        }
        optional { result: String }
    }
    ChildWorkflowExecutionFailed(ChildWorkflowExecutionFailedEventAttributes) {
        required {
            workflow_execution: WorkflowExecution,
            workflow_type: WorkflowType,
            initiated_event_id: i64,
            started_event_id: i64,
        }
        optional { reason: String, details: String }
    }
    ChildWorkflowExecutionTimedOut(ChildWorkflowExecutionTimedOutEventAttributes) {
        required {
            workflow_execution: WorkflowExecution,
            workflow_type: WorkflowType,
            timeout_type: WorkflowExecutionTimeoutType,
            initiated_event_id: i64,
            started_event_id: i64,
        }
        optional {}
    }
    ChildWorkflowExecutionCanceled(ChildWorkflowExecutionCanceledEventAttributes) {
        required {
            workflow_execution: WorkflowExecution,
            workflow_type: WorkflowType,
            initiated_event_id: i64,
            started_event_id: i64,
        }
        optional { details: String }
    }
    ChildWorkflowExecutionTerminated(ChildWorkflowExecutionTerminatedEventAttributes) {
        required {
            workflow_execution: WorkflowExecution,
            workflow_type: WorkflowType,
            initiated_event_id: i64,
            started_event_id: i64,
        }
        optional {}
    }
    SignalExternalWorkflowExecutionInitiated(SignalExternalWorkflowExecutionInitiatedEventAttributes) {
        required { workflow_id: String, signal_name: String, decision_task_completed_event_id: i64 }
        optional { run_id: String, input: String, control: String }
    }
    SignalExternalWorkflowExecutionFailed(SignalExternalWorkflowExecutionFailedEventAttributes) {
        required {
            workflow_id: String,
            cause: SignalExternalWorkflowExecutionFailedCause,
            initiated_event_id: i64,
            decision_task_completed_event_id: i64,
        }
        optional { run_id: String, control: String }
    }
    ExternalWorkflowExecutionSignaled(ExternalWorkflowExecutionSignaledEventAttributes) {
        required { workflow_execution: WorkflowExecution, initiated_event_id: i64 }
        optional {}
    }
    RequestCancelExternalWorkflowExecutionInitiated(RequestCancelExternalWorkflowExecutionInitiatedEventAttributes) {
        required { workflow_id: String, decision_task_completed_event_id: i64 }
        optional { run_id: String, control: String }
    }
    RequestCancelExternalWorkflowExecutionFailed(RequestCancelExternalWorkflowExecutionFailedEventAttributes) {
        required {
            workflow_id: String,
            cause: RequestCancelExternalWorkflowExecutionFailedCause,
            initiated_event_id: i64,
            decision_task_completed_event_id: i64,
        }
        optional { run_id: String, control: String }
    }
    ExternalWorkflowExecutionCancelRequested(ExternalWorkflowExecutionCancelRequestedEventAttributes) {
        required { workflow_execution: WorkflowExecution, initiated_event_id: i64 }
        optional {}
    }
    LambdaFunctionScheduled(LambdaFunctionScheduledEventAttributes) {
        required { id: String, name: String, decision_task_completed_event_id: i64 }
        optional { control: String, input: String, start_to_close_timeout: String }
    }
    LambdaFunctionStarted(LambdaFunctionStartedEventAttributes) {
        required { scheduled_event_id: i64 }
        optional {}
    }
    LambdaFunctionCompleted(LambdaFunctionCompletedEventAttributes) {
        required { scheduled_event_id: i64, started_event_id: i64 }
        optional { result: String }
    }
    LambdaFunctionFailed(LambdaFunctionFailedEventAttributes) {
        required { scheduled_event_id: i64, started_event_id: i64 }
        optional { reason: String, details: String }
    }
    LambdaFunctionTimedOut(LambdaFunctionTimedOutEventAttributes) {
        required { scheduled_event_id: i64, started_event_id: i64 }
        optional { timeout_type: LambdaFunctionTimeoutType }
    }
    ScheduleLambdaFunctionFailed(ScheduleLambdaFunctionFailedEventAttributes) {
        required {
            id: String,
            name: String,
            cause: ScheduleLambdaFunctionFailedCause,
            decision_task_completed_event_id: i64,
        }
        optional {}
    }
    StartLambdaFunctionFailed(StartLambdaFunctionFailedEventAttributes) {
        required {}
        optional { scheduled_event_id: i64, cause: StartLambdaFunctionFailedCause, message: String }
    }
}
