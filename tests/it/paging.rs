//! History paging: a decider given a multi-page history, including an empty page that still carries
//! a token, sees every event once and in order.

use std::time::Duration;

use serde_json::Value;

use crate::shutdown::probe_config;
use crate::support::daemon::Daemon;
use crate::support::endpoint::{Endpoint, Kind};
use crate::support::proxy::Proxy;
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, scratch, unique_name};

const WAIT: Duration = Duration::from_secs(30);

fn decider_reads_every_page_in_order(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let proxy = Proxy::paging(endpoint.addr, 3);
    let folder = scratch();
    let domain = unique_name("paging");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    swf.register_workflow_type("Probe", "1", "probe");

    // The history grows before any decider runs, so the first decision task carries all of it.
    let run_id = swf.start("paged", "Probe", "1", None);
    for index in 0..10 {
        swf.signal("paged", "NOTHING", &index.to_string());
    }
    swf.signal("paged", "EVENTS", "-");

    let config = probe_config(folder.path(), &proxy.url(), &domain, "", "");
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);

    assert_eq!(
        swf.wait_closed("paged", &run_id, WAIT).as_deref(),
        Some("COMPLETED"),
        "{}",
        daemon.log()
    );
    let history = swf.history("paged", &run_id);
    let started_id = history
        .iter()
        .find(|event| event["eventType"] == "DecisionTaskStarted")
        .and_then(|event| event["eventId"].as_i64())
        .expect("a decision task started");
    let expected: Vec<i64> = (1..=started_id).collect();

    let result = attributes(&history, "WorkflowExecutionCompleted").expect("completed")["result"].clone();
    let seen: Vec<i64> = serde_json::from_str::<Vec<Value>>(result.as_str().expect("result"))
        .expect("result is a JSON array")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    assert!(started_id > 12, "history too short to page: {started_id} events");
    assert_eq!(seen, expected);

    let polls = proxy
        .records()
        .iter()
        .filter(|record| record.operation == "PollForDecisionTask")
        .count();
    let pages = (started_id as usize).div_ceil(3) + 1;
    assert!(polls >= pages, "{polls} polls for {pages} pages");
}

fn endless_history_is_dropped(kind: Kind) {
    let endpoint = Endpoint::of_kind(kind);
    let proxy = Proxy::looping_pages(endpoint.addr, 2);
    let folder = scratch();
    let domain = unique_name("endless");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    swf.register_workflow_type("Probe", "1", "probe");
    swf.start("endless", "Probe", "1", None);

    let config = probe_config(folder.path(), &proxy.url(), &domain, "", "");
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);

    assert!(
        daemon.wait_for_log("the endpoint returned the same page token twice", WAIT),
        "{}",
        daemon.log()
    );
    let log = daemon.log();
    let line = log
        .lines()
        .find(|line| line.contains("same page token twice"))
        .expect("the drop is logged");
    assert!(line.contains("workflow_id=endless"), "{line}");
    assert!(
        line.contains("dropped a decision task whose history could not be fetched"),
        "{line}"
    );
}

on_both_endpoints!(decider_reads_every_page_in_order, endless_history_is_dropped,);

/// Signals recorded before the decider runs. With the run's other events, the first decision task's
/// history exceeds 2,500 events, so it spans three pages of at most 1,000 events.
const LONG_HISTORY_SIGNALS: usize = 2_500;

#[test]
fn decider_pages_long_local_history() {
    let endpoint = Endpoint::local();
    let folder = scratch();
    let domain = unique_name("long");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    swf.register_workflow_type("Probe", "1", "probe");

    let run_id = swf.start("long", "Probe", "1", None);
    for index in 0..LONG_HISTORY_SIGNALS {
        swf.signal("long", "NOTHING", &index.to_string());
    }
    swf.signal("long", "EVENTS", "-");

    let config = probe_config(folder.path(), &endpoint.url(), &domain, "", "");
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);

    assert_eq!(
        swf.wait_closed("long", &run_id, WAIT).as_deref(),
        Some("COMPLETED"),
        "{}",
        daemon.log()
    );
    let history = swf.history("long", &run_id);
    let completed = attributes(&history, "WorkflowExecutionCompleted").expect("completed");
    // The task that completed the run may follow one that timed out, so its own started event
    // marks the end of the history it carried.
    let task_completed_id = completed["decisionTaskCompletedEventId"].as_i64().expect("task id");
    let started_id = history
        .iter()
        .find(|event| event["eventId"] == task_completed_id)
        .and_then(|event| event["decisionTaskCompletedEventAttributes"]["startedEventId"].as_i64())
        .expect("the completing decision task's started event");
    let result = completed["result"].clone();
    let seen: Vec<i64> = serde_json::from_str::<Vec<Value>>(result.as_str().expect("result"))
        .expect("result is a JSON array")
        .iter()
        .filter_map(Value::as_i64)
        .collect();

    assert!(started_id > 2_500, "history too short: {started_id} events");
    assert_eq!(seen, (1..=started_id).collect::<Vec<_>>());
}
