//! Decisions, typed, and the response of a decision task.
//!
//! On the wire a decision is `{"decisionType":"StartTimer","startTimerDecisionAttributes":{...}}`.
//! [`Decision`] has one variant per decision type, plus [`Decision::Raw`] for a type this SDK
//! does not know. Members that are `None` are omitted. Members of the decision object other
//! than `decisionType` and the attributes member are dropped when a known decision type is
//! deserialized, because SWF defines none.

mod attributes;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::types::{ActivityType, WorkflowType};

pub use attributes::*;

impl Decision {
    /// Starts timer `timer_id`, which fires `seconds` seconds later.
    pub fn start_timer(timer_id: impl Into<String>, seconds: u64) -> Self {
        Self::StartTimer(StartTimerDecisionAttributes {
            timer_id: timer_id.into(),
            start_to_fire_timeout: seconds.to_string(),
            ..Default::default()
        })
    }

    /// Cancels the open timer `timer_id`.
    pub fn cancel_timer(timer_id: impl Into<String>) -> Self {
        Self::CancelTimer(CancelTimerDecisionAttributes {
            timer_id: timer_id.into(),
            ..Default::default()
        })
    }

    /// Closes the execution as completed, with an optional result.
    pub fn complete_workflow_execution(result: Option<String>) -> Self {
        Self::CompleteWorkflowExecution(CompleteWorkflowExecutionDecisionAttributes {
            result,
            ..Default::default()
        })
    }

    /// Closes the execution as failed.
    pub fn fail_workflow_execution(reason: impl Into<String>, details: Option<String>) -> Self {
        Self::FailWorkflowExecution(FailWorkflowExecutionDecisionAttributes {
            reason: Some(reason.into()),
            details,
            ..Default::default()
        })
    }

    /// Closes the execution as canceled.
    pub fn cancel_workflow_execution(details: Option<String>) -> Self {
        Self::CancelWorkflowExecution(CancelWorkflowExecutionDecisionAttributes {
            details,
            ..Default::default()
        })
    }

    /// Closes the execution and starts a new run with the same workflow id. Unset settings
    /// come from the workflow type's registered defaults.
    pub fn continue_as_new_workflow_execution(input: Option<String>) -> Self {
        Self::ContinueAsNewWorkflowExecution(ContinueAsNewWorkflowExecutionDecisionAttributes {
            input,
            ..Default::default()
        })
    }

    /// Records a marker in the history. Marker names need not be unique.
    pub fn record_marker(marker_name: impl Into<String>, details: Option<String>) -> Self {
        Self::RecordMarker(RecordMarkerDecisionAttributes {
            marker_name: marker_name.into(),
            details,
            ..Default::default()
        })
    }

    /// Schedules an activity task. Task list and timeouts come from the activity type's
    /// registered defaults; set them on [`ScheduleActivityTaskDecisionAttributes`] to override.
    pub fn schedule_activity_task(
        activity_id: impl Into<String>,
        activity_type: ActivityType,
        input: Option<String>,
    ) -> Self {
        Self::ScheduleActivityTask(ScheduleActivityTaskDecisionAttributes {
            activity_type,
            activity_id: activity_id.into(),
            input,
            ..Default::default()
        })
    }

    /// Requests the cancellation of the open activity task `activity_id`.
    pub fn request_cancel_activity_task(activity_id: impl Into<String>) -> Self {
        Self::RequestCancelActivityTask(RequestCancelActivityTaskDecisionAttributes {
            activity_id: activity_id.into(),
            ..Default::default()
        })
    }

    /// Schedules the AWS Lambda function `name` (a name or an ARN) as task `id`. Without a
    /// timeout, SWF applies its default.
    pub fn schedule_lambda_function(
        id: impl Into<String>,
        name: impl Into<String>,
        input: Option<String>,
        start_to_close_timeout_secs: Option<u64>,
    ) -> Self {
        Self::ScheduleLambdaFunction(ScheduleLambdaFunctionDecisionAttributes {
            id: id.into(),
            name: name.into(),
            input,
            start_to_close_timeout: start_to_close_timeout_secs.map(|seconds| seconds.to_string()),
            ..Default::default()
        })
    }

    /// Sends signal `signal_name` to another execution. Without a run id, SWF signals the
    /// open run of `workflow_id`.
    pub fn signal_external_workflow_execution(
        workflow_id: impl Into<String>,
        run_id: Option<String>,
        signal_name: impl Into<String>,
        input: Option<String>,
    ) -> Self {
        Self::SignalExternalWorkflowExecution(SignalExternalWorkflowExecutionDecisionAttributes {
            workflow_id: workflow_id.into(),
            signal_name: signal_name.into(),
            run_id,
            input,
            ..Default::default()
        })
    }

    /// Requests the cancellation of another execution. Without a run id, SWF addresses the
    /// open run of `workflow_id`.
    pub fn request_cancel_external_workflow_execution(workflow_id: impl Into<String>, run_id: Option<String>) -> Self {
        Self::RequestCancelExternalWorkflowExecution(RequestCancelExternalWorkflowExecutionDecisionAttributes {
            workflow_id: workflow_id.into(),
            run_id,
            ..Default::default()
        })
    }

    /// Starts a child execution. Unset settings come from the child type's registered defaults.
    pub fn start_child_workflow_execution(
        workflow_id: impl Into<String>,
        workflow_type: WorkflowType,
        input: Option<String>,
    ) -> Self {
        Self::StartChildWorkflowExecution(StartChildWorkflowExecutionDecisionAttributes {
            workflow_type,
            workflow_id: workflow_id.into(),
            input,
            ..Default::default()
        })
    }

    /// Returns whether this decision closes the execution. SWF accepts at most one closing
    /// decision per response, and only as the last decision.
    pub fn is_closing(&self) -> bool {
        matches!(
            self.decision_type(),
            "CompleteWorkflowExecution"
                | "FailWorkflowExecution"
                | "CancelWorkflowExecution"
                | "ContinueAsNewWorkflowExecution"
        )
    }
}

impl Serialize for Decision {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.serialize_members(&mut map)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Decision {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let members = Map::<String, Value>::deserialize(deserializer)?;

        Self::from_members(members).map_err(D::Error::custom)
    }
}

/// The result of a decision: `RespondDecisionTaskCompleted`'s request without `taskToken`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decisions {
    /// Decisions in the order SWF applies them.
    #[serde(default)]
    pub decisions: Vec<Decision>,
    /// Free-form text SWF stores with the `DecisionTaskCompleted` event, at most 32,768 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_context: Option<String>,
}

impl Decisions {
    /// Creates a response without decisions, which SWF accepts.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, decision: impl Into<Decision>) {
        self.decisions.push(decision.into());
    }

    pub fn with_execution_context(mut self, execution_context: impl Into<String>) -> Self {
        self.execution_context = Some(execution_context.into());
        self
    }

    /// Returns whether one of the decisions closes the execution.
    pub fn closes_execution(&self) -> bool {
        self.decisions.iter().any(Decision::is_closing)
    }
}

impl From<Vec<Decision>> for Decisions {
    fn from(decisions: Vec<Decision>) -> Self {
        Self {
            decisions,
            execution_context: None,
        }
    }
}

impl FromIterator<Decision> for Decisions {
    fn from_iter<I: IntoIterator<Item = Decision>>(decisions: I) -> Self {
        Self::from(decisions.into_iter().collect::<Vec<_>>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn start_timer_wire_shape() {
        let json = serde_json::to_value(Decision::start_timer("SignalTimeout", 300)).unwrap();

        assert_eq!(
            json,
            json!({
                "decisionType": "StartTimer",
                "startTimerDecisionAttributes": {"timerId": "SignalTimeout", "startToFireTimeout": "300"}
            })
        );
    }

    #[test]
    fn decisions_omit_unset_execution_context() {
        let mut decisions = Decisions::new();
        decisions.push(Decision::complete_workflow_execution(None));

        let json = serde_json::to_value(&decisions).unwrap();

        assert_eq!(
            json,
            json!({"decisions": [{
                "decisionType": "CompleteWorkflowExecution",
                "completeWorkflowExecutionDecisionAttributes": {}
            }]})
        );
    }

    #[test]
    fn decisions_keep_execution_context() {
        let decisions = Decisions::new().with_execution_context("step=1");

        let json = serde_json::to_value(&decisions).unwrap();

        assert_eq!(json, json!({"decisions": [], "executionContext": "step=1"}));
    }

    #[test]
    fn missing_attributes_member_reads_as_empty() {
        let decision: Decision = serde_json::from_value(json!({"decisionType": "CompleteWorkflowExecution"})).unwrap();

        assert_eq!(decision, Decision::complete_workflow_execution(None));
    }

    #[test]
    fn missing_required_attribute_is_rejected() {
        let error = serde_json::from_value::<Decision>(json!({
            "decisionType": "StartTimer",
            "startTimerDecisionAttributes": {"timerId": "t"}
        }))
        .unwrap_err()
        .to_string();

        assert!(error.contains("decision StartTimer"), "{error}");
        assert!(error.contains("startToFireTimeout"), "{error}");
    }

    #[test]
    fn missing_decision_type_is_rejected() {
        let error = serde_json::from_value::<Decision>(json!({"startTimerDecisionAttributes": {}}))
            .unwrap_err()
            .to_string();

        assert!(error.contains("missing member `decisionType`"), "{error}");
    }

    #[test]
    fn raw_decision_must_be_object() {
        let error = serde_json::to_string(&Decision::Raw(json!("StartTimer"))).unwrap_err();

        assert!(error.to_string().contains("must be a JSON object"), "{error}");
    }

    #[test]
    fn closing_decisions_are_detected() {
        assert!(Decision::complete_workflow_execution(None).is_closing());
        assert!(Decision::fail_workflow_execution("r", None).is_closing());
        assert!(Decision::cancel_workflow_execution(None).is_closing());
        assert!(Decision::continue_as_new_workflow_execution(None).is_closing());
        assert!(!Decision::start_timer("t", 1).is_closing());
        assert!(!Decision::record_marker("m", None).is_closing());
    }

    #[test]
    fn schedule_lambda_function_timeout_is_string() {
        let json = serde_json::to_value(Decision::schedule_lambda_function("l1", "f", None, Some(60))).unwrap();

        assert_eq!(
            json["scheduleLambdaFunctionDecisionAttributes"]["startToCloseTimeout"],
            json!("60")
        );
    }
}
