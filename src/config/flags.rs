//! Configuration from command-line flags, checked by the same rules as the config file.
//!
//! Errors from these checks have no location. They name the setting by its config file key,
//! such as `'task_list'`, because this module does not know the flag names.

use std::path::{Path, PathBuf};

use super::error::{ConfigError, ConfigErrors};
use super::values::{self, Invalid};
use super::{
    Config, DEFAULT_POLLERS, DeciderSection, FailedDecisionPolicy, Global, LOCAL_ENDPOINT, POLLERS_RANGE,
    PluginSection, SHUTDOWN_TIMEOUT_SECS_RANGE,
};

/// Name of the decider that [`Config::from_flags`] builds.
pub const FLAGS_DECIDER_NAME: &str = "command-line";

/// Settings of one decider given as command-line flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeciderFlags {
    pub domain: String,
    pub task_list: String,
    /// Plugin libraries, one plugin each. Relative paths start from the working folder.
    pub plugin_paths: Vec<PathBuf>,
    pub pollers: u32,
    pub failed_decision_policy: FailedDecisionPolicy,
}

impl DeciderFlags {
    /// Creates the settings with the config file's defaults for `pollers` and
    /// `failed_decision_policy`.
    pub fn new(domain: impl Into<String>, task_list: impl Into<String>, plugin_paths: Vec<PathBuf>) -> DeciderFlags {
        DeciderFlags {
            domain: domain.into(),
            task_list: task_list.into(),
            plugin_paths,
            pollers: DEFAULT_POLLERS,
            failed_decision_policy: FailedDecisionPolicy::default(),
        }
    }
}

impl Config {
    /// Builds a configuration without a file: `global` and one decider named
    /// [`FLAGS_DECIDER_NAME`] with one plugin per path. Plugins are named after their library's
    /// file name without a `lib` prefix and the extension, with `-2`, `-3`, … added to repeats.
    ///
    /// Returns an error for every invalid value, as loading a file does.
    pub fn from_flags(global: Global, decider: DeciderFlags) -> Result<Config, ConfigErrors> {
        let mut errors = check_global(&global);

        let plugins = plugins_from_paths(&decider.plugin_paths, &mut errors);
        push_invalid(
            &mut errors,
            "domain",
            &decider.domain,
            values::check_swf_name(&decider.domain),
        );
        push_invalid(
            &mut errors,
            "task_list",
            &decider.task_list,
            values::check_swf_name(&decider.task_list),
        );
        let pollers = values::check_range(decider.pollers, &POLLERS_RANGE);
        push_invalid(&mut errors, "pollers", &decider.pollers.to_string(), pollers);

        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let decider = DeciderSection {
            name: FLAGS_DECIDER_NAME.to_string(),
            domain: decider.domain,
            task_list: decider.task_list,
            plugins: plugins.iter().map(|plugin| plugin.name.clone()).collect(),
            pollers: decider.pollers,
            failed_decision_policy: decider.failed_decision_policy,
            location: None,
        };
        Ok(Config {
            path: None,
            global,
            plugins,
            deciders: vec![decider],
            workers: Vec::new(),
            // `caravan decider` sets up logging from its `-c` file before it builds this config.
            logging: None,
        })
    }
}

impl Global {
    /// Checks values that were set from command-line flags by the rules of the config file.
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let errors = check_global(self);
        if errors.is_empty() {
            return Ok(());
        }
        Err(ConfigErrors(errors))
    }
}

/// Returns what is wrong with `name` under SWF's naming rule, or `None` if it is valid. The
/// command-line tools use it to check flag values.
pub fn swf_name_problem(name: &str) -> Option<String> {
    values::check_swf_name(name).err().map(|invalid| invalid.reason)
}

/// Checks a domain or task list name given on the command line by SWF's naming rule. `key` is the
/// config file key that the error names, such as `domain`.
pub fn validate_swf_name(key: &str, name: &str) -> Result<(), ConfigError> {
    values::check_swf_name(name).map_err(|invalid| invalid.into_error(key, None, name, None))
}

/// Checks an SWF endpoint URL that did not come from the config file, such as the value of
/// `AWS_ENDPOINT_URL_SWF`, by the rules of the file's `endpoint_url`. `source` names where the
/// value came from, such as the environment variable, and the error message names it in place of
/// the key. The error has no location.
pub fn validate_endpoint_url(source: &str, value: &str) -> Result<(), ConfigError> {
    values::check_endpoint_url(value).map_err(|invalid| invalid.into_error(source, None, value, None))
}

/// Check of one optional text setting.
type TextCheck = fn(&str) -> Result<(), Invalid>;

fn check_global(global: &Global) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let optional_checks: [(&str, &Option<String>, TextCheck); 5] = [
        ("region", &global.region, values::check_region),
        ("profile", &global.profile, values::check_profile),
        ("endpoint_url", &global.endpoint_url, |url| match url {
            LOCAL_ENDPOINT => Ok(()),
            _ => values::check_endpoint_url(url),
        }),
        ("identity", &global.identity, values::check_identity),
        ("domain", &global.domain, values::check_swf_name),
    ];

    for (key, value, check) in optional_checks {
        if let Some(value) = value {
            push_invalid(&mut errors, key, value, check(value));
        }
    }

    let timeout = global.shutdown_timeout_secs;
    let result = values::check_range(timeout, &SHUTDOWN_TIMEOUT_SECS_RANGE);
    push_invalid(&mut errors, "shutdown_timeout_secs", &timeout.to_string(), result);
    errors
}

fn push_invalid(errors: &mut Vec<ConfigError>, key: &str, value: &str, result: Result<(), Invalid>) {
    if let Err(invalid) = result {
        errors.push(invalid.into_error(key, None, value, None));
    }
}

fn plugins_from_paths(paths: &[PathBuf], errors: &mut Vec<ConfigError>) -> Vec<PluginSection> {
    if paths.is_empty() {
        errors.push(
            ConfigError::new(None, "missing plugin path, because a decider needs at least one plugin")
                .with_hint("give the path of a plugin library"),
        );
        return Vec::new();
    }

    let working_folder = match std::env::current_dir() {
        Ok(folder) => folder,
        Err(error) => {
            errors.push(ConfigError::new(
                None,
                format!("failed to read the working folder for relative plugin paths: {error}"),
            ));
            return Vec::new();
        }
    };

    let mut plugins: Vec<PluginSection> = Vec::new();
    for path in paths {
        let resolved = match check_plugin_path(path, &working_folder) {
            Ok(resolved) => resolved,
            Err(invalid) => {
                errors.push(invalid.into_error("path", None, &path.to_string_lossy(), None));
                continue;
            }
        };

        let name = unique_name(&plugin_name(&resolved), &plugins);
        plugins.push(PluginSection {
            name,
            path: resolved,
            location: None,
        });
    }
    plugins
}

fn check_plugin_path(path: &Path, working_folder: &Path) -> Result<PathBuf, Invalid> {
    if path.as_os_str().is_empty() {
        return Err(Invalid::new("must not be empty"));
    }
    values::resolve_plugin_path(path, working_folder)
}

/// Names a plugin after its library: `/opt/libdemo.so` becomes `demo`.
fn plugin_name(path: &Path) -> String {
    let stem = path.file_stem().map(|stem| stem.to_string_lossy()).unwrap_or_default();
    let name = stem
        .strip_prefix("lib")
        .filter(|rest| !rest.is_empty())
        .unwrap_or(&stem);

    if name.is_empty() {
        return "plugin".to_string();
    }
    name.to_string()
}

fn unique_name(name: &str, plugins: &[PluginSection]) -> String {
    let is_taken = |candidate: &str| plugins.iter().any(|plugin| plugin.name == candidate);
    if !is_taken(name) {
        return name.to_string();
    }

    let mut number = 2;
    loop {
        let candidate = format!("{name}-{number}");
        if !is_taken(&candidate) {
            return candidate;
        }
        number += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(paths: &[&str]) -> DeciderFlags {
        DeciderFlags::new("orders-prod", "orders", paths.iter().map(PathBuf::from).collect())
    }

    fn messages(errors: &ConfigErrors) -> Vec<&str> {
        errors.iter().map(|error| error.message.as_str()).collect()
    }

    #[test]
    fn from_flags_builds_one_decider() {
        let config = Config::from_flags(Global::default(), flags(&["/opt/libdemo.so", "/opt/libbilling.so"])).unwrap();

        assert_eq!(config.path, None);
        assert_eq!(config.deciders.len(), 1);
        assert_eq!(config.deciders[0].name, FLAGS_DECIDER_NAME);
        assert_eq!(config.deciders[0].plugins, ["demo", "billing"]);
        assert_eq!(config.deciders[0].pollers, 1);
        assert_eq!(config.deciders[0].failed_decision_policy, FailedDecisionPolicy::TimeOut);
        assert_eq!(config.deciders[0].location, None);
        assert_eq!(
            config.plugin("demo").map(|plugin| plugin.path.clone()),
            Some(PathBuf::from("/opt/libdemo.so"))
        );
    }

    #[test]
    fn from_flags_relative_path_uses_working_folder() {
        let config = Config::from_flags(Global::default(), flags(&["target/libdemo.so"])).unwrap();

        let expected = std::env::current_dir().unwrap().join("target/libdemo.so");
        assert_eq!(config.plugins[0].path, expected);
    }

    #[test]
    fn from_flags_repeated_names_numbered() {
        let config =
            Config::from_flags(Global::default(), flags(&["/a/libdemo.so", "/b/libdemo.so", "/c/demo"])).unwrap();

        let names: Vec<&str> = config.plugins.iter().map(|plugin| plugin.name.as_str()).collect();
        assert_eq!(names, ["demo", "demo-2", "demo-3"]);
    }

    #[test]
    fn from_flags_reports_every_error() {
        let global = Global {
            endpoint_url: Some("localhost:8080".to_string()),
            shutdown_timeout_secs: 0,
            ..Global::default()
        };
        let mut decider = flags(&["~/libdemo.so"]);
        decider.task_list = "a:b".to_string();
        decider.pollers = 101;

        let errors = Config::from_flags(global, decider).unwrap_err();

        assert_eq!(
            messages(&errors),
            [
                "invalid value 'localhost:8080' for 'endpoint_url': expected a URL that starts with http:// or https://",
                "invalid value '0' for 'shutdown_timeout_secs': out of range, must be from 1 to 3600",
                "invalid value '~/libdemo.so' for 'path': '~' is not expanded to the home folder",
                "invalid value 'a:b' for 'task_list': must not contain ':'",
                "invalid value '101' for 'pollers': out of range, must be from 1 to 100",
            ]
        );
        assert!(errors.iter().all(|error| error.location.is_none()));
    }

    #[test]
    fn from_flags_requires_a_plugin() {
        let errors = Config::from_flags(Global::default(), flags(&[])).unwrap_err();

        assert_eq!(
            messages(&errors),
            ["missing plugin path, because a decider needs at least one plugin"]
        );
    }

    #[test]
    fn global_validate_accepts_defaults() {
        assert_eq!(Global::default().validate(), Ok(()));
    }

    #[test]
    fn global_validate_rejects_empty_identity() {
        let global = Global {
            identity: Some(String::new()),
            ..Global::default()
        };

        let errors = global.validate().unwrap_err();
        assert_eq!(
            messages(&errors),
            ["invalid value '' for 'identity': must be 1 to 256 characters long, found 0"]
        );
    }

    #[test]
    fn swf_name_from_flag() {
        assert_eq!(validate_swf_name("domain", "orders"), Ok(()));

        let error = validate_swf_name("domain", " orders").unwrap_err();
        assert_eq!(
            error.message,
            "invalid value ' orders' for 'domain': must not start or end with whitespace"
        );
    }

    #[test]
    fn endpoint_url_from_environment_valid() {
        let urls = [
            "http://localhost",
            "http://localhost:8080",
            "https://swf.us-east-1.amazonaws.com",
            "https://swf.us-east-1.amazonaws.com:443/",
            "http://[::1]",
            "http://[::1]:8080",
            "https://[2001:db8::1]:8443/swf",
        ];

        for url in urls {
            assert_eq!(validate_endpoint_url("AWS_ENDPOINT_URL_SWF", url), Ok(()), "{url}");
        }
    }

    #[test]
    fn endpoint_url_from_environment_invalid() {
        let cases = [
            (
                "not-a-url",
                "invalid value 'not-a-url' for 'AWS_ENDPOINT_URL_SWF': expected a URL that starts with http:// or https://",
            ),
            (
                "ftp://localhost",
                "invalid value 'ftp://localhost' for 'AWS_ENDPOINT_URL_SWF': expected a URL that starts with http:// or https://",
            ),
            ("", "invalid value '' for 'AWS_ENDPOINT_URL_SWF': must not be empty"),
            (
                "http://",
                "invalid value 'http://' for 'AWS_ENDPOINT_URL_SWF': missing host",
            ),
            (
                "https://:443",
                "invalid value 'https://:443' for 'AWS_ENDPOINT_URL_SWF': missing host",
            ),
        ];

        for (url, message) in cases {
            let error = validate_endpoint_url("AWS_ENDPOINT_URL_SWF", url).unwrap_err();
            assert_eq!(error.message, message, "{url:?}");
            assert_eq!(error.location, None, "{url:?}");
            assert!(error.hint.is_some(), "{url:?}");
        }
    }

    #[test]
    fn endpoint_url_error_names_source() {
        let error = validate_endpoint_url("AWS_ENDPOINT_URL", "localhost:4566").unwrap_err();

        assert_eq!(
            error.to_string(),
            "invalid value 'localhost:4566' for 'AWS_ENDPOINT_URL': expected a URL that starts with http:// or https://\n  hint: use a URL such as https://swf.us-east-1.amazonaws.com or http://localhost:8080"
        );
    }
}
