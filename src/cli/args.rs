//! Command-line arguments, as parsed by clap, before any validation against the config file.
//!
//! The flags follow the Python caravan tools, so that `caravan-start -d D -n Demo -v 0.1 -i 1` and
//! `caravan start -d D -n Demo -v 0.1 -i 1` mean the same thing.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::values;

#[derive(Debug, Parser)]
#[command(
    name = "caravan",
    version,
    about = "A light and fast daemon and command-line toolkit for Amazon SWF"
)]
pub struct Cli {
    /// INI config file to read the endpoint, region, profile and default domain from, for the SWF
    /// commands, `decider` and `local`. `run` and `check` take their config file as an argument.
    #[arg(short = 'c', long = "config", global = true, value_name = "CONFIG")]
    pub config: Option<PathBuf>,

    /// Output format of command results.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Log at info level (the daemon does by default).
    #[arg(long, global = true)]
    pub verbose: bool,

    /// Log at debug level.
    #[arg(long, global = true)]
    pub debug: bool,

    /// Format of log lines on stderr, and of the stream handlers of the config file's logging
    /// sections: readable text, or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the deciders configured in an INI file until SIGTERM or SIGINT.
    Run(RunArgs),
    /// Run one decider from flags (the Python caravan-decider command).
    Decider(DeciderArgs),
    /// Run caravan's own SWF endpoint, as the [local] section of a config file sets it up.
    Local(LocalArgs),
    /// Register or list domains.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Start a workflow execution and print its run id.
    Start(StartArgs),
    /// Send a signal to a workflow execution.
    Signal(SignalArgs),
    /// Terminate a workflow execution.
    Terminate(TerminateArgs),
    /// Request the cancellation of a workflow execution; its decider decides how to close it.
    Cancel(CancelArgs),
    /// List open (or closed) workflow executions.
    List(ListArgs),
    /// Print the history events of a workflow execution.
    History(HistoryArgs),
    /// Describe a workflow execution: status, configuration and open counts.
    Describe(DescribeArgs),
    /// Run a plugin's decider over a saved history and print the decisions it makes, without SWF.
    Replay(ReplayArgs),
    /// Check a config file and load its plugins as `caravan run` would, without contacting any endpoint.
    Check(CheckArgs),
    /// Look at a plugin file.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The INI config file to check.
    #[arg(value_name = "CONFIG")]
    pub config_file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Print a plugin's name, version, ABI and SDK versions, and its workflow and activity types with their registration defaults.
    Inspect(PluginInspectArgs),
}

#[derive(Debug, Args)]
pub struct PluginInspectArgs {
    /// Plugin file (cdylib).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The INI config file listing plugins and deciders.
    #[arg(value_name = "CONFIG")]
    pub config_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// Config file whose [local] section sets the address, poll window and injected faults (default: 127.0.0.1:8577, no faults).
    #[arg(value_name = "CONFIG")]
    pub config_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DeciderArgs {
    /// Domain to poll (default: `domain` in the config file's [caravan] section).
    #[arg(short = 'd', long, value_parser = values::swf_name)]
    pub domain: Option<String>,

    /// Plugin files (cdylibs) whose workflow types this decider serves.
    #[arg(short = 'm', long = "modules", visible_alias = "plugins", value_name = "PLUGIN", num_args = 1.., required = true)]
    pub plugins: Vec<PathBuf>,

    /// Task list to poll.
    #[arg(short = 't', long, value_parser = values::swf_name)]
    pub task_list: String,

    /// Register the plugins' workflow types at start-up; existing types are left as they are.
    #[arg(long)]
    pub register_workflows: bool,

    /// What happens to a task no plugin can decide: time_out (leave it) or fail_execution.
    #[arg(long, value_name = "POLICY", default_value = "time_out", value_parser = values::failed_decision_policy)]
    pub failed_decision_policy: crate::config::FailedDecisionPolicy,

    /// Concurrent pollers on the task list, 1 to 100.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub pollers: u32,
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Register a domain.
    Register(DomainRegisterArgs),
    /// List registered (or deprecated) domains.
    List(DomainListArgs),
}

#[derive(Debug, Args)]
pub struct DomainRegisterArgs {
    /// Domain name.
    #[arg(short = 'n', long, value_parser = values::swf_name)]
    pub name: String,

    /// Days SWF keeps the history of closed executions (0 to 90, or NONE).
    #[arg(long, value_name = "DAYS", value_parser = values::retention_days)]
    pub retention_days: String,

    /// Description of the domain.
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct DomainListArgs {
    /// List deprecated domains instead of registered ones.
    #[arg(long)]
    pub deprecated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChildPolicyArg {
    Terminate,
    RequestCancel,
    Abandon,
}

impl ChildPolicyArg {
    pub fn as_swf(self) -> &'static str {
        match self {
            ChildPolicyArg::Terminate => "TERMINATE",
            ChildPolicyArg::RequestCancel => "REQUEST_CANCEL",
            ChildPolicyArg::Abandon => "ABANDON",
        }
    }
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Domain (default: `domain` in the config file's [caravan] section).
    #[arg(short = 'd', long, value_parser = values::swf_name)]
    pub domain: Option<String>,

    /// Workflow id of the new execution.
    #[arg(short = 'i', long = "id", value_name = "WORKFLOW_ID", value_parser = values::swf_name)]
    pub workflow_id: String,

    /// Workflow type name.
    #[arg(short = 'n', long, value_parser = values::swf_name)]
    pub name: String,

    /// Workflow type version.
    #[arg(short = 'v', long, value_parser = values::swf_version)]
    pub version: String,

    /// Decision task list (default: the workflow type's default).
    #[arg(short = 't', long, value_parser = values::swf_name)]
    pub task_list: Option<String>,

    /// Input data of the execution.
    #[arg(long)]
    pub input: Option<String>,

    /// Tags of the execution, separated by spaces (at most 5).
    #[arg(long, value_name = "TAGS", value_parser = values::tag_list)]
    pub tag_list: Option<String>,

    /// Maximum duration of the execution, in seconds.
    #[arg(long, value_name = "SECONDS", value_parser = values::seconds)]
    pub execution_timeout: Option<String>,

    /// Maximum duration of a decision task, in seconds, or NONE.
    #[arg(long, value_name = "SECONDS", value_parser = values::seconds_or_none)]
    pub task_timeout: Option<String>,

    /// Child policy: the action on child executions when this one is terminated or times out.
    #[arg(long, value_enum)]
    pub child_policy: Option<ChildPolicyArg>,

    /// ARN of the IAM role SWF uses to invoke Lambda functions for this execution.
    #[arg(long, value_name = "ARN")]
    pub lambda_role: Option<String>,
}

#[derive(Debug, Args)]
pub struct SignalArgs {
    /// Domain (default: `domain` in the config file's [caravan] section).
    #[arg(short = 'd', long, value_parser = values::swf_name)]
    pub domain: Option<String>,

    /// Workflow id of the execution.
    #[arg(short = 'i', long = "id", value_name = "WORKFLOW_ID", value_parser = values::swf_name)]
    pub workflow_id: String,

    /// Run id (default: the open run of the workflow id).
    #[arg(long)]
    pub run_id: Option<String>,

    /// Signal name.
    #[arg(short = 's', long = "signal", value_name = "NAME", value_parser = values::signal_name)]
    pub signal_name: String,

    /// Input data of the signal.
    #[arg(long)]
    pub input: Option<String>,
}

#[derive(Debug, Args)]
pub struct TerminateArgs {
    /// Domain (default: `domain` in the config file's [caravan] section).
    #[arg(short = 'd', long, value_parser = values::swf_name)]
    pub domain: Option<String>,

    /// Workflow id of the execution.
    #[arg(short = 'i', long = "id", value_name = "WORKFLOW_ID", value_parser = values::swf_name)]
    pub workflow_id: String,

    /// Run id (default: the open run of the workflow id).
    #[arg(long)]
    pub run_id: Option<String>,

    /// Reason recorded in the history (at most 256 characters).
    #[arg(long)]
    pub reason: Option<String>,

    /// Details recorded in the history.
    #[arg(long)]
    pub details: Option<String>,

    /// Overrides the execution's child policy for this termination.
    #[arg(long, value_enum)]
    pub child_policy: Option<ChildPolicyArg>,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// Domain (default: `domain` in the config file's [caravan] section).
    #[arg(short = 'd', long, value_parser = values::swf_name)]
    pub domain: Option<String>,

    /// Workflow id of the execution.
    #[arg(short = 'i', long = "id", value_name = "WORKFLOW_ID", value_parser = values::swf_name)]
    pub workflow_id: String,

    /// Run id (default: the open run of the workflow id).
    #[arg(long)]
    pub run_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Domain (default: `domain` in the config file's [caravan] section).
    #[arg(short = 'd', long, value_parser = values::swf_name)]
    pub domain: Option<String>,

    /// Oldest start time to list: a date (2015-01-01, UTC) or an RFC 3339 time (default: a day ago).
    #[arg(long, value_name = "TIME")]
    pub oldest: Option<String>,

    /// Latest start time to list, in the same forms (default: now).
    #[arg(long, value_name = "TIME")]
    pub latest: Option<String>,

    /// Only executions of this workflow type name.
    #[arg(short = 'n', long, conflicts_with_all = ["tag", "workflow_id"], value_parser = values::swf_name)]
    pub name: Option<String>,

    /// Only executions of this workflow type version (with --name).
    #[arg(short = 'v', long, requires = "name")]
    pub version: Option<String>,

    /// Only executions carrying this tag.
    #[arg(long, conflicts_with = "workflow_id")]
    pub tag: Option<String>,

    /// Only executions with this workflow id.
    #[arg(long = "id", value_name = "WORKFLOW_ID", value_parser = values::swf_name)]
    pub workflow_id: Option<String>,

    /// List closed executions, with their close status, instead of open ones.
    #[arg(long)]
    pub closed: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Domain (default: `domain` in the config file's [caravan] section).
    #[arg(short = 'd', long, value_parser = values::swf_name)]
    pub domain: Option<String>,

    /// Workflow id of the execution.
    #[arg(short = 'i', long = "id", value_name = "WORKFLOW_ID", value_parser = values::swf_name)]
    pub workflow_id: String,

    /// Run id (default: the latest run of the workflow id, open or closed).
    #[arg(long, value_parser = values::run_id)]
    pub run_id: Option<String>,

    /// Print the newest event first.
    #[arg(long, conflicts_with = "follow")]
    pub reverse: bool,

    /// Keep printing new events, checking every second, until the execution closes.
    #[arg(long)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Domain (default: `domain` in the config file's [caravan] section).
    #[arg(short = 'd', long, value_parser = values::swf_name)]
    pub domain: Option<String>,

    /// Workflow id of the execution.
    #[arg(short = 'i', long = "id", value_name = "WORKFLOW_ID", value_parser = values::swf_name)]
    pub workflow_id: String,

    /// Run id (default: the latest run of the workflow id, open or closed).
    #[arg(long, value_parser = values::run_id)]
    pub run_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Plugin file (cdylib) whose decider runs.
    #[arg(long, value_name = "PLUGIN")]
    pub plugin: PathBuf,

    /// History as `caravan history --output json` prints it, a JSON array of events, or a
    /// PollForDecisionTask response.
    #[arg(value_name = "HISTORY.json")]
    pub history_file: PathBuf,

    /// Workflow type to decide as NAME:VERSION (default: the type in the WorkflowExecutionStarted event).
    #[arg(long, value_name = "NAME:VERSION", value_parser = values::workflow_type)]
    pub workflow_type: Option<(String, String)>,

    /// Workflow id the plugin receives, because a history does not record it (default: from a
    /// PollForDecisionTask response, else "replay").
    #[arg(long = "id", value_name = "WORKFLOW_ID", value_parser = values::swf_name)]
    pub workflow_id: Option<String>,

    /// Run id the plugin receives (default: from a PollForDecisionTask response, else "replay").
    #[arg(long, value_parser = values::run_id)]
    pub run_id: Option<String>,

    /// Event id of the DecisionTaskStarted event of the task to replay (default: the last one).
    #[arg(long, value_name = "EVENT_ID", value_parser = clap::value_parser!(i64).range(1..))]
    pub started_event_id: Option<i64>,
}

/// Rejects `-c CONFIG` given to a command that would not read it, so that the file is not ignored
/// without a word. Returns the usage error's message.
pub fn check_config_flag(cli: &Cli) -> Result<(), String> {
    if cli.config.is_none() {
        return Ok(());
    }

    let message = match &cli.command {
        Command::Run(_) => "caravan run takes no -c: give the config file as its argument, as in `caravan run CONFIG`",
        Command::Check(_) => {
            "caravan check takes no -c: give the config file to check as its argument, as in `caravan check CONFIG`"
        }
        Command::Local(LocalArgs { config_file: Some(_) }) => {
            "caravan local got two config files: give it either as its argument or with -c, not both"
        }
        Command::Plugin(_) => "caravan plugin inspect reads no config file, so it takes no -c: leave -c out",
        Command::Replay(_) => "caravan replay reads no config file, so it takes no -c: leave -c out",
        _ => return Ok(()),
    };
    Err(message.to_string())
}

/// Maps the name the binary was started under to the subcommand it stands for, so that a symlink
/// named like a Python caravan tool behaves as that tool.
pub fn legacy_subcommand(program: &str) -> Option<&'static [&'static str]> {
    let name = program.rsplit('/').next().unwrap_or(program);
    let subcommand: &'static [&'static str] = match name {
        "caravan-decider" => &["decider"],
        "caravan-start" => &["start"],
        "caravan-signal" => &["signal"],
        "caravan-terminate" => &["terminate"],
        "caravan-list" => &["list"],
        "caravan-domain-register" => &["domain", "register"],
        "caravan-domain-list" => &["domain", "list"],
        _ => return None,
    };
    Some(subcommand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names_map_to_subcommands() {
        assert_eq!(legacy_subcommand("/usr/bin/caravan-start"), Some(&["start"][..]));
        assert_eq!(
            legacy_subcommand("caravan-domain-register"),
            Some(&["domain", "register"][..])
        );
        assert_eq!(legacy_subcommand("caravan"), None);
    }

    #[test]
    fn config_flag_rejected_where_unused() {
        let parse = |arguments: &[&str]| Cli::try_parse_from(arguments).expect("valid arguments");
        let rejected = [
            &["caravan", "-c", "a.ini", "check", "b.ini"][..],
            &["caravan", "check", "b.ini", "-c", "a.ini"][..],
            &["caravan", "-c", "a.ini", "run", "b.ini"][..],
            &["caravan", "-c", "a.ini", "local", "b.ini"][..],
            &["caravan", "-c", "a.ini", "plugin", "inspect", "p.so"][..],
            &["caravan", "-c", "a.ini", "replay", "--plugin", "p.so", "h.json"][..],
        ];
        let accepted = [
            &["caravan", "-c", "a.ini", "local"][..],
            &["caravan", "local", "b.ini"][..],
            &["caravan", "check", "b.ini"][..],
            &["caravan", "-c", "a.ini", "decider", "-t", "t", "-m", "p.so"][..],
            &["caravan", "-c", "a.ini", "domain", "list"][..],
            &["caravan", "-c", "a.ini", "list", "-d", "d"][..],
        ];

        for arguments in rejected {
            assert!(check_config_flag(&parse(arguments)).is_err(), "{arguments:?}");
        }
        for arguments in accepted {
            assert_eq!(check_config_flag(&parse(arguments)), Ok(()), "{arguments:?}");
        }
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
