//! `caravan check CONFIG`: the start-up checks of `caravan run`, without contacting an endpoint.
//!
//! It reads and checks the config file and checks that the log files of its logging sections could
//! be opened. It loads every plugin with the daemon's loader and permission check, and builds the
//! deciders and workers as `caravan run` would, printing one line per stage.
//! It never starts the embedded local endpoint, never binds a port, and never calls SWF or reads
//! credentials, so it can run before a start (systemd's `ExecStartPre`) or on a machine without
//! network access.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::args::CheckArgs;
use super::output;
use super::{Cli, Failure};
use crate::config::{self, Config, ConfigError};
use crate::decider::DeciderSpec;
use crate::logging::LoggingConfig;
use crate::plugin::LoadedPlugin;
use crate::supervisor::{self, Prepared};
use crate::swf;
use crate::worker::WorkerSpec;

pub fn check(cli: &Cli, args: &CheckArgs) -> Result<ExitCode, Failure> {
    if cli.output.is_json() {
        return Err(Failure::Usage(
            "caravan check prints text lines only; leave out --output json".to_string(),
        ));
    }

    let config = config::load(&args.config_file).map_err(|errors| Failure::Check(errors.0))?;
    let mut errors = Vec::new();
    print_stage(&config_line(&config))?;

    match swf::checked_endpoint(&swf::ClientSettings::from_global(&config.global)) {
        Ok(endpoint) => print_stage(&endpoint_line(&config, endpoint.as_deref()))?,
        Err(error) => errors.push(error),
    }
    if let Err(error) = super::run::check_runnable(&config) {
        errors.push(error);
    }
    if let Some(logging) = &config.logging {
        print_stage(&logging_line(logging))?;
        errors.extend(crate::logging::check_log_files(logging));
    }

    let plugins = load_plugins(&config, &mut errors)?;
    let (prepared, mut build_errors) = supervisor::build(&config, &plugins);
    errors.append(&mut build_errors);
    print_pollers(&config, &plugins, &prepared)?;
    if config.global.register_types {
        print_stage(&registration_line(&prepared))?;
    }

    if !errors.is_empty() {
        return Err(Failure::Check(errors));
    }
    print_stage(&format!(
        "caravan check: no problems found; `caravan run {}` would start",
        args.config_file.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn print_stage(line: &str) -> Result<(), Failure> {
    output::print_line(line)
}

fn config_line(config: &Config) -> String {
    let path = config
        .path
        .as_deref()
        .map(Path::display)
        .map(|path| path.to_string())
        .unwrap_or_default();
    format!(
        "config: {path} parsed: {}, {}, {}",
        count(config.plugins.len(), "plugin", "plugins"),
        count(config.deciders.len(), "decider", "deciders"),
        count(config.workers.len(), "worker", "workers"),
    )
}

fn endpoint_line(config: &Config, endpoint: Option<&str>) -> String {
    if config.global.uses_local_endpoint() {
        return format!(
            "endpoint: local: `caravan run` would start caravan's own endpoint on {} (check does not start it)",
            config.global.local.listen
        );
    }
    match endpoint {
        Some(url) => format!("endpoint: {url} (check does not contact it)"),
        None => "endpoint: AWS's regional endpoint (check does not contact it)".to_string(),
    }
}

fn logging_line(logging: &LoggingConfig) -> String {
    let files = logging
        .handlers
        .iter()
        .filter(|handler| handler.destination.path().is_some())
        .count();
    format!(
        "logging: {}, {} (check opens none for writing)",
        count(logging.handlers.len(), "handler", "handlers"),
        count(files, "log file", "log files"),
    )
}

/// Loads each plugin section with the daemon's loader and prints a line for each one that loads.
fn load_plugins<'a>(
    config: &'a Config,
    errors: &mut Vec<ConfigError>,
) -> Result<HashMap<&'a str, Arc<LoadedPlugin>>, Failure> {
    let mut plugins = HashMap::new();
    for section in &config.plugins {
        let plugin = match supervisor::load_plugin(section, config.global.plugin_permissions, &[]) {
            Ok(plugin) => plugin,
            Err(mut plugin_errors) => {
                errors.append(&mut plugin_errors);
                continue;
            }
        };

        let manifest = plugin.manifest();
        let (abi_major, abi_minor) = plugin.abi_version();
        print_stage(&format!(
            "plugin {}: {}, version {}, ABI {abi_major}.{abi_minor}, SDK {}, {}, {}",
            section.name,
            section.path.display(),
            manifest.version,
            manifest.sdk_version,
            count(manifest.workflows.len(), "workflow type", "workflow types"),
            count(manifest.activities.len(), "activity type", "activity types"),
        ))?;
        for problem in plugin.permission_problems() {
            output::print_error_line(&format!(
                "warning: plugin \"{}\": {problem}; loaded anyway because plugin_permissions = relaxed",
                section.name
            ));
        }
        plugins.insert(section.name.as_str(), plugin);
    }
    Ok(plugins)
}

fn print_pollers(
    config: &Config,
    plugins: &HashMap<&str, Arc<LoadedPlugin>>,
    prepared: &Prepared,
) -> Result<(), Failure> {
    // A decider or worker whose plugin failed to load is still built, without that plugin's types.
    let failed = |names: &[String]| -> String {
        let missing: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .filter(|name| !plugins.contains_key(name))
            .collect();
        if missing.is_empty() {
            return String::new();
        }
        format!(" (without plugin {}, which failed to load)", missing.join(", "))
    };

    for spec in &prepared.deciders {
        let section = config.deciders.iter().find(|section| section.name == spec.name);
        let suffix = section.map(|section| failed(&section.plugins)).unwrap_or_default();
        print_stage(&format!("{}{suffix}", decider_line(spec)))?;
    }
    for spec in &prepared.workers {
        let section = config.workers.iter().find(|section| section.name == spec.name);
        let suffix = section.map(|section| failed(&section.plugins)).unwrap_or_default();
        print_stage(&format!("{}{suffix}", worker_line(spec)))?;
    }
    Ok(())
}

fn decider_line(spec: &DeciderSpec) -> String {
    format!(
        "decider {}: would poll domain {} task list {} with {}, failed_decision_policy {}, for workflow types: {}",
        spec.name,
        spec.domain,
        spec.task_list,
        count(spec.pollers as usize, "poller", "pollers"),
        spec.policy,
        type_list(spec.workflows.type_names()),
    )
}

fn worker_line(spec: &WorkerSpec) -> String {
    format!(
        "worker {}: would poll domain {} activity task list {} with {}, running up to {} at once, for activity types: {}",
        spec.name,
        spec.domain,
        spec.task_list,
        count(spec.pollers as usize, "poller", "pollers"),
        count(spec.concurrency as usize, "task", "tasks"),
        type_list(spec.activities.type_names()),
    )
}

fn registration_line(prepared: &Prepared) -> String {
    let workflows: usize = prepared
        .deciders
        .iter()
        .map(|spec| spec.workflows.type_names().len())
        .sum();
    let activities: usize = prepared
        .workers
        .iter()
        .map(|spec| spec.activities.type_names().len())
        .sum();
    format!(
        "register_types: `caravan run` would register {} and {} (check registers nothing)",
        count(workflows, "workflow type", "workflow types"),
        count(activities, "activity type", "activity types"),
    )
}

fn type_list(names: Vec<String>) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    names.join(", ")
}

fn count(number: usize, one: &str, many: &str) -> String {
    let noun = if number == 1 { one } else { many };
    format!("{number} {noun}")
}
