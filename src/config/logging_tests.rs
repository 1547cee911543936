//! Tests of the logging sections: a Pyramid-style file, and each error with its line.

use std::path::{Path, PathBuf};

use tracing_subscriber::filter::LevelFilter;

use super::*;
use crate::logging::{Destination, Period, RecordFormat};

const PATH: &str = "/etc/caravan/caravan.ini";

/// A decider, so that the file is valid without the logging sections. Lines 1 to 8.
const DECIDER: &str = "\
[plugin:demo]
path = /opt/caravan/libdemo.so

[decider:main]
domain = orders-prod
task_list = orders
plugins = demo

";

/// The logging sections of a Pyramid production file, from line 9 on.
const PYRAMID: &str = "\
[loggers]
keys = root, caravan, plugins

[handlers]
keys = console, file

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[logger_caravan]
level = DEBUG
handlers = file
qualname = caravan

[logger_plugins]
level = NOTSET
handlers =
qualname = caravan.plugin
propagate = 1

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[handler_file]
class = handlers.RotatingFileHandler
args = ('%(here)s/log/caravan.log', 'a', 10*1024*1024, 5)
level = INFO
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s:%(lineno)s][%(threadName)s] %(message)s
datefmt = %H:%M:%S
";

fn parse_ok(text: &str) -> Config {
    match parse(text, Path::new(PATH)) {
        Ok(config) => config,
        Err(errors) => panic!("unexpected errors:\n{errors}"),
    }
}

/// Parses the decider and `logging`, which should have exactly one error, and returns it.
fn single_error(logging: &str) -> ConfigError {
    let text = format!("{DECIDER}{logging}");
    let mut errors = match parse(&text, Path::new(PATH)) {
        Ok(config) => panic!("expected an error, parsed {config:#?}"),
        Err(errors) => errors.0,
    };
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    errors.remove(0)
}

fn line(error: &ConfigError) -> u32 {
    error.location.as_ref().map_or(0, |location| location.line)
}

#[test]
fn pyramid_sections_read() {
    let config = parse_ok(&format!("{DECIDER}{PYRAMID}"));
    let logging = config.logging.expect("logging configured");

    assert_eq!(logging.root.target, "");
    assert_eq!(logging.root.level, Some(LevelFilter::WARN));
    assert_eq!(logging.root.handlers, [0]);
    assert_eq!(logging.loggers.len(), 2);
    assert_eq!(logging.loggers[0].target, "caravan");
    assert_eq!(logging.loggers[0].level, Some(LevelFilter::DEBUG));
    assert_eq!(logging.loggers[0].handlers, [1]);
    assert!(logging.loggers[0].propagate);
    assert_eq!(logging.loggers[1].target, "caravan::plugin");
    assert_eq!(logging.loggers[1].level, None);
    assert!(logging.loggers[1].handlers.is_empty());

    let console = &logging.handlers[0];
    assert_eq!(console.name, "console");
    assert_eq!(console.destination, Destination::Stderr);
    assert_eq!(console.level, LevelFilter::TRACE);
    let file = &logging.handlers[1];
    assert_eq!(
        file.destination,
        Destination::SizeRotating {
            path: PathBuf::from("/etc/caravan/log/caravan.log"),
            max_bytes: 10_485_760,
            backup_count: 5,
        }
    );
    assert_eq!(file.level, LevelFilter::INFO);
    assert_eq!(file.location.line, 41, "the args line, for errors about the file");
    let generic = RecordFormat::parse(
        "%(asctime)s %(levelname)-5.5s [%(name)s:%(lineno)s][%(threadName)s] %(message)s",
        Some("%H:%M:%S"),
    )
    .unwrap();
    assert_eq!(file.format, generic);
}

#[test]
fn logging_needs_a_loggers_section() {
    let text = format!("{DECIDER}[handlers]\nkeys = nothing\n[formatter_x]\nformat = %(bogus)s\n");

    assert_eq!(
        parse_ok(&text).logging,
        None,
        "as in Paster, without [loggers] nothing is read"
    );
}

#[test]
fn minimal_logging_sections() {
    let config = parse_ok(&format!("{DECIDER}[loggers]\nkeys = root\n[logger_root]\n"));
    let logging = config.logging.expect("logging configured");

    assert_eq!(logging.root.level, Some(LevelFilter::WARN), "Python's root level");
    assert!(logging.root.handlers.is_empty());
    assert!(logging.handlers.is_empty());
}

#[test]
fn empty_handler_and_formatter_lists() {
    let config = parse_ok(&format!(
        "{DECIDER}[loggers]\nkeys = root\n[handlers]\nkeys =\n[formatters]\nkeys =\n[logger_root]\n"
    ));
    let logging = config.logging.expect("logging configured");

    assert!(logging.handlers.is_empty(), "Python accepts 'keys =' in [handlers]");
    assert!(logging.root.handlers.is_empty());
}

#[test]
fn empty_logger_list_rejected() {
    let text = format!("{DECIDER}[loggers]\nkeys =\n[logger_root]\n");

    let errors = parse(&text, Path::new(PATH))
        .expect_err("[loggers] must list the root")
        .0;

    let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
    assert!(
        messages.contains(&"missing value for 'keys' in [loggers]"),
        "{messages:?}"
    );
}

#[test]
fn root_notset_logs_everything() {
    let config = parse_ok(&format!(
        "{DECIDER}[loggers]\nkeys = root\n[logger_root]\nlevel = NOTSET\n"
    ));

    assert_eq!(config.logging.unwrap().root.level, Some(LevelFilter::TRACE));
}

#[test]
fn handler_defaults() {
    let text = format!(
        "{DECIDER}[loggers]\nkeys = root\n[handlers]\nkeys = plain, timed, discard\n\
         [logger_root]\nhandlers = plain, timed\n\
         [handler_plain]\nclass = logging.FileHandler\nargs = ('plain.log', 'w')\n\
         [handler_timed]\nclass = logging.handlers.TimedRotatingFileHandler\n\
         args = ('/var/log/caravan.log',)\nkwargs = {{'when': 'midnight', 'backupCount': 7}}\n\
         [handler_discard]\nclass = NullHandler\n"
    );
    let logging = parse_ok(&text).logging.unwrap();

    assert_eq!(
        logging.handlers[0].destination,
        Destination::File {
            path: PathBuf::from("/etc/caravan/plain.log"),
            truncate: true
        }
    );
    assert_eq!(
        logging.handlers[0].format,
        RecordFormat::default(),
        "a bare message, as in Python"
    );
    assert_eq!(
        logging.handlers[1].destination,
        Destination::TimeRotating {
            path: PathBuf::from("/var/log/caravan.log"),
            period: Period::Daily,
            backup_count: 7
        }
    );
    assert_eq!(logging.handlers[2].destination, Destination::Discard);
    assert_eq!(logging.root.handlers, [0, 1]);
}

#[test]
fn format_is_read_raw() {
    let text = format!(
        "{DECIDER}[DEFAULT]\nfmt = unused\n[loggers]\nkeys = root\n[handlers]\nkeys = console\n\
         [formatters]\nkeys = percent\n[logger_root]\nhandlers = console\n\
         [handler_console]\nclass = StreamHandler\nformatter = percent\n\
         [formatter_percent]\nformat = 100%% %(message)s\n"
    );
    let logging = parse_ok(&text).logging.unwrap();

    assert_eq!(
        logging.handlers[0].format,
        RecordFormat::parse("100%% %(message)s", None).unwrap(),
        "'%%' stays for Python's % operator"
    );
}

/// Each error with its line (the decider takes lines 1 to 8), message and hint.
#[test]
fn logging_errors_name_the_line() {
    let handlers = "[loggers]\nkeys = root\n[handlers]\nkeys = h\n[logger_root]\nhandlers = h\n[handler_h]\n";
    let cases: Vec<(String, u32, &str, &str)> = vec![
        (
            "[loggers]\nkeys = root\n[logger_root]\nlevel = VERBOSE\n".to_string(),
            12,
            "invalid value 'VERBOSE' for 'level' in [logger_root]: unknown level name",
            "use one of CRITICAL, FATAL, ERROR, WARNING, WARN, INFO, DEBUG, NOTSET",
        ),
        (
            "[loggers]\nkeys = root\n[logger_root]\nlevel = info\n".to_string(),
            12,
            "invalid value 'info' for 'level' in [logger_root]: unknown level name",
            "write 'INFO': Python's logging accepts level names in upper case only",
        ),
        (
            "[loggers]\nkeys = root\n[handlers]\nkeys = console, file\n[logger_root]\n[handler_console]\nclass = StreamHandler\n".to_string(),
            12,
            "'file' is listed in 'keys' of [handlers], but the file has no [handler_file] section",
            "add a [handler_file] section, or remove the name from the list",
        ),
        (
            "[loggers]\nkeys = root\n[formatters]\nkeys = generic\n[logger_root]\n".to_string(),
            12,
            "'generic' is listed in 'keys' of [formatters], but the file has no [formatter_generic] section",
            "add a [formatter_generic] section, or remove the name from the list",
        ),
        (
            "[loggers]\nkeys = root, caravan\n[logger_root]\n".to_string(),
            10,
            "'caravan' is listed in 'keys' of [loggers], but the file has no [logger_caravan] section",
            "add a [logger_caravan] section, or remove the name from the list",
        ),
        (
            "[loggers]\nkeys = caravan\n[logger_caravan]\nqualname = caravan\n".to_string(),
            10,
            "the root logger is missing from 'keys' of [loggers]",
            "add root to the list, as in 'keys = root, caravan', and a [logger_root] section",
        ),
        (
            "[loggers]\nkeys = root, root\n[logger_root]\n".to_string(),
            10,
            "'root' listed twice in 'keys' of [loggers]",
            "remove the second mention",
        ),
        (
            "[loggers]\n[logger_root]\n".to_string(),
            9,
            "missing key 'keys' in [loggers]",
            "add 'keys = NAME, ...' with the names of the [logger_NAME] sections",
        ),
        (
            format!("{handlers}class = SysLogHandler\n"),
            16,
            "invalid value 'SysLogHandler' for 'class' in [handler_h]: unknown or unsupported handler class",
            "the supported classes are StreamHandler, FileHandler, NullHandler, handlers.WatchedFileHandler, handlers.RotatingFileHandler, handlers.TimedRotatingFileHandler",
        ),
        (
            format!("{handlers}args = (sys.stderr,)\n"),
            15,
            "missing key 'class' in [handler_h]",
            "add 'class = StreamHandler', or another class such as handlers.RotatingFileHandler",
        ),
        (
            format!("{handlers}class = FileHandler\nargs = ('a.log'\n"),
            17,
            "invalid value '('a.log'' for 'args' in [handler_h]: invalid Python value: expected ',' or ')' at character 9",
            "write a tuple such as ('/var/log/caravan/caravan.log', 'a', 10485760, 5)",
        ),
        (
            format!("{handlers}class = FileHandler\nargs = ('a.log')\n"),
            17,
            "invalid handler arguments in [handler_h]: args must be a tuple, not a string",
            "write the arguments in parentheses with a comma after each, as in ('caravan.log',)",
        ),
        (
            format!("{handlers}class = handlers.RotatingFileHandler\nargs = ('a.log', 'a', '10MB', 5)\n"),
            17,
            "invalid handler arguments in [handler_h]: maxBytes must be a whole number, not '10MB'",
            "give maxBytes as a whole number",
        ),
        (
            format!("{handlers}class = StreamHandler\nformatter = generic\n"),
            17,
            "formatter 'generic' in 'formatter' in [handler_h] not found: 'keys' of [formatters] does not list it",
            "add 'generic' to 'keys' in [formatters] and define [formatter_generic]",
        ),
        (
            format!("{handlers}class = StreamHandler\nformater = generic\n"),
            17,
            "unknown key 'formater' in [handler_h]",
            "did you mean 'formatter'?",
        ),
        (
            format!("{handlers}class = StreamHandler\nlevel = LOUD\n"),
            17,
            "invalid value 'LOUD' for 'level' in [handler_h]: unknown level name",
            "use one of CRITICAL, FATAL, ERROR, WARNING, WARN, INFO, DEBUG, NOTSET",
        ),
        (
            "[loggers]\nkeys = root\n[logger_root]\nhandlers = console\n".to_string(),
            12,
            "handler 'console' in 'handlers' in [logger_root] not found: 'keys' of [handlers] does not list it",
            "add 'console' to 'keys' in [handlers] and define [handler_console]",
        ),
        (
            "[loggers]\nkeys = root, x\n[logger_root]\n[logger_x]\nlevel = DEBUG\n".to_string(),
            12,
            "missing key 'qualname' in [logger_x]",
            "add 'qualname = NAME' with the logger's name, such as caravan.decider",
        ),
        (
            "[loggers]\nkeys = root, x\n[logger_root]\n[logger_x]\nqualname = caravan..decider\n".to_string(),
            13,
            "invalid value 'caravan..decider' for 'qualname' in [logger_x]: expected a logger name such as caravan.decider",
            "separate the parts of the name with single dots",
        ),
        (
            "[loggers]\nkeys = root, x\n[logger_root]\n[logger_x]\nqualname = caravan\npropagate = yes\n".to_string(),
            14,
            "invalid value 'yes' for 'propagate' in [logger_x]: expected 0 or 1",
            "write 1 to pass records on to the parent loggers' handlers, 0 to stop them here",
        ),
        (
            "[loggers]\nkeys = root, x, y\n[logger_root]\n[logger_x]\nqualname = caravan\n[logger_y]\nqualname = caravan\n".to_string(),
            14,
            "[logger_y] and [logger_x] both configure the logger 'caravan'",
            "merge the two sections",
        ),
        (
            "[loggers]\nkeys = root\n[logger_root]\nqualname = root\n".to_string(),
            12,
            "unknown key 'qualname' in [logger_root]",
            "the keys of [logger_root] are: level, handlers",
        ),
    ];

    for (logging, expected_line, message, hint) in cases {
        let error = single_error(&logging);
        assert_eq!(error.message, message, "{logging}");
        assert_eq!(line(&error), expected_line, "{logging}");
        assert_eq!(error.hint.as_deref(), Some(hint), "{logging}");
    }
}

#[test]
fn formatter_errors_name_the_line() {
    let sections = "[loggers]\nkeys = root\n[formatters]\nkeys = f\n[logger_root]\n[formatter_f]\n";
    let cases = [
        (
            "format = %(mesage)s\n",
            15,
            "invalid value '%(mesage)s' for 'format' in [formatter_f]: unknown field %(mesage) in the format",
            "did you mean %(message)s?",
        ),
        (
            "format = %(asctime)s %(message)s\ndatefmt = %Y %\n",
            16,
            "invalid value '%Y %' for 'datefmt' in [formatter_f]:",
            "use strftime fields such as %Y-%m-%d %H:%M:%S",
        ),
        (
            "format = {message}\nstyle = {\n",
            16,
            "invalid value '{' for 'style' in [formatter_f]: caravan supports the '%' style only",
            "write fields as %(name)s and remove the style key",
        ),
        (
            "class = colorlog.ColoredFormatter\n",
            15,
            "invalid value 'colorlog.ColoredFormatter' for 'class' in [formatter_f]: caravan supports logging.Formatter only",
            "remove the class key",
        ),
        (
            "format = %(levelname)d\n",
            15,
            "invalid value '%(levelname)d' for 'format' in [formatter_f]: %(levelname)d needs a number, but levelname is text",
            "write %(levelname)s",
        ),
    ];

    for (formatter, expected_line, message, hint) in cases {
        let error = single_error(&format!("{sections}{formatter}"));
        assert!(error.message.starts_with(message), "{formatter}: {}", error.message);
        assert_eq!(line(&error), expected_line, "{formatter}");
        assert_eq!(error.hint.as_deref(), Some(hint), "{formatter}");
    }
}

#[test]
fn handlers_on_one_file_rejected() {
    let error = single_error(
        "[loggers]\nkeys = root\n[handlers]\nkeys = a, b\n[logger_root]\n\
         [handler_a]\nclass = FileHandler\nargs = ('/var/log/caravan.log',)\n\
         [handler_b]\nclass = handlers.RotatingFileHandler\nargs = ('/var/log/caravan.log', 'a', 100, 2)\n",
    );

    assert_eq!(line(&error), 19);
    assert_eq!(
        error.message,
        "[handler_b] and [handler_a] both write to '/var/log/caravan.log'"
    );
}

#[test]
fn every_logging_error_collected() {
    let text = format!(
        "{DECIDER}[loggers]\nkeys = root\n[handlers]\nkeys = h\n[logger_root]\nlevel = LOUD\nhandlers = h\n\
         [handler_h]\nclass = FileHandler\nargs = ('x.log', 'r')\n"
    );

    let errors = parse(&text, Path::new(PATH)).unwrap_err();

    let lines: Vec<u32> = errors.iter().map(line).collect();
    assert_eq!(lines, [14, 18], "{errors}");
}

#[test]
fn global_and_logging_errors_reported_together() {
    let text = "[caravan]\nshutdown_timeout_secs = 0\n[loggers]\nkeys = root\n[logger_root]\nlevel = LOUD\n";

    let errors = parse_global_and_logging(text, Path::new(PATH)).unwrap_err();
    let global = parse_global(text, Path::new(PATH));

    let lines: Vec<u32> = errors.iter().map(line).collect();
    assert_eq!(lines, [2, 6]);
    assert_eq!(
        global.unwrap_err().len(),
        1,
        "the tools do not check the logging sections"
    );
}

#[test]
fn global_and_logging_read() {
    let text = format!("[caravan]\ndomain = orders\n{PYRAMID}");

    let (global, logging) = parse_global_and_logging(&text, Path::new(PATH)).unwrap();

    assert_eq!(global.domain.as_deref(), Some("orders"));
    assert_eq!(logging.unwrap().handlers.len(), 2);
}
