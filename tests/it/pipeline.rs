//! The Pipeline example workflow, run by `caravan run` with the content of `config/local.ini`: the
//! embedded endpoint, the pipeline decider, the activity worker and the `summarize` Lambda
//! function. Each test copies the config with its paths fixed and a free port, as
//! `scripts/demo.sh` does.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::daemon::Daemon;
use crate::support::endpoint::free_port;
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, plugins, run_caravan, scratch};

const WAIT: Duration = Duration::from_secs(30);

/// The domain that `config/local.ini` registers.
const DOMAIN: &str = "CaravanDemo";

struct Setup {
    swf: Swf,
    daemon: Daemon,
    config: String,
    folder: tempfile::TempDir,
}

/// Writes `config/local.ini` to `folder` with the plugin fixtures, the repository's Lambda script
/// and a free port, and returns the config's path and the endpoint's URL.
fn write_local_config(folder: &Path) -> (String, String) {
    let repository = env!("CARGO_MANIFEST_DIR");
    let fixtures = plugins()
        .pipeline
        .parent()
        .expect("fixture folder")
        .display()
        .to_string();
    let port = free_port();

    let original = std::fs::read_to_string(Path::new(repository).join("config/local.ini")).expect("read the config");
    let mut text = String::new();
    for line in original.lines() {
        let line = if line.starts_with("listen = ") {
            format!("listen = 127.0.0.1:{port}")
        } else {
            line.replace("%(here)s/../target/debug", &fixtures)
                .replace("%(here)s/..", repository)
        };
        text.push_str(&line);
        text.push('\n');
    }
    assert!(text.contains("[lambda:summarize]"), "{text}");

    let path = folder.join("caravan.ini");
    std::fs::write(&path, text).expect("write the config");
    (path.display().to_string(), format!("http://127.0.0.1:{port}"))
}

fn setup() -> Setup {
    let folder = scratch();
    let (config, url) = write_local_config(folder.path());
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    Setup {
        swf: Swf::new(&url, DOMAIN),
        daemon,
        config,
        folder,
    }
}

/// Returns the events of `event_type` in `events`.
fn events_of<'a>(events: &'a [Value], event_type: &str) -> Vec<&'a Value> {
    events.iter().filter(|event| event["eventType"] == event_type).collect()
}

#[test]
fn pipeline_completes_from_local_config() {
    let setup = setup();

    let run_id = setup
        .swf
        .start("p-complete", "Pipeline", "1", Some(r#"{"text": "hello pipeline"}"#));

    let status = setup.swf.wait_closed("p-complete", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", setup.daemon.log());
    let history = setup.swf.history("p-complete", &run_id);
    let started = attributes(&history, "WorkflowExecutionStarted").expect("started");
    assert_eq!(started["lambdaRole"], "arn:aws:iam::000000000000:role/caravan-pipeline");
    let activity = attributes(&history, "ActivityTaskCompleted").expect("activity completed");
    assert_eq!(activity["result"], "HELLO PIPELINE");
    let lambda = attributes(&history, "LambdaFunctionCompleted").expect("Lambda function completed");
    assert_eq!(lambda["result"], r#"{"words": 2, "bytes": 14}"#);
    let child = attributes(&history, "StartChildWorkflowExecutionInitiated").expect("child started");
    assert_eq!(child["lambdaRole"], "arn:aws:iam::000000000000:role/caravan-pipeline");
    assert_eq!(child["workflowType"]["name"], "PipelineChild");

    let completed = attributes(&history, "WorkflowExecutionCompleted").expect("execution completed");
    let result: Value = serde_json::from_str(completed["result"].as_str().expect("result")).expect("JSON result");
    assert_eq!(
        result,
        json!({
            "activity": "HELLO PIPELINE",
            "summary": {"words": 2, "bytes": 14},
            "child": "ENILEPIP OLLEH",
        })
    );
}

#[test]
fn pipeline_start_takes_lambda_role() {
    let setup = setup();
    let role = "arn:aws:iam::000000000000:role/other";
    let args = [
        "-c",
        &setup.config,
        "start",
        "-n",
        "Pipeline",
        "-v",
        "1",
        "-i",
        "p-role",
        "--input",
        r#"{"text": "role"}"#,
        "--lambda-role",
        role,
    ];

    let output = run_caravan(&caravan_bin(), &args, setup.folder.path(), &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let run_id = stdout
        .lines()
        .find(|line| line.starts_with("p-role "))
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no run id in {stdout}"))
        .to_owned();

    let status = setup.swf.wait_closed("p-role", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", setup.daemon.log());
    let history = setup.swf.history("p-role", &run_id);
    let started = attributes(&history, "WorkflowExecutionStarted").expect("started");
    assert_eq!(started["lambdaRole"], role);
    let child = attributes(&history, "StartChildWorkflowExecutionInitiated").expect("child started");
    assert_eq!(child["lambdaRole"], role);
}

#[test]
fn pipeline_retries_failed_activity() {
    let setup = setup();
    let input = r#"{"text": "retry me", "failAttempts": 2}"#;

    let run_id = setup.swf.start("p-retry", "Pipeline", "1", Some(input));

    let status = setup.swf.wait_closed("p-retry", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", setup.daemon.log());
    let history = setup.swf.history("p-retry", &run_id);
    let timers = events_of(&history, "TimerStarted");
    let delays: Vec<&Value> = timers
        .iter()
        .map(|event| &event["timerStartedEventAttributes"]["startToFireTimeout"])
        .collect();
    assert_eq!(delays, [&json!("1"), &json!("2")]);
    assert_eq!(events_of(&history, "TimerFired").len(), 2);
    assert_eq!(events_of(&history, "ActivityTaskScheduled").len(), 3);
    assert_eq!(events_of(&history, "ActivityTaskFailed").len(), 2);
    let attempts: Vec<Value> = events_of(&history, "ActivityTaskScheduled")
        .iter()
        .map(|event| {
            let input = event["activityTaskScheduledEventAttributes"]["input"]
                .as_str()
                .expect("input");
            serde_json::from_str::<Value>(input).expect("JSON input")["attempt"].clone()
        })
        .collect();
    assert_eq!(attempts, [json!(1), json!(2), json!(3)]);
    let activity = attributes(&history, "ActivityTaskCompleted").expect("activity completed");
    assert_eq!(activity["result"], "RETRY ME");
}

#[test]
fn pipeline_fails_after_three_attempts() {
    let setup = setup();
    let input = r#"{"text": "give up", "failAttempts": 3}"#;

    let run_id = setup.swf.start("p-fail", "Pipeline", "1", Some(input));

    let status = setup.swf.wait_closed("p-fail", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("FAILED"), "{}", setup.daemon.log());
    let history = setup.swf.history("p-fail", &run_id);
    assert_eq!(events_of(&history, "ActivityTaskScheduled").len(), 3);
    assert_eq!(events_of(&history, "ActivityTaskFailed").len(), 3);
    assert_eq!(events_of(&history, "TimerStarted").len(), 2);
    assert!(events_of(&history, "LambdaFunctionScheduled").is_empty());
    let failed = attributes(&history, "WorkflowExecutionFailed").expect("execution failed");
    assert_eq!(failed["reason"], "activity process failed after 3 attempts");
    let details = failed["details"].as_str().expect("details");
    assert!(details.starts_with("planned failure: attempt 3"), "{details}");
}

#[test]
fn pipeline_cancel_stops_running_activity() {
    let setup = setup();
    let input = r#"{"text": "slow", "sleepMs": 60000}"#;
    let run_id = setup.swf.start("p-cancel", "Pipeline", "1", Some(input));
    setup
        .swf
        .wait_event("p-cancel", &run_id, "ActivityTaskStarted", WAIT)
        .expect("activity started");

    let args = ["-c", &setup.config, "cancel", "-i", "p-cancel"];
    let output = run_caravan(&caravan_bin(), &args, setup.folder.path(), &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Cancellation requested."));

    let status = setup.swf.wait_closed("p-cancel", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("CANCELED"), "{}", setup.daemon.log());
    let history = setup.swf.history("p-cancel", &run_id);
    assert!(attributes(&history, "WorkflowExecutionCancelRequested").is_some());
    let requested = attributes(&history, "ActivityTaskCancelRequested").expect("activity cancel requested");
    assert_eq!(requested["activityId"], "process");
    let canceled = attributes(&history, "ActivityTaskCanceled").expect("activity canceled");
    assert_eq!(canceled["details"], "cancellation was requested");
    assert!(events_of(&history, "LambdaFunctionScheduled").is_empty());
    assert!(attributes(&history, "WorkflowExecutionCanceled").is_some());
}

#[test]
fn pipeline_cancel_stops_retry_timer() {
    let setup = setup();
    // The first attempt fails at once, and the cancellation is requested while its retry timer of
    // 1 second most likely still runs.
    let input = r#"{"text": "wait", "failAttempts": 3}"#;
    let run_id = setup.swf.start("p-cancel-timer", "Pipeline", "1", Some(input));
    setup
        .swf
        .wait_event("p-cancel-timer", &run_id, "TimerStarted", WAIT)
        .expect("retry timer started");

    setup.swf.request_cancel("p-cancel-timer", &run_id);

    let status = setup.swf.wait_closed("p-cancel-timer", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("CANCELED"), "{}", setup.daemon.log());
    let history = setup.swf.history("p-cancel-timer", &run_id);
    // A timer may fire before the decision that cancels it, but none is left running.
    let started = events_of(&history, "TimerStarted").len();
    let canceled = events_of(&history, "TimerCanceled").len();
    let fired = events_of(&history, "TimerFired").len();
    assert_eq!(started, canceled + fired, "{history:?}");
    assert!(attributes(&history, "WorkflowExecutionCanceled").is_some());
}
