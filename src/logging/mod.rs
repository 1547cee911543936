//! Logging configured by the config file's Python logging sections, as Python's
//! `logging.config.fileConfig` reads them in a Pyramid-style INI file.
//!
//! The config loader reads `[loggers]`, `[handlers]`, `[formatters]` and their `[logger_NAME]`,
//! `[handler_NAME]` and `[formatter_NAME]` sections into a [`LoggingConfig`], with every error at
//! its line. [`install`] then builds the tracing subscriber: each handler is a layer with its own
//! writer thread, its Python format and a filter that follows Python's logger hierarchy, where the
//! logger `caravan.decider` is the tracing target `caravan::decider`. Plugin log records have the
//! target `caravan::plugin`, so the logger `caravan.plugin` controls them.
//!
//! Layout:
//! - `settings`: the typed configuration, level names, handler classes and their arguments.
//! - `literal`: the Python expressions of `args` and `kwargs`.
//! - `format`: Python's `%(name)s` log line formats.
//! - `routing`: which handlers write a record, by logger hierarchy and levels.
//! - `record`: tracing events written in a handler's format.
//! - `files`: plain, size-rotated and time-rotated log files.
//! - `watched`: log files opened again when logrotate or another process renames or deletes them.
//! - `journal`: systemd journal detection and priority prefixes.
//! - `subscriber`: the layers and their writers.

mod files;
mod format;
pub mod journal;
pub mod literal;
mod record;
mod routing;
mod settings;
mod subscriber;
mod watched;

pub use format::{DEFAULT_FORMAT, FormatError, RecordFormat};
pub use settings::{
    Destination, HandlerClass, HandlerSettings, InvalidSetting, LoggerSettings, LoggingConfig, Period, destination,
    parse_handler_class, parse_level,
};
pub use subscriber::{ConsoleFormat, LogGuard, check_log_files, install};
