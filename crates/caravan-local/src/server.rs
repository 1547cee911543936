//! The HTTP side: the accept loop, one task per connection, reading requests and writing responses in
//! the awsJson 1.0 protocol, injected faults, and the graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::api;
use crate::error::ApiError;
use crate::faults::{self, Injected};
use crate::ids;
use crate::lambda;
use crate::shared::{Shared, run_clock};

/// Largest request body, 1 MiB. SWF documents a 1 MB limit for headers and body together.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An oversized body is read and discarded up to this size, so that a client that is still sending
/// receives the 413 response. A larger one is cut off by closing the connection.
const MAX_DRAINED_BYTES: usize = 16 * 1024 * 1024;

/// Pause after a failed accept, so that running out of file descriptors does not spin the loop.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(100);

/// Minimum time between two log lines about failed accepts; the failures in between are counted.
const ACCEPT_ERROR_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Time a client has to send a request's headers, from the moment the connection opens or becomes
/// ready for its next request. It closes connections that send nothing or only part of a request.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Time a client has to send a request's body once its headers arrived.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Time the connections get to finish their current request at shutdown; the rest are closed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Accepts connections until `shutdown` completes, then returns empty results to open long polls, lets each
/// connection finish its current request, kills the running Lambda functions and waits for all of them.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    lambda_working_dir: Option<PathBuf>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let clock = tokio::spawn(run_clock(Arc::clone(&shared)));
    let lambdas = tokio::spawn(lambda::run_functions(Arc::clone(&shared), lambda_working_dir));
    let mut connections = JoinSet::new();
    let mut accept_errors = AcceptErrors::default();
    tokio::pin!(shutdown);

    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(Arc::clone(&shared), stream, peer));
                }
                Err(error) => {
                    accept_errors.record(&error);
                    tokio::time::sleep(ACCEPT_RETRY_DELAY).await;
                }
            },
            Some(joined) = connections.join_next(), if !connections.is_empty() => log_connection_end(joined),
        }
    }

    info!(
        connections = connections.len(),
        "SWF endpoint stopping: answering open polls and closing connections"
    );
    drop(listener);
    shared.begin_shutdown();
    let grace_end = tokio::time::sleep(SHUTDOWN_GRACE);
    tokio::pin!(grace_end);
    loop {
        tokio::select! {
            joined = connections.join_next() => match joined {
                Some(joined) => log_connection_end(joined),
                None => break,
            },
            () = &mut grace_end => {
                warn!(
                    connections = connections.len(),
                    grace_secs = SHUTDOWN_GRACE.as_secs(),
                    "closing connections whose request did not finish within the shutdown grace period"
                );
                connections.shutdown().await;
                break;
            }
        }
    }
    if let Err(error) = clock.await {
        warn!(%error, "the clock task ended abnormally");
    }
    if let Err(error) = lambdas.await {
        warn!(%error, "the Lambda runner ended abnormally");
    }
    shared.faults.log_summary();
    info!("SWF endpoint stopped");
    Ok(())
}

/// Logs failed accepts, such as running out of file descriptors, at most once per
/// `ACCEPT_ERROR_LOG_INTERVAL`, with the number of failures since the previous line.
#[derive(Default)]
struct AcceptErrors {
    last_logged: Option<Instant>,
    unlogged: u64,
}

impl AcceptErrors {
    fn record(&mut self, error: &std::io::Error) {
        let due = self
            .last_logged
            .is_none_or(|logged| logged.elapsed() >= ACCEPT_ERROR_LOG_INTERVAL);
        if !due {
            self.unlogged += 1;
            return;
        }
        warn!(%error, failures_since_last_report = self.unlogged, "accepting a connection failed; retrying");
        self.last_logged = Some(Instant::now());
        self.unlogged = 0;
    }
}

fn log_connection_end(joined: Result<(), tokio::task::JoinError>) {
    if let Err(error) = joined {
        warn!(%error, "a connection task ended abnormally");
    }
}

async fn serve_connection(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    let mut shutdown = shared.shutdown_signal();
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { handle_with_faults(&shared, request).await }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);

    let mut stopping = false;
    let result = loop {
        tokio::select! {
            result = connection.as_mut() => break result,
            _ = shutdown.wait_for(|stop| *stop), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    };
    if let Err(error) = result {
        debug!(%peer, %error, "connection ended with an error");
    }
}

/// Returned by the service to make hyper close the connection without writing a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct DroppedConnection;

/// Applies the fault drawn for the request, then serves it unless the fault replaces it.
async fn handle_with_faults(
    shared: &Shared,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DroppedConnection> {
    let plan = shared.faults.plan();
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    let Some(fault) = plan.fault else {
        return Ok(handle_request(shared, request).await);
    };

    let action = action_name(&request);
    let delay_ms = plan.delay.as_millis();
    debug!(action, fault = fault.name(), delay_ms, "injecting a fault");
    match fault {
        Injected::Throttle => {
            // The body is read, so that the connection can carry the client's next request.
            let _ = read_body(request).await;
            Ok(json_response(
                StatusCode::BAD_REQUEST,
                &faults::throttling_body(),
                &ids::request_id(),
            ))
        }
        Injected::InternalFailure => {
            let _ = read_body(request).await;
            Ok(json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &faults::internal_failure_body(),
                &ids::request_id(),
            ))
        }
        Injected::DropBeforeEffect => Err(DroppedConnection),
        Injected::DropAfterEffect => {
            let _ = handle_request(shared, request).await;
            Err(DroppedConnection)
        }
    }
}

/// Returns the action that the `X-Amz-Target` header names, or `""`.
fn action_name(request: &Request<Incoming>) -> String {
    request
        .headers()
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .and_then(api::action_from_target)
        .unwrap_or("")
        .to_string()
}

async fn handle_request(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let request_id = ids::request_id();
    let target_header = request.headers().get("x-amz-target");
    let target = target_header.and_then(|value| value.to_str().ok()).map(str::to_string);
    let target_is_text = target_header.is_none() || target.is_some();
    let action = target.as_deref().and_then(api::action_from_target).unwrap_or("");

    let result = if api::is_known_action(action) {
        match tokio::time::timeout(BODY_READ_TIMEOUT, read_body(request)).await {
            Ok(Ok(body)) => api::handle(shared, action, &body).await,
            Ok(Err(error)) => Err(error),
            Err(_) => Err(ApiError::Serialization(format!(
                "The request body did not arrive within {} seconds",
                BODY_READ_TIMEOUT.as_secs()
            ))),
        }
    } else {
        let shown = match (&target, target_is_text) {
            (Some(target), _) => target.as_str(),
            (None, false) => "the X-Amz-Target header is not visible ASCII text",
            (None, true) => "no X-Amz-Target header",
        };
        Err(ApiError::UnknownOperation(format!(
            "Unknown operation: {shown}; send X-Amz-Target: SimpleWorkflowService.<Action>"
        )))
    };

    let elapsed_ms = started.elapsed().as_millis();
    match result {
        Ok(body) => {
            debug!(request_id, action, elapsed_ms, "request succeeded");
            json_response(StatusCode::OK, &body, &request_id)
        }
        Err(error) => {
            debug!(request_id, action, elapsed_ms, code = error.code(), %error, "request failed");
            json_response(error.status(), &error.body(), &request_id)
        }
    }
}

/// Reads a request body of at most `MAX_BODY_BYTES`.
async fn read_body(request: Request<Incoming>) -> Result<Bytes, ApiError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if let Some(declared) = declared.filter(|declared| *declared > MAX_DRAINED_BYTES) {
        return Err(too_large(declared));
    }

    let mut body = request.into_body();
    let mut collected = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|error| ApiError::Serialization(format!("The request body could not be read: {error}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total <= MAX_BODY_BYTES {
            collected.extend_from_slice(&data);
        } else if total > MAX_DRAINED_BYTES {
            break;
        }
    }

    if total > MAX_BODY_BYTES {
        return Err(too_large(total));
    }
    Ok(collected.freeze())
}

fn too_large(size: usize) -> ApiError {
    ApiError::TooLarge(format!(
        "The request body has {size} bytes or more; the limit is {MAX_BODY_BYTES} bytes (1 MiB)"
    ))
}

fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;

    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", value);
    }
    response
}
