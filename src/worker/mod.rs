//! The activity worker: per `[worker:NAME]` section, pollers that take activity tasks while a
//! slot is free, run them in the plugin that serves their type, and respond to SWF.
//!
//! A semaphore with `concurrency` permits bounds the running tasks. A poller takes a permit before
//! it polls, so a worker never holds a task that it cannot start at once. The task keeps the
//! permit until its response is sent. The plugin runs on a blocking thread, off the async runtime,
//! while the worker sends heartbeats for it with the progress details it records (`heartbeat`),
//! at an interval from the task's own heartbeat timeout (`task_timeout`), and sets its
//! cancellation flag when SWF requests cancellation.
//!
//! When the stop token is cancelled, pollers start no new poll, an open poll may still bring a
//! task, and the worker waits for its running tasks. The supervisor bounds that wait with the
//! shutdown deadline and names the tasks it abandons.

mod heartbeat;
mod respond;
mod task;
mod task_timeout;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::backoff::Backoff;
use crate::decider::RepeatLimiter;
use crate::plugin::LoadedPlugin;
use crate::swf::{DirectClient, ErrorClass};
use task::ActivityTask;

/// An empty poll that returns faster than this did not wait for work, so the next one is delayed.
const FAST_EMPTY_POLL: Duration = Duration::from_millis(500);

/// The activity types one worker serves, each with the plugin that runs it.
#[derive(Debug, Default)]
pub struct ActivityTable {
    plugins: HashMap<(String, String), Arc<LoadedPlugin>>,
}

impl ActivityTable {
    /// Adds every activity type of `plugin`. The caller has checked that no other plugin of the
    /// table serves one of them.
    pub fn add(&mut self, plugin: Arc<LoadedPlugin>) {
        for activity in &plugin.manifest().activities {
            let key = (activity.name.clone(), activity.version.clone());
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

/// One `[worker:NAME]` section, with its plugins loaded.
#[derive(Debug)]
pub struct WorkerSpec {
    pub name: String,
    pub domain: String,
    pub task_list: String,
    pub concurrency: u32,
    pub pollers: u32,
    pub activities: ActivityTable,
    /// Limits the warnings about tasks of an activity type no plugin serves.
    pub unknown_types: RepeatLimiter,
    /// Limits the warnings about failed lookups of a task's own heartbeat timeout.
    pub heartbeat_lookup_failures: RepeatLimiter,
}

/// The activity tasks a worker is running, so that a shutdown that reaches its deadline can name
/// the ones it abandons.
#[derive(Debug, Default)]
pub struct RunningTasks {
    next_id: AtomicU64,
    tasks: Mutex<BTreeMap<u64, (String, Instant)>>,
}

impl RunningTasks {
    /// Records a task until the returned guard is dropped.
    fn insert(self: &Arc<Self>, description: String) -> RunningGuard {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.insert(id, (description, Instant::now()));
        }
        RunningGuard {
            tasks: self.clone(),
            id,
        }
    }

    /// Describes each running task and how long it has run, oldest first.
    pub fn descriptions(&self) -> Vec<String> {
        let Ok(tasks) = self.tasks.lock() else {
            return Vec::new();
        };
        tasks
            .values()
            .map(|(description, since)| format!("{description}, running for {} s", since.elapsed().as_secs()))
            .collect()
    }
}

struct RunningGuard {
    tasks: Arc<RunningTasks>,
    id: u64,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        if let Ok(mut tasks) = self.tasks.tasks.lock() {
            tasks.remove(&self.id);
        }
    }
}

/// The state that every poller and task of one worker shares.
struct WorkerContext {
    client: Arc<DirectClient>,
    spec: Arc<WorkerSpec>,
    identity: String,
    running: Arc<RunningTasks>,
}

/// Runs the worker's pollers until `stop` is cancelled, then waits for its running tasks.
pub async fn run_worker(
    client: Arc<DirectClient>,
    spec: Arc<WorkerSpec>,
    identity: String,
    running: Arc<RunningTasks>,
    stop: CancellationToken,
) {
    let context = Arc::new(WorkerContext {
        client,
        spec: spec.clone(),
        identity,
        running,
    });
    let slots = Arc::new(Semaphore::new(spec.concurrency as usize));
    let tasks = TaskTracker::new();

    let mut pollers = JoinSet::new();
    for index in 1..=spec.pollers {
        let span = tracing::info_span!(
            "worker_poller",
            worker = %spec.name,
            domain = %spec.domain,
            task_list = %spec.task_list,
            poller = index,
            identity = %context.identity,
        );
        let poller = poll_until_stopped(context.clone(), slots.clone(), tasks.clone(), stop.clone());
        pollers.spawn(poller.instrument(span));
    }
    while let Some(ended) = pollers.join_next().await {
        if let Err(error) = ended {
            tracing::error!(worker = %spec.name, error = %error, "an activity poller failed");
        }
    }

    tasks.close();
    if !tasks.is_empty() {
        tracing::info!(worker = %spec.name, running = tasks.len(), "waiting for running activity tasks");
    }
    tasks.wait().await;
    tracing::debug!(worker = %spec.name, "worker stopped");
}

async fn poll_until_stopped(
    context: Arc<WorkerContext>,
    slots: Arc<Semaphore>,
    tasks: TaskTracker,
    stop: CancellationToken,
) {
    let mut errors = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let mut fast_empty_polls = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    tracing::debug!("activity poller started");

    loop {
        // A poll starts only with a free slot, so that the task it brings can start at once.
        let permit = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };

        let started = Instant::now();
        match task::poll(&context.client, &context.spec, &context.identity).await {
            Ok(Some(polled)) => {
                recovered(&mut errors);
                fast_empty_polls.reset();
                let span = tracing::info_span!(
                    "activity_task",
                    activity_id = %polled.activity_id,
                    activity_type = %format_args!("{} {}", polled.type_name, polled.type_version),
                    workflow_id = %polled.workflow_id,
                    run_id = %polled.run_id,
                );
                let context = context.clone();
                tasks.spawn(
                    async move {
                        handle_task(&context, polled).await;
                        drop(permit);
                    }
                    .instrument(span),
                );
            }
            Ok(None) => {
                drop(permit);
                recovered(&mut errors);
                if started.elapsed() < FAST_EMPTY_POLL {
                    pause(fast_empty_polls.next_delay(), &stop).await;
                } else {
                    fast_empty_polls.reset();
                }
            }
            Err(error) => {
                drop(permit);
                let delay = errors.next_delay();
                let retry_in_ms = delay.as_millis() as u64;
                let failures = errors.failures();
                match error.class {
                    ErrorClass::Transient => {
                        tracing::warn!(failures, retry_in_ms, error = %error.message, "activity poll failed; retrying")
                    }
                    ErrorClass::UnknownResource => tracing::error!(
                        failures,
                        retry_in_ms,
                        error = %error.message,
                        "activity poll failed: the domain does not exist; register it with `caravan domain register`"
                    ),
                    ErrorClass::Permanent => {
                        tracing::error!(failures, retry_in_ms, error = %error.message, "activity poll failed; retrying")
                    }
                }
                pause(delay, &stop).await;
            }
        }
    }

    tracing::debug!("activity poller stopped");
}

fn recovered(errors: &mut Backoff) {
    if errors.failures() > 0 {
        tracing::info!(failures = errors.failures(), "activity polling recovered");
        errors.reset();
    }
}

/// Sleeps between polls; a stop request cuts the sleep short.
async fn pause(delay: Duration, stop: &CancellationToken) {
    tokio::select! {
        _ = tokio::time::sleep(delay) => {}
        _ = stop.cancelled() => {}
    }
}

/// Runs one task in its plugin and responds, or fails it at once when no plugin serves its type.
async fn handle_task(context: &WorkerContext, polled: ActivityTask) {
    let _running = context.running.insert(polled.describe());
    tracing::debug!("activity task received");

    let Some(plugin) = context
        .spec
        .activities
        .get(&polled.type_name, &polled.type_version)
        .cloned()
    else {
        let type_key = format!("{} {}", polled.type_name, polled.type_version);
        if let Some(suppressed) = context.spec.unknown_types.allow(&type_key) {
            tracing::warn!(
                domain = %context.spec.domain,
                served = %context.spec.activities.type_names().join(", "),
                suppressed_since_last = suppressed,
                "no plugin serves this activity type; failing the task; further tasks of this type are logged at most once a minute"
            );
        }
        let details = format!(
            "no plugin of caravan worker {} serves activity type {} version {}",
            context.spec.name, polled.type_name, polled.type_version
        );
        respond::fail(&context.client, &polled.token, task::UNKNOWN_ACTIVITY_TYPE, &details).await;
        return;
    };

    let heartbeat_timeout = plugin
        .manifest()
        .activity(&polled.type_name, &polled.type_version)
        .and_then(|registration| registration.default_task_heartbeat_timeout.clone());
    let registered_every = heartbeat::interval(heartbeat_timeout.as_deref());
    let outcome = task::run_plugin(context, plugin, &polled, registered_every).await;
    respond::send_outcome(&context.client, &polled.token, outcome).await;
}
