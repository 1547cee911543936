//! RespondDecisionTaskCompleted: each decision type's success and failure events, validation of the
//! whole request, UNHANDLED_DECISION and the scheduling of the next decision task.

use serde_json::{Value, json};

use crate::support::{ACTIVITY, DECIDERS, WORKERS, World, attributes, decision, event_types, schedule_activity};

/// Starts a run on a decision task list of its own, completes its first decision task with `decisions`
/// and returns its run id and history.
async fn decide_once(world: &World, workflow_id: &str, decisions: Value) -> (String, Vec<Value>) {
    let task_list = format!("{workflow_id}-decisions");
    let run_id = world
        .start_with(workflow_id, json!({"taskList": {"name": task_list}}))
        .await;
    let task = world.decision_task_on(&task_list).await;
    world.decide(&task, decisions).await;
    let history = world.history(workflow_id, &run_id).await;
    (run_id, history)
}

/// Returns the event types after the first decision task (events 1 to 4).
fn after_first_task(history: &[Value]) -> Vec<String> {
    event_types(history)[4..].to_vec()
}

#[tokio::test]
async fn decision_task_completed_comes_first() {
    let world = World::new().await;

    let (_, history) = decide_once(
        &world,
        "w",
        json!([decision("RecordMarker", json!({"markerName": "m", "details": "d"}))]),
    )
    .await;

    assert_eq!(
        event_types(&history),
        [
            "WorkflowExecutionStarted",
            "DecisionTaskScheduled",
            "DecisionTaskStarted",
            "DecisionTaskCompleted",
            "MarkerRecorded"
        ]
    );
    assert_eq!(
        attributes(&history, "DecisionTaskStarted"),
        &json!({"identity": "decider-1", "scheduledEventId": 2})
    );
    assert_eq!(
        attributes(&history, "DecisionTaskCompleted"),
        &json!({"scheduledEventId": 2, "startedEventId": 3})
    );
    assert_eq!(
        attributes(&history, "MarkerRecorded"),
        &json!({"markerName": "m", "details": "d", "decisionTaskCompletedEventId": 4}),
        "markers need no decision task"
    );
}

#[tokio::test]
async fn schedule_activity_records_resolved_settings() {
    let world = World::new().await;

    let (_, history) = decide_once(
        &world,
        "w",
        json!([schedule_activity(
            "a1",
            json!({"input": "in", "control": "c", "startToCloseTimeout": "30", "taskPriority": "5"})
        )]),
    )
    .await;

    assert_eq!(
        attributes(&history, "ActivityTaskScheduled"),
        &json!({
            "activityType": {"name": ACTIVITY, "version": "1"}, "activityId": "a1", "input": "in", "control": "c",
            "scheduleToStartTimeout": "NONE", "scheduleToCloseTimeout": "NONE", "startToCloseTimeout": "30",
            "heartbeatTimeout": "NONE", "taskList": {"name": WORKERS}, "taskPriority": "5",
            "decisionTaskCompletedEventId": 4,
        })
    );
}

#[tokio::test]
async fn schedule_activity_failure_causes() {
    let world = World::new().await;
    world
        .ok("RegisterActivityType", json!({"name": "Bare", "version": "1"}))
        .await;
    world
        .ok("RegisterActivityType", json!({"name": "Old", "version": "1"}))
        .await;
    world
        .ok(
            "DeprecateActivityType",
            json!({"activityType": {"name": "Old", "version": "1"}}),
        )
        .await;
    let bare = |id: &str, extra: Value| {
        let mut attributes = json!({"activityType": {"name": "Bare", "version": "1"}, "activityId": id});
        crate::support::merge(&mut attributes, extra);
        decision("ScheduleActivityTask", attributes)
    };
    let all = json!({"taskList": {"name": "t"}, "scheduleToStartTimeout": "NONE", "scheduleToCloseTimeout": "NONE", "startToCloseTimeout": "NONE"});

    let (_, history) = decide_once(
        &world,
        "w",
        json!([
            decision(
                "ScheduleActivityTask",
                json!({"activityType": {"name": "Missing", "version": "1"}, "activityId": "m"})
            ),
            decision(
                "ScheduleActivityTask",
                json!({"activityType": {"name": "Old", "version": "1"}, "activityId": "o"})
            ),
            schedule_activity("dup", json!({})),
            schedule_activity("dup", json!({})),
            bare("no-list", json!({})),
            bare("no-s2s", json!({"taskList": {"name": "t"}})),
            bare(
                "no-s2c",
                json!({"taskList": {"name": "t"}, "scheduleToStartTimeout": "NONE"})
            ),
            bare(
                "no-s2close",
                json!({"taskList": {"name": "t"}, "scheduleToStartTimeout": "NONE", "scheduleToCloseTimeout": "NONE"})
            ),
            bare("no-heartbeat", all),
        ]),
    )
    .await;

    let causes: Vec<(&str, &str)> = history
        .iter()
        .filter(|event| event["eventType"] == "ScheduleActivityTaskFailed")
        .map(|event| {
            let failed = &event["scheduleActivityTaskFailedEventAttributes"];
            (
                failed["activityId"].as_str().unwrap(),
                failed["cause"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        causes,
        [
            ("m", "ACTIVITY_TYPE_DOES_NOT_EXIST"),
            ("o", "ACTIVITY_TYPE_DEPRECATED"),
            ("dup", "ACTIVITY_ID_ALREADY_IN_USE"),
            ("no-list", "DEFAULT_TASK_LIST_UNDEFINED"),
            ("no-s2s", "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED"),
            ("no-s2c", "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED"),
            ("no-s2close", "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED"),
            ("no-heartbeat", "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED"),
        ]
    );
    assert_eq!(
        history.last().unwrap()["eventType"],
        "DecisionTaskScheduled",
        "failures need the decider"
    );
}

#[tokio::test]
async fn open_activities_limit_is_1000() {
    let world = World::new().await;
    let decisions: Vec<Value> = (0..1001)
        .map(|index| schedule_activity(&format!("a{index}"), json!({})))
        .collect();

    let (_, history) = decide_once(&world, "w", json!(decisions)).await;

    let failed = attributes(&history, "ScheduleActivityTaskFailed");
    assert_eq!(failed["activityId"], "a1000");
    assert_eq!(failed["cause"], "OPEN_ACTIVITIES_LIMIT_EXCEEDED");
}

#[tokio::test]
async fn cancel_of_unstarted_activity_is_immediate() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world.decide(&task, json!([schedule_activity("a1", json!({}))])).await;
    let pending = world
        .ok("CountPendingDecisionTasks", json!({"taskList": {"name": DECIDERS}}))
        .await;
    assert_eq!(pending["count"], 0, "scheduling an activity needs no decision task");
    world
        .ok("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;
    let task = world.decision_task().await;

    world
        .decide(
            &task,
            json!([
                decision("RequestCancelActivityTask", json!({"activityId": "a1"})),
                decision("RequestCancelActivityTask", json!({"activityId": "zz"}))
            ]),
        )
        .await;
    let history = world.history("w", &run_id).await;
    let pending = world
        .ok("CountPendingActivityTasks", json!({"taskList": {"name": WORKERS}}))
        .await;

    let requested = crate::support::last_event(&history, "ActivityTaskCancelRequested")["eventId"].clone();
    assert_eq!(
        attributes(&history, "ActivityTaskCanceled"),
        &json!({"scheduledEventId": 5, "startedEventId": 0, "latestCancelRequestedEventId": requested})
    );
    assert_eq!(
        attributes(&history, "RequestCancelActivityTaskFailed"),
        &json!({"activityId": "zz", "cause": "ACTIVITY_ID_UNKNOWN", "decisionTaskCompletedEventId": 9})
    );
    assert_eq!(pending["count"], 0);
}

#[tokio::test]
async fn closing_decisions_close_the_run() {
    let world = World::new().await;
    let cases = [
        (
            "complete",
            decision("CompleteWorkflowExecution", json!({"result": "r"})),
            "COMPLETED",
            "WorkflowExecutionCompleted",
            json!({"result": "r", "decisionTaskCompletedEventId": 4}),
        ),
        (
            "fail",
            decision("FailWorkflowExecution", json!({"reason": "why", "details": "d"})),
            "FAILED",
            "WorkflowExecutionFailed",
            json!({"reason": "why", "details": "d", "decisionTaskCompletedEventId": 4}),
        ),
        (
            "cancel",
            json!({"decisionType": "CancelWorkflowExecution"}),
            "CANCELED",
            "WorkflowExecutionCanceled",
            json!({"decisionTaskCompletedEventId": 4}),
        ),
    ];

    for (workflow_id, closing, status, event_type, expected) in cases {
        let (run_id, history) = decide_once(&world, workflow_id, json!([closing])).await;
        let described = world.describe(workflow_id, &run_id).await;

        assert_eq!(history.last().unwrap()["eventType"], event_type);
        assert_eq!(attributes(&history, event_type), &expected);
        assert_eq!(described["executionInfo"]["closeStatus"], status);
    }
}

#[tokio::test]
async fn closing_decision_must_be_last() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    let decisions = json!([
        decision("CompleteWorkflowExecution", json!({})),
        decision("RecordMarker", json!({"markerName": "m"}))
    ]);

    let refused = world
        .endpoint
        .fails(
            "RespondDecisionTaskCompleted",
            json!({"taskToken": task["taskToken"], "decisions": decisions}),
        )
        .await;
    world
        .decide(&task, json!([decision("CompleteWorkflowExecution", json!({}))]))
        .await;

    assert_eq!(refused.code(), "ValidationException");
    assert!(
        refused.message().contains("'decisions.1.member.decisionType'"),
        "{}",
        refused.message()
    );
    let history = world.history("w", &run_id).await;
    assert_eq!(
        history.last().unwrap()["eventType"],
        "WorkflowExecutionCompleted",
        "the task stayed started"
    );
}

#[tokio::test]
async fn invalid_decision_rejects_whole_response() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    let decisions = json!([
        decision("RecordMarker", json!({"markerName": "m"})),
        decision("StartTimer", json!({"startToFireTimeout": "5"})),
    ]);

    let refused = world
        .endpoint
        .fails(
            "RespondDecisionTaskCompleted",
            json!({"taskToken": task["taskToken"], "decisions": decisions}),
        )
        .await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        refused.message(),
        "1 validation error detected: Value null at 'decisions.2.member.startTimerDecisionAttributes.timerId' \
         failed to satisfy constraint: Member must not be null"
    );
    assert_eq!(history.len(), 3, "nothing was recorded");
}

#[tokio::test]
async fn closing_decision_raced_by_signal_is_unhandled() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world
        .ok(
            "SignalWorkflowExecution",
            json!({"workflowId": "w", "signalName": "late"}),
        )
        .await;

    world
        .decide(
            &task,
            json!([
                decision("RecordMarker", json!({"markerName": "m"})),
                decision("CompleteWorkflowExecution", json!({"result": "r"}))
            ]),
        )
        .await;
    let history = world.history("w", &run_id).await;
    let described = world.describe("w", &run_id).await;

    assert_eq!(
        event_types(&history),
        [
            "WorkflowExecutionStarted",
            "DecisionTaskScheduled",
            "DecisionTaskStarted",
            "WorkflowExecutionSignaled",
            "DecisionTaskCompleted",
            "MarkerRecorded",
            "CompleteWorkflowExecutionFailed",
            "DecisionTaskScheduled",
        ]
    );
    assert_eq!(
        attributes(&history, "CompleteWorkflowExecutionFailed"),
        &json!({"cause": "UNHANDLED_DECISION", "decisionTaskCompletedEventId": 5})
    );
    assert_eq!(described["executionInfo"]["executionStatus"], "OPEN");
}

#[tokio::test]
async fn events_during_a_task_are_batched() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world
        .ok(
            "SignalWorkflowExecution",
            json!({"workflowId": "w", "signalName": "one"}),
        )
        .await;
    world
        .ok(
            "SignalWorkflowExecution",
            json!({"workflowId": "w", "signalName": "two"}),
        )
        .await;

    world.decide(&task, json!([])).await;
    let next = world.decision_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        &event_types(&history)[3..],
        [
            "WorkflowExecutionSignaled",
            "WorkflowExecutionSignaled",
            "DecisionTaskCompleted",
            "DecisionTaskScheduled",
            "DecisionTaskStarted"
        ]
    );
    assert_eq!(next["previousStartedEventId"], 3);
    assert_eq!(next["startedEventId"], 8);
}

#[tokio::test]
async fn timers_start_cancel_and_fail() {
    let world = World::new().await;

    let (_, history) = decide_once(
        &world,
        "w",
        json!([
            decision(
                "StartTimer",
                json!({"timerId": "t1", "startToFireTimeout": "600", "control": "c"})
            ),
            decision("StartTimer", json!({"timerId": "t1", "startToFireTimeout": "600"})),
            decision("CancelTimer", json!({"timerId": "t1"})),
            decision("CancelTimer", json!({"timerId": "t1"})),
            decision("StartTimer", json!({"timerId": "t1", "startToFireTimeout": "600"})),
        ]),
    )
    .await;

    assert_eq!(
        after_first_task(&history),
        [
            "TimerStarted",
            "StartTimerFailed",
            "TimerCanceled",
            "CancelTimerFailed",
            "TimerStarted",
            "DecisionTaskScheduled"
        ]
    );
    assert_eq!(
        history[4]["timerStartedEventAttributes"],
        json!({"timerId": "t1", "control": "c", "startToFireTimeout": "600", "decisionTaskCompletedEventId": 4})
    );
    assert_eq!(
        history[5]["startTimerFailedEventAttributes"]["cause"],
        "TIMER_ID_ALREADY_IN_USE"
    );
    assert_eq!(
        history[6]["timerCanceledEventAttributes"],
        json!({"timerId": "t1", "startedEventId": 5, "decisionTaskCompletedEventId": 4})
    );
    assert_eq!(
        history[7]["cancelTimerFailedEventAttributes"]["cause"],
        "TIMER_ID_UNKNOWN"
    );
}

#[tokio::test]
async fn signal_external_reaches_target() {
    let world = World::new().await;
    let target_run = world.start("target").await;
    let target_task = world.decision_task().await;
    world.decide(&target_task, json!([])).await;

    let (source_run, history) = decide_once(
        &world,
        "source",
        json!([
            decision(
                "SignalExternalWorkflowExecution",
                json!({"workflowId": "target", "signalName": "hello", "input": "i", "control": "c"})
            ),
            decision(
                "SignalExternalWorkflowExecution",
                json!({"workflowId": "nobody", "signalName": "hello"})
            ),
        ]),
    )
    .await;
    let target_history = world.history("target", &target_run).await;

    assert_eq!(
        after_first_task(&history),
        [
            "SignalExternalWorkflowExecutionInitiated",
            "ExternalWorkflowExecutionSignaled",
            "SignalExternalWorkflowExecutionInitiated",
            "SignalExternalWorkflowExecutionFailed",
            "DecisionTaskScheduled",
        ]
    );
    assert_eq!(
        attributes(&history, "ExternalWorkflowExecutionSignaled"),
        &json!({"workflowExecution": {"workflowId": "target", "runId": target_run}, "initiatedEventId": 5})
    );
    assert_eq!(
        attributes(&history, "SignalExternalWorkflowExecutionFailed"),
        &json!({"workflowId": "nobody", "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION", "initiatedEventId": 7, "decisionTaskCompletedEventId": 4})
    );
    assert_eq!(
        attributes(&target_history, "WorkflowExecutionSignaled"),
        &json!({"signalName": "hello", "input": "i", "externalWorkflowExecution": {"workflowId": "source", "runId": source_run}, "externalInitiatedEventId": 5})
    );
    assert_eq!(target_history.last().unwrap()["eventType"], "DecisionTaskScheduled");
}

#[tokio::test]
async fn request_cancel_external_reaches_target() {
    let world = World::new().await;
    let target_run = world.start("target").await;

    let (source_run, history) = decide_once(
        &world,
        "source",
        json!([
            decision(
                "RequestCancelExternalWorkflowExecution",
                json!({"workflowId": "target", "runId": target_run, "control": "c"})
            ),
            decision(
                "RequestCancelExternalWorkflowExecution",
                json!({"workflowId": "target", "runId": "stale"})
            ),
        ]),
    )
    .await;
    let target_history = world.history("target", &target_run).await;
    let target = world.describe("target", &target_run).await;

    assert_eq!(
        after_first_task(&history),
        [
            "RequestCancelExternalWorkflowExecutionInitiated",
            "ExternalWorkflowExecutionCancelRequested",
            "RequestCancelExternalWorkflowExecutionInitiated",
            "RequestCancelExternalWorkflowExecutionFailed",
            "DecisionTaskScheduled",
        ]
    );
    assert_eq!(
        attributes(&history, "RequestCancelExternalWorkflowExecutionFailed")["cause"],
        "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION"
    );
    assert_eq!(
        attributes(&target_history, "WorkflowExecutionCancelRequested"),
        &json!({"externalWorkflowExecution": {"workflowId": "source", "runId": source_run}, "externalInitiatedEventId": 5})
    );
    assert_eq!(target["executionInfo"]["cancelRequested"], true);
}

#[tokio::test]
async fn continue_as_new_starts_next_run() {
    let world = World::new().await;
    world
        .register_workflow_type(crate::support::WORKFLOW, "2", json!({}))
        .await;

    let (old_run, history) = decide_once(
        &world,
        "w",
        json!([decision(
            "ContinueAsNewWorkflowExecution",
            json!({"input": "next", "workflowTypeVersion": "2", "tagList": ["t"]})
        )]),
    )
    .await;
    let continued = attributes(&history, "WorkflowExecutionContinuedAsNew");
    let new_run = continued["newExecutionRunId"]
        .as_str()
        .expect("newExecutionRunId")
        .to_string();
    let new_history = world.history("w", &new_run).await;
    let old = world.describe("w", &old_run).await;
    let task = world.decision_task().await;

    assert_eq!(continued["workflowType"], json!({"name": "Order", "version": "2"}));
    assert_eq!(continued["taskList"], json!({"name": DECIDERS}));
    assert_eq!(continued["childPolicy"], "TERMINATE");
    assert_eq!(old["executionInfo"]["closeStatus"], "CONTINUED_AS_NEW");
    assert_eq!(
        event_types(&new_history),
        ["WorkflowExecutionStarted", "DecisionTaskScheduled"]
    );
    let started = attributes(&new_history, "WorkflowExecutionStarted");
    assert_eq!(started["continuedExecutionRunId"], old_run.as_str());
    assert_eq!(started["input"], "next");
    assert_eq!(started["tagList"], json!(["t"]));
    assert_eq!(task["workflowExecution"]["runId"], new_run.as_str());
    assert_eq!(task["workflowExecution"]["workflowId"], "w");
    assert_eq!(task["previousStartedEventId"], 0);
    let new = world.describe("w", &new_run).await;
    assert_eq!(new["executionInfo"]["executionStatus"], "OPEN");
    assert_ne!(new_run, old_run);
}

#[tokio::test]
async fn continue_as_new_failure_causes() {
    let world = World::new().await;
    world
        .ok(
            "RegisterWorkflowType",
            json!({"name": crate::support::WORKFLOW, "version": "bare"}),
        )
        .await;
    world
        .register_workflow_type(crate::support::WORKFLOW, "old", json!({}))
        .await;
    world
        .ok(
            "DeprecateWorkflowType",
            json!({"workflowType": {"name": crate::support::WORKFLOW, "version": "old"}}),
        )
        .await;
    let cases = [
        (
            "missing",
            json!({"workflowTypeVersion": "9"}),
            "WORKFLOW_TYPE_DOES_NOT_EXIST",
        ),
        (
            "deprecated",
            json!({"workflowTypeVersion": "old"}),
            "WORKFLOW_TYPE_DEPRECATED",
        ),
        (
            "no-list",
            json!({"workflowTypeVersion": "bare"}),
            "DEFAULT_TASK_LIST_UNDEFINED",
        ),
        (
            "no-timeout",
            json!({"workflowTypeVersion": "bare", "taskList": {"name": "t"}}),
            "DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        ),
        (
            "no-task-timeout",
            json!({"workflowTypeVersion": "bare", "taskList": {"name": "t"}, "executionStartToCloseTimeout": "60"}),
            "DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        ),
        (
            "no-policy",
            json!({"workflowTypeVersion": "bare", "taskList": {"name": "t"}, "executionStartToCloseTimeout": "60", "taskStartToCloseTimeout": "60"}),
            "DEFAULT_CHILD_POLICY_UNDEFINED",
        ),
    ];

    for (workflow_id, attributes_json, cause) in cases {
        let (run_id, history) = decide_once(
            &world,
            workflow_id,
            json!([decision("ContinueAsNewWorkflowExecution", attributes_json)]),
        )
        .await;
        let described = world.describe(workflow_id, &run_id).await;

        assert_eq!(
            attributes(&history, "ContinueAsNewWorkflowExecutionFailed")["cause"],
            cause,
            "{workflow_id}"
        );
        assert_eq!(described["executionInfo"]["executionStatus"], "OPEN", "{workflow_id}");
    }
}

#[tokio::test]
async fn stale_and_unknown_tokens_are_unknown_resources() {
    let world = World::new().await;
    world.start("w").await;
    let task = world.decision_task().await;
    world.decide(&task, json!([])).await;

    let stale = world
        .endpoint
        .fails("RespondDecisionTaskCompleted", json!({"taskToken": task["taskToken"]}))
        .await;
    let garbage = world
        .endpoint
        .fails("RespondDecisionTaskCompleted", json!({"taskToken": "not-a-token"}))
        .await;

    assert_eq!(stale.code(), "UnknownResourceFault");
    assert_eq!(garbage.code(), "UnknownResourceFault");
}

#[tokio::test]
async fn task_list_override_moves_later_tasks() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world
        .endpoint
        .ok(
            "RespondDecisionTaskCompleted",
            json!({"taskToken": task["taskToken"], "taskList": {"name": "moved"}}),
        )
        .await;
    world
        .ok("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;

    let moved = world.decision_task_on("moved").await;
    let history = world.history("w", &run_id).await;
    let described = world.describe("w", &run_id).await;

    assert_eq!(moved["workflowExecution"]["runId"], run_id.as_str());
    assert_eq!(
        attributes(&history, "DecisionTaskCompleted")["taskList"],
        json!({"name": "moved"})
    );
    assert_eq!(
        attributes(&history, "DecisionTaskScheduled")["taskList"],
        json!({"name": "moved"})
    );
    assert_eq!(
        described["executionConfiguration"]["taskList"],
        json!({"name": "moved"})
    );
}

#[tokio::test]
async fn start_at_previous_started_event_skips_old_events() {
    let world = World::new().await;
    world.start("w").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let task = world.decision_task().await;
    world
        .decide(&task, json!([decision("RecordMarker", json!({"markerName": "m"}))]))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    world
        .ok("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;

    let task = world
        .ok(
            "PollForDecisionTask",
            json!({"taskList": {"name": DECIDERS}, "startAtPreviousStartedEvent": true}),
        )
        .await;

    assert_eq!(
        task["events"][0]["eventId"], 3,
        "history starts at the previous DecisionTaskStarted"
    );
    assert_eq!(task["previousStartedEventId"], 3);
    assert_eq!(
        task["events"].as_array().unwrap().last().unwrap()["eventType"],
        "DecisionTaskStarted"
    );
}

#[tokio::test]
async fn every_closing_decision_raced_is_unhandled() {
    let world = World::new().await;
    let cases = [
        (
            "fail",
            decision("FailWorkflowExecution", json!({"reason": "r"})),
            "FailWorkflowExecutionFailed",
        ),
        (
            "cancel",
            decision("CancelWorkflowExecution", json!({"details": "d"})),
            "CancelWorkflowExecutionFailed",
        ),
        (
            "continue",
            decision("ContinueAsNewWorkflowExecution", json!({"input": "next"})),
            "ContinueAsNewWorkflowExecutionFailed",
        ),
    ];

    for (workflow_id, closing, failed_type) in cases {
        let run_id = world.start(workflow_id).await;
        let task = world.decision_task().await;
        world
            .ok(
                "SignalWorkflowExecution",
                json!({"workflowId": workflow_id, "signalName": "late"}),
            )
            .await;
        world.decide(&task, json!([closing])).await;
        let history = world.history(workflow_id, &run_id).await;
        let described = world.describe(workflow_id, &run_id).await;
        let next = world.decision_task().await;

        assert_eq!(
            attributes(&history, failed_type),
            &json!({"cause": "UNHANDLED_DECISION", "decisionTaskCompletedEventId": 5}),
            "{workflow_id}"
        );
        assert_eq!(described["executionInfo"]["executionStatus"], "OPEN", "{workflow_id}");
        assert_eq!(
            history.last().unwrap()["eventType"],
            "DecisionTaskScheduled",
            "{workflow_id}"
        );
        assert_eq!(next["workflowExecution"]["runId"], run_id.as_str(), "{workflow_id}");
        world
            .decide(&next, json!([decision("CompleteWorkflowExecution", json!({}))]))
            .await;
        let closed = world.describe(workflow_id, &run_id).await;
        assert_eq!(
            closed["executionInfo"]["closeStatus"], "COMPLETED",
            "{workflow_id}: the next task may close"
        );
    }
}

#[tokio::test]
async fn open_timers_limit_is_1000() {
    let world = World::new().await;
    let decisions: Vec<Value> = (0..1001)
        .map(|index| {
            decision(
                "StartTimer",
                json!({"timerId": format!("t{index}"), "startToFireTimeout": "600"}),
            )
        })
        .collect();

    let (run_id, history) = decide_once(&world, "w", json!(decisions)).await;
    let described = world.describe("w", &run_id).await;

    assert_eq!(
        attributes(&history, "StartTimerFailed"),
        &json!({"timerId": "t1000", "cause": "OPEN_TIMERS_LIMIT_EXCEEDED", "decisionTaskCompletedEventId": 4})
    );
    assert_eq!(described["openCounts"]["openTimers"], 1000);
    assert_eq!(history.last().unwrap()["eventType"], "DecisionTaskScheduled");
}

#[tokio::test]
async fn external_decisions_to_closed_run_fail() {
    let world = World::new().await;
    let target_run = world.start("target").await;
    world
        .ok("TerminateWorkflowExecution", json!({"workflowId": "target"}))
        .await;

    let (_, history) = decide_once(
        &world,
        "source",
        json!([
            decision(
                "SignalExternalWorkflowExecution",
                json!({"workflowId": "target", "runId": target_run, "signalName": "s", "control": "c"})
            ),
            decision(
                "RequestCancelExternalWorkflowExecution",
                json!({"workflowId": "target", "control": "c"})
            ),
        ]),
    )
    .await;

    assert_eq!(
        attributes(&history, "SignalExternalWorkflowExecutionFailed"),
        &json!({"workflowId": "target", "runId": target_run, "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION",
                "initiatedEventId": 5, "decisionTaskCompletedEventId": 4, "control": "c"})
    );
    assert_eq!(
        attributes(&history, "RequestCancelExternalWorkflowExecutionFailed"),
        &json!({"workflowId": "target", "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION",
                "initiatedEventId": 7, "decisionTaskCompletedEventId": 4, "control": "c"})
    );
    assert_eq!(history.last().unwrap()["eventType"], "DecisionTaskScheduled");
}

#[tokio::test]
async fn request_cancel_of_closed_activity_fails() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    world.decide(&task, json!([schedule_activity("a1", json!({}))])).await;
    let activity = world.activity_task().await;
    world
        .endpoint
        .ok(
            "RespondActivityTaskCompleted",
            json!({"taskToken": activity["taskToken"]}),
        )
        .await;
    let task = world.decision_task().await;

    world
        .decide(
            &task,
            json!([decision("RequestCancelActivityTask", json!({"activityId": "a1"}))]),
        )
        .await;
    let history = world.history("w", &run_id).await;

    let failed = attributes(&history, "RequestCancelActivityTaskFailed");
    assert_eq!(failed["activityId"], "a1");
    assert_eq!(failed["cause"], "ACTIVITY_ID_UNKNOWN");
    assert!(
        !event_types(&history).contains(&"ActivityTaskCancelRequested".to_string()),
        "a closed activity gets no cancel request"
    );
}
