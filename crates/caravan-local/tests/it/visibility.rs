//! Listing and counting executions, and counting pending tasks.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{DECIDERS, WORKERS, World, decision, schedule_activity};

fn workflow_ids(page: &Value) -> Vec<String> {
    page["executionInfos"]
        .as_array()
        .expect("executionInfos")
        .iter()
        .map(|info| info["execution"]["workflowId"].as_str().unwrap().to_string())
        .collect()
}

/// Starts three runs a few milliseconds apart: `a` (tag blue), `b` (type Other), `c` (tag red).
async fn three_runs(world: &World) {
    world.register_workflow_type("Other", "1", json!({})).await;
    world.start_with("a", json!({"tagList": ["blue"]})).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    world
        .start_with("b", json!({"workflowType": {"name": "Other", "version": "1"}}))
        .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    world.start_with("c", json!({"tagList": ["red"]})).await;
}

#[tokio::test]
async fn list_open_sorts_newest_first_and_filters() {
    let world = World::new().await;
    three_runs(&world).await;
    let list = |filter: Value| {
        let mut body = json!({"startTimeFilter": {"oldestDate": 0}});
        crate::support::merge(&mut body, filter);
        body
    };

    let all = world.ok("ListOpenWorkflowExecutions", list(json!({}))).await;
    let oldest_first = world
        .ok("ListOpenWorkflowExecutions", list(json!({"reverseOrder": true})))
        .await;
    let by_type = world
        .ok(
            "ListOpenWorkflowExecutions",
            list(json!({"typeFilter": {"name": "Other"}})),
        )
        .await;
    let by_tag = world
        .ok("ListOpenWorkflowExecutions", list(json!({"tagFilter": {"tag": "red"}})))
        .await;
    let by_id = world
        .ok(
            "ListOpenWorkflowExecutions",
            list(json!({"executionFilter": {"workflowId": "a"}})),
        )
        .await;
    let future = world
        .ok(
            "ListOpenWorkflowExecutions",
            json!({"startTimeFilter": {"oldestDate": 4_000_000_000u64}}),
        )
        .await;

    assert_eq!(workflow_ids(&all), ["c", "b", "a"]);
    assert_eq!(workflow_ids(&oldest_first), ["a", "b", "c"]);
    assert_eq!(workflow_ids(&by_type), ["b"]);
    assert_eq!(workflow_ids(&by_tag), ["c"]);
    assert_eq!(workflow_ids(&by_id), ["a"]);
    assert_eq!(workflow_ids(&future), Vec::<String>::new());
    assert_eq!(all["executionInfos"][2]["tagList"], json!(["blue"]));
    assert_eq!(all["executionInfos"][0]["executionStatus"], "OPEN");
}

#[tokio::test]
async fn list_open_pages() {
    let world = World::new().await;
    three_runs(&world).await;
    let request = json!({"startTimeFilter": {"oldestDate": 0}, "maximumPageSize": 2});

    let first = world.ok("ListOpenWorkflowExecutions", request.clone()).await;
    let mut next = request;
    next["nextPageToken"] = first["nextPageToken"].clone();
    let second = world.ok("ListOpenWorkflowExecutions", next).await;

    assert_eq!(workflow_ids(&first), ["c", "b"]);
    assert_eq!(workflow_ids(&second), ["a"]);
}

#[tokio::test]
async fn list_closed_filters_by_status_and_close_time() {
    let world = World::new().await;
    three_runs(&world).await;
    world.ok("TerminateWorkflowExecution", json!({"workflowId": "a"})).await;
    let task = world.decision_task().await;
    let completed_id = task["workflowExecution"]["workflowId"].as_str().unwrap().to_string();
    world
        .decide(
            &task,
            json!([decision("CompleteWorkflowExecution", json!({"result": "done"}))]),
        )
        .await;

    let by_start = world
        .ok(
            "ListClosedWorkflowExecutions",
            json!({"startTimeFilter": {"oldestDate": 0}}),
        )
        .await;
    let by_close = world
        .ok(
            "ListClosedWorkflowExecutions",
            json!({"closeTimeFilter": {"oldestDate": 0}}),
        )
        .await;
    let terminated = world
        .ok(
            "ListClosedWorkflowExecutions",
            json!({"closeTimeFilter": {"oldestDate": 0}, "closeStatusFilter": {"status": "TERMINATED"}}),
        )
        .await;
    let counted = world
        .ok(
            "CountClosedWorkflowExecutions",
            json!({"closeTimeFilter": {"oldestDate": 0}}),
        )
        .await;
    let open = world
        .ok(
            "CountOpenWorkflowExecutions",
            json!({"startTimeFilter": {"oldestDate": 0}}),
        )
        .await;

    assert_eq!(workflow_ids(&by_start).len(), 2);
    assert_eq!(
        workflow_ids(&by_close)[0],
        completed_id,
        "the latest closed comes first"
    );
    assert_eq!(workflow_ids(&terminated), ["a"]);
    assert_eq!(terminated["executionInfos"][0]["closeStatus"], "TERMINATED");
    assert_eq!(counted, json!({"count": 2}));
    assert_eq!(open, json!({"count": 1}));
}

#[tokio::test]
async fn filter_exclusivity_is_enforced() {
    let world = World::new().await;

    let two_filters = world
        .fails(
            "ListOpenWorkflowExecutions",
            json!({"startTimeFilter": {"oldestDate": 0}, "tagFilter": {"tag": "x"}, "typeFilter": {"name": "y"}}),
        )
        .await;
    let two_times = world
        .fails(
            "ListClosedWorkflowExecutions",
            json!({"startTimeFilter": {"oldestDate": 0}, "closeTimeFilter": {"oldestDate": 0}}),
        )
        .await;
    let no_time = world.fails("CountClosedWorkflowExecutions", json!({})).await;
    let no_start = world.fails("CountOpenWorkflowExecutions", json!({})).await;
    let status_and_tag = world
        .fails("CountClosedWorkflowExecutions", json!({"closeTimeFilter": {"oldestDate": 0}, "closeStatusFilter": {"status": "FAILED"}, "tagFilter": {"tag": "x"}}))
        .await;

    for reply in [two_filters, two_times, no_time, no_start, status_and_tag] {
        assert_eq!(reply.code(), "ValidationException", "{}", reply.body);
    }
}

#[tokio::test]
async fn time_filter_is_inclusive() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let started = world.describe("w", &run_id).await["executionInfo"]["startTimestamp"].clone();

    let exact = world
        .ok(
            "CountOpenWorkflowExecutions",
            json!({"startTimeFilter": {"oldestDate": started, "latestDate": started}}),
        )
        .await;

    assert_eq!(exact["count"], 1);
}

#[tokio::test]
async fn pending_task_counts() {
    let world = World::new().await;
    world.start("a").await;
    world.start("b").await;

    let decisions_before = world
        .ok("CountPendingDecisionTasks", json!({"taskList": {"name": DECIDERS}}))
        .await;
    let task = world.decision_task().await;
    world
        .decide(
            &task,
            json!([schedule_activity("x", json!({})), schedule_activity("y", json!({}))]),
        )
        .await;
    let decisions_after = world
        .ok("CountPendingDecisionTasks", json!({"taskList": {"name": DECIDERS}}))
        .await;
    let activities = world
        .ok("CountPendingActivityTasks", json!({"taskList": {"name": WORKERS}}))
        .await;
    let unknown_list = world
        .ok("CountPendingActivityTasks", json!({"taskList": {"name": "nobody"}}))
        .await;

    assert_eq!(decisions_before, json!({"count": 2}));
    assert_eq!(decisions_after, json!({"count": 1}));
    assert_eq!(activities, json!({"count": 2}));
    assert_eq!(unknown_list, json!({"count": 0}));
}

#[tokio::test]
async fn list_closed_pages_in_both_orders() {
    let world = World::new().await;
    three_runs(&world).await;
    for workflow_id in ["a", "b", "c"] {
        world
            .ok("TerminateWorkflowExecution", json!({"workflowId": workflow_id}))
            .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let newest_first = json!({"closeTimeFilter": {"oldestDate": 0}, "maximumPageSize": 2});
    let oldest_first = json!({"closeTimeFilter": {"oldestDate": 0}, "maximumPageSize": 2, "reverseOrder": true});

    let first = world.ok("ListClosedWorkflowExecutions", newest_first.clone()).await;
    let mut next = newest_first;
    next["nextPageToken"] = first["nextPageToken"].clone();
    let second = world.ok("ListClosedWorkflowExecutions", next).await;
    let reversed = world.ok("ListClosedWorkflowExecutions", oldest_first.clone()).await;
    let mut next = oldest_first;
    next["nextPageToken"] = reversed["nextPageToken"].clone();
    let reversed_second = world.ok("ListClosedWorkflowExecutions", next).await;

    assert_eq!(workflow_ids(&first), ["c", "b"]);
    assert_eq!(workflow_ids(&second), ["a"]);
    assert!(second.get("nextPageToken").is_none());
    assert_eq!(workflow_ids(&reversed), ["a", "b"]);
    assert_eq!(workflow_ids(&reversed_second), ["c"]);
}
