//! Tests of the typed configuration: `parse`, `load` and `load_global`.

use std::path::{Path, PathBuf};

use super::*;

const PATH: &str = "/etc/caravan/caravan.ini";

/// The smallest valid file with a decider.
const MINIMAL: &str = "\
[plugin:demo]
path = /opt/caravan/libdemo.so

[decider:main]
domain = orders-prod
task_list = orders
plugins = demo
";

fn parse_ok(text: &str) -> Config {
    match parse(text, Path::new(PATH)) {
        Ok(config) => config,
        Err(errors) => panic!("unexpected errors:\n{errors}"),
    }
}

fn parse_errors(text: &str) -> Vec<ConfigError> {
    match parse(text, Path::new(PATH)) {
        Ok(config) => panic!("expected errors, parsed {config:#?}"),
        Err(errors) => errors.0,
    }
}

/// Parses a file that should have exactly one error and returns it.
fn single_error(text: &str) -> ConfigError {
    let mut errors = parse_errors(text);
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    errors.remove(0)
}

fn lines(errors: &[ConfigError]) -> Vec<u32> {
    errors
        .iter()
        .map(|error| error.location.as_ref().map_or(0, |location| location.line))
        .collect()
}

fn line(error: &ConfigError) -> u32 {
    error.location.as_ref().map_or(0, |location| location.line)
}

/// Returns the ```ini block of the module documentation, so that the example is tested.
fn documented_example() -> String {
    let source = include_str!("mod.rs");
    let mut example = String::new();
    let mut inside = false;

    for line in source.lines() {
        let Some(text) = line.strip_prefix("//!") else {
            continue;
        };
        let text = text.strip_prefix(' ').unwrap_or(text);
        if text.starts_with("```") {
            if inside {
                break;
            }
            inside = text == "```ini";
            continue;
        }
        if inside {
            example.push_str(text);
            example.push('\n');
        }
    }
    example
}

/// A file in a fresh folder under the system's temporary folder, removed when dropped.
struct TempFile {
    folder: PathBuf,
    path: PathBuf,
}

impl TempFile {
    fn new(test: &str, text: &str) -> TempFile {
        let folder = std::env::temp_dir().join(format!("caravan-config-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("caravan.ini");
        std::fs::write(&path, text).unwrap();
        TempFile { folder, path }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

#[test]
fn documented_example_parses() {
    let example = documented_example();
    assert!(example.contains("[decider:refunds]"), "example not found:\n{example}");

    let config = parse_ok(&example);

    assert_eq!(config.global.region.as_deref(), Some("us-east-1"));
    assert_eq!(config.global.domain.as_deref(), Some("orders-prod"));
    assert!(config.global.register_types);
    assert_eq!(
        config.plugins[0].path,
        PathBuf::from("/etc/caravan/plugins/liborders.so")
    );
    assert_eq!(
        config.plugins[1].path,
        PathBuf::from("/etc/caravan/plugins/libbilling.so")
    );
    assert_eq!(config.deciders[0].domain, "orders-prod");
    assert_eq!(config.deciders[0].plugins, ["orders", "billing"]);
    assert_eq!(config.deciders[0].pollers, 4);
    assert_eq!(config.deciders[1].task_list, "refunds-orders-prod");
    assert_eq!(config.deciders[1].plugins, ["billing"]);
    assert_eq!(
        config.deciders[1].failed_decision_policy,
        FailedDecisionPolicy::FailExecution
    );
    assert_eq!(config.workers[0].domain, "orders-prod");
    assert_eq!(config.workers[0].plugins, ["order-steps"]);
    assert_eq!(config.workers[0].concurrency, 20);
    assert_eq!(config.workers[0].pollers, 1);
}

#[test]
fn fixture_file_parses() {
    let text = include_str!("../../tests/data/config/full.ini");

    let config = match parse(text, Path::new("/srv/caravan/caravan.ini")) {
        Ok(config) => config,
        Err(errors) => panic!("unexpected errors:\n{errors}"),
    };

    assert_eq!(config.global.region.as_deref(), Some("eu-central-1"));
    assert_eq!(config.global.shutdown_timeout_secs, 80);
    assert_eq!(
        config.plugins[0].path,
        PathBuf::from("/srv/caravan/plugins/libinvoices.so")
    );
    assert_eq!(
        config.plugins[1].path,
        PathBuf::from("/srv/caravan/plugins/librefunds.so")
    );
    assert_eq!(config.deciders[0].domain, "billing-prod");
    assert_eq!(config.deciders[0].pollers, 8);
    assert_eq!(config.deciders[1].plugins, ["refunds", "invoices"]);
    assert_eq!(
        config.deciders[1].failed_decision_policy,
        FailedDecisionPolicy::FailExecution
    );
}

#[test]
fn repository_configs_parse() {
    let files = [
        ("config/local.ini", include_str!("../../config/local.ini")),
        ("config/aws.ini", include_str!("../../config/aws.ini")),
    ];

    for (name, text) in files {
        let path = Path::new("/srv/caravan").join(name);
        if let Err(errors) = parse(text, &path) {
            panic!("{name} has errors:\n{errors}");
        }
    }
}

#[test]
fn defaults_without_caravan_section() {
    let config = parse_ok(MINIMAL);

    assert_eq!(config.path, Some(PathBuf::from(PATH)));
    assert_eq!(config.global, Global::default());
    assert_eq!(config.global.shutdown_timeout_secs, 75);
    assert!(!config.global.register_types);
    assert_eq!(config.global.region, None);
    assert_eq!(config.deciders[0].pollers, 1);
    assert_eq!(config.deciders[0].failed_decision_policy, FailedDecisionPolicy::TimeOut);
}

#[test]
fn empty_file_is_valid() {
    let config = parse_ok("");

    assert!(config.plugins.is_empty());
    assert!(config.deciders.is_empty());
}

#[test]
fn caravan_section_all_keys() {
    let text = "\
[caravan]
region = eu-west-1
profile = swf admin
endpoint_url = http://localhost:8080
identity = worker 7
shutdown_timeout_secs = 3600
register_types = ON
domain = orders-prod
";
    let global = parse_ok(text).global;

    assert_eq!(global.region.as_deref(), Some("eu-west-1"));
    assert_eq!(global.profile.as_deref(), Some("swf admin"));
    assert_eq!(global.endpoint_url.as_deref(), Some("http://localhost:8080"));
    assert_eq!(global.identity.as_deref(), Some("worker 7"));
    assert_eq!(global.shutdown_timeout_secs, 3600);
    assert!(global.register_types);
    assert_eq!(global.domain.as_deref(), Some("orders-prod"));
}

#[test]
fn plugin_permissions_default_strict() {
    let config = parse_ok("[caravan]\nregion = us-east-1\n");

    assert_eq!(config.global.plugin_permissions, PluginPermissions::Strict);
}

#[test]
fn plugin_permissions_relaxed() {
    let config = parse_ok("[caravan]\nplugin_permissions = Relaxed\n");

    assert_eq!(config.global.plugin_permissions, PluginPermissions::Relaxed);
}

#[test]
fn plugin_permissions_invalid() {
    let error = single_error("[caravan]\nplugin_permissions = off\n");

    assert_eq!(line(&error), 2);
    assert_eq!(
        error.message,
        "invalid value 'off' for 'plugin_permissions' in [caravan]: expected 'strict' or 'relaxed'"
    );
    assert!(error.hint.as_deref().unwrap_or("").contains("development"), "{error:?}");
}

#[test]
fn empty_values_use_defaults() {
    let config = parse_ok("[caravan]\nregion =\nshutdown_timeout_secs =\nregister_types =\n");

    assert_eq!(config.global, Global::default());
}

#[test]
fn bool_false_words() {
    for word in ["0", "no", "False", "off"] {
        let config = parse_ok(&format!("[caravan]\nregister_types = {word}\n"));
        assert!(!config.global.register_types, "{word}");
    }
}

#[test]
fn bool_invalid_lists_words() {
    let error = single_error("[caravan]\n\nregister_types = enabled\n");

    assert_eq!(line(&error), 3);
    assert_eq!(
        error.message,
        "invalid value 'enabled' for 'register_types' in [caravan]: expected true, yes, on, 1 for true, or false, no, off, 0 for false"
    );
}

#[test]
fn integer_invalid() {
    let error = single_error("[caravan]\nshutdown_timeout_secs = 75s\n");

    assert_eq!(line(&error), 2);
    assert_eq!(
        error.message,
        "invalid value '75s' for 'shutdown_timeout_secs' in [caravan]: expected a whole number from 1 to 3600"
    );
}

#[test]
fn integer_out_of_range() {
    let text = MINIMAL.replace("plugins = demo", "plugins = demo\npollers = 0");
    let error = single_error(&text);

    assert_eq!(line(&error), 8);
    assert_eq!(
        error.message,
        "invalid value '0' for 'pollers' in [decider:main]: out of range, must be from 1 to 100"
    );
}

#[test]
fn endpoint_url_invalid() {
    let error = single_error("[caravan]\nendpoint_url = localhost:8080\n");

    assert_eq!(line(&error), 2);
    assert!(
        error
            .message
            .ends_with("expected a URL that starts with http:// or https://"),
        "{}",
        error.message
    );
    assert!(error.hint.is_some());
}

#[test]
fn identity_too_long() {
    let identity = "x".repeat(257);
    let error = single_error(&format!("[caravan]\nidentity = {identity}\n"));

    assert!(
        error.message.ends_with("must be 1 to 256 characters long, found 257"),
        "{}",
        error.message
    );
}

#[test]
fn multi_line_value_rejected() {
    let error = single_error("[caravan]\nregion = us-east-1\n  profile = prod\n");

    assert_eq!(line(&error), 2);
    assert_eq!(
        error.message,
        "invalid value 'us-east-1\\nprofile = prod' for 'region' in [caravan]: the value spans several lines"
    );
}

#[test]
fn plugin_relative_path_from_config_folder() {
    let config = parse_ok(&MINIMAL.replace("/opt/caravan/libdemo.so", "plugins/libdemo.so"));

    assert_eq!(config.plugins[0].path, PathBuf::from("/etc/caravan/plugins/libdemo.so"));
}

#[test]
fn plugin_path_with_here() {
    let config = parse_ok(&MINIMAL.replace("/opt/caravan/libdemo.so", "%(here)s/../lib/libdemo.so"));

    assert_eq!(config.plugins[0].path, PathBuf::from("/etc/caravan/../lib/libdemo.so"));
}

#[test]
fn plugin_relative_path_with_relative_config() {
    let config = parse(
        &MINIMAL.replace("/opt/caravan/libdemo.so", "libdemo.so"),
        Path::new("conf/caravan.ini"),
    )
    .unwrap();

    let folder = std::env::current_dir().unwrap().join("conf");
    assert_eq!(config.path, Some(folder.join("caravan.ini")));
    assert_eq!(config.plugins[0].path, folder.join("libdemo.so"));
}

#[test]
fn plugin_home_path_rejected() {
    let error = single_error(&MINIMAL.replace("/opt/caravan/libdemo.so", "~/libdemo.so"));

    assert_eq!(line(&error), 2);
    assert!(
        error.message.ends_with("'~' is not expanded to the home folder"),
        "{}",
        error.message
    );
}

#[test]
fn plugin_location_is_header() {
    let config = parse_ok(MINIMAL);

    let location = config.plugins[0].location.clone().unwrap();
    assert_eq!(location.to_string(), "/etc/caravan/caravan.ini:1");
    assert_eq!(
        config.deciders[0].location.clone().map(|location| location.line),
        Some(4)
    );
}

#[test]
fn plugin_missing_path() {
    let error = single_error("[plugin:demo]\n");

    assert_eq!(line(&error), 1);
    assert_eq!(error.message, "missing key 'path' in [plugin:demo]");
}

#[test]
fn plugin_empty_path_is_missing() {
    let error = single_error("[plugin:demo]\npath =\n");

    assert_eq!(line(&error), 2);
    assert_eq!(error.message, "missing value for 'path' in [plugin:demo]");
}

#[test]
fn plugin_name_trimmed() {
    let config = parse_ok(&MINIMAL.replace("[plugin:demo]", "[plugin: demo ]"));

    assert_eq!(config.plugins[0].name, "demo");
}

#[test]
fn plugin_name_empty() {
    let error = single_error("[plugin:]\npath = /x.so\n");

    assert_eq!(line(&error), 1);
    assert_eq!(error.message, "missing plugin name in [plugin:]");
}

#[test]
fn plugin_name_with_comma() {
    let error = single_error("[plugin:a,b]\npath = /x.so\n");

    assert!(
        error.message.starts_with("invalid plugin name 'a,b' in [plugin:a,b]"),
        "{}",
        error.message
    );
}

#[test]
fn plugin_name_duplicate_after_trim() {
    let error = single_error("[plugin:demo]\npath = /a.so\n[plugin: demo]\npath = /b.so\n");

    assert_eq!(line(&error), 3);
    assert_eq!(
        error.message,
        "duplicate plugin name 'demo' in [plugin: demo], already used on line 1"
    );
}

#[test]
fn decider_name_empty() {
    let error = single_error(&MINIMAL.replace("[decider:main]", "[decider: ]"));

    assert_eq!(line(&error), 4);
    assert_eq!(error.message, "missing decider name in [decider:]");
}

#[test]
fn decider_missing_required_keys() {
    let errors = parse_errors("[plugin:demo]\npath = /x.so\n[decider:main]\n");

    let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "missing key 'domain' in [decider:main]",
            "missing key 'task_list' in [decider:main]",
            "missing key 'plugins' in [decider:main]",
        ]
    );
    assert_eq!(lines(&errors), [3, 3, 3]);
}

#[test]
fn decider_plugin_list_separators() {
    let text = "\
[plugin:a]
path = /a.so
[plugin:b]
path = /b.so
[plugin:c]
path = /c.so
[decider:main]
domain = d
task_list = t
plugins = a,b
    c
";
    let config = parse_ok(text);

    assert_eq!(config.deciders[0].plugins, ["a", "b", "c"]);
}

#[test]
fn decider_plugin_list_only_commas() {
    let error = single_error(&MINIMAL.replace("plugins = demo", "plugins = , ,"));

    assert_eq!(line(&error), 7);
    assert_eq!(error.message, "missing value for 'plugins' in [decider:main]");
}

#[test]
fn decider_unknown_plugin_suggestion() {
    let error = single_error(&MINIMAL.replace("plugins = demo", "plugins = dmeo"));

    assert_eq!(line(&error), 7);
    assert_eq!(
        error.message,
        "plugin 'dmeo' not found: the file has no [plugin:dmeo] section"
    );
    assert_eq!(error.hint.as_deref(), Some("did you mean 'demo'?"));
}

#[test]
fn decider_unknown_plugin_without_suggestion() {
    let error = single_error(&MINIMAL.replace("plugins = demo", "plugins = demo billing"));

    assert_eq!(
        error.message,
        "plugin 'billing' not found: the file has no [plugin:billing] section"
    );
    assert_eq!(
        error.hint.as_deref(),
        Some("add a [plugin:billing] section with the library's path")
    );
}

#[test]
fn decider_plugin_listed_twice() {
    let error = single_error(&MINIMAL.replace("plugins = demo", "plugins = demo, demo"));

    assert_eq!(
        error.message,
        "plugin 'demo' listed twice in 'plugins' in [decider:main]"
    );
}

#[test]
fn decider_plugin_defined_after_decider() {
    let text = "[decider:main]\ndomain = d\ntask_list = t\nplugins = demo\n[plugin:demo]\npath = /x.so\n";

    assert_eq!(parse_ok(text).deciders[0].plugins, ["demo"]);
}

#[test]
fn decider_invalid_plugin_still_known() {
    let error = single_error(&MINIMAL.replace("path = /opt/caravan/libdemo.so", "path ="));

    assert_eq!(error.message, "missing value for 'path' in [plugin:demo]");
}

#[test]
fn decider_swf_names_checked() {
    let text = MINIMAL
        .replace("orders-prod", "orders/prod")
        .replace("task_list = orders", "task_list = arn");
    let errors = parse_errors(&text);

    assert_eq!(lines(&errors), [5, 6]);
    assert_eq!(
        errors[0].message,
        "invalid value 'orders/prod' for 'domain' in [decider:main]: must not contain '/'"
    );
    assert_eq!(
        errors[1].message,
        "invalid value 'arn' for 'task_list' in [decider:main]: must not be the literal 'arn'"
    );
}

#[test]
fn decider_policy_values() {
    let fail = parse_ok(&MINIMAL.replace(
        "plugins = demo",
        "plugins = demo\nfailed_decision_policy = FAIL_EXECUTION",
    ));
    let time_out = parse_ok(&MINIMAL.replace("plugins = demo", "plugins = demo\nfailed_decision_policy = time_out"));

    assert_eq!(
        fail.deciders[0].failed_decision_policy,
        FailedDecisionPolicy::FailExecution
    );
    assert_eq!(
        time_out.deciders[0].failed_decision_policy,
        FailedDecisionPolicy::TimeOut
    );
}

#[test]
fn decider_policy_invalid() {
    let error = single_error(&MINIMAL.replace("plugins = demo", "plugins = demo\nfailed_decision_policy = retry"));

    assert_eq!(line(&error), 8);
    assert_eq!(
        error.message,
        "invalid value 'retry' for 'failed_decision_policy' in [decider:main]: expected 'time_out' or 'fail_execution'"
    );
}

#[test]
fn duplicate_task_list_names_both_sections() {
    let text = format!("{MINIMAL}\n[decider:second]\ndomain = orders-prod\ntask_list = orders\nplugins = demo\n");
    let error = single_error(&text);

    assert_eq!(line(&error), 9);
    assert_eq!(
        error.message,
        "duplicate task list 'orders' in domain 'orders-prod': [decider:second] and [decider:main] (line 4) both poll it"
    );
}

#[test]
fn same_task_list_other_domain_allowed() {
    let text = format!("{MINIMAL}\n[decider:second]\ndomain = orders-test\ntask_list = orders\nplugins = demo\n");

    assert_eq!(parse_ok(&text).deciders.len(), 2);
}

#[test]
fn defaults_apply_to_sections() {
    let text = "\
[DEFAULT]
domain = orders-prod
pollers = 3
[plugin:demo]
path = /x.so
[decider:main]
task_list = orders
plugins = demo
";
    let config = parse_ok(text);

    assert_eq!(config.global.domain, None);
    assert_eq!(config.deciders[0].domain, "orders-prod");
    assert_eq!(config.deciders[0].pollers, 3);
}

#[test]
fn defaults_keys_not_unknown() {
    let text = format!("[DEFAULT]\nplugin_dir = /opt/caravan\nenvironment = prod\n[caravan]\n{MINIMAL}");

    let config = parse_ok(&text);
    assert_eq!(config.deciders.len(), 1);
}

#[test]
fn default_value_error_points_to_default_line() {
    let text = format!("[DEFAULT]\npollers = many\n{MINIMAL}");
    let error = single_error(&text);

    assert_eq!(line(&error), 2);
    assert_eq!(
        error.message,
        "invalid value 'many' for 'pollers' in [decider:main]: expected a whole number from 1 to 100"
    );
}

#[test]
fn unknown_key_suggestion() {
    let error = single_error(&MINIMAL.replace("plugins = demo", "plugins = demo\ntaks_list = x"));

    assert_eq!(line(&error), 8);
    assert_eq!(error.message, "unknown key 'taks_list' in [decider:main]");
    assert_eq!(error.hint.as_deref(), Some("did you mean 'task_list'?"));
}

#[test]
fn unknown_key_suggestion_by_word() {
    let error = single_error("[caravan]\ntimeout = 30\n");

    assert_eq!(error.hint.as_deref(), Some("did you mean 'shutdown_timeout_secs'?"));
}

#[test]
fn unknown_key_lists_valid_keys() {
    let error = single_error("[plugin:demo]\npath = /x.so\nversion = 2\n");

    assert_eq!(line(&error), 3);
    assert_eq!(error.message, "unknown key 'version' in [plugin:demo]");
    assert_eq!(error.hint.as_deref(), Some("the keys of [plugin:NAME] are: path"));
}

#[test]
fn unknown_section_suggestions() {
    let cases = [
        ("[plugins:demo]", "did you mean [plugin:demo]?"),
        ("[decider default]", "did you mean [decider:default]?"),
        ("[Decider:main]", "did you mean [decider:main]?"),
        ("[Caravan]", "did you mean [caravan]?"),
        ("[default]", "did you mean [DEFAULT]?"),
        ("[plugin]", "did you mean [plugin:NAME]?"),
        ("[logger-root]", "did you mean [logger_root]?"),
        ("[logers]", "did you mean [loggers]?"),
    ];

    for (header, hint) in cases {
        let error = single_error(&format!("{header}\n"));
        assert_eq!(error.hint.as_deref(), Some(hint), "{header}");
        assert_eq!(line(&error), 1, "{header}");
    }
}

#[test]
fn unknown_section_without_suggestion() {
    let error = single_error("[metrics]\n");

    assert_eq!(error.message, "unknown section [metrics]");
    assert!(
        error
            .hint
            .as_deref()
            .unwrap_or("")
            .starts_with("the known sections are [caravan]"),
        "{:?}",
        error.hint
    );
}

#[test]
fn unlisted_logging_sections_ignored() {
    let text = format!(
        "{MINIMAL}[loggers]\nkeys = root\n[logger_root]\nlevel = INFO\n[formatter_plain]\nformat = %(asctime)s %(message)s\n"
    );
    let config = parse_ok(&text);

    assert_eq!(config.deciders.len(), 1);
    let logging = config.logging.expect("logging configured");
    assert_eq!(logging.root.level, Some(tracing_subscriber::filter::LevelFilter::INFO));
}

#[test]
fn interpolation_error_reported() {
    let error = single_error(&MINIMAL.replace("task_list = orders", "task_list = %(queue)s"));

    assert_eq!(line(&error), 6);
    assert_eq!(
        error.message,
        "interpolation name 'queue' not found in the value of 'task_list' in [decider:main]"
    );
}

#[test]
fn syntax_errors_before_section_checks() {
    let errors = parse_errors("[caravan]\nregion us-east-1\n[metrics]\n");

    assert_eq!(lines(&errors), [2]);
}

#[test]
fn many_errors_in_file_order() {
    let text = "\
[plugin:billing]
path = /opt/libbilling.so
[decider:main]
domain = orders-prod
task_list = orders
plugins = bililng
pollers = 0
[caravan]
region = US East
colour = blue
[plugins:extra]
[decider:second]
domain = orders-prod
task_list = orders
plugins = billing
";
    let errors = parse_errors(text);

    assert_eq!(lines(&errors), [6, 7, 9, 10, 11, 12]);
    assert!(
        errors[0].message.starts_with("plugin 'bililng' not found"),
        "{}",
        errors[0].message
    );
    assert!(errors[1].message.contains("'pollers'"), "{}", errors[1].message);
    assert!(errors[2].message.contains("'region'"), "{}", errors[2].message);
    assert_eq!(errors[3].message, "unknown key 'colour' in [caravan]");
    assert_eq!(errors[4].message, "unknown section [plugins:extra]");
    assert!(
        errors[5].message.starts_with("duplicate task list 'orders'"),
        "{}",
        errors[5].message
    );
}

#[test]
fn errors_display_with_file_and_line() {
    let errors = parse(&MINIMAL.replace("plugins = demo", "plugins = dmeo"), Path::new(PATH)).unwrap_err();

    assert_eq!(
        errors.to_string(),
        "/etc/caravan/caravan.ini:7: plugin 'dmeo' not found: the file has no [plugin:dmeo] section\n  hint: did you mean 'demo'?"
    );
}

#[test]
fn load_reads_file() {
    let file = TempFile::new("load", &MINIMAL.replace("/opt/caravan/libdemo.so", "libdemo.so"));

    let config = load(&file.path).unwrap();

    assert_eq!(config.path.as_deref(), Some(file.path.as_path()));
    assert_eq!(config.plugins[0].path, file.folder.join("libdemo.so"));
}

#[test]
fn load_missing_file() {
    let path = std::env::temp_dir().join("caravan-config-missing").join("caravan.ini");

    let errors = load(&path).unwrap_err();

    assert_eq!(errors.len(), 1);
    assert_eq!(errors.0[0].location, None);
    assert!(
        errors.0[0]
            .message
            .starts_with(&format!("failed to read config file '{}': ", path.display())),
        "{}",
        errors.0[0].message
    );
}

#[test]
fn load_global_ignores_other_sections() {
    let file = TempFile::new("global", "[caravan]\ndomain = orders-prod\n[decider:main]\n[metrics]\n");

    let global = load_global(&file.path).unwrap();

    assert_eq!(global.domain.as_deref(), Some("orders-prod"));
}

#[test]
fn load_global_checks_caravan_section() {
    let errors = parse_global("[caravan]\nregion = us-east-1\nregoin = x\n", Path::new(PATH)).unwrap_err();

    assert_eq!(lines(&errors.0), [3]);
    assert_eq!(errors.0[0].hint.as_deref(), Some("did you mean 'region'?"));
}

#[test]
fn load_global_without_caravan_section() {
    let global = parse_global("[decider:main]\n", Path::new(PATH)).unwrap();

    assert_eq!(global, Global::default());
}

#[test]
fn policy_from_str_and_display() {
    assert_eq!(
        "Time_Out".parse::<FailedDecisionPolicy>(),
        Ok(FailedDecisionPolicy::TimeOut)
    );
    assert_eq!(FailedDecisionPolicy::FailExecution.to_string(), "fail_execution");
    assert_eq!(
        "never".parse::<FailedDecisionPolicy>().unwrap_err().to_string(),
        "invalid failed decision policy 'never': expected 'time_out' or 'fail_execution'"
    );
}

#[test]
fn many_unknown_keys_in_one_section() {
    let key_count = 50_000;
    let mut text = String::from("[caravan]\n");
    for number in 0..key_count {
        text.push_str(&format!("unknown_{number} = {number}\n"));
    }

    let errors = parse_errors(&text);

    assert_eq!(errors.len(), key_count);
    assert_eq!(line(&errors[0]), 2);
    assert_eq!(line(&errors[key_count - 1]), 50_001);
    assert_eq!(errors[0].message, "unknown key 'unknown_0' in [caravan]");
    assert_eq!(
        errors[key_count - 1].message,
        "unknown key 'unknown_49999' in [caravan]"
    );
}

#[test]
fn section_name_with_nul_escaped() {
    let error = single_error("[cara\0van]\nregion = us-east-1\n");

    assert_eq!(line(&error), 1);
    assert_eq!(error.message, r"unknown section [cara\0van]");
    assert!(!error.to_string().contains('\0'), "{:?}", error.to_string());
}

#[test]
fn unknown_key_with_escape_sequence_escaped() {
    let error = single_error("[plugin:demo]\npath = /x.so\nre\u{1b}[2Jgion = x\n");

    assert_eq!(line(&error), 3);
    assert_eq!(error.message, r"unknown key 're\u{1b}[2jgion' in [plugin:demo]");
}

#[test]
fn long_value_cut_in_message() {
    let value = "é".repeat(10_000);
    let error = single_error(&format!("[caravan]\nregion = {value}\n"));

    assert_eq!(line(&error), 2);
    assert_eq!(
        error.message,
        format!(
            "invalid value '{}…' for 'region' in [caravan]: expected an AWS region name of lowercase letters, digits and hyphens, such as us-east-1",
            "é".repeat(80)
        )
    );
}

#[test]
fn unknown_plugin_with_control_character_escaped() {
    let error = single_error(&MINIMAL.replace("plugins = demo", "plugins = demo de\u{7f}mo"));

    assert_eq!(line(&error), 7);
    assert_eq!(
        error.message,
        r"plugin 'de\u{7f}mo' not found: the file has no [plugin:de\u{7f}mo] section"
    );
}

#[test]
fn endpoint_url_long_port_cut() {
    let port = "9".repeat(10_000);
    let error = single_error(&format!("[caravan]\nendpoint_url = http://localhost:{port}\n"));

    let expected_reason = format!("invalid port '{}…', expected a number from 0 to 65535", "9".repeat(80));
    assert!(error.message.ends_with(&expected_reason), "{}", error.message);
    assert!(error.message.chars().count() < 300, "{}", error.message);
}

#[test]
fn lambda_section_sets_command() {
    let text = format!("{MINIMAL}\n[lambda:resize]\ncommand = bin/resize --width 100 | gzip\n");

    let config = parse_ok(&text);

    let local = &config.global.local;
    assert_eq!(
        local.lambda_functions.get("resize").map(String::as_str),
        Some("bin/resize --width 100 | gzip")
    );
    assert_eq!(local.lambda_working_dir.as_deref(), Some(Path::new("/etc/caravan")));
}

#[test]
fn lambda_command_may_span_lines() {
    let config = parse_ok("[lambda:report]\ncommand =\n    cd reports\n    ./build.sh\n");

    assert_eq!(
        config.global.local.lambda_functions.get("report").map(String::as_str),
        Some("cd reports\n./build.sh")
    );
}

#[test]
fn lambda_name_may_be_an_arn() {
    let name = "arn:aws:lambda:us-east-1:123456789012:function:resize";

    let config = parse_ok(&format!("[lambda:{name}]\ncommand = cat\n"));

    assert!(config.global.local.lambda_functions.contains_key(name));
}

#[test]
fn lambda_missing_command() {
    let error = single_error("[lambda:resize]\n");

    assert_eq!(line(&error), 1);
    assert_eq!(error.message, "missing key 'command' in [lambda:resize]");
    assert!(
        error.hint.as_deref().unwrap_or_default().contains("shell command"),
        "{error}"
    );
}

#[test]
fn lambda_empty_command_is_missing() {
    let error = single_error("[lambda:resize]\ncommand =\n");

    assert_eq!(line(&error), 2);
    assert_eq!(error.message, "missing value for 'command' in [lambda:resize]");
}

#[test]
fn lambda_name_too_long() {
    let name = "f".repeat(65);

    let error = single_error(&format!("[lambda:{name}]\ncommand = cat\n"));

    assert_eq!(line(&error), 1);
    assert!(
        error.message.starts_with("invalid Lambda function name"),
        "{}",
        error.message
    );
    assert!(error.message.contains("1 to 64 characters"), "{}", error.message);
    assert_eq!(error.hint.as_deref(), Some("name the section as in [lambda:resize]"));
}

#[test]
fn lambda_name_empty() {
    let error = single_error("[lambda:]\ncommand = cat\n");

    assert_eq!(error.message, "missing lambda name in [lambda:]");
}

#[test]
fn lambda_name_duplicate() {
    let error = single_error("[lambda:resize]\ncommand = a\n[lambda: resize]\ncommand = b\n");

    assert_eq!(line(&error), 3);
    assert!(
        error.message.starts_with("duplicate lambda name 'resize'"),
        "{}",
        error.message
    );
}

#[test]
fn lambda_unknown_key() {
    let error = single_error("[lambda:resize]\ncommand = cat\ntimeout = 30\n");

    assert_eq!(line(&error), 3);
    assert_eq!(error.message, "unknown key 'timeout' in [lambda:resize]");
    assert_eq!(error.hint.as_deref(), Some("the keys of [lambda:NAME] are: command"));
}

#[test]
fn lambda_section_misspelled() {
    let error = single_error("[lamda:resize]\ncommand = cat\n");

    assert_eq!(error.hint.as_deref(), Some("did you mean [lambda:resize]?"));
}

#[test]
fn load_global_reads_lambda_sections() {
    let global = parse_global("[lambda:resize]\ncommand = cat\n[decider:main]\n", Path::new(PATH)).unwrap();

    assert_eq!(
        global.local.lambda_functions.get("resize").map(String::as_str),
        Some("cat")
    );
    assert_eq!(
        global.local.lambda_working_dir.as_deref(),
        Some(Path::new("/etc/caravan"))
    );
}

#[test]
fn load_global_checks_lambda_sections() {
    let errors = parse_global("[lambda:resize]\n", Path::new(PATH)).unwrap_err();

    assert_eq!(lines(&errors.0), [1]);
    assert_eq!(errors.0[0].message, "missing key 'command' in [lambda:resize]");
}

#[test]
fn local_fault_keys_read() {
    let config = parse_ok(
        "[local]\nfault_throttle_share = 0.05\nfault_error_share = 0.02\nfault_drop_share = .03\n\
         fault_latency_ms = 20\nfault_latency_jitter_ms = 5\nfault_seed = 42\n",
    );

    let faults = &config.global.local.faults;
    assert_eq!(faults.throttle_share, 0.05);
    assert_eq!(faults.error_share, 0.02);
    assert_eq!(faults.drop_share, 0.03);
    assert_eq!(faults.latency_ms, 20);
    assert_eq!(faults.latency_jitter_ms, 5);
    assert_eq!(faults.seed, Some(42));
    assert!(faults.is_active());
}

#[test]
fn local_faults_off_by_default() {
    let config = parse_ok("[local]\nlisten = 127.0.0.1:9000\n");

    assert_eq!(config.global.local.faults, LocalFaults::default());
    assert!(!config.global.local.faults.is_active());
}

#[test]
fn local_fault_values_invalid() {
    let errors = parse_errors(
        "[local]\nfault_throttle_share = 1.5\nfault_error_share = five\nfault_drop_share = -0.1\n\
         fault_latency_ms = 60001\nfault_seed = lucky\n",
    );

    assert_eq!(lines(&errors), vec![2, 3, 4, 5, 6], "{errors:#?}");
    assert!(
        errors[0].message.contains("'fault_throttle_share' in [local]"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0].message.contains("out of range, must be from 0 to 1"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[1].message.contains("expected a decimal number"),
        "{}",
        errors[1].message
    );
    assert!(errors[3].message.contains("from 0 to 60000"), "{}", errors[3].message);
}

#[test]
fn local_fault_shares_over_one_rejected() {
    let error = single_error("[local]\nfault_throttle_share = 0.5\nfault_error_share = 0.4\nfault_drop_share = 0.2\n");

    assert_eq!(line(&error), 1);
    assert!(error.message.contains("add up to"), "{}", error.message);
    assert!(error.hint.is_some());
}

#[test]
fn local_fault_shares_summing_to_one_accepted() {
    let config = parse_ok("[local]\nfault_throttle_share = 0.1\nfault_error_share = 0.2\nfault_drop_share = 0.7\n");

    assert!(config.global.local.faults.is_active());
}

#[test]
fn local_unknown_fault_key_suggested() {
    let error = single_error("[local]\nfault_throttle = 0.1\n");

    assert_eq!(error.hint.as_deref(), Some("did you mean 'fault_throttle_share'?"));
}

#[test]
fn load_global_rejects_unknown_sections() {
    let errors = parse_global("[locl]\nlisten = 127.0.0.1:9000\n", Path::new(PATH)).unwrap_err();

    assert_eq!(lines(&errors.0), [1]);
    assert_eq!(errors.0[0].message, "unknown section [locl]");
    assert_eq!(errors.0[0].hint.as_deref(), Some("did you mean [local]?"));
}

#[test]
fn local_listen_port_zero_rejected() {
    let error = single_error("[local]\nlisten = 127.0.0.1:0\n");

    assert_eq!(line(&error), 2);
    assert!(error.message.contains("port 0 is not allowed"), "{}", error.message);
    assert_eq!(
        error.hint.as_deref(),
        Some("choose a fixed port, such as 127.0.0.1:8577")
    );
}

#[test]
fn flags_accept_local_endpoint_from_file() {
    let global = parse_global("[caravan]\nendpoint_url = local\n", Path::new(PATH)).unwrap();
    let flags = DeciderFlags::new(
        "demo".to_string(),
        "default".to_string(),
        vec![PathBuf::from("/usr/lib/caravan/libdemo.so")],
    );

    let config = Config::from_flags(global, flags).unwrap();

    assert!(config.global.uses_local_endpoint());
}

/// The smallest valid file with an activity worker.
const MINIMAL_WORKER: &str = "\
[plugin:steps]
path = /opt/caravan/libsteps.so

[worker:steps]
domain = orders-prod
task_list = steps
plugins = steps
";

#[test]
fn worker_defaults() {
    let config = parse_ok(MINIMAL_WORKER);

    assert!(config.deciders.is_empty());
    assert_eq!(config.workers.len(), 1);
    let worker = &config.workers[0];
    assert_eq!(worker.name, "steps");
    assert_eq!(worker.domain, "orders-prod");
    assert_eq!(worker.task_list, "steps");
    assert_eq!(worker.plugins, ["steps"]);
    assert_eq!(worker.concurrency, DEFAULT_CONCURRENCY);
    assert_eq!(worker.pollers, DEFAULT_POLLERS);
    assert_eq!(worker.location.as_ref().map(|location| location.line), Some(4));
}

#[test]
fn worker_concurrency_and_pollers() {
    let config = parse_ok(&format!("{MINIMAL_WORKER}concurrency = 1000\npollers = 4\n"));

    assert_eq!(config.workers[0].concurrency, 1000);
    assert_eq!(config.workers[0].pollers, 4);
}

#[test]
fn worker_concurrency_out_of_range() {
    for value in ["0", "1001", "-1", "ten"] {
        let error = single_error(&format!("{MINIMAL_WORKER}concurrency = {value}\n"));

        assert_eq!(line(&error), 8, "{value}: {error}");
        assert!(error.message.contains("concurrency"), "{value}: {error}");
    }
}

#[test]
fn worker_pollers_above_concurrency() {
    let error = single_error(&format!("{MINIMAL_WORKER}concurrency = 2\npollers = 3\n"));

    assert_eq!(line(&error), 9);
    assert!(error.message.contains("more than 'concurrency' (2)"), "{error}");
    assert!(
        error.hint.as_deref().unwrap_or("").contains("raise 'concurrency'"),
        "{error:?}"
    );
}

#[test]
fn worker_unknown_key_suggestion() {
    let error = single_error(&format!("{MINIMAL_WORKER}concurency = 5\n"));

    assert_eq!(line(&error), 8);
    assert!(error.message.contains("unknown key 'concurency'"), "{error}");
    assert_eq!(error.hint.as_deref(), Some("did you mean 'concurrency'?"));
}

#[test]
fn worker_rejects_decider_key() {
    let error = single_error(&format!("{MINIMAL_WORKER}failed_decision_policy = time_out\n"));

    assert!(
        error.message.contains("unknown key 'failed_decision_policy'"),
        "{error}"
    );
}

#[test]
fn worker_missing_required_keys_all_reported() {
    let errors = parse_errors("[plugin:steps]\npath = /opt/libsteps.so\n\n[worker:steps]\nconcurrency = 0\n");

    assert_eq!(errors.len(), 4, "{errors:#?}");
    let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
    assert!(
        messages.iter().any(|message| message.contains("missing key 'domain'")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|message| message.contains("missing key 'task_list'")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|message| message.contains("missing key 'plugins'")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|message| message.contains("concurrency")),
        "{messages:?}"
    );
}

#[test]
fn worker_unknown_plugin_suggestion() {
    let error = single_error(&MINIMAL_WORKER.replace("plugins = steps", "plugins = step"));

    assert!(error.message.contains("plugin 'step' not found"), "{error}");
    assert_eq!(error.hint.as_deref(), Some("did you mean 'steps'?"));
}

#[test]
fn worker_duplicate_task_list() {
    let text = format!("{MINIMAL_WORKER}\n[worker:more]\ndomain = orders-prod\ntask_list = steps\nplugins = steps\n");

    let error = single_error(&text);

    assert_eq!(line(&error), 9);
    assert!(error.message.contains("duplicate task list 'steps'"), "{error}");
    assert!(error.hint.as_deref().unwrap_or("").contains("each worker"), "{error:?}");
}

#[test]
fn worker_and_decider_share_task_list_name() {
    let text = format!("{MINIMAL_WORKER}\n[decider:main]\ndomain = orders-prod\ntask_list = steps\nplugins = steps\n");

    let config = parse_ok(&text);

    assert_eq!(config.deciders.len(), 1);
    assert_eq!(config.workers.len(), 1);
}

#[test]
fn worker_name_empty() {
    let errors = parse_errors(&MINIMAL_WORKER.replace("[worker:steps]", "[worker:]"));

    assert!(
        errors.iter().any(|error| error.message.contains("worker")),
        "{errors:#?}"
    );
}

#[test]
fn worker_section_misspelled_suggests_shape() {
    let error = single_error(&MINIMAL_WORKER.replace("[worker:steps]", "[workers:steps]"));

    assert!(
        error.hint.as_deref().unwrap_or("").contains("[worker:steps]"),
        "{error:?}"
    );
}
