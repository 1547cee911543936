//! A plugin that panics or fails, and workflow types no plugin serves: the daemon logs them with the
//! execution's ids, keeps serving, and applies the configured failure policy.

use std::time::Duration;

use crate::shutdown::probe_config;
use crate::support::daemon::Daemon;
use crate::support::endpoint::{Endpoint, Kind};
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, scratch, unique_name};

const WAIT: Duration = Duration::from_secs(30);

fn panic_is_logged_and_daemon_serves_on(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let folder = scratch();
    let domain = unique_name("panic");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    let config = probe_config(folder.path(), &endpoint.url(), &domain, "", "");
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    let panicking = swf.start("panicking", "Probe", "1", None);
    let healthy = swf.start("healthy", "Probe", "1", None);
    swf.signal("panicking", "PANIC", "-");

    assert!(
        daemon.wait_for_log("probe panicked on purpose", WAIT),
        "{}",
        daemon.log()
    );
    let log = daemon.log();
    let panic_line = log
        .lines()
        .find(|line| line.contains("probe panicked on purpose"))
        .expect("panic line");
    assert!(panic_line.contains("panicking"), "{panic_line}");
    assert!(panic_line.contains(&panicking), "{panic_line}");
    assert!(panic_line.contains("Probe 1"), "{panic_line}");

    swf.signal("healthy", "EVENTS", "-");
    assert_eq!(swf.wait_closed("healthy", &healthy, WAIT).as_deref(), Some("COMPLETED"));
    assert_eq!(swf.describe("panicking", &panicking)["executionStatus"], "OPEN");
}

fn fail_policy_fails_unknown_type(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let folder = scratch();
    let domain = unique_name("unknown-type");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    swf.register_workflow_type("Stranger", "1", "probe");
    let config = probe_config(
        folder.path(),
        &endpoint.url(),
        &domain,
        "",
        "failed_decision_policy = fail_execution",
    );
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    let run_id = swf.start("stranger", "Stranger", "1", None);

    assert_eq!(
        swf.wait_closed("stranger", &run_id, WAIT).as_deref(),
        Some("FAILED"),
        "{}",
        daemon.log()
    );
    let history = swf.history("stranger", &run_id);
    let failed = attributes(&history, "WorkflowExecutionFailed").expect("failed event");
    assert_eq!(failed["reason"], "caravan: unknown workflow type");
    assert!(
        daemon.log().contains("no plugin serves this workflow type"),
        "{}",
        daemon.log()
    );
}

fn time_out_policy_leaves_unknown_type_open(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let folder = scratch();
    let domain = unique_name("leave");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    swf.register_workflow_type("Stranger", "1", "probe");
    let config = probe_config(folder.path(), &endpoint.url(), &domain, "", "");
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    let run_id = swf.start("stranger", "Stranger", "1", None);

    assert!(
        daemon.wait_for_log("no plugin serves this workflow type", WAIT),
        "{}",
        daemon.log()
    );
    assert!(
        daemon.log().contains("failed_decision_policy=time_out"),
        "{}",
        daemon.log()
    );
    let history = swf.history("stranger", &run_id);
    assert!(attributes(&history, "DecisionTaskStarted").is_some());
    assert!(attributes(&history, "DecisionTaskCompleted").is_none());
    assert_eq!(swf.describe("stranger", &run_id)["executionStatus"], "OPEN");
}

fn fail_policy_fails_on_plugin_error(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let folder = scratch();
    let domain = unique_name("plugin-error");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    let config = probe_config(
        folder.path(),
        &endpoint.url(),
        &domain,
        "",
        "failed_decision_policy = fail_execution",
    );
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    let run_id = swf.start("erring", "Probe", "1", None);
    swf.signal("erring", "ERROR", "-");

    assert_eq!(
        swf.wait_closed("erring", &run_id, WAIT).as_deref(),
        Some("FAILED"),
        "{}",
        daemon.log()
    );
    let history = swf.history("erring", &run_id);
    let failed = attributes(&history, "WorkflowExecutionFailed").expect("failed event");
    assert_eq!(failed["reason"], "caravan: plugin error");
    assert!(
        failed["details"]
            .as_str()
            .unwrap_or("")
            .contains("probe failed on purpose"),
        "{failed}"
    );
}

on_both_endpoints!(
    panic_is_logged_and_daemon_serves_on,
    fail_policy_fails_unknown_type,
    time_out_policy_leaves_unknown_type_open,
    fail_policy_fails_on_plugin_error,
);
