//! Child workflow executions: start, the parent's events when a child closes, and child policies.

use serde_json::{Value, json};

use crate::support::{DECIDERS, WORKFLOW, World, attributes, decision, event_types};

fn start_child(workflow_id: &str, extra: Value) -> Value {
    let mut attributes =
        json!({"workflowType": {"name": WORKFLOW, "version": "1"}, "workflowId": workflow_id, "control": "c"});
    crate::support::merge(&mut attributes, extra);
    decision("StartChildWorkflowExecution", attributes)
}

/// Starts parent `p` whose first decision starts child `c`; returns the parent run id and the child's
/// run id. The child's first decision task is left pending.
async fn parent_with_child(world: &World, child_extra: Value) -> (String, String) {
    let parent_run = world.start("p").await;
    let task = world.decision_task().await;
    world.decide(&task, json!([start_child("c", child_extra)])).await;

    let history = world.history("p", &parent_run).await;
    let child_run = attributes(&history, "ChildWorkflowExecutionStarted")["workflowExecution"]["runId"]
        .as_str()
        .expect("child run id")
        .to_string();
    (parent_run, child_run)
}

/// Polls decision tasks until it gets one of the given workflow id.
async fn decision_task_of(world: &World, workflow_id: &str) -> Value {
    for _ in 0..4 {
        let task = world.decision_task().await;
        if task["workflowExecution"]["workflowId"] == workflow_id {
            return task;
        }
        world.decide(&task, json!([])).await;
    }
    panic!("no decision task for {workflow_id}");
}

#[tokio::test]
async fn child_start_links_both_runs() {
    let world = World::new().await;

    let (parent_run, child_run) = parent_with_child(&world, json!({"input": "x", "tagList": ["kid"]})).await;
    let parent = world.history("p", &parent_run).await;
    let child = world.history("c", &child_run).await;
    let child_info = world.describe("c", &child_run).await;
    let parent_counts = world.describe("p", &parent_run).await["openCounts"].clone();

    assert_eq!(
        &event_types(&parent)[4..],
        [
            "StartChildWorkflowExecutionInitiated",
            "ChildWorkflowExecutionStarted",
            "DecisionTaskScheduled"
        ]
    );
    let initiated = attributes(&parent, "StartChildWorkflowExecutionInitiated");
    assert_eq!(initiated["workflowId"], "c");
    assert_eq!(initiated["control"], "c");
    assert_eq!(initiated["taskList"], json!({"name": DECIDERS}));
    assert_eq!(initiated["childPolicy"], "TERMINATE");
    assert_eq!(initiated["decisionTaskCompletedEventId"], 4);
    assert_eq!(
        attributes(&parent, "ChildWorkflowExecutionStarted"),
        &json!({"workflowExecution": {"workflowId": "c", "runId": child_run}, "workflowType": {"name": WORKFLOW, "version": "1"}, "initiatedEventId": 5})
    );
    let started = attributes(&child, "WorkflowExecutionStarted");
    assert_eq!(
        started["parentWorkflowExecution"],
        json!({"workflowId": "p", "runId": parent_run})
    );
    assert_eq!(started["parentInitiatedEventId"], 5);
    assert_eq!(started["input"], "x");
    assert_eq!(
        child_info["executionInfo"]["parent"],
        json!({"workflowId": "p", "runId": parent_run})
    );
    assert_eq!(parent_counts["openChildWorkflowExecutions"], 1);
}

#[tokio::test]
async fn child_completion_is_reported_to_parent() {
    let world = World::new().await;
    let (parent_run, child_run) = parent_with_child(&world, json!({})).await;
    let child_task = decision_task_of(&world, "c").await;

    world
        .decide(
            &child_task,
            json!([decision("CompleteWorkflowExecution", json!({"result": "child done"}))]),
        )
        .await;
    let parent = world.history("p", &parent_run).await;

    assert_eq!(
        attributes(&parent, "ChildWorkflowExecutionCompleted"),
        &json!({"workflowExecution": {"workflowId": "c", "runId": child_run}, "workflowType": {"name": WORKFLOW, "version": "1"},
                "result": "child done", "initiatedEventId": 5, "startedEventId": 6})
    );
}

#[tokio::test]
async fn child_failure_and_cancel_are_reported() {
    let world = World::new().await;
    let parent_run = world.start("p").await;
    let task = world.decision_task().await;
    world
        .decide(
            &task,
            json!([start_child("c1", json!({})), start_child("c2", json!({}))]),
        )
        .await;

    let first = decision_task_of(&world, "c1").await;
    world
        .decide(
            &first,
            json!([decision(
                "FailWorkflowExecution",
                json!({"reason": "r", "details": "d"})
            )]),
        )
        .await;
    let second = decision_task_of(&world, "c2").await;
    world
        .decide(
            &second,
            json!([decision("CancelWorkflowExecution", json!({"details": "bye"}))]),
        )
        .await;
    let parent = world.history("p", &parent_run).await;

    let failed = attributes(&parent, "ChildWorkflowExecutionFailed");
    assert_eq!(failed["reason"], "r");
    assert_eq!(failed["details"], "d");
    assert_eq!(attributes(&parent, "ChildWorkflowExecutionCanceled")["details"], "bye");
}

#[tokio::test]
async fn child_start_failures() {
    let world = World::new().await;
    world
        .ok("RegisterWorkflowType", json!({"name": "Bare", "version": "1"}))
        .await;
    world.start("busy").await;
    let parent_run = world.start("p").await;
    let task = decision_task_of(&world, "p").await;

    world
        .decide(
            &task,
            json!([
                start_child("busy", json!({})),
                decision(
                    "StartChildWorkflowExecution",
                    json!({"workflowType": {"name": "Missing", "version": "1"}, "workflowId": "m"})
                ),
                decision(
                    "StartChildWorkflowExecution",
                    json!({"workflowType": {"name": "Bare", "version": "1"}, "workflowId": "b"})
                ),
            ]),
        )
        .await;
    let parent = world.history("p", &parent_run).await;

    let failures: Vec<(&str, &str, i64)> = parent
        .iter()
        .filter(|event| event["eventType"] == "StartChildWorkflowExecutionFailed")
        .map(|event| {
            let failed = &event["startChildWorkflowExecutionFailedEventAttributes"];
            (
                failed["workflowId"].as_str().unwrap(),
                failed["cause"].as_str().unwrap(),
                failed["initiatedEventId"].as_i64().unwrap(),
            )
        })
        .collect();
    let initiated_id = crate::support::last_event(&parent, "StartChildWorkflowExecutionInitiated")["eventId"]
        .as_i64()
        .unwrap();
    assert_eq!(
        failures,
        [
            ("busy", "WORKFLOW_ALREADY_RUNNING", initiated_id),
            ("m", "WORKFLOW_TYPE_DOES_NOT_EXIST", 0),
            ("b", "DEFAULT_TASK_LIST_UNDEFINED", 0),
        ]
    );
}

#[tokio::test]
async fn terminate_policy_terminates_children() {
    let world = World::new().await;
    let (parent_run, child_run) = parent_with_child(&world, json!({})).await;

    world.ok("TerminateWorkflowExecution", json!({"workflowId": "p"})).await;
    let child = world.history("c", &child_run).await;
    let parent = world.history("p", &parent_run).await;

    assert_eq!(
        attributes(&child, "WorkflowExecutionTerminated"),
        &json!({"childPolicy": "TERMINATE", "cause": "CHILD_POLICY_APPLIED"})
    );
    assert_eq!(
        attributes(&parent, "WorkflowExecutionTerminated"),
        &json!({"childPolicy": "TERMINATE", "cause": "OPERATOR_INITIATED"})
    );
    assert_eq!(
        parent.last().unwrap()["eventType"],
        "WorkflowExecutionTerminated",
        "a closed parent records nothing more"
    );
    assert_eq!(
        world.describe("c", &child_run).await["executionInfo"]["closeStatus"],
        "TERMINATED"
    );
}

#[tokio::test]
async fn request_cancel_policy_asks_children_to_cancel() {
    let world = World::new().await;
    let (_, child_run) = parent_with_child(&world, json!({})).await;

    world
        .ok(
            "TerminateWorkflowExecution",
            json!({"workflowId": "p", "childPolicy": "REQUEST_CANCEL"}),
        )
        .await;
    let child = world.history("c", &child_run).await;
    let described = world.describe("c", &child_run).await;

    assert_eq!(
        attributes(&child, "WorkflowExecutionCancelRequested"),
        &json!({"cause": "CHILD_POLICY_APPLIED"})
    );
    assert_eq!(described["executionInfo"]["executionStatus"], "OPEN");
    assert_eq!(described["executionInfo"]["cancelRequested"], true);
}

#[tokio::test]
async fn abandon_policy_leaves_children_running() {
    let world = World::new().await;
    let (_, child_run) = parent_with_child(&world, json!({"childPolicy": "ABANDON"})).await;

    world
        .ok(
            "TerminateWorkflowExecution",
            json!({"workflowId": "p", "childPolicy": "ABANDON"}),
        )
        .await;
    let described = world.describe("c", &child_run).await;

    assert_eq!(described["executionInfo"]["executionStatus"], "OPEN");
    assert_eq!(described["executionInfo"]["cancelRequested"], false);
}

#[tokio::test]
async fn child_that_continues_reports_from_last_run() {
    let world = World::new().await;
    let (parent_run, _) = parent_with_child(&world, json!({})).await;
    let first = decision_task_of(&world, "c").await;
    world
        .decide(&first, json!([decision("ContinueAsNewWorkflowExecution", json!({}))]))
        .await;
    let second = decision_task_of(&world, "c").await;
    let last_run = second["workflowExecution"]["runId"].clone();

    world
        .decide(
            &second,
            json!([decision("CompleteWorkflowExecution", json!({"result": "r"}))]),
        )
        .await;
    let parent = world.history("p", &parent_run).await;

    let completed = attributes(&parent, "ChildWorkflowExecutionCompleted");
    assert_eq!(completed["workflowExecution"]["runId"], last_run);
    assert_eq!(completed["initiatedEventId"], 5);
}

#[tokio::test]
async fn child_start_type_and_default_causes() {
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
    let bare = |workflow_id: &str, settings: Value| {
        let mut attributes = json!({"workflowType": {"name": "Bare", "version": "1"}, "workflowId": workflow_id});
        crate::support::merge(&mut attributes, settings);
        decision("StartChildWorkflowExecution", attributes)
    };
    let parent_run = world.start("p").await;
    let task = world.decision_task().await;

    world
        .decide(
            &task,
            json!([
                decision(
                    "StartChildWorkflowExecution",
                    json!({"workflowType": {"name": "Old", "version": "1"}, "workflowId": "old"})
                ),
                bare("no-timeout", json!({"taskList": {"name": "t"}})),
                bare(
                    "no-task-timeout",
                    json!({"taskList": {"name": "t"}, "executionStartToCloseTimeout": "60"})
                ),
                bare(
                    "no-policy",
                    json!({"taskList": {"name": "t"}, "executionStartToCloseTimeout": "60", "taskStartToCloseTimeout": "60"})
                ),
            ]),
        )
        .await;
    let parent = world.history("p", &parent_run).await;
    let open = world
        .ok(
            "CountOpenWorkflowExecutions",
            json!({"startTimeFilter": {"oldestDate": 0}}),
        )
        .await;

    let failures: Vec<(&str, &str, i64)> = parent
        .iter()
        .filter(|event| event["eventType"] == "StartChildWorkflowExecutionFailed")
        .map(|event| {
            let failed = &event["startChildWorkflowExecutionFailedEventAttributes"];
            (
                failed["workflowId"].as_str().unwrap(),
                failed["cause"].as_str().unwrap(),
                failed["initiatedEventId"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        [
            ("old", "WORKFLOW_TYPE_DEPRECATED", 0),
            ("no-timeout", "DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED", 0),
            ("no-task-timeout", "DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED", 0),
            ("no-policy", "DEFAULT_CHILD_POLICY_UNDEFINED", 0),
        ]
    );
    assert!(
        !event_types(&parent).contains(&"StartChildWorkflowExecutionInitiated".to_string()),
        "failed checks initiate nothing"
    );
    assert_eq!(open["count"], 1, "only the parent runs");
    assert_eq!(parent.last().unwrap()["eventType"], "DecisionTaskScheduled");
}

#[tokio::test]
async fn open_children_limit_is_1000() {
    let world = World::new().await;
    let parent_run = world.start("p").await;
    let task = world.decision_task().await;
    let decisions: Vec<Value> = (0..1001)
        .map(|index| start_child(&format!("c{index}"), json!({"taskList": {"name": "children"}})))
        .collect();

    world.decide(&task, json!(decisions)).await;
    let parent = world.history("p", &parent_run).await;
    let described = world.describe("p", &parent_run).await;

    let failed = attributes(&parent, "StartChildWorkflowExecutionFailed");
    assert_eq!(failed["workflowId"], "c1000");
    assert_eq!(failed["cause"], "OPEN_CHILDREN_LIMIT_EXCEEDED");
    assert_eq!(failed["initiatedEventId"], 0);
    assert_eq!(described["openCounts"]["openChildWorkflowExecutions"], 1000);
}

#[tokio::test]
async fn child_terminated_directly_is_reported() {
    let world = World::new().await;
    let (parent_run, child_run) = parent_with_child(&world, json!({})).await;

    world
        .ok(
            "TerminateWorkflowExecution",
            json!({"workflowId": "c", "reason": "stop"}),
        )
        .await;
    let parent = world.history("p", &parent_run).await;
    let described = world.describe("p", &parent_run).await;

    assert_eq!(
        attributes(&parent, "ChildWorkflowExecutionTerminated"),
        &json!({"workflowExecution": {"workflowId": "c", "runId": child_run}, "workflowType": {"name": WORKFLOW, "version": "1"},
                "initiatedEventId": 5, "startedEventId": 6})
    );
    assert_eq!(described["openCounts"]["openChildWorkflowExecutions"], 0);
    assert_eq!(described["executionInfo"]["executionStatus"], "OPEN");
}
