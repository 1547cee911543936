//! A test endpoint on a loopback port, a raw JSON client for it, and helpers that set up domains, types
//! and executions.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use caravan_local::{LocalEndpoint, PollRelease, Settings};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Domain, types and task lists that [`World::new`] registers.
pub const DOMAIN: &str = "test-domain";
pub const WORKFLOW: &str = "Order";
pub const ACTIVITY: &str = "Charge";
pub const DECIDERS: &str = "deciders";
pub const WORKERS: &str = "workers";

/// A response as the client saw it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub request_id: Option<String>,
    pub body: Value,
}

impl Reply {
    /// Returns the error code, the `__type` without its namespace.
    pub fn code(&self) -> &str {
        let wire = self.body["__type"].as_str().unwrap_or_default();
        wire.rsplit('#').next().unwrap_or(wire)
    }

    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

/// A running endpoint.
pub struct Endpoint {
    pub address: SocketAddr,
    pub poll_release: Option<PollRelease>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Endpoint {
    pub async fn start() -> Endpoint {
        Endpoint::start_with_window(Duration::from_secs(5)).await
    }

    pub async fn start_with_window(poll_window: Duration) -> Endpoint {
        let settings = Settings {
            poll_window,
            ..Settings::default()
        };
        Endpoint::start_with_settings(settings).await
    }

    pub async fn start_with_settings(settings: Settings) -> Endpoint {
        let endpoint = LocalEndpoint::bind(settings).await.expect("binding a loopback port");
        let address = endpoint.local_addr();
        assert_eq!(endpoint.url(), format!("http://{address}"));
        let poll_release = Some(endpoint.poll_release());

        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(endpoint.serve(async move {
            let _ = stopped.await;
        }));
        Endpoint {
            address,
            poll_release,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Returns a client for an endpoint that another handle runs.
    pub fn client_for(address: SocketAddr) -> Endpoint {
        Endpoint {
            address,
            poll_release: None,
            stop: None,
            task: None,
        }
    }

    /// Stops the endpoint and waits until `serve` returns.
    pub async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let served = tokio::time::timeout(Duration::from_secs(10), task).await;
            served
                .expect("serve returns after shutdown")
                .expect("serve task")
                .expect("serve result");
        }
    }

    /// Sends a POST request with any headers and body.
    pub async fn send(&self, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        self.send_with_method(Method::POST, headers, body).await
    }

    /// Sends a request with any method, headers and body.
    pub async fn send_with_method(&self, method: Method, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        self.try_send_with_method(method, headers, body)
            .await
            .expect("sending the request")
    }

    /// Sends a POST request; returns hyper's error when the connection closes without a response.
    pub async fn try_send(&self, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Result<Reply, hyper::Error> {
        self.try_send_with_method(Method::POST, headers, body).await
    }

    async fn try_send_with_method(
        &self,
        method: Method,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Reply, hyper::Error> {
        let stream = TcpStream::connect(self.address)
            .await
            .expect("connecting to the endpoint");
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP handshake");
        tokio::spawn(connection);

        let mut request = Request::builder()
            .method(method)
            .uri("/")
            .header("host", self.address.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body.into())).expect("building the request");
        let response = sender.send_request(request).await?;

        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type");
        let request_id = header("x-amzn-requestid");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("reading the response")
            .to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            content_type,
            request_id,
            body,
        })
    }

    /// Calls an action the way aws-sdk-swf does.
    pub async fn call(&self, action: &str, body: Value) -> Reply {
        self.try_call(action, body).await.expect("sending the request")
    }

    /// Calls an action; returns hyper's error when the connection closes without a response.
    pub async fn try_call(&self, action: &str, body: Value) -> Result<Reply, hyper::Error> {
        let target = format!("SimpleWorkflowService.{action}");
        let headers = [
            ("x-amz-target", target.as_str()),
            ("content-type", "application/x-amz-json-1.0"),
        ];
        self.try_send(&headers, body.to_string()).await
    }

    /// Calls an action that must succeed and returns its response body.
    pub async fn ok(&self, action: &str, body: Value) -> Value {
        let reply = self.call(action, body).await;
        assert_eq!(reply.status, 200, "{action} failed: {}", reply.body);
        reply.body
    }

    /// Calls an action that must fail with HTTP 400 and returns the reply.
    pub async fn fails(&self, action: &str, body: Value) -> Reply {
        let reply = self.call(action, body).await;
        assert_eq!(reply.status, 400, "{action} should fail with 400: {}", reply.body);
        reply
    }
}

/// An endpoint with a domain, a workflow type and an activity type whose defaults cover everything.
pub struct World {
    pub endpoint: Endpoint,
}

impl World {
    pub async fn new() -> World {
        World::with_endpoint(Endpoint::start().await).await
    }

    pub async fn with_endpoint(endpoint: Endpoint) -> World {
        endpoint
            .ok(
                "RegisterDomain",
                json!({"name": DOMAIN, "workflowExecutionRetentionPeriodInDays": "1"}),
            )
            .await;
        let world = World { endpoint };
        world.register_workflow_type(WORKFLOW, "1", json!({})).await;
        world
            .endpoint
            .ok(
                "RegisterActivityType",
                json!({
                    "domain": DOMAIN, "name": ACTIVITY, "version": "1",
                    "defaultTaskList": {"name": WORKERS},
                    "defaultTaskScheduleToStartTimeout": "NONE",
                    "defaultTaskScheduleToCloseTimeout": "NONE",
                    "defaultTaskStartToCloseTimeout": "NONE",
                    "defaultTaskHeartbeatTimeout": "NONE",
                }),
            )
            .await;
        world
    }

    /// Registers a workflow type with full defaults; `overrides` replaces or adds members.
    pub async fn register_workflow_type(&self, name: &str, version: &str, overrides: Value) {
        let mut body = json!({
            "domain": DOMAIN, "name": name, "version": version,
            "defaultTaskList": {"name": DECIDERS},
            "defaultExecutionStartToCloseTimeout": "3600",
            "defaultTaskStartToCloseTimeout": "600",
            "defaultChildPolicy": "TERMINATE",
        });
        merge(&mut body, overrides);
        self.endpoint.ok("RegisterWorkflowType", body).await;
    }

    /// Calls an action that must succeed; the domain member is added.
    pub async fn ok(&self, action: &str, body: Value) -> Value {
        self.endpoint.ok(action, with_domain(body)).await
    }

    /// Calls an action that must fail with 400; the domain member is added.
    pub async fn fails(&self, action: &str, body: Value) -> Reply {
        self.endpoint.fails(action, with_domain(body)).await
    }

    /// Starts a run of the default workflow type and returns its run id.
    pub async fn start(&self, workflow_id: &str) -> String {
        self.start_with(workflow_id, json!({})).await
    }

    pub async fn start_with(&self, workflow_id: &str, overrides: Value) -> String {
        let mut body = json!({"workflowId": workflow_id, "workflowType": {"name": WORKFLOW, "version": "1"}});
        merge(&mut body, overrides);
        let reply = self.ok("StartWorkflowExecution", body).await;
        reply["runId"].as_str().expect("runId in the response").to_string()
    }

    /// Polls the default decision task list; the task must be there.
    pub async fn decision_task(&self) -> Value {
        self.decision_task_on(DECIDERS).await
    }

    pub async fn decision_task_on(&self, task_list: &str) -> Value {
        let task = self
            .ok(
                "PollForDecisionTask",
                json!({"taskList": {"name": task_list}, "identity": "decider-1"}),
            )
            .await;
        assert!(task["taskToken"].is_string(), "expected a decision task: {task}");
        task
    }

    /// Polls the default activity task list; the task must be there.
    pub async fn activity_task(&self) -> Value {
        let task = self
            .ok(
                "PollForActivityTask",
                json!({"taskList": {"name": WORKERS}, "identity": "worker-1"}),
            )
            .await;
        assert!(task["taskToken"].is_string(), "expected an activity task: {task}");
        task
    }

    /// Completes a decision task with the given decisions.
    pub async fn decide(&self, task: &Value, decisions: Value) {
        let body = json!({"taskToken": task["taskToken"], "decisions": decisions});
        self.endpoint.ok("RespondDecisionTaskCompleted", body).await;
    }

    /// Returns the whole history of a run, following page tokens.
    pub async fn history(&self, workflow_id: &str, run_id: &str) -> Vec<Value> {
        let mut events = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({"execution": {"workflowId": workflow_id, "runId": run_id}});
            if let Some(token) = &token {
                body["nextPageToken"] = json!(token);
            }
            let page = self.ok("GetWorkflowExecutionHistory", body).await;
            events.extend(page["events"].as_array().cloned().unwrap_or_default());
            match page["nextPageToken"].as_str() {
                Some(next) => token = Some(next.to_string()),
                None => return events,
            }
        }
    }

    pub async fn describe(&self, workflow_id: &str, run_id: &str) -> Value {
        self.ok(
            "DescribeWorkflowExecution",
            json!({"execution": {"workflowId": workflow_id, "runId": run_id}}),
        )
        .await
    }
}

/// Returns the event types of a history in order.
pub fn event_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|event| event["eventType"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Returns the last event of the given type.
pub fn last_event<'a>(events: &'a [Value], event_type: &str) -> &'a Value {
    events
        .iter()
        .rev()
        .find(|event| event["eventType"] == event_type)
        .unwrap_or_else(|| panic!("no {event_type} in {:?}", event_types(events)))
}

/// Returns the attributes of the last event of the given type.
pub fn attributes<'a>(events: &'a [Value], event_type: &str) -> &'a Value {
    let event = last_event(events, event_type);
    let mut key = event_type.to_string();
    key[..1].make_ascii_lowercase();
    &event[format!("{key}EventAttributes")]
}

/// Builds a ScheduleActivityTask decision for the default activity type.
pub fn schedule_activity(activity_id: &str, overrides: Value) -> Value {
    let mut attributes = json!({"activityType": {"name": ACTIVITY, "version": "1"}, "activityId": activity_id});
    merge(&mut attributes, overrides);
    json!({"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": attributes})
}

/// Builds a decision of a type with attributes.
pub fn decision(decision_type: &str, attributes: Value) -> Value {
    let mut key = decision_type.to_string();
    key[..1].make_ascii_lowercase();
    json!({"decisionType": decision_type, format!("{key}DecisionAttributes"): attributes})
}

pub fn merge(target: &mut Value, overrides: Value) {
    if let (Some(target), Value::Object(overrides)) = (target.as_object_mut(), overrides) {
        target.extend(overrides);
    }
}

fn with_domain(mut body: Value) -> Value {
    if body.get("domain").is_none() {
        body["domain"] = json!(DOMAIN);
    }
    body
}
