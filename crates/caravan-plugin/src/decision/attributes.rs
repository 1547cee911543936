//! The attributes of the 13 SWF decision types, listed once.
//!
//! Member names and the split into required and optional members follow the botocore SWF
//! model (API version 2012-01-25).

use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use crate::macros::{attributes_member, take_member};
use crate::types::*;

const SUFFIX: &str = "DecisionAttributes";

/// Generates one attributes struct per decision type and the `Decision` enum over them.
macro_rules! decisions {
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
                #[doc = concat!("Attributes of a `", stringify!($variant), "` decision.")]
                #[derive(Default)]
                $attributes {
                    required { $( $required )* }
                    optional { $( $optional )* }
                }
            }

            impl From<$attributes> for Decision {
                fn from(attributes: $attributes) -> Self {
                    Self::$variant(attributes)
                }
            }
        )*

        /// One decision of a decision task's response: one variant per SWF decision type.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Decision {
            $( $variant($attributes), )*
            /// A decision this SDK has no type for, sent as this JSON object unchanged. It
            /// must contain `decisionType` and the matching attributes member.
            Raw(Value),
        }

        impl Decision {
            /// Returns the SWF decision type name, such as `StartTimer`. For a `Raw` decision
            /// it is the `decisionType` member, or an empty string if that is missing.
            pub fn decision_type(&self) -> &str {
                match self {
                    $( Self::$variant(_) => stringify!($variant), )*
                    Self::Raw(value) => value
                        .get("decisionType")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                }
            }

            /// Builds a decision from the members of its JSON object. A decision type this
            /// SDK does not know becomes `Raw` with every member kept.
            pub(crate) fn from_members(mut members: Map<String, Value>) -> Result<Self, String> {
                let decision_type = match members.get("decisionType") {
                    Some(Value::String(decision_type)) => decision_type.clone(),
                    Some(_) => return Err("invalid member `decisionType`: expected a string".to_owned()),
                    None => return Err("missing member `decisionType`".to_owned()),
                };
                let member = attributes_member(&decision_type, SUFFIX);

                match decision_type.as_str() {
                    $(
                        stringify!($variant) => {
                            // SWF's model requires only `decisionType`, so a missing attributes
                            // member reads as empty; required attribute members then fail.
                            members.entry(member.clone()).or_insert_with(|| Value::Object(Map::new()));
                            take_member(&mut members, &member)
                                .map(Self::$variant)
                                .map_err(|error| format!("decision {decision_type}: {error}"))
                        }
                    )*
                    _ => Ok(Self::Raw(Value::Object(members))),
                }
            }

            /// Writes the `decisionType` member and the attributes member into `map`.
            pub(crate) fn serialize_members<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                let decision_type = self.decision_type();
                let member = attributes_member(decision_type, SUFFIX);

                match self {
                    $(
                        Self::$variant(attributes) => {
                            map.serialize_entry("decisionType", decision_type)?;
                            map.serialize_entry(&member, attributes)
                        }
                    )*
                    Self::Raw(Value::Object(members)) => {
                        for (name, value) in members {
                            map.serialize_entry(name, value)?;
                        }
                        Ok(())
                    }
                    Self::Raw(other) => Err(serde::ser::Error::custom(format!(
                        "a raw decision must be a JSON object, not {other}"
                    ))),
                }
            }
        }
    };
}

decisions! {
    ScheduleActivityTask(ScheduleActivityTaskDecisionAttributes) {
        required { activity_type: ActivityType, activity_id: String }
        optional {
            control: String,
            input: String,
            schedule_to_close_timeout: String,
            task_list: TaskList,
            task_priority: String,
            schedule_to_start_timeout: String,
            start_to_close_timeout: String,
            heartbeat_timeout: String,
        }
    }
    RequestCancelActivityTask(RequestCancelActivityTaskDecisionAttributes) {
        required { activity_id: String }
        optional {}
    }
    CompleteWorkflowExecution(CompleteWorkflowExecutionDecisionAttributes) {
        required {}
        optional { result: String }
    }
    FailWorkflowExecution(FailWorkflowExecutionDecisionAttributes) {
        required {}
        optional { reason: String, details: String }
    }
    CancelWorkflowExecution(CancelWorkflowExecutionDecisionAttributes) {
        required {}
        optional { details: String }
    }
    ContinueAsNewWorkflowExecution(ContinueAsNewWorkflowExecutionDecisionAttributes) {
        required {}
        optional {
            input: String,
            execution_start_to_close_timeout: String,
            task_list: TaskList,
            task_priority: String,
            task_start_to_close_timeout: String,
            child_policy: ChildPolicy,
            tag_list: Vec<String>,
            workflow_type_version: String,
            lambda_role: String,
        }
    }
    RecordMarker(RecordMarkerDecisionAttributes) {
        required { marker_name: String }
        optional { details: String }
    }
    StartTimer(StartTimerDecisionAttributes) {
        required { timer_id: String, start_to_fire_timeout: String }
        optional { control: String }
    }
    CancelTimer(CancelTimerDecisionAttributes) {
        required { timer_id: String }
        optional {}
    }
    SignalExternalWorkflowExecution(SignalExternalWorkflowExecutionDecisionAttributes) {
        required { workflow_id: String, signal_name: String }
        optional { run_id: String, input: String, control: String }
    }
    RequestCancelExternalWorkflowExecution(RequestCancelExternalWorkflowExecutionDecisionAttributes) {
        required { workflow_id: String }
        optional { run_id: String, control: String }
    }
    StartChildWorkflowExecution(StartChildWorkflowExecutionDecisionAttributes) {
        required { workflow_type: WorkflowType, workflow_id: String }
        optional {
            control: String,
            input: String,
            execution_start_to_close_timeout: String,
            task_list: TaskList,
            task_priority: String,
            task_start_to_close_timeout: String,
            child_policy: ChildPolicy,
            tag_list: Vec<String>,
            lambda_role: String,
        }
    }
    ScheduleLambdaFunction(ScheduleLambdaFunctionDecisionAttributes) {
        required { id: String, name: String }
        optional { control: String, input: String, start_to_close_timeout: String }
    }
}
