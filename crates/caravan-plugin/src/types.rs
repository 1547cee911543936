//! Shapes and enums that history events, decisions and the manifest share.
//!
//! The small nested shapes (`WorkflowType`, `TaskList`, ...) have had the same members since
//! SWF launched, so unlike the attributes structs they do not keep unknown members.

use serde::{Deserialize, Serialize};

/// A workflow execution: the workflow id chosen by the starter and the run id chosen by SWF.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecution {
    pub workflow_id: String,
    pub run_id: String,
}

impl WorkflowExecution {
    pub fn new(workflow_id: impl Into<String>, run_id: impl Into<String>) -> Self {
        Self {
            workflow_id: workflow_id.into(),
            run_id: run_id.into(),
        }
    }
}

/// A registered workflow type, identified by name and version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkflowType {
    pub name: String,
    pub version: String,
}

impl WorkflowType {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
        }
    }
}

/// A registered activity type, identified by name and version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActivityType {
    pub name: String,
    pub version: String,
}

impl ActivityType {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
        }
    }
}

/// A task list, the queue that deciders or activity workers poll.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskList {
    pub name: String,
}

impl TaskList {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

swf_enum! {
    /// Policy for the open child executions of a parent that is terminated or times out.
    ChildPolicy {
        Terminate = "TERMINATE",
        RequestCancel = "REQUEST_CANCEL",
        Abandon = "ABANDON",
    }
}

swf_enum! {
    /// Final status of a closed workflow execution.
    CloseStatus {
        Completed = "COMPLETED",
        Failed = "FAILED",
        Canceled = "CANCELED",
        Terminated = "TERMINATED",
        ContinuedAsNew = "CONTINUED_AS_NEW",
        TimedOut = "TIMED_OUT",
    }
}

swf_enum! {
    /// The timeout that closed a workflow execution.
    WorkflowExecutionTimeoutType {
        StartToClose = "START_TO_CLOSE",
    }
}

swf_enum! {
    /// The timeout that expired a decision task.
    DecisionTaskTimeoutType {
        StartToClose = "START_TO_CLOSE",
        ScheduleToStart = "SCHEDULE_TO_START",
    }
}

swf_enum! {
    /// The timeout that expired an activity task.
    ActivityTaskTimeoutType {
        StartToClose = "START_TO_CLOSE",
        ScheduleToStart = "SCHEDULE_TO_START",
        ScheduleToClose = "SCHEDULE_TO_CLOSE",
        Heartbeat = "HEARTBEAT",
    }
}

swf_enum! {
    /// The timeout that expired a Lambda task.
    LambdaFunctionTimeoutType {
        StartToClose = "START_TO_CLOSE",
    }
}

swf_enum! {
    /// Cause of an execution's termination.
    WorkflowExecutionTerminatedCause {
        ChildPolicyApplied = "CHILD_POLICY_APPLIED",
        EventLimitExceeded = "EVENT_LIMIT_EXCEEDED",
        OperatorInitiated = "OPERATOR_INITIATED",
    }
}

swf_enum! {
    /// Cause of a cancellation request that SWF made itself.
    WorkflowExecutionCancelRequestedCause {
        ChildPolicyApplied = "CHILD_POLICY_APPLIED",
    }
}

swf_enum! {
    /// Cause of a failed `ScheduleActivityTask` decision.
    ScheduleActivityTaskFailedCause {
        ActivityTypeDeprecated = "ACTIVITY_TYPE_DEPRECATED",
        ActivityTypeDoesNotExist = "ACTIVITY_TYPE_DOES_NOT_EXIST",
        ActivityIdAlreadyInUse = "ACTIVITY_ID_ALREADY_IN_USE",
        OpenActivitiesLimitExceeded = "OPEN_ACTIVITIES_LIMIT_EXCEEDED",
        ActivityCreationRateExceeded = "ACTIVITY_CREATION_RATE_EXCEEDED",
        DefaultScheduleToCloseTimeoutUndefined = "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED",
        DefaultTaskListUndefined = "DEFAULT_TASK_LIST_UNDEFINED",
        DefaultScheduleToStartTimeoutUndefined = "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED",
        DefaultStartToCloseTimeoutUndefined = "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        DefaultHeartbeatTimeoutUndefined = "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `RequestCancelActivityTask` decision.
    RequestCancelActivityTaskFailedCause {
        ActivityIdUnknown = "ACTIVITY_ID_UNKNOWN",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `CompleteWorkflowExecution` decision.
    CompleteWorkflowExecutionFailedCause {
        UnhandledDecision = "UNHANDLED_DECISION",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `FailWorkflowExecution` decision.
    FailWorkflowExecutionFailedCause {
        UnhandledDecision = "UNHANDLED_DECISION",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `CancelWorkflowExecution` decision.
    CancelWorkflowExecutionFailedCause {
        UnhandledDecision = "UNHANDLED_DECISION",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `ContinueAsNewWorkflowExecution` decision.
    ContinueAsNewWorkflowExecutionFailedCause {
        UnhandledDecision = "UNHANDLED_DECISION",
        WorkflowTypeDeprecated = "WORKFLOW_TYPE_DEPRECATED",
        WorkflowTypeDoesNotExist = "WORKFLOW_TYPE_DOES_NOT_EXIST",
        DefaultExecutionStartToCloseTimeoutUndefined = "DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        DefaultTaskStartToCloseTimeoutUndefined = "DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        DefaultTaskListUndefined = "DEFAULT_TASK_LIST_UNDEFINED",
        DefaultChildPolicyUndefined = "DEFAULT_CHILD_POLICY_UNDEFINED",
        ContinueAsNewWorkflowExecutionRateExceeded = "CONTINUE_AS_NEW_WORKFLOW_EXECUTION_RATE_EXCEEDED",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `RecordMarker` decision.
    RecordMarkerFailedCause {
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `StartTimer` decision.
    StartTimerFailedCause {
        TimerIdAlreadyInUse = "TIMER_ID_ALREADY_IN_USE",
        OpenTimersLimitExceeded = "OPEN_TIMERS_LIMIT_EXCEEDED",
        TimerCreationRateExceeded = "TIMER_CREATION_RATE_EXCEEDED",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `CancelTimer` decision.
    CancelTimerFailedCause {
        TimerIdUnknown = "TIMER_ID_UNKNOWN",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `StartChildWorkflowExecution` decision.
    StartChildWorkflowExecutionFailedCause {
        WorkflowTypeDoesNotExist = "WORKFLOW_TYPE_DOES_NOT_EXIST",
        WorkflowTypeDeprecated = "WORKFLOW_TYPE_DEPRECATED",
        OpenChildrenLimitExceeded = "OPEN_CHILDREN_LIMIT_EXCEEDED",
        OpenWorkflowsLimitExceeded = "OPEN_WORKFLOWS_LIMIT_EXCEEDED",
        ChildCreationRateExceeded = "CHILD_CREATION_RATE_EXCEEDED",
        WorkflowAlreadyRunning = "WORKFLOW_ALREADY_RUNNING",
        DefaultExecutionStartToCloseTimeoutUndefined = "DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        DefaultTaskListUndefined = "DEFAULT_TASK_LIST_UNDEFINED",
        DefaultTaskStartToCloseTimeoutUndefined = "DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        DefaultChildPolicyUndefined = "DEFAULT_CHILD_POLICY_UNDEFINED",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `SignalExternalWorkflowExecution` decision.
    SignalExternalWorkflowExecutionFailedCause {
        UnknownExternalWorkflowExecution = "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION",
        SignalExternalWorkflowExecutionRateExceeded = "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_RATE_EXCEEDED",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `RequestCancelExternalWorkflowExecution` decision.
    RequestCancelExternalWorkflowExecutionFailedCause {
        UnknownExternalWorkflowExecution = "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION",
        RequestCancelExternalWorkflowExecutionRateExceeded = "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_RATE_EXCEEDED",
        OperationNotPermitted = "OPERATION_NOT_PERMITTED",
    }
}

swf_enum! {
    /// Cause of a failed `ScheduleLambdaFunction` decision.
    ScheduleLambdaFunctionFailedCause {
        IdAlreadyInUse = "ID_ALREADY_IN_USE",
        OpenLambdaFunctionsLimitExceeded = "OPEN_LAMBDA_FUNCTIONS_LIMIT_EXCEEDED",
        LambdaFunctionCreationRateExceeded = "LAMBDA_FUNCTION_CREATION_RATE_EXCEEDED",
        LambdaServiceNotAvailableInRegion = "LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION",
    }
}

swf_enum! {
    /// Cause of SWF's failure to invoke a scheduled Lambda function.
    StartLambdaFunctionFailedCause {
        AssumeRoleFailed = "ASSUME_ROLE_FAILED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swf_enum_serializes_as_plain_string() {
        let json = serde_json::to_string(&ChildPolicy::RequestCancel).unwrap();

        assert_eq!(json, r#""REQUEST_CANCEL""#);
    }

    #[test]
    fn swf_enum_keeps_unknown_value() {
        let policy: ChildPolicy = serde_json::from_str(r#""PAUSE_CHILDREN""#).unwrap();

        assert_eq!(policy, ChildPolicy::Unknown("PAUSE_CHILDREN".to_owned()));
        assert_eq!(serde_json::to_string(&policy).unwrap(), r#""PAUSE_CHILDREN""#);
    }

    #[test]
    fn swf_enum_parses_known_value() {
        assert_eq!(ChildPolicy::from("ABANDON"), ChildPolicy::Abandon);
        assert_eq!(
            ActivityTaskTimeoutType::from(String::from("HEARTBEAT")),
            ActivityTaskTimeoutType::Heartbeat
        );
        assert_eq!(CloseStatus::TimedOut.to_string(), "TIMED_OUT");
    }
}
