//! The decider poll loop: one per configured task list and poller.
//!
//! Each loop long-polls SWF, fetches every history page, runs the plugin that serves the workflow type
//! on a blocking thread, and responds with the plugin's decisions. A loop never dies from one error and
//! never spins: poll errors and suspiciously fast empty polls back off with jitter.
//!
//! When the stop token is cancelled, a loop starts no new poll but lets an open poll return and
//! finishes the task it brings. SWF can still hand a task to a poll that the client dropped, and that
//! task would then sit unseen until it times out.

mod activity;
mod fetch;
mod respond;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub use activity::{Activity, ActivitySlot};
pub use fetch::DecisionTask;

use crate::backoff::Backoff;
use crate::config::FailedDecisionPolicy;
use crate::plugin::{CallError, LoadedPlugin};
use crate::swf::{DirectClient, ErrorClass};
use fetch::FetchError;

/// An empty poll that returns faster than this did not wait for work, so the next one is delayed.
/// SWF keeps an empty poll open for 60 seconds, but some emulators return after one second.
const FAST_EMPTY_POLL: Duration = Duration::from_millis(500);

/// A plugin's error message is cut to this many characters in the log; the whole message, up to
/// SWF's limit, goes into the execution's history when the failure policy fails it.
const MAX_LOGGED_ERROR_CHARS: usize = 4096;

/// The workflow types one decider serves, each with the plugin that decides it.
#[derive(Debug, Default)]
pub struct WorkflowTable {
    plugins: HashMap<(String, String), Arc<LoadedPlugin>>,
}

impl WorkflowTable {
    /// Adds every workflow type of `plugin`. The caller has checked that no other plugin of the
    /// table serves one of them.
    pub fn add(&mut self, plugin: Arc<LoadedPlugin>) {
        for workflow in &plugin.manifest().workflows {
            let key = (workflow.name.clone(), workflow.version.clone());
            self.plugins.insert(key, plugin.clone());
        }
    }

    pub fn get(&self, name: &str, version: &str) -> Option<&Arc<LoadedPlugin>> {
        self.plugins.get(&(name.to_string(), version.to_string()))
    }

    /// Returns each plugin of the table once, in no particular order.
    pub fn plugins(&self) -> Vec<Arc<LoadedPlugin>> {
        let mut plugins: Vec<Arc<LoadedPlugin>> = Vec::new();
        for plugin in self.plugins.values() {
            if !plugins.iter().any(|known| Arc::ptr_eq(known, plugin)) {
                plugins.push(plugin.clone());
            }
        }
        plugins
    }

    pub fn type_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .plugins
            .keys()
            .map(|(name, version)| format!("{name} {version}"))
            .collect();
        names.sort();
        names
    }
}

/// One `[decider:NAME]` section, with its plugins loaded.
#[derive(Debug)]
pub struct DeciderSpec {
    pub name: String,
    pub domain: String,
    pub task_list: String,
    pub pollers: u32,
    pub policy: FailedDecisionPolicy,
    pub workflows: WorkflowTable,
    /// Limits the warnings about tasks of a workflow type no plugin serves.
    pub unknown_types: RepeatLimiter,
}

/// Lets a warning about the same key through at most once per interval, and counts the ones it
/// holds back, so that a task list full of tasks of an unknown type cannot flood the log.
#[derive(Debug, Default)]
pub struct RepeatLimiter {
    last: std::sync::Mutex<HashMap<String, (Instant, u64)>>,
}

impl RepeatLimiter {
    const INTERVAL: Duration = Duration::from_secs(60);

    /// Returns `Some(count of suppressed repeats)` if a warning about `key` may be logged now.
    pub fn allow(&self, key: &str) -> Option<u64> {
        let mut last = self.last.lock().ok()?;
        let now = Instant::now();
        match last.get_mut(key) {
            Some((at, suppressed)) if now.duration_since(*at) < Self::INTERVAL => {
                *suppressed += 1;
                None
            }
            Some((at, suppressed)) => {
                let count = *suppressed;
                *at = now;
                *suppressed = 0;
                Some(count)
            }
            None => {
                last.insert(key.to_string(), (now, 0));
                Some(0)
            }
        }
    }
}

/// One poll loop's share of the world.
#[derive(Clone)]
pub struct Poller {
    pub client: Arc<DirectClient>,
    pub spec: Arc<DeciderSpec>,
    pub identity: String,
    pub index: u32,
    pub activity: ActivitySlot,
}

/// Runs one poll loop until `stop` is cancelled and the loop's current work is done.
pub async fn run_poller(poller: Poller, stop: CancellationToken) {
    let span = tracing::info_span!(
        "poller",
        domain = %poller.spec.domain,
        task_list = %poller.spec.task_list,
        poller = poller.index,
        identity = %poller.identity,
    );
    poll_until_stopped(&poller, &stop).instrument(span).await;
    poller.activity.set(Activity::Stopped);
}

async fn poll_until_stopped(poller: &Poller, stop: &CancellationToken) {
    let mut errors = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let mut fast_empty_polls = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    tracing::debug!("poller started");

    while !stop.is_cancelled() {
        let started = Instant::now();
        poller.activity.set(Activity::Polling { since: started });

        match fetch::poll_task(poller).await {
            Ok(Some(task)) => {
                recovered(&mut errors);
                fast_empty_polls.reset();
                handle_task(poller, task).await;
            }
            Ok(None) => {
                recovered(&mut errors);
                if started.elapsed() < FAST_EMPTY_POLL {
                    pause(fast_empty_polls.next_delay(), poller, stop).await;
                } else {
                    fast_empty_polls.reset();
                }
            }
            Err(FetchError::Unreadable { task, message }) => {
                handle_unreadable_task(poller, *task, &message).await;
            }
            Err(error) => {
                let delay = errors.next_delay();
                report_fetch_error(&error, errors.failures(), delay);
                pause(delay, poller, stop).await;
            }
        }
    }

    tracing::debug!("poller stopped");
}

fn recovered(errors: &mut Backoff) {
    if errors.failures() > 0 {
        tracing::info!(failures = errors.failures(), "polling recovered");
        errors.reset();
    }
}

/// Sleeps between polls; a stop request cuts the sleep short.
async fn pause(delay: Duration, poller: &Poller, stop: &CancellationToken) {
    poller.activity.set(Activity::Idle);
    tokio::select! {
        _ = tokio::time::sleep(delay) => {}
        _ = stop.cancelled() => {}
    }
}

fn report_fetch_error(error: &FetchError, failures: u32, delay: Duration) {
    let retry_in_ms = delay.as_millis() as u64;
    match error {
        FetchError::Poll {
            class: ErrorClass::Transient,
            message,
        } => {
            tracing::warn!(failures, retry_in_ms, error = %message, "poll failed; retrying")
        }
        FetchError::Poll {
            class: ErrorClass::UnknownResource,
            message,
        } => tracing::error!(
            failures,
            retry_in_ms,
            error = %message,
            "poll failed: the domain does not exist; register it with `caravan domain register`"
        ),
        FetchError::Poll { message, .. } => {
            tracing::error!(failures, retry_in_ms, error = %message, "poll failed; retrying")
        }
        FetchError::Page {
            workflow_id, run_id, ..
        } => tracing::warn!(
            workflow_id = %workflow_id,
            run_id = %run_id,
            error = %error,
            "dropped a decision task whose history could not be fetched; SWF will schedule it again after its timeout"
        ),
        // The poll loop reports these itself, with the task's ids.
        FetchError::Unreadable { .. } => {}
    }
}

/// Reports a task whose poll response could not be read, and applies the failure policy to it.
async fn handle_unreadable_task(poller: &Poller, task: DecisionTask, message: &str) {
    let span = tracing::info_span!("task", workflow_id = %task.workflow_id, run_id = %task.run_id);
    async {
        tracing::error!(
            domain = %poller.spec.domain,
            failed_decision_policy = %poller.spec.policy,
            error = %message,
            "received a decision task that cannot be read"
        );
        poller.activity.set(Activity::responding(&task));
        respond::apply_failure_policy(poller, &task, "caravan: unreadable decision task", message).await;
    }
    .instrument(span)
    .await;
}

/// Decides one task and responds to it, applying the failure policy when no decision can be made.
async fn handle_task(poller: &Poller, task: DecisionTask) {
    let span = tracing::info_span!(
        "task",
        workflow_id = %task.workflow_id,
        run_id = %task.run_id,
        workflow_type = %format_args!("{} {}", task.type_name, task.type_version),
    );
    decide_and_respond(poller, task).instrument(span).await;
}

async fn decide_and_respond(poller: &Poller, task: DecisionTask) {
    tracing::debug!(events = task.event_count, "decision task received");

    let Some(plugin) = poller.spec.workflows.get(&task.type_name, &task.type_version).cloned() else {
        let type_key = format!("{} {}", task.type_name, task.type_version);
        if let Some(suppressed) = poller.spec.unknown_types.allow(&type_key) {
            tracing::warn!(
                domain = %poller.spec.domain,
                served = %poller.spec.workflows.type_names().join(", "),
                failed_decision_policy = %poller.spec.policy,
                suppressed_since_last = suppressed,
                "no plugin serves this workflow type; further tasks of this type are logged at most once a minute"
            );
        }
        let details = format!(
            "no plugin of this caravan serves workflow type {} {}",
            task.type_name, task.type_version
        );
        respond::apply_failure_policy(poller, &task, "caravan: unknown workflow type", &details).await;
        return;
    };

    poller.activity.set(Activity::deciding(&task));
    let decided = run_plugin(plugin, &task).await;

    match decided {
        Ok(output) => {
            poller.activity.set(Activity::responding(&task));
            respond::send_decisions(poller, &task, &output).await;
        }
        Err(error) => {
            let reason = match error {
                CallError::Panicked(_) => "caravan: plugin panicked",
                _ => "caravan: plugin error",
            };
            tracing::error!(
                domain = %poller.spec.domain,
                failed_decision_policy = %poller.spec.policy,
                error = %crate::text::shorten(&error.to_string(), MAX_LOGGED_ERROR_CHARS),
                "plugin failed to decide"
            );
            poller.activity.set(Activity::responding(&task));
            respond::apply_failure_policy(poller, &task, reason, &error.to_string()).await;
        }
    }
}

/// Runs the plugin on a blocking thread, keeping the task's span for the plugin's log records.
async fn run_plugin(plugin: Arc<LoadedPlugin>, task: &DecisionTask) -> Result<Vec<u8>, CallError> {
    let body = task.body.clone();
    let span = tracing::Span::current();

    let joined = tokio::task::spawn_blocking(move || span.in_scope(|| plugin.decide(&body))).await;
    match joined {
        Ok(result) => result,
        Err(error) => Err(CallError::Panicked(format!(
            "the plugin call ended abnormally: {error}"
        ))),
    }
}
