//! `Pipeline::decide` driven with hand-built histories, including paths the integration tests do
//! not reach: failures of the Lambda function and of the child, and cancellation in each step.

use caravan_plugin::decision::Decision;
use serde_json::{Value, json};

use super::*;

/// An event's type and attributes member. [`task`] assigns ids from 1 in order.
type NewEvent = (&'static str, Value);

fn started(input: &str) -> NewEvent {
    (
        "WorkflowExecutionStarted",
        json!({
            "childPolicy": "TERMINATE",
            "taskList": {"name": "pipeline"},
            "workflowType": {"name": "Pipeline", "version": "1"},
            "input": input,
            "lambdaRole": LAMBDA_ROLE,
        }),
    )
}

/// Returns the events of an execution with input `{"text": "hi"}`, up to the running child
/// workflow: the activity's events have ids 2 to 4, the Lambda function's 5 to 7 and the
/// child's 8 and 9.
fn steps() -> Vec<NewEvent> {
    vec![
        started(r#"{"text": "hi"}"#),
        (
            "ActivityTaskScheduled",
            json!({"activityId": "process", "activityType": {"name": "Process", "version": "1"},
                   "taskList": {"name": "pipeline"}, "decisionTaskCompletedEventId": 1}),
        ),
        ("ActivityTaskStarted", json!({"scheduledEventId": 2})),
        (
            "ActivityTaskCompleted",
            json!({"scheduledEventId": 2, "startedEventId": 3, "result": "HI"}),
        ),
        (
            "LambdaFunctionScheduled",
            json!({"id": "summarize", "name": "summarize", "decisionTaskCompletedEventId": 4}),
        ),
        ("LambdaFunctionStarted", json!({"scheduledEventId": 5})),
        (
            "LambdaFunctionCompleted",
            json!({"scheduledEventId": 5, "startedEventId": 6, "result": "{\"words\": 1}"}),
        ),
        (
            "StartChildWorkflowExecutionInitiated",
            json!({"workflowId": "p-1-child", "workflowType": {"name": "PipelineChild", "version": "1"},
                   "taskList": {"name": "pipeline"}, "decisionTaskCompletedEventId": 7,
                   "childPolicy": "TERMINATE"}),
        ),
        (
            "ChildWorkflowExecutionStarted",
            json!({"workflowExecution": {"workflowId": "p-1-child", "runId": "child-run"},
                   "workflowType": {"name": "PipelineChild", "version": "1"}, "initiatedEventId": 8}),
        ),
    ]
}

/// Returns the first `count` events of [`steps`].
fn first_steps(count: usize) -> Vec<NewEvent> {
    steps().into_iter().take(count).collect()
}

fn cancel_requested() -> NewEvent {
    (
        "WorkflowExecutionCancelRequested",
        json!({"cause": "CHILD_POLICY_APPLIED"}),
    )
}

/// Builds a decision task from `old` events, which an earlier task handled, and `new` events.
fn task(old: Vec<NewEvent>, new: Vec<NewEvent>) -> DecisionTask {
    let previous_started_event_id = old.len() as i64;
    let mut events = old;
    events.extend(new);
    let started_event_id = events.len() as i64;

    let events: Vec<Value> = (1..)
        .zip(events)
        .map(|(id, (event_type, attributes))| {
            let member = format!(
                "{}{}EventAttributes",
                event_type[..1].to_ascii_lowercase(),
                &event_type[1..]
            );
            json!({"eventId": id, "eventTimestamp": 1735689600 + id, "eventType": event_type, member: attributes})
        })
        .collect();
    serde_json::from_value(json!({
        "startedEventId": started_event_id,
        "previousStartedEventId": previous_started_event_id,
        "workflowExecution": {"workflowId": "p-1", "runId": "run-1"},
        "workflowType": {"name": "Pipeline", "version": "1"},
        "events": events,
    }))
    .expect("a valid decision task")
}

fn decide(task: &DecisionTask) -> Vec<Decision> {
    Pipeline.decide(task).expect("decisions").decisions
}

fn decision_types(decisions: &[Decision]) -> Vec<&str> {
    decisions.iter().map(Decision::decision_type).collect()
}

/// Returns the reason of the only decision, which must be `FailWorkflowExecution`.
fn fail_reason(decisions: &[Decision]) -> String {
    match decisions {
        [Decision::FailWorkflowExecution(attributes)] => attributes.reason.clone().unwrap_or_default(),
        other => panic!("expected one FailWorkflowExecution, got {other:?}"),
    }
}

#[test]
fn first_task_schedules_first_attempt() {
    let decisions = decide(&task(vec![], vec![started(r#"{"text": "hi"}"#)]));

    let [Decision::ScheduleActivityTask(attributes)] = decisions.as_slice() else {
        panic!("expected one ScheduleActivityTask, got {decisions:?}");
    };
    assert_eq!(attributes.activity_id, "process");
    let request: Value = serde_json::from_str(attributes.input.as_deref().expect("input")).expect("JSON input");
    assert_eq!(
        request,
        json!({"text": "hi", "attempt": 1, "failAttempts": 0, "sleepMs": 0})
    );
}

#[test]
fn invalid_input_fails_execution() {
    let decisions = decide(&task(vec![], vec![started("not json")]));

    assert_eq!(fail_reason(&decisions), "invalid input");
}

#[test]
fn lambda_failure_fails_execution() {
    let failed = (
        "LambdaFunctionFailed",
        json!({"scheduledEventId": 5, "startedEventId": 6, "reason": "exit status 1", "details": "oops"}),
    );

    let decisions = decide(&task(first_steps(6), vec![failed]));

    assert_eq!(
        fail_reason(&decisions),
        "Lambda function summarize did not complete: Failed"
    );
}

#[test]
fn child_failure_fails_execution() {
    let failed = (
        "ChildWorkflowExecutionFailed",
        json!({"workflowExecution": {"workflowId": "p-1-child", "runId": "child-run"},
               "workflowType": {"name": "PipelineChild", "version": "1"},
               "initiatedEventId": 8, "startedEventId": 9, "reason": "broken"}),
    );

    let decisions = decide(&task(steps(), vec![failed]));

    assert_eq!(
        fail_reason(&decisions),
        "child workflow p-1-child did not complete: Failed"
    );
}

#[test]
fn child_completion_completes_execution() {
    let completed = (
        "ChildWorkflowExecutionCompleted",
        json!({"workflowExecution": {"workflowId": "p-1-child", "runId": "child-run"},
               "workflowType": {"name": "PipelineChild", "version": "1"},
               "initiatedEventId": 8, "startedEventId": 9, "result": "IH"}),
    );

    let decisions = decide(&task(steps(), vec![completed]));

    let [Decision::CompleteWorkflowExecution(attributes)] = decisions.as_slice() else {
        panic!("expected one CompleteWorkflowExecution, got {decisions:?}");
    };
    let result: Value = serde_json::from_str(attributes.result.as_deref().expect("result")).expect("JSON result");
    assert_eq!(
        result,
        json!({"activity": "HI", "summary": {"words": 1}, "child": "IH"})
    );
}

#[test]
fn cancel_during_activity_cancels_activity_first() {
    let decisions = decide(&task(first_steps(3), vec![cancel_requested()]));

    assert_eq!(decision_types(&decisions), ["RequestCancelActivityTask"]);
}

#[test]
fn cancel_during_lambda_closes_execution() {
    let decisions = decide(&task(first_steps(6), vec![cancel_requested()]));

    assert_eq!(decision_types(&decisions), ["CancelWorkflowExecution"]);
}

#[test]
fn cancel_during_child_cancels_child() {
    let decisions = decide(&task(steps(), vec![cancel_requested()]));

    assert_eq!(
        decision_types(&decisions),
        ["RequestCancelExternalWorkflowExecution", "CancelWorkflowExecution"]
    );
    let Decision::RequestCancelExternalWorkflowExecution(attributes) = &decisions[0] else {
        unreachable!("checked above");
    };
    assert_eq!(attributes.workflow_id, "p-1-child");
    assert_eq!(attributes.run_id.as_deref(), Some("child-run"));
}

#[test]
fn child_reverses_input() {
    let child_started = (
        "WorkflowExecutionStarted",
        json!({"childPolicy": "TERMINATE", "taskList": {"name": "pipeline"},
               "workflowType": {"name": "PipelineChild", "version": "1"}, "input": "HI THERE"}),
    );

    let decisions = PipelineChild
        .decide(&task(vec![], vec![child_started]))
        .expect("decisions")
        .decisions;

    let [Decision::CompleteWorkflowExecution(attributes)] = decisions.as_slice() else {
        panic!("expected one CompleteWorkflowExecution, got {decisions:?}");
    };
    assert_eq!(attributes.result.as_deref(), Some("EREHT IH"));
}
