//! SWF clients that caravan did not write, run unchanged against `caravan local`: boto3 and the AWS
//! CLI through every operation, the Python caravan 0.2.2 decider with its demo workflow, and a
//! simpleflow 0.36 decider and activity worker. Each test starts its own endpoint with a 1-second
//! poll window, so that empty polls return quickly.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::endpoint::Endpoint;
use crate::support::python::{ClientProcess, clients_folder, command, program, stdout_of};
use crate::support::swf::{Swf, attributes};
use crate::support::{scratch, unique_name};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn boto3_all_operations() {
    let endpoint = Endpoint::local_with_poll_window(1);
    let folder = scratch();
    let url = endpoint.url();

    let output = command(&program("python"), folder.path(), &url)
        .arg(clients_folder().join("boto3_all_operations.py"))
        .arg(&url)
        .arg(unique_name("boto3"))
        .output()
        .expect("python runs");

    let stdout = stdout_of("tests/clients/boto3_all_operations.py", &output);
    assert!(stdout.contains("all 39 SWF operations passed"), "{stdout}");
}

/// Runs `aws swf OPERATION` against one endpoint and records which operations it ran.
struct AwsCli {
    program: PathBuf,
    home: PathBuf,
    endpoint: String,
    called: BTreeSet<String>,
}

impl AwsCli {
    fn new(home: &Path, endpoint: &str) -> AwsCli {
        AwsCli {
            program: program("aws"),
            home: home.to_path_buf(),
            endpoint: endpoint.to_string(),
            called: BTreeSet::new(),
        }
    }

    fn output(&self, operation: &str, args: &[&str]) -> std::process::Output {
        command(&self.program, &self.home, &self.endpoint)
            .args(["swf", operation, "--endpoint-url", &self.endpoint, "--output", "json"])
            .args(args)
            .output()
            .expect("aws runs")
    }

    /// Runs an operation that must succeed, and returns its JSON output: an object, or `Null` for
    /// the operations that have no output.
    fn call(&mut self, operation: &str, args: &[&str]) -> Value {
        let output = self.output(operation, args);
        let stdout = stdout_of(&format!("aws swf {operation} {}", args.join(" ")), &output);
        self.called.insert(operation.to_string());
        if stdout.trim().is_empty() {
            return Value::Null;
        }

        let value: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|error| panic!("aws swf {operation} printed invalid JSON ({error}):\n{stdout}"));
        assert!(value.is_object(), "aws swf {operation} printed {value}");
        value
    }

    /// Runs an operation that must fail with the SWF error `code`.
    fn fail(&self, operation: &str, args: &[&str], code: &str) {
        let output = self.output(operation, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(255), "aws swf {operation}: {stderr}");
        assert!(stderr.contains(&format!("({code})")), "aws swf {operation}: {stderr}");
    }
}

/// Returns the AWS CLI names (`register-domain`, ...) of the operations in botocore's SWF model.
fn cli_operation_names(home: &Path, endpoint: &str) -> BTreeSet<String> {
    let script = "import botocore.session\n\
                  from botocore import xform_name\n\
                  model = botocore.session.get_session().get_service_model('swf')\n\
                  print('\\n'.join(xform_name(name, '-') for name in model.operation_names))";
    let output = command(&program("python"), home, endpoint)
        .args(["-c", script])
        .output()
        .expect("python runs");
    let stdout = stdout_of("listing botocore's SWF operations", &output);
    stdout.lines().map(str::to_string).collect()
}

fn token(task: &Value) -> String {
    task["taskToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no task token in {task}"))
        .to_string()
}

fn event_types(events: &Value) -> Vec<&str> {
    events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|event| event["eventType"].as_str())
        .collect()
}

fn schedule_charge(activity_id: &str) -> Value {
    json!({
        "decisionType": "ScheduleActivityTask",
        "scheduleActivityTaskDecisionAttributes": {
            "activityType": {"name": "Charge", "version": "1"},
            "activityId": activity_id,
            "heartbeatTimeout": "60",
        },
    })
}

#[test]
fn aws_cli_all_operations() {
    let endpoint = Endpoint::local_with_poll_window(1);
    let folder = scratch();
    let url = endpoint.url();
    let mut aws = AwsCli::new(folder.path(), &url);
    let domain = unique_name("cli");
    let since = "oldestDate=2020-01-01T00:00:00Z";
    let workflow_type = "name=Order,version=1";
    let activity_type = "name=Charge,version=1";

    // Domains and tags.
    aws.call(
        "register-domain",
        &[
            "--name",
            &domain,
            "--workflow-execution-retention-period-in-days",
            "1",
            "--tags",
            "key=team,value=payments",
        ],
    );
    aws.fail(
        "register-domain",
        &["--name", &domain, "--workflow-execution-retention-period-in-days", "1"],
        "DomainAlreadyExistsFault",
    );
    aws.fail("describe-domain", &["--name", "no-such-domain"], "UnknownResourceFault");
    let described = aws.call("describe-domain", &["--name", &domain]);
    assert_eq!(described["domainInfo"]["status"], "REGISTERED", "{described}");
    let arn = described["domainInfo"]["arn"].as_str().expect("arn").to_string();
    let listed = aws.call("list-domains", &["--registration-status", "REGISTERED"]);
    assert!(listed.to_string().contains(&domain), "{listed}");
    aws.call(
        "tag-resource",
        &["--resource-arn", &arn, "--tags", "key=stage,value=test"],
    );
    aws.call("untag-resource", &["--resource-arn", &arn, "--tag-keys", "team"]);
    let tags = aws.call("list-tags-for-resource", &["--resource-arn", &arn]);
    assert_eq!(tags["tags"], json!([{"key": "stage", "value": "test"}]), "{tags}");

    // Types.
    aws.call(
        "register-workflow-type",
        &[
            "--domain",
            &domain,
            "--name",
            "Order",
            "--workflow-version",
            "1",
            "--default-task-list",
            "name=orders",
            "--default-task-start-to-close-timeout",
            "30",
            "--default-execution-start-to-close-timeout",
            "600",
            "--default-child-policy",
            "TERMINATE",
        ],
    );
    aws.fail(
        "register-workflow-type",
        &["--domain", &domain, "--name", "Order", "--workflow-version", "1"],
        "TypeAlreadyExistsFault",
    );
    aws.call(
        "register-activity-type",
        &[
            "--domain",
            &domain,
            "--name",
            "Charge",
            "--activity-version",
            "1",
            "--default-task-list",
            "name=orders",
            "--default-task-start-to-close-timeout",
            "60",
            "--default-task-schedule-to-start-timeout",
            "60",
            "--default-task-schedule-to-close-timeout",
            "120",
        ],
    );
    let workflow = aws.call(
        "describe-workflow-type",
        &["--domain", &domain, "--workflow-type", workflow_type],
    );
    assert_eq!(
        workflow["configuration"]["defaultTaskList"]["name"], "orders",
        "{workflow}"
    );
    let activity = aws.call(
        "describe-activity-type",
        &["--domain", &domain, "--activity-type", activity_type],
    );
    assert_eq!(activity["typeInfo"]["status"], "REGISTERED", "{activity}");
    let workflows = aws.call(
        "list-workflow-types",
        &["--domain", &domain, "--registration-status", "REGISTERED"],
    );
    assert_eq!(workflows["typeInfos"].as_array().map(Vec::len), Some(1), "{workflows}");
    let activities = aws.call(
        "list-activity-types",
        &["--domain", &domain, "--registration-status", "REGISTERED"],
    );
    assert_eq!(
        activities["typeInfos"].as_array().map(Vec::len),
        Some(1),
        "{activities}"
    );

    // One execution through three activity tasks, a signal and completion.
    let started = aws.call(
        "start-workflow-execution",
        &[
            "--domain",
            &domain,
            "--workflow-id",
            "order-1",
            "--workflow-type",
            workflow_type,
            "--input",
            "first order",
        ],
    );
    let run_id = started["runId"].as_str().expect("run id").to_string();
    let execution = format!("workflowId=order-1,runId={run_id}");
    let pending = aws.call(
        "count-pending-decision-tasks",
        &["--domain", &domain, "--task-list", "name=orders"],
    );
    assert_eq!(pending["count"], 1, "{pending}");

    let poll_decision = ["--domain", &domain, "--task-list", "name=orders", "--identity", "cli"];
    let task = aws.call("poll-for-decision-task", &poll_decision);
    assert_eq!(task["workflowExecution"]["runId"], run_id.as_str(), "{task}");
    let decisions = json!([
        schedule_charge("charge-1"),
        schedule_charge("charge-2"),
        schedule_charge("charge-3"),
        {
            "decisionType": "RecordMarker",
            "recordMarkerDecisionAttributes": {"markerName": "charging"},
        },
    ]);
    aws.call(
        "respond-decision-task-completed",
        &["--task-token", &token(&task), "--decisions", &decisions.to_string()],
    );
    let pending = aws.call(
        "count-pending-activity-tasks",
        &["--domain", &domain, "--task-list", "name=orders"],
    );
    assert_eq!(pending["count"], 3, "{pending}");

    let poll_activity = ["--domain", &domain, "--task-list", "name=orders", "--identity", "cli"];
    let first = aws.call("poll-for-activity-task", &poll_activity);
    assert_eq!(first["activityId"], "charge-1", "{first}");
    let heartbeat = aws.call(
        "record-activity-task-heartbeat",
        &["--task-token", &token(&first), "--details", "half"],
    );
    assert_eq!(heartbeat["cancelRequested"], false, "{heartbeat}");
    aws.call(
        "respond-activity-task-completed",
        &["--task-token", &token(&first), "--result", "charged"],
    );
    let second = aws.call("poll-for-activity-task", &poll_activity);
    assert_eq!(second["activityId"], "charge-2", "{second}");
    aws.call(
        "respond-activity-task-failed",
        &["--task-token", &token(&second), "--reason", "card declined"],
    );
    let third = aws.call("poll-for-activity-task", &poll_activity);
    assert_eq!(third["activityId"], "charge-3", "{third}");

    let task = aws.call("poll-for-decision-task", &poll_decision);
    let types = event_types(&task["events"]);
    assert!(types.contains(&"ActivityTaskFailed"), "{types:?}");
    let cancel = json!([{
        "decisionType": "RequestCancelActivityTask",
        "requestCancelActivityTaskDecisionAttributes": {"activityId": "charge-3"},
    }]);
    aws.call(
        "respond-decision-task-completed",
        &["--task-token", &token(&task), "--decisions", &cancel.to_string()],
    );
    let heartbeat = aws.call("record-activity-task-heartbeat", &["--task-token", &token(&third)]);
    assert_eq!(heartbeat["cancelRequested"], true, "{heartbeat}");
    aws.call(
        "respond-activity-task-canceled",
        &["--task-token", &token(&third), "--details", "stopped"],
    );

    aws.call(
        "signal-workflow-execution",
        &[
            "--domain",
            &domain,
            "--workflow-id",
            "order-1",
            "--signal-name",
            "shipped",
            "--input",
            "parcel 7",
        ],
    );
    let task = aws.call("poll-for-decision-task", &poll_decision);
    let types = event_types(&task["events"]);
    assert!(types.contains(&"WorkflowExecutionSignaled"), "{types:?}");
    let complete = json!([{
        "decisionType": "CompleteWorkflowExecution",
        "completeWorkflowExecutionDecisionAttributes": {"result": "done"},
    }]);
    aws.call(
        "respond-decision-task-completed",
        &["--task-token", &token(&task), "--decisions", &complete.to_string()],
    );

    let described = aws.call(
        "describe-workflow-execution",
        &["--domain", &domain, "--execution", &execution],
    );
    assert_eq!(described["executionInfo"]["closeStatus"], "COMPLETED", "{described}");
    let history = aws.call(
        "get-workflow-execution-history",
        &["--domain", &domain, "--execution", &execution],
    );
    let types = event_types(&history["events"]);
    for expected in [
        "ActivityTaskCompleted",
        "ActivityTaskFailed",
        "ActivityTaskCanceled",
        "MarkerRecorded",
        "WorkflowExecutionSignaled",
        "WorkflowExecutionCompleted",
    ] {
        assert!(types.contains(&expected), "{expected} missing from {types:?}");
    }

    // A second execution gets a cancel request and is then terminated.
    aws.call(
        "start-workflow-execution",
        &[
            "--domain",
            &domain,
            "--workflow-id",
            "order-2",
            "--workflow-type",
            workflow_type,
        ],
    );
    let open = aws.call(
        "list-open-workflow-executions",
        &["--domain", &domain, "--start-time-filter", since],
    );
    assert_eq!(
        open["executionInfos"][0]["execution"]["workflowId"], "order-2",
        "{open}"
    );
    let counted = aws.call(
        "count-open-workflow-executions",
        &["--domain", &domain, "--start-time-filter", since],
    );
    assert_eq!(counted["count"], 1, "{counted}");
    aws.call(
        "request-cancel-workflow-execution",
        &["--domain", &domain, "--workflow-id", "order-2"],
    );
    aws.call(
        "terminate-workflow-execution",
        &["--domain", &domain, "--workflow-id", "order-2", "--reason", "duplicate"],
    );
    let closed = aws.call(
        "list-closed-workflow-executions",
        &["--domain", &domain, "--start-time-filter", since],
    );
    assert_eq!(closed["executionInfos"].as_array().map(Vec::len), Some(2), "{closed}");
    let counted = aws.call(
        "count-closed-workflow-executions",
        &[
            "--domain",
            &domain,
            "--start-time-filter",
            since,
            "--close-status-filter",
            "status=TERMINATED",
        ],
    );
    assert_eq!(counted["count"], 1, "{counted}");

    // Polls of a task list without tasks return no task after the 1-second poll window. The CLI
    // pages PollForDecisionTask, and its merged output shows the missing token as null.
    let idle = ["--domain", &domain, "--task-list", "name=idle"];
    let empty = aws.call("poll-for-decision-task", &idle);
    assert!(empty["taskToken"].is_null(), "{empty}");
    let empty = aws.call("poll-for-activity-task", &idle);
    assert!(empty["taskToken"].is_null(), "{empty}");

    // Deprecation and deletion.
    let workflow = ["--domain", &domain, "--workflow-type", workflow_type];
    aws.call("deprecate-workflow-type", &workflow);
    aws.call("undeprecate-workflow-type", &workflow);
    aws.call("deprecate-workflow-type", &workflow);
    aws.call("delete-workflow-type", &workflow);
    aws.fail("describe-workflow-type", &workflow, "UnknownResourceFault");
    let activity = ["--domain", &domain, "--activity-type", activity_type];
    aws.call("deprecate-activity-type", &activity);
    aws.call("undeprecate-activity-type", &activity);
    aws.call("deprecate-activity-type", &activity);
    aws.call("delete-activity-type", &activity);
    aws.call("deprecate-domain", &["--name", &domain]);
    let described = aws.call("describe-domain", &["--name", &domain]);
    assert_eq!(described["domainInfo"]["status"], "DEPRECATED", "{described}");
    aws.call("undeprecate-domain", &["--name", &domain]);

    let operations = cli_operation_names(folder.path(), &url);
    assert_eq!(operations.len(), 39, "{operations:?}");
    let missed: Vec<_> = operations.difference(&aws.called).collect();
    assert!(missed.is_empty(), "operations not run: {missed:?}");
}

/// Returns the run id from the Python `caravan-start` output `Execution started. RunId: ...`.
fn python_caravan_run_id(output: &str) -> String {
    output
        .trim()
        .strip_prefix("Execution started. RunId: ")
        .unwrap_or_else(|| panic!("unexpected caravan-start output: {output}"))
        .to_string()
}

/// Follows the Python caravan 0.2.2 quick start, with its own commands and its demo workflow
/// module, `caravan.examples.demo`. `caravan-list` is left out because it fails before any request:
/// it calls `Arrow.replace(days=-1)`, which arrow 1.4, the release pip installs for it, rejects.
#[test]
fn python_caravan_demo() {
    let endpoint = Endpoint::local_with_poll_window(1);
    let folder = scratch();
    let home = folder.path();
    let url = endpoint.url();
    let domain = unique_name("CaravanDemo");
    let swf = Swf::new(&url, &domain);
    let run = |name: &str, args: &[&str]| {
        let output = command(&program(name), home, &url)
            .args(args)
            .output()
            .unwrap_or_else(|error| panic!("{name} does not start: {error}"));
        stdout_of(name, &output)
    };

    run("caravan-domain-register", &["-n", &domain, "--retention-days", "1"]);
    let domains = run("caravan-domain-list", &[]);
    assert!(domains.contains(&domain), "{domains}");

    let mut decider = command(&program("caravan-decider"), home, &url);
    decider.args([
        "-d",
        &domain,
        "-m",
        "caravan.examples.demo",
        "-t",
        "default",
        "--register-workflows",
        "--verbose",
    ]);
    let decider = ClientProcess::spawn(decider, &home.join("decider.log"));
    assert!(
        decider.wait_for_log("Start decider worker", WAIT),
        "the decider did not start:\n{}",
        decider.log()
    );

    // Execution 1 waits on a timer for signals, prints PRINT's input and completes on STOP.
    let run_1 = python_caravan_run_id(&run(
        "caravan-start",
        &["-d", &domain, "-n", "Demo", "-v", "0.1", "-i", "1"],
    ));
    assert!(
        swf.wait_event("1", &run_1, "TimerStarted", WAIT).is_some(),
        "no timer started:\n{}",
        decider.log()
    );
    run(
        "caravan-signal",
        &["-d", &domain, "-i", "1", "-s", "PRINT", "--input", "Hello World!"],
    );
    assert!(
        decider.wait_for_log("The signal input is: 'Hello World!'", WAIT),
        "{}",
        decider.log()
    );
    run("caravan-signal", &["-d", &domain, "-i", "1", "-s", "STOP"]);
    assert_eq!(
        swf.wait_closed("1", &run_1, WAIT).as_deref(),
        Some("COMPLETED"),
        "{}",
        decider.log()
    );
    let history = swf.history("1", &run_1);
    let completed = attributes(&history, "WorkflowExecutionCompleted").expect("completed event");
    assert_eq!(completed["result"], r#"{"success": true}"#, "{completed}");

    // Execution 2 fails on ABORT; execution 3 is terminated.
    let run_2 = python_caravan_run_id(&run(
        "caravan-start",
        &["-d", &domain, "-n", "Demo", "-v", "0.1", "-i", "2"],
    ));
    assert!(
        swf.wait_event("2", &run_2, "TimerStarted", WAIT).is_some(),
        "{}",
        decider.log()
    );
    run("caravan-signal", &["-d", &domain, "-i", "2", "-s", "ABORT"]);
    assert_eq!(swf.wait_closed("2", &run_2, WAIT).as_deref(), Some("FAILED"));
    let history = swf.history("2", &run_2);
    let failed = attributes(&history, "WorkflowExecutionFailed").expect("failed event");
    assert_eq!(failed["reason"], "aborted", "{failed}");

    let run_3 = python_caravan_run_id(&run(
        "caravan-start",
        &["-d", &domain, "-n", "Demo", "-v", "0.1", "-i", "3"],
    ));
    run("caravan-terminate", &["-d", &domain, "-i", "3"]);
    assert_eq!(swf.wait_closed("3", &run_3, WAIT).as_deref(), Some("TERMINATED"));
}

/// Runs the Python caravan decider on a decision task whose history spans two pages. It completes
/// the demo execution only if it follows `nextPageToken` to the final `STOP` signal.
#[test]
fn python_caravan_follows_history_pages() {
    let endpoint = Endpoint::local_with_poll_window(1);
    let folder = scratch();
    let home = folder.path();
    let url = endpoint.url();
    let domain = unique_name("CaravanDemo");
    let swf = Swf::new(&url, &domain);
    swf.register_domain();
    swf.register_workflow_type("Demo", "0.1", "default");

    // WorkflowExecutionStarted, DecisionTaskScheduled and 1,100 signals make 1,102 events, and the
    // endpoint returns at most 1,000 events per page.
    let run_id = swf.start("pages", "Demo", "0.1", None);
    for number in 0..1_099 {
        swf.signal("pages", "PRINT", &number.to_string());
    }
    swf.signal("pages", "STOP", "done");

    let mut decider = command(&program("caravan-decider"), home, &url);
    decider.args([
        "-d",
        &domain,
        "-m",
        "caravan.examples.demo",
        "-t",
        "default",
        "--verbose",
    ]);
    let decider = ClientProcess::spawn(decider, &home.join("decider.log"));
    assert_eq!(
        swf.wait_closed("pages", &run_id, WAIT).as_deref(),
        Some("COMPLETED"),
        "{}",
        decider.log()
    );
    assert!(
        decider.log().contains("==== 1102 WorkflowExecutionSignaled"),
        "{}",
        decider.log()
    );
}

/// Runs `simpleflow_arithmetic.Arithmetic`, with a retried activity, a timer, a marker, a child
/// workflow and a signal, on simpleflow's own decider and activity worker processes, started by its
/// command-line tool as in production.
#[test]
fn simpleflow_workflow_completes() {
    let endpoint = Endpoint::local_with_poll_window(1);
    let folder = scratch();
    let home = folder.path();
    let url = endpoint.url();
    let domain = unique_name("simpleflow");
    let swf = Swf::new(&url, &domain);
    swf.register_domain();

    let clients = clients_folder();
    let simpleflow = |args: &[&str]| {
        let mut simpleflow = command(&program("simpleflow"), home, &url);
        simpleflow.args(args).env("PYTHONPATH", &clients);
        simpleflow
    };
    let decider = ClientProcess::spawn(
        simpleflow(&[
            "decider.start",
            "-d",
            &domain,
            "-t",
            "arithmetic",
            "-N",
            "1",
            "simpleflow_arithmetic.Arithmetic",
            "simpleflow_arithmetic.Double",
        ]),
        &home.join("decider.log"),
    );
    let worker = ClientProcess::spawn(
        simpleflow(&["worker.start", "-d", &domain, "-t", "arithmetic", "-N", "1"]),
        &home.join("worker.log"),
    );

    let attempts_file = home.join("attempts");
    let input = json!([5, attempts_file]).to_string();
    let output = simpleflow(&[
        "workflow.start",
        "-d",
        &domain,
        "--workflow-id",
        "arithmetic-1",
        "--input",
        &input,
        "simpleflow_arithmetic.Arithmetic",
    ])
    .output()
    .expect("simpleflow runs");
    let started = stdout_of("simpleflow workflow.start", &output);
    let run_id = started
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("unexpected workflow.start output: {started}"))
        .to_string();
    // simpleflow reads signal inputs as its own JSON of arguments.
    swf.signal("arithmetic-1", "proceed", r#"{"args": [], "kwargs": {}}"#);

    let logs = || format!("decider:\n{}\nworker:\n{}", decider.log(), worker.log());
    assert_eq!(
        swf.wait_closed("arithmetic-1", &run_id, WAIT).as_deref(),
        Some("COMPLETED"),
        "{}",
        logs()
    );
    let history = swf.history("arithmetic-1", &run_id);
    let completed = attributes(&history, "WorkflowExecutionCompleted").expect("completed event");
    assert_eq!(completed["result"], "12", "(5 + 1) * 2: {completed}");

    let count = |event_type: &str| history.iter().filter(|event| event["eventType"] == event_type).count();
    assert_eq!(count("ActivityTaskFailed"), 2, "{}", logs());
    assert_eq!(count("ActivityTaskCompleted"), 1, "{}", logs());
    let timers: Vec<_> = history
        .iter()
        .filter(|event| event["eventType"] == "TimerFired")
        .map(|event| event["timerFiredEventAttributes"]["timerId"].clone())
        .collect();
    assert!(timers.contains(&json!("pause")), "{timers:?}");
    assert_eq!(count("MarkerRecorded"), 1, "{}", logs());
    assert_eq!(count("WorkflowExecutionSignaled"), 1, "{}", logs());
    let child = attributes(&history, "ChildWorkflowExecutionCompleted").expect("child completed event");
    assert_eq!(child["result"], "12", "{child}");
    assert_eq!(std::fs::read_to_string(&attempts_file).expect("attempts file"), "3");
}
