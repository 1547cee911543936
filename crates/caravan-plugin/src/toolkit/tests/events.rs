//! Typed history events with the members the tests care about; the rest are unset.

use serde_json::Map;

use crate::history::*;
use crate::types::*;

/// Id of the `DecisionTaskCompleted` event that decision events point to. The toolkit does
/// not read it.
const COMPLETED: i64 = 4;

pub fn started(input: Option<&str>) -> WorkflowExecutionStartedEventAttributes {
    WorkflowExecutionStartedEventAttributes {
        child_policy: ChildPolicy::Terminate,
        task_list: TaskList::new("deciders"),
        workflow_type: WorkflowType::new("Order", "1"),
        input: input.map(str::to_owned),
        execution_start_to_close_timeout: Some("3600".to_owned()),
        task_start_to_close_timeout: Some("30".to_owned()),
        task_priority: None,
        tag_list: None,
        continued_execution_run_id: None,
        parent_workflow_execution: None,
        parent_initiated_event_id: None,
        lambda_role: None,
        unknown_fields: Map::new(),
    }
}

pub fn signaled(name: &str, input: &str) -> WorkflowExecutionSignaledEventAttributes {
    WorkflowExecutionSignaledEventAttributes {
        signal_name: name.to_owned(),
        input: Some(input.to_owned()),
        external_workflow_execution: None,
        external_initiated_event_id: None,
        unknown_fields: Map::new(),
    }
}

pub fn cancel_requested() -> WorkflowExecutionCancelRequestedEventAttributes {
    WorkflowExecutionCancelRequestedEventAttributes {
        external_workflow_execution: None,
        external_initiated_event_id: None,
        cause: None,
        unknown_fields: Map::new(),
    }
}

pub fn marker(name: &str, details: &str) -> MarkerRecordedEventAttributes {
    MarkerRecordedEventAttributes {
        marker_name: name.to_owned(),
        details: Some(details.to_owned()),
        decision_task_completed_event_id: COMPLETED,
        unknown_fields: Map::new(),
    }
}

pub fn activity_scheduled(activity_id: &str) -> ActivityTaskScheduledEventAttributes {
    ActivityTaskScheduledEventAttributes {
        activity_type: ActivityType::new("Charge", "1"),
        activity_id: activity_id.to_owned(),
        task_list: TaskList::new("workers"),
        decision_task_completed_event_id: COMPLETED,
        input: Some("{\"amount\":5}".to_owned()),
        control: Some("step-1".to_owned()),
        schedule_to_start_timeout: None,
        schedule_to_close_timeout: None,
        start_to_close_timeout: Some("300".to_owned()),
        task_priority: None,
        heartbeat_timeout: None,
        unknown_fields: Map::new(),
    }
}

pub fn schedule_activity_failed(
    activity_id: &str,
    cause: ScheduleActivityTaskFailedCause,
) -> ScheduleActivityTaskFailedEventAttributes {
    ScheduleActivityTaskFailedEventAttributes {
        activity_type: ActivityType::new("Charge", "1"),
        activity_id: activity_id.to_owned(),
        cause,
        decision_task_completed_event_id: COMPLETED,
        unknown_fields: Map::new(),
    }
}

pub fn activity_started(scheduled_event_id: i64) -> ActivityTaskStartedEventAttributes {
    ActivityTaskStartedEventAttributes {
        scheduled_event_id,
        identity: Some("worker-1".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn activity_completed(
    scheduled_event_id: i64,
    started_event_id: i64,
    result: &str,
) -> ActivityTaskCompletedEventAttributes {
    ActivityTaskCompletedEventAttributes {
        scheduled_event_id,
        started_event_id,
        result: Some(result.to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn activity_failed(
    scheduled_event_id: i64,
    started_event_id: i64,
    reason: &str,
    details: &str,
) -> ActivityTaskFailedEventAttributes {
    ActivityTaskFailedEventAttributes {
        scheduled_event_id,
        started_event_id,
        reason: Some(reason.to_owned()),
        details: Some(details.to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn activity_timed_out(
    scheduled_event_id: i64,
    started_event_id: i64,
    timeout_type: ActivityTaskTimeoutType,
) -> ActivityTaskTimedOutEventAttributes {
    ActivityTaskTimedOutEventAttributes {
        timeout_type,
        scheduled_event_id,
        started_event_id,
        details: Some("heartbeat 3".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn activity_canceled(scheduled_event_id: i64, started_event_id: i64) -> ActivityTaskCanceledEventAttributes {
    ActivityTaskCanceledEventAttributes {
        scheduled_event_id,
        started_event_id,
        details: Some("stopped".to_owned()),
        latest_cancel_requested_event_id: None,
        unknown_fields: Map::new(),
    }
}

pub fn activity_cancel_requested(activity_id: &str) -> ActivityTaskCancelRequestedEventAttributes {
    ActivityTaskCancelRequestedEventAttributes {
        decision_task_completed_event_id: COMPLETED,
        activity_id: activity_id.to_owned(),
        unknown_fields: Map::new(),
    }
}

pub fn lambda_scheduled(id: &str, name: &str) -> LambdaFunctionScheduledEventAttributes {
    LambdaFunctionScheduledEventAttributes {
        id: id.to_owned(),
        name: name.to_owned(),
        decision_task_completed_event_id: COMPLETED,
        control: None,
        input: Some("{}".to_owned()),
        start_to_close_timeout: Some("60".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn schedule_lambda_failed(
    id: &str,
    cause: ScheduleLambdaFunctionFailedCause,
) -> ScheduleLambdaFunctionFailedEventAttributes {
    ScheduleLambdaFunctionFailedEventAttributes {
        id: id.to_owned(),
        name: "resize".to_owned(),
        cause,
        decision_task_completed_event_id: COMPLETED,
        unknown_fields: Map::new(),
    }
}

pub fn lambda_started(scheduled_event_id: i64) -> LambdaFunctionStartedEventAttributes {
    LambdaFunctionStartedEventAttributes {
        scheduled_event_id,
        unknown_fields: Map::new(),
    }
}

pub fn start_lambda_failed(scheduled_event_id: i64) -> StartLambdaFunctionFailedEventAttributes {
    StartLambdaFunctionFailedEventAttributes {
        scheduled_event_id: Some(scheduled_event_id),
        cause: Some(StartLambdaFunctionFailedCause::AssumeRoleFailed),
        message: Some("role not found".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn lambda_completed(
    scheduled_event_id: i64,
    started_event_id: i64,
    result: &str,
) -> LambdaFunctionCompletedEventAttributes {
    LambdaFunctionCompletedEventAttributes {
        scheduled_event_id,
        started_event_id,
        result: Some(result.to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn lambda_failed(scheduled_event_id: i64, started_event_id: i64) -> LambdaFunctionFailedEventAttributes {
    LambdaFunctionFailedEventAttributes {
        scheduled_event_id,
        started_event_id,
        reason: Some("Unhandled".to_owned()),
        details: Some("stack trace".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn lambda_timed_out(scheduled_event_id: i64, started_event_id: i64) -> LambdaFunctionTimedOutEventAttributes {
    LambdaFunctionTimedOutEventAttributes {
        scheduled_event_id,
        started_event_id,
        timeout_type: Some(LambdaFunctionTimeoutType::StartToClose),
        unknown_fields: Map::new(),
    }
}

pub fn timer_started(timer_id: &str, control: Option<String>) -> TimerStartedEventAttributes {
    TimerStartedEventAttributes {
        timer_id: timer_id.to_owned(),
        start_to_fire_timeout: "30".to_owned(),
        decision_task_completed_event_id: COMPLETED,
        control,
        unknown_fields: Map::new(),
    }
}

pub fn start_timer_failed(timer_id: &str, cause: StartTimerFailedCause) -> StartTimerFailedEventAttributes {
    StartTimerFailedEventAttributes {
        timer_id: timer_id.to_owned(),
        cause,
        decision_task_completed_event_id: COMPLETED,
        unknown_fields: Map::new(),
    }
}

pub fn timer_fired(timer_id: &str, started_event_id: i64) -> TimerFiredEventAttributes {
    TimerFiredEventAttributes {
        timer_id: timer_id.to_owned(),
        started_event_id,
        unknown_fields: Map::new(),
    }
}

pub fn timer_canceled(timer_id: &str, started_event_id: i64) -> TimerCanceledEventAttributes {
    TimerCanceledEventAttributes {
        timer_id: timer_id.to_owned(),
        started_event_id,
        decision_task_completed_event_id: COMPLETED,
        unknown_fields: Map::new(),
    }
}

fn child_type() -> WorkflowType {
    WorkflowType::new("Ship", "1")
}

fn child_execution(workflow_id: &str) -> WorkflowExecution {
    WorkflowExecution::new(workflow_id, "child-run-1")
}

pub fn child_initiated(workflow_id: &str) -> StartChildWorkflowExecutionInitiatedEventAttributes {
    StartChildWorkflowExecutionInitiatedEventAttributes {
        workflow_id: workflow_id.to_owned(),
        workflow_type: child_type(),
        task_list: TaskList::new("deciders"),
        decision_task_completed_event_id: COMPLETED,
        child_policy: ChildPolicy::Terminate,
        control: None,
        input: Some("parcel".to_owned()),
        execution_start_to_close_timeout: None,
        task_priority: None,
        task_start_to_close_timeout: None,
        tag_list: None,
        lambda_role: None,
        unknown_fields: Map::new(),
    }
}

pub fn start_child_failed(
    workflow_id: &str,
    initiated_event_id: i64,
    cause: StartChildWorkflowExecutionFailedCause,
) -> StartChildWorkflowExecutionFailedEventAttributes {
    StartChildWorkflowExecutionFailedEventAttributes {
        workflow_type: child_type(),
        cause,
        workflow_id: workflow_id.to_owned(),
        initiated_event_id,
        decision_task_completed_event_id: COMPLETED,
        control: None,
        unknown_fields: Map::new(),
    }
}

pub fn child_started(workflow_id: &str, initiated_event_id: i64) -> ChildWorkflowExecutionStartedEventAttributes {
    ChildWorkflowExecutionStartedEventAttributes {
        workflow_execution: child_execution(workflow_id),
        workflow_type: child_type(),
        initiated_event_id,
        unknown_fields: Map::new(),
    }
}

pub fn child_completed(
    workflow_id: &str,
    initiated_event_id: i64,
    started_event_id: i64,
) -> ChildWorkflowExecutionCompletedEventAttributes {
    ChildWorkflowExecutionCompletedEventAttributes {
        workflow_execution: child_execution(workflow_id),
        workflow_type: child_type(),
        initiated_event_id,
        started_event_id,
        result: Some("shipped".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn child_failed(
    workflow_id: &str,
    initiated_event_id: i64,
    started_event_id: i64,
) -> ChildWorkflowExecutionFailedEventAttributes {
    ChildWorkflowExecutionFailedEventAttributes {
        workflow_execution: child_execution(workflow_id),
        workflow_type: child_type(),
        initiated_event_id,
        started_event_id,
        reason: Some("lost".to_owned()),
        details: Some("parcel lost".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn child_timed_out(
    workflow_id: &str,
    initiated_event_id: i64,
    started_event_id: i64,
) -> ChildWorkflowExecutionTimedOutEventAttributes {
    ChildWorkflowExecutionTimedOutEventAttributes {
        workflow_execution: child_execution(workflow_id),
        workflow_type: child_type(),
        timeout_type: WorkflowExecutionTimeoutType::StartToClose,
        initiated_event_id,
        started_event_id,
        unknown_fields: Map::new(),
    }
}

pub fn child_canceled(
    workflow_id: &str,
    initiated_event_id: i64,
    started_event_id: i64,
) -> ChildWorkflowExecutionCanceledEventAttributes {
    ChildWorkflowExecutionCanceledEventAttributes {
        workflow_execution: child_execution(workflow_id),
        workflow_type: child_type(),
        initiated_event_id,
        started_event_id,
        details: Some("no stock".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn child_terminated(
    workflow_id: &str,
    initiated_event_id: i64,
    started_event_id: i64,
) -> ChildWorkflowExecutionTerminatedEventAttributes {
    ChildWorkflowExecutionTerminatedEventAttributes {
        workflow_execution: child_execution(workflow_id),
        workflow_type: child_type(),
        initiated_event_id,
        started_event_id,
        unknown_fields: Map::new(),
    }
}

pub fn signal_external_initiated(
    workflow_id: &str,
    signal_name: &str,
) -> SignalExternalWorkflowExecutionInitiatedEventAttributes {
    SignalExternalWorkflowExecutionInitiatedEventAttributes {
        workflow_id: workflow_id.to_owned(),
        signal_name: signal_name.to_owned(),
        decision_task_completed_event_id: COMPLETED,
        run_id: None,
        input: Some("go".to_owned()),
        control: Some("notify".to_owned()),
        unknown_fields: Map::new(),
    }
}

pub fn external_signaled(
    workflow_id: &str,
    initiated_event_id: i64,
) -> ExternalWorkflowExecutionSignaledEventAttributes {
    ExternalWorkflowExecutionSignaledEventAttributes {
        workflow_execution: WorkflowExecution::new(workflow_id, "target-run"),
        initiated_event_id,
        unknown_fields: Map::new(),
    }
}

pub fn signal_external_failed(
    workflow_id: &str,
    initiated_event_id: i64,
    cause: SignalExternalWorkflowExecutionFailedCause,
) -> SignalExternalWorkflowExecutionFailedEventAttributes {
    SignalExternalWorkflowExecutionFailedEventAttributes {
        workflow_id: workflow_id.to_owned(),
        cause,
        initiated_event_id,
        decision_task_completed_event_id: COMPLETED,
        run_id: None,
        control: None,
        unknown_fields: Map::new(),
    }
}

pub fn cancel_external_initiated(workflow_id: &str) -> RequestCancelExternalWorkflowExecutionInitiatedEventAttributes {
    RequestCancelExternalWorkflowExecutionInitiatedEventAttributes {
        workflow_id: workflow_id.to_owned(),
        decision_task_completed_event_id: COMPLETED,
        run_id: None,
        control: None,
        unknown_fields: Map::new(),
    }
}

pub fn external_cancel_requested(
    workflow_id: &str,
    initiated_event_id: i64,
) -> ExternalWorkflowExecutionCancelRequestedEventAttributes {
    ExternalWorkflowExecutionCancelRequestedEventAttributes {
        workflow_execution: WorkflowExecution::new(workflow_id, "target-run"),
        initiated_event_id,
        unknown_fields: Map::new(),
    }
}

pub fn cancel_external_failed(
    workflow_id: &str,
    initiated_event_id: i64,
    cause: RequestCancelExternalWorkflowExecutionFailedCause,
) -> RequestCancelExternalWorkflowExecutionFailedEventAttributes {
    RequestCancelExternalWorkflowExecutionFailedEventAttributes {
        workflow_id: workflow_id.to_owned(),
        cause,
        initiated_event_id,
        decision_task_completed_event_id: COMPLETED,
        run_id: None,
        control: None,
        unknown_fields: Map::new(),
    }
}
