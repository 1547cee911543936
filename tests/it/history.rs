//! `caravan history` and `caravan describe` against caravan's local endpoint, with the demo
//! workflow run by the daemon.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::demo::demo_config;
use crate::support::daemon::Daemon;
use crate::support::endpoint::Endpoint;
use crate::support::swf::Swf;
use crate::support::{caravan_bin, isolated_env, run_caravan, scratch, unique_name, wait_for};

const WAIT: Duration = Duration::from_secs(30);

/// A local endpoint and a daemon running the demo plugin, with one execution that has passed
/// its first decision task (its timer is started).
struct DemoRun {
    _endpoint: Endpoint,
    folder: tempfile::TempDir,
    config: String,
    domain: String,
    swf: Swf,
    daemon: Daemon,
    workflow_id: String,
    run_id: String,
}

impl DemoRun {
    fn start() -> DemoRun {
        let endpoint = Endpoint::local();
        let folder = scratch();
        let domain = unique_name("history");
        let config = demo_config(folder.path(), &endpoint.url(), &domain);
        let swf = Swf::new(&endpoint.url(), &domain);
        swf.register_domain();

        let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], folder.path(), &[]);
        assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

        let workflow_id = "wf-history".to_string();
        let run_id = swf.start(&workflow_id, "Demo", "0.1", None);
        assert!(
            swf.wait_event(&workflow_id, &run_id, "TimerStarted", WAIT).is_some(),
            "{}",
            daemon.log()
        );
        DemoRun {
            _endpoint: endpoint,
            folder,
            config,
            domain,
            swf,
            daemon,
            workflow_id,
            run_id,
        }
    }

    fn home(&self) -> &Path {
        self.folder.path()
    }

    /// Runs `caravan -c CONFIG ARGS`.
    fn caravan(&self, args: &[&str]) -> Output {
        let mut full = vec!["-c", self.config.as_str()];
        full.extend_from_slice(args);
        run_caravan(&caravan_bin(), &full, self.home(), &[])
    }

    /// Runs `caravan -c CONFIG ARGS` and returns its stdout, asserting success.
    fn caravan_ok(&self, args: &[&str]) -> String {
        let output = self.caravan(args);
        assert!(
            output.status.success(),
            "caravan {args:?} failed with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn history_json(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec![
            "history",
            "-d",
            &self.domain,
            "-i",
            &self.workflow_id,
            "--output",
            "json",
        ];
        args.extend_from_slice(extra);
        let stdout = self.caravan_ok(&args);
        let body: Value = serde_json::from_str(&stdout).expect("history prints JSON");
        body["events"].as_array().expect("an events array").clone()
    }

    fn stop_execution(&self) {
        self.swf.signal(&self.workflow_id, "STOP", "done");
        assert_eq!(
            self.swf.wait_closed(&self.workflow_id, &self.run_id, WAIT).as_deref(),
            Some("COMPLETED"),
            "{}",
            self.daemon.log()
        );
    }
}

fn event_ids(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|event| event["eventId"].as_i64().expect("eventId"))
        .collect()
}

fn event_types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["eventType"].as_str().expect("eventType"))
        .collect()
}

#[test]
fn history_table_and_json() {
    let run = DemoRun::start();
    run.swf.signal(&run.workflow_id, "PRINT", "Hello World!");
    assert!(run.daemon.wait_for_log("Hello World!", WAIT), "{}", run.daemon.log());

    let table = run.caravan_ok(&["history", "-d", &run.domain, "-i", &run.workflow_id]);
    for expected in [
        "WorkflowExecutionStarted",
        "DecisionTaskCompleted",
        "TimerStarted",
        "WorkflowExecutionSignaled",
        "timerId=SignalTimeout",
        r#"signalName=PRINT input="Hello World!""#,
    ] {
        assert!(table.contains(expected), "table lacks {expected:?}:\n{table}");
    }
    assert!(table.starts_with("Id"), "{table}");

    let events = run.history_json(&[]);
    let ids = event_ids(&events);
    assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>());
    assert_eq!(events, run.swf.history(&run.workflow_id, &run.run_id));

    let reversed = run.history_json(&["--reverse"]);
    let mut reversed_ids = event_ids(&reversed);
    reversed_ids.reverse();
    assert_eq!(reversed_ids, ids);

    let by_run_id = run.history_json(&["--run-id", &run.run_id]);
    assert_eq!(event_ids(&by_run_id), ids);
}

#[test]
fn history_of_unknown_workflow_id_fails() {
    let run = DemoRun::start();

    let output = run.caravan(&["history", "-d", &run.domain, "-i", "no-such-id"]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no execution with workflow id no-such-id"), "{stderr}");
}

#[test]
fn describe_open_then_closed() {
    let run = DemoRun::start();

    let open = run.caravan_ok(&["describe", "-d", &run.domain, "-i", &run.workflow_id]);
    assert!(open.contains("Status:"), "{open}");
    assert!(open.contains("OPEN"), "{open}");
    assert!(open.contains("Demo 0.1"), "{open}");
    assert!(open.contains(&run.run_id), "{open}");
    assert!(open.contains("Open Timers:"), "{open}");

    run.stop_execution();

    let closed = run.caravan_ok(&["describe", "-d", &run.domain, "-i", &run.workflow_id]);
    assert!(closed.contains("CLOSED"), "{closed}");
    assert!(closed.contains("COMPLETED"), "{closed}");

    let json = run.caravan_ok(&[
        "describe",
        "-d",
        &run.domain,
        "-i",
        &run.workflow_id,
        "--run-id",
        &run.run_id,
        "--output",
        "json",
    ]);
    let body: Value = serde_json::from_str(&json).expect("describe prints JSON");
    assert_eq!(body["executionInfo"]["executionStatus"], "CLOSED");
    assert_eq!(body["executionInfo"]["closeStatus"], "COMPLETED");
    assert_eq!(body["executionConfiguration"]["taskList"]["name"], "default");
}

/// A `caravan history --follow` process whose stdout lines are collected as they come.
struct Follower {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Follower {
    fn spawn(run: &DemoRun, extra: &[&str]) -> Follower {
        let mut args = vec![
            "-c",
            run.config.as_str(),
            "history",
            "-d",
            &run.domain,
            "-i",
            &run.workflow_id,
            "--follow",
        ];
        args.extend_from_slice(extra);
        let mut child = Command::new(caravan_bin())
            .args(&args)
            .env_clear()
            .envs(isolated_env(run.home()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("caravan history --follow starts");

        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().expect("lines").push(line);
            }
        });
        Follower { child, lines }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lines").clone()
    }

    fn wait_for_line(&self, text: &str) -> bool {
        wait_for(WAIT, || {
            self.lines().iter().any(|line| line.contains(text)).then_some(())
        })
        .is_some()
    }

    fn wait_exit(&mut self) -> Option<std::process::ExitStatus> {
        let status = wait_for(WAIT, || self.child.try_wait().ok().flatten());
        // Give the reader thread a moment to collect the last lines.
        std::thread::sleep(Duration::from_millis(100));
        status
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn follow_prints_new_events_until_closed() {
    let run = DemoRun::start();
    let mut follower = Follower::spawn(&run, &["--output", "json"]);
    assert!(follower.wait_for_line("TimerStarted"), "{:?}", follower.lines());

    run.swf.signal(&run.workflow_id, "PRINT", "while following");
    assert!(follower.wait_for_line("while following"), "{:?}", follower.lines());
    run.stop_execution();

    let status = follower.wait_exit().expect("follow exits after the execution closes");
    assert_eq!(status.code(), Some(0));
    let events: Vec<Value> = follower
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).expect("one JSON event per line"))
        .collect();
    assert_eq!(events, run.swf.history(&run.workflow_id, &run.run_id));
    let types = event_types(&events);
    assert!(types.contains(&"WorkflowExecutionSignaled"), "{types:?}");
    assert_eq!(types.last(), Some(&"WorkflowExecutionCompleted"));
}

#[test]
fn follow_table_ends_on_interrupt() {
    let run = DemoRun::start();
    let mut follower = Follower::spawn(&run, &[]);
    assert!(follower.wait_for_line("TimerStarted"), "{:?}", follower.lines());
    let lines = follower.lines();
    assert!(lines[0].contains("Id"), "{lines:?}");
    assert!(lines[0].contains("Type"), "{lines:?}");

    kill(Pid::from_raw(follower.child.id() as i32), Signal::SIGINT).expect("send SIGINT");

    let status = follower.wait_exit().expect("follow exits on SIGINT");
    assert_eq!(status.code(), Some(130));
}
