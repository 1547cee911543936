//! `caravan history`, `caravan describe` and `caravan replay` against caravan's local endpoint,
//! with the demo workflow run by the daemon.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
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
use crate::support::{caravan_bin, isolated_env, plugins, run_caravan, scratch, unique_name, wait_for};

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

    /// Saves `caravan history --output json` to a file and returns its path.
    fn save_history(&self, name: &str) -> PathBuf {
        let stdout = self.caravan_ok(&[
            "history",
            "-d",
            &self.domain,
            "-i",
            &self.workflow_id,
            "--output",
            "json",
        ]);
        let path = self.home().join(name);
        std::fs::write(&path, stdout).expect("write the history");
        path
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
fn history_merges_pages() {
    let endpoint = Endpoint::local();
    let folder = scratch();
    let home = folder.path();
    let config = home.join("caravan.ini");
    std::fs::write(&config, format!("[caravan]\nendpoint_url = {}\n", endpoint.url())).expect("config");
    let config = config.display().to_string();
    let domain = unique_name("pages");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    swf.register_workflow_type("Pages", "1", "nobody");

    // No decider polls "nobody", so each signal adds one event: 1,002 events in all, more than
    // the 1,000 of one page.
    let run_id = swf.start("wf-pages", "Pages", "1", None);
    for index in 0..1000 {
        swf.signal("wf-pages", "PING", &index.to_string());
    }
    let history_json = |extra: &[&str]| {
        let mut args = vec![
            "-c",
            config.as_str(),
            "history",
            "-d",
            &domain,
            "-i",
            "wf-pages",
            "--output",
            "json",
        ];
        args.extend_from_slice(extra);
        let output = run_caravan(&caravan_bin(), &args, home, &[]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let body: Value = serde_json::from_slice(&output.stdout).expect("history prints JSON");
        body["events"].as_array().expect("an events array").clone()
    };

    let events = history_json(&[]);
    assert_eq!(event_ids(&events), (1..=1002).collect::<Vec<_>>());
    assert_eq!(events, swf.history("wf-pages", &run_id));

    let reversed = history_json(&["--reverse"]);
    assert_eq!(event_ids(&reversed), (1..=1002).rev().collect::<Vec<_>>());
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

/// Returns the decisions the daemon made in the last decision task of `events`, as the events
/// they produced.
fn events_of_last_decisions(events: &[Value]) -> Vec<&Value> {
    let completed = events
        .iter()
        .rev()
        .find(|event| event["eventType"] == "DecisionTaskCompleted")
        .expect("a DecisionTaskCompleted event");
    events_of_decisions(events, &completed["eventId"])
}

/// Returns the events that the decisions of one task produced: those that name its
/// DecisionTaskCompleted event.
fn events_of_decisions<'a>(events: &'a [Value], completed_id: &Value) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|event| {
            let members = event.as_object().into_iter().flatten();
            members
                .filter(|(name, _)| name.ends_with("EventAttributes"))
                .any(|(_, attributes)| attributes["decisionTaskCompletedEventId"] == *completed_id)
        })
        .collect()
}

/// Returns the event type that a successful decision of the demo workflow records.
fn recorded_event_type(decision_type: &str) -> &'static str {
    match decision_type {
        "StartTimer" => "TimerStarted",
        "CompleteWorkflowExecution" => "WorkflowExecutionCompleted",
        "FailWorkflowExecution" => "WorkflowExecutionFailed",
        other => panic!("the demo workflow makes no {other} decision"),
    }
}

fn replay(home: &Path, args: &[&str]) -> Output {
    let mut full = vec!["replay"];
    full.extend_from_slice(args);
    run_caravan(&caravan_bin(), &full, home, &[])
}

fn replay_json(home: &Path, history: &Path, extra: &[&str]) -> Value {
    let demo = plugins().demo.display().to_string();
    let history = history.display().to_string();
    let mut args = vec!["--plugin", demo.as_str(), history.as_str(), "--output", "json"];
    args.extend_from_slice(extra);
    let output = replay(home, &args);
    assert!(
        output.status.success(),
        "replay failed with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("replay prints JSON")
}

#[test]
fn replay_matches_daemon_decisions() {
    let run = DemoRun::start();

    // The first task: the daemon started the demo's timer.
    let first = run.save_history("first.json");
    let decided = replay_json(run.home(), &first, &[]);
    let decisions = decided["decisions"].as_array().expect("decisions");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&first).expect("read")).expect("JSON");
    let produced = events_of_last_decisions(saved["events"].as_array().expect("events"));
    assert_eq!(decisions.len(), produced.len(), "{decided}");
    assert_eq!(decisions[0]["decisionType"], "StartTimer");
    assert_eq!(produced[0]["eventType"], "TimerStarted");
    let timer = &decisions[0]["startTimerDecisionAttributes"];
    let started = &produced[0]["timerStartedEventAttributes"];
    assert_eq!(timer["timerId"], started["timerId"]);
    assert_eq!(timer["startToFireTimeout"], started["startToFireTimeout"]);

    // The last task: STOP completed the execution.
    run.stop_execution();
    let last = run.save_history("last.json");
    let decided = replay_json(run.home(), &last, &[]);
    let decisions = decided["decisions"].as_array().expect("decisions");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&last).expect("read")).expect("JSON");
    let produced = events_of_last_decisions(saved["events"].as_array().expect("events"));
    assert_eq!(decisions.len(), produced.len(), "{decided}");
    assert_eq!(decisions[0]["decisionType"], "CompleteWorkflowExecution");
    assert_eq!(produced[0]["eventType"], "WorkflowExecutionCompleted");
    assert_eq!(
        decisions[0]["completeWorkflowExecutionDecisionAttributes"]["result"],
        produced[0]["workflowExecutionCompletedEventAttributes"]["result"]
    );

    // The table names the decision and its key attributes.
    let demo = plugins().demo.display().to_string();
    let output = replay(run.home(), &["--plugin", &demo, &last.display().to_string()]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(table.contains("CompleteWorkflowExecution"), "{table}");
    assert!(table.contains(r#"result="{\"success\": true}""#), "{table}");
}

#[test]
fn replay_each_task_of_history() {
    let run = DemoRun::start();
    run.swf.signal(&run.workflow_id, "PRINT", "replayed");
    assert!(run.daemon.wait_for_log("replayed", WAIT), "{}", run.daemon.log());
    run.stop_execution();
    let history = run.save_history("history.json");
    let events = run.swf.history(&run.workflow_id, &run.run_id);

    let completed: Vec<&Value> = events
        .iter()
        .filter(|event| event["eventType"] == "DecisionTaskCompleted")
        .collect();
    assert_eq!(completed.len(), 3, "{events:?}");
    for task in completed {
        let started_event_id = task["decisionTaskCompletedEventAttributes"]["startedEventId"].to_string();

        let decided = replay_json(run.home(), &history, &["--started-event-id", &started_event_id]);

        let expected: Vec<&str> = decided["decisions"]
            .as_array()
            .expect("decisions")
            .iter()
            .map(|decision| recorded_event_type(decision["decisionType"].as_str().expect("decisionType")))
            .collect();
        let produced: Vec<&str> = events_of_decisions(&events, &task["eventId"])
            .iter()
            .map(|event| event["eventType"].as_str().expect("eventType"))
            .collect();
        assert_eq!(produced, expected, "task of event {started_event_id}");
    }
}

/// Writes `text` to `name` in `folder` and returns the path as text.
fn write_file(folder: &Path, name: &str, text: &str) -> String {
    let path = folder.join(name);
    std::fs::write(&path, text).expect("write the file");
    path.display().to_string()
}

/// A saved history of a Demo execution at its first decision task.
const FIRST_TASK: &str = r#"{"events": [
  {"eventId": 1, "eventTimestamp": 1420070400.0, "eventType": "WorkflowExecutionStarted",
   "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "Demo", "version": "0.1"},
     "taskList": {"name": "default"}, "childPolicy": "TERMINATE"}},
  {"eventId": 2, "eventTimestamp": 1420070400.0, "eventType": "DecisionTaskScheduled",
   "decisionTaskScheduledEventAttributes": {"taskList": {"name": "default"}}},
  {"eventId": 3, "eventTimestamp": 1420070400.0, "eventType": "DecisionTaskStarted",
   "decisionTaskStartedEventAttributes": {"scheduledEventId": 2}}
]}"#;

/// Runs `caravan replay` with nothing but PATH and HOME in its environment: no region, no
/// credentials and no endpoint, which an SWF client would need.
fn replay_without_aws(home: &Path, args: &[&str]) -> Output {
    Command::new(caravan_bin())
        .arg("replay")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .output()
        .expect("caravan replay runs")
}

#[test]
fn replay_needs_no_aws_settings() {
    let folder = scratch();
    let history = write_file(folder.path(), "first.json", FIRST_TASK);
    let demo = plugins().demo.display().to_string();

    let output = replay_without_aws(folder.path(), &["--plugin", &demo, &history]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("StartTimer"), "{stdout}");
    assert!(stdout.contains("timerId=SignalTimeout"), "{stdout}");
}

#[test]
fn replay_bad_input() {
    let folder = scratch();
    let home = folder.path();
    let demo = plugins().demo.display().to_string();
    let missing = home.join("missing.json").display().to_string();
    let not_json = write_file(home, "not.json", "this is not JSON");
    let no_start = write_file(
        home,
        "no-start.json",
        r#"[{"eventId": 3, "eventType": "DecisionTaskStarted", "decisionTaskStartedEventAttributes": {"scheduledEventId": 2}}]"#,
    );
    let other_type = write_file(home, "other-type.json", &FIRST_TASK.replace("\"Demo\"", "\"Other\""));
    let first = write_file(home, "first.json", FIRST_TASK);
    let missing_plugin = home.join("missing.so").display().to_string();

    // (arguments, exit code, fragments of stderr)
    let cases: Vec<(Vec<&str>, i32, Vec<&str>)> = vec![
        (
            vec!["--plugin", &demo, &missing],
            1,
            vec![&missing, "cannot read the history"],
        ),
        (vec!["--plugin", &demo, &not_json], 1, vec![&not_json, "not valid JSON"]),
        (
            vec!["--plugin", &demo, &no_start],
            1,
            vec![&no_start, "no WorkflowExecutionStarted"],
        ),
        (
            vec!["--plugin", &demo, &other_type],
            1,
            vec![&other_type, "does not serve workflow type Other:0.1", "Demo:0.1"],
        ),
        (
            vec!["--plugin", &demo, &first, "--workflow-type", "Demo:9"],
            64,
            vec!["--workflow-type", "Demo:9"],
        ),
        (
            vec!["--plugin", &demo, &first, "--workflow-type", "Demo"],
            64,
            vec!["NAME:VERSION"],
        ),
        (
            vec!["--plugin", &demo, &first, "--started-event-id", "2"],
            64,
            vec!["--started-event-id", "DecisionTaskScheduled", &first],
        ),
        (vec!["--plugin", &missing_plugin, &first], 78, vec![&missing_plugin]),
    ];

    for (args, code, fragments) in cases {
        let output = replay_without_aws(home, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        for fragment in fragments {
            assert!(
                stderr.contains(fragment),
                "{args:?}: stderr lacks {fragment:?}:\n{stderr}"
            );
        }
        assert!(
            output.stdout.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}
