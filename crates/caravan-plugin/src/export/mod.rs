//! Generic code behind [`export_plugin!`](crate::export_plugin). Only the code that the macro
//! generates calls it, so it is hidden from the docs and not a stable API.
//!
//! Each function here implements one function of
//! [`PluginV1Heartbeats`](crate::abi::PluginV1Heartbeats) for the plugin described by a
//! [`PluginDefinition`]. None of them lets a panic unwind into
//! the host.

mod logger;
mod panic;

use std::ffi::c_void;
use std::sync::atomic::AtomicBool;
use std::sync::{Once, OnceLock};

use crate::abi::{ActivityHost, Buffer, HostV1, STATUS_ERROR, STATUS_OK, STATUS_PANIC};
use crate::activity::{ActivityContext, ActivityOutcome, ActivityTask};
use crate::history::DecisionTask;
use crate::manifest::{ActivityRegistration, Manifest, WorkflowRegistration};
use crate::types::{ActivityType, WorkflowType};
use crate::{Activity, SDK_VERSION, Workflow};

/// A plugin as `export_plugin!` declares it, stored in a static of the plugin crate.
pub struct PluginDefinition {
    name: &'static str,
    version: &'static str,
    log_target: &'static str,
    build_workflows: fn() -> Vec<Box<dyn Workflow>>,
    build_activities: fn() -> Vec<Box<dyn Activity>>,
    registry: OnceLock<Result<Registry, String>>,
}

impl PluginDefinition {
    /// Declares a plugin. `log_target` is the target of log records about panics on threads
    /// the plugin started; the macro passes the plugin crate's module path.
    pub const fn new(
        name: &'static str,
        version: &'static str,
        log_target: &'static str,
        build_workflows: fn() -> Vec<Box<dyn Workflow>>,
        build_activities: fn() -> Vec<Box<dyn Activity>>,
    ) -> Self {
        Self {
            name,
            version,
            log_target,
            build_workflows,
            build_activities,
            registry: OnceLock::new(),
        }
    }

    /// Returns the workflows and activities, building them on first use. If building panics, the registry
    /// stays empty and the next call tries again.
    fn registry(&self) -> Result<&Registry, String> {
        self.registry
            .get_or_init(|| Registry::build(self))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// The plugin's workflows, activities and their registrations, built once.
struct Registry {
    /// `manifest.workflows[i]` is the registration of `workflows[i]`, and
    /// `manifest.activities[i]` that of `activities[i]`.
    manifest: Manifest,
    workflows: Vec<Box<dyn Workflow>>,
    activities: Vec<Box<dyn Activity>>,
}

impl Registry {
    fn build(definition: &PluginDefinition) -> Result<Self, String> {
        let workflows = (definition.build_workflows)();

        let mut registrations: Vec<WorkflowRegistration> = Vec::with_capacity(workflows.len());
        for workflow in &workflows {
            let registration = workflow.registration();
            if registrations.iter().any(|known| same_type(known, &registration)) {
                return Err(format!(
                    "plugin {:?} declares workflow type {:?} version {:?} twice; give each workflow in export_plugin! its own name and version",
                    definition.name, registration.name, registration.version
                ));
            }
            registrations.push(registration);
        }

        let activities = (definition.build_activities)();
        let mut activity_registrations: Vec<ActivityRegistration> = Vec::with_capacity(activities.len());
        for activity in &activities {
            let registration = activity.registration();
            let twice = activity_registrations
                .iter()
                .any(|known| known.name == registration.name && known.version == registration.version);
            if twice {
                return Err(format!(
                    "plugin {:?} declares activity type {:?} version {:?} twice; give each activity in export_plugin! its own name and version",
                    definition.name, registration.name, registration.version
                ));
            }
            activity_registrations.push(registration);
        }

        let manifest = Manifest {
            name: definition.name.to_owned(),
            version: definition.version.to_owned(),
            sdk_version: SDK_VERSION.to_owned(),
            workflows: registrations,
            activities: activity_registrations,
        };
        Ok(Self {
            manifest,
            workflows,
            activities,
        })
    }

    fn find_activity(&self, activity_type: &ActivityType) -> Result<&dyn Activity, String> {
        let position = self.manifest.activities.iter().position(|registration| {
            registration.name == activity_type.name && registration.version == activity_type.version
        });

        match position {
            Some(index) => Ok(self.activities[index].as_ref()),
            None => Err(format!(
                "plugin {:?} does not serve activity type {:?} version {:?}; it serves {} activity types",
                self.manifest.name,
                activity_type.name,
                activity_type.version,
                self.manifest.activities.len()
            )),
        }
    }

    fn find(&self, workflow_type: &WorkflowType) -> Result<&dyn Workflow, String> {
        let position = self.manifest.workflows.iter().position(|registration| {
            registration.name == workflow_type.name && registration.version == workflow_type.version
        });

        match position {
            Some(index) => Ok(self.workflows[index].as_ref()),
            None => Err(format!(
                "plugin {:?} does not serve workflow type {:?} version {:?}; it serves {}",
                self.manifest.name,
                workflow_type.name,
                workflow_type.version,
                self.served_types()
            )),
        }
    }

    fn served_types(&self) -> String {
        if self.manifest.workflows.is_empty() {
            return "no workflow types".to_owned();
        }

        let types: Vec<String> = self
            .manifest
            .workflows
            .iter()
            .map(|registration| format!("{:?} version {:?}", registration.name, registration.version))
            .collect();
        types.join(", ")
    }
}

fn same_type(left: &WorkflowRegistration, right: &WorkflowRegistration) -> bool {
    left.name == right.name && left.version == right.version
}

/// Implements `PluginV1::init`: installs the host logger and the panic hook, once.
///
/// # Safety
///
/// `host` must be null or point to a valid `HostV1` whose log function follows its contract.
pub unsafe fn init(plugin: &'static PluginDefinition, host: *const HostV1) -> u32 {
    static INITIALIZED: Once = Once::new();

    if host.is_null() {
        return STATUS_ERROR;
    }
    // SAFETY: `host` is not null, and the caller guarantees that it points to a valid HostV1.
    let host = unsafe { *host };

    let outcome = panic::catch(|| {
        INITIALIZED.call_once(|| {
            logger::install(host.log, plugin.log_target);
            panic::install_hook();
        });
    });
    match outcome {
        Ok(()) => STATUS_OK,
        Err(_) => STATUS_PANIC,
    }
}

/// Implements `PluginV1::manifest`.
///
/// # Safety
///
/// `out` must be null or valid for writes of a `Buffer`.
pub unsafe fn manifest(plugin: &'static PluginDefinition, out: *mut Buffer) -> u32 {
    if out.is_null() {
        return STATUS_ERROR;
    }

    let outcome = panic::catch(|| {
        let registry = plugin.registry()?;
        serde_json::to_vec(&registry.manifest).map_err(|error| format!("failed to serialize the manifest: {error}"))
    });

    // SAFETY: `out` is not null, and the caller guarantees that it is valid for writes.
    unsafe { write_outcome(out, outcome) }
}

/// Implements `PluginV1::decide`.
///
/// # Safety
///
/// `out` must be null or valid for writes of a `Buffer`, and `task` must be null or point to
/// `task_len` readable bytes that stay unchanged during the call.
pub unsafe fn decide(plugin: &'static PluginDefinition, task: *const u8, task_len: usize, out: *mut Buffer) -> u32 {
    if out.is_null() {
        return STATUS_ERROR;
    }

    let task: &[u8] = if task.is_null() {
        &[]
    } else {
        // SAFETY: `task` is not null, and the caller guarantees that it points to
        // `task_len` readable bytes that stay unchanged during the call.
        unsafe { std::slice::from_raw_parts(task, task_len) }
    };
    let outcome = panic::catch(|| decide_json(plugin, task));

    // SAFETY: `out` is not null, and the caller guarantees that it is valid for writes.
    unsafe { write_outcome(out, outcome) }
}

/// Implements `PluginV1Activities::run_activity`, the activity function of ABI 1.1, whose
/// activities cannot send heartbeat details. A failure the activity returns is a `STATUS_OK`
/// outcome. A panic in the activity returns `STATUS_PANIC`.
///
/// # Safety
///
/// `out` must be null or valid for writes of a `Buffer`. `task` must be null or point to
/// `task_len` readable bytes that stay unchanged during the call. `cancel` must be null or
/// point to an `AtomicBool` that stays valid during the call.
pub unsafe fn run_activity(
    plugin: &'static PluginDefinition,
    task: *const u8,
    task_len: usize,
    cancel: *const AtomicBool,
    out: *mut Buffer,
) -> u32 {
    if out.is_null() {
        return STATUS_ERROR;
    }

    // SAFETY: the caller guarantees that `task` is null or points to `task_len` readable bytes
    // that stay unchanged during the call.
    let task = unsafe { borrow_bytes(task, task_len) };
    let never_cancelled = AtomicBool::new(false);
    // SAFETY: the caller guarantees that `cancel` is null or valid during the call.
    let cancel = unsafe { borrow_flag(cancel) }.unwrap_or(&never_cancelled);
    let context = ActivityContext::new(cancel);
    let outcome = panic::catch(|| run_activity_json(plugin, task, &context));

    // SAFETY: `out` is not null, and the caller guarantees that it is valid for writes.
    unsafe { write_outcome(out, outcome) }
}

/// Implements `PluginV1Heartbeats::run_activity_with_host`: like [`run_activity`], and the
/// activity's `record_heartbeat` calls go to the host's function in `host`.
///
/// # Safety
///
/// `out` and `task` are as in [`run_activity`]. `host` must be null or point to an
/// `ActivityHost` that stays valid during the call and follows its contract.
pub unsafe fn run_activity_with_host(
    plugin: &'static PluginDefinition,
    task: *const u8,
    task_len: usize,
    host: *const ActivityHost,
    out: *mut Buffer,
) -> u32 {
    if out.is_null() {
        return STATUS_ERROR;
    }

    // SAFETY: the caller guarantees that `task` is null or points to `task_len` readable bytes
    // that stay unchanged during the call.
    let task = unsafe { borrow_bytes(task, task_len) };
    // SAFETY: the caller guarantees that `host` is null or points to an `ActivityHost` that
    // stays valid during the call.
    let host: Option<ActivityHost> = unsafe { host.as_ref() }.copied();
    let never_cancelled = AtomicBool::new(false);
    // SAFETY: the `ActivityHost` contract requires `cancel` to be null or valid during the call.
    let cancel = unsafe { borrow_flag(host.map_or(std::ptr::null(), |host| host.cancel)) }.unwrap_or(&never_cancelled);
    let heartbeat = host.map(HostHeartbeat::new);
    let sink = |details: &str| {
        if let Some(heartbeat) = &heartbeat {
            heartbeat.record(details);
        }
    };
    let context = ActivityContext::new(cancel).with_heartbeat_sink(&sink);
    let outcome = panic::catch(|| run_activity_json(plugin, task, &context));

    // SAFETY: `out` is not null, and the caller guarantees that it is valid for writes.
    unsafe { write_outcome(out, outcome) }
}

/// The host's `record_heartbeat` function with the data it takes back, for one activity call.
struct HostHeartbeat {
    context: *const c_void,
    record_heartbeat: unsafe extern "C" fn(*const c_void, *const u8, usize),
}

// SAFETY: `ActivityHost`'s contract lets the plugin call `record_heartbeat` with `context` from
// any thread, and from several threads at once, until the activity call returns. The activity
// reaches this value only through an `ActivityContext` borrowed for that call.
unsafe impl Sync for HostHeartbeat {}

impl HostHeartbeat {
    fn new(host: ActivityHost) -> Self {
        Self {
            context: host.context,
            record_heartbeat: host.record_heartbeat,
        }
    }

    fn record(&self, details: &str) {
        // SAFETY: the activity call that received `context` is still running, because this value
        // lives on its stack frame, and `details` is a UTF-8 `str` valid during the call.
        unsafe { (self.record_heartbeat)(self.context, details.as_ptr(), details.len()) }
    }
}

/// Borrows `len` bytes at `data`, or no bytes for a null pointer.
///
/// # Safety
///
/// `data` must be null or point to `len` readable bytes that stay unchanged while the slice lives.
unsafe fn borrow_bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if data.is_null() {
        return &[];
    }

    // SAFETY: `data` is not null, and the caller guarantees that it points to `len` readable bytes.
    unsafe { std::slice::from_raw_parts(data, len) }
}

/// Borrows the host's cancellation flag, or returns `None` for a null pointer.
///
/// # Safety
///
/// `flag` must be null or point to an `AtomicBool` that stays valid while the reference lives.
unsafe fn borrow_flag<'a>(flag: *const AtomicBool) -> Option<&'a AtomicBool> {
    // SAFETY: the caller guarantees that a non-null `flag` points to a valid `AtomicBool`. The
    // plugin only reads it.
    unsafe { flag.as_ref() }
}

/// Implements `PluginV1::free_buffer`.
///
/// # Safety
///
/// `buffer` must have a null pointer or come from `Buffer::from_vec` in this copy of the SDK, and must
/// not have been freed before.
pub unsafe fn free_buffer(buffer: Buffer) {
    if buffer.is_null() {
        return;
    }

    // SAFETY: the caller guarantees that the parts come from a `Vec<u8>` that this library
    // allocated and that was not freed yet, so rebuilding the Vec takes back sole ownership.
    drop(unsafe { Vec::from_raw_parts(buffer.ptr, buffer.len, buffer.capacity) });
}

fn decide_json(plugin: &PluginDefinition, task: &[u8]) -> Result<Vec<u8>, String> {
    let registry = plugin.registry()?;

    let task: DecisionTask =
        serde_json::from_slice(task).map_err(|error| format!("invalid decision task JSON: {error}"))?;

    let workflow = registry.find(&task.workflow_type)?;
    let decisions = workflow.decide(&task).map_err(|error| error.to_string())?;

    serde_json::to_vec(&decisions).map_err(|error| {
        format!(
            "failed to serialize the decisions of workflow type {:?} version {:?}: {error}",
            task.workflow_type.name, task.workflow_type.version
        )
    })
}

fn run_activity_json(plugin: &PluginDefinition, task: &[u8], context: &ActivityContext<'_>) -> Result<Vec<u8>, String> {
    let registry = plugin.registry()?;

    let task: ActivityTask =
        serde_json::from_slice(task).map_err(|error| format!("invalid activity task JSON: {error}"))?;

    let activity = registry.find_activity(&task.activity_type)?;
    let outcome = match activity.run(&task, context) {
        Ok(result) => ActivityOutcome::Completed { result: Some(result) },
        Err(failure) => ActivityOutcome::Failed(failure),
    };

    serde_json::to_vec(&outcome).map_err(|error| {
        format!(
            "failed to serialize the outcome of activity type {:?} version {:?}: {error}",
            task.activity_type.name, task.activity_type.version
        )
    })
}

/// Writes the JSON, the error message or the panic message into `*out` and returns the
/// matching status.
///
/// # Safety
///
/// `out` must be valid for writes of a `Buffer`.
unsafe fn write_outcome(out: *mut Buffer, outcome: Result<Result<Vec<u8>, String>, String>) -> u32 {
    let (status, bytes) = match outcome {
        Ok(Ok(json)) => (STATUS_OK, json),
        Ok(Err(message)) => (STATUS_ERROR, message.into_bytes()),
        Err(panic_message) => (STATUS_PANIC, panic_message.into_bytes()),
    };

    // SAFETY: the caller guarantees that `out` is valid for writes. `write` does not read or
    // drop the old value, which may be uninitialized.
    unsafe { out.write(Buffer::from_vec(bytes)) };
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::ActivityFailure;
    use crate::decision::Decisions;
    use crate::workflow::WorkflowError;

    struct Named(&'static str);

    impl Workflow for Named {
        fn registration(&self) -> WorkflowRegistration {
            WorkflowRegistration::new(self.0, "1")
        }

        fn decide(&self, _task: &DecisionTask) -> Result<Decisions, WorkflowError> {
            Ok(Decisions::new())
        }
    }

    static DUPLICATE: PluginDefinition = PluginDefinition::new(
        "dup",
        "1.0.0",
        "dup",
        || vec![Box::new(Named("Same")), Box::new(Named("Same"))],
        Vec::new,
    );

    static EMPTY: PluginDefinition = PluginDefinition::new("empty", "1.0.0", "empty", Vec::new, Vec::new);

    struct Echo;

    impl Activity for Echo {
        fn registration(&self) -> ActivityRegistration {
            ActivityRegistration::new("Echo", "1")
        }

        fn run(&self, task: &ActivityTask, context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
            match task.input.as_deref() {
                Some("panic") => panic!("asked to panic"),
                Some("progress") => {
                    context.record_heartbeat("1 of 2");
                    std::thread::scope(|scope| {
                        scope.spawn(|| context.record_heartbeat("2 of 2 ✓"));
                    });
                    Ok("done".to_owned())
                }
                Some("cancelled?") => Ok(context.is_cancel_requested().to_string()),
                Some("fail") => Err(ActivityFailure::new("asked to fail")),
                other => Ok(other.unwrap_or_default().to_owned()),
            }
        }
    }

    static ECHO: PluginDefinition = PluginDefinition::new("echo", "1.0.0", "echo", Vec::new, || vec![Box::new(Echo)]);

    fn echo_task(input: &str) -> String {
        format!(
            r#"{{"activityId":"a","activityType":{{"name":"Echo","version":"1"}},"workflowExecution":{{"workflowId":"w","runId":"r"}},"input":"{input}"}}"#
        )
    }

    /// Copies the bytes out of a buffer `ECHO` returned, then frees it.
    fn take_text(out: Buffer) -> String {
        // SAFETY: an export function of this SDK wrote `out`, and it is freed once below.
        let text = String::from_utf8(unsafe { out.as_bytes() }.to_vec()).unwrap();
        // SAFETY: the buffer came from this SDK and is freed once.
        unsafe { free_buffer(out) };
        text
    }

    /// Stores the details it receives in the `Mutex<Vec<String>>` that `context` points to.
    unsafe extern "C" fn collect_details(context: *const c_void, details: *const u8, details_len: usize) {
        // SAFETY: the tests pass a pointer to a live `Mutex<Vec<String>>` as the context, and the
        // SDK passes a `str` valid during the call.
        let (collected, details) = unsafe {
            (
                &*context.cast::<std::sync::Mutex<Vec<String>>>(),
                std::slice::from_raw_parts(details, details_len),
            )
        };
        collected
            .lock()
            .unwrap()
            .push(String::from_utf8(details.to_vec()).unwrap());
    }

    fn run_echo_with_host(input: &str, cancel: &AtomicBool) -> (u32, String, Vec<String>) {
        let task = echo_task(input);
        let collected = std::sync::Mutex::new(Vec::new());
        let host = ActivityHost {
            cancel,
            context: (&raw const collected).cast(),
            record_heartbeat: collect_details,
        };
        let mut out = Buffer::empty();

        // SAFETY: the task bytes, `host` and the flag and list it points to live during the
        // call, and `out` is a valid Buffer.
        let status = unsafe { run_activity_with_host(&ECHO, task.as_ptr(), task.len(), &host, &mut out) };
        (status, take_text(out), collected.into_inner().unwrap())
    }

    fn run_echo(input: &str) -> (u32, String) {
        let task = echo_task(input);
        let mut out = Buffer::empty();

        // SAFETY: the task bytes live during the call, `out` is a valid Buffer and a null
        // cancel pointer is allowed.
        let status = unsafe { run_activity(&ECHO, task.as_ptr(), task.len(), std::ptr::null(), &mut out) };
        (status, take_text(out))
    }

    #[test]
    fn activity_result_is_completed_outcome() {
        let (status, text) = run_echo("hello");

        assert_eq!(status, STATUS_OK);
        assert_eq!(text, r#"{"completed":{"result":"hello"}}"#);
    }

    #[test]
    fn activity_failure_is_failed_outcome() {
        let (status, text) = run_echo("fail");

        assert_eq!(status, STATUS_OK);
        assert_eq!(text, r#"{"failed":{"reason":"asked to fail"}}"#);
    }

    #[test]
    fn activity_panic_returns_panic_status() {
        let (status, text) = run_echo("panic");

        assert_eq!(status, STATUS_PANIC);
        assert!(text.contains("asked to panic"), "{text}");
    }

    #[test]
    fn activity_with_host_sends_heartbeat_details() {
        let cancel = AtomicBool::new(false);

        let (status, text, details) = run_echo_with_host("progress", &cancel);

        assert_eq!(status, STATUS_OK);
        assert_eq!(text, r#"{"completed":{"result":"done"}}"#);
        assert_eq!(details, ["1 of 2", "2 of 2 ✓"]);
    }

    #[test]
    fn activity_with_host_reads_cancel_flag() {
        let cancel = AtomicBool::new(true);

        let (status, text, _) = run_echo_with_host("cancelled?", &cancel);

        assert_eq!(status, STATUS_OK);
        assert_eq!(text, r#"{"completed":{"result":"true"}}"#);
    }

    #[test]
    fn activity_with_null_host_runs() {
        let task = echo_task("progress");
        let mut out = Buffer::empty();

        // SAFETY: the task bytes live during the call, `out` is a valid Buffer and a null host
        // is allowed.
        let status = unsafe { run_activity_with_host(&ECHO, task.as_ptr(), task.len(), std::ptr::null(), &mut out) };

        assert_eq!(status, STATUS_OK);
        assert_eq!(take_text(out), r#"{"completed":{"result":"done"}}"#);
    }

    #[test]
    fn activity_with_host_panic_returns_panic_status() {
        let cancel = AtomicBool::new(false);

        let (status, text, details) = run_echo_with_host("panic", &cancel);

        assert_eq!(status, STATUS_PANIC);
        assert!(text.contains("asked to panic"), "{text}");
        assert!(details.is_empty());
    }

    #[test]
    fn plugin_without_activities_rejects_activity_task() {
        let registry = EMPTY.registry().unwrap();

        let error = registry.find_activity(&ActivityType::new("Echo", "1")).err().unwrap();

        assert!(error.contains("serves 0 activity types"), "{error}");
    }

    #[test]
    fn duplicate_workflow_type_is_rejected() {
        let error = DUPLICATE.registry().err().expect("duplicate types should be rejected");

        assert!(error.contains(r#"workflow type "Same" version "1" twice"#), "{error}");
    }

    #[test]
    fn plugin_without_workflows_serves_none() {
        let registry = EMPTY.registry().unwrap();

        let error = registry.find(&WorkflowType::new("Demo", "0.1")).err().unwrap();

        assert!(error.ends_with("it serves no workflow types"), "{error}");
    }
}
