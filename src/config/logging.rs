//! Stage 2 for the logging sections: `[loggers]`, `[handlers]`, `[formatters]` and the
//! `[logger_NAME]`, `[handler_NAME]` and `[formatter_NAME]` sections they list, read as Python's
//! `logging.config.fileConfig` reads them.
//!
//! As in Paster, the sections configure logging only when the file has a `[loggers]` section.
//! `format`, `datefmt` and `style` are read without interpolation, as fileConfig reads them, so
//! they can hold `%(asctime)s`. Sections that no `keys` list names are ignored, as in Python.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use tracing_subscriber::filter::LevelFilter;

use super::error::{ConfigError, escape, quote};
use super::ini::Document;
use super::reader::{Lookup, Reader};
use super::values::{self, Invalid, describe_key};
use crate::logging::{self, HandlerSettings, LoggerSettings, LoggingConfig, RecordFormat, literal};

const LIST_SECTIONS: [(&str, &str); 3] = [
    ("loggers", "logger_"),
    ("handlers", "handler_"),
    ("formatters", "formatter_"),
];
const LIST_KEYS: [&str; 1] = ["keys"];
const ROOT_LOGGER_KEYS: [&str; 2] = ["level", "handlers"];
const LOGGER_KEYS: [&str; 4] = ["level", "handlers", "qualname", "propagate"];
const HANDLER_KEYS: [&str; 5] = ["class", "args", "kwargs", "level", "formatter"];
const FORMATTER_KEYS: [&str; 5] = ["format", "datefmt", "style", "validate", "class"];

/// Name of the root logger in `[loggers]`.
const ROOT: &str = "root";

/// Reads the logging sections. Returns `None` when the file has no `[loggers]` section or when
/// an error was recorded.
pub(super) fn read_logging(document: &Document, errors: &mut Vec<ConfigError>) -> Option<LoggingConfig> {
    document.section("loggers")?;
    let errors_before = errors.len();

    let formatters = read_formatters(document, errors);
    let handlers = read_handlers(document, &formatters, errors);
    let handler_names: HashMap<&str, usize> = handlers
        .iter()
        .enumerate()
        .map(|(index, handler)| (handler.name.as_str(), index))
        .collect();
    let (root, loggers) = read_loggers(document, &handler_names, errors)?;

    if errors.len() > errors_before {
        return None;
    }
    Some(LoggingConfig {
        root,
        loggers,
        handlers,
    })
}

/// A name in a `keys` list and the line of that list.
struct Listed {
    name: String,
    line: u32,
}

/// Reads the names in `keys` of `[list]`, such as `[handlers]`, and checks that each has its
/// section, such as `[handler_NAME]`. Returns only the names that do. A missing `[list]`
/// section lists nothing, except for `[loggers]`, which must exist.
fn read_list(document: &Document, list: &str, errors: &mut Vec<ConfigError>) -> Vec<Listed> {
    let Some(section) = document.section(list) else {
        return Vec::new();
    };
    let prefix = LIST_SECTIONS
        .iter()
        .find(|(name, _)| *name == list)
        .map_or("", |(_, prefix)| *prefix);
    let reader = &mut Reader::new(document, section, errors);
    reader.check_keys(&LIST_KEYS, &format!("[{list}]"));

    // As in Python, `keys =` with no names is valid in [handlers] and [formatters], but [loggers]
    // must list the root.
    if list != "loggers"
        && let Lookup::Empty(_) = reader.lookup("keys")
    {
        return Vec::new();
    }
    let hint = format!("add 'keys = NAME, ...' with the names of the [{prefix}NAME] sections");
    let Some((text, line)) = reader.required_text("keys", &hint) else {
        return Vec::new();
    };

    let location = Some(document.location(line));
    let mut seen = HashSet::new();
    let mut listed = Vec::new();
    for name in text.split(',').map(str::trim).filter(|name| !name.is_empty()) {
        if !seen.insert(name) {
            let message = format!("{} listed twice in 'keys' of [{list}]", quote(name));
            errors.push(ConfigError::new(location.clone(), message).with_hint("remove the second mention"));
            continue;
        }
        if document.section(&format!("{prefix}{name}")).is_none() {
            let message = format!(
                "{} is listed in 'keys' of [{list}], but the file has no [{prefix}{}] section",
                quote(name),
                escape(name)
            );
            let hint = format!(
                "add a [{prefix}{}] section, or remove the name from the list",
                escape(name)
            );
            errors.push(ConfigError::new(location.clone(), message).with_hint(hint));
            continue;
        }
        listed.push(Listed {
            name: name.to_string(),
            line,
        });
    }
    listed
}

fn read_formatters(document: &Document, errors: &mut Vec<ConfigError>) -> HashMap<String, RecordFormat> {
    let mut formatters = HashMap::new();
    for listed in read_list(document, "formatters", errors) {
        let Some(section) = document.section(&format!("formatter_{}", listed.name)) else {
            continue;
        };
        let reader = &mut Reader::new(document, section, errors);
        if let Some(format) = read_formatter(reader) {
            formatters.insert(listed.name, format);
        }
    }
    formatters
}

fn read_formatter(reader: &mut Reader) -> Option<RecordFormat> {
    reader.check_keys(&FORMATTER_KEYS, "[formatter_NAME]");
    let errors_before = reader.errors.len();

    if let Some((class, line)) = raw_value(reader, "class")
        && !matches!(class.as_str(), "Formatter" | "logging.Formatter")
    {
        let invalid = Invalid::new("caravan supports logging.Formatter only").with_hint("remove the class key");
        push_invalid(reader, "class", &class, line, invalid);
    }
    if let Some((style, line)) = raw_value(reader, "style")
        && style != "%"
    {
        let invalid = Invalid::new("caravan supports the '%' style only")
            .with_hint("write fields as %(name)s and remove the style key");
        push_invalid(reader, "style", &style, line, invalid);
        // The format is written for that style, so its errors would only repeat this one.
        return None;
    }
    // Python checks the format when `validate` is true; caravan always does.
    reader.optional("validate", values::parse_bool);

    let format = raw_value(reader, "format");
    let date_format = raw_value(reader, "datefmt");
    let text = format
        .as_ref()
        .map_or(logging::DEFAULT_FORMAT, |(text, _)| text.as_str());
    let parsed = RecordFormat::parse(text, date_format.as_ref().map(|(text, _)| text.as_str()));

    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            // A date format error is about `datefmt`; every other one is about `format`.
            let (key, (text, line)) = match (error.reason.starts_with("invalid date format"), &date_format, &format) {
                (true, Some(date_format), _) => ("datefmt", date_format.clone()),
                (_, _, Some(format)) => ("format", format.clone()),
                _ => ("format", (text.to_string(), reader.section.line())),
            };
            let invalid = Invalid {
                reason: error.reason,
                hint: error.hint,
            };
            push_invalid(reader, key, &text, line, invalid);
            return None;
        }
    };

    (reader.errors.len() == errors_before).then_some(parsed)
}

/// Reads a value without interpolation, as fileConfig reads `format`, `datefmt`, `style` and a
/// formatter's `class`. An empty value counts as not set.
fn raw_value(reader: &Reader, key: &str) -> Option<(String, u32)> {
    let entry = reader.document.raw(reader.section.name(), key)?;
    (!entry.value.is_empty()).then(|| (entry.value.clone(), entry.line))
}

fn push_invalid(reader: &mut Reader, key: &str, text: &str, line: u32, invalid: Invalid) {
    let location = Some(reader.document.location(line));
    let error = invalid.into_error(key, Some(reader.section.name()), text, location);
    reader.errors.push(error);
}

fn read_handlers(
    document: &Document,
    formatters: &HashMap<String, RecordFormat>,
    errors: &mut Vec<ConfigError>,
) -> Vec<HandlerSettings> {
    let mut handlers = Vec::new();
    let mut paths: HashMap<std::path::PathBuf, String> = HashMap::new();

    for listed in read_list(document, "handlers", errors) {
        let Some(section) = document.section(&format!("handler_{}", listed.name)) else {
            continue;
        };
        let reader = &mut Reader::new(document, section, errors);
        let Some(handler) = read_handler(reader, &listed.name, formatters) else {
            continue;
        };

        // Two handlers on one file would rotate it under each other.
        if let Some(path) = handler.destination.path() {
            if let Some(first) = paths.get(path) {
                let message = format!(
                    "[handler_{}] and [handler_{first}] both write to '{}'",
                    escape(&listed.name),
                    path.display()
                );
                let hint = "give each handler its own file, or list one handler in several loggers";
                errors.push(ConfigError::new(Some(handler.location.clone()), message).with_hint(hint));
                continue;
            }
            paths.insert(path.to_path_buf(), listed.name.clone());
        }
        handlers.push(handler);
    }
    handlers
}

fn read_handler(
    reader: &mut Reader,
    name: &str,
    formatters: &HashMap<String, RecordFormat>,
) -> Option<HandlerSettings> {
    reader.check_keys(&HANDLER_KEYS, "[handler_NAME]");
    let errors_before = reader.errors.len();

    let class = reader.required(
        "class",
        "add 'class = StreamHandler', or another class such as handlers.RotatingFileHandler",
        |text| logging::parse_handler_class(text).map_err(invalid_setting),
    );
    let args = reader.optional("args", parse_literal);
    let kwargs = reader.optional("kwargs", parse_literal);
    let level = reader
        .optional("level", |text| logging::parse_level(text).map_err(invalid_setting))
        .flatten()
        .unwrap_or(LevelFilter::TRACE);
    let format = read_handler_formatter(reader, formatters);

    let arguments_line = ["args", "kwargs"].into_iter().find_map(|key| match reader.lookup(key) {
        Lookup::Set(_, line) | Lookup::Empty(line) => Some(line),
        Lookup::Absent | Lookup::Failed => None,
    });
    let location = reader
        .document
        .location(arguments_line.unwrap_or(reader.section.line()));
    if reader.errors.len() > errors_before {
        return None;
    }

    let folder = reader.document.path().parent().unwrap_or(Path::new("/"));
    let args = args.unwrap_or(literal::Literal::Tuple(Vec::new()));
    let kwargs = kwargs.unwrap_or(literal::Literal::Dict(Vec::new()));
    let destination = match logging::destination(class?, args, kwargs, folder) {
        Ok(destination) => destination,
        Err(invalid) => {
            let message = format!(
                "invalid handler arguments in [{}]: {}",
                escape(reader.section.name()),
                invalid.reason
            );
            let mut error = ConfigError::new(Some(location), message);
            error.hint = invalid.hint;
            reader.errors.push(error);
            return None;
        }
    };

    Some(HandlerSettings {
        name: name.to_string(),
        destination,
        level,
        format: format?,
        location,
    })
}

/// Reads `formatter`, which must name a formatter listed in `[formatters]`. A handler without
/// one writes the bare message, as in Python.
fn read_handler_formatter(reader: &mut Reader, formatters: &HashMap<String, RecordFormat>) -> Option<RecordFormat> {
    let (name, line) = match reader.lookup("formatter") {
        Lookup::Set(name, line) => (name, line),
        Lookup::Absent | Lookup::Empty(_) => return Some(RecordFormat::default()),
        Lookup::Failed => return None,
    };
    let name = name.trim();
    if let Some(format) = formatters.get(name) {
        return Some(format.clone());
    }

    // A formatter that is listed but invalid already has its error.
    let listed = reader
        .document
        .section("formatters")
        .and_then(|section| section.entry("keys"))
        .is_some_and(|entry| entry.value.split(',').any(|listed| listed.trim() == name));
    if !listed {
        let message = format!(
            "formatter {} in {} not found: 'keys' of [formatters] does not list it",
            quote(name),
            describe_key("formatter", Some(reader.section.name()))
        );
        let hint = format!(
            "add {} to 'keys' in [formatters] and define [formatter_{}]",
            quote(name),
            escape(name)
        );
        let location = Some(reader.document.location(line));
        reader.errors.push(ConfigError::new(location, message).with_hint(hint));
    }
    None
}

fn read_loggers(
    document: &Document,
    handler_names: &HashMap<&str, usize>,
    errors: &mut Vec<ConfigError>,
) -> Option<(LoggerSettings, Vec<LoggerSettings>)> {
    let listed = read_list(document, "loggers", errors);
    let keys_line = listed.first().map_or_else(
        || document.section("loggers").map_or(0, |section| section.line()),
        |listed| listed.line,
    );

    let mut root = None;
    let mut loggers = Vec::new();
    let mut qualnames: HashMap<String, String> = HashMap::new();
    for listed in &listed {
        let Some(section) = document.section(&format!("logger_{}", listed.name)) else {
            continue;
        };
        let reader = &mut Reader::new(document, section, errors);
        if listed.name == ROOT {
            root = read_root_logger(reader, handler_names);
            continue;
        }
        if let Some(logger) = read_logger(reader, handler_names, &mut qualnames) {
            loggers.push(logger);
        }
    }

    let root_listed = listed.iter().any(|listed| listed.name == ROOT);
    if !root_listed
        && document
            .section("loggers")
            .and_then(|section| section.entry("keys"))
            .is_some()
    {
        let message = "the root logger is missing from 'keys' of [loggers]";
        let hint = "add root to the list, as in 'keys = root, caravan', and a [logger_root] section";
        errors.push(ConfigError::new(Some(document.location(keys_line)), message).with_hint(hint));
    }
    Some((root?, loggers))
}

fn read_root_logger(reader: &mut Reader, handler_names: &HashMap<&str, usize>) -> Option<LoggerSettings> {
    reader.check_keys(&ROOT_LOGGER_KEYS, "[logger_root]");
    let errors_before = reader.errors.len();

    // Python's root logger is at WARNING unless set, and at NOTSET it logs everything.
    let level = reader
        .optional("level", |text| logging::parse_level(text).map_err(invalid_setting))
        .map_or(Some(LevelFilter::WARN), |level| level.or(Some(LevelFilter::TRACE)));
    let handlers = read_logger_handlers(reader, handler_names);

    (reader.errors.len() == errors_before).then(|| LoggerSettings {
        target: String::new(),
        level,
        handlers,
        propagate: false,
    })
}

fn read_logger(
    reader: &mut Reader,
    handler_names: &HashMap<&str, usize>,
    qualnames: &mut HashMap<String, String>,
) -> Option<LoggerSettings> {
    reader.check_keys(&LOGGER_KEYS, "[logger_NAME]");
    let errors_before = reader.errors.len();

    let hint = "add 'qualname = NAME' with the logger's name, such as caravan.decider";
    let qualname = reader.required("qualname", hint, check_qualname);
    let level = reader
        .optional("level", |text| logging::parse_level(text).map_err(invalid_setting))
        .flatten();
    let propagate = reader.optional("propagate", parse_propagate).unwrap_or(true);
    let handlers = read_logger_handlers(reader, handler_names);

    let qualname = qualname?;
    let section = reader.section.name().to_string();
    if let Some(first) = qualnames.get(&qualname) {
        let message = format!(
            "[{}] and [{first}] both configure the logger {}",
            escape(&section),
            quote(&qualname)
        );
        let location = Some(reader.document.location(reader.section.line()));
        reader
            .errors
            .push(ConfigError::new(location, message).with_hint("merge the two sections"));
    }
    qualnames.insert(qualname.clone(), section);

    (reader.errors.len() == errors_before).then(|| LoggerSettings {
        target: qualname.replace('.', "::"),
        level,
        handlers,
        propagate,
    })
}

/// Reads `handlers`, names separated by commas, each listed in `[handlers]`.
fn read_logger_handlers(reader: &mut Reader, handler_names: &HashMap<&str, usize>) -> Vec<usize> {
    let (text, line) = match reader.lookup("handlers") {
        Lookup::Set(text, line) => (text, line),
        Lookup::Absent | Lookup::Empty(_) | Lookup::Failed => return Vec::new(),
    };

    let mut handlers = Vec::new();
    for name in text.split(',').map(str::trim).filter(|name| !name.is_empty()) {
        match handler_names.get(name) {
            Some(index) => handlers.push(*index),
            None if handler_listed(reader.document, name) => {
                // The handler is listed but invalid, and its own section has the error.
            }
            None => {
                let message = format!(
                    "handler {} in {} not found: 'keys' of [handlers] does not list it",
                    quote(name),
                    describe_key("handlers", Some(reader.section.name()))
                );
                let hint = format!(
                    "add {} to 'keys' in [handlers] and define [handler_{}]",
                    quote(name),
                    escape(name)
                );
                let location = Some(reader.document.location(line));
                reader.errors.push(ConfigError::new(location, message).with_hint(hint));
            }
        }
    }
    handlers
}

fn handler_listed(document: &Document, name: &str) -> bool {
    document
        .section("handlers")
        .and_then(|section| section.entry("keys"))
        .is_some_and(|entry| entry.value.split(',').any(|listed| listed.trim() == name))
}

/// Checks a logger name: parts separated by dots, none empty, without whitespace.
fn check_qualname(text: &str) -> Result<String, Invalid> {
    let valid = !text.is_empty()
        && text.split('.').all(|part| !part.is_empty())
        && !text.contains(|character: char| character.is_whitespace() || character == ':');
    match valid {
        true => Ok(text.to_string()),
        false => Err(Invalid::new("expected a logger name such as caravan.decider")
            .with_hint("separate the parts of the name with single dots")),
    }
}

/// Reads `propagate` as Python's `getint` does: 0 stops records at this logger.
fn parse_propagate(text: &str) -> Result<bool, Invalid> {
    match text.parse::<i64>() {
        Ok(number) => Ok(number != 0),
        Err(_) => Err(Invalid::new("expected 0 or 1")
            .with_hint("write 1 to pass records on to the parent loggers' handlers, 0 to stop them here")),
    }
}

fn parse_literal(text: &str) -> Result<literal::Literal, Invalid> {
    literal::parse(text).map_err(|error| {
        Invalid::new(format!("invalid Python value: {error}"))
            .with_hint("write a tuple such as ('/var/log/caravan/caravan.log', 'a', 10485760, 5)")
    })
}

fn invalid_setting(invalid: logging::InvalidSetting) -> Invalid {
    Invalid {
        reason: invalid.reason,
        hint: invalid.hint,
    }
}
