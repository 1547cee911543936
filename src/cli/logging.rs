//! Logging to stderr through tracing.
//!
//! The daemon commands log at info by default and the one-shot commands at warn, as the Python tools
//! did. `--verbose` and `--debug` raise the level, and `RUST_LOG` overrides everything. The AWS SDK's
//! own logs stay at warn unless `--debug` is given.

use std::io::IsTerminal;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use super::{Cli, Command};

/// Installs the subscriber. Log lines are written by a background thread, so the returned guard must
/// live until the end of `main`, where dropping it flushes what is left.
pub fn init(cli: &Cli) -> WorkerGuard {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) => EnvFilter::try_new(&directives).unwrap_or_else(|error| {
            eprintln!("warning: ignoring invalid RUST_LOG {directives:?}: {error}");
            EnvFilter::new(default_directives(cli))
        }),
        Err(_) => EnvFilter::new(default_directives(cli)),
    };

    // Lines wait for the writer rather than being dropped when stderr is slow: an operator must not
    // lose an error line to a burst of plugin logs.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());

    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    guard
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
