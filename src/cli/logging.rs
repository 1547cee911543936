//! Logging set-up from the command line and the config file's logging sections.
//!
//! Without logging sections, caravan logs to stderr: the daemon commands at info by default and
//! the one-shot commands at warn, as the Python tools did, and the AWS SDK's own logs at warn
//! unless `--debug` is given. With logging sections (`caravan run`, `caravan local` and
//! `caravan decider -c`), their handlers and levels apply instead. In both cases `--verbose` and
//! `--debug` set the levels, and `RUST_LOG` overrides everything.

use tracing_subscriber::EnvFilter;

use super::args::LogFormat;
use super::output;
use super::{Cli, Command, Failure};
use crate::logging::{self, ConsoleFormat, LogGuard, LoggingConfig};

/// Installs the subscriber. Log lines are written by background threads, so the returned guard
/// must live until the end of `main`, where dropping it flushes what is left.
///
/// A log file that cannot be opened is a config error at its handler's line.
pub fn init(cli: &Cli, file: Option<&LoggingConfig>) -> Result<LogGuard, Failure> {
    // The file's levels apply unless the environment or the flags set others.
    let filter = match (level_override(cli), file) {
        (Some(filter), _) => Some(filter),
        (None, Some(_)) => None,
        (None, None) => Some(EnvFilter::new(default_directives(cli))),
    };
    let console_format = match cli.log_format {
        LogFormat::Text => ConsoleFormat::Text,
        LogFormat::Json => ConsoleFormat::Json,
    };

    logging::install(file, filter, console_format).map_err(Failure::Config)
}

/// Returns the filter of `RUST_LOG`, or else of `--verbose` or `--debug`.
fn level_override(cli: &Cli) -> Option<EnvFilter> {
    if let Ok(directives) = std::env::var("RUST_LOG") {
        match EnvFilter::try_new(&directives) {
            Ok(filter) => return Some(filter),
            Err(error) => {
                output::print_error_line(&format!("warning: ignoring invalid RUST_LOG {directives:?}: {error}"))
            }
        }
    }

    (cli.verbose || cli.debug).then(|| EnvFilter::new(default_directives(cli)))
}

fn default_directives(cli: &Cli) -> &'static str {
    let long_running = matches!(cli.command, Command::Run(_) | Command::Decider(_) | Command::Local(_));
    if cli.debug {
        "debug,hyper=info,h2=info,rustls=info,aws_smithy_runtime=info"
    } else if cli.verbose || long_running {
        "warn,caravan=info"
    } else if matches!(cli.command, Command::Replay(_)) {
        // A plugin author replaying a history expects to see the plugin's log records.
        "warn,caravan::plugin=info"
    } else {
        "warn"
    }
}
