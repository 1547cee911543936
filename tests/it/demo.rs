//! The demo workflow end to end, driven by the command-line tools and the daemon.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::support::daemon::Daemon;
use crate::support::endpoint::{Endpoint, Kind};
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, plugins, run_caravan, scratch, unique_name};

const WAIT: Duration = Duration::from_secs(30);

/// Writes a config that runs the demo plugin on task list "default" of `domain`.
pub fn demo_config(folder: &Path, endpoint: &str, domain: &str) -> String {
    let text = format!(
        "[caravan]\n\
         endpoint_url = {endpoint}\n\
         register_types = true\n\
         shutdown_timeout_secs = 10\n\
         \n\
         [plugin:demo]\n\
         path = {plugin}\n\
         \n\
         [decider:demo]\n\
         domain = {domain}\n\
         task_list = default\n\
         plugins = demo\n",
        plugin = plugins().demo.display()
    );
    let path = folder.join("caravan.ini");
    std::fs::write(&path, text).expect("write the config");
    path.display().to_string()
}

/// Runs a caravan command with `-c CONFIG` and returns its stdout, asserting success.
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

fn start_json(home: &Path, config: &str, domain: &str, workflow_id: &str) -> String {
    let stdout = caravan_ok(
        home,
        config,
        &[
            "start",
            "-d",
            domain,
            "-n",
            "Demo",
            "-v",
            "0.1",
            "-i",
            workflow_id,
            "--output",
            "json",
        ],
    );
    let body: Value = serde_json::from_str(&stdout).expect("start prints JSON");
    body["runId"].as_str().expect("runId").to_string()
}

fn demo_end_to_end(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let folder = scratch();
    let home = folder.path();
    let domain = unique_name("demo");
    let config = demo_config(home, &endpoint.url(), &domain);
    let swf = Swf::new(&endpoint.url(), &domain);

    let registered = caravan_ok(
        home,
        &config,
        &["domain", "register", "-n", &domain, "--retention-days", "1"],
    );
    assert!(registered.contains(&domain), "{registered}");

    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(
        daemon.wait_for_log("caravan is running", WAIT),
        "daemon did not start:\n{}",
        daemon.log()
    );
    assert!(daemon.log().contains("workflow type registered"), "{}", daemon.log());

    // A completed execution: PRINT is logged, STOP completes with the demo's result.
    let run_1 = start_json(home, &config, &domain, "wf-complete");
    assert!(
        swf.wait_event("wf-complete", &run_1, "TimerStarted", WAIT).is_some(),
        "{}",
        daemon.log()
    );
    caravan_ok(
        home,
        &config,
        &[
            "signal",
            "-d",
            &domain,
            "-i",
            "wf-complete",
            "-s",
            "PRINT",
            "--input",
            "Hello World!",
        ],
    );
    assert!(
        daemon.wait_for_log("Hello World!", WAIT),
        "PRINT input not logged:\n{}",
        daemon.log()
    );
    caravan_ok(
        home,
        &config,
        &[
            "signal",
            "-d",
            &domain,
            "-i",
            "wf-complete",
            "-s",
            "STOP",
            "--input",
            "enough",
        ],
    );
    assert_eq!(
        swf.wait_closed("wf-complete", &run_1, WAIT).as_deref(),
        Some("COMPLETED")
    );
    let history = swf.history("wf-complete", &run_1);
    let completed = attributes(&history, "WorkflowExecutionCompleted").expect("completed event");
    assert_eq!(completed["result"], r#"{"success": true}"#);

    // A failed execution: ABORT.
    let run_2 = start_json(home, &config, &domain, "wf-abort");
    assert!(swf.wait_event("wf-abort", &run_2, "TimerStarted", WAIT).is_some());
    caravan_ok(
        home,
        &config,
        &["signal", "-d", &domain, "-i", "wf-abort", "-s", "ABORT", "--input", "-"],
    );
    assert_eq!(swf.wait_closed("wf-abort", &run_2, WAIT).as_deref(), Some("FAILED"));
    let history = swf.history("wf-abort", &run_2);
    assert_eq!(
        attributes(&history, "WorkflowExecutionFailed").expect("failed event")["reason"],
        "aborted"
    );

    // A terminated execution disappears from the list of open executions.
    let run_3 = start_json(home, &config, &domain, "wf-terminate");
    let listed = caravan_ok(home, &config, &["list", "-d", &domain, "--oldest", "2015-01-01"]);
    assert!(listed.contains("wf-terminate"), "{listed}");
    assert!(listed.contains(&run_3), "{listed}");
    assert!(listed.contains("Demo(0.1)"), "{listed}");
    caravan_ok(
        home,
        &config,
        &["terminate", "-d", &domain, "-i", "wf-terminate", "--reason", "test"],
    );
    assert_eq!(
        swf.wait_closed("wf-terminate", &run_3, WAIT).as_deref(),
        Some("TERMINATED")
    );
    let listed = caravan_ok(home, &config, &["list", "-d", &domain, "--oldest", "2015-01-01"]);
    assert!(!listed.contains("wf-terminate"), "{listed}");

    drop(daemon);
}

fn demo_timer_fails_execution(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let folder = scratch();
    let home = folder.path();
    let domain = unique_name("patience");
    let config = demo_config(home, &endpoint.url(), &domain);
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();

    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(
        daemon.wait_for_log("caravan is running", WAIT),
        "daemon did not start:\n{}",
        daemon.log()
    );
    let run = {
        let stdout = caravan_ok(
            home,
            &config,
            &[
                "start",
                "-d",
                &domain,
                "-n",
                "Demo",
                "-v",
                "0.1",
                "-i",
                "wf-timer",
                "--input",
                r#"{"patience_secs": 1}"#,
                "--output",
                "json",
            ],
        );
        let body: Value = serde_json::from_str(&stdout).expect("JSON");
        body["runId"].as_str().expect("runId").to_string()
    };

    assert_eq!(swf.wait_closed("wf-timer", &run, WAIT).as_deref(), Some("FAILED"));
    let history = swf.history("wf-timer", &run);
    assert_eq!(
        attributes(&history, "WorkflowExecutionFailed").expect("failed event")["reason"],
        "patience_lost"
    );
}

fn two_plugins_serve_their_own_types(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let folder = scratch();
    let home = folder.path();
    let domain = unique_name("two-plugins");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    let config = home.join("caravan.ini");
    let text = format!(
        "[caravan]\nendpoint_url = {endpoint}\nregister_types = true\n\n\
         [plugin:demo]\npath = {demo}\n\n[plugin:probe]\npath = {probe}\n\n\
         [decider:demo]\ndomain = {domain}\ntask_list = default\nplugins = demo\n\n\
         [decider:probe]\ndomain = {domain}\ntask_list = probe\nplugins = probe\n",
        endpoint = endpoint.url(),
        demo = plugins().demo.display(),
        probe = plugins().probe.display(),
    );
    std::fs::write(&config, text).expect("config");

    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config.display().to_string()], home, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    let log = daemon.log();
    assert!(
        log.contains("task_list=default pollers=1 workflow_types=Demo 0.1"),
        "{log}"
    );
    assert!(
        log.contains("task_list=probe pollers=1 workflow_types=Probe 1"),
        "{log}"
    );

    let demo_run = swf.start("demo-execution", "Demo", "0.1", None);
    let probe_run = swf.start("probe-execution", "Probe", "1", None);
    swf.signal("probe-execution", "EVENTS", "-");

    assert!(
        swf.wait_event("demo-execution", &demo_run, "TimerStarted", WAIT)
            .is_some(),
        "{}",
        daemon.log()
    );
    assert_eq!(
        swf.wait_closed("probe-execution", &probe_run, WAIT).as_deref(),
        Some("COMPLETED"),
        "{}",
        daemon.log()
    );
}

fn legacy_decider_loads_two_plugins(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let folder = scratch();
    let home = folder.path();
    let domain = unique_name("two-flags");
    Swf::new(&endpoint.url(), &domain).register_domain();
    let demo = plugins().demo.display().to_string();
    let probe = plugins().probe.display().to_string();
    let endpoint = endpoint.url();

    let daemon = Daemon::spawn(
        &caravan_bin(),
        &["decider", "-d", &domain, "-t", "shared", "-m", &demo, &probe],
        home,
        &[("AWS_ENDPOINT_URL_SWF", endpoint.as_str())],
    );

    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    assert!(
        daemon.log().contains("workflow_types=Demo 0.1, Probe 1"),
        "{}",
        daemon.log()
    );
}

on_both_endpoints!(
    demo_end_to_end,
    demo_timer_fails_execution,
    two_plugins_serve_their_own_types,
    legacy_decider_loads_two_plugins,
);
