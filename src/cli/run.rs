//! `caravan run CONFIG` and `caravan decider`, the long-running commands.

use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;

use super::args::DeciderArgs;
use super::{Cli, Command, EXIT_FORCED_STOP, EXIT_SOFTWARE, Failure};
use crate::config::{self, Config, ConfigError, Global};
use crate::logging::LoggingConfig;
use crate::plugin::LoadedPlugin;
use crate::signals::Intent;
use crate::supervisor::{self, Prepared, ReloadErrors, Reloaded, Stopped};
use crate::{identity, local, signals, swf};
use tokio::sync::mpsc::UnboundedReceiver;

/// The config file of a long-running command. It is read before logging is set up, because its
/// logging sections configure the logging.
pub enum ServiceConfig {
    /// `caravan run CONFIG`: the whole file.
    Full(Config),
    /// `caravan local CONFIG` and `caravan decider -c CONFIG`: the `[caravan]`, `[local]`,
    /// `[lambda:NAME]` and logging sections.
    Global(Global, Option<LoggingConfig>),
    /// A one-shot command, which reads its config file later and without the logging sections,
    /// or a long-running command without a config file.
    Absent,
}

impl ServiceConfig {
    /// Reads the config file of `caravan run`, `caravan local` or `caravan decider`.
    pub fn read(cli: &Cli) -> Result<ServiceConfig, Failure> {
        let path = match &cli.command {
            Command::Run(run_args) => {
                let config = config::load(&run_args.config_file).map_err(|errors| Failure::Config(errors.0))?;
                return Ok(ServiceConfig::Full(config));
            }
            Command::Decider(_) => cli.config.as_deref(),
            Command::Local(local_args) => local_args.config_file.as_deref().or(cli.config.as_deref()),
            _ => None,
        };

        let Some(path) = path else {
            return Ok(ServiceConfig::Absent);
        };
        let (global, logging) = config::load_global_and_logging(path).map_err(|errors| Failure::Config(errors.0))?;
        Ok(ServiceConfig::Global(global, logging))
    }

    /// Returns the logging sections, if the file has them.
    pub fn logging(&self) -> Option<&LoggingConfig> {
        match self {
            ServiceConfig::Full(config) => config.logging.as_ref(),
            ServiceConfig::Global(_, logging) => logging.as_ref(),
            ServiceConfig::Absent => None,
        }
    }

    fn into_global(self) -> Global {
        match self {
            ServiceConfig::Full(config) => config.global,
            ServiceConfig::Global(global, _) => global,
            ServiceConfig::Absent => Global::default(),
        }
    }
}

/// Runs the deciders and workers of a config file until a stop signal.
pub async fn run_config(service_config: ServiceConfig) -> Result<ExitCode, Failure> {
    match service_config {
        ServiceConfig::Full(config) => serve(config).await,
        // `ServiceConfig::read` loads the whole file for `caravan run`.
        ServiceConfig::Global(..) | ServiceConfig::Absent => Err(Failure::Runtime(anyhow::anyhow!(
            "internal error: caravan run started without its config file"
        ))),
    }
}

/// Runs one decider described by flags, as the Python `caravan-decider` did.
pub async fn run_decider(decider: &DeciderArgs, service_config: ServiceConfig) -> Result<ExitCode, Failure> {
    let mut global = service_config.into_global();
    if decider.register_workflows {
        global.register_types = true;
    }

    let domain = decider
        .domain
        .clone()
        .or_else(|| global.domain.clone())
        .ok_or_else(|| {
            Failure::Usage("missing --domain (or `domain` in the config file's [caravan] section)".to_string())
        })?;

    let mut flags = config::DeciderFlags::new(domain, decider.task_list.clone(), decider.plugins.clone());
    flags.pollers = decider.pollers;
    flags.failed_decision_policy = decider.failed_decision_policy;
    let config = Config::from_flags(global, flags).map_err(|errors| Failure::Config(errors.0))?;
    serve(config).await
}

/// Loads the plugins, registers workflow types when asked, and runs the pollers.
async fn serve(config: Config) -> Result<ExitCode, Failure> {
    check_runnable(&config).map_err(|error| Failure::Config(vec![error]))?;

    // Signals are handled from the first moment, so that a stop request during a slow start-up (an
    // endpoint that never responds, say) ends the process cleanly.
    let mut intents = signals::listen().context("cannot install signal handlers")?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), config = %config_name(&config), "caravan starting");

    // The plugins are checked before the embedded endpoint binds its port, so that a broken plugin
    // is reported as such (exit 78) even when the port is taken.
    let (prepared, loaded) = load_plugins(&config).await?;
    let embedded = match config.global.uses_local_endpoint() {
        true => Some(local::start(&config.global.local).await?),
        false => None,
    };
    let started = tokio::select! {
        started = start(&config, prepared) => started,
        () = stop_requested(&mut intents, "reload requested during start-up; ignored") => {
            tracing::info!("stop requested during start-up; exiting");
            stop_embedded(embedded).await;
            return Ok(ExitCode::SUCCESS);
        }
    };
    let started = match started {
        Ok(started) => started,
        Err(failure) => {
            stop_embedded(embedded).await;
            return Err(failure);
        }
    };

    let identity = identity::worker_identity(config.global.identity.as_deref());
    let shutdown_timeout = Duration::from_secs(config.global.shutdown_timeout_secs);
    let reloader = Arc::new(Reloader {
        started_with: config,
        sdk_config: started.sdk_config,
        loaded: Mutex::new(loaded),
    });
    let reload: supervisor::ReloadFn = Box::new(move || Box::pin(reloader.clone().reload()));
    let stopped = supervisor::run(
        Arc::new(started.client),
        identity,
        started.prepared,
        shutdown_timeout,
        intents,
        reload,
        || {
            if let Some(endpoint) = &embedded {
                endpoint.release_polls();
            }
        },
    )
    .await;
    stop_embedded(embedded).await;
    Ok(match stopped {
        Stopped::Drained | Stopped::DeadlineReached => ExitCode::SUCCESS,
        Stopped::Forced => ExitCode::from(EXIT_FORCED_STOP),
        Stopped::PollerFailed => ExitCode::from(EXIT_SOFTWARE),
    })
}

/// Checks that the config has a decider or worker to run.
pub(super) fn check_runnable(config: &Config) -> Result<(), ConfigError> {
    if !config.deciders.is_empty() || !config.workers.is_empty() {
        return Ok(());
    }
    Err(ConfigError {
        location: None,
        message: format!(
            "{} has no [decider:NAME] or [worker:NAME] section, so there is nothing to run",
            config_name(config)
        ),
        hint: Some("add a [decider:NAME] or [worker:NAME] section with domain, task_list and plugins".to_string()),
    })
}

async fn stop_embedded(embedded: Option<local::RunningEndpoint>) {
    if let Some(endpoint) = embedded {
        endpoint.stop().await;
    }
}

/// Runs caravan's own SWF endpoint, with the `[local]` settings of the config file if there is
/// one, until a stop signal.
pub async fn run_local(service_config: ServiceConfig) -> Result<ExitCode, Failure> {
    let settings = service_config.into_global().local;
    let mut intents = signals::listen().context("cannot install signal handlers")?;

    let endpoint = local::start(&settings).await?;
    stop_requested(&mut intents, "reload is not supported by the local endpoint; ignored").await;
    tracing::info!("stopping the local SWF endpoint");
    endpoint.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// Result of a successful start-up: what the pollers need.
struct Started {
    client: swf::DirectClient,
    prepared: Prepared,
    /// The SDK's settings, for the type registrations of a reload.
    sdk_config: aws_config::SdkConfig,
}

/// Loads and checks every plugin of the config's deciders and workers. Returns them built, and
/// every plugin loaded.
async fn load_plugins(config: &Config) -> Result<(Prepared, Vec<Arc<LoadedPlugin>>), Failure> {
    let plugins_config = config.clone();
    tokio::task::spawn_blocking(move || {
        let mut loaded = Vec::new();
        supervisor::prepare(&plugins_config, &mut loaded).map(|prepared| (prepared, loaded))
    })
    .await
    .context("loading the plugins failed")?
    .map_err(Failure::Config)
}

/// Checks the endpoint, region and credentials, and registers the domains and types when asked.
async fn start(config: &Config, prepared: Prepared) -> Result<Started, Failure> {
    let settings = swf::ClientSettings::from_global(&config.global);
    let endpoint = swf::checked_endpoint(&settings).map_err(|error| Failure::Config(vec![error]))?;
    tracing::info!(
        endpoint = endpoint.as_deref().unwrap_or("AWS regional endpoint"),
        "SWF endpoint"
    );

    let sdk_config = swf::load_config(&settings, swf::LONG_POLL_READ_TIMEOUT).await;
    let client = swf::DirectClient::new(&sdk_config, swf::LONG_POLL_READ_TIMEOUT).await?;
    client
        .check_credentials()
        .await
        .map_err(|error| Failure::Runtime(anyhow::anyhow!("{error}")))?;

    register(config, &sdk_config, &prepared)
        .await
        .map_err(|message| Failure::Runtime(anyhow::anyhow!("{message}")))?;

    Ok(Started {
        client,
        prepared,
        sdk_config,
    })
}

/// Registers the domains in an embedded local endpoint, and the workflow and activity types when
/// `register_types` is set. Returns the error as the operator should read it, hint included.
async fn register(config: &Config, sdk_config: &aws_config::SdkConfig, prepared: &Prepared) -> Result<(), String> {
    let sdk_client = swf::Client::new(sdk_config);

    if config.global.uses_local_endpoint() {
        supervisor::register_local_domains(&sdk_client, prepared)
            .await
            .map_err(|error| format!("cannot register domain {}: {}", error.domain, error.message))?;
    }

    if config.global.register_types {
        let registered = match supervisor::register_workflow_types(&sdk_client, &prepared.deciders).await {
            Ok(()) => supervisor::register_activity_types(&sdk_client, &prepared.workers).await,
            Err(error) => Err(error),
        };
        registered.map_err(|error| match &error.hint {
            Some(hint) => format!("{error}\n  hint: {hint}"),
            None => error.to_string(),
        })?;
    }
    Ok(())
}

/// Reads the config again on a reload request. A config from a file is read from the file again.
/// A config built from `caravan decider`'s flags stays as it is, and only its plugins are loaded
/// again.
struct Reloader {
    started_with: Config,
    sdk_config: aws_config::SdkConfig,
    /// Every plugin loaded since start-up, so that a reload loads a file again only when its bytes
    /// changed, also after a rejected reload.
    loaded: Mutex<Vec<Arc<LoadedPlugin>>>,
}

impl Reloader {
    async fn reload(self: Arc<Self>) -> Result<Reloaded, ReloadErrors> {
        // Reading a file can block for as long as a hung network file system does, so the files are
        // read off the async runtime's one thread, which the pollers need.
        // NOTE: a read that never returns leaves this reload running, and later SIGHUPs wait behind
        // it until a restart. A stop request still works.
        let reader = self.clone();
        let (config, prepared) = tokio::task::spawn_blocking(move || reader.read_and_prepare())
            .await
            .map_err(|error| vec![format!("reading the config and loading the plugins failed: {error}")])??;

        register(&config, &self.sdk_config, &prepared)
            .await
            .map_err(|message| vec![message])?;

        Ok(Reloaded {
            prepared,
            shutdown_timeout: Duration::from_secs(config.global.shutdown_timeout_secs),
        })
    }

    fn read_and_prepare(&self) -> Result<(Config, Prepared), ReloadErrors> {
        let config = self.read_config()?;
        self.check_unchanged_settings(&config)?;
        if config.logging != self.started_with.logging {
            tracing::warn!(
                config = %config_name(&config),
                "the logging sections changed; they apply only when caravan starts, so restart it to apply them"
            );
        }
        if config.deciders.is_empty() && config.workers.is_empty() {
            return Err(vec![format!(
                "{} has no [decider:NAME] or [worker:NAME] section left",
                config_name(&config)
            )]);
        }

        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        let prepared = supervisor::prepare(&config, &mut loaded).map_err(|errors| to_messages(&errors))?;
        Ok((config, prepared))
    }

    /// Reads the config file again. A config built from `caravan decider`'s flags stays as it is.
    fn read_config(&self) -> Result<Config, ReloadErrors> {
        let Some(path) = &self.started_with.path else {
            return Ok(self.started_with.clone());
        };

        // `config::load` rejects a named pipe or a device at the path, as it does at start-up, so
        // that a reload never blocks on one.
        config::load(path).map_err(|errors| to_messages(&errors.0))
    }

    /// Rejects a config that changes what the daemon connected to or how it named itself at
    /// start-up: the pollers share one client, so such a change needs a restart.
    fn check_unchanged_settings(&self, config: &Config) -> Result<(), ReloadErrors> {
        let before = &self.started_with.global;
        let after = &config.global;
        let mut changed = Vec::new();
        if before.endpoint_url != after.endpoint_url {
            changed.push("endpoint_url");
        }
        if before.region != after.region {
            changed.push("region");
        }
        if before.profile != after.profile {
            changed.push("profile");
        }
        if before.identity != after.identity {
            changed.push("identity");
        }
        if before.uses_local_endpoint() && before.local != after.local {
            changed.push("the [local] or [lambda:NAME] sections");
        }

        if changed.is_empty() {
            return Ok(());
        }
        Err(changed
            .into_iter()
            .map(|setting| {
                format!(
                    "{}: {setting} changed; the daemon applies it only when it starts\n  hint: restart caravan \
                     (systemctl restart caravan), or undo the change to reload the rest",
                    config_name(config)
                )
            })
            .collect())
    }
}

fn to_messages(errors: &[ConfigError]) -> ReloadErrors {
    errors.iter().map(ToString::to_string).collect()
}

/// Waits for a stop request. A reload request is logged with `reload_message` and ignored.
async fn stop_requested(intents: &mut UnboundedReceiver<Intent>, reload_message: &str) {
    loop {
        match intents.recv().await {
            Some(Intent::Reload) => tracing::warn!("{reload_message}"),
            Some(Intent::Stop | Intent::StopNow) => return,
            None => std::future::pending::<()>().await,
        }
    }
}

fn config_name(config: &Config) -> String {
    match &config.path {
        Some(path) => path.display().to_string(),
        None => "the command line".to_string(),
    }
}
