//! caravan's own SWF endpoint, run in this process: standalone for `caravan local`, or embedded in
//! the daemon when the config file sets `endpoint_url = local`.
//!
//! The endpoint keeps its state in memory, so executions last as long as the process that runs
//! it. The command-line tools do not embed one: with `endpoint_url = local` they connect to the
//! endpoint that a daemon or `caravan local` with the same config file runs.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::LocalSettings;

/// A local endpoint serving on this process's runtime.
pub struct RunningEndpoint {
    url: String,
    poll_release: caravan_local::PollRelease,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningEndpoint {
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Makes the endpoint return open and later long polls at once, so that a draining daemon
    /// does not wait out the poll window. Other requests are still served.
    pub fn release_polls(&self) {
        self.poll_release.release();
    }

    /// Stops serving; open long polls are returned empty.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => tracing::info!("local SWF endpoint stopped"),
            Ok(Err(error)) => tracing::error!(error = %error, "local SWF endpoint failed"),
            Err(error) => tracing::error!(error = %error, "local SWF endpoint ended abnormally"),
        }
    }
}

/// Binds the endpoint to the configured address and starts serving.
pub async fn start(settings: &LocalSettings) -> anyhow::Result<RunningEndpoint> {
    let faults = &settings.faults;
    let endpoint_settings = caravan_local::Settings {
        listen: settings.listen,
        poll_window: Duration::from_secs(settings.poll_window_secs),
        lambda_functions: settings.lambda_functions.clone(),
        lambda_working_dir: settings.lambda_working_dir.clone(),
        faults: caravan_local::Faults {
            throttle_share: faults.throttle_share,
            error_share: faults.error_share,
            drop_share: faults.drop_share,
            latency: Duration::from_millis(faults.latency_ms),
            latency_jitter: Duration::from_millis(faults.latency_jitter_ms),
            seed: faults.seed,
        },
        ..caravan_local::Settings::default()
    };
    let endpoint = caravan_local::LocalEndpoint::bind(endpoint_settings)
        .await
        .map_err(|error| bind_failure(settings.listen, error))?;

    let url = endpoint.url();
    if !settings.listen.ip().is_loopback() {
        tracing::warn!(address = %settings.listen, "the local SWF endpoint accepts connections from other machines; it checks no credentials");
    }
    if faults.is_active() {
        tracing::warn!(
            throttle_share = faults.throttle_share,
            error_share = faults.error_share,
            drop_share = faults.drop_share,
            latency_ms = faults.latency_ms,
            latency_jitter_ms = faults.latency_jitter_ms,
            seed = faults.seed,
            "the local SWF endpoint injects faults into requests, as the fault_* keys of [local] set"
        );
    }
    tracing::info!(
        url = %url,
        poll_window_secs = settings.poll_window_secs,
        lambda_functions = settings.lambda_functions.len(),
        "local SWF endpoint listening"
    );

    let poll_release = endpoint.poll_release();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(endpoint.serve(async move {
        let _ = stopped.await;
    }));
    Ok(RunningEndpoint {
        url,
        poll_release,
        stop,
        task,
    })
}

/// Explains a failed bind, with a hint that fits its cause.
fn bind_failure(listen: std::net::SocketAddr, error: std::io::Error) -> anyhow::Error {
    let hint = match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            "another process, perhaps another caravan, listens there; stop it or set `listen` in the [local] section"
        }
        std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::InvalidInput => {
            "the address is not one of this machine's; set `listen` in the [local] section to 127.0.0.1:PORT"
        }
        std::io::ErrorKind::PermissionDenied => "ports below 1024 need privileges; choose a port above 1024",
        _ => "set `listen` in the [local] section to another address",
    };
    anyhow::anyhow!("cannot listen on {listen} for the local SWF endpoint: {error}; {hint}")
}
