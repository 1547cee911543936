//! The `caravan` binary: argument parsing, logging set-up, exit codes, and one module per command
//! group.
//!
//! Exit codes:
//! - 0: success.
//! - 1: a failed SWF call or another run-time failure.
//! - 64: invalid command-line usage.
//! - 70: an internal error, such as a poll loop that ended on its own.
//! - 78: an invalid config file or plugin, including a plugin rejected for its file permissions.
//! - 130: a second stop signal during a graceful stop.

mod args;
mod check;
mod commands;
mod executions;
mod logging;
mod output;
mod plugin;
mod replay;
mod run;
mod summary;
mod values;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command, LogFormat, OutputFormat};

use crate::config::ConfigError;

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 64;
pub const EXIT_SOFTWARE: u8 = 70;
pub const EXIT_CONFIG: u8 = 78;
pub const EXIT_FORCED_STOP: u8 = 130;

/// Failure of a command. Each kind has its exit code, and [`main`] prints the error once.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Config(Vec<ConfigError>),
    /// Problems that `caravan check` found in a config file or its plugins.
    Check(Vec<ConfigError>),
    /// A plugin that cannot be loaded outside the daemon, such as by `caravan replay` or
    /// `caravan plugin inspect`.
    Plugin(String),
    Runtime(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure::Runtime(error)
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(arguments()) {
        Ok(cli) => cli,
        Err(error) => return report_usage_error(error),
    };

    if let Err(message) = args::check_config_flag(&cli) {
        return report_failure(Failure::Usage(message));
    }

    // The config file comes first, because its logging sections set logging up. Its errors go
    // to stderr directly.
    let service_config = match run::ServiceConfig::read(&cli) {
        Ok(service_config) => service_config,
        Err(failure) => return report_failure(failure),
    };
    let log_guard = match logging::init(&cli, service_config.logging()) {
        Ok(log_guard) => log_guard,
        Err(failure) => return report_failure(failure),
    };

    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            output::print_error_line(&format!("error: cannot start the async runtime: {error}"));
            return ExitCode::from(EXIT_SOFTWARE);
        }
    };

    let result = runtime.block_on(dispatch(cli, service_config));

    // Plugin calls on blocking threads may still run after a deadline; they are abandoned, not awaited.
    runtime.shutdown_background();

    // Log lines still queued are written before the final error, so the two appear in order.
    drop(log_guard);

    match result {
        Ok(code) => code,
        Err(failure) => report_failure(failure),
    }
}

/// Returns the process arguments, with the subcommand inserted when the binary runs under a Python
/// caravan tool's name.
fn arguments() -> Vec<OsString> {
    let mut arguments: Vec<OsString> = std::env::args_os().collect();
    let program = arguments
        .first()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();

    if let Some(subcommand) = args::legacy_subcommand(&program) {
        let rest = arguments.split_off(1);
        arguments = vec![OsString::from("caravan")];
        arguments.extend(subcommand.iter().map(OsString::from));
        arguments.extend(rest);
    }
    arguments
}

async fn dispatch(cli: Cli, service_config: run::ServiceConfig) -> Result<ExitCode, Failure> {
    match &cli.command {
        Command::Run(_) => run::run_config(service_config).await,
        Command::Decider(decider_args) => run::run_decider(decider_args, service_config).await,
        Command::Local(_) => run::run_local(service_config).await,
        Command::Domain(command) => commands::domain(&cli, command).await,
        Command::Start(start_args) => commands::start(&cli, start_args).await,
        Command::Signal(signal_args) => commands::signal(&cli, signal_args).await,
        Command::Terminate(terminate_args) => commands::terminate(&cli, terminate_args).await,
        Command::Cancel(cancel_args) => commands::cancel(&cli, cancel_args).await,
        Command::List(list_args) => commands::list(&cli, list_args).await,
        Command::History(history_args) => executions::history(&cli, history_args).await,
        Command::Describe(describe_args) => executions::describe(&cli, describe_args).await,
        Command::Replay(replay_args) => replay::replay(&cli, replay_args),
        Command::Check(check_args) => check::check(&cli, check_args),
        Command::Plugin(args::PluginCommand::Inspect(inspect_args)) => plugin::inspect(&cli, inspect_args),
    }
}

fn report_usage_error(error: clap::Error) -> ExitCode {
    // Help and version requests are not errors.
    let code = if error.use_stderr() { EXIT_USAGE } else { 0 };
    let _ = error.print();
    ExitCode::from(code)
}

fn report_failure(failure: Failure) -> ExitCode {
    match failure {
        Failure::Usage(message) => {
            output::print_error_line(&format!("error: {message}"));
            ExitCode::from(EXIT_USAGE)
        }
        Failure::Config(errors) => {
            for error in &errors {
                output::print_error_line(&format!("error: {error}"));
            }
            let count = errors.len();
            let problems = if count == 1 { "problem" } else { "problems" };
            output::print_error_line(&format!("caravan: {count} config {problems}; nothing was started"));
            ExitCode::from(EXIT_CONFIG)
        }
        Failure::Check(errors) => {
            for error in &errors {
                output::print_error_line(&format!("error: {error}"));
            }
            let count = errors.len();
            let problems = if count == 1 { "problem" } else { "problems" };
            output::print_error_line(&format!("caravan check: {count} {problems} found"));
            ExitCode::from(EXIT_CONFIG)
        }
        Failure::Plugin(message) => {
            output::print_error_line(&format!("error: {message}"));
            ExitCode::from(EXIT_CONFIG)
        }
        Failure::Runtime(error) => {
            output::print_error_line(&format!("error: {error:#}"));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
