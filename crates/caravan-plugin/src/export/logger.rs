//! A `log::Log` implementation that forwards records to the host's log function.
//!
//! The plugin forwards records of every level and the host filters them, because the v1
//! ABI gives the plugin no way to ask the host which levels it keeps.

use std::sync::OnceLock;

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::abi::{LOG_DEBUG, LOG_ERROR, LOG_INFO, LOG_TRACE, LOG_WARN};

type HostLogFn = unsafe extern "C" fn(u32, *const u8, usize, *const u8, usize);

struct HostLog {
    log: HostLogFn,
    /// Target of the records about panics on threads the plugin started.
    panic_target: &'static str,
}

static HOST_LOG: OnceLock<HostLog> = OnceLock::new();

static LOGGER: HostLogger = HostLogger;

/// Stores the host's log function and makes it the `log` crate's logger. Only the first
/// call has an effect.
pub(super) fn install(log: HostLogFn, panic_target: &'static str) {
    if HOST_LOG.set(HostLog { log, panic_target }).is_err() {
        return;
    }

    // NOTE: if plugin code set its own logger before `init`, that logger keeps receiving
    // the records and only panic reports reach the host.
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(LevelFilter::Trace);
    }
}

/// Sends one record to the host, if `init` has run.
fn forward(level: u32, target: &str, message: &str) {
    let Some(host) = HOST_LOG.get() else {
        return;
    };

    // SAFETY: in `init` the host promised that its log function stays callable while the
    // library is loaded, accepts calls from any thread and only borrows both byte ranges for
    // the duration of the call. Both ranges are valid UTF-8 `str` data.
    unsafe { (host.log)(level, target.as_ptr(), target.len(), message.as_ptr(), message.len()) }
}

/// Sends a report about a panic on a plugin-started thread to the host at error level.
pub(super) fn forward_panic(message: &str) {
    if let Some(host) = HOST_LOG.get() {
        forward(LOG_ERROR, host.panic_target, message);
    }
}

struct HostLogger;

impl Log for HostLogger {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        HOST_LOG.get().is_some()
    }

    fn log(&self, record: &Record<'_>) {
        let level = level_code(record.level());

        match record.args().as_str() {
            Some(message) => forward(level, record.target(), message),
            None => forward(level, record.target(), &record.args().to_string()),
        }
    }

    fn flush(&self) {}
}

fn level_code(level: Level) -> u32 {
    match level {
        Level::Error => LOG_ERROR,
        Level::Warn => LOG_WARN,
        Level::Info => LOG_INFO,
        Level::Debug => LOG_DEBUG,
        Level::Trace => LOG_TRACE,
    }
}
