//! The daemon under injected faults: `caravan local` throttles, fails and drops a share of all
//! requests, and `caravan run` must still complete every execution exactly once.
//!
//! The checks go through the same faulty endpoint, with a client that retries what the endpoint
//! injected: throttling, HTTP 500 and dropped connections. Its reads are idempotent. A domain
//! registration whose earlier attempt may have taken effect accepts the "already exists" fault
//! that the retry then gets, and a start is retried only when no run of its workflow id exists.
//! So the checker needs no way around the faults, and every number it reads is what the endpoint
//! stores.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_swf::Client;
use aws_sdk_swf::config::retry::RetryConfig;
use aws_sdk_swf::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_swf::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_swf::types::{EventType, ExecutionTimeFilter, WorkflowExecution, WorkflowExecutionFilter, WorkflowType};
use aws_smithy_types::DateTime;
use nix::sys::signal::Signal;

use crate::support::daemon::Daemon;
use crate::support::endpoint::free_port;
use crate::support::{caravan_bin, plugins, scratch, unique_name};

const EXECUTIONS: usize = 1_000;
const DOMAIN_RETENTION_DAYS: &str = "1";
const START_WAIT: Duration = Duration::from_secs(60);
const COMPLETION_WAIT: Duration = Duration::from_secs(90);
const STOP_WAIT: Duration = Duration::from_secs(30);
/// Attempts per checker request before the test gives up. At a 10% fault share, 30 faults in a
/// row have a chance of 1e-30.
const MAX_ATTEMPTS: u32 = 30;

/// Log line of the daemon when SWF rejects the first attempt of a response: the task had timed
/// out or its execution had closed before the daemon responded.
const TASK_GONE_AT_FIRST_ATTEMPT: &str = "decision task no longer exists";
/// Log line of the daemon when a retried response finds the task closed: an earlier attempt,
/// whose response was lost, may have completed it.
const TASK_GONE_AFTER_RETRY: &str = "decision task no longer open after a failed attempt";

/// The endpoint's count of each injected fault, from its summary at shutdown.
#[derive(Debug, Default)]
struct FaultCounts {
    requests: u64,
    throttled: u64,
    internal_failures: u64,
    dropped_before_effect: u64,
    dropped_after_effect: u64,
}

/// Writes one config file for both processes: `caravan local` reads its `[local]` section with the
/// faults, and `caravan run` polls that endpoint by URL.
fn write_config(folder: &Path, domain: &str, port: u16) -> String {
    let config = folder.join("faults.ini");
    let text = format!(
        "[caravan]
endpoint_url = http://127.0.0.1:{port}
register_types = true
shutdown_timeout_secs = 20

[local]
listen = 127.0.0.1:{port}
poll_window_secs = 5
fault_throttle_share = 0.033
fault_error_share = 0.033
fault_drop_share = 0.034
fault_latency_ms = 1
fault_latency_jitter_ms = 2

[plugin:complete]
path = {plugin}

[decider:complete]
domain = {domain}
task_list = complete
plugins = complete
pollers = 4
",
        plugin = plugins().complete.display(),
    );
    std::fs::write(&config, text).expect("write the config");
    config.display().to_string()
}

/// An SWF client that retries the faults the endpoint injects, and counts them.
struct Checker {
    runtime: tokio::runtime::Runtime,
    client: Client,
    domain: String,
    faults_met: u32,
}

impl Checker {
    fn new(url: &str, domain: &str) -> Checker {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let config = aws_sdk_swf::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
            .endpoint_url(url)
            .retry_config(RetryConfig::disabled())
            .build();
        Checker {
            runtime,
            client: Client::from_conf(config),
            domain: domain.to_string(),
            faults_met: 0,
        }
    }

    /// Runs `call` until it returns something other than an injected fault. Returns that result
    /// and whether an earlier attempt met a fault that could hide its effect.
    fn retry<T, E, F, Fut>(&mut self, what: &str, mut call: F) -> (Result<T, SdkError<E>>, bool)
    where
        F: FnMut(&Client) -> Fut,
        Fut: Future<Output = Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata,
    {
        let mut effect_unknown = false;
        for _ in 0..MAX_ATTEMPTS {
            let result = self.runtime.block_on(call(&self.client));
            match &result {
                Err(error) if is_injected(error) => {
                    self.faults_met += 1;
                    effect_unknown |= !matches!(error, SdkError::ServiceError(_));
                }
                _ => return (result, effect_unknown),
            }
        }
        panic!("{what} met {MAX_ATTEMPTS} injected faults in a row");
    }

    fn register_domain(&mut self) {
        let domain = self.domain.clone();
        let (result, effect_unknown) = self.retry("RegisterDomain", |client| {
            client
                .register_domain()
                .name(&domain)
                .workflow_execution_retention_period_in_days(DOMAIN_RETENTION_DAYS)
                .send()
        });
        match result {
            Ok(_) => {}
            Err(error) if effect_unknown && error.code() == Some("DomainAlreadyExistsFault") => {}
            Err(error) => panic!("RegisterDomain failed: {error:?}"),
        }
    }

    /// Starts an execution. A start whose connection was dropped is retried only when the
    /// endpoint has no run of the workflow id. The dropped attempt may have started a run that has
    /// even completed since, and a blind retry would then start a second run.
    fn start(&mut self, workflow_id: &str) {
        let workflow_type = WorkflowType::builder()
            .name("Complete")
            .version("1")
            .build()
            .expect("type");
        for _ in 0..MAX_ATTEMPTS {
            let request = self
                .client
                .start_workflow_execution()
                .domain(&self.domain)
                .workflow_id(workflow_id)
                .workflow_type(workflow_type.clone())
                .send();
            let error = match self.runtime.block_on(request) {
                Ok(_) => return,
                Err(error) if is_injected(&error) => error,
                Err(error) => panic!("StartWorkflowExecution {workflow_id} failed: {error:?}"),
            };

            self.faults_met += 1;
            let effect_unknown = !matches!(error, SdkError::ServiceError(_));
            if effect_unknown && self.run_count(workflow_id) > 0 {
                return;
            }
        }
        panic!("StartWorkflowExecution {workflow_id} met {MAX_ATTEMPTS} injected faults in a row");
    }

    /// Counts the open and closed runs of a workflow id.
    fn run_count(&mut self, workflow_id: &str) -> usize {
        let domain = self.domain.clone();
        let filter = WorkflowExecutionFilter::builder()
            .workflow_id(workflow_id)
            .build()
            .expect("execution filter");
        let (open, _) = self.retry("ListOpenWorkflowExecutions", |client| {
            client
                .list_open_workflow_executions()
                .domain(&domain)
                .start_time_filter(all_time())
                .execution_filter(filter.clone())
                .send()
        });
        let (closed, _) = self.retry("ListClosedWorkflowExecutions", |client| {
            client
                .list_closed_workflow_executions()
                .domain(&domain)
                .start_time_filter(all_time())
                .execution_filter(filter.clone())
                .send()
        });
        let open = open.expect("ListOpenWorkflowExecutions").execution_infos().len();
        let closed = closed.expect("ListClosedWorkflowExecutions").execution_infos().len();
        open + closed
    }

    fn count_closed(&mut self) -> i32 {
        let domain = self.domain.clone();
        let (result, _) = self.retry("CountClosedWorkflowExecutions", |client| {
            client
                .count_closed_workflow_executions()
                .domain(&domain)
                .start_time_filter(all_time())
                .send()
        });
        result.expect("CountClosedWorkflowExecutions").count()
    }

    fn count_open(&mut self) -> i32 {
        let domain = self.domain.clone();
        let (result, _) = self.retry("CountOpenWorkflowExecutions", |client| {
            client
                .count_open_workflow_executions()
                .domain(&domain)
                .start_time_filter(all_time())
                .send()
        });
        result.expect("CountOpenWorkflowExecutions").count()
    }

    /// Returns the closed runs by workflow id, as (run id, close status) pairs, following pages.
    fn closed_runs(&mut self) -> BTreeMap<String, Vec<(String, String)>> {
        let domain = self.domain.clone();
        let mut runs: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let (result, _) = self.retry("ListClosedWorkflowExecutions", |client| {
                client
                    .list_closed_workflow_executions()
                    .domain(&domain)
                    .start_time_filter(all_time())
                    .maximum_page_size(1000)
                    .set_next_page_token(token.clone())
                    .send()
            });
            let page = result.expect("ListClosedWorkflowExecutions");
            for info in page.execution_infos() {
                let execution = info.execution().expect("execution");
                let status = info.close_status().map(|status| status.as_str().to_string());
                runs.entry(execution.workflow_id().to_string())
                    .or_default()
                    .push((execution.run_id().to_string(), status.unwrap_or_default()));
            }
            match page.next_page_token() {
                Some(next) => token = Some(next.to_string()),
                None => return runs,
            }
        }
    }

    /// Returns the event types of a run's history and the results of its completion events.
    fn history(&mut self, workflow_id: &str, run_id: &str) -> (Vec<EventType>, Vec<String>) {
        let domain = self.domain.clone();
        let execution = WorkflowExecution::builder()
            .workflow_id(workflow_id)
            .run_id(run_id)
            .build()
            .expect("execution");
        let mut types = Vec::new();
        let mut results = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (result, _) = self.retry("GetWorkflowExecutionHistory", |client| {
                client
                    .get_workflow_execution_history()
                    .domain(&domain)
                    .execution(execution.clone())
                    .set_next_page_token(token.clone())
                    .send()
            });
            let page = result.expect("GetWorkflowExecutionHistory");
            for event in page.events() {
                types.push(event.event_type().clone());
                if let Some(completed) = event.workflow_execution_completed_event_attributes() {
                    results.push(completed.result().unwrap_or_default().to_string());
                }
            }
            match page.next_page_token() {
                Some(next) => token = Some(next.to_string()),
                None => return (types, results),
            }
        }
    }
}

/// Tells whether an error is one the endpoint injects: throttling, HTTP 500, or a connection that
/// closed without a response.
fn is_injected<E: ProvideErrorMetadata>(error: &SdkError<E>) -> bool {
    match error {
        SdkError::ServiceError(service) => {
            service.err().code() == Some("ThrottlingException") || service.raw().status().as_u16() >= 500
        }
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) | SdkError::TimeoutError(_) => true,
        _ => false,
    }
}

fn all_time() -> ExecutionTimeFilter {
    ExecutionTimeFilter::builder()
        .oldest_date(DateTime::from_secs(0))
        .build()
        .expect("time filter")
}

/// Reads the endpoint's summary line, `injected faults requests=N throttled=N ...`.
fn fault_counts(log: &str) -> FaultCounts {
    let line = log
        .lines()
        .find(|line| line.contains("injected faults"))
        .unwrap_or_else(|| panic!("no fault summary in the endpoint's log:\n{log}"));
    let field = |name: &str| -> u64 {
        let prefix = format!("{name}=");
        line.split_whitespace()
            .find_map(|word| word.strip_prefix(&prefix))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    FaultCounts {
        requests: field("requests"),
        throttled: field("throttled"),
        internal_failures: field("internal_failures"),
        dropped_before_effect: field("dropped_before_effect"),
        dropped_after_effect: field("dropped_after_effect"),
    }
}

fn count_lines(log: &str, text: &str) -> usize {
    log.lines().filter(|line| line.contains(text)).count()
}

#[test]
fn thousand_executions_complete_once_under_faults() {
    let folder = scratch();
    let home = folder.path();
    let domain = unique_name("faults");
    let port = free_port();
    let config = write_config(home, &domain, port);
    let url = format!("http://127.0.0.1:{port}");
    let began = Instant::now();

    let mut endpoint = Daemon::spawn(&caravan_bin(), &["local", &config], home, &[]);
    assert!(
        endpoint.wait_for_log("local SWF endpoint listening", START_WAIT),
        "{}",
        endpoint.log()
    );
    assert!(
        endpoint.log().contains("injects faults into requests"),
        "no start-up warning about faults:\n{}",
        endpoint.log()
    );
    let mut checker = Checker::new(&url, &domain);
    checker.register_domain();

    let mut daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(
        daemon.wait_for_log("caravan is running", START_WAIT),
        "{}",
        daemon.log()
    );

    let workflow_ids: Vec<String> = (0..EXECUTIONS).map(|index| format!("faults-{index}")).collect();
    for workflow_id in &workflow_ids {
        checker.start(workflow_id);
    }
    let started_in = began.elapsed();

    let deadline = Instant::now() + COMPLETION_WAIT;
    while checker.count_closed() < EXECUTIONS as i32 {
        assert!(
            Instant::now() < deadline,
            "{} of {EXECUTIONS} executions closed after {COMPLETION_WAIT:?}; daemon log:\n{}",
            checker.count_closed(),
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let completed_in = began.elapsed();

    // Every execution closed once, as COMPLETED, with one completion event and one accepted
    // response to a decision task.
    let open = checker.count_open();
    assert_eq!(open, 0, "{open} executions open after {EXECUTIONS} closed");
    let runs = checker.closed_runs();
    let expected_ids: BTreeSet<&str> = workflow_ids.iter().map(String::as_str).collect();
    let closed_ids: BTreeSet<&str> = runs.keys().map(String::as_str).collect();
    assert_eq!(closed_ids, expected_ids);
    let mut lost_tasks = 0;
    for (workflow_id, closed) in &runs {
        assert_eq!(closed.len(), 1, "{workflow_id} has several runs: {closed:?}");
        let (run_id, status) = &closed[0];
        assert_eq!(status, "COMPLETED", "{workflow_id}");

        let (events, results) = checker.history(workflow_id, run_id);
        let completions = events
            .iter()
            .filter(|event| **event == EventType::WorkflowExecutionCompleted)
            .count();
        assert_eq!(completions, 1, "{workflow_id}: {events:?}");
        let accepted_responses = events
            .iter()
            .filter(|event| **event == EventType::DecisionTaskCompleted)
            .count();
        assert_eq!(accepted_responses, 1, "{workflow_id}: {events:?}");
        assert_eq!(results, vec![workflow_id.clone()], "{workflow_id}");
        lost_tasks += events
            .iter()
            .filter(|event| **event == EventType::DecisionTaskTimedOut)
            .count();
    }

    // No first attempt of a response found its task gone, so the daemon never tried to close an
    // execution that was closed already. A task found gone only on a retry follows an attempt
    // whose response the endpoint dropped after it took effect. Retries that outlast the task's
    // 3-second timeout could also cause it, but do not happen at this fault share.
    daemon.signal(Signal::SIGTERM);
    let daemon_status = daemon.wait_exit(STOP_WAIT).expect("the daemon exits");
    endpoint.signal(Signal::SIGTERM);
    let endpoint_status = endpoint.wait_exit(STOP_WAIT).expect("caravan local exits");
    let daemon_log = daemon.log();
    let counts = fault_counts(&endpoint.log());
    let gone_at_first_attempt = count_lines(&daemon_log, TASK_GONE_AT_FIRST_ATTEMPT);
    let gone_after_retry = count_lines(&daemon_log, TASK_GONE_AFTER_RETRY);
    eprintln!(
        "{EXECUTIONS} executions: started in {started_in:?}, all completed in {completed_in:?}; \
         endpoint {counts:?}; decision tasks that timed out: {lost_tasks}; daemon responses that \
         found the task gone after a retry: {gone_after_retry}; faults met by the checker: {}",
        checker.faults_met
    );

    assert_eq!(daemon_status.code(), Some(0), "{daemon_log}");
    assert_eq!(endpoint_status.code(), Some(0), "{}", endpoint.log());
    assert_eq!(gone_at_first_attempt, 0, "{daemon_log}");
    assert!(
        gone_after_retry as u64 <= counts.dropped_after_effect,
        "{gone_after_retry} retried responses found the task gone, with {} drops after effect",
        counts.dropped_after_effect
    );

    // Each kind of fault happened, and tasks lost with a dropped poll came back after their
    // timeout: the histories show decision tasks that timed out.
    assert!(counts.requests > EXECUTIONS as u64, "{counts:?}");
    assert!(counts.throttled > 0, "{counts:?}");
    assert!(counts.internal_failures > 0, "{counts:?}");
    assert!(counts.dropped_before_effect > 0, "{counts:?}");
    assert!(counts.dropped_after_effect > 0, "{counts:?}");
    assert!(lost_tasks > 0, "no decision task timed out, so no poll lost its task");
}
