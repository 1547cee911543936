//! Timers and timeouts, with one-second settings and real waits. Each timeout event must carry the time
//! of its deadline, not the time anyone looked.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{DECIDERS, WORKFLOW, World, attributes, decision, event_types, last_event, schedule_activity};

async fn wait_ms(milliseconds: u64) {
    tokio::time::sleep(Duration::from_millis(milliseconds)).await;
}

/// Seconds between two events.
fn seconds_between(earlier: &Value, later: &Value) -> f64 {
    later["eventTimestamp"].as_f64().unwrap() - earlier["eventTimestamp"].as_f64().unwrap()
}

fn assert_about_one_second(earlier: &Value, later: &Value) {
    let elapsed = seconds_between(earlier, later);
    assert!(
        (0.999..1.2).contains(&elapsed),
        "{elapsed} s between {} and {}",
        earlier["eventType"],
        later["eventType"]
    );
}

#[tokio::test]
async fn timer_fires_at_its_deadline() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world
        .decide(
            &task,
            json!([decision(
                "StartTimer",
                json!({"timerId": "t", "startToFireTimeout": "1"})
            )]),
        )
        .await;

    wait_ms(1_300).await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        &event_types(&history)[4..],
        ["TimerStarted", "TimerFired", "DecisionTaskScheduled"]
    );
    assert_eq!(
        attributes(&history, "TimerFired"),
        &json!({"timerId": "t", "startedEventId": 5})
    );
    assert_about_one_second(&history[4], &history[5]);
    assert_eq!(world.describe("w", &run_id).await["openCounts"]["openTimers"], 0);
}

#[tokio::test]
async fn zero_second_timer_fires_at_once() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world
        .decide(
            &task,
            json!([decision(
                "StartTimer",
                json!({"timerId": "t", "startToFireTimeout": "0"})
            )]),
        )
        .await;

    wait_ms(100).await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        &event_types(&history)[4..],
        ["TimerStarted", "TimerFired", "DecisionTaskScheduled"]
    );
}

#[tokio::test]
async fn decision_task_start_to_close() {
    let world = World::new().await;
    let run_id = world.start_with("w", json!({"taskStartToCloseTimeout": "1"})).await;
    let task = world.decision_task().await;

    wait_ms(1_300).await;
    let late = world
        .endpoint
        .fails("RespondDecisionTaskCompleted", json!({"taskToken": task["taskToken"]}))
        .await;
    let retry = world.decision_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(late.code(), "UnknownResourceFault");
    assert_eq!(
        attributes(&history, "DecisionTaskTimedOut"),
        &json!({"timeoutType": "START_TO_CLOSE", "scheduledEventId": 2, "startedEventId": 3})
    );
    assert_eq!(
        &event_types(&history)[3..],
        ["DecisionTaskTimedOut", "DecisionTaskScheduled", "DecisionTaskStarted"]
    );
    assert_about_one_second(&history[2], &history[3]);
    assert_eq!(
        retry["previousStartedEventId"], 0,
        "a timed-out task was never completed"
    );
}

#[tokio::test]
async fn decision_task_schedule_to_start_on_sticky_list() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world
        .endpoint
        .ok("RespondDecisionTaskCompleted", json!({"taskToken": task["taskToken"], "taskList": {"name": "sticky"}, "taskListScheduleToStartTimeout": "1"}))
        .await;
    world
        .ok("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;

    wait_ms(1_300).await;
    let history = world.history("w", &run_id).await;
    let moved_back = world.decision_task().await;

    assert_eq!(
        &event_types(&history)[4..],
        [
            "WorkflowExecutionSignaled",
            "DecisionTaskScheduled",
            "DecisionTaskTimedOut",
            "DecisionTaskScheduled"
        ]
    );
    assert_eq!(
        history[5]["decisionTaskScheduledEventAttributes"]["taskList"],
        json!({"name": "sticky"})
    );
    assert_eq!(
        history[5]["decisionTaskScheduledEventAttributes"]["scheduleToStartTimeout"],
        "1"
    );
    assert_eq!(
        attributes(&history, "DecisionTaskTimedOut"),
        &json!({"timeoutType": "SCHEDULE_TO_START", "scheduledEventId": 6, "startedEventId": 0})
    );
    assert_eq!(
        history[7]["decisionTaskScheduledEventAttributes"]["taskList"],
        json!({"name": DECIDERS})
    );
    assert_about_one_second(&history[5], &history[6]);
    assert_eq!(moved_back["workflowExecution"]["runId"], run_id.as_str());
}

/// Starts a run whose first decision schedules activity `a1` with the given timeouts.
async fn run_with_activity(world: &World, timeouts: Value) -> String {
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world.decide(&task, json!([schedule_activity("a1", timeouts)])).await;
    run_id
}

#[tokio::test]
async fn activity_schedule_to_start() {
    let world = World::new().await;
    let run_id = run_with_activity(&world, json!({"scheduleToStartTimeout": "1"})).await;

    wait_ms(1_300).await;
    let history = world.history("w", &run_id).await;
    let pending = world
        .ok(
            "CountPendingActivityTasks",
            json!({"taskList": {"name": crate::support::WORKERS}}),
        )
        .await;

    assert_eq!(
        attributes(&history, "ActivityTaskTimedOut"),
        &json!({"timeoutType": "SCHEDULE_TO_START", "scheduledEventId": 5, "startedEventId": 0})
    );
    assert_about_one_second(&history[4], last_event(&history, "ActivityTaskTimedOut"));
    assert_eq!(history.last().unwrap()["eventType"], "DecisionTaskScheduled");
    assert_eq!(pending["count"], 0);
}

#[tokio::test]
async fn activity_schedule_to_close() {
    let world = World::new().await;
    let run_id = run_with_activity(&world, json!({"scheduleToCloseTimeout": "1"})).await;
    let activity = world.activity_task().await;

    wait_ms(1_300).await;
    let late = world
        .endpoint
        .fails(
            "RespondActivityTaskCompleted",
            json!({"taskToken": activity["taskToken"]}),
        )
        .await;
    let history = world.history("w", &run_id).await;

    assert_eq!(late.code(), "UnknownResourceFault");
    assert_eq!(
        attributes(&history, "ActivityTaskTimedOut"),
        &json!({"timeoutType": "SCHEDULE_TO_CLOSE", "scheduledEventId": 5, "startedEventId": 6})
    );
    assert_about_one_second(&history[4], last_event(&history, "ActivityTaskTimedOut"));
}

#[tokio::test]
async fn activity_start_to_close_despite_heartbeats() {
    let world = World::new().await;
    let run_id = run_with_activity(&world, json!({"startToCloseTimeout": "1"})).await;
    let activity = world.activity_task().await;

    wait_ms(500).await;
    world
        .endpoint
        .ok(
            "RecordActivityTaskHeartbeat",
            json!({"taskToken": activity["taskToken"]}),
        )
        .await;
    wait_ms(800).await;
    let history = world.history("w", &run_id).await;

    let timed_out = attributes(&history, "ActivityTaskTimedOut");
    assert_eq!(timed_out["timeoutType"], "START_TO_CLOSE");
    assert_eq!(timed_out["startedEventId"], 6);
    assert_about_one_second(&history[5], last_event(&history, "ActivityTaskTimedOut"));
}

#[tokio::test]
async fn activity_heartbeat_timeout_resets_on_heartbeat() {
    let world = World::new().await;
    let run_id = run_with_activity(&world, json!({"heartbeatTimeout": "1"})).await;
    let activity = world.activity_task().await;

    wait_ms(600).await;
    world
        .endpoint
        .ok(
            "RecordActivityTaskHeartbeat",
            json!({"taskToken": activity["taskToken"], "details": "half"}),
        )
        .await;
    wait_ms(600).await;
    let alive = world
        .endpoint
        .ok(
            "RecordActivityTaskHeartbeat",
            json!({"taskToken": activity["taskToken"]}),
        )
        .await;
    wait_ms(1_300).await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        alive,
        json!({"cancelRequested": false}),
        "a heartbeat within the interval keeps the task"
    );
    assert_eq!(
        attributes(&history, "ActivityTaskTimedOut"),
        &json!({"timeoutType": "HEARTBEAT", "scheduledEventId": 5, "startedEventId": 6, "details": "half"})
    );
    let elapsed = seconds_between(&history[5], last_event(&history, "ActivityTaskTimedOut"));
    assert!(
        elapsed > 2.0,
        "timed out {elapsed} s after the start, before the last heartbeat's interval ended"
    );
}

#[tokio::test]
async fn execution_timeout_applies_child_policy() {
    let world = World::new().await;
    let parent_run = world
        .start_with("p", json!({"executionStartToCloseTimeout": "2"}))
        .await;
    let task = world.decision_task().await;
    let child = |workflow_id: &str, timeout: &str| {
        decision(
            "StartChildWorkflowExecution",
            json!({"workflowType": {"name": WORKFLOW, "version": "1"}, "workflowId": workflow_id, "executionStartToCloseTimeout": timeout}),
        )
    };
    world
        .decide(&task, json!([child("short", "1"), child("long", "60")]))
        .await;

    wait_ms(2_400).await;
    let parent = world.history("p", &parent_run).await;
    let long_run = attributes(&parent, "ChildWorkflowExecutionStarted")["workflowExecution"]["runId"]
        .as_str()
        .unwrap()
        .to_string();
    let long = world.history("long", &long_run).await;

    assert_eq!(
        attributes(&parent, "ChildWorkflowExecutionTimedOut")["timeoutType"],
        "START_TO_CLOSE"
    );
    assert_eq!(
        attributes(&parent, "ChildWorkflowExecutionTimedOut")["workflowExecution"]["workflowId"],
        "short"
    );
    assert_eq!(parent.last().unwrap()["eventType"], "WorkflowExecutionTimedOut");
    assert_eq!(
        attributes(&parent, "WorkflowExecutionTimedOut"),
        &json!({"timeoutType": "START_TO_CLOSE", "childPolicy": "TERMINATE"})
    );
    let elapsed = seconds_between(&parent[0], parent.last().unwrap());
    assert!((1.999..2.2).contains(&elapsed), "timed out after {elapsed} s");
    assert_eq!(
        attributes(&long, "WorkflowExecutionTerminated")["cause"],
        "CHILD_POLICY_APPLIED"
    );
    assert_eq!(
        world.describe("p", &parent_run).await["executionInfo"]["closeStatus"],
        "TIMED_OUT"
    );
}

#[tokio::test]
async fn child_timeout_is_reported_to_parent() {
    let world = World::new().await;
    let parent_run = world.start("p").await;
    let task = world.decision_task().await;
    world
        .decide(
            &task,
            json!([decision(
                "StartChildWorkflowExecution",
                json!({"workflowType": {"name": WORKFLOW, "version": "1"}, "workflowId": "c", "executionStartToCloseTimeout": "1", "childPolicy": "ABANDON"})
            )]),
        )
        .await;

    wait_ms(1_300).await;
    let parent = world.history("p", &parent_run).await;
    let child_run = attributes(&parent, "ChildWorkflowExecutionStarted")["workflowExecution"]["runId"]
        .as_str()
        .unwrap()
        .to_string();
    let child = world.history("c", &child_run).await;
    let described = world.describe("p", &parent_run).await;

    assert_eq!(
        attributes(&parent, "ChildWorkflowExecutionTimedOut"),
        &json!({"workflowExecution": {"workflowId": "c", "runId": child_run}, "workflowType": {"name": WORKFLOW, "version": "1"},
                "timeoutType": "START_TO_CLOSE", "initiatedEventId": 5, "startedEventId": 6})
    );
    assert_eq!(
        attributes(&child, "WorkflowExecutionTimedOut"),
        &json!({"timeoutType": "START_TO_CLOSE", "childPolicy": "ABANDON"})
    );
    assert_about_one_second(&child[0], child.last().unwrap());
    assert_eq!(described["executionInfo"]["executionStatus"], "OPEN");
    assert_eq!(described["openCounts"]["openChildWorkflowExecutions"], 0);
    let next = world.decision_task().await;
    assert_eq!(
        next["workflowExecution"]["workflowId"], "p",
        "the child's task was dropped"
    );
    let seen = event_types(next["events"].as_array().unwrap());
    assert!(
        seen.contains(&"ChildWorkflowExecutionTimedOut".to_string()),
        "the parent's pending task shows the timeout: {seen:?}"
    );
}

#[tokio::test]
async fn execution_timeout_revokes_started_task() {
    let world = World::new().await;
    let run_id = world
        .start_with("w", json!({"executionStartToCloseTimeout": "1"}))
        .await;
    let task = world.decision_task().await;

    wait_ms(1_300).await;
    let late = world
        .endpoint
        .fails(
            "RespondDecisionTaskCompleted",
            json!({"taskToken": task["taskToken"], "decisions": [decision("CompleteWorkflowExecution", json!({}))]}),
        )
        .await;
    let history = world.history("w", &run_id).await;
    let described = world.describe("w", &run_id).await;

    assert_eq!(late.code(), "UnknownResourceFault");
    assert_eq!(
        event_types(&history),
        [
            "WorkflowExecutionStarted",
            "DecisionTaskScheduled",
            "DecisionTaskStarted",
            "WorkflowExecutionTimedOut"
        ]
    );
    assert_eq!(described["executionInfo"]["closeStatus"], "TIMED_OUT");
    assert_about_one_second(&history[0], &history[3]);
}

#[tokio::test]
async fn execution_timeout_requests_child_cancel() {
    let world = World::new().await;
    world
        .start_with(
            "p",
            json!({"executionStartToCloseTimeout": "1", "childPolicy": "REQUEST_CANCEL"}),
        )
        .await;
    let task = world.decision_task().await;
    world
        .decide(
            &task,
            json!([decision(
                "StartChildWorkflowExecution",
                json!({"workflowType": {"name": WORKFLOW, "version": "1"}, "workflowId": "c"})
            )]),
        )
        .await;
    let child = world.decision_task().await;
    let child_run = child["workflowExecution"]["runId"].as_str().unwrap().to_string();

    wait_ms(1_300).await;
    let child_history = world.history("c", &child_run).await;
    let described = world.describe("c", &child_run).await;

    assert_eq!(
        attributes(&child_history, "WorkflowExecutionCancelRequested"),
        &json!({"cause": "CHILD_POLICY_APPLIED"})
    );
    assert_eq!(described["executionInfo"]["executionStatus"], "OPEN");
    assert_eq!(described["executionInfo"]["cancelRequested"], true);
}

#[tokio::test]
async fn decision_start_to_close_on_sticky_list_reverts() {
    let world = World::new().await;
    let run_id = world.start_with("w", json!({"taskStartToCloseTimeout": "1"})).await;
    let task = world.decision_task().await;
    world
        .endpoint
        .ok("RespondDecisionTaskCompleted", json!({"taskToken": task["taskToken"], "taskList": {"name": "sticky"}, "taskListScheduleToStartTimeout": "60"}))
        .await;
    world
        .ok("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;
    let sticky = world.decision_task_on("sticky").await;

    wait_ms(1_300).await;
    let history = world.history("w", &run_id).await;
    let retry = world.decision_task().await;

    assert_eq!(sticky["workflowExecution"]["runId"], run_id.as_str());
    assert_eq!(
        attributes(&history, "DecisionTaskTimedOut")["timeoutType"],
        "START_TO_CLOSE"
    );
    assert_eq!(
        attributes(&history, "DecisionTaskScheduled")["taskList"],
        json!({"name": DECIDERS}),
        "the task after the timeout goes to the run's own list"
    );
    assert_eq!(retry["workflowExecution"]["runId"], run_id.as_str());
}

#[tokio::test]
async fn timer_fired_during_task_is_unhandled() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world
        .decide(
            &task,
            json!([decision(
                "StartTimer",
                json!({"timerId": "t", "startToFireTimeout": "1"})
            )]),
        )
        .await;
    world
        .ok("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;
    let task = world.decision_task().await;

    wait_ms(1_300).await;
    world
        .decide(
            &task,
            json!([
                decision("CancelTimer", json!({"timerId": "t"})),
                decision("CompleteWorkflowExecution", json!({}))
            ]),
        )
        .await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        &event_types(&history)[8..],
        [
            "TimerFired",
            "DecisionTaskCompleted",
            "CancelTimerFailed",
            "CompleteWorkflowExecutionFailed",
            "DecisionTaskScheduled"
        ]
    );
    assert_eq!(attributes(&history, "CancelTimerFailed")["cause"], "TIMER_ID_UNKNOWN");
    assert_eq!(
        attributes(&history, "CompleteWorkflowExecutionFailed")["cause"],
        "UNHANDLED_DECISION"
    );
}

#[tokio::test]
async fn activity_schedule_to_close_before_start() {
    let world = World::new().await;
    let run_id = run_with_activity(&world, json!({"scheduleToCloseTimeout": "1"})).await;

    wait_ms(1_300).await;
    let history = world.history("w", &run_id).await;
    let described = world.describe("w", &run_id).await;

    assert_eq!(
        attributes(&history, "ActivityTaskTimedOut"),
        &json!({"timeoutType": "SCHEDULE_TO_CLOSE", "scheduledEventId": 5, "startedEventId": 0})
    );
    assert_eq!(described["openCounts"]["openActivityTasks"], 0);
}
