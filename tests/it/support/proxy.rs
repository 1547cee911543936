//! An HTTP proxy in front of an SWF endpoint that records every call and can cut decision-task
//! histories into pages.
//!
//! moto returns every history in one piece, so the paging mode does what SWF does with a long
//! history: PollForDecisionTask returns the first page with a `nextPageToken`, and the decider sends
//! the token back to PollForDecisionTask for the next page. After the first page comes an empty page
//! that still carries a token, which a decider must follow too.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;

/// One call that reached the proxy.
#[derive(Debug, Clone)]
pub struct Record {
    /// The operation, such as `PollForDecisionTask`.
    pub operation: String,
    /// The request's JSON body.
    pub body: Bytes,
    pub arrived: Instant,
    pub answered: Option<Instant>,
}

struct State {
    upstream: SocketAddr,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    records: Mutex<Vec<Record>>,
    page_size: Option<usize>,
    /// In paging mode, every page after the first points back at itself.
    looping: bool,
    pages: Mutex<HashMap<String, Bytes>>,
    /// While true, decision polls wait at the proxy before going upstream.
    holding: tokio::sync::watch::Sender<bool>,
    /// Decision polls waiting at the proxy now.
    held: std::sync::atomic::AtomicUsize,
}

pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<State>,
    _runtime: tokio::runtime::Runtime,
}

impl Proxy {
    /// Forwards every call to `upstream` and records it.
    pub fn start(upstream: SocketAddr) -> Proxy {
        Proxy::start_with(upstream, None, false)
    }

    /// Like [`Proxy::start`], and returns decision-task histories in pages of `page_size` events.
    pub fn paging(upstream: SocketAddr, page_size: usize) -> Proxy {
        Proxy::start_with(upstream, Some(page_size), false)
    }

    /// Like [`Proxy::paging`], but the history never ends: the second page carries its own token
    /// again, as a faulty endpoint might.
    pub fn looping_pages(upstream: SocketAddr, page_size: usize) -> Proxy {
        Proxy::start_with(upstream, Some(page_size), true)
    }

    fn start_with(upstream: SocketAddr, page_size: Option<usize>, looping: bool) -> Proxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let client = Client::builder(TokioExecutor::new()).build_http();
        let state = Arc::new(State {
            upstream,
            client,
            records: Mutex::new(Vec::new()),
            page_size,
            looping,
            pages: Mutex::new(HashMap::new()),
            holding: tokio::sync::watch::Sender::new(false),
            held: std::sync::atomic::AtomicUsize::new(0),
        });

        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        runtime.spawn(accept_loop(listener, state.clone()));

        Proxy {
            addr,
            state,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn records(&self) -> Vec<Record> {
        self.state.records.lock().expect("records").clone()
    }

    /// Holds decision polls at the proxy from now on: they stay open without reaching the endpoint.
    pub fn hold_polls(&self) {
        self.state.holding.send_replace(true);
    }

    /// Decision polls waiting at the proxy now.
    pub fn held_polls(&self) -> usize {
        self.state.held.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Sends held and later decision polls on to the endpoint.
    pub fn release_polls(&self) {
        self.state.holding.send_replace(false);
    }

    /// Returns the JSON bodies of the calls of `operation` so far, in the order they arrived.
    pub fn requests(&self, operation: &str) -> Vec<Value> {
        self.records()
            .iter()
            .filter(|record| record.operation == operation)
            .filter_map(|record| serde_json::from_slice(&record.body).ok())
            .collect()
    }

    /// Calls of `operation` that arrived after `moment`.
    pub fn count_after(&self, operation: &str, moment: Instant) -> usize {
        self.records()
            .iter()
            .filter(|record| record.operation == operation && record.arrived > moment)
            .count()
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(state.clone(), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or("")
        .to_string();
    let arrived = Instant::now();
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let index = {
        let mut records = state.records.lock().expect("records");
        records.push(Record {
            operation: operation.clone(),
            body: body.clone(),
            arrived,
            answered: None,
        });
        records.len() - 1
    };

    let response = answer(&state, &operation, parts, body).await;

    state.records.lock().expect("records")[index].answered = Some(Instant::now());
    Ok(response)
}

async fn answer(
    state: &State,
    operation: &str,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Response<Full<Bytes>> {
    if operation == "PollForDecisionTask" && *state.holding.borrow() {
        state.held.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut holding = state.holding.subscribe();
        let _ = holding.wait_for(|held| !held).await;
        state.held.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }

    if state.page_size.is_some()
        && operation == "PollForDecisionTask"
        && let Some(page) = stashed_page(state, &body)
    {
        return json_response(200, page);
    }

    let mut upstream =
        Request::builder()
            .method(parts.method)
            .uri(format!("http://{}{}", state.upstream, parts.uri.path()));
    for (name, value) in &parts.headers {
        if name != "host" {
            upstream = upstream.header(name, value);
        }
    }
    let upstream = upstream.body(Full::new(body)).expect("upstream request");

    let response = match state.client.request(upstream).await {
        Ok(response) => response,
        Err(error) => return json_response(502, Bytes::from(format!("{{\"message\":\"proxy: {error}\"}}"))),
    };
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();

    match state.page_size {
        Some(page_size) if operation == "PollForDecisionTask" && status == 200 => {
            json_response(status, cut_into_pages(state, body, page_size))
        }
        _ => json_response(status, body),
    }
}

fn json_response(status: u16, body: Bytes) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(body))
        .expect("response")
}

/// Returns the page that a follow-up poll requests with its `nextPageToken`, if the proxy made that token.
fn stashed_page(state: &State, request_body: &Bytes) -> Option<Bytes> {
    let request: Value = serde_json::from_slice(request_body).ok()?;
    let token = request.get("nextPageToken")?.as_str()?;
    let mut pages = state.pages.lock().expect("pages");
    if state.looping {
        pages.get(token).cloned()
    } else {
        pages.remove(token)
    }
}

/// Returns the first page of a decision task and keeps the others for follow-up polls: the first
/// chunk of events, then an empty page, then the remaining chunks.
fn cut_into_pages(state: &State, body: Bytes, page_size: usize) -> Bytes {
    let Ok(mut task) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    let has_token = task
        .get("taskToken")
        .and_then(Value::as_str)
        .is_some_and(|token| !token.is_empty());
    let events = match task.get_mut("events").map(Value::take) {
        Some(Value::Array(events)) if has_token && events.len() > page_size => events,
        Some(events) => {
            task["events"] = events;
            return Bytes::from(task.to_string());
        }
        None => return body,
    };

    let mut chunks: Vec<Vec<Value>> = events.chunks(page_size).map(<[Value]>::to_vec).collect();
    chunks.insert(1, Vec::new());
    if state.looping {
        return loop_pages(state, task, &chunks[0]);
    }

    static NEXT_TOKEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let tokens: Vec<String> = (1..chunks.len())
        .map(|_| {
            format!(
                "proxy-page-{}",
                NEXT_TOKEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            )
        })
        .collect();

    let mut pages = Vec::new();
    for (index, chunk) in chunks.into_iter().enumerate() {
        let mut page = task.clone();
        page["events"] = Value::Array(chunk);
        if let Some(token) = tokens.get(index) {
            page["nextPageToken"] = Value::String(token.clone());
        }
        pages.push(Bytes::from(page.to_string()));
    }

    let mut stash = state.pages.lock().expect("pages");
    for (token, page) in tokens.iter().zip(pages.iter().skip(1)) {
        stash.insert(token.clone(), page.clone());
    }
    pages[0].clone()
}

/// Returns a first page whose token leads to a page that carries the same token again.
fn loop_pages(state: &State, mut task: Value, first_events: &[Value]) -> Bytes {
    let token = "proxy-loop".to_string();
    let mut looping_page = task.clone();
    looping_page["events"] = Value::Array(Vec::new());
    looping_page["nextPageToken"] = Value::String(token.clone());
    state
        .pages
        .lock()
        .expect("pages")
        .insert(token.clone(), Bytes::from(looping_page.to_string()));

    task["events"] = Value::Array(first_events.to_vec());
    task["nextPageToken"] = Value::String(token);
    Bytes::from(task.to_string())
}
