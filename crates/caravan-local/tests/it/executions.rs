//! Starting, signalling, canceling, terminating and describing executions, and reading their history.

use serde_json::{Value, json};

use crate::support::{DECIDERS, WORKFLOW, World, attributes, decision, event_types, schedule_activity};

#[tokio::test]
async fn start_records_started_then_scheduled() {
    let world = World::new().await;

    let run_id = world
        .start_with("order-1", json!({"input": "{}", "tagList": ["eu"]}))
        .await;
    let history = world.history("order-1", &run_id).await;

    assert_eq!(run_id.len(), 44);
    assert_eq!(
        event_types(&history),
        ["WorkflowExecutionStarted", "DecisionTaskScheduled"]
    );
    assert_eq!(history[0]["eventId"], 1);
    assert_eq!(history[1]["eventId"], 2);
    let started = attributes(&history, "WorkflowExecutionStarted");
    assert_eq!(started["input"], "{}");
    assert_eq!(started["tagList"], json!(["eu"]));
    assert_eq!(started["parentInitiatedEventId"], 0);
    assert_eq!(started["childPolicy"], "TERMINATE");
    assert_eq!(started["taskList"], json!({"name": DECIDERS}));
    assert_eq!(started["executionStartToCloseTimeout"], "3600");
    let scheduled = attributes(&history, "DecisionTaskScheduled");
    assert_eq!(scheduled["startToCloseTimeout"], "600");
}

#[tokio::test]
async fn start_resolves_settings_from_request_then_type() {
    let world = World::new().await;
    let role = "arn:aws:iam::000000000000:role/lambda";

    let run_id = world
        .start_with(
            "w",
            json!({"taskList": {"name": "other"}, "taskPriority": "7", "childPolicy": "ABANDON", "lambdaRole": role}),
        )
        .await;
    let described = world.describe("w", &run_id).await;

    assert_eq!(
        described["executionConfiguration"],
        json!({"taskStartToCloseTimeout": "600", "executionStartToCloseTimeout": "3600",
               "taskList": {"name": "other"}, "taskPriority": "7", "childPolicy": "ABANDON", "lambdaRole": role})
    );
}

#[tokio::test]
async fn start_faults() {
    let world = World::new().await;
    world
        .ok("RegisterWorkflowType", json!({"name": "Bare", "version": "1"}))
        .await;
    world.register_workflow_type("Old", "1", json!({})).await;
    world
        .ok(
            "DeprecateWorkflowType",
            json!({"workflowType": {"name": "Old", "version": "1"}}),
        )
        .await;
    world.start("taken").await;
    let start = |workflow_id: &str, name: &str, extra: Value| {
        let mut body = json!({"workflowId": workflow_id, "workflowType": {"name": name, "version": "1"}});
        crate::support::merge(&mut body, extra);
        body
    };

    let already = world
        .fails("StartWorkflowExecution", start("taken", WORKFLOW, json!({})))
        .await;
    let unknown_type = world
        .fails("StartWorkflowExecution", start("a", "Missing", json!({})))
        .await;
    let deprecated = world
        .fails("StartWorkflowExecution", start("b", "Old", json!({})))
        .await;
    let no_task_list = world
        .fails("StartWorkflowExecution", start("c", "Bare", json!({})))
        .await;
    let no_timeout = world
        .fails(
            "StartWorkflowExecution",
            start("d", "Bare", json!({"taskList": {"name": "t"}})),
        )
        .await;
    let no_policy = world
        .fails(
            "StartWorkflowExecution",
            start("e", "Bare", json!({"taskList": {"name": "t"}, "executionStartToCloseTimeout": "60", "taskStartToCloseTimeout": "NONE"})),
        )
        .await;
    let six_tags = world
        .fails(
            "StartWorkflowExecution",
            start("f", WORKFLOW, json!({"tagList": ["1", "2", "3", "4", "5", "6"]})),
        )
        .await;
    let bad_id = world
        .fails("StartWorkflowExecution", start("g|h", WORKFLOW, json!({})))
        .await;

    assert_eq!(already.code(), "WorkflowExecutionAlreadyStartedFault");
    assert_eq!(unknown_type.code(), "UnknownResourceFault");
    assert_eq!(deprecated.code(), "TypeDeprecatedFault");
    assert_eq!(no_task_list.code(), "DefaultUndefinedFault");
    assert!(
        no_task_list.message().starts_with("taskList"),
        "{}",
        no_task_list.message()
    );
    assert!(
        no_timeout.message().starts_with("executionStartToCloseTimeout"),
        "{}",
        no_timeout.message()
    );
    assert!(
        no_policy.message().starts_with("childPolicy"),
        "{}",
        no_policy.message()
    );
    assert_eq!(six_tags.code(), "ValidationException");
    assert_eq!(bad_id.code(), "ValidationException");
}

#[tokio::test]
async fn closed_run_does_not_block_a_new_start() {
    let world = World::new().await;
    let first = world.start("w").await;
    world.ok("TerminateWorkflowExecution", json!({"workflowId": "w"})).await;

    let second = world.start("w").await;

    assert_ne!(first, second);
}

#[tokio::test]
async fn signal_reaches_the_open_run() {
    let world = World::new().await;
    let run_id = world.start("w").await;

    world
        .ok(
            "SignalWorkflowExecution",
            json!({"workflowId": "w", "signalName": "go", "input": "payload"}),
        )
        .await;
    world
        .ok(
            "SignalWorkflowExecution",
            json!({"workflowId": "w", "runId": run_id, "signalName": "again"}),
        )
        .await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        event_types(&history),
        [
            "WorkflowExecutionStarted",
            "DecisionTaskScheduled",
            "WorkflowExecutionSignaled",
            "WorkflowExecutionSignaled"
        ],
        "a scheduled decision task absorbs new events"
    );
    assert_eq!(
        history[2]["workflowExecutionSignaledEventAttributes"],
        json!({"signalName": "go", "input": "payload"})
    );
}

#[tokio::test]
async fn signal_to_closed_or_missing_run_is_unknown() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    world.ok("TerminateWorkflowExecution", json!({"workflowId": "w"})).await;

    let by_id = world
        .fails("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;
    let by_run = world
        .fails(
            "SignalWorkflowExecution",
            json!({"workflowId": "w", "runId": run_id, "signalName": "s"}),
        )
        .await;
    let missing = world
        .fails("RequestCancelWorkflowExecution", json!({"workflowId": "nobody"}))
        .await;
    let terminate = world
        .fails("TerminateWorkflowExecution", json!({"workflowId": "w"}))
        .await;

    assert_eq!(by_id.code(), "UnknownResourceFault");
    assert_eq!(by_run.code(), "UnknownResourceFault");
    assert!(
        by_run
            .message()
            .starts_with("Unknown execution: WorkflowExecution=[workflowId=w, runId="),
        "{}",
        by_run.message()
    );
    assert_eq!(missing.code(), "UnknownResourceFault");
    assert_eq!(terminate.code(), "UnknownResourceFault");
}

#[tokio::test]
async fn cancel_request_is_recorded_and_needs_the_decider() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world.decide(&task, json!([])).await;

    world
        .ok("RequestCancelWorkflowExecution", json!({"workflowId": "w"}))
        .await;
    let history = world.history("w", &run_id).await;
    let described = world.describe("w", &run_id).await;

    assert_eq!(
        &event_types(&history)[4..],
        ["WorkflowExecutionCancelRequested", "DecisionTaskScheduled"]
    );
    assert_eq!(described["executionInfo"]["cancelRequested"], true);
}

#[tokio::test]
async fn terminate_closes_with_details() {
    let world = World::new().await;
    let run_id = world.start("w").await;

    world
        .ok(
            "TerminateWorkflowExecution",
            json!({"workflowId": "w", "reason": "stop", "details": "by test", "childPolicy": "ABANDON"}),
        )
        .await;
    let history = world.history("w", &run_id).await;
    let described = world.describe("w", &run_id).await;

    assert_eq!(
        attributes(&history, "WorkflowExecutionTerminated"),
        &json!({"reason": "stop", "details": "by test", "childPolicy": "ABANDON", "cause": "OPERATOR_INITIATED"})
    );
    let info = &described["executionInfo"];
    assert_eq!(info["executionStatus"], "CLOSED");
    assert_eq!(info["closeStatus"], "TERMINATED");
    assert!(info["closeTimestamp"].is_number());
    assert_eq!(described["openCounts"]["openDecisionTasks"], 0);
}

#[tokio::test]
async fn describe_reports_counts_and_latest_values() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    let body = json!({
        "taskToken": task["taskToken"],
        "executionContext": "step=1",
        "decisions": [
            schedule_activity("a1", json!({})),
            decision("StartTimer", json!({"timerId": "t1", "startToFireTimeout": "600"})),
        ],
    });
    world.endpoint.ok("RespondDecisionTaskCompleted", body).await;

    let described = world.describe("w", &run_id).await;

    assert_eq!(
        described["openCounts"],
        json!({"openActivityTasks": 1, "openDecisionTasks": 0, "openTimers": 1, "openChildWorkflowExecutions": 0, "openLambdaFunctions": 0})
    );
    assert_eq!(described["latestExecutionContext"], "step=1");
    assert!(described["latestActivityTaskTimestamp"].is_number());
    assert_eq!(described["executionInfo"]["executionStatus"], "OPEN");
    assert!(described["executionInfo"].get("closeStatus").is_none());
}

#[tokio::test]
async fn unknown_execution_in_describe() {
    let world = World::new().await;

    let reply = world
        .fails(
            "DescribeWorkflowExecution",
            json!({"execution": {"workflowId": "w", "runId": "r"}}),
        )
        .await;

    assert_eq!(reply.code(), "UnknownResourceFault");
    assert_eq!(
        reply.message(),
        "Unknown execution: WorkflowExecution=[workflowId=w, runId=r]"
    );
}

#[tokio::test]
async fn history_pages_and_reverses() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    world
        .ok("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;
    let request =
        json!({"execution": {"workflowId": "w", "runId": run_id}, "maximumPageSize": 2, "reverseOrder": true});

    let first = world.ok("GetWorkflowExecutionHistory", request.clone()).await;
    let mut next = request.clone();
    next["nextPageToken"] = first["nextPageToken"].clone();
    let second = world.ok("GetWorkflowExecutionHistory", next).await;
    let mut changed = request.clone();
    changed["nextPageToken"] = first["nextPageToken"].clone();
    changed["reverseOrder"] = json!(false);
    let mismatch = world.fails("GetWorkflowExecutionHistory", changed).await;
    let mut forged = request;
    forged["nextPageToken"] = json!("forged");
    let unknown = world.fails("GetWorkflowExecutionHistory", forged).await;

    let ids = |page: &Value| -> Vec<i64> {
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| event["eventId"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&first), [3, 2]);
    assert_eq!(ids(&second), [1]);
    assert!(second.get("nextPageToken").is_none());
    assert_eq!(mismatch.code(), "ValidationException");
    assert_eq!(unknown.message(), "Specified token has exceeded its maximum lifetime");
}
