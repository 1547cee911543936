//! A blocking SWF client for assertions, reading SWF's own JSON, with dummy credentials and a loopback
//! endpoint.

use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_swf::types::{WorkflowExecution, WorkflowType};
use caravan::swf::RawResponse;
use serde_json::Value;

use super::wait_for;

pub struct Swf {
    runtime: tokio::runtime::Runtime,
    client: Client,
    pub domain: String,
}

impl Swf {
    pub fn new(endpoint: &str, domain: &str) -> Swf {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let config = aws_sdk_swf::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
            .endpoint_url(endpoint)
            .build();
        Swf {
            runtime,
            client: Client::from_conf(config),
            domain: domain.to_string(),
        }
    }

    pub fn register_domain(&self) {
        self.runtime
            .block_on(
                self.client
                    .register_domain()
                    .name(&self.domain)
                    .workflow_execution_retention_period_in_days("1")
                    .send(),
            )
            .expect("RegisterDomain");
    }

    /// Registers a workflow type no plugin serves.
    pub fn register_workflow_type(&self, name: &str, version: &str, task_list: &str) {
        let list = aws_sdk_swf::types::TaskList::builder()
            .name(task_list)
            .build()
            .expect("task list");
        self.runtime
            .block_on(
                self.client
                    .register_workflow_type()
                    .domain(&self.domain)
                    .name(name)
                    .version(version)
                    .default_task_list(list)
                    .default_execution_start_to_close_timeout("600")
                    .default_task_start_to_close_timeout("5")
                    .default_child_policy(aws_sdk_swf::types::ChildPolicy::Terminate)
                    .send(),
            )
            .expect("RegisterWorkflowType");
    }

    /// Registers an activity type no plugin serves, with every default set.
    pub fn register_activity_type(&self, name: &str, version: &str, task_list: &str) {
        let list = aws_sdk_swf::types::TaskList::builder()
            .name(task_list)
            .build()
            .expect("task list");
        self.runtime
            .block_on(
                self.client
                    .register_activity_type()
                    .domain(&self.domain)
                    .name(name)
                    .version(version)
                    .default_task_list(list)
                    .default_task_schedule_to_start_timeout("60")
                    .default_task_schedule_to_close_timeout("120")
                    .default_task_start_to_close_timeout("60")
                    .default_task_heartbeat_timeout("NONE")
                    .send(),
            )
            .expect("RegisterActivityType");
    }

    /// Starts an execution and returns its run id.
    pub fn start(&self, workflow_id: &str, name: &str, version: &str, input: Option<&str>) -> String {
        let workflow_type = WorkflowType::builder()
            .name(name)
            .version(version)
            .build()
            .expect("type");
        let output = self
            .runtime
            .block_on(
                self.client
                    .start_workflow_execution()
                    .domain(&self.domain)
                    .workflow_id(workflow_id)
                    .workflow_type(workflow_type)
                    .set_input(input.map(str::to_string))
                    .send(),
            )
            .expect("StartWorkflowExecution");
        output.run_id().expect("run id").to_string()
    }

    /// Starts an execution on `task_list` instead of the type's default, and returns its run id.
    pub fn start_on(&self, workflow_id: &str, name: &str, version: &str, task_list: &str) -> String {
        let workflow_type = WorkflowType::builder()
            .name(name)
            .version(version)
            .build()
            .expect("type");
        let task_list = aws_sdk_swf::types::TaskList::builder()
            .name(task_list)
            .build()
            .expect("task list");
        let output = self
            .runtime
            .block_on(
                self.client
                    .start_workflow_execution()
                    .domain(&self.domain)
                    .workflow_id(workflow_id)
                    .workflow_type(workflow_type)
                    .task_list(task_list)
                    .send(),
            )
            .expect("StartWorkflowExecution");
        output.run_id().expect("run id").to_string()
    }

    pub fn signal(&self, workflow_id: &str, signal: &str, input: &str) {
        self.runtime
            .block_on(
                self.client
                    .signal_workflow_execution()
                    .domain(&self.domain)
                    .workflow_id(workflow_id)
                    .signal_name(signal)
                    .input(input)
                    .send(),
            )
            .expect("SignalWorkflowExecution");
    }

    /// Requests cancellation of the execution, with `RequestCancelWorkflowExecution`.
    pub fn request_cancel(&self, workflow_id: &str, run_id: &str) {
        self.runtime
            .block_on(
                self.client
                    .request_cancel_workflow_execution()
                    .domain(&self.domain)
                    .workflow_id(workflow_id)
                    .run_id(run_id)
                    .send(),
            )
            .expect("RequestCancelWorkflowExecution");
    }

    /// Terminates the execution, with `TerminateWorkflowExecution`.
    pub fn terminate(&self, workflow_id: &str, run_id: &str) {
        self.runtime
            .block_on(
                self.client
                    .terminate_workflow_execution()
                    .domain(&self.domain)
                    .workflow_id(workflow_id)
                    .run_id(run_id)
                    .reason("terminated by the test")
                    .send(),
            )
            .expect("TerminateWorkflowExecution");
    }

    /// Polls a decision task list until a task arrives and completes the task with `decisions`.
    pub fn decide(&self, task_list: &str, decisions: Vec<aws_sdk_swf::types::Decision>) {
        let list = aws_sdk_swf::types::TaskList::builder()
            .name(task_list)
            .build()
            .expect("task list");
        let token = wait_for(Duration::from_secs(30), || {
            let task = self
                .runtime
                .block_on(
                    self.client
                        .poll_for_decision_task()
                        .domain(&self.domain)
                        .task_list(list.clone())
                        .send(),
                )
                .expect("PollForDecisionTask");
            let token = task.task_token();
            (!token.is_empty()).then(|| token.to_string())
        })
        .expect("a decision task");
        self.runtime
            .block_on(
                self.client
                    .respond_decision_task_completed()
                    .task_token(token)
                    .set_decisions(Some(decisions))
                    .send(),
            )
            .expect("RespondDecisionTaskCompleted");
    }

    /// Returns the execution's history events, as SWF returned them, following page tokens.
    pub fn history(&self, workflow_id: &str, run_id: &str) -> Vec<Value> {
        let execution = WorkflowExecution::builder()
            .workflow_id(workflow_id)
            .run_id(run_id)
            .build()
            .expect("execution");
        let mut events = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let raw = RawResponse::default();
            self.runtime
                .block_on(
                    self.client
                        .get_workflow_execution_history()
                        .domain(&self.domain)
                        .execution(execution.clone())
                        .set_next_page_token(page_token.clone())
                        .customize()
                        .interceptor(raw.clone())
                        .send(),
                )
                .expect("GetWorkflowExecutionHistory");
            let body: Value = serde_json::from_slice(&raw.take().expect("body")).expect("JSON");
            events.extend(body["events"].as_array().cloned().unwrap_or_default());

            match body["nextPageToken"].as_str() {
                Some(next) => page_token = Some(next.to_string()),
                None => return events,
            }
        }
    }

    /// Returns the execution's `executionInfo`, as SWF returned it.
    pub fn describe(&self, workflow_id: &str, run_id: &str) -> Value {
        let execution = WorkflowExecution::builder()
            .workflow_id(workflow_id)
            .run_id(run_id)
            .build()
            .expect("execution");
        let raw = RawResponse::default();
        self.runtime
            .block_on(
                self.client
                    .describe_workflow_execution()
                    .domain(&self.domain)
                    .execution(execution)
                    .customize()
                    .interceptor(raw.clone())
                    .send(),
            )
            .expect("DescribeWorkflowExecution");
        let body: Value = serde_json::from_slice(&raw.take().expect("body")).expect("JSON");
        body["executionInfo"].clone()
    }

    /// Waits until the execution is closed and returns its close status.
    pub fn wait_closed(&self, workflow_id: &str, run_id: &str, timeout: Duration) -> Option<String> {
        wait_for(timeout, || {
            let info = self.describe(workflow_id, run_id);
            (info["executionStatus"] == "CLOSED").then(|| info["closeStatus"].as_str().unwrap_or("").to_string())
        })
    }

    /// Waits until an event of `event_type` is in the history, and returns it.
    pub fn wait_event(&self, workflow_id: &str, run_id: &str, event_type: &str, timeout: Duration) -> Option<Value> {
        wait_for(timeout, || {
            self.history(workflow_id, run_id)
                .into_iter()
                .find(|event| event["eventType"] == event_type)
        })
    }
}

/// Returns the attributes of the first event of `event_type` in `events`.
pub fn attributes<'a>(events: &'a [Value], event_type: &str) -> Option<&'a Value> {
    let key = format!("{}{}EventAttributes", event_type[..1].to_lowercase(), &event_type[1..]);
    events
        .iter()
        .find(|event| event["eventType"] == event_type)
        .map(|event| &event[key.as_str()])
}
