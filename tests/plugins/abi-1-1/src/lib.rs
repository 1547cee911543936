//! A plugin with an ABI 1.1 descriptor, as plugins built before heartbeat details have, for the
//! host's integration tests.
//!
//! It exports `caravan_plugin_descriptor` by hand: a `PluginV1Activities` whose header says
//! version 1.1 and which has no `run_activity_with_host` after it. Its functions are the SDK's
//! own. Activity type `LegacyWait` version `1` (task list `legacy-work`, schedule-to-start
//! timeout 60 seconds, schedule-to-close 120, start-to-close 60, heartbeat 2) records the
//! heartbeat details `waiting`, which an ABI 1.1 activity cannot send, and waits for the number
//! of milliseconds in its input. It then returns `legacy waited`, or fails with reason `stopped`
//! as soon as the host requests that it stop early.

use std::thread;
use std::time::{Duration, Instant};

use caravan_plugin::manifest::ActivityRegistration;
use caravan_plugin::{Activity, ActivityContext, ActivityFailure, ActivityTask};

pub struct LegacyWait;

impl Activity for LegacyWait {
    fn registration(&self) -> ActivityRegistration {
        ActivityRegistration::new("LegacyWait", "1")
            .description("Waits, from a plugin with an ABI 1.1 descriptor")
            .default_task_list("legacy-work")
            .default_task_schedule_to_start_timeout_secs(60)
            .default_task_schedule_to_close_timeout_secs(120)
            .default_task_start_to_close_timeout_secs(60)
            .default_task_heartbeat_timeout_secs(2)
    }

    fn run(&self, task: &ActivityTask, context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
        let millis: u64 = task
            .input
            .as_deref()
            .unwrap_or("0")
            .trim()
            .parse()
            .map_err(|_| ActivityFailure::new("the input is not a number of milliseconds"))?;
        context.record_heartbeat("waiting");

        let deadline = Instant::now() + Duration::from_millis(millis);
        while Instant::now() < deadline {
            if context.is_cancel_requested() {
                return Err(ActivityFailure::new("stopped"));
            }
            thread::sleep(Duration::from_millis(20));
        }
        Ok("legacy waited".to_owned())
    }
}

static PLUGIN: caravan_plugin::__export::PluginDefinition =
    caravan_plugin::__export::PluginDefinition::new("legacy-activities", "1.1.0", module_path!(), Vec::new, || {
        vec![Box::new(LegacyWait)]
    });

#[allow(unsafe_code)]
mod export {
    use std::sync::atomic::AtomicBool;

    use caravan_plugin::abi::{ABI_MAJOR, AbiHeader, Buffer, HostV1, MAGIC, PluginV1, PluginV1Activities};

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

    unsafe extern "C" fn run_activity(
        task: *const u8,
        task_len: usize,
        cancel: *const AtomicBool,
        out: *mut Buffer,
    ) -> u32 {
        // SAFETY: the host follows `PluginV1Activities::run_activity`'s contract for `task`,
        // `cancel` and `out`.
        unsafe { caravan_plugin::__export::run_activity(&super::PLUGIN, task, task_len, cancel, out) }
    }

    unsafe extern "C" fn free_buffer(buffer: Buffer) {
        // SAFETY: the host passes only buffers this library returned, each once.
        unsafe { caravan_plugin::__export::free_buffer(buffer) }
    }

    static DESCRIPTOR: PluginV1Activities = PluginV1Activities {
        v1: PluginV1 {
            header: AbiHeader {
                magic: MAGIC,
                abi_major: ABI_MAJOR,
                abi_minor: 1,
                reserved: 0,
            },
            init,
            manifest,
            decide,
            free_buffer,
        },
        run_activity,
    };

    /// Returns the version 1.1 descriptor, which lives as long as the library.
    #[unsafe(no_mangle)]
    pub extern "C" fn caravan_plugin_descriptor() -> *const AbiHeader {
        &DESCRIPTOR.v1.header
    }
}
