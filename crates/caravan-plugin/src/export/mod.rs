//! Generic code behind [`export_plugin!`](crate::export_plugin). Only the code that the macro
//! generates calls it, so it is hidden from the docs and not a stable API.
//!
//! Each function here implements one function of [`PluginV1`](crate::abi::PluginV1) for
//! the plugin described by a [`PluginDefinition`]. None of them lets a panic unwind into
//! the host.

mod logger;
mod panic;

use std::sync::{Once, OnceLock};

use crate::abi::{Buffer, HostV1, STATUS_ERROR, STATUS_OK, STATUS_PANIC};
use crate::history::DecisionTask;
use crate::manifest::{Manifest, WorkflowRegistration};
use crate::types::WorkflowType;
use crate::{SDK_VERSION, Workflow};

/// A plugin as `export_plugin!` declares it, stored in a static of the plugin crate.
pub struct PluginDefinition {
    name: &'static str,
    version: &'static str,
    log_target: &'static str,
    build_workflows: fn() -> Vec<Box<dyn Workflow>>,
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
    ) -> Self {
        Self {
            name,
            version,
            log_target,
            build_workflows,
            registry: OnceLock::new(),
        }
    }

    /// Returns the workflows, building them on first use. If building panics, the registry
    /// stays empty and the next call tries again.
    fn registry(&self) -> Result<&Registry, String> {
        self.registry
            .get_or_init(|| Registry::build(self))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// The plugin's workflows and their registrations, built once.
struct Registry {
    /// `manifest.workflows[i]` is the registration of `workflows[i]`.
    manifest: Manifest,
    workflows: Vec<Box<dyn Workflow>>,
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

        let manifest = Manifest {
            name: definition.name.to_owned(),
            version: definition.version.to_owned(),
            sdk_version: SDK_VERSION.to_owned(),
            workflows: registrations,
        };
        Ok(Self { manifest, workflows })
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

    static DUPLICATE: PluginDefinition = PluginDefinition::new("dup", "1.0.0", "dup", || {
        vec![Box::new(Named("Same")), Box::new(Named("Same"))]
    });

    static EMPTY: PluginDefinition = PluginDefinition::new("empty", "1.0.0", "empty", Vec::new);

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
