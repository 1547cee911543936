//! Builds and installs the tracing subscriber: one layer per handler of the config file, or one
//! console layer on stderr when the file has no logging sections.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, fmt};

use super::files;
use super::journal::{PriorityPrefix, is_journal_stream};
use super::record::PythonFormat;
use super::routing::{HandlerFilter, Routing};
use super::settings::{Destination, HandlerSettings, LoggingConfig};
use crate::config::ConfigError;

/// The subscriber below the handler layers: the registry with the level filter that replaces
/// the file's levels, if any.
type Base = Layered<Option<EnvFilter>, Registry>;
type BoxedLayer = Box<dyn Layer<Base> + Send + Sync>;

/// Console output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleFormat {
    /// Readable lines: tracing's format, or the handler's Python format.
    Text,
    /// One JSON object per line.
    Json,
}

/// Keeps the writer threads running. Dropping it writes and flushes the lines still queued.
#[must_use = "dropping the guard stops the log writers"]
pub struct LogGuard {
    _workers: Vec<WorkerGuard>,
}

/// Installs the global subscriber.
///
/// With `config`, each handler gets a layer; `filter`, when given, replaces the loggers' levels.
/// Without `config`, one layer writes to stderr at the levels of `filter`. Every log file is
/// opened here, and each one that cannot be opened is an error at its handler's line.
pub fn install(
    config: Option<&LoggingConfig>,
    filter: Option<EnvFilter>,
    console_format: ConsoleFormat,
) -> Result<LogGuard, Vec<ConfigError>> {
    let mut writers = Writers::default();

    let layers = match config {
        Some(config) => handler_layers(config, filter.is_none(), console_format, &mut writers)?,
        None => vec![default_console_layer(console_format, &mut writers)],
    };

    tracing_subscriber::registry()
        .with(filter)
        .with(layers)
        .try_init()
        .map_err(|error| vec![ConfigError::new(None, format!("cannot set up logging: {error}"))])?;
    Ok(LogGuard {
        _workers: writers.guards,
    })
}

/// tracing's own line format on stderr, as caravan logs without logging sections.
fn default_console_layer(console_format: ConsoleFormat, writers: &mut Writers) -> BoxedLayer {
    let writer = writers.stderr();
    let journal = is_journal_stream(std::io::stderr());
    let layer = fmt::layer()
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal() && !journal);

    match (console_format, journal) {
        (ConsoleFormat::Text, false) => layer.boxed(),
        (ConsoleFormat::Text, true) => layer.event_format(PriorityPrefix(fmt::format().without_time())).boxed(),
        (ConsoleFormat::Json, false) => layer.json().boxed(),
        (ConsoleFormat::Json, true) => layer
            .json()
            .event_format(PriorityPrefix(fmt::format().json().without_time()))
            .boxed(),
    }
}

fn handler_layers(
    config: &LoggingConfig,
    logger_levels: bool,
    console_format: ConsoleFormat,
    writers: &mut Writers,
) -> Result<Vec<BoxedLayer>, Vec<ConfigError>> {
    let routing = Arc::new(Routing::new(config, logger_levels));
    let started = Instant::now();
    let process_name = process_name();
    let mut layers = Vec::new();
    let mut errors = Vec::new();
    let mut opened_files = OpenedFiles::default();

    for (index, handler) in config.handlers.iter().enumerate() {
        let filter = HandlerFilter {
            routing: routing.clone(),
            handler: index,
        };
        let (writer, journal, console) = match &handler.destination {
            Destination::Discard => continue,
            Destination::Stderr => (writers.stderr(), is_journal_stream(std::io::stderr()), true),
            Destination::Stdout => (writers.stdout(), is_journal_stream(std::io::stdout()), true),
            destination => {
                if let Some(error) = opened_files.check(handler) {
                    errors.push(error);
                    continue;
                }
                match files::open(destination) {
                    Some(Ok(file)) => {
                        opened_files.record(handler);
                        (writers.file(file, &handler.name), false, false)
                    }
                    Some(Err(error)) => {
                        errors.push(open_error(handler, error));
                        continue;
                    }
                    None => continue,
                }
            }
        };

        let layer = fmt::layer().with_writer(writer).with_ansi(false);
        let layer = if console && console_format == ConsoleFormat::Json {
            json_layer(layer.json(), journal).with_filter(filter).boxed()
        } else {
            let format = PythonFormat::new(&handler.format, journal, started, process_name.clone());
            layer.event_format(format).with_filter(filter).boxed()
        };
        layers.push(layer);
    }

    match errors.is_empty() {
        true => Ok(layers),
        false => Err(errors),
    }
}

type JsonLayer = fmt::Layer<Base, fmt::format::JsonFields, fmt::format::Format<fmt::format::Json>, NonBlocking>;

fn json_layer(layer: JsonLayer, journal: bool) -> Box<dyn Layer<Base> + Send + Sync> {
    match journal {
        true => layer
            .event_format(PriorityPrefix(fmt::format().json().without_time()))
            .boxed(),
        false => layer.boxed(),
    }
}

fn open_error(handler: &HandlerSettings, error: files::OpenError) -> ConfigError {
    let message = format!(
        "cannot open log file '{}' of [handler_{}]: {}",
        error.path.display(),
        handler.name,
        error.source
    );
    ConfigError::new(Some(handler.location.clone()), message).with_hint(error.hint)
}

/// The log files opened so far, by device and inode number, with the handler that opened each.
///
/// The config stage finds two handlers that name a file by the same path. This finds the ones that
/// reach one file by different paths, such as through a symlink or a hard link, because the
/// handlers would rotate the file under each other and lose lines.
#[derive(Default)]
struct OpenedFiles {
    handlers: HashMap<(u64, u64), (String, PathBuf)>,
}

impl OpenedFiles {
    /// Returns an error when the handler's file is one that another handler opened.
    fn check(&self, handler: &HandlerSettings) -> Option<ConfigError> {
        let path = handler.destination.path()?;
        let (first, first_path) = self.handlers.get(&file_identity(path)?)?;
        Some(same_file_error(handler, path, first, first_path))
    }

    /// Records the file that the handler has just opened.
    fn record(&mut self, handler: &HandlerSettings) {
        let Some(path) = handler.destination.path() else {
            return;
        };
        if let Some(identity) = file_identity(path) {
            self.handlers
                .insert(identity, (handler.name.clone(), path.to_path_buf()));
        }
    }
}

fn same_file_error(handler: &HandlerSettings, path: &Path, first: &str, first_path: &Path) -> ConfigError {
    let message = format!(
        "[handler_{}] and [handler_{first}] both write to one file: '{}' is '{}'",
        handler.name,
        path.display(),
        first_path.display()
    );
    let hint = "give each handler its own file, or list one handler in several loggers";
    ConfigError::new(Some(handler.location.clone()), message).with_hint(hint)
}

/// Returns the path that a log file which does not exist yet will be created at: symlinks at the
/// end of `path` followed, and its folder resolved. Returns `None` when the file exists, or when
/// the path cannot be resolved, which the open check reports.
fn future_file_path(path: &Path) -> Option<PathBuf> {
    // The kernel gives up after 40 symlinks in a row; so does this.
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let target = std::fs::read_link(&current).ok()?;
                current = match current.parent() {
                    Some(folder) => folder.join(target),
                    None => target,
                };
            }
            Ok(_) => return None,
            Err(_) => {
                let folder = std::fs::canonicalize(current.parent()?).ok()?;
                return Some(folder.join(current.file_name()?));
            }
        }
    }
    None
}

/// Returns the device and inode numbers of the file at `path`, following symlinks, or `None` when
/// it does not exist yet.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.dev(), metadata.ino()))
}

/// Checks that every log file of `config` could be opened as [`install`] opens them, for
/// `caravan check`, without creating, emptying or writing any of them. Returns an error for each
/// one that could not, at its handler's line.
///
/// A file that exists is compared with the others by inode, as [`install`] does. A file that does
/// not exist yet has no inode, so it is compared by the path it will be created at.
pub fn check_log_files(config: &LoggingConfig) -> Vec<ConfigError> {
    let mut opened_files = OpenedFiles::default();
    let mut future_files: HashMap<PathBuf, (String, PathBuf)> = HashMap::new();
    let mut errors = Vec::new();

    for handler in &config.handlers {
        if let Some(error) = opened_files.check(handler) {
            errors.push(error);
            continue;
        }
        if let Some(path) = handler.destination.path()
            && let Some(created_at) = future_file_path(path)
        {
            if let Some((first, first_path)) = future_files.get(&created_at) {
                errors.push(same_file_error(handler, path, first, first_path));
                continue;
            }
            future_files.insert(created_at, (handler.name.clone(), path.to_path_buf()));
        }
        match files::check(&handler.destination) {
            Some(Ok(())) => opened_files.record(handler),
            Some(Err(error)) => errors.push(open_error(handler, error)),
            None => {}
        }
    }
    errors
}

/// Returns the name the program was started under, such as `caravan` or `caravan-decider`.
fn process_name() -> Arc<str> {
    let program = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&program)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "caravan".to_string());
    Arc::from(name)
}

/// The non-blocking writers, one per stream or file, each with its own thread.
#[derive(Default)]
struct Writers {
    stderr: Option<NonBlocking>,
    stdout: Option<NonBlocking>,
    guards: Vec<WorkerGuard>,
}

impl Writers {
    fn stderr(&mut self) -> NonBlocking {
        if let Some(writer) = &self.stderr {
            return writer.clone();
        }
        let writer = self.start(std::io::stderr(), "caravan-log-stderr");
        self.stderr = Some(writer.clone());
        writer
    }

    fn stdout(&mut self) -> NonBlocking {
        if let Some(writer) = &self.stdout {
            return writer.clone();
        }
        let writer = self.start(std::io::stdout(), "caravan-log-stdout");
        self.stdout = Some(writer.clone());
        writer
    }

    fn file(&mut self, file: Box<dyn Write + Send>, handler: &str) -> NonBlocking {
        self.start(file, &format!("caravan-log-{handler}"))
    }

    /// Starts the thread that writes for one destination. Lines wait for a slow writer rather
    /// than being dropped, so that an operator does not lose an error line to a burst of plugin
    /// logs.
    fn start(&mut self, writer: impl Write + Send + 'static, thread_name: &str) -> NonBlocking {
        let (writer, guard) = NonBlockingBuilder::default()
            .lossy(false)
            .thread_name(thread_name)
            .finish(writer);
        self.guards.push(guard);
        writer
    }
}
