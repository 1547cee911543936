//! The supervisor behind `caravan run`: loads and checks every plugin, registers workflow and
//! activity types when asked, runs the decider poll loops and activity workers, and drains them
//! on a stop request.

mod registration;
mod units;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::mpsc;

use crate::config::{Config, ConfigError, DeciderSection, PluginPermissions, PluginSection, WorkerSection};
use crate::decider::{DeciderSpec, RepeatLimiter, WorkflowTable};
use crate::notify;
use crate::plugin::{LoadError, LoadedPlugin};
use crate::signals::Intent;
use crate::swf::DirectClient;
use crate::worker::{ActivityTable, WorkerSpec};

pub use registration::{RegistrationError, register_activity_types, register_local_domains, register_workflow_types};
use units::{LoopEnded, Units};

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
///
/// `loaded` contains every plugin the process has loaded. A plugin whose file has the same path and
/// bytes as one of them is used again. Each plugin loaded anew is added to it, also when another
/// problem fails the call, because a loaded library is never unloaded and a second load of the same
/// file would only take more memory.
pub fn prepare(config: &Config, loaded: &mut Vec<Arc<LoadedPlugin>>) -> Result<Prepared, Vec<ConfigError>> {
    let mut errors = Vec::new();

    let mut plugins: HashMap<&str, Arc<LoadedPlugin>> = HashMap::new();
    for section in &config.plugins {
        match load_plugin(section, config.global.plugin_permissions, loaded) {
            Ok(plugin) => {
                if loaded.iter().any(|known| Arc::ptr_eq(known, &plugin)) {
                    tracing::info!(
                        plugin = %section.name,
                        path = %section.path.display(),
                        "plugin already loaded from a file with the same bytes; using that copy"
                    );
                } else {
                    log_loaded(section, &plugin);
                    loaded.push(plugin.clone());
                }
                plugins.insert(section.name.as_str(), plugin);
            }
            Err(mut plugin_errors) => errors.append(&mut plugin_errors),
        }
    }

    let (prepared, mut build_errors) = build(config, &plugins);
    errors.append(&mut build_errors);

    if errors.is_empty() { Ok(prepared) } else { Err(errors) }
}

/// Loads the plugin of one `[plugin:NAME]` section, or takes it from `loaded` if its file did not
/// change. Each error carries the section's location; a plugin rejected for its permissions has
/// one error per problem.
pub fn load_plugin(
    section: &PluginSection,
    permissions: PluginPermissions,
    loaded: &[Arc<LoadedPlugin>],
) -> Result<Arc<LoadedPlugin>, Vec<ConfigError>> {
    let error = |message: String| ConfigError {
        location: section.location.clone(),
        message: format!("plugin \"{}\": {message}", section.name),
        hint: None,
    };

    match LoadedPlugin::load_reusing(&section.path, permissions, loaded) {
        Ok(plugin) => Ok(plugin),
        Err(LoadError::Unsafe { problems, .. }) => {
            Err(problems.iter().map(|problem| error(problem.to_string())).collect())
        }
        Err(other) => Err(vec![error(other.to_string())]),
    }
}

fn log_loaded(section: &PluginSection, plugin: &LoadedPlugin) {
    tracing::info!(
        plugin = %section.name,
        path = %section.path.display(),
        version = %plugin.manifest().version,
        sdk_version = %plugin.manifest().sdk_version,
        workflow_types = plugin.manifest().workflows.len(),
        activity_types = plugin.manifest().activities.len(),
        "plugin loaded"
    );
    for problem in plugin.permission_problems() {
        tracing::warn!(
            plugin = %section.name,
            "{problem}; loaded anyway because plugin_permissions = relaxed"
        );
    }
}

/// Builds the deciders and workers from the loaded plugins. Returns what could be built and every
/// error; a decider or worker with an error is left out.
pub fn build(config: &Config, plugins: &HashMap<&str, Arc<LoadedPlugin>>) -> (Prepared, Vec<ConfigError>) {
    let mut errors = Vec::new();

    let mut deciders = Vec::new();
    for section in &config.deciders {
        match build_decider(section, plugins) {
            Ok(spec) => deciders.push(spec),
            Err(error) => errors.push(error),
        }
    }

    let mut workers = Vec::new();
    for section in &config.workers {
        match build_worker(section, plugins) {
            Ok(spec) => workers.push(spec),
            Err(error) => errors.push(error),
        }
    }

    (Prepared { deciders, workers }, errors)
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

/// A config read again and checked, ready to replace the running deciders and workers.
pub struct Reloaded {
    pub prepared: Prepared,
    pub shutdown_timeout: Duration,
}

/// Why a reload was rejected: one message per problem, each naming what is wrong and where.
pub type ReloadErrors = Vec<String>;

/// Reads and checks the config and plugins again.
pub type ReloadFn = Box<dyn FnMut() -> BoxFuture<'static, Result<Reloaded, ReloadErrors>> + Send>;

/// Runs the deciders and workers of `prepared` until a stop intent arrives, then drains them
/// within the shutdown timeout. A reload intent runs `reload`. If it succeeds, the new set replaces
/// the running one (see [`units`]), and if it fails, the running set goes on. `on_drain` runs after
/// the stop request reaches the loops, before the wait.
pub async fn run(
    client: Arc<DirectClient>,
    identity: String,
    prepared: Prepared,
    shutdown_timeout: Duration,
    mut intents: mpsc::UnboundedReceiver<Intent>,
    reload: ReloadFn,
    on_drain: impl FnOnce(),
) -> Stopped {
    let mut units = Units::new(client, identity.clone());
    units.apply(prepared);
    tracing::info!(pollers = units.serving_loops(), identity = %identity, "caravan is running");
    notify::ready(&units.status());
    notify::spawn_watchdog();

    let mut serving = Serving {
        units,
        reload,
        reloading: None,
        reload_again: false,
        shutdown_timeout,
    };
    if let Some(early) = serving.until_stop(&mut intents).await {
        serving.units.stop_all();
        return early;
    }

    tracing::info!(
        timeout_secs = serving.shutdown_timeout.as_secs(),
        "stopping: no new polls; finishing open polls, decisions and activity tasks"
    );
    notify::stopping();
    serving.units.stop_all();
    on_drain();
    drain(&mut serving.units, &mut intents, serving.shutdown_timeout).await
}

/// The daemon between start-up and a stop request.
struct Serving {
    units: Units,
    reload: ReloadFn,
    /// The reload in progress, if any.
    reloading: Option<BoxFuture<'static, Result<Reloaded, ReloadErrors>>>,
    /// Whether another reload was requested while one ran; the config may have changed since it was read.
    reload_again: bool,
    shutdown_timeout: Duration,
}

impl Serving {
    /// Serves and reloads until a stop intent. Returns early only if a poll loop ended on its own
    /// or a stop-now intent came first.
    async fn until_stop(&mut self, intents: &mut mpsc::UnboundedReceiver<Intent>) -> Option<Stopped> {
        loop {
            tokio::select! {
                intent = intents.recv() => match intent {
                    Some(Intent::Reload) => self.start_reload(),
                    Some(Intent::StopNow) => return Some(Stopped::Forced),
                    Some(Intent::Stop) | None => return None,
                },
                outcome = reload_outcome(&mut self.reloading) => {
                    self.reloading = None;
                    self.finish_reload(outcome);
                }
                ended = self.units.next_ended() => match ended {
                    Some(LoopEnded::Retired(label)) => {
                        tracing::info!(unit = %label, "finished its work after a reload and stopped");
                        notify::status(&self.units.status());
                    }
                    Some(LoopEnded::Draining) => {}
                    Some(LoopEnded::Unexpected | LoopEnded::Stopped) | None => {
                        tracing::error!("a poll loop ended without a stop request; stopping caravan");
                        return Some(Stopped::PollerFailed);
                    }
                },
            }
        }
    }

    fn start_reload(&mut self) {
        if self.reloading.is_some() {
            tracing::info!("reload requested while one runs; the config will be read again after it");
            self.reload_again = true;
            return;
        }
        tracing::info!("reload requested: reading and checking the config and plugins");
        notify::reloading();
        self.reloading = Some((self.reload)());
    }

    fn finish_reload(&mut self, outcome: Result<Reloaded, ReloadErrors>) {
        match outcome {
            Ok(reloaded) => {
                self.shutdown_timeout = reloaded.shutdown_timeout;
                let changes = self.units.apply(reloaded.prepared);
                tracing::info!(
                    started = %changes.started.join(", "),
                    unchanged = %changes.unchanged.join(", "),
                    stopping = %changes.retiring.join(", "),
                    "reloaded: new pollers started; replaced ones finish their open polls and tasks, then stop"
                );
            }
            Err(errors) => {
                for error in &errors {
                    tracing::error!("reload: {error}");
                }
                tracing::error!(
                    problems = errors.len(),
                    "reload rejected; the running deciders and workers go on unchanged"
                );
            }
        }

        if std::mem::take(&mut self.reload_again) {
            self.start_reload();
        } else {
            notify::ready(&self.units.status());
        }
    }
}

/// Waits for the reload in progress; never returns when there is none.
async fn reload_outcome(
    reloading: &mut Option<BoxFuture<'static, Result<Reloaded, ReloadErrors>>>,
) -> Result<Reloaded, ReloadErrors> {
    match reloading {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}

async fn drain(
    units: &mut Units,
    intents: &mut mpsc::UnboundedReceiver<Intent>,
    shutdown_timeout: Duration,
) -> Stopped {
    let deadline = tokio::time::sleep(shutdown_timeout);
    tokio::pin!(deadline);
    let mut intents_open = true;

    loop {
        tokio::select! {
            ended = units.next_ended() => match ended {
                None => {
                    tracing::info!("stopped: all polls and decisions finished, and every activity task");
                    return Stopped::Drained;
                }
                Some(LoopEnded::Unexpected) => tracing::error!("a poll loop failed while stopping"),
                Some(_) => {}
            },
            _ = &mut deadline => {
                units.report_abandoned("the shutdown deadline passed");
                return Stopped::DeadlineReached;
            }
            intent = intents.recv(), if intents_open => match intent {
                Some(Intent::StopNow) => {
                    units.report_abandoned("a second stop signal arrived");
                    return Stopped::Forced;
                }
                Some(_) => {}
                None => intents_open = false,
            },
        }
    }
}
