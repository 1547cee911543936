//! The export shim, driven through the functions `export_plugin!` generates, as the host
//! calls them.

// This test plays the host, so it calls the plugin's C functions.
#![allow(unsafe_code)]

use std::sync::{Mutex, PoisonError};
use std::thread;

use caravan_plugin::abi::{
    ABI_MAJOR, ABI_MINOR, AbiHeader, Buffer, HostV1, LOG_ERROR, LOG_INFO, MAGIC, PluginV1, STATUS_ERROR, STATUS_OK,
    STATUS_PANIC,
};
use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::DecisionTask;
use caravan_plugin::manifest::{Manifest, WorkflowRegistration};
use caravan_plugin::{SDK_VERSION, Workflow, WorkflowError};
use serde_json::json;

struct Echo;

impl Workflow for Echo {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Echo", "1").default_task_list("echo")
    }

    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let workflow_id = &task.workflow_execution.workflow_id;
        caravan_plugin::log::info!("echo deciding {workflow_id}");

        let mut decisions = Decisions::new();
        decisions.push(Decision::complete_workflow_execution(Some(workflow_id.clone())));
        Ok(decisions)
    }
}

struct Fails;

impl Workflow for Fails {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Fails", "1")
    }

    fn decide(&self, _task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        Err("fails on purpose".into())
    }
}

struct Panics;

impl Workflow for Panics {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Panics", "1")
    }

    fn decide(&self, _task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        panic!("boom on purpose");
    }
}

/// Panics on a thread it starts itself, which no export call covers.
struct PanicsOnOwnThread;

impl Workflow for PanicsOnOwnThread {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("PanicsOnOwnThread", "1")
    }

    fn decide(&self, _task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        let worker = thread::Builder::new()
            .name("shim-worker".to_owned())
            .spawn(|| panic!("worker boom on purpose"))
            .map_err(WorkflowError::from_error)?;

        let joined = worker.join();
        assert!(joined.is_err(), "the worker thread should have panicked");
        Ok(Decisions::new())
    }
}

caravan_plugin::export_plugin! {
    name: "shim-test",
    version: "9.8.7",
    workflows: [Echo, Fails, Panics, PanicsOnOwnThread],
}

/// Log records the plugin sent to the host: level, target and message.
static LOG_RECORDS: Mutex<Vec<(u32, String, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn record_log(
    level: u32,
    target: *const u8,
    target_len: usize,
    message: *const u8,
    message_len: usize,
) {
    // SAFETY: the plugin passes two UTF-8 byte ranges that are valid during this call.
    let (target, message) = unsafe {
        (
            std::slice::from_raw_parts(target, target_len),
            std::slice::from_raw_parts(message, message_len),
        )
    };
    let target = String::from_utf8_lossy(target).into_owned();
    let message = String::from_utf8_lossy(message).into_owned();

    // The shim's panic hook replaces the test harness's, so print errors to keep the
    // messages of failing assertions visible.
    if level == LOG_ERROR {
        eprintln!("{target}: {message}");
    }
    LOG_RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((level, target, message));
}

static HOST: HostV1 = HostV1 { log: record_log };

fn plugin() -> &'static PluginV1 {
    let header = __caravan_plugin_export::caravan_plugin_descriptor();

    // SAFETY: the descriptor of an ABI 1 plugin is a static PluginV1 that starts with the header.
    unsafe { &*header.cast::<PluginV1>() }
}

fn init_plugin() {
    // SAFETY: HOST is a valid static HostV1 whose log function follows the contract.
    let status = unsafe { (plugin().init)(&HOST) };
    assert_eq!(status, STATUS_OK);
}

/// Copies the bytes out of a buffer the plugin returned, then frees it.
fn take_buffer(buffer: Buffer) -> String {
    // SAFETY: the plugin has just written this buffer, and it is not freed yet.
    let text = String::from_utf8(unsafe { buffer.as_bytes() }.to_vec()).unwrap();
    // SAFETY: the buffer came from this plugin and is freed once.
    unsafe { (plugin().free_buffer)(buffer) };
    text
}

fn call_decide(task: &[u8]) -> (u32, String) {
    init_plugin();

    let mut out = Buffer::empty();
    // SAFETY: `task` and `out` are valid for the duration of the call.
    let status = unsafe { (plugin().decide)(task.as_ptr(), task.len(), &mut out) };
    (status, take_buffer(out))
}

fn task_json(workflow_id: &str, name: &str, version: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "startedEventId": 3,
        "previousStartedEventId": 0,
        "workflowExecution": {"workflowId": workflow_id, "runId": "run-1"},
        "workflowType": {"name": name, "version": version},
        "events": [
            {"eventId": 1, "eventTimestamp": 1735689600.0, "eventType": "WorkflowExecutionStarted",
             "workflowExecutionStartedEventAttributes": {
                "childPolicy": "TERMINATE", "taskList": {"name": "echo"},
                "workflowType": {"name": name, "version": version}}},
            {"eventId": 2, "eventTimestamp": 1735689600.0, "eventType": "DecisionTaskScheduled",
             "decisionTaskScheduledEventAttributes": {"taskList": {"name": "echo"}}},
            {"eventId": 3, "eventTimestamp": 1735689600.5, "eventType": "DecisionTaskStarted",
             "decisionTaskStartedEventAttributes": {"scheduledEventId": 2}}
        ]
    }))
    .unwrap()
}

fn logged(level: u32, needle: &str) -> Option<(u32, String, String)> {
    LOG_RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|(record_level, _, message)| *record_level == level && message.contains(needle))
        .cloned()
}

#[test]
fn descriptor_header_is_current() {
    let header: &AbiHeader = &plugin().header;

    assert_eq!(header.magic, MAGIC);
    assert_eq!(header.abi_major, ABI_MAJOR);
    assert_eq!(header.abi_minor, ABI_MINOR);
}

#[test]
fn init_is_idempotent() {
    init_plugin();
    init_plugin();
}

#[test]
fn init_rejects_null_host() {
    // SAFETY: a null host is allowed and returns an error.
    let status = unsafe { (plugin().init)(std::ptr::null()) };

    assert_eq!(status, STATUS_ERROR);
}

#[test]
fn manifest_parses_and_lists_workflows() {
    init_plugin();
    let mut out = Buffer::empty();

    // SAFETY: `out` is valid for writes during the call.
    let status = unsafe { (plugin().manifest)(&mut out) };
    let text = take_buffer(out);

    assert_eq!(status, STATUS_OK, "{text}");
    let manifest: Manifest = serde_json::from_str(&text).unwrap();
    assert_eq!(manifest.name, "shim-test");
    assert_eq!(manifest.version, "9.8.7");
    assert_eq!(manifest.sdk_version, SDK_VERSION);
    let names: Vec<&str> = manifest
        .workflows
        .iter()
        .map(|workflow| workflow.name.as_str())
        .collect();
    assert_eq!(names, ["Echo", "Fails", "Panics", "PanicsOnOwnThread"]);
    assert_eq!(manifest.workflows[0].default_task_list.as_ref().unwrap().name, "echo");
}

#[test]
fn decide_returns_decisions() {
    let (status, text) = call_decide(&task_json("order-1", "Echo", "1"));

    assert_eq!(status, STATUS_OK, "{text}");
    let decisions: Decisions = serde_json::from_str(&text).unwrap();
    assert_eq!(
        decisions.decisions,
        vec![Decision::complete_workflow_execution(Some("order-1".to_owned()))]
    );
}

#[test]
fn decide_forwards_log_records() {
    let (status, text) = call_decide(&task_json("order-logged", "Echo", "1"));

    assert_eq!(status, STATUS_OK, "{text}");
    let (_, target, _) = logged(LOG_INFO, "echo deciding order-logged").expect("no info record");
    assert_eq!(target, "export");
}

#[test]
fn workflow_error_becomes_status_error() {
    let (status, text) = call_decide(&task_json("order-2", "Fails", "1"));

    assert_eq!(status, STATUS_ERROR);
    assert_eq!(text, "fails on purpose");
}

#[test]
fn panic_becomes_status_panic() {
    let (status, text) = call_decide(&task_json("order-3", "Panics", "1"));

    assert_eq!(status, STATUS_PANIC);
    assert!(text.starts_with("panicked at "), "{text}");
    assert!(text.contains("tests/export.rs:"), "{text}");
    assert!(text.ends_with(": boom on purpose"), "{text}");
}

#[test]
fn panic_on_plugin_thread_goes_to_host_log() {
    let (status, text) = call_decide(&task_json("order-4", "PanicsOnOwnThread", "1"));

    assert_eq!(status, STATUS_OK, "{text}");
    let (_, target, message) = logged(LOG_ERROR, "worker boom on purpose").expect("no error record for the panic");
    assert_eq!(target, "export");
    assert!(message.starts_with("thread 'shim-worker' panicked at "), "{message}");
}

#[test]
fn unknown_workflow_type_becomes_status_error() {
    let (status, text) = call_decide(&task_json("order-5", "Nope", "3"));

    assert_eq!(status, STATUS_ERROR);
    assert!(text.contains(r#"workflow type "Nope" version "3""#), "{text}");
    assert!(text.contains(r#""Echo" version "1""#), "{text}");
    assert!(text.contains(r#""PanicsOnOwnThread" version "1""#), "{text}");
}

#[test]
fn malformed_task_becomes_status_error() {
    let (status, text) = call_decide(b"{\"startedEventId\": 3,");

    assert_eq!(status, STATUS_ERROR);
    assert!(text.starts_with("invalid decision task JSON: "), "{text}");
}

#[test]
fn task_with_bad_event_names_the_event() {
    let mut task: serde_json::Value = serde_json::from_slice(&task_json("order-6", "Echo", "1")).unwrap();
    task["events"][2]["decisionTaskStartedEventAttributes"] = json!({});

    let (status, text) = call_decide(&serde_json::to_vec(&task).unwrap());

    assert_eq!(status, STATUS_ERROR);
    assert!(text.contains("event 3 (DecisionTaskStarted)"), "{text}");
    assert!(text.contains("scheduledEventId"), "{text}");
}

#[test]
fn null_out_pointer_is_rejected() {
    let task = task_json("order-7", "Echo", "1");

    // SAFETY: a null `out` is allowed and returns an error without writing.
    let status = unsafe { (plugin().decide)(task.as_ptr(), task.len(), std::ptr::null_mut()) };

    assert_eq!(status, STATUS_ERROR);
}

#[test]
fn concurrent_decides_stay_separate() {
    let workers: Vec<_> = (0..8)
        .map(|index| {
            thread::spawn(move || {
                let workflow_id = format!("parallel-{index}");
                let (status, text) = call_decide(&task_json(&workflow_id, "Echo", "1"));
                (workflow_id, status, text)
            })
        })
        .collect();

    for worker in workers {
        let (workflow_id, status, text) = worker.join().unwrap();
        assert_eq!(status, STATUS_OK, "{text}");
        let decisions: Decisions = serde_json::from_str(&text).unwrap();
        assert_eq!(
            decisions.decisions,
            vec![Decision::complete_workflow_execution(Some(workflow_id))]
        );
    }
}
