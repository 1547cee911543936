//! `caravan plugin inspect PATH`, and the loading of a plugin for the author tools.

use std::path::Path;
use std::process::ExitCode;

use caravan_plugin::manifest::{ActivityRegistration, Manifest, WorkflowRegistration};
use serde_json::json;

use super::args::PluginInspectArgs;
use super::output::{self, Table};
use super::{Cli, Failure};
use crate::config::PluginPermissions;
use crate::plugin::LoadedPlugin;

/// Loads a plugin for `caravan plugin inspect` and `caravan replay`, which a plugin author runs on
/// a file just built: permission problems are printed as warnings, and the plugin loads anyway.
pub fn load_for_author(path: &Path) -> Result<LoadedPlugin, Failure> {
    let plugin =
        LoadedPlugin::load(path, PluginPermissions::Relaxed).map_err(|error| Failure::Plugin(error.to_string()))?;

    for problem in plugin.permission_problems() {
        output::print_error_line(&format!("warning: {problem}; `caravan run` would reject this plugin"));
    }
    Ok(plugin)
}

/// Prints a plugin's name, versions and the types it serves with their registration defaults.
pub fn inspect(cli: &Cli, args: &PluginInspectArgs) -> Result<ExitCode, Failure> {
    let plugin = load_for_author(&args.path)?;
    let manifest = plugin.manifest();
    let (abi_major, abi_minor) = plugin.abi_version();

    if cli.output.is_json() {
        let problems: Vec<String> = plugin.permission_problems().iter().map(ToString::to_string).collect();
        let document = json!({
            "path": plugin.path().display().to_string(),
            "abiVersion": format!("{abi_major}.{abi_minor}"),
            "manifest": manifest,
            "permissionProblems": problems,
        });
        output::print_json(&document)?;
        return Ok(ExitCode::SUCCESS);
    }

    let fields = [
        format!("Name:     {}", manifest.name),
        format!("Version:  {}", manifest.version),
        format!("Path:     {}", plugin.path().display()),
        format!("ABI:      {abi_major}.{abi_minor}"),
        format!("SDK:      {}", manifest.sdk_version),
    ];
    let sections = [
        fields.join("\n"),
        section("Workflow types", workflow_table(manifest)),
        section("Activity types", activity_table(manifest)),
    ];
    output::print_line(&sections.join("\n\n"))?;
    Ok(ExitCode::SUCCESS)
}

fn section(title: &str, table: Table) -> String {
    if table.is_empty() {
        format!("{title}: none")
    } else {
        format!("{title}:\n{}", table.render())
    }
}

/// Builds the table of workflow types and their defaults. Durations are seconds, and `-` marks a
/// default the plugin leaves unset.
fn workflow_table(manifest: &Manifest) -> Table {
    let mut table = Table::new([
        "Name",
        "Version",
        "Task list",
        "Task timeout",
        "Execution timeout",
        "Child policy",
        "Priority",
        "Lambda role",
        "Description",
    ]);
    for workflow in &manifest.workflows {
        table.push(workflow_row(workflow));
    }
    table
}

fn workflow_row(workflow: &WorkflowRegistration) -> [String; 9] {
    [
        workflow.name.clone(),
        workflow.version.clone(),
        or_dash(workflow.default_task_list.as_ref().map(|list| list.name.as_str())),
        or_dash(workflow.default_task_start_to_close_timeout.as_deref()),
        or_dash(workflow.default_execution_start_to_close_timeout.as_deref()),
        or_dash(workflow.default_child_policy.as_ref().map(|policy| policy.as_str())),
        or_dash(workflow.default_task_priority.as_deref()),
        or_dash(workflow.default_lambda_role.as_deref()),
        workflow.description.clone().unwrap_or_default(),
    ]
}

fn activity_table(manifest: &Manifest) -> Table {
    let mut table = Table::new([
        "Name",
        "Version",
        "Task list",
        "Schedule to start",
        "Schedule to close",
        "Start to close",
        "Heartbeat",
        "Priority",
        "Description",
    ]);
    for activity in &manifest.activities {
        table.push(activity_row(activity));
    }
    table
}

fn activity_row(activity: &ActivityRegistration) -> [String; 9] {
    [
        activity.name.clone(),
        activity.version.clone(),
        or_dash(activity.default_task_list.as_ref().map(|list| list.name.as_str())),
        or_dash(activity.default_task_schedule_to_start_timeout.as_deref()),
        or_dash(activity.default_task_schedule_to_close_timeout.as_deref()),
        or_dash(activity.default_task_start_to_close_timeout.as_deref()),
        or_dash(activity.default_task_heartbeat_timeout.as_deref()),
        or_dash(activity.default_task_priority.as_deref()),
        activity.description.clone().unwrap_or_default(),
    ]
}

fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_string()
}
