//! The supervisor behind `caravan run`: loads and checks every plugin, registers workflow types when
//! asked, runs the poll loops and drains them on a stop request.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::error::ProvideErrorMetadata;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, DeciderSection};
use crate::decider::{self, ActivitySlot, DeciderSpec, Poller, RepeatLimiter, WorkflowTable};
use crate::plugin::LoadedPlugin;
use crate::signals::Intent;
use crate::swf::{self, Client, DirectClient, ErrorClass};

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

/// Loads every configured plugin and builds the deciders. All problems are collected and reported
/// together, each with the config file and line of the section involved.
pub fn prepare(config: &Config) -> Result<Vec<DeciderSpec>, Vec<ConfigError>> {
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

    if errors.is_empty() { Ok(deciders) } else { Err(errors) }
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
#[error("cannot register workflow type {name} {version} in domain {domain}: {message}")]
pub struct RegistrationError {
    pub domain: String,
    pub name: String,
    pub version: String,
    pub message: String,
    pub hint: Option<String>,
}

/// Registers each decider's domain in a local endpoint that this process embeds. Such an endpoint
/// starts empty every time, so without this no domain would exist for the workflow types.
pub async fn register_local_domains(client: &Client, deciders: &[DeciderSpec]) -> Result<(), RegistrationError> {
    let domains: BTreeSet<&str> = deciders.iter().map(|spec| spec.domain.as_str()).collect();
    for domain in domains {
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

    match request.send().await {
        Ok(_) => {
            tracing::info!(domain, name = %registration.name, version = %registration.version, "workflow type registered");
            Ok(())
        }
        Err(error) if error.code() == Some("TypeAlreadyExistsFault") => {
            tracing::info!(domain, name = %registration.name, version = %registration.version, "workflow type already registered");
            Ok(())
        }
        Err(error) => {
            let hint = (swf::classify(&error) == ErrorClass::UnknownResource)
                .then(|| format!("register the domain first: caravan domain register -n {domain} --retention-days 7"));
            Err(RegistrationError {
                domain: domain.to_string(),
                name: registration.name.clone(),
                version: registration.version.clone(),
                message: swf::describe(&error),
                hint,
            })
        }
    }
}

/// Runs one poll loop per decider and poller until a stop intent arrives, then drains them within
/// `shutdown_timeout`. `on_drain` runs after the stop request reaches the loops, before the wait.
pub async fn run(
    client: Arc<DirectClient>,
    identity: String,
    deciders: Vec<DeciderSpec>,
    shutdown_timeout: Duration,
    mut intents: mpsc::UnboundedReceiver<Intent>,
    on_drain: impl FnOnce(),
) -> Stopped {
    let stop = CancellationToken::new();
    let mut loops = JoinSet::new();
    let mut activities = Vec::new();

    for spec in deciders.into_iter().map(Arc::new) {
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
    tracing::info!(pollers = activities.len(), identity = %identity, "caravan is running");

    if let Some(early) = wait_for_stop(&mut intents, &mut loops).await {
        stop.cancel();
        return early;
    }

    tracing::info!(
        timeout_secs = shutdown_timeout.as_secs(),
        "stopping: no new polls; finishing open polls and decisions"
    );
    stop.cancel();
    on_drain();
    drain(&mut loops, &mut intents, shutdown_timeout, &activities).await
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
    activities: &[(String, ActivitySlot)],
) -> Stopped {
    let deadline = tokio::time::sleep(shutdown_timeout);
    tokio::pin!(deadline);

    loop {
        tokio::select! {
            ended = loops.join_next() => match ended {
                None => {
                    tracing::info!("stopped: all polls and decisions finished");
                    return Stopped::Drained;
                }
                Some(Err(error)) => tracing::error!(error = %error, "a poll loop failed while stopping"),
                Some(Ok(())) => {}
            },
            _ = &mut deadline => {
                report_abandoned(activities, "the shutdown deadline passed");
                return Stopped::DeadlineReached;
            }
            intent = intents.recv() => {
                if intent == Some(Intent::StopNow) {
                    report_abandoned(activities, "a second stop signal arrived");
                    return Stopped::Forced;
                }
            }
        }
    }
}

fn report_abandoned(activities: &[(String, ActivitySlot)], why: &str) {
    for (poller, slot) in activities {
        let activity = slot.get();
        if !matches!(activity, decider::Activity::Stopped) {
            tracing::warn!(poller = %poller, abandoned = %activity, "{why}; abandoning work");
        }
    }
}
