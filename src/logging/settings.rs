//! The typed logging configuration, as the config file's logging sections describe it, and the
//! conversions from Python's level names, handler classes and handler arguments.

use std::path::{Path, PathBuf};

use tracing_subscriber::filter::LevelFilter;

use super::format::RecordFormat;
use super::literal::Literal;
use crate::config::Location;

/// The logging sections of a config file: loggers, and the handlers they send records to.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggingConfig {
    /// The root logger. Its level is always set.
    pub root: LoggerSettings,
    /// The `[logger_NAME]` sections other than the root, in the order of `[loggers]`.
    pub loggers: Vec<LoggerSettings>,
    /// The handlers listed in `[handlers]`, in that order. Loggers refer to them by index.
    pub handlers: Vec<HandlerSettings>,
}

/// A logger: the records of a tracing target and the targets below it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggerSettings {
    /// The tracing target, such as `caravan::decider` for the qualname `caravan.decider`, or an
    /// empty string for the root.
    pub target: String,
    /// Minimum level, or `None` (NOTSET) to take the level of the closest configured parent.
    pub level: Option<LevelFilter>,
    /// Indexes of the logger's handlers in [`LoggingConfig::handlers`].
    pub handlers: Vec<usize>,
    /// Whether records also go to the handlers of the parent loggers.
    pub propagate: bool,
}

/// A handler: where records go, from which level, in which format.
#[derive(Debug, Clone, PartialEq)]
pub struct HandlerSettings {
    /// The name in `[handlers]`.
    pub name: String,
    pub destination: Destination,
    /// Minimum level of the records the handler writes; `TRACE` for NOTSET.
    pub level: LevelFilter,
    pub format: RecordFormat,
    /// The `[handler_NAME]` section's header, or the `args` line for errors about the file.
    pub location: Location,
}

/// Destination of a handler's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stderr,
    Stdout,
    /// `NullHandler`: records are dropped.
    Discard,
    /// `FileHandler`: one file, appended to, or emptied at start-up when `truncate` is set.
    File {
        path: PathBuf,
        truncate: bool,
    },
    /// `WatchedFileHandler`: a `File` that is opened again, and created if needed, when the path
    /// no longer names it, as after logrotate renamed or deleted it.
    WatchedFile {
        path: PathBuf,
        truncate: bool,
    },
    /// `RotatingFileHandler`: the file is renamed to `.1` (and older ones to `.2`, `.3`…)
    /// before a record would make it reach `max_bytes`.
    SizeRotating {
        path: PathBuf,
        max_bytes: u64,
        backup_count: u32,
    },
    /// `TimedRotatingFileHandler`: a new file each period, at most `backup_count` old ones kept
    /// (all when 0).
    TimeRotating {
        path: PathBuf,
        period: Period,
        backup_count: u32,
    },
}

impl Destination {
    /// The file the handler writes, if it writes one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Destination::File { path, .. }
            | Destination::WatchedFile { path, .. }
            | Destination::SizeRotating { path, .. }
            | Destination::TimeRotating { path, .. } => Some(path),
            Destination::Stderr | Destination::Stdout | Destination::Discard => None,
        }
    }
}

/// How often a time-rotated file starts anew, at boundaries in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Minutely,
    Hourly,
    Daily,
    /// At midnight between Saturday and Sunday.
    Weekly,
}

/// A logging value that caravan cannot use: the reason and a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct InvalidSetting {
    pub reason: String,
    pub hint: Option<String>,
}

impl InvalidSetting {
    fn new(reason: impl Into<String>, hint: impl Into<String>) -> InvalidSetting {
        InvalidSetting {
            reason: reason.into(),
            hint: Some(hint.into()),
        }
    }
}

/// Python's level names. CRITICAL and FATAL are tracing's ERROR, its highest level.
const LEVELS: [(&str, Option<LevelFilter>); 8] = [
    ("CRITICAL", Some(LevelFilter::ERROR)),
    ("FATAL", Some(LevelFilter::ERROR)),
    ("ERROR", Some(LevelFilter::ERROR)),
    ("WARNING", Some(LevelFilter::WARN)),
    ("WARN", Some(LevelFilter::WARN)),
    ("INFO", Some(LevelFilter::INFO)),
    ("DEBUG", Some(LevelFilter::DEBUG)),
    ("NOTSET", None),
];

/// Parses a Python level name. Returns `None` for NOTSET.
///
/// Python's logging accepts the names in upper case only, so `debug` is rejected with a hint, and
/// the file stays valid for Python tools that read it.
pub fn parse_level(text: &str) -> Result<Option<LevelFilter>, InvalidSetting> {
    if let Some((_, level)) = LEVELS.iter().find(|(name, _)| *name == text) {
        return Ok(*level);
    }

    let names: Vec<&str> = LEVELS.iter().map(|(name, _)| *name).collect();
    let hint = match names.iter().find(|name| name.eq_ignore_ascii_case(text)) {
        Some(name) => format!("write '{name}': Python's logging accepts level names in upper case only"),
        None => format!("use one of {}", names.join(", ")),
    };
    Err(InvalidSetting {
        reason: "unknown level name".to_string(),
        hint: Some(hint),
    })
}

/// The handler classes caravan supports, as `class` names them, with or without `logging.`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerClass {
    Stream,
    File,
    Null,
    Watched,
    Rotating,
    TimedRotating,
}

const HANDLER_CLASSES: [(&str, HandlerClass); 6] = [
    ("StreamHandler", HandlerClass::Stream),
    ("FileHandler", HandlerClass::File),
    ("NullHandler", HandlerClass::Null),
    ("handlers.WatchedFileHandler", HandlerClass::Watched),
    ("handlers.RotatingFileHandler", HandlerClass::Rotating),
    ("handlers.TimedRotatingFileHandler", HandlerClass::TimedRotating),
];

/// Parses `class` of a `[handler_NAME]` section, such as `StreamHandler`,
/// `logging.StreamHandler` or `logging.handlers.RotatingFileHandler`.
pub fn parse_handler_class(text: &str) -> Result<HandlerClass, InvalidSetting> {
    let name = text.strip_prefix("logging.").unwrap_or(text);
    if let Some((_, class)) = HANDLER_CLASSES.iter().find(|(known, _)| *known == name) {
        return Ok(*class);
    }

    let known: Vec<&str> = HANDLER_CLASSES.iter().map(|(known, _)| *known).collect();
    let hint = match known.iter().find(|known| known.ends_with(&format!(".{name}"))) {
        Some(full) => format!("write 'class = {full}', as Python's logging names it"),
        None => format!("the supported classes are {}", known.join(", ")),
    };
    Err(InvalidSetting {
        reason: "unknown or unsupported handler class".to_string(),
        hint: Some(hint),
    })
}

/// Parameters of a handler class in Python's order. Parameters caravan accepts but has no use
/// for are listed too, so that a Python file's arguments are not rejected.
fn parameters(class: HandlerClass) -> &'static [&'static str] {
    match class {
        HandlerClass::Stream => &["stream"],
        HandlerClass::Null => &[],
        HandlerClass::File | HandlerClass::Watched => &["filename", "mode", "encoding", "delay", "errors"],
        HandlerClass::Rotating => &[
            "filename",
            "mode",
            "maxBytes",
            "backupCount",
            "encoding",
            "delay",
            "errors",
        ],
        HandlerClass::TimedRotating => &[
            "filename",
            "when",
            "interval",
            "backupCount",
            "encoding",
            "delay",
            "utc",
            "atTime",
            "errors",
        ],
    }
}

/// The arguments of a handler bound to its parameters by name, as a Python call binds them.
struct Arguments {
    class: HandlerClass,
    values: Vec<(&'static str, Literal)>,
}

impl Arguments {
    fn get(&self, name: &str) -> Option<&Literal> {
        self.values
            .iter()
            .find(|(parameter, _)| *parameter == name)
            .map(|(_, value)| value)
    }

    fn string(&self, name: &str) -> Result<Option<&str>, InvalidSetting> {
        match self.get(name) {
            None | Some(Literal::None) => Ok(None),
            Some(Literal::Str(text)) => Ok(Some(text)),
            Some(other) => Err(wrong_type(name, "a string", other)),
        }
    }

    fn integer(&self, name: &str, maximum: u64) -> Result<Option<u64>, InvalidSetting> {
        match self.get(name) {
            None => Ok(None),
            Some(Literal::Int(number)) => u64::try_from(*number)
                .ok()
                .filter(|number| *number <= maximum)
                .map(Some)
                .ok_or_else(|| {
                    InvalidSetting::new(
                        format!("{name} is {number}, outside 0 to {maximum}"),
                        format!("give {name} as a whole number from 0 to {maximum}"),
                    )
                }),
            Some(other) => Err(wrong_type(name, "a whole number", other)),
        }
    }

    fn boolean(&self, name: &str) -> Result<bool, InvalidSetting> {
        match self.get(name) {
            None | Some(Literal::None) => Ok(false),
            Some(Literal::Bool(value)) => Ok(*value),
            Some(Literal::Int(number)) => Ok(*number != 0),
            Some(other) => Err(wrong_type(name, "True or False", other)),
        }
    }
}

fn wrong_type(name: &str, expected: &str, found: &Literal) -> InvalidSetting {
    InvalidSetting::new(
        format!("{name} must be {expected}, not {found}"),
        format!("give {name} as {expected}"),
    )
}

/// Binds `args` (a tuple) and `kwargs` (a dict) to the class's parameters, rejecting what a
/// Python call would reject: too many arguments, unknown keywords, and a parameter given twice.
fn bind(class: HandlerClass, args: Literal, kwargs: Literal) -> Result<Arguments, InvalidSetting> {
    let parameters = parameters(class);
    let Literal::Tuple(positional) = args else {
        return Err(InvalidSetting::new(
            format!("args must be a tuple, not {}", args.type_name()),
            "write the arguments in parentheses with a comma after each, as in ('caravan.log',)",
        ));
    };
    let Literal::Dict(keywords) = kwargs else {
        return Err(InvalidSetting::new(
            format!("kwargs must be a dict, not {}", kwargs.type_name()),
            "write keyword arguments as a dict, as in {'backupCount': 5}",
        ));
    };

    if positional.len() > parameters.len() {
        return Err(InvalidSetting::new(
            format!(
                "too many arguments: {} given, but the class takes at most {}",
                positional.len(),
                parameters.len()
            ),
            format!("the parameters are: {}", parameter_list(parameters)),
        ));
    }
    let mut values: Vec<(&'static str, Literal)> = parameters.iter().copied().zip(positional).collect();

    for (key, value) in keywords {
        let Literal::Str(key) = key else {
            return Err(InvalidSetting::new(
                format!("kwargs key {key} is not a string"),
                "quote each keyword, as in {'backupCount': 5}",
            ));
        };
        let Some(parameter) = parameters.iter().find(|parameter| **parameter == key) else {
            return Err(InvalidSetting::new(
                format!("unknown keyword argument '{key}'"),
                format!("the parameters are: {}", parameter_list(parameters)),
            ));
        };
        if values.iter().any(|(bound, _)| bound == parameter) {
            return Err(InvalidSetting::new(
                format!("argument '{key}' given twice, in args and in kwargs"),
                "give each argument once",
            ));
        }
        values.push((parameter, value));
    }
    Ok(Arguments { class, values })
}

fn parameter_list(parameters: &[&str]) -> String {
    if parameters.is_empty() {
        return "none".to_string();
    }
    parameters.join(", ")
}

/// Maximum `backupCount`: far more old files than anyone keeps, but a bound on the renames at
/// each rotation.
const MAX_BACKUP_COUNT: u64 = 10_000;

/// Builds a handler's destination from its class, `args` and `kwargs`. A relative file name
/// starts from `folder`, the config file's folder.
pub fn destination(
    class: HandlerClass,
    args: Literal,
    kwargs: Literal,
    folder: &Path,
) -> Result<Destination, InvalidSetting> {
    let arguments = bind(class, args, kwargs)?;
    check_encoding(&arguments)?;

    match class {
        HandlerClass::Stream => stream(&arguments),
        HandlerClass::Null => Ok(Destination::Discard),
        HandlerClass::File => {
            let path = file_path(&arguments, folder)?;
            let truncate = mode(&arguments)? == "w";
            Ok(Destination::File { path, truncate })
        }
        HandlerClass::Watched => {
            let path = file_path(&arguments, folder)?;
            let truncate = mode(&arguments)? == "w";
            Ok(Destination::WatchedFile { path, truncate })
        }
        HandlerClass::Rotating => rotating(&arguments, folder),
        HandlerClass::TimedRotating => timed_rotating(&arguments, folder),
    }
}

fn stream(arguments: &Arguments) -> Result<Destination, InvalidSetting> {
    match arguments.get("stream") {
        None | Some(Literal::None) => Ok(Destination::Stderr),
        Some(Literal::Name(name)) if name == "sys.stderr" => Ok(Destination::Stderr),
        Some(Literal::Name(name)) if name == "sys.stdout" => Ok(Destination::Stdout),
        Some(other) => Err(InvalidSetting::new(
            format!("unsupported stream {other}"),
            "write args = (sys.stderr,) or args = (sys.stdout,)",
        )),
    }
}

fn rotating(arguments: &Arguments, folder: &Path) -> Result<Destination, InvalidSetting> {
    let path = file_path(arguments, folder)?;
    let max_bytes = arguments.integer("maxBytes", u64::MAX)?.unwrap_or(0);
    let backup_count = arguments.integer("backupCount", MAX_BACKUP_COUNT)?.unwrap_or(0);
    let mode = mode(arguments)?;

    // As in Python, the file never rotates when either number is 0, and a rotating file is always
    // appended to.
    if max_bytes == 0 || backup_count == 0 {
        return Ok(Destination::File {
            path,
            truncate: mode == "w" && max_bytes == 0,
        });
    }
    Ok(Destination::SizeRotating {
        path,
        max_bytes,
        backup_count: u32::try_from(backup_count).unwrap_or(u32::MAX),
    })
}

fn timed_rotating(arguments: &Arguments, folder: &Path) -> Result<Destination, InvalidSetting> {
    let path = file_path(arguments, folder)?;
    let when = arguments.string("when")?.unwrap_or("h");
    let interval = arguments.integer("interval", u64::MAX)?.unwrap_or(1);
    let backup_count = arguments.integer("backupCount", MAX_BACKUP_COUNT)?.unwrap_or(0);

    let period = match when.to_uppercase().as_str() {
        "MIDNIGHT" | "D" => Period::Daily,
        "H" => Period::Hourly,
        "M" => Period::Minutely,
        "W6" => Period::Weekly,
        other if other.starts_with('W') => {
            return Err(InvalidSetting::new(
                format!("unsupported when '{when}': weekly files start on Sunday only"),
                "write 'W6' (Sunday), or 'midnight' for a file per day",
            ));
        }
        _ => {
            return Err(InvalidSetting::new(
                format!("unsupported when '{when}'"),
                "write 'midnight', 'D', 'H', 'M' or 'W6'",
            ));
        }
    };
    if interval != 1 {
        return Err(InvalidSetting::new(
            format!("unsupported interval {interval}: caravan starts a new file every period"),
            "leave interval out or set it to 1",
        ));
    }
    if !matches!(arguments.get("atTime"), None | Some(Literal::None)) {
        return Err(InvalidSetting::new(
            "atTime is not supported: files start anew at the start of each period",
            "leave atTime out",
        ));
    }
    // NOTE: Python starts a new file at local midnight unless `utc` is true, but tracing-appender
    // 0.2.5 rotates at UTC boundaries only, so `utc` is accepted and has no effect.
    arguments.boolean("utc")?;
    arguments.boolean("delay")?;

    Ok(Destination::TimeRotating {
        path,
        period,
        backup_count: u32::try_from(backup_count).unwrap_or(u32::MAX),
    })
}

fn file_path(arguments: &Arguments, folder: &Path) -> Result<PathBuf, InvalidSetting> {
    let Some(filename) = arguments.string("filename")? else {
        return Err(InvalidSetting::new(
            "missing filename, the first argument",
            "write the file's path first, as in args = ('/var/log/caravan/caravan.log', 'a')",
        ));
    };
    if filename.is_empty() {
        return Err(InvalidSetting::new(
            "the filename is empty",
            "write the file's path first, as in args = ('/var/log/caravan/caravan.log', 'a')",
        ));
    }
    // `delay` only postpones opening the file in Python. caravan opens every file at start-up,
    // so that a file it cannot open is reported at once.
    arguments.boolean("delay")?;
    Ok(folder.join(filename))
}

fn mode(arguments: &Arguments) -> Result<&str, InvalidSetting> {
    let mode = arguments.string("mode")?.unwrap_or("a");
    match mode {
        "a" | "w" => Ok(mode),
        _ => Err(InvalidSetting::new(
            format!("unsupported mode '{mode}'"),
            "write 'a' to append to the file or 'w' to empty it at start-up",
        )),
    }
}

/// Accepts the encodings that are UTF-8, the only one caravan writes.
fn check_encoding(arguments: &Arguments) -> Result<(), InvalidSetting> {
    if arguments.class == HandlerClass::Stream || arguments.class == HandlerClass::Null {
        return Ok(());
    }
    let Some(encoding) = arguments.string("encoding")? else {
        return Ok(());
    };

    let normalized = encoding.to_lowercase().replace(['-', '_'], "");
    if normalized != "utf8" {
        return Err(InvalidSetting::new(
            format!("unsupported encoding '{encoding}': caravan writes UTF-8"),
            "write 'utf-8' or leave the encoding out",
        ));
    }
    arguments.string("errors")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logging::literal;

    fn destination_of(class: &str, args: &str, kwargs: &str) -> Result<Destination, InvalidSetting> {
        let class = parse_handler_class(class).unwrap();
        let args = literal::parse(args).unwrap();
        let kwargs = literal::parse(kwargs).unwrap();
        destination(class, args, kwargs, Path::new("/etc/caravan"))
    }

    #[test]
    fn levels_map_to_tracing() {
        let cases = [
            ("CRITICAL", Some(LevelFilter::ERROR)),
            ("FATAL", Some(LevelFilter::ERROR)),
            ("ERROR", Some(LevelFilter::ERROR)),
            ("WARNING", Some(LevelFilter::WARN)),
            ("WARN", Some(LevelFilter::WARN)),
            ("INFO", Some(LevelFilter::INFO)),
            ("DEBUG", Some(LevelFilter::DEBUG)),
            ("NOTSET", None),
        ];

        for (name, level) in cases {
            assert_eq!(parse_level(name), Ok(level), "{name}");
        }
    }

    #[test]
    fn unknown_levels_rejected() {
        let lower = parse_level("debug").unwrap_err();
        let unknown = parse_level("VERBOSE").unwrap_err();
        let number = parse_level("10").unwrap_err();

        assert_eq!(lower.reason, "unknown level name");
        assert_eq!(
            lower.hint.as_deref(),
            Some("write 'DEBUG': Python's logging accepts level names in upper case only")
        );
        assert_eq!(
            unknown.hint.as_deref(),
            Some("use one of CRITICAL, FATAL, ERROR, WARNING, WARN, INFO, DEBUG, NOTSET")
        );
        assert_eq!(number.reason, "unknown level name");
    }

    #[test]
    fn handler_class_names() {
        let cases = [
            ("StreamHandler", HandlerClass::Stream),
            ("logging.StreamHandler", HandlerClass::Stream),
            ("FileHandler", HandlerClass::File),
            ("logging.NullHandler", HandlerClass::Null),
            ("handlers.WatchedFileHandler", HandlerClass::Watched),
            ("logging.handlers.WatchedFileHandler", HandlerClass::Watched),
            ("handlers.RotatingFileHandler", HandlerClass::Rotating),
            ("logging.handlers.RotatingFileHandler", HandlerClass::Rotating),
            ("logging.handlers.TimedRotatingFileHandler", HandlerClass::TimedRotating),
        ];

        for (text, class) in cases {
            assert_eq!(parse_handler_class(text), Ok(class), "{text}");
        }
    }

    #[test]
    fn unknown_handler_classes_rejected() {
        let short = parse_handler_class("RotatingFileHandler").unwrap_err();
        let other = parse_handler_class("handlers.SysLogHandler").unwrap_err();

        assert_eq!(
            short.hint.as_deref(),
            Some("write 'class = handlers.RotatingFileHandler', as Python's logging names it")
        );
        assert_eq!(other.reason, "unknown or unsupported handler class");
        assert!(
            other
                .hint
                .as_deref()
                .unwrap_or("")
                .starts_with("the supported classes are StreamHandler")
        );
    }

    #[test]
    fn stream_destinations() {
        assert_eq!(destination_of("StreamHandler", "()", "{}"), Ok(Destination::Stderr));
        assert_eq!(
            destination_of("StreamHandler", "(sys.stderr,)", "{}"),
            Ok(Destination::Stderr)
        );
        assert_eq!(
            destination_of("StreamHandler", "(sys.stdout,)", "{}"),
            Ok(Destination::Stdout)
        );
        assert_eq!(
            destination_of("StreamHandler", "()", "{'stream': sys.stdout}"),
            Ok(Destination::Stdout)
        );
        assert_eq!(destination_of("NullHandler", "()", "{}"), Ok(Destination::Discard));
    }

    #[test]
    fn watched_file_destinations() {
        assert_eq!(
            destination_of("handlers.WatchedFileHandler", "('caravan.log',)", "{}"),
            Ok(Destination::WatchedFile {
                path: PathBuf::from("/etc/caravan/caravan.log"),
                truncate: false
            })
        );
        assert_eq!(
            destination_of(
                "logging.handlers.WatchedFileHandler",
                "('/var/log/caravan.log', 'w', 'utf-8', False, 'strict')",
                "{}"
            ),
            Ok(Destination::WatchedFile {
                path: PathBuf::from("/var/log/caravan.log"),
                truncate: true
            })
        );
        assert_eq!(
            destination_of("handlers.WatchedFileHandler", "('c.log', 'r')", "{}")
                .unwrap_err()
                .reason,
            "unsupported mode 'r'"
        );
    }

    #[test]
    fn file_destinations() {
        assert_eq!(
            destination_of("FileHandler", "('caravan.log',)", "{}"),
            Ok(Destination::File {
                path: PathBuf::from("/etc/caravan/caravan.log"),
                truncate: false
            })
        );
        assert_eq!(
            destination_of(
                "FileHandler",
                "('/var/log/caravan.log', 'w', 'UTF-8')",
                "{'delay': True}"
            ),
            Ok(Destination::File {
                path: PathBuf::from("/var/log/caravan.log"),
                truncate: true
            })
        );
    }

    #[test]
    fn rotating_destinations() {
        assert_eq!(
            destination_of(
                "handlers.RotatingFileHandler",
                "('/var/log/caravan/caravan.log', 'a', 10485760, 5)",
                "{}"
            ),
            Ok(Destination::SizeRotating {
                path: PathBuf::from("/var/log/caravan/caravan.log"),
                max_bytes: 10_485_760,
                backup_count: 5
            })
        );
        assert_eq!(
            destination_of(
                "handlers.RotatingFileHandler",
                "('c.log',)",
                "{'maxBytes': 10*1024*1024, 'backupCount': 3}"
            ),
            Ok(Destination::SizeRotating {
                path: PathBuf::from("/etc/caravan/c.log"),
                max_bytes: 10_485_760,
                backup_count: 3
            })
        );
        assert_eq!(
            destination_of("handlers.RotatingFileHandler", "('c.log', 'a', 1024)", "{}"),
            Ok(Destination::File {
                path: PathBuf::from("/etc/caravan/c.log"),
                truncate: false
            }),
            "without backupCount the file never rotates"
        );
    }

    #[test]
    fn timed_rotating_destinations() {
        let cases = [
            ("('c.log', 'midnight', 1, 7)", Period::Daily, 7),
            ("('c.log', 'D')", Period::Daily, 0),
            ("('c.log', 'h')", Period::Hourly, 0),
            ("('c.log',)", Period::Hourly, 0),
            ("('c.log', 'M', 1, 2, None, False, True)", Period::Minutely, 2),
            ("('c.log', 'W6')", Period::Weekly, 0),
        ];

        for (args, period, backup_count) in cases {
            assert_eq!(
                destination_of("handlers.TimedRotatingFileHandler", args, "{}"),
                Ok(Destination::TimeRotating {
                    path: PathBuf::from("/etc/caravan/c.log"),
                    period,
                    backup_count
                }),
                "{args}"
            );
        }
    }

    #[test]
    fn invalid_arguments_rejected() {
        let cases = [
            ("FileHandler", "('c.log')", "{}", "args must be a tuple, not a string"),
            ("FileHandler", "()", "{}", "missing filename, the first argument"),
            ("FileHandler", "('',)", "{}", "the filename is empty"),
            ("FileHandler", "(5,)", "{}", "filename must be a string, not 5"),
            ("FileHandler", "('c.log', 'r')", "{}", "unsupported mode 'r'"),
            (
                "FileHandler",
                "('c.log', 'a', 'latin-1')",
                "{}",
                "unsupported encoding 'latin-1': caravan writes UTF-8",
            ),
            (
                "FileHandler",
                "('c.log',)",
                "{'mod': 'a'}",
                "unknown keyword argument 'mod'",
            ),
            (
                "FileHandler",
                "('c.log', 'a')",
                "{'mode': 'a'}",
                "argument 'mode' given twice, in args and in kwargs",
            ),
            (
                "FileHandler",
                "('c.log',)",
                "('a',)",
                "kwargs must be a dict, not a tuple",
            ),
            (
                "FileHandler",
                "('c.log', 'a', None, False, None, 1)",
                "{}",
                "too many arguments: 6 given, but the class takes at most 5",
            ),
            (
                "NullHandler",
                "(1,)",
                "{}",
                "too many arguments: 1 given, but the class takes at most 0",
            ),
            ("StreamHandler", "('stderr',)", "{}", "unsupported stream 'stderr'"),
            ("StreamHandler", "(sys.stdin,)", "{}", "unsupported stream sys.stdin"),
            (
                "handlers.RotatingFileHandler",
                "('c.log', 'a', -1, 5)",
                "{}",
                "maxBytes is -1, outside 0 to 18446744073709551615",
            ),
            (
                "handlers.RotatingFileHandler",
                "('c.log', 'a', '10MB', 5)",
                "{}",
                "maxBytes must be a whole number, not '10MB'",
            ),
            (
                "handlers.RotatingFileHandler",
                "('c.log', 'a', 1024, 100000)",
                "{}",
                "backupCount is 100000, outside 0 to 10000",
            ),
            (
                "handlers.TimedRotatingFileHandler",
                "('c.log', 'S')",
                "{}",
                "unsupported when 'S'",
            ),
            (
                "handlers.TimedRotatingFileHandler",
                "('c.log', 'W0')",
                "{}",
                "unsupported when 'W0': weekly files start on Sunday only",
            ),
            (
                "handlers.TimedRotatingFileHandler",
                "('c.log', 'H', 2)",
                "{}",
                "unsupported interval 2: caravan starts a new file every period",
            ),
            (
                "handlers.TimedRotatingFileHandler",
                "('c.log', 'H')",
                "{'atTime': 5}",
                "atTime is not supported: files start anew at the start of each period",
            ),
            (
                "handlers.TimedRotatingFileHandler",
                "('c.log', 'H')",
                "{'utc': 'yes'}",
                "utc must be True or False, not 'yes'",
            ),
        ];

        for (class, args, kwargs, reason) in cases {
            let error = destination_of(class, args, kwargs).expect_err(args);
            assert_eq!(error.reason, reason, "{class} {args} {kwargs}");
            assert!(error.hint.is_some(), "{class} {args} {kwargs}");
        }
    }
}
