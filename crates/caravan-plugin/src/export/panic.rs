//! Panic capture for the export functions.
//!
//! A plugin links its own copy of std, so the hook installed here runs only for panics in
//! the plugin's code. A panic during an export call is recorded for that call, which returns it
//! as `STATUS_PANIC`. A panic on a thread the plugin started itself goes to the host log at
//! error level. The hook never prints to stderr.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self as std_panic, AssertUnwindSafe, PanicHookInfo};

use super::logger;

thread_local! {
    /// Number of export calls running on this thread; more than 1 only on re-entry.
    static EXPORT_CALL_DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Message and location of the last panic during an export call on this thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the process's panic hook. Call once, from `init`.
pub(super) fn install_hook() {
    std_panic::set_hook(Box::new(handle_panic));
}

fn handle_panic(info: &PanicHookInfo<'_>) {
    let message = describe(info);

    // Thread-locals are gone only while a thread shuts down; then no export call is running.
    let in_export_call = EXPORT_CALL_DEPTH.try_with(|depth| depth.get() > 0).unwrap_or(false);

    if in_export_call {
        // If the slot is gone, `catch` falls back to the payload, which lacks the location.
        let _ = LAST_PANIC.try_with(|last| last.replace(Some(message)));
        return;
    }

    let thread = std::thread::current();
    let thread_name = thread.name().unwrap_or("<unnamed>");
    logger::forward_panic(&format!("thread '{thread_name}' {message}"));
}

/// Formats a panic as `panicked at src/lib.rs:12:9: boom`.
fn describe(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload_as_str().unwrap_or("Box<dyn Any>");

    match info.location() {
        Some(location) => format!(
            "panicked at {}:{}:{}: {payload}",
            location.file(),
            location.line(),
            location.column()
        ),
        None => format!("panicked: {payload}"),
    }
}

/// Runs `body` and returns its value, or the panic message if it panicked.
pub(super) fn catch<T>(body: impl FnOnce() -> T) -> Result<T, String> {
    let _call = ExportCall::enter();

    std_panic::catch_unwind(AssertUnwindSafe(body)).map_err(|payload| {
        let recorded = LAST_PANIC.try_with(RefCell::take).ok().flatten();

        // Without the hook (no `init` yet), only the payload is known, not the location.
        let message = recorded.unwrap_or_else(|| format!("panicked: {}", payload_text(&*payload)));
        drop_payload(payload);
        message
    })
}

fn payload_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "Box<dyn Any>"
    }
}

/// Drops a panic payload whose own `drop` might panic, which would otherwise unwind into
/// the host.
fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(second_payload) = std_panic::catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(second_payload);
    }
}

/// Marks the current thread as running an export call until dropped.
struct ExportCall;

impl ExportCall {
    fn enter() -> Self {
        EXPORT_CALL_DEPTH.with(|depth| depth.set(depth.get() + 1));
        LAST_PANIC.with(|last| last.replace(None));
        Self
    }
}

impl Drop for ExportCall {
    fn drop(&mut self) {
        let _ = EXPORT_CALL_DEPTH.try_with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}
