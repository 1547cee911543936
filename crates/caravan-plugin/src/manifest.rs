//! The manifest a plugin returns: its name and version, and the workflow and activity types
//! it serves.
//!
//! Each [`WorkflowRegistration`] is `RegisterWorkflowType`'s input without `domain`, and each
//! [`ActivityRegistration`] is `RegisterActivityType`'s, so the host can register the types in
//! any domain it polls. Unset optional members are omitted.

use serde::{Deserialize, Serialize};

use crate::types::{ActivityType, ChildPolicy, TaskList, WorkflowType};

/// A plugin's name, version and workflow types, as its `manifest` function returns them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Plugin name, as given to `export_plugin!`.
    pub name: String,
    /// Plugin version, as given to `export_plugin!`.
    pub version: String,
    /// Version of the caravan-plugin crate the plugin was built with.
    pub sdk_version: String,
    pub workflows: Vec<WorkflowRegistration>,
    /// Missing in the manifests of plugins built for ABI 1.0, which serve no activities.
    #[serde(default)]
    pub activities: Vec<ActivityRegistration>,
}

impl Manifest {
    /// Returns the registration of workflow type `name` version `version`, if the plugin serves it.
    pub fn workflow(&self, name: &str, version: &str) -> Option<&WorkflowRegistration> {
        self.workflows
            .iter()
            .find(|workflow| workflow.name == name && workflow.version == version)
    }

    /// Returns the registration of activity type `name` version `version`, if the plugin serves it.
    pub fn activity(&self, name: &str, version: &str) -> Option<&ActivityRegistration> {
        self.activities
            .iter()
            .find(|activity| activity.name == name && activity.version == version)
    }
}

/// A workflow type and its registered defaults. Durations are whole seconds, and SWF sends
/// them, like the priority, as strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowRegistration {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_list: Option<TaskList>,
    /// Seconds a decision task may run, or `NONE` for no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_start_to_close_timeout: Option<String>,
    /// Seconds an execution may run. SWF rejects `NONE` here and caps it at one year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_execution_start_to_close_timeout: Option<String>,
    /// A 32-bit signed integer; higher values are polled sooner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_priority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_child_policy: Option<ChildPolicy>,
    /// ARN of the IAM role SWF assumes to invoke Lambda functions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_lambda_role: Option<String>,
}

impl WorkflowRegistration {
    /// Starts a registration with no defaults set.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            description: None,
            default_task_list: None,
            default_task_start_to_close_timeout: None,
            default_execution_start_to_close_timeout: None,
            default_task_priority: None,
            default_child_policy: None,
            default_lambda_role: None,
        }
    }

    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the name of the task list that decision tasks go to by default.
    pub fn default_task_list(mut self, task_list: impl Into<String>) -> Self {
        self.default_task_list = Some(TaskList::new(task_list));
        self
    }

    pub fn default_task_start_to_close_timeout_secs(mut self, seconds: u64) -> Self {
        self.default_task_start_to_close_timeout = Some(seconds.to_string());
        self
    }

    pub fn default_execution_start_to_close_timeout_secs(mut self, seconds: u64) -> Self {
        self.default_execution_start_to_close_timeout = Some(seconds.to_string());
        self
    }

    pub fn default_task_priority(mut self, priority: i32) -> Self {
        self.default_task_priority = Some(priority.to_string());
        self
    }

    pub fn default_child_policy(mut self, child_policy: ChildPolicy) -> Self {
        self.default_child_policy = Some(child_policy);
        self
    }

    pub fn default_lambda_role(mut self, role_arn: impl Into<String>) -> Self {
        self.default_lambda_role = Some(role_arn.into());
        self
    }

    /// Returns the workflow type this registration is for.
    pub fn workflow_type(&self) -> WorkflowType {
        WorkflowType::new(&self.name, &self.version)
    }
}

/// An activity type and its registered defaults. Durations are whole seconds or `NONE` for
/// no limit, and SWF sends them, like the priority, as strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityRegistration {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_list: Option<TaskList>,
    /// Seconds a task may wait in the task list before a worker starts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_schedule_to_start_timeout: Option<String>,
    /// Seconds from scheduling to the end of the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_schedule_to_close_timeout: Option<String>,
    /// Seconds a worker may take once it has started the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_start_to_close_timeout: Option<String>,
    /// Seconds allowed between two heartbeats of a running task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_heartbeat_timeout: Option<String>,
    /// A 32-bit signed integer; higher values are polled sooner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_task_priority: Option<String>,
}

impl ActivityRegistration {
    /// Starts a registration with no defaults set.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            description: None,
            default_task_list: None,
            default_task_schedule_to_start_timeout: None,
            default_task_schedule_to_close_timeout: None,
            default_task_start_to_close_timeout: None,
            default_task_heartbeat_timeout: None,
            default_task_priority: None,
        }
    }

    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the name of the task list that tasks of this type go to by default.
    pub fn default_task_list(mut self, task_list: impl Into<String>) -> Self {
        self.default_task_list = Some(TaskList::new(task_list));
        self
    }

    pub fn default_task_schedule_to_start_timeout_secs(mut self, seconds: u64) -> Self {
        self.default_task_schedule_to_start_timeout = Some(seconds.to_string());
        self
    }

    pub fn default_task_schedule_to_close_timeout_secs(mut self, seconds: u64) -> Self {
        self.default_task_schedule_to_close_timeout = Some(seconds.to_string());
        self
    }

    pub fn default_task_start_to_close_timeout_secs(mut self, seconds: u64) -> Self {
        self.default_task_start_to_close_timeout = Some(seconds.to_string());
        self
    }

    pub fn default_task_heartbeat_timeout_secs(mut self, seconds: u64) -> Self {
        self.default_task_heartbeat_timeout = Some(seconds.to_string());
        self
    }

    pub fn default_task_priority(mut self, priority: i32) -> Self {
        self.default_task_priority = Some(priority.to_string());
        self
    }

    /// Returns the activity type this registration is for.
    pub fn activity_type(&self) -> ActivityType {
        ActivityType::new(&self.name, &self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registration_wire_shape_has_all_defaults() {
        let registration = WorkflowRegistration::new("Demo", "0.1")
            .description("demo")
            .default_task_list("default")
            .default_task_start_to_close_timeout_secs(10)
            .default_execution_start_to_close_timeout_secs(600)
            .default_task_priority(-5)
            .default_child_policy(ChildPolicy::Terminate)
            .default_lambda_role("arn:aws:iam::123456789012:role/swf-lambda");

        let json = serde_json::to_value(&registration).unwrap();

        assert_eq!(
            json,
            json!({
                "name": "Demo",
                "version": "0.1",
                "description": "demo",
                "defaultTaskList": {"name": "default"},
                "defaultTaskStartToCloseTimeout": "10",
                "defaultExecutionStartToCloseTimeout": "600",
                "defaultTaskPriority": "-5",
                "defaultChildPolicy": "TERMINATE",
                "defaultLambdaRole": "arn:aws:iam::123456789012:role/swf-lambda"
            })
        );
    }

    #[test]
    fn registration_omits_unset_members() {
        let json = serde_json::to_value(WorkflowRegistration::new("Demo", "0.1")).unwrap();

        assert_eq!(json, json!({"name": "Demo", "version": "0.1"}));
    }

    #[test]
    fn manifest_round_trip() {
        let manifest = Manifest {
            name: "demo".to_owned(),
            version: "0.1.0".to_owned(),
            sdk_version: crate::SDK_VERSION.to_owned(),
            workflows: vec![WorkflowRegistration::new("Demo", "0.1").default_task_list("default")],
            activities: vec![ActivityRegistration::new("Upper", "1").default_task_list("work")],
        };

        let json = serde_json::to_string(&manifest).unwrap();
        let parsed: Manifest = serde_json::from_str(&json).unwrap();

        assert_eq!(parsed, manifest);
        assert!(json.contains(r#""sdkVersion""#), "{json}");
        assert!(parsed.workflow("Demo", "0.1").is_some());
        assert!(parsed.workflow("Demo", "0.2").is_none());
        assert!(parsed.activity("Upper", "1").is_some());
    }

    #[test]
    fn activity_registration_wire_shape() {
        let registration = ActivityRegistration::new("Upper", "1")
            .description("uppercases")
            .default_task_list("work")
            .default_task_schedule_to_start_timeout_secs(60)
            .default_task_schedule_to_close_timeout_secs(120)
            .default_task_start_to_close_timeout_secs(30)
            .default_task_heartbeat_timeout_secs(10)
            .default_task_priority(3);

        let json = serde_json::to_value(&registration).unwrap();

        assert_eq!(
            json,
            json!({
                "name": "Upper",
                "version": "1",
                "description": "uppercases",
                "defaultTaskList": {"name": "work"},
                "defaultTaskScheduleToStartTimeout": "60",
                "defaultTaskScheduleToCloseTimeout": "120",
                "defaultTaskStartToCloseTimeout": "30",
                "defaultTaskHeartbeatTimeout": "10",
                "defaultTaskPriority": "3"
            })
        );
    }

    #[test]
    fn manifest_without_activities_reads_as_none() {
        let json = r#"{"name":"old","version":"1","sdkVersion":"0.1.0","workflows":[]}"#;

        let manifest: Manifest = serde_json::from_str(json).unwrap();

        assert!(manifest.activities.is_empty());
    }
}
