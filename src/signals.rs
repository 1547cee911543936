//! Unix signals turned into intents, in one place.
//!
//! SIGTERM or SIGINT requests a graceful stop, and a second one a stop at once. SIGHUP requests a
//! reload.

use futures::StreamExt;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook_tokio::Signals;
use tokio::sync::mpsc;

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
        let mut stopping = false;
        while let Some(signal) = signals.next().await {
            let intent = match signal {
                SIGHUP => Intent::Reload,
                _ if stopping => Intent::StopNow,
                _ => {
                    stopping = true;
                    Intent::Stop
                }
            };
            tracing::debug!(signal, ?intent, "signal received");
            if sender.send(intent).is_err() {
                break;
            }
        }
    });

    Ok(receiver)
}
