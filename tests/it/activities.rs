//! Activity workers: `caravan run` with a decider and workers against `caravan local`, running the
//! Relay test workflow, which schedules one activity and closes with its outcome. The basic cases
//! also run against moto's SWF server.

use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;
use serde_json::{Value, json};

use crate::support::daemon::Daemon;
use crate::support::endpoint::{Endpoint, Kind};
use crate::support::proxy::Proxy;
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, plugins, run_caravan, scratch, unique_name, wait_for};

const WAIT: Duration = Duration::from_secs(30);

/// Writes a config with a decider for Relay and workers for the relay and pipeline activities.
fn write_config(folder: &Path, endpoint: &str, domain: &str, shutdown_timeout_secs: u64) -> String {
    let text = format!(
        "[caravan]\n\
         endpoint_url = {endpoint}\n\
         register_types = true\n\
         shutdown_timeout_secs = {shutdown_timeout_secs}\n\
         \n\
         [plugin:relay]\n\
         path = {relay}\n\
         \n\
         [plugin:pipeline]\n\
         path = {pipeline}\n\
         \n\
         [decider:relay]\n\
         domain = {domain}\n\
         task_list = relay\n\
         plugins = relay\n\
         \n\
         [worker:relay]\n\
         domain = {domain}\n\
         task_list = relay-work\n\
         plugins = relay\n\
         concurrency = 2\n\
         \n\
         [worker:pipeline]\n\
         domain = {domain}\n\
         task_list = pipeline\n\
         plugins = pipeline\n\
         concurrency = 4\n\
         pollers = 2\n",
        relay = plugins().relay.display(),
        pipeline = plugins().pipeline_activities.display(),
    );
    let path = folder.join("caravan.ini");
    std::fs::write(&path, text).expect("write the config");
    path.display().to_string()
}

struct Setup {
    _endpoint: Endpoint,
    swf: Swf,
    daemon: Daemon,
    /// The recording proxy between the daemon and the endpoint, when there is one.
    proxy: Option<Proxy>,
    config: String,
    folder: tempfile::TempDir,
}

fn setup() -> Setup {
    setup_on(Kind::Local, 30)
}

fn setup_with_shutdown_timeout(shutdown_timeout_secs: u64) -> Setup {
    setup_on(Kind::Local, shutdown_timeout_secs)
}

fn setup_on(kind: Kind, shutdown_timeout_secs: u64) -> Setup {
    start_daemon(Endpoint::of_kind(kind), None, shutdown_timeout_secs)
}

/// Starts the daemon against `caravan local` through a recording proxy.
fn setup_behind_proxy() -> Setup {
    let endpoint = Endpoint::local();
    let proxy = Proxy::start(endpoint.addr);
    start_daemon(endpoint, Some(proxy), 30)
}

fn start_daemon(endpoint: Endpoint, proxy: Option<Proxy>, shutdown_timeout_secs: u64) -> Setup {
    let folder = scratch();
    let domain = unique_name("activities");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();

    let daemon_endpoint = proxy.as_ref().map_or_else(|| endpoint.url(), Proxy::url);
    let config = write_config(folder.path(), &daemon_endpoint, &domain, shutdown_timeout_secs);
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    Setup {
        _endpoint: endpoint,
        swf,
        daemon,
        proxy,
        config,
        folder,
    }
}

/// Starts a Relay execution that runs `activity` version 1 on `task_list` with `input`.
fn start_relay(swf: &Swf, workflow_id: &str, activity: &str, task_list: &str, input: &str) -> String {
    let request = json!({"activity": activity, "version": "1", "taskList": task_list, "input": input});
    swf.start(workflow_id, "Relay", "1", Some(&request.to_string()))
}

on_both_endpoints!(
    workflow_completes_with_activity_result,
    unknown_activity_type_fails_at_once
);

fn workflow_completes_with_activity_result(kind: Kind) {
    let setup = setup_on(kind, 30);

    let run_id = start_relay(&setup.swf, "relay-upper", "Uppercase", "pipeline", "hello wörld");

    let status = setup.swf.wait_closed("relay-upper", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", setup.daemon.log());
    let history = setup.swf.history("relay-upper", &run_id);
    let completed = attributes(&history, "ActivityTaskCompleted").expect("activity completed");
    assert_eq!(completed["result"], "HELLO WÖRLD");
    let closed = attributes(&history, "WorkflowExecutionCompleted").expect("execution completed");
    assert_eq!(closed["result"], "HELLO WÖRLD");
}

#[test]
fn failing_activity_fails_execution() {
    let setup = setup();

    let run_id = start_relay(&setup.swf, "relay-check", "Check", "pipeline", "please fail now");

    let status = setup.swf.wait_closed("relay-check", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("FAILED"), "{}", setup.daemon.log());
    let history = setup.swf.history("relay-check", &run_id);
    let failed = attributes(&history, "ActivityTaskFailed").expect("activity failed");
    assert_eq!(failed["reason"], "check failed");
    assert_eq!(failed["details"], r#"the input "please fail now" contains "fail""#);
}

fn unknown_activity_type_fails_at_once(kind: Kind) {
    let setup = setup_on(kind, 30);
    setup.swf.register_activity_type("Missing", "1", "pipeline");

    let run_id = start_relay(&setup.swf, "relay-missing", "Missing", "pipeline", "x");

    let status = setup.swf.wait_closed("relay-missing", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("FAILED"), "{}", setup.daemon.log());
    let history = setup.swf.history("relay-missing", &run_id);
    let failed = attributes(&history, "ActivityTaskFailed").expect("activity failed");
    assert_eq!(failed["reason"], "UnknownActivityType");
    let details = failed["details"].as_str().unwrap_or_default();
    assert!(details.contains("activity type Missing version 1"), "{details}");
    assert!(
        setup.daemon.log().contains("no plugin serves this activity type"),
        "{}",
        setup.daemon.log()
    );
}

#[test]
fn failure_reason_cut_between_characters() {
    let setup = setup();
    // 255 one-byte characters, then two-byte ones: a cut at 256 bytes would split the first "é".
    let reason = format!("{}{}", "r".repeat(255), "é".repeat(10));

    let run_id = start_relay(&setup.swf, "relay-long", "Fail", "relay-work", &reason);

    let status = setup.swf.wait_closed("relay-long", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("FAILED"), "{}", setup.daemon.log());
    let history = setup.swf.history("relay-long", &run_id);
    let failed = attributes(&history, "ActivityTaskFailed").expect("activity failed");
    let sent = failed["reason"].as_str().expect("reason");
    assert_eq!(sent.chars().count(), 256);
    assert_eq!(sent, format!("{}é", "r".repeat(255)));
    assert_eq!(failed["details"], reason.as_str());
}

#[test]
fn sigterm_waits_for_running_activity() {
    let mut setup = setup();
    // The activity outlasts the endpoint's 5-second poll window, so it is still running when the
    // open polls have returned and the worker starts to wait for it.
    let run_id = start_relay(&setup.swf, "relay-sleep", "Sleep", "relay-work", "8000");
    assert!(
        setup.daemon.wait_for_log("relay: sleep started", WAIT),
        "{}",
        setup.daemon.log()
    );

    setup.daemon.signal(Signal::SIGTERM);
    let status = setup.daemon.wait_exit(WAIT).expect("daemon exits");

    assert_eq!(status.code(), Some(0), "{}", setup.daemon.log());
    let completed = setup
        .swf
        .wait_event("relay-sleep", &run_id, "ActivityTaskCompleted", WAIT)
        .expect("activity completed");
    assert_eq!(completed["activityTaskCompletedEventAttributes"]["result"], "slept");
    let log = setup.daemon.log();
    assert!(log.contains("waiting for running activity tasks"), "{log}");
    assert!(log.contains("stopped: all polls and decisions finished"), "{log}");
    assert!(!log.contains("abandoning"), "{log}");
}

#[test]
fn abi_1_0_plugin_still_decides() {
    let endpoint = Endpoint::local();
    let folder = scratch();
    let domain = unique_name("legacy");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    let config = folder.path().join("caravan.ini");
    let text = format!(
        "[caravan]\nendpoint_url = {}\nregister_types = true\n\n\
         [plugin:legacy]\npath = {}\n\n\
         [decider:legacy]\ndomain = {domain}\ntask_list = legacy\nplugins = legacy\n",
        endpoint.url(),
        plugins().abi_1_0.display()
    );
    std::fs::write(&config, text).expect("write the config");
    let daemon = Daemon::spawn(
        &caravan_bin(),
        &["run", &config.display().to_string()],
        folder.path(),
        &[],
    );
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    let run_id = swf.start("legacy-1", "Legacy", "1", None);

    let status = swf.wait_closed("legacy-1", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", daemon.log());
    let history = swf.history("legacy-1", &run_id);
    let closed = attributes(&history, "WorkflowExecutionCompleted").expect("execution completed");
    assert_eq!(closed["result"], "legacy");
}

#[test]
fn abi_1_1_plugin_still_runs_activities() {
    let endpoint = Endpoint::local();
    let folder = scratch();
    let domain = unique_name("legacy-activities");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    let config = folder.path().join("caravan.ini");
    let text = format!(
        "[caravan]\nendpoint_url = {}\nregister_types = true\n\n\
         [plugin:relay]\npath = {}\n\n\
         [plugin:legacy]\npath = {}\n\n\
         [decider:relay]\ndomain = {domain}\ntask_list = relay\nplugins = relay\n\n\
         [worker:legacy]\ndomain = {domain}\ntask_list = legacy-work\nplugins = legacy\n",
        endpoint.url(),
        plugins().relay.display(),
        plugins().abi_1_1.display()
    );
    std::fs::write(&config, text).expect("write the config");
    let daemon = Daemon::spawn(
        &caravan_bin(),
        &["run", &config.display().to_string()],
        folder.path(),
        &[],
    );
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    // The activity outlasts its 2-second heartbeat timeout, so it completes only if the worker
    // heartbeats for it.
    let request = json!({
        "activity": "LegacyWait",
        "version": "1",
        "taskList": "legacy-work",
        "input": "3000",
        "heartbeatTimeout": "2",
    });
    let run_id = swf.start("legacy-wait", "Relay", "1", Some(&request.to_string()));

    let status = swf.wait_closed("legacy-wait", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", daemon.log());
    let history = swf.history("legacy-wait", &run_id);
    let completed = attributes(&history, "ActivityTaskCompleted").expect("activity completed");
    assert_eq!(completed["result"], "legacy waited");
}

#[test]
fn deadline_names_abandoned_activity() {
    let mut setup = setup_with_shutdown_timeout(2);
    start_relay(&setup.swf, "relay-stuck", "Sleep", "relay-work", "30000");
    assert!(
        setup.daemon.wait_for_log("relay: sleep started", WAIT),
        "{}",
        setup.daemon.log()
    );

    setup.daemon.signal(Signal::SIGTERM);
    let status = setup.daemon.wait_exit(WAIT).expect("daemon exits");

    assert_eq!(status.code(), Some(0), "{}", setup.daemon.log());
    let log = setup.daemon.log();
    assert!(
        log.contains("the shutdown deadline passed; abandoning activity task"),
        "{log}"
    );
    assert!(
        log.contains("activity step (Sleep 1) of workflow relay-stuck run "),
        "{log}"
    );
}

/// Starts a Relay execution that runs `Wait` for `millis` with a 2-second heartbeat timeout.
fn start_wait(swf: &Swf, workflow_id: &str, millis: u64) -> String {
    let request = json!({
        "activity": "Wait",
        "version": "1",
        "taskList": "relay-work",
        "input": millis.to_string(),
        "heartbeatTimeout": "2",
    });
    swf.start(workflow_id, "Relay", "1", Some(&request.to_string()))
}

// moto 5.2.5 responds to caravan's RecordActivityTaskHeartbeat calls with HTTP 500, so the
// heartbeat tests run against the local endpoint only.
#[test]
fn heartbeats_outlast_heartbeat_timeout() {
    let setup = setup();

    // Three times the 2-second heartbeat timeout.
    let run_id = start_wait(&setup.swf, "relay-wait", 6000);

    let status = setup.swf.wait_closed("relay-wait", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", setup.daemon.log());
    let history = setup.swf.history("relay-wait", &run_id);
    assert!(attributes(&history, "ActivityTaskTimedOut").is_none(), "{history:#?}");
    let completed = attributes(&history, "ActivityTaskCompleted").expect("activity completed");
    assert_eq!(completed["result"], "waited");
}

#[test]
fn task_heartbeat_timeout_overrides_registered() {
    let setup = setup_behind_proxy();
    let proxy = setup.proxy.as_ref().expect("a proxy");
    // The type's registered heartbeat timeout is 20 seconds, so the worker would heartbeat every
    // 10; the decision sets 2, and the activity runs three times as long.
    let request = json!({
        "activity": "WaitLongHeartbeat",
        "version": "1",
        "taskList": "relay-work",
        "input": "6000",
        "heartbeatTimeout": "2",
    });

    let run_id = setup
        .swf
        .start("relay-task-timeout", "Relay", "1", Some(&request.to_string()));

    let status = setup.swf.wait_closed("relay-task-timeout", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", setup.daemon.log());
    let history = setup.swf.history("relay-task-timeout", &run_id);
    assert!(attributes(&history, "ActivityTaskTimedOut").is_none(), "{history:#?}");
    let completed = attributes(&history, "ActivityTaskCompleted").expect("activity completed");
    assert_eq!(completed["result"], "waited");
    let lookups = proxy.requests("GetWorkflowExecutionHistory");
    assert_eq!(lookups.len(), 1, "{lookups:?}");
    assert_eq!(lookups[0]["reverseOrder"], true);
    assert_eq!(lookups[0]["maximumPageSize"], 25);
    assert_eq!(lookups[0]["execution"]["runId"], run_id.as_str());
}

#[test]
fn cancel_request_reaches_activity() {
    let setup = setup();
    let run_id = start_wait(&setup.swf, "relay-cancel", 60_000);
    assert!(
        setup.daemon.wait_for_log("relay: wait started", WAIT),
        "{}",
        setup.daemon.log()
    );

    setup.swf.signal("relay-cancel", "CANCEL", "now");

    let status = setup.swf.wait_closed("relay-cancel", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("COMPLETED"), "{}", setup.daemon.log());
    let history = setup.swf.history("relay-cancel", &run_id);
    let canceled = attributes(&history, "ActivityTaskCanceled").expect("activity canceled");
    assert_eq!(canceled["details"], "stopped early");
    let closed = attributes(&history, "WorkflowExecutionCompleted").expect("execution completed");
    assert_eq!(closed["result"], "canceled");
    assert!(
        setup
            .daemon
            .log()
            .contains("SWF requested cancellation of the activity task"),
        "{}",
        setup.daemon.log()
    );
}

#[test]
fn terminated_execution_stops_activity() {
    let setup = setup();
    let run_id = start_wait(&setup.swf, "relay-terminated", 60_000);
    assert!(
        setup.daemon.wait_for_log("relay: wait started", WAIT),
        "{}",
        setup.daemon.log()
    );

    setup.swf.terminate("relay-terminated", &run_id);

    // The worker heartbeats every second, so it learns of the termination within one interval;
    // the wait here is only an upper bound against a hang.
    assert!(
        setup.daemon.wait_for_log(
            "activity task no longer exists (it timed out or its execution closed); setting its cancellation flag",
            Duration::from_secs(10)
        ),
        "{}",
        setup.daemon.log()
    );
    let status = setup.swf.wait_closed("relay-terminated", &run_id, WAIT);
    assert_eq!(status.as_deref(), Some("TERMINATED"));
    let history = setup.swf.history("relay-terminated", &run_id);
    assert!(attributes(&history, "ActivityTaskCompleted").is_none(), "{history:#?}");
}

/// Runs the `Progress` activity with `input` as its last heartbeat details, under a 2-second
/// heartbeat timeout, and kills the daemon once a heartbeat with those details reached the
/// endpoint, so that no heartbeat follows and the task times out. Returns the details of that
/// heartbeat and the attributes of the `ActivityTaskTimedOut` event.
fn time_out_after_progress(setup: &mut Setup, workflow_id: &str, input: &str, expected: &str) -> (Value, Value) {
    let proxy = setup.proxy.as_ref().expect("a proxy");
    let request = json!({
        "activity": "Progress",
        "version": "1",
        "taskList": "relay-work",
        "input": input,
        "heartbeatTimeout": "2",
    });
    let run_id = setup.swf.start(workflow_id, "Relay", "1", Some(&request.to_string()));

    let heartbeat = wait_for(WAIT, || {
        proxy
            .requests("RecordActivityTaskHeartbeat")
            .into_iter()
            .find(|body| body["details"] == expected)
    });
    let heartbeat = heartbeat.unwrap_or_else(|| {
        panic!(
            "no heartbeat with the details reached the endpoint: {:?}\n{}",
            proxy.requests("RecordActivityTaskHeartbeat"),
            setup.daemon.log()
        )
    });
    setup.daemon.signal(Signal::SIGKILL);
    setup.daemon.wait_exit(WAIT).expect("daemon exits");

    let timed_out = setup
        .swf
        .wait_event(workflow_id, &run_id, "ActivityTaskTimedOut", WAIT)
        .expect("activity timed out");
    (
        heartbeat["details"].clone(),
        timed_out["activityTaskTimedOutEventAttributes"].clone(),
    )
}

#[test]
fn timed_out_event_shows_last_details() {
    let mut setup = setup_behind_proxy();

    let (sent, timed_out) = time_out_after_progress(&mut setup, "relay-progress", "step 3", "step 3");

    assert_eq!(sent, "step 3");
    assert_eq!(timed_out["timeoutType"], "HEARTBEAT");
    assert_eq!(timed_out["details"], "step 3");
    let history = run_caravan(
        &caravan_bin(),
        &[
            "-c",
            &setup.config,
            "history",
            "-d",
            &setup.swf.domain,
            "-i",
            "relay-progress",
        ],
        setup.folder.path(),
        &[],
    );
    let table = String::from_utf8_lossy(&history.stdout);
    let line = table
        .lines()
        .find(|line| line.contains("ActivityTaskTimedOut"))
        .unwrap_or_else(|| panic!("no ActivityTaskTimedOut row: {table}"));
    assert!(line.contains(r#"details="step 3""#), "{line}");
}

#[test]
fn long_details_cut_between_characters() {
    let mut setup = setup_behind_proxy();
    // 2,047 one-byte characters, then four-byte ones: a cut at 2,048 bytes would split a "🚀".
    let details = format!("{}{}", "d".repeat(2047), "🚀".repeat(100));
    let expected = format!("{}🚀", "d".repeat(2047));

    let (sent, timed_out) = time_out_after_progress(&mut setup, "relay-long-details", &details, &expected);

    assert_eq!(sent.as_str().map(|text| text.chars().count()), Some(2048));
    assert_eq!(timed_out["details"], expected.as_str());
}
