//! Stage 2: reads the known sections of a parsed document into the typed configuration.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::error::{ConfigError, escape, quote};
use super::ini::{Document, Section};
use super::reader::{Lookup, Reader};
use super::values::{self, Invalid, closest, describe_key};
use super::{
    CONCURRENCY_RANGE, Config, DeciderSection, FAULT_LATENCY_MS_RANGE, FAULT_SHARE_RANGE, FailedDecisionPolicy, Global,
    LOCAL_ENDPOINT, LocalFaults, LocalSettings, POLL_WINDOW_SECS_RANGE, POLLERS_RANGE, PluginPermissions,
    PluginSection, SHUTDOWN_TIMEOUT_SECS_RANGE, WorkerSection,
};

pub const GLOBAL_SECTION: &str = "caravan";
pub const PLUGIN_PREFIX: &str = "plugin:";
pub const DECIDER_PREFIX: &str = "decider:";
pub const WORKER_PREFIX: &str = "worker:";
pub const LOCAL_SECTION: &str = "local";
pub const LAMBDA_PREFIX: &str = "lambda:";

const GLOBAL_KEYS: [&str; 8] = [
    "region",
    "profile",
    "endpoint_url",
    "identity",
    "shutdown_timeout_secs",
    "register_types",
    "domain",
    "plugin_permissions",
];
const PLUGIN_KEYS: [&str; 1] = ["path"];
const LOCAL_KEYS: [&str; 8] = [
    "listen",
    "poll_window_secs",
    "fault_throttle_share",
    "fault_error_share",
    "fault_drop_share",
    "fault_latency_ms",
    "fault_latency_jitter_ms",
    "fault_seed",
];
const FAULT_SHARE_KEYS: [&str; 3] = ["fault_throttle_share", "fault_error_share", "fault_drop_share"];
const LAMBDA_KEYS: [&str; 1] = ["command"];

/// Maximum length of a Lambda function name in SWF's ScheduleLambdaFunction decision, in characters.
const MAX_LAMBDA_NAME_CHARS: usize = 64;
const DECIDER_KEYS: [&str; 5] = ["domain", "task_list", "plugins", "pollers", "failed_decision_policy"];
const WORKER_KEYS: [&str; 5] = ["domain", "task_list", "plugins", "concurrency", "pollers"];

/// Sections of Python's `logging.config.fileConfig` format, by exact name or by prefix.
const LOGGING_SECTIONS: [&str; 3] = ["loggers", "handlers", "formatters"];
const LOGGING_PREFIXES: [&str; 3] = ["logger_", "handler_", "formatter_"];

/// Section name shapes offered when a section is unknown, for the did-you-mean hint.
const KNOWN_SECTION_NAMES: [&str; 10] = [
    "caravan",
    "local",
    "DEFAULT",
    "plugin:NAME",
    "decider:NAME",
    "worker:NAME",
    "lambda:NAME",
    "loggers",
    "handlers",
    "formatters",
];

/// Maximum number of plugin sections that the did-you-mean hint for an unknown plugin name
/// compares with. Above it the hint is left out, so that a file with many plugin sections and many
/// unknown names is still checked in linear time.
const MAX_PLUGIN_SUGGESTION_CANDIDATES: usize = 100;

/// Kind of a section, judged by its name.
enum SectionKind<'a> {
    Global,
    Local,
    Plugin(&'a str),
    Decider(&'a str),
    Worker(&'a str),
    Lambda(&'a str),
    Logging,
    Unknown,
}

fn classify(name: &str) -> SectionKind<'_> {
    if name == GLOBAL_SECTION {
        return SectionKind::Global;
    }
    if name == LOCAL_SECTION {
        return SectionKind::Local;
    }
    if let Some(plugin) = name.strip_prefix(PLUGIN_PREFIX) {
        return SectionKind::Plugin(plugin.trim());
    }
    if let Some(decider) = name.strip_prefix(DECIDER_PREFIX) {
        return SectionKind::Decider(decider.trim());
    }
    if let Some(worker) = name.strip_prefix(WORKER_PREFIX) {
        return SectionKind::Worker(worker.trim());
    }
    if let Some(function) = name.strip_prefix(LAMBDA_PREFIX) {
        return SectionKind::Lambda(function.trim());
    }

    let logging = LOGGING_SECTIONS.contains(&name) || LOGGING_PREFIXES.iter().any(|prefix| name.starts_with(prefix));
    if logging {
        return SectionKind::Logging;
    }
    SectionKind::Unknown
}

/// Reads every known section and checks the references between them. Returns all errors found.
pub fn read_config(document: &Document) -> Result<Config, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut global = Global::default();
    let mut local = LocalSettings::default();
    let mut plugin_sections = Vec::new();
    let mut decider_sections = Vec::new();
    let mut worker_sections = Vec::new();
    let mut lambda_sections = Vec::new();

    for section in document.sections() {
        match classify(section.name()) {
            SectionKind::Global => global = read_global(&mut Reader::new(document, section, &mut errors)),
            SectionKind::Local => local = read_local(&mut Reader::new(document, section, &mut errors)),
            SectionKind::Plugin(name) => plugin_sections.push((section, name)),
            SectionKind::Decider(name) => decider_sections.push((section, name)),
            SectionKind::Worker(name) => worker_sections.push((section, name)),
            SectionKind::Lambda(name) => lambda_sections.push((section, name)),
            // Read below, as a whole, because the sections refer to each other.
            SectionKind::Logging => {}
            SectionKind::Unknown => errors.push(unknown_section_error(document, section)),
        }
    }

    let plugin_names = PluginNames::new(check_names(document, &plugin_sections, "plugin", &mut errors));
    check_names(document, &decider_sections, "decider", &mut errors);
    check_names(document, &worker_sections, "worker", &mut errors);

    let mut plugins = Vec::new();
    for (section, name) in &plugin_sections {
        let reader = &mut Reader::new(document, section, &mut errors);
        if let Some(plugin) = read_plugin(reader, name) {
            plugins.push(plugin);
        }
    }

    let mut deciders = Vec::new();
    let mut task_lists = TaskListOwners::default();
    for (section, name) in &decider_sections {
        let reader = &mut Reader::new(document, section, &mut errors);
        if let Some(decider) = read_decider(reader, name, &plugin_names, &mut task_lists) {
            deciders.push(decider);
        }
    }

    let mut workers = Vec::new();
    let mut activity_task_lists = TaskListOwners::default();
    for (section, name) in &worker_sections {
        let reader = &mut Reader::new(document, section, &mut errors);
        if let Some(worker) = read_worker(reader, name, &plugin_names, &mut activity_task_lists) {
            workers.push(worker);
        }
    }

    read_lambda_functions(document, &lambda_sections, &mut local, &mut errors);
    let logging = super::logging::read_logging(document, &mut errors);

    if !errors.is_empty() {
        return Err(errors);
    }
    global.local = local;
    Ok(Config {
        path: Some(document.path().to_path_buf()),
        global,
        plugins,
        deciders,
        workers,
        logging,
    })
}

/// Reads only `[caravan]` and the local endpoint's `[local]` and `[lambda:NAME]`, for the
/// command-line tools and `caravan local`, which need no plugins or deciders.
pub fn read_global_only(document: &Document) -> Result<Global, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut global = match document.section(GLOBAL_SECTION) {
        Some(section) => read_global(&mut Reader::new(document, section, &mut errors)),
        None => Global::default(),
    };
    if let Some(section) = document.section(LOCAL_SECTION) {
        global.local = read_local(&mut Reader::new(document, section, &mut errors));
    }
    let lambda_sections: Vec<(&Section, &str)> = document
        .sections()
        .filter_map(|section| match classify(section.name()) {
            SectionKind::Lambda(name) => Some((section, name)),
            _ => None,
        })
        .collect();
    read_lambda_functions(document, &lambda_sections, &mut global.local, &mut errors);
    // Sections of other programs that share the file are ignored here, but a misspelled name of a
    // section read here, such as [locl], would otherwise leave its settings unused without a word.
    for section in document.sections() {
        let unknown = matches!(classify(section.name()), SectionKind::Unknown);
        if unknown && suggest_section(section.name()).is_some() {
            errors.push(unknown_section_error(document, section));
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(global)
}

fn read_local(reader: &mut Reader) -> LocalSettings {
    reader.check_keys(&LOCAL_KEYS, "[local]");
    let defaults = LocalSettings::default();

    LocalSettings {
        listen: reader
            .optional("listen", values::parse_socket_address)
            .unwrap_or(defaults.listen),
        poll_window_secs: reader
            .optional("poll_window_secs", |text| {
                values::parse_integer(text, &POLL_WINDOW_SECS_RANGE)
            })
            .unwrap_or(defaults.poll_window_secs),
        faults: read_local_faults(reader),
        ..defaults
    }
}

/// Reads the `[lambda:NAME]` sections into the local endpoint's settings. Their commands run in the
/// config file's folder.
fn read_lambda_functions(
    document: &Document,
    sections: &[(&Section, &str)],
    local: &mut LocalSettings,
    errors: &mut Vec<ConfigError>,
) {
    let names = check_names(document, sections, "lambda", errors);
    for (section, name) in sections {
        if !names.contains(name) {
            continue;
        }
        let reader = &mut Reader::new(document, section, errors);
        reader.check_keys(&LAMBDA_KEYS, "[lambda:NAME]");
        let hint = "add 'command = ...' with the shell command that runs the function; it gets the \
                    decision's input on stdin and its stdout is the result";
        if let Some((command, _)) = reader.required_text("command", hint) {
            // A command that starts on the line below its key begins with a new line, which is dropped.
            local
                .lambda_functions
                .insert(name.to_string(), command.trim().to_string());
        }
    }
    if !sections.is_empty() {
        local.lambda_working_dir = document.path().parent().map(Path::to_path_buf);
    }
}

fn read_local_faults(reader: &mut Reader) -> LocalFaults {
    let [throttle_share, error_share, drop_share] = FAULT_SHARE_KEYS.map(|key| {
        reader
            .optional(key, |text| values::parse_decimal(text, &FAULT_SHARE_RANGE))
            .unwrap_or(0.0)
    });
    let latency = |reader: &mut Reader, key| {
        reader
            .optional(key, |text| values::parse_integer(text, &FAULT_LATENCY_MS_RANGE))
            .unwrap_or(0)
    };
    let faults = LocalFaults {
        throttle_share,
        error_share,
        drop_share,
        latency_ms: latency(reader, "fault_latency_ms"),
        latency_jitter_ms: latency(reader, "fault_latency_jitter_ms"),
        seed: reader.optional("fault_seed", |text| values::parse_integer(text, &(0..=u64::MAX))),
    };

    let total = throttle_share + error_share + drop_share;
    if total > *FAULT_SHARE_RANGE.end() + caravan_local::FAULT_SHARE_TOLERANCE {
        let message = format!("the fault shares in [local] add up to {total}, more than 1 (all requests)");
        let location = Some(reader.document.location(reader.section.line()));
        let hint = "lower fault_throttle_share, fault_error_share or fault_drop_share";
        reader.errors.push(ConfigError::new(location, message).with_hint(hint));
    }
    faults
}

fn read_global(reader: &mut Reader) -> Global {
    reader.check_keys(&GLOBAL_KEYS, "[caravan]");
    let defaults = Global::default();

    Global {
        region: reader.optional("region", |text| values::check_region(text).map(|()| text.to_string())),
        profile: reader.optional("profile", |text| values::check_profile(text).map(|()| text.to_string())),
        endpoint_url: reader.optional("endpoint_url", |text| {
            if text == LOCAL_ENDPOINT {
                return Ok(text.to_string());
            }
            values::check_endpoint_url(text)
                .map(|()| text.to_string())
                .map_err(|invalid| {
                    invalid.with_hint(
                        "use a URL such as https://swf.us-east-1.amazonaws.com, or `local` for caravan's own endpoint",
                    )
                })
        }),
        identity: reader.optional("identity", |text| {
            values::check_identity(text).map(|()| text.to_string())
        }),
        shutdown_timeout_secs: reader
            .optional("shutdown_timeout_secs", |text| {
                values::parse_integer(text, &SHUTDOWN_TIMEOUT_SECS_RANGE)
            })
            .unwrap_or(defaults.shutdown_timeout_secs),
        register_types: reader
            .optional("register_types", values::parse_bool)
            .unwrap_or(defaults.register_types),
        domain: reader.optional("domain", swf_name),
        plugin_permissions: reader
            .optional("plugin_permissions", parse_plugin_permissions)
            .unwrap_or(defaults.plugin_permissions),
        local: defaults.local,
    }
}

fn read_plugin(reader: &mut Reader, name: &str) -> Option<PluginSection> {
    reader.check_keys(&PLUGIN_KEYS, "[plugin:NAME]");

    let folder = reader.document.path().parent().unwrap_or(Path::new("/"));
    let path = reader.required(
        "path",
        "add 'path = FILE' with the plugin library. A relative path starts from the config file's folder.",
        |text| values::resolve_plugin_path(Path::new(text), folder),
    )?;

    Some(PluginSection {
        name: name.to_string(),
        path,
        location: Some(reader.document.location(reader.section.line())),
    })
}

/// The first decider section seen for each (domain, task list).
#[derive(Default)]
struct TaskListOwners {
    owners: HashMap<(String, String), (String, u32)>,
}

fn read_decider(
    reader: &mut Reader,
    name: &str,
    plugin_names: &PluginNames,
    task_lists: &mut TaskListOwners,
) -> Option<DeciderSection> {
    reader.check_keys(&DECIDER_KEYS, "[decider:NAME]");
    let errors_before = reader.errors.len();

    let domain = reader.required("domain", "add 'domain = NAME' with the SWF domain to poll", swf_name);
    let task_list = reader.required(
        "task_list",
        "add 'task_list = NAME' with the task list to poll",
        swf_name,
    );
    let plugins = read_plugin_list(reader, plugin_names);
    let pollers = reader.optional("pollers", |text| values::parse_integer(text, &POLLERS_RANGE));
    let policy = reader.optional("failed_decision_policy", parse_policy);

    let (domain, task_list) = (domain?, task_list?);
    if let Some(error) = check_task_list_owner(reader, task_lists, &domain, &task_list, "decider") {
        reader.errors.push(error);
    }

    if reader.errors.len() > errors_before {
        return None;
    }
    Some(DeciderSection {
        name: name.to_string(),
        domain,
        task_list,
        plugins: plugins?,
        pollers: pollers.unwrap_or(super::DEFAULT_POLLERS),
        failed_decision_policy: policy.unwrap_or_default(),
        location: Some(reader.document.location(reader.section.line())),
    })
}

fn read_worker(
    reader: &mut Reader,
    name: &str,
    plugin_names: &PluginNames,
    task_lists: &mut TaskListOwners,
) -> Option<WorkerSection> {
    reader.check_keys(&WORKER_KEYS, "[worker:NAME]");
    let errors_before = reader.errors.len();

    let domain = reader.required("domain", "add 'domain = NAME' with the SWF domain to poll", swf_name);
    let task_list = reader.required(
        "task_list",
        "add 'task_list = NAME' with the activity task list to poll",
        swf_name,
    );
    let plugins = read_plugin_list(reader, plugin_names);
    let concurrency = reader
        .optional("concurrency", |text| values::parse_integer(text, &CONCURRENCY_RANGE))
        .unwrap_or(super::DEFAULT_CONCURRENCY);
    let pollers = reader.optional("pollers", |text| values::parse_integer(text, &POLLERS_RANGE));

    if let Some(pollers) = pollers
        && pollers > concurrency
    {
        let line = match reader.lookup("pollers") {
            Lookup::Set(_, line) => line,
            _ => reader.section.line(),
        };
        let message = format!(
            "'pollers' in [{}] is {pollers}, more than 'concurrency' ({concurrency})",
            escape(reader.section.name())
        );
        let hint = "a poll waits for a free slot, so more pollers than slots never poll; lower 'pollers' or raise 'concurrency'";
        reader
            .errors
            .push(ConfigError::new(Some(reader.document.location(line)), message).with_hint(hint));
    }

    let (domain, task_list) = (domain?, task_list?);
    if let Some(error) = check_task_list_owner(reader, task_lists, &domain, &task_list, "worker") {
        reader.errors.push(error);
    }

    if reader.errors.len() > errors_before {
        return None;
    }
    Some(WorkerSection {
        name: name.to_string(),
        domain,
        task_list,
        plugins: plugins?,
        concurrency,
        pollers: pollers.unwrap_or(super::DEFAULT_POLLERS),
        location: Some(reader.document.location(reader.section.line())),
    })
}

/// The valid, unique names of the file's plugin sections.
struct PluginNames<'a> {
    /// Names in file order. The order breaks ties between equally close did-you-mean candidates.
    in_file_order: Vec<&'a str>,
    set: HashSet<&'a str>,
}

impl<'a> PluginNames<'a> {
    fn new(in_file_order: Vec<&'a str>) -> PluginNames<'a> {
        let set = in_file_order.iter().copied().collect();
        PluginNames { in_file_order, set }
    }

    fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }

    /// Finds the plugin that `name` was most likely meant to be, unless the file has more than
    /// [`MAX_PLUGIN_SUGGESTION_CANDIDATES`] plugins.
    fn closest(&self, name: &str) -> Option<&'a str> {
        if self.in_file_order.len() > MAX_PLUGIN_SUGGESTION_CANDIDATES {
            return None;
        }
        closest(name, &self.in_file_order)
    }
}

fn read_plugin_list(reader: &mut Reader, plugin_names: &PluginNames) -> Option<Vec<String>> {
    let hint = "add 'plugins = NAME ...' with the names of [plugin:NAME] sections";
    let (text, line) = reader.required_text("plugins", hint)?;

    let names = values::split_plugin_list(&text);
    if names.is_empty() {
        reader.push_missing_value("plugins", line, hint);
        return None;
    }

    let location = Some(reader.document.location(line));
    let section = reader.section.name();
    let mut listed: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            let message = format!(
                "plugin {} listed twice in {}",
                quote(name),
                describe_key("plugins", Some(section))
            );
            reader
                .errors
                .push(ConfigError::new(location.clone(), message).with_hint("remove the second mention"));
            continue;
        }
        listed.push(name.to_string());

        if !plugin_names.contains(name) {
            let message = format!(
                "plugin {} not found: the file has no [plugin:{}] section",
                quote(name),
                escape(name)
            );
            let hint = match plugin_names.closest(name) {
                Some(known) => format!("did you mean {}?", quote(known)),
                None => format!("add a [plugin:{}] section with the library's path", escape(name)),
            };
            reader
                .errors
                .push(ConfigError::new(location.clone(), message).with_hint(hint));
        }
    }
    Some(listed)
}

/// Records the decider or worker (`kind`) as the owner of its task list, or returns the error when
/// another section of that kind already polls it. Tasks on one task list go to any poller, so two
/// deciders on it would receive each other's workflows, and two workers each other's activities.
fn check_task_list_owner(
    reader: &Reader,
    task_lists: &mut TaskListOwners,
    domain: &str,
    task_list: &str,
    kind: &str,
) -> Option<ConfigError> {
    let key = (domain.to_string(), task_list.to_string());
    let section = reader.section;

    let Some((first_name, first_line)) = task_lists.owners.get(&key) else {
        let owner = (section.name().to_string(), section.line());
        task_lists.owners.insert(key, owner);
        return None;
    };

    let message = format!(
        "duplicate task list {} in domain {}: [{}] and [{}] (line {first_line}) both poll it",
        quote(task_list),
        quote(domain),
        escape(section.name()),
        escape(first_name)
    );
    let hint = format!(
        "SWF hands each task to any poller on the task list, so give each {kind} its own task list, \
         or merge the sections and raise 'pollers'"
    );
    Some(ConfigError::new(Some(reader.document.location(section.line())), message).with_hint(hint))
}

/// Checks the names after `plugin:`, `decider:` or `lambda:` and returns the valid, unique ones.
fn check_names<'a>(
    document: &Document,
    sections: &[(&Section, &'a str)],
    kind: &str,
    errors: &mut Vec<ConfigError>,
) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    let mut first_lines: HashMap<&str, u32> = HashMap::new();

    for (section, name) in sections {
        let location = Some(document.location(section.line()));
        let problem = if name.is_empty() {
            Some(format!("missing {kind} name in [{}]", escape(section.name())))
        } else if kind == "plugin" && name.contains(|character: char| character == ',' || character.is_whitespace()) {
            Some(format!(
                "invalid plugin name {} in [{}]: it must not contain whitespace or commas, which separate the names in 'plugins'",
                quote(name),
                escape(section.name())
            ))
        } else if kind == "lambda" && name.chars().count() > MAX_LAMBDA_NAME_CHARS {
            Some(format!(
                "invalid Lambda function name {} in [{}]: SWF accepts function names of 1 to {MAX_LAMBDA_NAME_CHARS} characters",
                quote(name),
                escape(section.name())
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            let example = if kind == "lambda" { "resize" } else { "main" };
            let hint = format!("name the section as in [{kind}:{example}]");
            errors.push(ConfigError::new(location, message).with_hint(hint));
            continue;
        }

        if let Some(first_line) = first_lines.get(name) {
            let message = format!(
                "duplicate {kind} name {} in [{}], already used on line {first_line}",
                quote(name),
                escape(section.name())
            );
            errors
                .push(ConfigError::new(location, message).with_hint(format!("rename one of the two {kind} sections")));
            continue;
        }
        first_lines.insert(name, section.line());
        names.push(name);
    }

    names
}

fn unknown_section_error(document: &Document, section: &Section) -> ConfigError {
    let name = section.name();
    let hint = match suggest_section(name) {
        Some(suggestion) => format!("did you mean [{}]?", escape(&suggestion)),
        None => {
            "the known sections are [caravan], [local], [plugin:NAME], [decider:NAME], [worker:NAME], [lambda:NAME], \
                 [DEFAULT] and the logging sections [loggers], [handlers], [formatters], [logger_*], \
                 [handler_*], [formatter_*]"
                .to_string()
        }
    };

    let location = Some(document.location(section.line()));
    ConfigError::new(location, format!("unknown section [{}]", escape(name))).with_hint(hint)
}

/// Suggests the known section that `name` was most likely meant to be.
fn suggest_section(name: &str) -> Option<String> {
    // A wrong prefix or separator, as in [plugins:demo], [decider main] or [Logger-root].
    if let Some((prefix, rest)) = name.split_once([':', ' ', '_', '-', '.', '/']) {
        let rest = rest.trim();
        let shapes = [
            ("plugin", ':'),
            ("decider", ':'),
            ("worker", ':'),
            ("lambda", ':'),
            ("logger", '_'),
            ("handler", '_'),
            ("formatter", '_'),
        ];
        let kinds: Vec<&str> = shapes.iter().map(|(kind, _)| *kind).collect();

        if !rest.is_empty()
            && let Some(kind) = closest(prefix, &kinds)
            && let Some((_, separator)) = shapes.iter().find(|(known, _)| *known == kind)
        {
            return Some(format!("{kind}{separator}{rest}"));
        }
    }

    closest(name, &KNOWN_SECTION_NAMES).map(str::to_string)
}

fn swf_name(text: &str) -> Result<String, Invalid> {
    values::check_swf_name(text).map(|()| text.to_string())
}

fn parse_policy(text: &str) -> Result<FailedDecisionPolicy, Invalid> {
    text.parse::<FailedDecisionPolicy>()
        .map_err(|_| Invalid::new("expected 'time_out' or 'fail_execution'"))
}

fn parse_plugin_permissions(text: &str) -> Result<PluginPermissions, Invalid> {
    text.parse::<PluginPermissions>().map_err(|_| {
        Invalid::new("expected 'strict' or 'relaxed'").with_hint(
            "use 'relaxed' only on development machines: it loads plugin files that other users could change",
        )
    })
}
