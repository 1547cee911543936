//! caravan's configuration: one INI file, or command-line flags for a single decider.
//!
//! The file is read in two stages. [`ini`] parses the text into sections and keys, and the
//! `sections` module checks the known sections and builds a [`Config`]. Each stage reports every
//! problem it finds, not just the first, and each error names the file and line.
//!
//! # Configuration file reference
//!
//! caravan reads one INI file in the format of Paster, the Python PasteDeploy tools, which use
//! Python 3's `configparser`. Relative paths inside the file start from the file's folder, never
//! from the working folder, because under systemd the working folder is usually `/`. The file
//! must be a UTF-8 regular file of at most 16 MiB, as the `file` module explains.
//!
//! ## Syntax
//!
//! - `[name]` starts a section. Section names are case-sensitive, and each section may appear
//!   only once.
//! - `key = value` or `key: value` sets a key in the current section. The first `=` or `:` on
//!   the line ends the key. Keys are case-insensitive, and each key may appear once per section.
//!   Spaces around keys and values are ignored.
//! - A line indented deeper than its key's line continues the value on a new line. A blank line
//!   ends the value, so continuation lines must follow the key without a blank line.
//! - A line that starts with `#` or `;` is a comment, also inside a multi-line value. A `#` or
//!   `;` after a value is part of the value, because there are no end-of-line comments.
//! - An empty value (`key =`) is the same as leaving the key out.
//! - Keys in `[DEFAULT]` apply to every section that does not set the same key itself. A
//!   section is never rejected for a key that it inherits from `[DEFAULT]`, so `[DEFAULT]` can
//!   also hold names that exist only for interpolation.
//!
//! ## Interpolation
//!
//! `%(name)s` in a value is replaced by the value of the key `name` in the same section or, if
//! the section does not set it, in `[DEFAULT]`. A `%(name)s` inside a `[DEFAULT]` value is also
//! looked up in the section that reads the value first. `%%` is a literal `%`, and any other `%`
//! is an error. Values may refer to values that contain references, up to 10 values deep.
//! Interpolation applies only to the keys that caravan reads. `format`, `datefmt` and `style` of
//! the logging sections are read without it, as Python reads them, so they may contain
//! `%(asctime)s` format fields.
//!
//! Two names are built in and cannot be set in the file:
//! - `%(here)s` is the absolute path of the folder that contains the config file.
//! - `%(__file__)s` is the absolute path of the config file.
//!
//! ## `[caravan]`: settings for the daemon and the command-line tools
//!
//! The section and each of its keys are optional.
//!
//! | Key | Default | Meaning |
//! |-----|---------|---------|
//! | `region` | AWS SDK's choice | AWS region, such as `us-east-1`. When unset, the AWS SDK reads it from `AWS_REGION` or the profile. |
//! | `profile` | AWS SDK's choice | Profile in the AWS shared config and credentials files. When unset, the AWS SDK uses `AWS_PROFILE` or `default`. |
//! | `endpoint_url` | AWS's regional endpoint | SWF endpoint, an `http://` or `https://` URL with a host, for example a local SWF emulator. When unset, caravan uses `AWS_ENDPOINT_URL_SWF`, then `AWS_ENDPOINT_URL`, then AWS's regional endpoint. |
//! | `identity` | `HOST:PID` | Worker identity that SWF records in the workflow history, 1 to 256 characters. |
//! | `shutdown_timeout_secs` | `75` | Maximum time in seconds, from 1 to 3600, that a graceful stop (SIGTERM or SIGINT) waits for the pollers to finish. The default leaves room for a long poll, which SWF keeps open for up to 60 seconds. Keep it below systemd's `TimeoutStopSec` (90 seconds by default), or systemd kills caravan first. |
//! | `register_types` | `false` | Whether to register the plugins' workflow types with SWF at start-up. |
//! | `domain` | none | Domain that the command-line tools use when none is given on the command line. |
//! | `plugin_permissions` | `strict` | How `caravan run`, `caravan decider` and `caravan check` treat a plugin file that someone other than root or caravan's own user could change. `strict` rejects it (exit 78). `relaxed` logs a warning for each problem and loads the plugin anyway, for development machines. See [`crate::plugin`] for the rules. |
//!
//! Booleans accept `1`, `yes`, `true`, `on` and `0`, `no`, `false`, `off`, in any case. Numbers
//! are decimal whole numbers.
//!
//! ## `[plugin:NAME]`: a plugin library
//!
//! `NAME` is the name that deciders and workers use in `plugins`. It must not be empty and must not contain
//! whitespace or commas.
//!
//! | Key | Default | Meaning |
//! |-----|---------|---------|
//! | `path` | required | Path of the plugin's shared library. A relative path starts from the config file's folder. `~` is not expanded. |
//!
//! ## `[decider:NAME]`: a decider that polls one task list
//!
//! `NAME` labels the decider in logs and must not be empty. Each decider section must poll its
//! own (`domain`, `task_list`) pair. SWF hands each decision task to any poller on the task list,
//! so two deciders on one task list would receive each other's workflows.
//!
//! | Key | Default | Meaning |
//! |-----|---------|---------|
//! | `domain` | required | SWF domain to poll. |
//! | `task_list` | required | Decision task list to poll. |
//! | `plugins` | required | Names of `[plugin:NAME]` sections that decide this task list's workflows, separated by commas, spaces or new lines. At least one. |
//! | `pollers` | `1` | Number of concurrent long polls on the task list, from 1 to 100. |
//! | `failed_decision_policy` | `time_out` | What happens when a plugin fails to decide. `time_out` leaves the decision task unanswered, so SWF times it out and schedules a new one, which retries the decision. `fail_execution` fails the workflow execution with the plugin's error as the reason. |
//!
//! ## `[worker:NAME]`: an activity worker that polls one task list
//!
//! `NAME` labels the worker in logs and must not be empty. Each worker section must poll its own
//! (`domain`, `task_list`) pair, for the same reason as deciders. Activity and decision task
//! lists are separate in SWF, so a worker and a decider may use the same task list name.
//!
//! | Key | Default | Meaning |
//! |-----|---------|---------|
//! | `domain` | required | SWF domain to poll. |
//! | `task_list` | required | Activity task list to poll. |
//! | `plugins` | required | Names of `[plugin:NAME]` sections whose activities run on this task list, separated by commas, spaces or new lines. At least one. |
//! | `concurrency` | `10` | Maximum number of activity tasks that run at once, from 1 to 1000. The worker polls only while fewer tasks run. |
//! | `pollers` | `1` | Number of concurrent long polls on the task list, from 1 to 100 and at most `concurrency`. |
//!
//! Domain and task list names are 1 to 256 characters long. They must not contain `:`, `/`, `|`
//! or control characters (U+0000 to U+001F and U+007F to U+009F), must not start or end with
//! whitespace, and must not be the literal `arn`.
//!
//! ## `[lambda:NAME]`: a Lambda function of the local endpoint
//!
//! `NAME` is the Lambda function name that ScheduleLambdaFunction decisions use, 1 to 64
//! characters, as SWF accepts. The sections are read with `[local]`, for `caravan local` and the
//! endpoint that `endpoint_url = local` embeds.
//!
//! | Key | Default | Meaning |
//! |-----|---------|---------|
//! | `command` | required | Shell command that runs the function. The endpoint runs it with `sh -c` in the config file's folder, with the decision's input on stdin, and records its stdout as the result. Indented lines below the key continue the command. |
//!
//! The decision's `startToCloseTimeout` bounds the command, so the section has no timeout key.
//!
//! ## Logging sections
//!
//! The sections of Python's logging configuration, `[loggers]`, `[handlers]`, `[formatters]`,
//! `[logger_NAME]`, `[handler_NAME]` and `[formatter_NAME]`, configure logging as Python's
//! `logging.config.fileConfig` reads them, when the file has a `[loggers]` section. The
//! [`crate::logging`] module describes what caravan makes of them, and the README's "Logging"
//! section lists the keys, classes and fields. Sections that no `keys` list names are ignored, as
//! in Python. Any other section is an error.
//!
//! ## Example
//!
//! ```ini
//! # /etc/caravan/caravan.ini
//! [DEFAULT]
//! # Applies to every section: the deciders and the command-line tools use this domain.
//! domain = orders-prod
//!
//! [caravan]
//! region = us-east-1
//! identity = decider-1.example.com
//! shutdown_timeout_secs = 75
//! register_types = yes
//!
//! [plugin:orders]
//! # Relative to this file's folder: /etc/caravan/plugins/liborders.so
//! path = plugins/liborders.so
//!
//! [plugin:billing]
//! path = %(here)s/plugins/libbilling.so
//!
//! [decider:main]
//! task_list = orders
//! plugins = orders, billing
//! pollers = 4
//!
//! [decider:refunds]
//! task_list = refunds-%(domain)s
//! plugins =
//!     billing
//! failed_decision_policy = fail_execution
//!
//! [plugin:order-steps]
//! path = plugins/liborder_steps.so
//!
//! [worker:order-steps]
//! task_list = order-steps
//! plugins = order-steps
//! concurrency = 20
//! ```
//!
//! ## Errors
//!
//! caravan checks the whole file and reports every problem in it, each as `FILE:LINE: MESSAGE`,
//! often followed by a `hint:` line. If the file has syntax errors, only those are reported. The
//! sections are checked once the syntax is valid. Unknown sections and unknown keys in a
//! section are errors. Their hint names the closest known one, or lists the valid ones.
//!
//! Text quoted from the file shows control characters as escapes such as `\r`, `\0` and
//! `\u{1b}`, and text longer than 80 characters is cut and ends with `…`.

mod error;
mod file;
mod flags;
pub mod ini;
mod interpolation;
mod logging;
mod reader;
mod sections;
mod values;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use error::{ConfigError, ConfigErrors, Location};
pub use flags::{DeciderFlags, FLAGS_DECIDER_NAME, swf_name_problem, validate_endpoint_url, validate_swf_name};
pub use ini::{Document, Entry, Section};

use crate::logging::LoggingConfig;
use file::read_file;

pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 75;
pub const SHUTDOWN_TIMEOUT_SECS_RANGE: RangeInclusive<u64> = 1..=3600;
pub const DEFAULT_POLLERS: u32 = 1;
pub const POLLERS_RANGE: RangeInclusive<u32> = 1..=100;
pub const DEFAULT_CONCURRENCY: u32 = 10;
pub const CONCURRENCY_RANGE: RangeInclusive<u32> = 1..=1000;

/// The whole configuration: global settings, plugin libraries, deciders and activity workers.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Absolute path of the config file, or `None` when the configuration came from flags.
    pub path: Option<PathBuf>,
    pub global: Global,
    /// Plugin sections in file order.
    pub plugins: Vec<PluginSection>,
    /// Decider sections in file order.
    pub deciders: Vec<DeciderSection>,
    /// Worker sections in file order.
    pub workers: Vec<WorkerSection>,
    /// The logging sections, or `None` when the file has no `[loggers]` section.
    pub logging: Option<LoggingConfig>,
}

impl Config {
    /// Finds a plugin section by name.
    pub fn plugin(&self, name: &str) -> Option<&PluginSection> {
        self.plugins.iter().find(|plugin| plugin.name == name)
    }
}

/// Settings from the `[caravan]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Global {
    pub region: Option<String>,
    /// AWS shared-config profile name.
    pub profile: Option<String>,
    /// SWF endpoint, an `http://` or `https://` URL with a host, or [`LOCAL_ENDPOINT`] for caravan's
    /// own endpoint as the `[local]` section describes it.
    pub endpoint_url: Option<String>,
    /// Worker identity, 1 to 256 characters.
    pub identity: Option<String>,
    /// Maximum time in seconds that a graceful stop waits, from 1 to 3600.
    pub shutdown_timeout_secs: u64,
    /// Whether to register workflow types at start-up.
    pub register_types: bool,
    /// Default domain for the command-line tools.
    pub domain: Option<String>,
    /// Whether a plugin file that others could change is rejected or only warned about.
    pub plugin_permissions: PluginPermissions,
    /// Settings from the `[local]` section, for `endpoint_url = local` and `caravan local`.
    pub local: LocalSettings,
}

impl Global {
    /// Returns true when the endpoint is caravan's own local endpoint.
    pub fn uses_local_endpoint(&self) -> bool {
        self.endpoint_url.as_deref() == Some(LOCAL_ENDPOINT)
    }
}

/// The `endpoint_url` value that selects caravan's own local endpoint.
pub const LOCAL_ENDPOINT: &str = "local";

/// Default address of the local endpoint. A fixed port lets the command-line tools find the
/// endpoint that a daemon with the same config file runs.
pub const DEFAULT_LOCAL_LISTEN: &str = "127.0.0.1:8577";
pub const DEFAULT_POLL_WINDOW_SECS: u64 = 60;
pub const POLL_WINDOW_SECS_RANGE: RangeInclusive<u64> = 1..=60;
/// Range of each `fault_*_share` key, and of their sum.
pub const FAULT_SHARE_RANGE: RangeInclusive<f64> = 0.0..=1.0;
/// Range of `fault_latency_ms` and `fault_latency_jitter_ms`: up to one minute.
pub const FAULT_LATENCY_MS_RANGE: RangeInclusive<u64> = 0..=60_000;

/// Settings of caravan's local SWF endpoint: the `[local]` and `[lambda:NAME]` sections.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSettings {
    /// Address the endpoint listens on, and that the tools connect to.
    pub listen: std::net::SocketAddr,
    /// How long an empty long poll is held, in seconds.
    pub poll_window_secs: u64,
    /// Lambda functions from the `[lambda:NAME]` sections: function name to shell command.
    pub lambda_functions: BTreeMap<String, String>,
    /// Working directory of the Lambda commands: the config file's folder, or `None` when no
    /// `[lambda:NAME]` section sets a command.
    pub lambda_working_dir: Option<PathBuf>,
    /// Faults the endpoint injects into requests, for testing clients; none by default.
    pub faults: LocalFaults,
}

/// Fault injection settings of the local endpoint: the `fault_*` keys of the `[local]` section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalFaults {
    /// Share of requests, from 0.0 to 1.0, that fail with ThrottlingException.
    pub throttle_share: f64,
    /// Share of requests that fail with HTTP 500 InternalFailure.
    pub error_share: f64,
    /// Share of requests whose connection closes without a response, half of them after the
    /// request took effect.
    pub drop_share: f64,
    /// Delay added to every request, in milliseconds.
    pub latency_ms: u64,
    /// Upper bound of a random delay added on top of `latency_ms`, in milliseconds.
    pub latency_jitter_ms: u64,
    /// Seed of the random choices, for reproducible faults.
    pub seed: Option<u64>,
}

impl LocalFaults {
    /// Returns true when any fault or delay is set.
    pub fn is_active(&self) -> bool {
        self.throttle_share + self.error_share + self.drop_share > 0.0
            || self.latency_ms > 0
            || self.latency_jitter_ms > 0
    }
}

impl Default for LocalSettings {
    fn default() -> LocalSettings {
        LocalSettings {
            listen: DEFAULT_LOCAL_LISTEN
                .parse()
                .unwrap_or(std::net::SocketAddr::from(([127, 0, 0, 1], 8577))),
            poll_window_secs: DEFAULT_POLL_WINDOW_SECS,
            lambda_functions: BTreeMap::new(),
            lambda_working_dir: None,
            faults: LocalFaults::default(),
        }
    }
}

impl Default for Global {
    fn default() -> Global {
        Global {
            region: None,
            profile: None,
            endpoint_url: None,
            identity: None,
            shutdown_timeout_secs: DEFAULT_SHUTDOWN_TIMEOUT_SECS,
            register_types: false,
            domain: None,
            plugin_permissions: PluginPermissions::default(),
            local: LocalSettings::default(),
        }
    }
}

/// A `[plugin:NAME]` section: a plugin library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSection {
    pub name: String,
    /// Absolute path of the shared library.
    pub path: PathBuf,
    /// Section header, or `None` for a plugin given as a command-line flag.
    pub location: Option<Location>,
}

/// A `[decider:NAME]` section: a decider that polls one task list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeciderSection {
    pub name: String,
    pub domain: String,
    pub task_list: String,
    /// Names of the plugins that decide this task list's workflows, each an existing
    /// [`PluginSection`], in the order listed.
    pub plugins: Vec<String>,
    /// Number of concurrent long polls, from 1 to 100.
    pub pollers: u32,
    pub failed_decision_policy: FailedDecisionPolicy,
    /// Section header, or `None` for a decider built from command-line flags.
    pub location: Option<Location>,
}

/// A `[worker:NAME]` section: an activity worker that polls one task list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSection {
    pub name: String,
    pub domain: String,
    pub task_list: String,
    /// Names of the plugins whose activities run on this task list, each an existing
    /// [`PluginSection`], in the order listed.
    pub plugins: Vec<String>,
    /// Maximum number of activity tasks that run at once, from 1 to 1000.
    pub concurrency: u32,
    /// Number of concurrent long polls, from 1 to 100 and at most `concurrency`.
    pub pollers: u32,
    /// Section header.
    pub location: Option<Location>,
}

/// Action of a decider when its plugin fails to decide a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FailedDecisionPolicy {
    /// Leave the task unanswered, so that SWF times it out and schedules a new decision task.
    #[default]
    TimeOut,
    /// Fail the workflow execution, with the plugin's error as the reason.
    FailExecution,
}

impl FailedDecisionPolicy {
    /// Value of the policy in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            FailedDecisionPolicy::TimeOut => "time_out",
            FailedDecisionPolicy::FailExecution => "fail_execution",
        }
    }
}

impl fmt::Display for FailedDecisionPolicy {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Error for a failed decision policy that is neither `time_out` nor `fail_execution`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid failed decision policy '{0}': expected 'time_out' or 'fail_execution'")]
pub struct InvalidPolicy(pub String);

impl FromStr for FailedDecisionPolicy {
    type Err = InvalidPolicy;

    /// Parses `time_out` or `fail_execution`, in any case.
    fn from_str(text: &str) -> Result<FailedDecisionPolicy, InvalidPolicy> {
        match text.to_lowercase().as_str() {
            "time_out" => Ok(FailedDecisionPolicy::TimeOut),
            "fail_execution" => Ok(FailedDecisionPolicy::FailExecution),
            _ => Err(InvalidPolicy(text.to_string())),
        }
    }
}

/// The loader's handling of a plugin file that a user other than root or caravan's own user could
/// change, because the file, a folder above it or a symlink on its path is writable by others or
/// owned by someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PluginPermissions {
    /// Reject the plugin, as a config error.
    #[default]
    Strict,
    /// Warn about each problem and load the plugin anyway, for development.
    Relaxed,
}

impl PluginPermissions {
    /// Value of the setting in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginPermissions::Strict => "strict",
            PluginPermissions::Relaxed => "relaxed",
        }
    }
}

impl fmt::Display for PluginPermissions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Error for a `plugin_permissions` value that is neither `strict` nor `relaxed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid plugin permissions '{0}': expected 'strict' or 'relaxed'")]
pub struct InvalidPluginPermissions(pub String);

impl FromStr for PluginPermissions {
    type Err = InvalidPluginPermissions;

    /// Parses `strict` or `relaxed`, in any case.
    fn from_str(text: &str) -> Result<PluginPermissions, InvalidPluginPermissions> {
        match text.to_lowercase().as_str() {
            "strict" => Ok(PluginPermissions::Strict),
            "relaxed" => Ok(PluginPermissions::Relaxed),
            _ => Err(InvalidPluginPermissions(text.to_string())),
        }
    }
}

/// Reads and checks the config file at `path`, which is made absolute first.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let path = ini::absolute_path(path)?;
    let text = read_file(&path)?;

    parse(&text, &path)
}

/// Parses and checks the text of the config file at `path`, which is made absolute first and is
/// used in errors, for `%(here)s` and `%(__file__)s`, and to resolve relative plugin paths.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigErrors> {
    let document = Document::parse(text, path).map_err(ConfigErrors::sorted)?;

    sections::read_config(&document).map_err(ConfigErrors::sorted)
}

/// Reads only what the command-line tools need: the syntax of the whole file and the
/// `[caravan]` section. Plugin, decider and unknown sections are not checked, so that a problem
/// in the daemon's settings does not stop the tools.
pub fn load_global(path: &Path) -> Result<Global, ConfigErrors> {
    let path = ini::absolute_path(path)?;
    let text = read_file(&path)?;

    parse_global(&text, &path)
}

/// Parses the text of the config file at `path` as [`load_global`] reads it.
pub fn parse_global(text: &str, path: &Path) -> Result<Global, ConfigErrors> {
    let document = Document::parse(text, path).map_err(ConfigErrors::sorted)?;

    sections::read_global_only(&document).map_err(ConfigErrors::sorted)
}

/// Reads what `caravan local` and `caravan decider -c` need: [`load_global`]'s sections and the
/// logging sections.
pub fn load_global_and_logging(path: &Path) -> Result<(Global, Option<LoggingConfig>), ConfigErrors> {
    let path = ini::absolute_path(path)?;
    let text = read_file(&path)?;

    parse_global_and_logging(&text, &path)
}

/// Parses the text of the config file at `path` as [`load_global_and_logging`] reads it.
pub fn parse_global_and_logging(text: &str, path: &Path) -> Result<(Global, Option<LoggingConfig>), ConfigErrors> {
    let document = Document::parse(text, path).map_err(ConfigErrors::sorted)?;

    let mut errors = Vec::new();
    let logging = logging::read_logging(&document, &mut errors);
    let global = sections::read_global_only(&document).map_err(|global_errors| {
        errors.extend(global_errors);
        ConfigErrors::sorted(std::mem::take(&mut errors))
    })?;

    if !errors.is_empty() {
        return Err(ConfigErrors::sorted(errors));
    }
    Ok((global, logging))
}

#[cfg(test)]
mod logging_tests;
#[cfg(test)]
mod tests;
