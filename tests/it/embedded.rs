//! `endpoint_url = local`: the daemon embeds caravan's own SWF endpoint, registers its domains there,
//! and the command-line tools reach it through the same config file.
//! `caravan local` runs the endpoint alone, with the Lambda functions of the config file.

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::demo::demo_config;
use crate::support::daemon::Daemon;
use crate::support::endpoint::free_port;
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, run_caravan, scratch};

const WAIT: Duration = Duration::from_secs(30);

/// Writes the demo config with the embedded endpoint on a free port; returns the config and the URL.
pub fn embedded_demo_config(folder: &Path, poll_window_secs: u64) -> (String, String) {
    let config = demo_config(folder, "local", "demo");
    let port = free_port();
    let mut text = std::fs::read_to_string(&config).expect("read the config");
    text.push_str(&format!(
        "\n[local]\nlisten = 127.0.0.1:{port}\npoll_window_secs = {poll_window_secs}\n"
    ));
    std::fs::write(&config, text).expect("write the config");
    (config, format!("http://127.0.0.1:{port}"))
}

fn caravan_ok(home: &Path, config: &str, args: &[&str]) -> String {
    let mut full = vec!["-c", config];
    full.extend_from_slice(args);
    let output = run_caravan(&caravan_bin(), &full, home, &[]);
    assert!(
        output.status.success(),
        "caravan {args:?} failed with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn embedded_demo_end_to_end() {
    let folder = scratch();
    let home = folder.path();
    let (config, url) = embedded_demo_config(home, 60);
    let swf = Swf::new(&url, "demo");

    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    let log = daemon.log();
    assert!(log.contains("local SWF endpoint listening"), "{log}");
    assert!(
        log.contains("domain registered in the embedded local endpoint"),
        "{log}"
    );

    let started = caravan_ok(
        home,
        &config,
        &[
            "start", "-d", "demo", "-n", "Demo", "-v", "0.1", "-i", "wf-local", "--output", "json",
        ],
    );
    let started: serde_json::Value = serde_json::from_str(&started).expect("start prints JSON");
    let run_id = started["runId"].as_str().expect("runId").to_string();
    assert!(
        swf.wait_event("wf-local", &run_id, "TimerStarted", WAIT).is_some(),
        "{}",
        daemon.log()
    );
    caravan_ok(
        home,
        &config,
        &[
            "signal",
            "-d",
            "demo",
            "-i",
            "wf-local",
            "-s",
            "PRINT",
            "--input",
            "offline hello",
        ],
    );
    assert!(daemon.wait_for_log("offline hello", WAIT), "{}", daemon.log());
    caravan_ok(home, &config, &["signal", "-d", "demo", "-i", "wf-local", "-s", "STOP"]);

    assert_eq!(
        swf.wait_closed("wf-local", &run_id, WAIT).as_deref(),
        Some("COMPLETED"),
        "{}",
        daemon.log()
    );
    let history = swf.history("wf-local", &run_id);
    let completed = attributes(&history, "WorkflowExecutionCompleted").expect("completed event");
    assert_eq!(completed["result"], r#"{"success": true}"#);
    let listed = caravan_ok(
        home,
        &config,
        &["list", "-d", "demo", "--closed", "--oldest", "2015-01-01"],
    );
    assert!(listed.contains("wf-local"), "{listed}");
}

#[test]
fn embedded_drain_releases_open_polls() {
    let folder = scratch();
    let home = folder.path();
    let (config, _url) = embedded_demo_config(home, 60);
    let mut daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    // The poller's first poll is open and held: the endpoint has no work for a 60-second window.
    std::thread::sleep(Duration::from_millis(500));

    let signalled_at = Instant::now();
    daemon.signal(Signal::SIGTERM);
    let status = daemon.wait_exit(WAIT).expect("daemon exits");

    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert!(
        signalled_at.elapsed() < Duration::from_secs(30),
        "the drain waited for the 60-second poll window"
    );
    let log = daemon.log();
    assert!(log.contains("long polls released"), "{log}");
    assert!(log.contains("stopped: all polls and decisions finished"), "{log}");
    assert!(log.contains("local SWF endpoint stopped"), "{log}");
}

#[test]
fn command_without_local_endpoint_fails() {
    let folder = scratch();
    let home = folder.path();
    let (config, _url) = embedded_demo_config(home, 60);

    let output = run_caravan(&caravan_bin(), &["-c", &config, "domain", "list"], home, &[]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no local SWF endpoint is listening on 127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("caravan local CONFIG"), "{stderr}");
}

#[test]
fn standalone_local_serves_commands() {
    let folder = scratch();
    let home = folder.path();
    let (config, _url) = embedded_demo_config(home, 5);
    let mut endpoint = Daemon::spawn(&caravan_bin(), &["local", &config], home, &[]);
    assert!(
        endpoint.wait_for_log("local SWF endpoint listening", WAIT),
        "{}",
        endpoint.log()
    );

    let registered = caravan_ok(
        home,
        &config,
        &["domain", "register", "-n", "standalone", "--retention-days", "1"],
    );
    let listed = caravan_ok(home, &config, &["domain", "list", "--output", "json"]);
    endpoint.signal(Signal::SIGTERM);
    let status = endpoint.wait_exit(WAIT).expect("caravan local exits");

    assert!(registered.contains("standalone"), "{registered}");
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("domain list prints JSON");
    assert_eq!(listed["domainInfos"][0]["name"], "standalone", "{listed}");
    assert_eq!(status.code(), Some(0), "{}", endpoint.log());
}

#[test]
fn standalone_local_runs_lambda_functions() {
    use aws_sdk_swf::types::{Decision, DecisionType, ScheduleLambdaFunctionDecisionAttributes};

    let folder = scratch();
    let home = folder.path();
    let (config, url) = embedded_demo_config(home, 5);
    let mut text = std::fs::read_to_string(&config).expect("read the config");
    text.push_str("\n[lambda:where]\ncommand = printf '%%s ' \"$(pwd)\"; cat\n");
    std::fs::write(&config, text).expect("write the config");
    let mut endpoint = Daemon::spawn(&caravan_bin(), &["local", &config], home, &[]);
    assert!(
        endpoint.wait_for_log("local SWF endpoint listening", WAIT),
        "{}",
        endpoint.log()
    );
    let swf = Swf::new(&url, "lambda");
    swf.register_domain();
    swf.register_workflow_type("Resize", "1", "deciders");

    let started = caravan_ok(
        home,
        &config,
        &[
            "start",
            "-d",
            "lambda",
            "-n",
            "Resize",
            "-v",
            "1",
            "-i",
            "wf-lambda",
            "--lambda-role",
            "arn:aws:iam::000000000000:role/swf-lambda",
            "--output",
            "json",
        ],
    );
    let started: serde_json::Value = serde_json::from_str(&started).expect("start prints JSON");
    let run_id = started["runId"].as_str().expect("runId").to_string();
    let schedule = ScheduleLambdaFunctionDecisionAttributes::builder()
        .id("w1")
        .name("where")
        .input("from stdin")
        .build()
        .expect("decision attributes");
    let decision = Decision::builder()
        .decision_type(DecisionType::ScheduleLambdaFunction)
        .schedule_lambda_function_decision_attributes(schedule)
        .build()
        .expect("decision");
    swf.decide("deciders", vec![decision]);
    let completed = swf.wait_event("wf-lambda", &run_id, "LambdaFunctionCompleted", WAIT);
    endpoint.signal(Signal::SIGTERM);
    let status = endpoint.wait_exit(WAIT).expect("caravan local exits");

    let completed = completed.expect("LambdaFunctionCompleted in the history");
    let folder_path = std::fs::canonicalize(home).expect("canonical scratch folder");
    assert_eq!(
        completed["lambdaFunctionCompletedEventAttributes"]["result"],
        format!("{} from stdin", folder_path.display()),
        "the command runs in the config file's folder"
    );
    assert_eq!(status.code(), Some(0), "{}", endpoint.log());
}
