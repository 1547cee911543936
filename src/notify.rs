//! Telling systemd (or any service manager speaking the sd_notify protocol) what the daemon is
//! doing: READY once every poller runs, STATUS with what it serves, RELOADING and STOPPING, and
//! watchdog pings while the runtime is alive.
//!
//! Without `NOTIFY_SOCKET` in the environment every call does nothing, so the daemon runs the
//! same under systemd, in a container or in a terminal.

use std::time::Duration;

use sd_notify::NotifyState;

/// Sends `states` to the service manager, if there is one. A failure is logged: the daemon's work
/// does not depend on the service manager hearing about it.
fn send(states: &[NotifyState<'_>]) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    if let Err(error) = sd_notify::notify(false, states) {
        tracing::warn!(error = %error, "cannot notify the service manager (NOTIFY_SOCKET)");
    }
}

/// Reports that every poller runs, with `status` naming what is served.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

/// Reports that a reload has begun, which [`ready`] ends. Since version 253, systemd expects the
/// monotonic time with it, to tell this reload from an earlier one.
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now, NotifyState::Status("reloading the config")]),
        Err(_) => send(&[NotifyState::Reloading, NotifyState::Status("reloading the config")]),
    }
}

pub fn stopping() {
    send(&[
        NotifyState::Stopping,
        NotifyState::Status("stopping: finishing open polls and tasks"),
    ]);
}

/// Pings the service manager's watchdog at half its timeout for as long as the async runtime runs,
/// when the service manager asked for pings (`WatchdogSec=` sets `WATCHDOG_USEC`). A stuck runtime
/// stops the pings, and systemd then restarts the daemon.
pub fn spawn_watchdog() {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return;
    }

    let every = Duration::from_micros(usec) / 2;
    tracing::info!(every_ms = every.as_millis() as u64, "pinging the systemd watchdog");
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            send(&[NotifyState::Watchdog]);
        }
    });
}
