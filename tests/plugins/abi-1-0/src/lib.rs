//! A plugin with an ABI 1.0 descriptor, as plugins built before activities have, for the host's
//! integration tests.
//!
//! It exports `caravan_plugin_descriptor` by hand: a `PluginV1` whose header says version 1.0 and
//! which has no activity function after it. Its functions are the SDK's own. Workflow type
//! `Legacy` version `1` (task list `legacy`, execution timeout 600 seconds, decision task timeout
//! 20 seconds, child policy `TERMINATE`) completes each execution with the result `legacy`.

use caravan_plugin::decision::{Decision, Decisions};
use caravan_plugin::history::DecisionTask;
use caravan_plugin::manifest::WorkflowRegistration;
use caravan_plugin::types::ChildPolicy;
use caravan_plugin::{Workflow, WorkflowError};

pub struct Legacy;

impl Workflow for Legacy {
    fn registration(&self) -> WorkflowRegistration {
        WorkflowRegistration::new("Legacy", "1")
            .description("Completes at once, from a plugin with an ABI 1.0 descriptor")
            .default_task_list("legacy")
            .default_execution_start_to_close_timeout_secs(600)
            .default_task_start_to_close_timeout_secs(20)
            .default_child_policy(ChildPolicy::Terminate)
    }

    fn decide(&self, _task: &DecisionTask) -> Result<Decisions, WorkflowError> {
        Ok(Decisions::from(vec![Decision::complete_workflow_execution(Some(
            "legacy".to_owned(),
        ))]))
    }
}

static PLUGIN: caravan_plugin::__export::PluginDefinition = caravan_plugin::__export::PluginDefinition::new(
    "legacy",
    "1.0.0",
    module_path!(),
    || vec![Box::new(Legacy)],
    Vec::new,
);

#[allow(unsafe_code)]
mod export {
    use caravan_plugin::abi::{ABI_MAJOR, AbiHeader, Buffer, HostV1, MAGIC, PluginV1};

    unsafe extern "C" fn init(host: *const HostV1) -> u32 {
        // SAFETY: the host follows `PluginV1::init`'s contract for `host`.
        unsafe { caravan_plugin::__export::init(&super::PLUGIN, host) }
    }

    unsafe extern "C" fn manifest(out: *mut Buffer) -> u32 {
        // SAFETY: the host follows `PluginV1::manifest`'s contract for `out`.
        unsafe { caravan_plugin::__export::manifest(&super::PLUGIN, out) }
    }

    unsafe extern "C" fn decide(task: *const u8, task_len: usize, out: *mut Buffer) -> u32 {
        // SAFETY: the host follows `PluginV1::decide`'s contract for `task` and `out`.
        unsafe { caravan_plugin::__export::decide(&super::PLUGIN, task, task_len, out) }
    }

    unsafe extern "C" fn free_buffer(buffer: Buffer) {
        // SAFETY: the host passes only buffers this library returned, each once.
        unsafe { caravan_plugin::__export::free_buffer(buffer) }
    }

    static DESCRIPTOR: PluginV1 = PluginV1 {
        header: AbiHeader {
            magic: MAGIC,
            abi_major: ABI_MAJOR,
            abi_minor: 0,
            reserved: 0,
        },
        init,
        manifest,
        decide,
        free_buffer,
    };

    /// Returns the version 1.0 descriptor, which lives as long as the library.
    #[unsafe(no_mangle)]
    pub extern "C" fn caravan_plugin_descriptor() -> *const AbiHeader {
        &DESCRIPTOR.header
    }
}
