//! Long histories: paging through GetWorkflowExecutionHistory and PollForDecisionTask, and the
//! 25,000-event limit.

use serde_json::{Value, json};

use crate::support::{DECIDERS, World, attributes, decision};

fn event_ids(page: &Value) -> Vec<i64> {
    page["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| event["eventId"].as_i64().unwrap())
        .collect()
}

/// Builds a run with more than 2,500 events and a pending decision task: 2,499 markers and a failing
/// CancelTimer, which requests the next task.
async fn long_run(world: &World) -> String {
    let run_id = world.start("long").await;
    let task = world.decision_task().await;
    let mut decisions: Vec<Value> = (0..2_499)
        .map(|index| decision("RecordMarker", json!({"markerName": format!("m{index}")})))
        .collect();
    decisions.push(decision("CancelTimer", json!({"timerId": "none"})));
    world.decide(&task, json!(decisions)).await;
    run_id
}

#[tokio::test]
async fn history_of_2500_events_pages_by_1000() {
    let world = World::new().await;
    let run_id = long_run(&world).await;
    let request = json!({"execution": {"workflowId": "long", "runId": run_id}});

    let first = world.ok("GetWorkflowExecutionHistory", request.clone()).await;
    let mut next = request.clone();
    next["nextPageToken"] = first["nextPageToken"].clone();
    let second = world.ok("GetWorkflowExecutionHistory", next.clone()).await;
    next["nextPageToken"] = second["nextPageToken"].clone();
    let third = world.ok("GetWorkflowExecutionHistory", next).await;
    let all = world.history("long", &run_id).await;

    assert_eq!(event_ids(&first), (1..=1000).collect::<Vec<_>>());
    assert_eq!(event_ids(&second), (1001..=2000).collect::<Vec<_>>());
    assert_eq!(event_ids(&third), (2001..=2505).collect::<Vec<_>>());
    assert!(third.get("nextPageToken").is_none());
    assert_eq!(all.len(), 2505);
    assert!(first["nextPageToken"].as_str().unwrap().len() <= 2048);
}

#[tokio::test]
async fn history_reverse_pages_walk_down() {
    let world = World::new().await;
    let run_id = long_run(&world).await;
    let request =
        json!({"execution": {"workflowId": "long", "runId": run_id}, "reverseOrder": true, "maximumPageSize": 1000});

    let first = world.ok("GetWorkflowExecutionHistory", request.clone()).await;
    let mut next = request;
    next["nextPageToken"] = first["nextPageToken"].clone();
    let second = world.ok("GetWorkflowExecutionHistory", next).await;

    assert_eq!(event_ids(&first), (1506..=2505).rev().collect::<Vec<_>>());
    assert_eq!(event_ids(&second), (506..=1505).rev().collect::<Vec<_>>());
}

#[tokio::test]
async fn decision_task_pages_return_the_same_task() {
    let world = World::new().await;
    long_run(&world).await;
    let poll = json!({"domain": crate::support::DOMAIN, "taskList": {"name": DECIDERS}, "identity": "decider-1"});

    let first = world.endpoint.ok("PollForDecisionTask", poll.clone()).await;
    let mut pages = vec![first.clone()];
    while let Some(token) = pages.last().unwrap()["nextPageToken"].as_str().map(str::to_string) {
        let mut next = poll.clone();
        next["nextPageToken"] = json!(token);
        pages.push(world.endpoint.ok("PollForDecisionTask", next).await);
    }
    let pending = world
        .ok("CountPendingDecisionTasks", json!({"taskList": {"name": DECIDERS}}))
        .await;

    assert_eq!(pages.len(), 3);
    let ids: Vec<i64> = pages.iter().flat_map(event_ids).collect();
    assert_eq!(ids, (1..=2506).collect::<Vec<_>>());
    for page in &pages {
        assert_eq!(page["taskToken"], first["taskToken"]);
        assert_eq!(page["startedEventId"], 2506);
        assert_eq!(page["previousStartedEventId"], 3);
        assert_eq!(page["workflowExecution"], first["workflowExecution"]);
    }
    assert_eq!(pending["count"], 0, "following pages started no other task");
    let last_page = pages.last().unwrap()["events"].as_array().unwrap();
    assert_eq!(last_page.last().unwrap()["eventType"], "DecisionTaskStarted");
}

#[tokio::test]
async fn decision_task_page_token_is_bound_to_poll() {
    let world = World::new().await;
    long_run(&world).await;
    let first = world
        .ok("PollForDecisionTask", json!({"taskList": {"name": DECIDERS}}))
        .await;
    let token = first["nextPageToken"].clone();

    let other_list = world
        .fails(
            "PollForDecisionTask",
            json!({"taskList": {"name": "other"}, "nextPageToken": token}),
        )
        .await;
    let in_history = world
        .fails(
            "GetWorkflowExecutionHistory",
            json!({"execution": first["workflowExecution"], "nextPageToken": token}),
        )
        .await;

    assert_eq!(other_list.code(), "ValidationException");
    assert_eq!(in_history.code(), "ValidationException");
}

#[tokio::test]
async fn history_limit_terminates_the_run() {
    let world = World::new().await;
    let run_id = world.start("big").await;
    let failing_cancels: Vec<Value> = (0..1000)
        .map(|index| decision("CancelTimer", json!({"timerId": format!("t{index}")})))
        .collect();

    for _ in 0..30 {
        let task = world
            .ok(
                "PollForDecisionTask",
                json!({"taskList": {"name": DECIDERS}, "reverseOrder": true, "maximumPageSize": 1}),
            )
            .await;
        if task.get("taskToken").is_none() {
            break;
        }
        world.decide(&task, json!(failing_cancels)).await;
    }
    let described = world.describe("big", &run_id).await;
    let history = world.history("big", &run_id).await;

    assert_eq!(described["executionInfo"]["closeStatus"], "TERMINATED");
    assert_eq!(
        attributes(&history, "WorkflowExecutionTerminated"),
        &json!({"childPolicy": "TERMINATE", "cause": "EVENT_LIMIT_EXCEEDED"})
    );
    assert_eq!(history.len(), 25_000);
    assert_eq!(history.last().unwrap()["eventType"], "WorkflowExecutionTerminated");
}

/// Polls the long run's decision task with `poll` and follows its page tokens; returns every page.
async fn decision_task_pages(world: &World, poll: Value) -> Vec<Value> {
    let mut pages = vec![world.ok("PollForDecisionTask", poll.clone()).await];
    while let Some(token) = pages.last().unwrap()["nextPageToken"].as_str().map(str::to_string) {
        let mut next = poll.clone();
        next["nextPageToken"] = json!(token);
        pages.push(world.ok("PollForDecisionTask", next).await);
    }
    pages
}

#[tokio::test]
async fn decision_task_reverse_pages_start_at_started() {
    let world = World::new().await;
    long_run(&world).await;

    let pages = decision_task_pages(
        &world,
        json!({"taskList": {"name": DECIDERS}, "reverseOrder": true, "maximumPageSize": 1000}),
    )
    .await;

    let sizes: Vec<usize> = pages.iter().map(|page| event_ids(page).len()).collect();
    assert_eq!(sizes, [1000, 1000, 506]);
    let ids: Vec<i64> = pages.iter().flat_map(event_ids).collect();
    assert_eq!(ids, (1..=2506).rev().collect::<Vec<_>>());
    assert_eq!(pages[0]["events"][0]["eventType"], "DecisionTaskStarted");
    for page in &pages {
        assert_eq!(page["taskToken"], pages[0]["taskToken"]);
        assert_eq!(page["startedEventId"], 2506);
    }
}

#[tokio::test]
async fn small_history_pages_reach_the_end() {
    let world = World::new().await;
    let run_id = long_run(&world).await;
    let request = json!({"execution": {"workflowId": "long", "runId": run_id}, "maximumPageSize": 7});

    let mut pages = vec![world.ok("GetWorkflowExecutionHistory", request.clone()).await];
    while let Some(token) = pages.last().unwrap()["nextPageToken"].as_str().map(str::to_string) {
        let mut next = request.clone();
        next["nextPageToken"] = json!(token);
        pages.push(world.ok("GetWorkflowExecutionHistory", next).await);
    }

    assert_eq!(pages.len(), 2505_usize.div_ceil(7));
    assert!(pages.iter().all(|page| event_ids(page).len() <= 7));
    let ids: Vec<i64> = pages.iter().flat_map(event_ids).collect();
    assert_eq!(ids, (1..=2505).collect::<Vec<_>>());
}

#[tokio::test]
async fn page_size_zero_and_over_1000() {
    let world = World::new().await;
    let run_id = long_run(&world).await;
    let execution = json!({"workflowId": "long", "runId": run_id});

    let zero = world
        .ok(
            "GetWorkflowExecutionHistory",
            json!({"execution": execution, "maximumPageSize": 0}),
        )
        .await;
    let too_large = world
        .fails(
            "GetWorkflowExecutionHistory",
            json!({"execution": execution, "maximumPageSize": 1001}),
        )
        .await;
    let too_large_poll = world
        .fails(
            "PollForDecisionTask",
            json!({"taskList": {"name": DECIDERS}, "maximumPageSize": 1001}),
        )
        .await;

    assert_eq!(event_ids(&zero).len(), 1000);
    assert!(zero["nextPageToken"].is_string());
    assert_eq!(too_large.code(), "ValidationException");
    assert!(
        too_large.message().contains("at 'maximumPageSize'"),
        "{}",
        too_large.message()
    );
    assert_eq!(too_large_poll.code(), "ValidationException");
}
