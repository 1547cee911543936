//! Activity tasks: dispatch, heartbeats, results, cancellation and stale tokens.

use serde_json::{Value, json};

use crate::support::{ACTIVITY, WORKERS, World, attributes, decision, event_types, schedule_activity};

/// Starts a run whose first decision schedules the given activities; returns the run id.
async fn run_with_activities(world: &World, workflow_id: &str, activities: Vec<Value>) -> String {
    let run_id = world.start(workflow_id).await;
    let task = world.decision_task().await;
    world.decide(&task, json!(activities)).await;
    run_id
}

#[tokio::test]
async fn poll_returns_the_task_and_records_start() {
    let world = World::new().await;
    let run_id = run_with_activities(
        &world,
        "w",
        vec![schedule_activity("a1", json!({"input": "in", "control": "secret"}))],
    )
    .await;

    let task = world.activity_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(task["activityId"], "a1");
    assert_eq!(task["activityType"], json!({"name": ACTIVITY, "version": "1"}));
    assert_eq!(task["input"], "in");
    assert_eq!(task["workflowExecution"], json!({"workflowId": "w", "runId": run_id}));
    assert_eq!(task["startedEventId"], 6);
    assert!(task.get("control").is_none(), "control stays with the decider");
    assert_eq!(
        attributes(&history, "ActivityTaskStarted"),
        &json!({"identity": "worker-1", "scheduledEventId": 5})
    );
}

#[tokio::test]
async fn results_are_recorded_and_wake_the_decider() {
    let world = World::new().await;
    let activities = vec![
        schedule_activity("ok", json!({})),
        schedule_activity("bad", json!({})),
        schedule_activity("stop", json!({})),
    ];
    let run_id = run_with_activities(&world, "w", activities).await;
    let first = world.activity_task().await;
    let second = world.activity_task().await;
    let third = world.activity_task().await;

    world
        .endpoint
        .ok(
            "RespondActivityTaskCompleted",
            json!({"taskToken": first["taskToken"], "result": "42"}),
        )
        .await;
    world
        .endpoint
        .ok(
            "RespondActivityTaskFailed",
            json!({"taskToken": second["taskToken"], "reason": "r", "details": "d"}),
        )
        .await;
    world
        .endpoint
        .ok(
            "RespondActivityTaskCanceled",
            json!({"taskToken": third["taskToken"], "details": "c"}),
        )
        .await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        &event_types(&history)[7..],
        [
            "ActivityTaskStarted",
            "ActivityTaskStarted",
            "ActivityTaskStarted",
            "ActivityTaskCompleted",
            "DecisionTaskScheduled",
            "ActivityTaskFailed",
            "ActivityTaskCanceled"
        ]
    );
    assert_eq!(
        attributes(&history, "ActivityTaskCompleted"),
        &json!({"result": "42", "scheduledEventId": 5, "startedEventId": 8})
    );
    assert_eq!(
        attributes(&history, "ActivityTaskFailed"),
        &json!({"reason": "r", "details": "d", "scheduledEventId": 6, "startedEventId": 9})
    );
    assert_eq!(
        attributes(&history, "ActivityTaskCanceled"),
        &json!({"details": "c", "scheduledEventId": 7, "startedEventId": 10})
    );
}

#[tokio::test]
async fn closed_task_tokens_are_stale() {
    let world = World::new().await;
    run_with_activities(&world, "w", vec![schedule_activity("a1", json!({}))]).await;
    let task = world.activity_task().await;
    world
        .endpoint
        .ok("RespondActivityTaskCompleted", json!({"taskToken": task["taskToken"]}))
        .await;

    let again = world
        .endpoint
        .fails("RespondActivityTaskCompleted", json!({"taskToken": task["taskToken"]}))
        .await;
    let heartbeat = world
        .endpoint
        .fails("RecordActivityTaskHeartbeat", json!({"taskToken": task["taskToken"]}))
        .await;
    let garbage = world
        .endpoint
        .fails("RespondActivityTaskFailed", json!({"taskToken": "x"}))
        .await;

    assert_eq!(again.code(), "UnknownResourceFault");
    assert_eq!(heartbeat.code(), "UnknownResourceFault");
    assert_eq!(garbage.code(), "UnknownResourceFault");
}

#[tokio::test]
async fn tokens_of_a_closed_run_are_stale() {
    let world = World::new().await;
    run_with_activities(
        &world,
        "w",
        vec![schedule_activity("a1", json!({})), schedule_activity("a2", json!({}))],
    )
    .await;
    let task = world.activity_task().await;

    world.ok("TerminateWorkflowExecution", json!({"workflowId": "w"})).await;
    let late = world
        .endpoint
        .fails("RespondActivityTaskCompleted", json!({"taskToken": task["taskToken"]}))
        .await;
    let pending = world
        .ok("CountPendingActivityTasks", json!({"taskList": {"name": WORKERS}}))
        .await;

    assert_eq!(late.code(), "UnknownResourceFault");
    assert_eq!(pending["count"], 0, "scheduled tasks of a closed run are dropped");
}

#[tokio::test]
async fn cancel_request_reaches_started_task_by_heartbeat() {
    let world = World::new().await;
    let run_id = run_with_activities(&world, "w", vec![schedule_activity("a1", json!({}))]).await;
    let activity = world.activity_task().await;
    let before = world
        .endpoint
        .ok(
            "RecordActivityTaskHeartbeat",
            json!({"taskToken": activity["taskToken"], "details": "10%"}),
        )
        .await;
    world
        .ok(
            "SignalWorkflowExecution",
            json!({"workflowId": "w", "signalName": "stop"}),
        )
        .await;
    let task = world.decision_task().await;
    world
        .decide(
            &task,
            json!([decision("RequestCancelActivityTask", json!({"activityId": "a1"}))]),
        )
        .await;

    let after = world
        .endpoint
        .ok(
            "RecordActivityTaskHeartbeat",
            json!({"taskToken": activity["taskToken"]}),
        )
        .await;
    world
        .endpoint
        .ok(
            "RespondActivityTaskCanceled",
            json!({"taskToken": activity["taskToken"]}),
        )
        .await;
    let history = world.history("w", &run_id).await;

    assert_eq!(before, json!({"cancelRequested": false}));
    assert_eq!(after, json!({"cancelRequested": true}));
    let requested = crate::support::last_event(&history, "ActivityTaskCancelRequested");
    assert_eq!(
        attributes(&history, "ActivityTaskCanceled"),
        &json!({"scheduledEventId": 5, "startedEventId": 6, "latestCancelRequestedEventId": requested["eventId"]})
    );
}

#[tokio::test]
async fn higher_priority_tasks_are_dispatched_first() {
    let world = World::new().await;
    let activities = vec![
        schedule_activity("low", json!({"taskPriority": "-1"})),
        schedule_activity("normal", json!({})),
        schedule_activity("high", json!({"taskPriority": "10"})),
        schedule_activity("normal-later", json!({})),
    ];
    run_with_activities(&world, "w", activities).await;

    let mut order = Vec::new();
    for _ in 0..4 {
        order.push(world.activity_task().await["activityId"].as_str().unwrap().to_string());
    }

    assert_eq!(order, ["high", "normal", "normal-later", "low"]);
}

#[tokio::test]
async fn activity_ids_are_reusable_after_close() {
    let world = World::new().await;
    let run_id = run_with_activities(&world, "w", vec![schedule_activity("a1", json!({}))]).await;
    let activity = world.activity_task().await;
    world
        .endpoint
        .ok(
            "RespondActivityTaskCompleted",
            json!({"taskToken": activity["taskToken"]}),
        )
        .await;
    let task = world.decision_task().await;

    world.decide(&task, json!([schedule_activity("a1", json!({}))])).await;
    let history = world.history("w", &run_id).await;

    assert_eq!(history.last().unwrap()["eventType"], "ActivityTaskScheduled");
}
