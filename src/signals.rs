//! Unix signals turned into intents, in one place.
//!
//! SIGTERM or SIGINT requests a graceful stop, and a second one a stop at once. SIGHUP requests a
//! reload. A stop signal that follows the first within a second counts as the same request:
//! tools such as GNU `timeout` send SIGTERM to the process and then to its process group, so one
//! request can arrive twice.

use futures::StreamExt;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook_tokio::Signals;
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};

/// A stop signal this soon after the first is taken as a copy of it.
const REPEAT_WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Stop,
    StopNow,
    Reload,
}

/// Installs the handlers and returns the stream of intents. Fails only if the handlers cannot be
/// installed.
pub fn listen() -> std::io::Result<mpsc::UnboundedReceiver<Intent>> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGHUP])?;
    let (sender, receiver) = mpsc::unbounded_channel();

    tokio::spawn(async move {
        let mut first_stop: Option<Instant> = None;
        while let Some(signal) = signals.next().await {
            let intent = match (signal, first_stop) {
                (SIGHUP, _) => Intent::Reload,
                (_, None) => {
                    first_stop = Some(Instant::now());
                    Intent::Stop
                }
                (_, Some(first)) if first.elapsed() < REPEAT_WINDOW => {
                    tracing::debug!(signal, "repeated stop signal ignored");
                    continue;
                }
                (_, Some(_)) => Intent::StopNow,
            };
            tracing::debug!(signal, ?intent, "signal received");
            if sender.send(intent).is_err() {
                break;
            }
        }
    });

    Ok(receiver)
}
