//! Graceful shutdown: real signals sent to a real daemon, with a recording proxy in front of the
//! endpoint to see which calls reach it.

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::support::daemon::Daemon;
use crate::support::endpoint::{Endpoint, Kind};
use crate::support::proxy::Proxy;
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, plugins, scratch, unique_name, wait_for};

const WAIT: Duration = Duration::from_secs(30);

/// Writes a config running the probe plugin on task list "probe" with one poller.
pub fn probe_config(folder: &Path, endpoint: &str, domain: &str, extra_global: &str, extra_decider: &str) -> String {
    let text = format!(
        "[caravan]\n\
         endpoint_url = {endpoint}\n\
         register_types = true\n\
         {extra_global}\n\
         \n\
         [plugin:probe]\n\
         path = {plugin}\n\
         \n\
         [decider:probe]\n\
         domain = {domain}\n\
         task_list = probe\n\
         plugins = probe\n\
         {extra_decider}\n",
        plugin = plugins().probe.display()
    );
    let path = folder.join("caravan.ini");
    std::fs::write(&path, text).expect("write the config");
    path.display().to_string()
}

/// Starts a daemon on a fresh domain behind a recording proxy, and one Probe execution.
struct Setup {
    _endpoint: Endpoint,
    proxy: Proxy,
    swf: Swf,
    daemon: Daemon,
    run_id: String,
    _folder: tempfile::TempDir,
}

fn setup(kind: Kind, extra_global: &str) -> Setup {
    let endpoint = Endpoint::of_kind(kind);
    let proxy = Proxy::start(endpoint.addr);
    let folder = scratch();
    let domain = unique_name("shutdown");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();

    let config = probe_config(folder.path(), &proxy.url(), &domain, extra_global, "");
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    let run_id = swf.start("probe-1", "Probe", "1", None);
    // The response to the first decision task (nothing to do on start) arrives before the test goes on.
    let answered = wait_for(WAIT, || {
        proxy
            .records()
            .iter()
            .any(|record| record.operation == "RespondDecisionTaskCompleted" && record.answered.is_some())
            .then_some(())
    });
    assert!(answered.is_some(), "{}", daemon.log());

    Setup {
        _endpoint: endpoint,
        proxy,
        swf,
        daemon,
        run_id,
        _folder: folder,
    }
}

fn sigterm_answers_in_flight_decision(kind: Kind) {
    let mut setup = setup(kind, "shutdown_timeout_secs = 30");
    setup.swf.signal("probe-1", "SLOW", "2000");
    assert!(
        setup.daemon.wait_for_log("probe: slow decision started", WAIT),
        "{}",
        setup.daemon.log()
    );

    let signalled_at = Instant::now();
    setup.daemon.signal(Signal::SIGTERM);
    let status = setup.daemon.wait_exit(WAIT).expect("daemon exits");

    assert_eq!(status.code(), Some(0), "{}", setup.daemon.log());
    assert_eq!(
        setup.swf.wait_closed("probe-1", &setup.run_id, WAIT).as_deref(),
        Some("COMPLETED")
    );
    let history = setup.swf.history("probe-1", &setup.run_id);
    assert_eq!(
        attributes(&history, "WorkflowExecutionCompleted").expect("completed")["result"],
        "slow"
    );
    assert_eq!(
        setup.proxy.count_after("PollForDecisionTask", signalled_at),
        0,
        "{:?}",
        setup.proxy.records()
    );
    let log = setup.daemon.log();
    assert!(log.contains("stopping: no new polls"), "{log}");
    assert!(log.contains("stopped: all polls and decisions finished"), "{log}");
}

fn sigterm_processes_task_of_open_poll(kind: Kind) {
    let mut setup = setup(kind, "shutdown_timeout_secs = 30");
    setup.proxy.hold_polls();
    let held = wait_for(WAIT, || (setup.proxy.held_polls() == 1).then_some(()));
    assert!(held.is_some(), "no poll was held: {:?}", setup.proxy.records());

    let signalled_at = Instant::now();
    setup.daemon.signal(Signal::SIGTERM);
    assert!(
        setup.daemon.wait_for_log("stopping: no new polls", WAIT),
        "{}",
        setup.daemon.log()
    );
    setup.swf.signal("probe-1", "EVENTS", "-");
    setup.proxy.release_polls();
    let status = setup.daemon.wait_exit(WAIT).expect("daemon exits");

    assert_eq!(status.code(), Some(0), "{}", setup.daemon.log());
    assert_eq!(
        setup.swf.wait_closed("probe-1", &setup.run_id, WAIT).as_deref(),
        Some("COMPLETED"),
        "{}\n{:?}",
        setup.daemon.log(),
        setup.proxy.records()
    );
    assert_eq!(
        setup.proxy.count_after("PollForDecisionTask", signalled_at),
        0,
        "{:?}",
        setup.proxy.records()
    );
}

fn second_signal_exits_at_once(kind: Kind) {
    let mut setup = setup(kind, "shutdown_timeout_secs = 60");
    setup.swf.signal("probe-1", "SLOW", "60000");
    assert!(
        setup.daemon.wait_for_log("probe: slow decision started", WAIT),
        "{}",
        setup.daemon.log()
    );

    setup.daemon.signal(Signal::SIGTERM);
    assert!(
        setup.daemon.wait_for_log("stopping: no new polls", WAIT),
        "{}",
        setup.daemon.log()
    );
    // A repeat within a second counts as the same request, so the second signal comes later.
    std::thread::sleep(Duration::from_millis(1500));
    setup.daemon.signal(Signal::SIGINT);
    let status = setup.daemon.wait_exit(Duration::from_secs(10));
    let status = status.unwrap_or_else(|| panic!("daemon did not exit at once:\n{}", setup.daemon.log()));

    assert_eq!(status.code(), Some(130), "{}", setup.daemon.log());
    let log = setup.daemon.log();
    assert!(log.contains("a second stop signal arrived"), "{log}");
    assert!(log.contains("probe-1"), "{log}");
}

fn deadline_names_abandoned_decision(kind: Kind) {
    let mut setup = setup(kind, "shutdown_timeout_secs = 1");
    setup.swf.signal("probe-1", "SLOW", "60000");
    assert!(
        setup.daemon.wait_for_log("probe: slow decision started", WAIT),
        "{}",
        setup.daemon.log()
    );

    setup.daemon.signal(Signal::SIGTERM);
    let status = setup.daemon.wait_exit(WAIT).expect("daemon exits at the deadline");

    assert_eq!(status.code(), Some(0), "{}", setup.daemon.log());
    let log = setup.daemon.log();
    assert!(log.contains("the shutdown deadline passed"), "{log}");
    assert!(log.contains("a decision for workflow probe-1"), "{log}");
}

fn repeated_sigterm_counts_once(kind: Kind) {
    let mut setup = setup(kind, "shutdown_timeout_secs = 30");
    setup.swf.signal("probe-1", "SLOW", "2000");
    assert!(
        setup.daemon.wait_for_log("probe: slow decision started", WAIT),
        "{}",
        setup.daemon.log()
    );

    // GNU timeout sends SIGTERM to the process and then to its process group.
    setup.daemon.signal(Signal::SIGTERM);
    setup.daemon.signal(Signal::SIGTERM);
    let status = setup.daemon.wait_exit(WAIT).expect("daemon exits");

    assert_eq!(status.code(), Some(0), "{}", setup.daemon.log());
    assert_eq!(
        setup.swf.wait_closed("probe-1", &setup.run_id, WAIT).as_deref(),
        Some("COMPLETED")
    );
    assert!(
        !setup.daemon.log().contains("a second stop signal arrived"),
        "{}",
        setup.daemon.log()
    );
}

#[test]
fn sigterm_during_start_up_exits_cleanly() {
    // An endpoint that accepts connections and never responds keeps type registration waiting.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", silent.local_addr().expect("address"));
    let folder = scratch();
    let config = probe_config(folder.path(), &endpoint, "silent", "", "");
    let mut daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
    assert!(daemon.wait_for_log("SWF endpoint", WAIT), "{}", daemon.log());

    daemon.signal(Signal::SIGTERM);
    let status = daemon.wait_exit(WAIT).expect("daemon exits");

    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert!(
        daemon.log().contains("stop requested during start-up"),
        "{}",
        daemon.log()
    );
    assert!(!daemon.log().contains("caravan is running"), "{}", daemon.log());
}

on_both_endpoints!(
    sigterm_answers_in_flight_decision,
    sigterm_processes_task_of_open_poll,
    second_signal_exits_at_once,
    deadline_names_abandoned_decision,
    repeated_sigterm_counts_once,
);
