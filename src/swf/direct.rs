//! A lean SWF client for the decider's hot path: SWF's JSON bodies, signed with SigV4 by the
//! `aws-sigv4` crate and sent over hyper.
//!
//! The AWS SDK's orchestrator builds and tears down layers of configuration, interceptors and
//! runtime components for every call. For PollForDecisionTask and RespondDecisionTaskCompleted,
//! which a decider makes once per decision task each, that costs more CPU than the rest of the
//! decider. Activity workers use it in the same way for the operations named below. This client resolves the endpoint once with the SDK's own resolver, caches credentials
//! from aws-config's chain, and passes the JSON through untouched, which is what the plugins need.
//! The command-line tools and type registration still use the SDK.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{Context, anyhow};
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_swf::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

use super::ErrorClass;
use super::errors::THROTTLING_CODES;

/// Operations of an activity worker, as `call` takes them.
pub const POLL_FOR_ACTIVITY_TASK: &str = "PollForActivityTask";
pub const RESPOND_ACTIVITY_TASK_COMPLETED: &str = "RespondActivityTaskCompleted";
pub const RESPOND_ACTIVITY_TASK_FAILED: &str = "RespondActivityTaskFailed";
pub const RESPOND_ACTIVITY_TASK_CANCELED: &str = "RespondActivityTaskCanceled";
pub const RECORD_ACTIVITY_TASK_HEARTBEAT: &str = "RecordActivityTaskHeartbeat";
pub const GET_WORKFLOW_EXECUTION_HISTORY: &str = "GetWorkflowExecutionHistory";

/// Responses larger than this are refused, so that a faulty endpoint cannot exhaust memory. A page
/// of history holds at most 1,000 events, whose data fields SWF limits to 32,768 characters, so
/// real pages stay far below it.
const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

/// Credentials are refreshed this long before they expire.
const CREDENTIALS_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A failed call: its class, and one line with SWF's fault name and message or the transport error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    pub class: ErrorClass,
    pub message: String,
}

/// The parsed endpoint: where to connect, what to put in the Host header, and whether to use TLS.
struct Endpoint {
    url: String,
    host: String,
    port: u16,
    authority: String,
    tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
}

/// Calls SWF operations with raw JSON bodies.
///
/// Connections are kept for reuse while the endpoint keeps them open. Each caller uses one
/// connection at a time, so a poller and its responses share one connection to SWF.
pub struct DirectClient {
    endpoint: Endpoint,
    region: String,
    credentials_provider: SharedCredentialsProvider,
    credentials: Mutex<Option<Credentials>>,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
    read_timeout: Duration,
}

impl DirectClient {
    /// Builds a client for the region, credentials and endpoint of `config`.
    pub async fn new(config: &SdkConfig, read_timeout: Duration) -> anyhow::Result<DirectClient> {
        let region = config
            .region()
            .map(|region| region.to_string())
            .ok_or_else(|| anyhow!("no AWS region: set `region` in the [caravan] section, or AWS_REGION"))?;
        let credentials_provider = config
            .credentials_provider()
            .ok_or_else(|| anyhow!("no AWS credentials provider is configured"))?;
        let endpoint = endpoint(config, &region).await?;

        Ok(DirectClient {
            endpoint,
            region,
            credentials_provider,
            credentials: Mutex::new(None),
            idle: Mutex::new(Vec::new()),
            read_timeout,
        })
    }

    /// Calls `operation` (such as `PollForDecisionTask`) with `body` and returns the response body.
    /// The whole exchange, from sending the request to reading the last byte of the response, must
    /// finish within `timeout`, and never takes longer than the client's read timeout.
    pub async fn call(&self, operation: &str, body: Bytes, timeout: Duration) -> Result<Bytes, CallError> {
        let timeout = timeout.min(self.read_timeout);
        let credentials = self.credentials().await?;
        let target = format!("SimpleWorkflowService.{operation}");

        // The endpoint may have closed a kept connection while it was idle. A request on such a
        // connection never reached the endpoint, so it is sent again once on a new connection.
        let response = match self.take_idle() {
            Some(sender) => match self.send(sender, &target, &body, &credentials, timeout).await {
                Err(SendError::ClosedBeforeSending) => {
                    self.send_on_new_connection(&target, &body, &credentials, timeout).await
                }
                other => other,
            },
            None => self.send_on_new_connection(&target, &body, &credentials, timeout).await,
        };

        let (status, error_type, response_body) = match response {
            Ok(parts) => parts,
            Err(SendError::ClosedBeforeSending) => {
                return Err(transient(format!(
                    "the SWF endpoint {} closed the connection",
                    self.endpoint.url
                )));
            }
            Err(SendError::Failed(error)) => return Err(error),
        };

        if status == 200 {
            Ok(response_body)
        } else {
            Err(service_error(status, error_type.as_deref(), &response_body))
        }
    }

    async fn send_on_new_connection(
        &self,
        target: &str,
        body: &Bytes,
        credentials: &Credentials,
        timeout: Duration,
    ) -> Result<(u16, Option<String>, Bytes), SendError> {
        let sender = self.connect().await.map_err(SendError::Failed)?;
        self.send(sender, target, body, credentials, timeout).await
    }

    /// Sends one request on `sender` and reads the whole response; keeps the connection if the
    /// endpoint leaves it open.
    async fn send(
        &self,
        mut sender: SendRequest<Full<Bytes>>,
        target: &str,
        body: &Bytes,
        credentials: &Credentials,
        timeout: Duration,
    ) -> Result<(u16, Option<String>, Bytes), SendError> {
        if sender.ready().await.is_err() {
            return Err(SendError::ClosedBeforeSending);
        }
        let request = self
            .signed_request(target, body, credentials)
            .map_err(SendError::Failed)?;

        let exchange = async {
            let response = sender.send_request(request).await.map_err(ExchangeError::Http)?;
            let status = response.status().as_u16();
            let error_type = response
                .headers()
                .get("x-amzn-errortype")
                .and_then(|value| value.to_str().ok())
                .map(str::to_string);
            let limited = http_body_util::Limited::new(response.into_body(), MAX_RESPONSE_BYTES);
            let body = limited.collect().await.map_err(ExchangeError::Body)?.to_bytes();
            Ok::<_, ExchangeError>((status, error_type, body))
        };
        let result = match tokio::time::timeout(timeout, exchange).await {
            Ok(Ok(parts)) => parts,
            Ok(Err(ExchangeError::Http(error))) if error.is_canceled() => return Err(SendError::ClosedBeforeSending),
            Ok(Err(ExchangeError::Body(error))) if error.is::<http_body_util::LengthLimitError>() => {
                let message = format!("the response from SWF is larger than {} MiB", MAX_RESPONSE_BYTES >> 20);
                return Err(SendError::Failed(permanent(message)));
            }
            Ok(Err(ExchangeError::Body(error))) => {
                let message = format!(
                    "reading the response from the SWF endpoint {} failed: {error}",
                    self.endpoint.url
                );
                return Err(SendError::Failed(transient(message)));
            }
            Ok(Err(ExchangeError::Http(error))) => {
                let message = format!(
                    "the call to the SWF endpoint {} failed: {}",
                    self.endpoint.url,
                    chain(&error)
                );
                return Err(SendError::Failed(transient(message)));
            }
            Err(_) => {
                let seconds = timeout.as_secs_f64();
                return Err(SendError::Failed(transient(format!(
                    "the call to SWF timed out after {seconds:.1} s"
                ))));
            }
        };

        if !sender.is_closed()
            && let Ok(mut idle) = self.idle.lock()
        {
            idle.push(sender);
        }
        Ok(result)
    }

    fn take_idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.idle.lock().ok()?;
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    /// Opens a connection (with TLS for an https endpoint) and starts driving it on a task.
    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, CallError> {
        let unreachable =
            |reason: String| transient(format!("cannot reach the SWF endpoint {}: {reason}", self.endpoint.url));
        let address = (self.endpoint.host.as_str(), self.endpoint.port);

        let stream = match tokio::time::timeout(super::CONNECT_TIMEOUT, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(unreachable(error.to_string())),
            Err(_) => {
                return Err(unreachable(format!(
                    "connecting timed out after {} s",
                    super::CONNECT_TIMEOUT.as_secs()
                )));
            }
        };
        let _ = stream.set_nodelay(true);

        let handshake = match &self.endpoint.tls {
            None => hyper::client::conn::http1::handshake(TokioIo::new(Box::new(stream) as Box<dyn Io>)).await,
            Some((connector, server_name)) => {
                let tls = connector
                    .connect(server_name.clone(), stream)
                    .await
                    .map_err(|error| unreachable(format!("TLS handshake failed: {error}")))?;
                hyper::client::conn::http1::handshake(TokioIo::new(Box::new(tls) as Box<dyn Io>)).await
            }
        };
        let (sender, connection) = handshake.map_err(|error| unreachable(chain(&error)))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    fn signed_request(
        &self,
        target: &str,
        body: &Bytes,
        credentials: &Credentials,
    ) -> Result<http::Request<Full<Bytes>>, CallError> {
        let sign_error =
            |error: &dyn std::fmt::Display| permanent(format!("cannot sign the request to {target}: {error}"));

        let mut request = http::Request::builder()
            .method("POST")
            .uri("/")
            .header("host", &self.endpoint.authority)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", target)
            .header("content-length", body.len())
            .body(Full::new(body.clone()))
            .map_err(|error| sign_error(&error))?;

        let identity = Identity::from(credentials.clone());
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("swf")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|error| sign_error(&error))?
            .into();
        let headers = [
            ("host", self.endpoint.authority.as_str()),
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", target),
        ];
        let signable = SignableRequest::new(
            "POST",
            self.endpoint.url.as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|error| sign_error(&error))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|error| sign_error(&error))?
            .into_parts();
        instructions.apply_to_request_http1x(&mut request);

        Ok(request)
    }

    /// Loads credentials once, so that start-up fails with a clear message when there are none.
    pub async fn check_credentials(&self) -> Result<(), CallError> {
        self.credentials().await.map(|_| ())
    }

    /// Returns cached credentials, fetching new ones from the chain when they are missing or about
    /// to expire.
    async fn credentials(&self) -> Result<Credentials, CallError> {
        if let Ok(cached) = self.credentials.lock()
            && let Some(credentials) = cached.as_ref()
            && credentials
                .expiry()
                .is_none_or(|expiry| expiry > SystemTime::now() + CREDENTIALS_REFRESH_MARGIN)
        {
            return Ok(credentials.clone());
        }

        let fresh = self
            .credentials_provider
            .provide_credentials()
            .await
            .map_err(|error| transient(credentials_message(&error)))?;
        if let Ok(mut cached) = self.credentials.lock() {
            *cached = Some(fresh.clone());
        }
        Ok(fresh)
    }
}

/// A plain or TLS stream, so that both kinds of connection share one code path.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

enum ExchangeError {
    Http(hyper::Error),
    Body(Box<dyn std::error::Error + Send + Sync>),
}

enum SendError {
    /// The connection was closed before the request was written, so it can be sent again.
    ClosedBeforeSending,
    Failed(CallError),
}

/// Resolves the endpoint with the SDK's own rules and prepares TLS for an https endpoint.
async fn endpoint(config: &SdkConfig, region: &str) -> anyhow::Result<Endpoint> {
    let url = resolve_endpoint(config, region).await?;
    let uri = url
        .parse::<http::Uri>()
        .with_context(|| format!("invalid SWF endpoint URL {url}"))?;
    let host = uri
        .host()
        .ok_or_else(|| anyhow!("the SWF endpoint URL {url} has no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(anyhow!("the SWF endpoint URL {url} is neither http:// nor https://")),
    };
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let authority = uri
        .authority()
        .map(|authority| authority.as_str().to_string())
        .unwrap_or_else(|| host.clone());

    let tls = if https {
        let mut roots = rustls::RootCertStore::empty();
        let loaded = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(loaded.certs);
        if added == 0 {
            return Err(anyhow!(
                "no usable root certificates found on this system for the SWF endpoint {url}"
            ));
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls_config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("cannot set up TLS")?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let server_name =
            ServerName::try_from(host.clone()).with_context(|| format!("invalid TLS server name {host}"))?;
        Some((tokio_rustls::TlsConnector::from(Arc::new(tls_config)), server_name))
    } else {
        None
    };

    Ok(Endpoint {
        url,
        host,
        port,
        authority,
        tls,
    })
}

/// Resolves the endpoint once, with the SDK's own rules for regions, FIPS and dual-stack.
async fn resolve_endpoint(config: &SdkConfig, region: &str) -> anyhow::Result<String> {
    let params = Params::builder()
        .region(region)
        .set_use_fips(config.use_fips())
        .set_use_dual_stack(config.use_dual_stack())
        .set_endpoint(config.endpoint_url().map(str::to_string))
        .build()
        .context("invalid endpoint parameters")?;
    let endpoint = DefaultResolver::new()
        .resolve_endpoint(&params)
        .await
        .map_err(|error| anyhow!("cannot resolve the SWF endpoint: {error}"))?;
    Ok(endpoint.url().to_string())
}

/// Reads SWF's error body: `{"__type": "namespace#Name", "message": "..."}`.
fn service_error(status: u16, error_type: Option<&str>, body: &[u8]) -> CallError {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(rename = "__type")]
        error_type: Option<String>,
        message: Option<String>,
        #[serde(rename = "Message")]
        message_capitalized: Option<String>,
    }

    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let raw_code = error_type
        .map(str::to_string)
        .or_else(|| parsed.as_ref().and_then(|body| body.error_type.clone()));
    let code = raw_code.as_deref().map(sanitize_code);
    let message = parsed.and_then(|body| body.message.or(body.message_capitalized));

    let class = match code {
        Some("UnknownResourceFault") => ErrorClass::UnknownResource,
        Some(code) if THROTTLING_CODES.contains(&code) => ErrorClass::Transient,
        _ if status >= 500 => ErrorClass::Transient,
        _ => ErrorClass::Permanent,
    };
    let message = match (code, message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        (None, _) => format!("the endpoint returned HTTP {status} with no SWF error in the body"),
    };
    CallError { class, message }
}

/// Strips the namespace (`com.amazonaws.swf.base.model#`) and any `:suffix` from an error code.
fn sanitize_code(code: &str) -> &str {
    let code = code.split(':').next().unwrap_or(code);
    code.rsplit('#').next().unwrap_or(code)
}

/// Describes a credentials failure in one line. The chain's error lists every provider it tried on
/// lines of their own, which would flood the log on each retry.
pub(super) fn credentials_message(error: &(dyn std::error::Error + 'static)) -> String {
    let full = chain(error);
    let first_line = full.lines().next().unwrap_or_default();
    if full.contains("no credentials found") {
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile, SSO, or a \
         container or instance role"
            .to_string()
    } else {
        format!("cannot load AWS credentials: {first_line}")
    }
}

fn transient(message: String) -> CallError {
    CallError {
        class: ErrorClass::Transient,
        message,
    }
}

fn permanent(message: String) -> CallError {
    CallError {
        class: ErrorClass::Permanent,
        message,
    }
}

/// Joins an error and its sources with ": ".
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_resource_is_classified() {
        let body = br#"{"__type":"com.amazonaws.swf.base.model#UnknownResourceFault","message":"Unknown execution"}"#;
        let error = service_error(400, None, body);

        assert_eq!(error.class, ErrorClass::UnknownResource);
        assert_eq!(error.message, "UnknownResourceFault: Unknown execution");
    }

    #[test]
    fn throttling_is_transient() {
        let body = br#"{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate exceeded"}"#;
        assert_eq!(service_error(400, None, body).class, ErrorClass::Transient);
    }

    #[test]
    fn server_error_without_body_is_transient() {
        let error = service_error(500, None, b"<html>oops</html>");

        assert_eq!(error.class, ErrorClass::Transient);
        assert!(error.message.contains("HTTP 500"), "{}", error.message);
    }

    #[test]
    fn validation_is_permanent() {
        let body = br#"{"__type":"com.amazon.coral.validate#ValidationException","Message":"bad"}"#;
        let error = service_error(400, None, body);

        assert_eq!(error.class, ErrorClass::Permanent);
        assert_eq!(error.message, "ValidationException: bad");
    }

    #[test]
    fn error_type_header_wins() {
        let body = br#"{"__type":"Other","message":"m"}"#;
        let error = service_error(400, Some("UnknownResourceFault:http://internal"), body);
        assert_eq!(error.class, ErrorClass::UnknownResource);
    }
}
