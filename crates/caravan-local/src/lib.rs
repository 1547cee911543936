//! caravan-local: an Amazon SWF endpoint that keeps its state in memory and speaks SWF's own wire
//! protocol, so that boto3, the AWS CLI, aws-sdk-swf and SWF frameworks work against it unchanged,
//! offline.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use caravan_local::{LocalEndpoint, Settings};
//!
//! let endpoint = LocalEndpoint::bind(Settings::default()).await?;
//! println!("SWF endpoint at {}", endpoint.url());
//! endpoint.serve(std::future::pending()).await
//! # }
//! ```
//!
//! Clients still sign their requests, so they need a region and (dummy) credentials; the endpoint
//! does not check signatures. Long polls are held for [`Settings::poll_window`], so clients need a read
//! timeout longer than that (70 seconds for the default 60).
//!
//! # Layout
//!
//! - `server`: the accept loop, one task per connection, the 1 MiB body limit, graceful shutdown.
//! - `api`: the 39 operations. `api::input` reads request members with the service model's
//!   constraints, `api::shapes` reads shared structures, `api::decisions` validates decision lists,
//!   `api::polling` implements long polls.
//! - `engine`: all state in one `State` and the rules that change it: `decision_tasks`, `decisions`,
//!   `activities`, `lambdas` (Lambda functions), `timers`, `external` (signals, cancel requests, child
//!   executions), `lifecycle` (start and close of runs, child policies, continue-as-new, history
//!   limit, retention), `clock` (deadlines), `queues` (task lists), `paging` (page tokens).
//! - `model`: the records: domains and types, executions, history events, decisions, scalar values.
//! - `lambda`: the runner that runs the command of each started Lambda function.
//! - `shared`: the state behind its lock, the shutdown signal, the clock task and the channel to the
//!   Lambda runner.
//! - `faults`: fault injection, the draw of each request's fault and delay, and the counts.
//! - `error`, `json`, `ids`: error responses, JSON building, random ids and tokens.
//!
//! # Wire protocol
//!
//! awsJson 1.0: every operation is a POST whose `X-Amz-Target` header names it, as
//! `SimpleWorkflowService.<Action>` or any longer target ending in that, such as the legacy
//! `com.amazonaws.swf.service.model.SimpleWorkflowService.<Action>`. Routing reads only that header;
//! method, path and content type are not checked, so both `application/x-amz-json-1.0` and
//! `application/json` work. An empty body counts as `{}`.
//!
//! A client has 30 seconds to send a request's headers, from the moment the connection opens or
//! its previous response was written, and 30 more for the body, which is otherwise rejected with
//! a SerializationException. At shutdown, open requests get 5 seconds to finish; then their
//! connections are closed.
//!
//! Responses are `200` with `Content-Type: application/x-amz-json-1.0` and an `x-amzn-RequestId`
//! header. Operations without output return `{}`, unset members are left out, timestamps are epoch
//! seconds with millisecond precision, and durations and priorities are strings.
//!
//! Errors are `400` with `{"__type": ..., "message": ...}`:
//! - `com.amazonaws.swf.base.model#<Fault>` for SWF's modeled faults. `OperationNotPermittedFault`
//!   is never returned, because there is no IAM.
//! - `com.amazon.coral.validate#ValidationException` for a missing required member, a length, range
//!   or enum violation, or a value SWF's rules reject (duration and priority formats, names with
//!   `:`, `/`, `|` or control characters, filter combinations). All violations of a request are
//!   listed in the message, in the style
//!   `1 validation error detected: Value null at 'decisions.1.member.startTimerDecisionAttributes.timerId' failed to satisfy constraint: Member must not be null`,
//!   with list positions counted from 1.
//! - `com.amazon.coral.service#SerializationException` for a body that is not a JSON object or a
//!   member of the wrong JSON type.
//! - `com.amazon.coral.service#UnknownOperationException` for a missing or unknown target.
//! - `413` with `com.amazon.coral.service#RequestEntityTooLargeException` for a body over 1 MiB
//!   (1,048,576 bytes; SWF's 1 MB limit counts the headers too).
//!
//! # Fault injection
//!
//! [`Settings::faults`] makes the endpoint fail on purpose, for every operation, long polls
//! included: a share of requests is throttled (`400`,
//! `com.amazon.coral.availability#ThrottlingException`, "Rate exceeded"), a share fails with `500`
//! (`com.amazon.coral.service#InternalFailure`), and a share has its connection closed without a
//! response. Throttled and failed requests never run. A dropped request, chosen at random with even
//! odds, is dropped either before it runs or after it ran, when only its response is lost: a
//! client that retries it blindly acts twice, and a poll dropped that way leaves its task started
//! until the task times out, as on SWF. A fixed delay and a random jitter can be added to every
//! request. Each fault is logged at debug level with the action, and the counts are logged at info
//! level when the endpoint stops. See [`Faults`].
//!
//! # Behaviour where SWF's documentation leaves a choice
//!
//! - UNHANDLED_DECISION: a closing decision (complete, fail, cancel, continue-as-new) fails with this
//!   cause when an event that needs the decider was recorded between the task's `DecisionTaskStarted`
//!   and its completion. The other decisions of the response still apply. `*Failed` events of earlier
//!   decisions in the same response do not count.
//! - A closing decision that is not the last of its list is a ValidationException that names the
//!   decision's `decisionType`, and nothing is recorded.
//! - `previousStartedEventId` is the `startedEventId` of the last decision task that was completed; a
//!   task that timed out does not count.
//! - ScheduleActivityTask fails with DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED when neither the decision
//!   nor the activity type sets a heartbeat timeout, like the other settings (`NONE` is a setting).
//! - ScheduleLambdaFunction in a run without a Lambda role records `ScheduleLambdaFunctionFailed`
//!   with cause LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION. SWF documents the failure but not its cause,
//!   and this is the closest of the four causes it defines.
//! - A Lambda function name with no configured command records `LambdaFunctionScheduled`, then
//!   `StartLambdaFunctionFailed` without a cause (SWF defines only ASSUME_ROLE_FAILED) and with a
//!   message that names the function. The endpoint logs a warning, once per name.
//! - A run whose Lambda role is not shaped like an IAM role ARN,
//!   `arn:PARTITION:iam::ACCOUNT:role/NAME`, records `StartLambdaFunctionFailed` with cause
//!   ASSUME_ROLE_FAILED, because no real role could be assumed.
//! - A Lambda command whose stdout is longer than 32,768 characters, SWF's limit for a result, fails
//!   with a reason that says so; the output is not cut. "Lambda functions" below has the rest.
//! - Children of a parent that completes, fails, is canceled or continues as new keep running, and
//!   their close is reported nowhere. The child policy applies only when the parent is terminated or
//!   times out. A child that continues as new stays its parent's child: the parent records one
//!   `ChildWorkflowExecutionStarted` and, when the last run closes, one closing event naming that run.
//! - Continue-as-new takes the settings the decision leaves out (task list included) from the workflow
//!   type's defaults, not from the closing run; tags and the Lambda role are not carried over.
//! - UndeprecateDomain leaves the domain's types deprecated. A deleted type's name and version can be
//!   registered again. Registering a type in a deprecated domain is an UnknownResourceFault.
//! - TerminateWorkflowExecution records the cause OPERATOR_INITIATED.
//! - RespondActivityTaskCanceled is accepted whether or not a cancellation was requested.
//! - Signals and cancel requests from decisions are delivered within the same request, and a run may
//!   address itself.
//! - A task list given in RespondDecisionTaskCompleted without `taskListScheduleToStartTimeout` moves
//!   the run's decision tasks for good (DescribeWorkflowExecution shows the new list). With the
//!   timeout it lasts until a decision task times out, and the next task goes to the run's own list.
//! - `NONE` as the execution timeout of a child or continue-as-new decision means one year;
//!   StartWorkflowExecution and RegisterWorkflowType reject it.
//! - An unknown or stale task token is an UnknownResourceFault.
//! - Visibility time filters are inclusive; without `latestDate` there is no upper bound. Lists are
//!   sorted newest first by the filtered time. CountPending* count tasks that wait for a poller.
//! - A closed run is deleted when its domain's retention period ends (`NONE` and `0`: right after
//!   it closes), by the endpoint's clock, not only when someone looks.
//! - A run is terminated with EVENT_LIMIT_EXCEEDED when its history holds 24,999 events, so that the
//!   termination is event 25,000. The check runs before each decision and after each request, so a
//!   single decision that records several events can take the history a few events further.
//! - Page tokens stay valid for 24 hours; the newest 100,000 are kept.
//! - A task list accepts 1,000 waiting pollers; the next poll gets LimitExceededFault.
//!
//! # Lambda functions
//!
//! [`Settings::lambda_functions`] maps Lambda function names to shell commands. A decision's `name`
//! matches a function by that name, or by the name inside a function ARN such as
//! `arn:aws:lambda:us-east-1:123456789012:function:resize` (a `:QUALIFIER` after it is ignored).
//!
//! - A ScheduleLambdaFunction decision records `LambdaFunctionScheduled` with the resolved
//!   `startToCloseTimeout` (900 seconds, SWF's default and maximum, when the decision sets none).
//!   It fails with ID_ALREADY_IN_USE when an open function of the run has the same `id`, and with
//!   OPEN_LAMBDA_FUNCTIONS_LIMIT_EXCEEDED at 1,000 open functions (SWF names the cause but no
//!   number). LAMBDA_FUNCTION_CREATION_RATE_EXCEEDED is never recorded.
//! - Once all decisions of the response are applied, each scheduled function starts: the endpoint
//!   records `LambdaFunctionStarted` and runs `sh -c COMMAND`, so a command may be a pipeline, with
//!   the decision's `input` on stdin, in [`Settings::lambda_working_dir`] (the endpoint's own
//!   working directory when unset) and with the endpoint's environment. Each command runs in a
//!   process group of its own.
//!   A run without a usable role or a name without a command records `StartLambdaFunctionFailed`
//!   instead, as the list above says.
//! - Exit status 0 records `LambdaFunctionCompleted` with stdout as `result`, byte for byte (invalid
//!   UTF-8 becomes U+FFFD), unless it is over the result limit.
//! - Any other exit, or death by a signal, records `LambdaFunctionFailed` with a `reason` that names
//!   the exit status or the signal, and the last 32,768 characters of stderr as `details` (left out
//!   when stderr is empty). A command that cannot be started, for example because the working
//!   directory is missing, fails the same way with the error as `reason`.
//! - At the timeout the endpoint records `LambdaFunctionTimedOut` (START_TO_CLOSE) and kills the
//!   process group. It also kills it when the command exits (so nothing it started in the
//!   background keeps running), when the run closes in any way, and when the endpoint stops. A
//!   function killed because its run closed or the endpoint stopped records nothing.
//! - Every closing event, `ScheduleLambdaFunctionFailed` and `StartLambdaFunctionFailed` schedule a
//!   decision task, as activity results do.
//!
//! # Clocks
//!
//! A clock task fires timers, decision task timeouts (START_TO_CLOSE, and SCHEDULE_TO_START on a
//! task list override), the four activity task timeouts, Lambda function timeouts, execution timeouts
//! (with the child policy)
//! and retention ends at their deadlines, and every request fires whatever is due before it runs. Each
//! timeout's event carries its deadline as timestamp. Times come from the system clock.
//!
//! # Not done yet
//!
//! - Throttling by rate: ThrottlingException comes only from fault injection, and none of the
//!   `*_RATE_EXCEEDED` decision causes is recorded.
//! - A switch that keeps closed runs forever for debugging.
//! - Persistence: the state is lost when the endpoint stops.

mod api;
mod engine;
mod error;
mod faults;
mod ids;
mod json;
mod lambda;
mod model;
mod server;
mod shared;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tracing::info;

pub use crate::faults::{FAULT_SHARE_TOLERANCE, Faults};
use crate::shared::Shared;

/// Settings of a local endpoint.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// How long a long poll without work is held before it returns empty; SWF uses 60 seconds.
    pub poll_window: Duration,
    /// Account id in domain ARNs.
    pub account_id: String,
    /// Region in domain ARNs.
    pub region: String,
    /// Lambda functions: function name to the shell command that runs it. The endpoint runs
    /// `sh -c COMMAND` for each started function, so a command may be a pipeline. The crate
    /// documentation's "Lambda functions" section has the details.
    pub lambda_functions: BTreeMap<String, String>,
    /// Working directory of the Lambda commands; `None` keeps the endpoint process's own.
    pub lambda_working_dir: Option<PathBuf>,
    /// Faults and delays injected into requests; none by default.
    pub faults: Faults,
}

impl Default for Settings {
    /// Listens on a free port of 127.0.0.1, keeps polls open for 60 seconds, uses account
    /// `000000000000` in region `us-east-1`, and configures no Lambda functions.
    fn default() -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            poll_window: Duration::from_secs(60),
            account_id: "000000000000".to_string(),
            region: "us-east-1".to_string(),
            lambda_functions: BTreeMap::new(),
            lambda_working_dir: None,
            faults: Faults::default(),
        }
    }
}

/// A bound endpoint with empty state, ready to serve.
pub struct LocalEndpoint {
    listener: TcpListener,
    address: SocketAddr,
    shared: Arc<Shared>,
    lambda_working_dir: Option<PathBuf>,
}

impl LocalEndpoint {
    /// Binds the listening socket; requests are served once [`LocalEndpoint::serve`] runs. Invalid
    /// fault settings are an [`std::io::ErrorKind::InvalidInput`] error.
    pub async fn bind(settings: Settings) -> std::io::Result<LocalEndpoint> {
        settings
            .faults
            .validate()
            .map_err(|message| std::io::Error::new(std::io::ErrorKind::InvalidInput, message))?;
        let listener = TcpListener::bind(settings.listen).await?;
        let address = listener.local_addr()?;
        info!(
            %address,
            poll_window_secs = settings.poll_window.as_secs_f64(),
            lambda_functions = settings.lambda_functions.len(),
            "SWF endpoint bound"
        );
        if settings.faults.is_active() {
            let faults = &settings.faults;
            info!(
                throttle_share = faults.throttle_share,
                error_share = faults.error_share,
                drop_share = faults.drop_share,
                latency_ms = faults.latency.as_millis(),
                latency_jitter_ms = faults.latency_jitter.as_millis(),
                seed = faults.seed,
                "injecting faults into requests"
            );
        }

        let shared = Arc::new(Shared::new(&settings));
        Ok(LocalEndpoint {
            listener,
            address,
            shared,
            lambda_working_dir: settings.lambda_working_dir,
        })
    }

    /// Returns the bound address, with the port chosen when the settings asked for port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Returns the endpoint URL for clients, such as `http://127.0.0.1:8042`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Returns a handle that releases long polls, for a process that stops polling before it stops
    /// the endpoint.
    pub fn poll_release(&self) -> PollRelease {
        PollRelease {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Serves until `shutdown` completes, then stops accepting and returns; open long polls
    /// return empty and running Lambda functions are killed. Runs on the caller's tokio runtime
    /// (current-thread or multi-thread).
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        info!(address = %self.address, "SWF endpoint serving");
        server::serve(self.listener, self.shared, self.lambda_working_dir, shutdown).await
    }
}

/// Releases an endpoint's long polls: open and later polls return at once, with a task if one is
/// waiting and empty otherwise, while every other request is still served. A daemon that embeds the
/// endpoint uses it when it drains, so that its own open polls need not wait out the poll window.
#[derive(Clone)]
pub struct PollRelease {
    shared: Arc<Shared>,
}

impl PollRelease {
    /// Releases open long polls and makes later ones return at once. It cannot be undone.
    pub fn release(&self) {
        info!("long polls released");
        self.shared.release_polls();
    }
}
