//! The functions caravan offers to plugins: a log sink that turns plugin log records into tracing
//! events in the span of the task being decided, and the receiver of an activity's heartbeat
//! details.

use std::ffi::c_void;

use caravan_plugin::abi::{self, HostV1};

use super::HeartbeatSink;

pub(super) static HOST_V1: HostV1 = HostV1 { log: log_from_plugin };

/// A plugin log record longer than this is cut, so that one record cannot fill the log.
const MAX_MESSAGE_CHARS: usize = 8192;

/// Receives one log record from a plugin.
///
/// Records arrive on the thread that runs the plugin call, so they carry the task's span (domain,
/// workflow id, run id, type) when the call came from a decider.
unsafe extern "C" fn log_from_plugin(
    level: u32,
    target: *const u8,
    target_len: usize,
    message: *const u8,
    message_len: usize,
) {
    // SAFETY: the ABI requires both pointers to reference `len` bytes, valid for this call.
    let target = unsafe { text_from_parts(target, target_len) };
    // SAFETY: as above.
    let message = unsafe { text_from_parts(message, message_len) };
    let message = crate::text::shorten(&message, MAX_MESSAGE_CHARS);

    match level {
        abi::LOG_ERROR => tracing::error!(target: "caravan::plugin", module = %target, "{message}"),
        abi::LOG_WARN => tracing::warn!(target: "caravan::plugin", module = %target, "{message}"),
        abi::LOG_INFO => tracing::info!(target: "caravan::plugin", module = %target, "{message}"),
        abi::LOG_DEBUG => tracing::debug!(target: "caravan::plugin", module = %target, "{message}"),
        _ => tracing::trace!(target: "caravan::plugin", module = %target, "{message}"),
    }
}

/// Receives heartbeat details from a running activity and hands them to the sink that
/// `LoadedPlugin::run_activity` passed as the `ActivityHost`'s context.
pub(super) unsafe extern "C" fn record_heartbeat_from_plugin(
    context: *const c_void,
    details: *const u8,
    details_len: usize,
) {
    if context.is_null() {
        return;
    }

    // SAFETY: `context` is the address of the `HeartbeatSink` that `LoadedPlugin::run_activity`
    // keeps on its stack during the activity call, and the ABI allows this call only before the
    // activity call returns.
    let sink: HeartbeatSink<'_> = unsafe { *context.cast::<HeartbeatSink<'_>>() };
    let bytes: &[u8] = if details.is_null() {
        &[]
    } else {
        // SAFETY: the ABI requires `details` to reference `details_len` bytes, valid for this call.
        unsafe { std::slice::from_raw_parts(details, details_len) }
    };
    sink(bytes);
}

/// Borrows plugin bytes as text, replacing invalid UTF-8 rather than trusting the plugin.
///
/// # Safety
/// `pointer` must be null or reference `len` readable bytes for the duration of the borrow.
unsafe fn text_from_parts<'a>(pointer: *const u8, len: usize) -> std::borrow::Cow<'a, str> {
    if pointer.is_null() || len == 0 {
        return std::borrow::Cow::Borrowed("");
    }
    // SAFETY: guaranteed by the caller.
    let bytes = unsafe { std::slice::from_raw_parts(pointer, len) };
    String::from_utf8_lossy(bytes)
}
