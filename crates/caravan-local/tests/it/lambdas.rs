//! Lambda functions: commands run for ScheduleLambdaFunction, their results, failures and timeouts,
//! the decision's failure causes, and the kill when the execution closes or the endpoint stops.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use caravan_local::Settings;
use serde_json::{Value, json};

use crate::support::{Endpoint, World, attributes, decision, event_types};

const ROLE: &str = "arn:aws:iam::000000000000:role/swf-lambda";

/// Starts a world whose endpoint runs the given functions, each a name and a shell command.
async fn world_with(functions: &[(&str, &str)]) -> World {
    let lambda_functions: BTreeMap<String, String> = functions
        .iter()
        .map(|(name, command)| (name.to_string(), command.to_string()))
        .collect();
    let settings = Settings {
        poll_window: Duration::from_secs(5),
        lambda_functions,
        ..Settings::default()
    };
    World::with_endpoint(Endpoint::start_with_settings(settings).await).await
}

/// Starts a run with the Lambda role, completes its first decision task with `decisions` and
/// returns the run id.
async fn start_and_decide(world: &World, workflow_id: &str, decisions: Value) -> String {
    let run_id = world.start_with(workflow_id, json!({"lambdaRole": ROLE})).await;
    let task = world.decision_task().await;
    world.decide(&task, decisions).await;
    run_id
}

fn schedule(id: &str, name: &str, extra: Value) -> Value {
    let mut attributes = json!({"id": id, "name": name});
    crate::support::merge(&mut attributes, extra);
    decision("ScheduleLambdaFunction", attributes)
}

/// Returns a path in the temporary folder, unique to this test process and `label`, that does not
/// exist yet.
fn marker_path(label: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("caravan-local-{}-{label}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn function_result_is_its_stdout() {
    let world = world_with(&[("greet", "printf 'hello, '; cat")]).await;
    let run_id = start_and_decide(
        &world,
        "w",
        json!([schedule("g1", "greet", json!({"input": "world", "control": "c"}))]),
    )
    .await;

    world.decision_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        &event_types(&history)[4..],
        [
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionCompleted",
            "DecisionTaskScheduled",
            "DecisionTaskStarted"
        ]
    );
    assert_eq!(
        attributes(&history, "LambdaFunctionScheduled"),
        &json!({"id": "g1", "name": "greet", "input": "world", "control": "c",
                "startToCloseTimeout": "900", "decisionTaskCompletedEventId": 4})
    );
    assert_eq!(
        attributes(&history, "LambdaFunctionStarted"),
        &json!({"scheduledEventId": 5})
    );
    assert_eq!(
        attributes(&history, "LambdaFunctionCompleted"),
        &json!({"scheduledEventId": 5, "startedEventId": 6, "result": "hello, world"})
    );
}

#[tokio::test]
async fn failing_command_records_status_and_stderr() {
    let world = world_with(&[("broken", "echo 'first line' >&2; echo 'disk full' >&2; exit 3")]).await;
    let run_id = start_and_decide(&world, "w", json!([schedule("b1", "broken", json!({}))])).await;

    world.decision_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        attributes(&history, "LambdaFunctionFailed"),
        &json!({"scheduledEventId": 5, "startedEventId": 6,
                "reason": "The command exited with status 3", "details": "first line\ndisk full\n"})
    );
}

#[tokio::test]
async fn timed_out_function_is_killed() {
    let marker = marker_path("timeout");
    let command = format!("sleep 2; touch '{}'", marker.display());
    let world = world_with(&[("slow", &command)]).await;
    let run_id = start_and_decide(
        &world,
        "w",
        json!([schedule("s1", "slow", json!({"startToCloseTimeout": "1"}))]),
    )
    .await;

    world.decision_task().await;
    let history = world.history("w", &run_id).await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    assert_eq!(
        attributes(&history, "LambdaFunctionTimedOut"),
        &json!({"scheduledEventId": 5, "startedEventId": 6, "timeoutType": "START_TO_CLOSE"})
    );
    assert!(!marker.exists(), "the timed-out command kept running");
}

#[tokio::test]
async fn run_without_lambda_role_cannot_schedule() {
    let world = world_with(&[("greet", "cat")]).await;
    let run_id = world.start("w").await;
    let task = world.decision_task().await;

    world.decide(&task, json!([schedule("g1", "greet", json!({}))])).await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        attributes(&history, "ScheduleLambdaFunctionFailed"),
        &json!({"id": "g1", "name": "greet", "cause": "LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION",
                "decisionTaskCompletedEventId": 4})
    );
    assert_eq!(history.last().unwrap()["eventType"], "DecisionTaskScheduled");
}

#[tokio::test]
async fn invalid_role_fails_to_start() {
    let world = world_with(&[("greet", "cat")]).await;
    let run_id = world.start_with("w", json!({"lambdaRole": "swf-lambda"})).await;
    let task = world.decision_task().await;

    world.decide(&task, json!([schedule("g1", "greet", json!({}))])).await;
    let history = world.history("w", &run_id).await;

    let failed = attributes(&history, "StartLambdaFunctionFailed");
    assert_eq!(failed["scheduledEventId"], 5);
    assert_eq!(failed["cause"], "ASSUME_ROLE_FAILED");
    assert!(failed["message"].as_str().unwrap().contains("swf-lambda"), "{failed}");
}

#[tokio::test]
async fn unknown_function_fails_to_start() {
    let world = world_with(&[("greet", "cat")]).await;
    let run_id = start_and_decide(&world, "w", json!([schedule("r1", "resize", json!({}))])).await;

    world.decision_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        &event_types(&history)[4..7],
        [
            "LambdaFunctionScheduled",
            "StartLambdaFunctionFailed",
            "DecisionTaskScheduled"
        ]
    );
    let failed = attributes(&history, "StartLambdaFunctionFailed");
    assert_eq!(failed["scheduledEventId"], 5);
    assert!(failed.get("cause").is_none(), "{failed}");
    assert!(failed["message"].as_str().unwrap().contains("'resize'"), "{failed}");
}

#[tokio::test]
async fn function_arn_finds_the_function_by_name() {
    let world = world_with(&[("greet", "printf hi")]).await;
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:greet";
    let run_id = start_and_decide(&world, "w", json!([schedule("g1", arn, json!({}))])).await;

    world.decision_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(attributes(&history, "LambdaFunctionCompleted")["result"], "hi");
}

#[tokio::test]
async fn open_function_id_is_already_in_use() {
    let world = world_with(&[("greet", "cat")]).await;
    let decisions = json!([
        schedule("same", "greet", json!({})),
        schedule("same", "greet", json!({}))
    ]);
    let run_id = start_and_decide(&world, "w", decisions).await;

    world.decision_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(
        attributes(&history, "ScheduleLambdaFunctionFailed"),
        &json!({"id": "same", "name": "greet", "cause": "ID_ALREADY_IN_USE", "decisionTaskCompletedEventId": 4})
    );
    assert_eq!(
        attributes(&history, "LambdaFunctionStarted"),
        &json!({"scheduledEventId": 5})
    );
}

#[tokio::test]
async fn terminate_kills_the_running_function() {
    let marker = marker_path("terminate");
    // The background subshell dies only if the whole process group is killed.
    let command = format!("(sleep 2; touch '{}') & wait", marker.display());
    let world = world_with(&[("slow", &command)]).await;
    let run_id = start_and_decide(&world, "w", json!([schedule("s1", "slow", json!({}))])).await;
    let described = world.describe("w", &run_id).await;

    world.ok("TerminateWorkflowExecution", json!({"workflowId": "w"})).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let history = world.history("w", &run_id).await;

    assert_eq!(described["openCounts"]["openLambdaFunctions"], 1);
    assert_eq!(history.last().unwrap()["eventType"], "WorkflowExecutionTerminated");
    assert!(!marker.exists(), "the command outlived its execution");
}

#[tokio::test]
async fn endpoint_shutdown_kills_the_running_function() {
    let started = marker_path("shutdown-started");
    let marker = marker_path("shutdown");
    let command = format!(
        "touch '{}'; (sleep 2 | cat; touch '{}') & wait",
        started.display(),
        marker.display()
    );
    let world = world_with(&[("slow", &command)]).await;
    start_and_decide(&world, "w", json!([schedule("s1", "slow", json!({}))])).await;
    for _ in 0..50 {
        if started.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    world.endpoint.shut_down().await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    assert!(started.exists(), "the command never started");
    assert!(!marker.exists(), "the command outlived the endpoint");
    let _ = std::fs::remove_file(&started);
}

#[tokio::test]
async fn open_function_limit_is_1000() {
    // Functions without a command fail to start, so none of them runs, but all 1,001 are open
    // while the decisions are applied.
    let world = world_with(&[]).await;
    let decisions: Vec<Value> = (0..1_001)
        .map(|index| schedule(&format!("f{index}"), "missing", json!({})))
        .collect();
    let run_id = start_and_decide(&world, "w", json!(decisions)).await;

    let history = world.history("w", &run_id).await;

    let scheduled = history
        .iter()
        .filter(|event| event["eventType"] == "LambdaFunctionScheduled")
        .count();
    assert_eq!(scheduled, 1_000);
    assert_eq!(
        attributes(&history, "ScheduleLambdaFunctionFailed"),
        &json!({"id": "f1000", "name": "missing", "cause": "OPEN_LAMBDA_FUNCTIONS_LIMIT_EXCEEDED",
                "decisionTaskCompletedEventId": 4})
    );
}
