//! The supervisor behind `caravan run`: loads and checks every plugin, registers workflow and
//! activity types when asked, runs the decider poll loops and activity workers, and drains them
//! on a stop request.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::error::ProvideErrorMetadata;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, DeciderSection, WorkerSection};
use crate::decider::{self, ActivitySlot, DeciderSpec, Poller, RepeatLimiter, WorkflowTable};
use crate::plugin::LoadedPlugin;
use crate::signals::Intent;
use crate::swf::{self, Client, DirectClient, ErrorClass};
use crate::worker::{self, ActivityTable, RunningTasks, WorkerSpec};

/// Outcome of a daemon run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every poller finished its work after a stop request.
    Drained,
    /// The shutdown deadline passed with work still open; what was abandoned has been logged.
    DeadlineReached,
    /// A second stop request came during the drain.
    Forced,
    /// A poll loop ended without a stop request, which is a bug.
    PollerFailed,
}

/// The deciders and workers of a config, with their plugins loaded.
#[derive(Debug, Default)]
pub struct Prepared {
    pub deciders: Vec<DeciderSpec>,
    pub workers: Vec<WorkerSpec>,
}

impl Prepared {
    /// Returns each domain that a decider or worker polls, once.
    pub fn domains(&self) -> BTreeSet<&str> {
        let deciders = self.deciders.iter().map(|spec| spec.domain.as_str());
        let workers = self.workers.iter().map(|spec| spec.domain.as_str());
        deciders.chain(workers).collect()
    }
}

/// Loads every configured plugin and builds the deciders and workers. All problems are collected
/// and reported together, each with the config file and line of the section involved.
pub fn prepare(config: &Config) -> Result<Prepared, Vec<ConfigError>> {
    let mut errors = Vec::new();

    let mut plugins: HashMap<&str, Arc<LoadedPlugin>> = HashMap::new();
    for section in &config.plugins {
        match LoadedPlugin::load(&section.path) {
            Ok(plugin) => {
                tracing::info!(
                    plugin = %section.name,
                    path = %section.path.display(),
                    version = %plugin.manifest().version,
                    sdk_version = %plugin.manifest().sdk_version,
                    workflow_types = plugin.manifest().workflows.len(),
                    activity_types = plugin.manifest().activities.len(),
                    "plugin loaded"
                );
                plugins.insert(section.name.as_str(), Arc::new(plugin));
            }
            Err(error) => errors.push(ConfigError {
                location: section.location.clone(),
                message: format!("plugin \"{}\": {error}", section.name),
                hint: None,
            }),
        }
    }

    let mut deciders = Vec::new();
    for section in &config.deciders {
        match build_decider(section, &plugins) {
            Ok(spec) => deciders.push(spec),
            Err(error) => errors.push(error),
        }
    }

    let mut workers = Vec::new();
    for section in &config.workers {
        match build_worker(section, &plugins) {
            Ok(spec) => workers.push(spec),
            Err(error) => errors.push(error),
        }
    }

    if errors.is_empty() {
        Ok(Prepared { deciders, workers })
    } else {
        Err(errors)
    }
}

fn build_worker(
    section: &WorkerSection,
    plugins: &HashMap<&str, Arc<LoadedPlugin>>,
) -> Result<WorkerSpec, ConfigError> {
    let mut activities = ActivityTable::default();
    let mut served_by: HashMap<(String, String), &str> = HashMap::new();
    for name in &section.plugins {
        // A plugin that failed to load has its own error already.
        let Some(plugin) = plugins.get(name.as_str()) else {
            continue;
        };
        if plugin.manifest().activities.is_empty() {
            return Err(ConfigError {
                location: section.location.clone(),
                message: format!(
                    "worker \"{}\": plugin \"{name}\" exports no activity types",
                    section.name
                ),
                hint: Some(format!(
                    "remove it from 'plugins', or rebuild {} with activities in export_plugin!",
                    plugin.path().display()
                )),
            });
        }
        for activity in &plugin.manifest().activities {
            let key = (activity.name.clone(), activity.version.clone());
            if let Some(first) = served_by.insert(key, name.as_str()) {
                return Err(ConfigError {
                    location: section.location.clone(),
                    message: format!(
                        "worker \"{}\": activity type {} {} is served by both [plugin:{first}] and [plugin:{name}]",
                        section.name, activity.name, activity.version,
                    ),
                    hint: Some("each activity type and version must come from one plugin of a worker".to_string()),
                });
            }
        }
        activities.add(plugin.clone());
    }

    Ok(WorkerSpec {
        name: section.name.clone(),
        domain: section.domain.clone(),
        task_list: section.task_list.clone(),
        concurrency: section.concurrency,
        pollers: section.pollers,
        activities,
        unknown_types: RepeatLimiter::default(),
        heartbeat_lookup_failures: RepeatLimiter::default(),
    })
}

fn build_decider(
    section: &DeciderSection,
    plugins: &HashMap<&str, Arc<LoadedPlugin>>,
) -> Result<DeciderSpec, ConfigError> {
    let mut workflows = WorkflowTable::default();
    let mut served_by: HashMap<(String, String), &str> = HashMap::new();
    for name in &section.plugins {
        // A plugin that failed to load has its own error already.
        let Some(plugin) = plugins.get(name.as_str()) else {
            continue;
        };
        for workflow in &plugin.manifest().workflows {
            let key = (workflow.name.clone(), workflow.version.clone());
            if let Some(first) = served_by.insert(key, name.as_str()) {
                return Err(ConfigError {
                    location: section.location.clone(),
                    message: format!(
                        "decider \"{}\": workflow type {} {} is served by both [plugin:{first}] and [plugin:{name}]",
                        section.name, workflow.name, workflow.version,
                    ),
                    hint: Some("each workflow type and version must come from one plugin of a decider".to_string()),
                });
            }
        }
        workflows.add(plugin.clone());
    }

    Ok(DeciderSpec {
        name: section.name.clone(),
        domain: section.domain.clone(),
        task_list: section.task_list.clone(),
        pollers: section.pollers,
        policy: section.failed_decision_policy,
        workflows,
        unknown_types: RepeatLimiter::default(),
    })
}

/// Failure to register a workflow type, with a hint for the operator when there is one.
#[derive(Debug, thiserror::Error)]
#[error("cannot register {kind} type {name} {version} in domain {domain}: {message}")]
pub struct RegistrationError {
    /// `workflow` or `activity`.
    pub kind: &'static str,
    pub domain: String,
    pub name: String,
    pub version: String,
    pub message: String,
    pub hint: Option<String>,
}

/// Registers each decider's and worker's domain in a local endpoint that this process embeds. Such
/// an endpoint starts empty every time, so without this no domain would exist for the types.
pub async fn register_local_domains(client: &Client, prepared: &Prepared) -> Result<(), RegistrationError> {
    for domain in prepared.domains() {
        let result = client
            .register_domain()
            .name(domain)
            .workflow_execution_retention_period_in_days("1")
            .description("registered by caravan for its embedded local endpoint")
            .send()
            .await;
        match result {
            Ok(_) => tracing::info!(domain, "domain registered in the embedded local endpoint"),
            Err(error) if error.code() == Some("DomainAlreadyExistsFault") => {}
            Err(error) => {
                return Err(RegistrationError {
                    kind: "domain",
                    domain: domain.to_string(),
                    name: String::new(),
                    version: String::new(),
                    message: swf::describe(&error),
                    hint: None,
                });
            }
        }
    }
    Ok(())
}

/// Registers every workflow type served, in each decider's domain. A type that exists already is fine.
pub async fn register_workflow_types(client: &Client, deciders: &[DeciderSpec]) -> Result<(), RegistrationError> {
    let mut done = BTreeSet::new();
    for spec in deciders {
        for plugin in spec.workflows.plugins() {
            for registration in &plugin.manifest().workflows {
                let key = (
                    spec.domain.clone(),
                    registration.name.clone(),
                    registration.version.clone(),
                );
                if done.insert(key) {
                    register_one(client, &spec.domain, registration).await?;
                }
            }
        }
    }
    Ok(())
}

async fn register_one(
    client: &Client,
    domain: &str,
    registration: &caravan_plugin::manifest::WorkflowRegistration,
) -> Result<(), RegistrationError> {
    let request = client
        .register_workflow_type()
        .domain(domain)
        .name(&registration.name)
        .version(&registration.version)
        .set_description(registration.description.clone())
        .set_default_task_list(
            registration
                .default_task_list
                .as_ref()
                .and_then(|list| aws_sdk_swf::types::TaskList::builder().name(&list.name).build().ok()),
        )
        .set_default_task_start_to_close_timeout(registration.default_task_start_to_close_timeout.clone())
        .set_default_execution_start_to_close_timeout(registration.default_execution_start_to_close_timeout.clone())
        .set_default_task_priority(registration.default_task_priority.clone())
        .set_default_child_policy(
            registration
                .default_child_policy
                .as_ref()
                .map(|policy| aws_sdk_swf::types::ChildPolicy::from(policy.as_str())),
        )
        .set_default_lambda_role(registration.default_lambda_role.clone());

    let result = request.send().await;
    registration_outcome(result, "workflow", domain, &registration.name, &registration.version)
}

/// Registers every activity type served, in each worker's domain. A type that exists already is fine.
pub async fn register_activity_types(client: &Client, workers: &[WorkerSpec]) -> Result<(), RegistrationError> {
    let mut done = BTreeSet::new();
    for spec in workers {
        for plugin in spec.activities.plugins() {
            for registration in &plugin.manifest().activities {
                let key = (
                    spec.domain.clone(),
                    registration.name.clone(),
                    registration.version.clone(),
                );
                if done.insert(key) {
                    register_activity(client, &spec.domain, registration).await?;
                }
            }
        }
    }
    Ok(())
}

async fn register_activity(
    client: &Client,
    domain: &str,
    registration: &caravan_plugin::manifest::ActivityRegistration,
) -> Result<(), RegistrationError> {
    let request = client
        .register_activity_type()
        .domain(domain)
        .name(&registration.name)
        .version(&registration.version)
        .set_description(registration.description.clone())
        .set_default_task_list(
            registration
                .default_task_list
                .as_ref()
                .and_then(|list| aws_sdk_swf::types::TaskList::builder().name(&list.name).build().ok()),
        )
        .set_default_task_schedule_to_start_timeout(registration.default_task_schedule_to_start_timeout.clone())
        .set_default_task_schedule_to_close_timeout(registration.default_task_schedule_to_close_timeout.clone())
        .set_default_task_start_to_close_timeout(registration.default_task_start_to_close_timeout.clone())
        .set_default_task_heartbeat_timeout(registration.default_task_heartbeat_timeout.clone())
        .set_default_task_priority(registration.default_task_priority.clone());

    let result = request.send().await;
    registration_outcome(result, "activity", domain, &registration.name, &registration.version)
}

/// Logs a type registration that succeeded or found the type registered already, and turns any
/// other failure into a [`RegistrationError`], with a hint when the domain is missing.
// The error is as large as what the async registration functions return, where it is built once.
#[allow(clippy::result_large_err)]
fn registration_outcome<O, E>(
    result: Result<O, aws_sdk_swf::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>>,
    kind: &'static str,
    domain: &str,
    name: &str,
    version: &str,
) -> Result<(), RegistrationError>
where
    E: aws_sdk_swf::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => {
            tracing::info!(domain, name, version, "{kind} type registered");
            Ok(())
        }
        Err(error) if error.code() == Some("TypeAlreadyExistsFault") => {
            tracing::info!(domain, name, version, "{kind} type already registered");
            Ok(())
        }
        Err(error) => {
            let hint = (swf::classify(&error) == ErrorClass::UnknownResource)
                .then(|| format!("register the domain first: caravan domain register -n {domain} --retention-days 7"));
            Err(RegistrationError {
                kind,
                domain: domain.to_string(),
                name: name.to_string(),
                version: version.to_string(),
                message: swf::describe(&error),
                hint,
            })
        }
    }
}

/// Runs one poll loop per decider and poller, and each worker, until a stop intent arrives, then
/// drains them within `shutdown_timeout`. `on_drain` runs after the stop request reaches the loops,
/// before the wait.
pub async fn run(
    client: Arc<DirectClient>,
    identity: String,
    prepared: Prepared,
    shutdown_timeout: Duration,
    mut intents: mpsc::UnboundedReceiver<Intent>,
    on_drain: impl FnOnce(),
) -> Stopped {
    let stop = CancellationToken::new();
    let mut loops = JoinSet::new();
    let mut activities = Vec::new();
    let mut running_tasks = Vec::new();

    for spec in prepared.deciders.into_iter().map(Arc::new) {
        tracing::info!(
            decider = %spec.name,
            domain = %spec.domain,
            task_list = %spec.task_list,
            pollers = spec.pollers,
            workflow_types = %spec.workflows.type_names().join(", "),
            "serving task list"
        );
        for index in 1..=spec.pollers {
            let activity = ActivitySlot::default();
            let label = format!("{}/{}#{index}", spec.domain, spec.task_list);
            activities.push((label, activity.clone()));
            let poller = Poller {
                client: client.clone(),
                spec: spec.clone(),
                identity: identity.clone(),
                index,
                activity,
            };
            loops.spawn(decider::run_poller(poller, stop.clone()));
        }
    }
    for spec in prepared.workers.into_iter().map(Arc::new) {
        tracing::info!(
            worker = %spec.name,
            domain = %spec.domain,
            task_list = %spec.task_list,
            concurrency = spec.concurrency,
            pollers = spec.pollers,
            activity_types = %spec.activities.type_names().join(", "),
            "serving activity task list"
        );
        let running = Arc::new(RunningTasks::default());
        running_tasks.push((spec.name.clone(), running.clone()));
        loops.spawn(worker::run_worker(
            client.clone(),
            spec,
            identity.clone(),
            running,
            stop.clone(),
        ));
    }
    tracing::info!(
        pollers = activities.len(),
        workers = running_tasks.len(),
        identity = %identity,
        "caravan is running"
    );

    if let Some(early) = wait_for_stop(&mut intents, &mut loops).await {
        stop.cancel();
        return early;
    }

    tracing::info!(
        timeout_secs = shutdown_timeout.as_secs(),
        "stopping: no new polls; finishing open polls, decisions and activity tasks"
    );
    stop.cancel();
    on_drain();
    let work = OpenWork {
        deciders: &activities,
        workers: &running_tasks,
    };
    drain(&mut loops, &mut intents, shutdown_timeout, &work).await
}

/// The current work of the pollers and workers, for the log of what a stop abandons.
struct OpenWork<'a> {
    deciders: &'a [(String, ActivitySlot)],
    workers: &'a [(String, Arc<RunningTasks>)],
}

/// Waits for a stop intent. Returns early only if a poll loop ended on its own.
async fn wait_for_stop(intents: &mut mpsc::UnboundedReceiver<Intent>, loops: &mut JoinSet<()>) -> Option<Stopped> {
    loop {
        tokio::select! {
            intent = intents.recv() => match intent {
                Some(Intent::Reload) => tracing::warn!(
                    "reload (SIGHUP) is not supported yet; restart caravan to apply a changed config or plugin"
                ),
                Some(Intent::StopNow) => return Some(Stopped::Forced),
                Some(Intent::Stop) | None => return None,
            },
            ended = loops.join_next() => {
                let reason = match ended {
                    Some(Err(error)) => error.to_string(),
                    _ => "it returned".to_string(),
                };
                tracing::error!(reason = %reason, "a poll loop ended without a stop request; stopping caravan");
                return Some(Stopped::PollerFailed);
            }
        }
    }
}

async fn drain(
    loops: &mut JoinSet<()>,
    intents: &mut mpsc::UnboundedReceiver<Intent>,
    shutdown_timeout: Duration,
    work: &OpenWork<'_>,
) -> Stopped {
    let deadline = tokio::time::sleep(shutdown_timeout);
    tokio::pin!(deadline);

    loop {
        tokio::select! {
            ended = loops.join_next() => match ended {
                None => {
                    tracing::info!("stopped: all polls and decisions finished, and every activity task");
                    return Stopped::Drained;
                }
                Some(Err(error)) => tracing::error!(error = %error, "a poll loop failed while stopping"),
                Some(Ok(())) => {}
            },
            _ = &mut deadline => {
                report_abandoned(work, "the shutdown deadline passed");
                return Stopped::DeadlineReached;
            }
            intent = intents.recv() => {
                if intent == Some(Intent::StopNow) {
                    report_abandoned(work, "a second stop signal arrived");
                    return Stopped::Forced;
                }
            }
        }
    }
}

fn report_abandoned(work: &OpenWork<'_>, why: &str) {
    for (poller, slot) in work.deciders {
        let activity = slot.get();
        if !matches!(activity, decider::Activity::Stopped) {
            tracing::warn!(poller = %poller, abandoned = %activity, "{why}; abandoning work");
        }
    }
    for (worker, running) in work.workers {
        for task in running.descriptions() {
            tracing::warn!(worker = %worker, abandoned = %task, "{why}; abandoning activity task");
        }
    }
}
