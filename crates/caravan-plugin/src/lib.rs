//! SDK for caravan plugins: typed Amazon SWF history events and decisions, the [`Workflow`]
//! and [`Activity`] traits, and [`export_plugin!`], which exports workflows and activities
//! from a `cdylib` through caravan's C ABI.
//!
//! A complete plugin whose one workflow completes each execution at once:
//!
//! ```
//! use caravan_plugin::decision::{Decision, Decisions};
//! use caravan_plugin::history::DecisionTask;
//! use caravan_plugin::manifest::WorkflowRegistration;
//! use caravan_plugin::types::ChildPolicy;
//! use caravan_plugin::{Workflow, WorkflowError};
//!
//! struct Hello;
//!
//! impl Workflow for Hello {
//!     fn registration(&self) -> WorkflowRegistration {
//!         WorkflowRegistration::new("Hello", "1")
//!             .description("Completes each execution at once")
//!             .default_task_list("hello")
//!             .default_execution_start_to_close_timeout_secs(60)
//!             .default_task_start_to_close_timeout_secs(10)
//!             .default_child_policy(ChildPolicy::Terminate)
//!     }
//!
//!     fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError> {
//!         caravan_plugin::log::info!("completing {}", task.workflow_execution.workflow_id);
//!
//!         let mut decisions = Decisions::new();
//!         decisions.push(Decision::complete_workflow_execution(Some("hello".to_owned())));
//!         Ok(decisions)
//!     }
//! }
//!
//! caravan_plugin::export_plugin! {
//!     name: "hello",
//!     version: "1.0.0",
//!     workflows: [Hello],
//! }
//! # fn main() {}
//! ```
//!
//! Build it with `crate-type = ["cdylib"]` and the default `panic = "unwind"`, because the
//! export shim turns panics into error statuses by unwinding.
//!
//! # The ABI contract
//!
//! The library exports one symbol, `caravan_plugin_descriptor`, which returns a pointer to a
//! static descriptor: a header with a magic value and the ABI version, then six functions.
//! The host checks the header before anything else, calls `init` once, reads the manifest,
//! and then calls `decide` for each decision task and `run_activity_with_host` for each
//! activity task, possibly on several threads at once.
//!
//! - Data crosses the boundary as UTF-8 JSON in SWF's own wire shapes: `decide` takes a
//!   decision task as `PollForDecisionTask` returns it and returns the request of
//!   `RespondDecisionTaskCompleted`, both without `taskToken`. `run_activity_with_host` takes
//!   an activity task as `PollForActivityTask` returns it, without `taskToken`, and returns
//!   the activity's result or failure.
//! - Each function returns `STATUS_OK`, `STATUS_ERROR` with a message, or `STATUS_PANIC`
//!   with the panic message and location. A panic never unwinds into the host.
//! - Buffers the plugin returns are freed by the plugin's `free_buffer`.
//! - A decide call keeps no state: each call receives one task and returns its decisions.
//! - `run_activity_with_host` also receives the host's side of the task: a cancellation
//!   flag, which the activity reads through [`ActivityContext::is_cancel_requested`], and a
//!   function that takes the progress details of [`ActivityContext::record_heartbeat`].
//! - Version 1.1 added `run_activity` after the functions of version 1.0, and version 1.2
//!   added `run_activity_with_host` after it, so a host reads each only from descriptors of
//!   a minor version that has it. Hosts of version 1.2 and later never call `run_activity`,
//!   which takes only the cancellation flag.
//! - Records of the standard [`log`] macros go to the host's log function.
//!
//! [`abi`] documents each function's contract in detail.
//!
//! # Modules
//!
//! - [`abi`]: the `repr(C)` descriptor, buffers and status codes shared with the host.
//! - [`history`]: [`DecisionTask`](history::DecisionTask) and the 54 history event types.
//! - [`decision`]: [`Decision`](decision::Decision) with the 13 decision types, and
//!   [`Decisions`](decision::Decisions), the result of `decide`.
//! - [`activity`]: the [`Activity`] trait and the [`ActivityTask`] it runs.
//! - [`manifest`]: the plugin manifest, [`WorkflowRegistration`](manifest::WorkflowRegistration)
//!   and [`ActivityRegistration`](manifest::ActivityRegistration).
//! - [`types`]: shapes and enums that the other modules share, such as
//!   [`WorkflowType`](types::WorkflowType) and [`ChildPolicy`](types::ChildPolicy).

#[macro_use]
mod macros;

pub mod abi;
pub mod activity;
pub mod decision;
pub mod history;
pub mod manifest;
pub mod types;
mod workflow;

#[doc(hidden)]
#[allow(unsafe_code)]
#[path = "export/mod.rs"]
pub mod __export;

pub use activity::{Activity, ActivityContext, ActivityFailure, ActivityTask};
pub use log;
pub use workflow::{Workflow, WorkflowError};

/// Version of this crate, reported as `sdkVersion` in every plugin's manifest.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Exports workflows from a `cdylib` through caravan's C ABI.
///
/// ```
/// # use caravan_plugin::{Workflow, WorkflowError, decision::Decisions, history::DecisionTask};
/// # use caravan_plugin::manifest::WorkflowRegistration;
/// # struct Demo;
/// # impl Workflow for Demo {
/// #     fn registration(&self) -> WorkflowRegistration { WorkflowRegistration::new("Demo", "0.1") }
/// #     fn decide(&self, _: &DecisionTask) -> Result<Decisions, WorkflowError> { Ok(Decisions::new()) }
/// # }
/// # struct Other(u32);
/// # impl Other { fn new() -> Self { Other(2) } }
/// # impl Workflow for Other {
/// #     fn registration(&self) -> WorkflowRegistration {
/// #         WorkflowRegistration::new("Other", self.0.to_string())
/// #     }
/// #     fn decide(&self, _: &DecisionTask) -> Result<Decisions, WorkflowError> { Ok(Decisions::new()) }
/// # }
/// caravan_plugin::export_plugin! {
///     name: "demo",
///     version: env!("CARGO_PKG_VERSION"),
///     workflows: [Demo, Other::new()],
/// }
/// # fn main() {}
/// ```
///
/// `name` and `version` must be constant `&'static str` expressions. Each entry of
/// `workflows` is an expression whose value implements [`Workflow`], and each entry of
/// `activities` one whose value implements [`Activity`]. A plugin lists workflows,
/// activities or both, in that order. The SDK evaluates the entries once, when the host
/// first requests the manifest, a decision or an activity. Invoke the macro once per
/// library, at the crate root: it defines the exported symbol `caravan_plugin_descriptor`
/// and the six functions of the descriptor.
#[macro_export]
macro_rules! export_plugin {
    (
        name: $name:expr,
        version: $version:expr,
        workflows: [ $( $workflow:expr ),* $(,)? ] $(,)?
    ) => {
        $crate::export_plugin! {
            @define $name, $version, [ $( $workflow ),* ], []
        }
    };
    (
        name: $name:expr,
        version: $version:expr,
        activities: [ $( $activity:expr ),* $(,)? ] $(,)?
    ) => {
        $crate::export_plugin! {
            @define $name, $version, [], [ $( $activity ),* ]
        }
    };
    (
        name: $name:expr,
        version: $version:expr,
        workflows: [ $( $workflow:expr ),* $(,)? ],
        activities: [ $( $activity:expr ),* $(,)? ] $(,)?
    ) => {
        $crate::export_plugin! {
            @define $name, $version, [ $( $workflow ),* ], [ $( $activity ),* ]
        }
    };
    (
        @define $name:expr, $version:expr,
        [ $( $workflow:expr ),* ],
        [ $( $activity:expr ),* ]
    ) => {
        #[doc(hidden)]
        static __CARAVAN_PLUGIN: $crate::__export::PluginDefinition =
            $crate::__export::PluginDefinition::new(
                $name,
                $version,
                ::core::module_path!(),
                || {
                    ::std::vec![
                        $( ::std::boxed::Box::new($workflow) as ::std::boxed::Box<dyn $crate::Workflow> ),*
                    ]
                },
                || {
                    ::std::vec![
                        $( ::std::boxed::Box::new($activity) as ::std::boxed::Box<dyn $crate::Activity> ),*
                    ]
                },
            );

        #[doc(hidden)]
        #[allow(unsafe_code)]
        mod __caravan_plugin_export {
            use ::std::sync::atomic::AtomicBool;

            use $crate::abi::{ActivityHost, AbiHeader, Buffer, HostV1, PluginV1, PluginV1Activities, PluginV1Heartbeats};

            unsafe extern "C" fn init(host: *const HostV1) -> u32 {
                // SAFETY: the host follows `PluginV1::init`'s contract for `host`.
                unsafe { $crate::__export::init(&super::__CARAVAN_PLUGIN, host) }
            }

            unsafe extern "C" fn manifest(out: *mut Buffer) -> u32 {
                // SAFETY: the host follows `PluginV1::manifest`'s contract for `out`.
                unsafe { $crate::__export::manifest(&super::__CARAVAN_PLUGIN, out) }
            }

            unsafe extern "C" fn decide(task: *const u8, task_len: usize, out: *mut Buffer) -> u32 {
                // SAFETY: the host follows `PluginV1::decide`'s contract for `task` and `out`.
                unsafe { $crate::__export::decide(&super::__CARAVAN_PLUGIN, task, task_len, out) }
            }

            unsafe extern "C" fn run_activity(
                task: *const u8,
                task_len: usize,
                cancel: *const AtomicBool,
                out: *mut Buffer,
            ) -> u32 {
                // SAFETY: the host follows `PluginV1Activities::run_activity`'s contract for
                // `task`, `cancel` and `out`.
                unsafe { $crate::__export::run_activity(&super::__CARAVAN_PLUGIN, task, task_len, cancel, out) }
            }

            unsafe extern "C" fn run_activity_with_host(
                task: *const u8,
                task_len: usize,
                host: *const ActivityHost,
                out: *mut Buffer,
            ) -> u32 {
                // SAFETY: the host follows `PluginV1Heartbeats::run_activity_with_host`'s
                // contract for `task`, `host` and `out`.
                unsafe {
                    $crate::__export::run_activity_with_host(&super::__CARAVAN_PLUGIN, task, task_len, host, out)
                }
            }

            unsafe extern "C" fn free_buffer(buffer: Buffer) {
                // SAFETY: the host passes only buffers this library returned, each once.
                unsafe { $crate::__export::free_buffer(buffer) }
            }

            static DESCRIPTOR: PluginV1Heartbeats = PluginV1Heartbeats {
                v1_1: PluginV1Activities {
                    v1: PluginV1 {
                        header: AbiHeader::CURRENT,
                        init,
                        manifest,
                        decide,
                        free_buffer,
                    },
                    run_activity,
                },
                run_activity_with_host,
            };

            /// Returns the plugin's descriptor, which lives as long as the library.
            #[unsafe(no_mangle)]
            pub extern "C" fn caravan_plugin_descriptor() -> *const AbiHeader {
                &DESCRIPTOR.v1_1.v1.header
            }
        }
    };
}

pub mod toolkit;
