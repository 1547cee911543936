//! Domains and the activity and workflow types registered in them.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::execution::ExecId;
use super::values::{ChildPolicy, Millis, RegistrationStatus, Timeout};

/// Name and version of an activity or workflow type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct TypeKey {
    pub(crate) name: String,
    pub(crate) version: String,
}

impl TypeKey {
    pub(crate) fn to_value(&self) -> Value {
        json!({ "name": self.name, "version": self.version })
    }
}

/// A registered type, with the defaults of one kind (`ActivityDefaults` or `WorkflowDefaults`).
#[derive(Clone, Debug)]
pub(crate) struct TypeRecord<D> {
    pub(crate) status: RegistrationStatus,
    pub(crate) description: Option<String>,
    pub(crate) created: Millis,
    pub(crate) deprecated: Option<Millis>,
    pub(crate) defaults: D,
}

impl<D> TypeRecord<D> {
    pub(crate) fn deprecate(&mut self, at: Millis) {
        self.status = RegistrationStatus::Deprecated;
        self.deprecated = Some(at);
    }

    pub(crate) fn is_deprecated(&self) -> bool {
        self.status == RegistrationStatus::Deprecated
    }
}

/// Settings of an activity type that a ScheduleActivityTask decision may leave out.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActivityDefaults {
    pub(crate) task_list: Option<String>,
    pub(crate) task_priority: Option<i32>,
    pub(crate) schedule_to_start: Option<Timeout>,
    pub(crate) schedule_to_close: Option<Timeout>,
    pub(crate) start_to_close: Option<Timeout>,
    pub(crate) heartbeat: Option<Timeout>,
}

/// Settings of a workflow type that a start of an execution may leave out.
#[derive(Clone, Debug, Default)]
pub(crate) struct WorkflowDefaults {
    pub(crate) task_list: Option<String>,
    pub(crate) task_priority: Option<i32>,
    pub(crate) execution_start_to_close: Option<u64>,
    pub(crate) task_start_to_close: Option<Timeout>,
    pub(crate) child_policy: Option<ChildPolicy>,
    pub(crate) lambda_role: Option<String>,
}

/// A resource tag of a domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResourceTag {
    pub(crate) key: String,
    pub(crate) value: String,
}

#[derive(Debug)]
pub(crate) struct Domain {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) status: RegistrationStatus,
    /// The retention period as the client sent it, echoed by DescribeDomain.
    pub(crate) retention_text: String,
    pub(crate) retention_days: u32,
    /// Tags in the order they were first added.
    pub(crate) tags: Vec<ResourceTag>,
    pub(crate) activity_types: BTreeMap<TypeKey, TypeRecord<ActivityDefaults>>,
    pub(crate) workflow_types: BTreeMap<TypeKey, TypeRecord<WorkflowDefaults>>,
    /// The open run of each workflow id; at most one run per workflow id is open at a time.
    pub(crate) open_runs: HashMap<String, ExecId>,
}

impl Domain {
    pub(crate) fn is_deprecated(&self) -> bool {
        self.status == RegistrationStatus::Deprecated
    }

    /// Deprecates the domain and every type in it that is still registered.
    pub(crate) fn deprecate(&mut self, at: Millis) {
        self.status = RegistrationStatus::Deprecated;
        for record in self
            .activity_types
            .values_mut()
            .filter(|record| !record.is_deprecated())
        {
            record.deprecate(at);
        }
        for record in self
            .workflow_types
            .values_mut()
            .filter(|record| !record.is_deprecated())
        {
            record.deprecate(at);
        }
    }

    /// Inserts or replaces tags by key, keeping the position of replaced ones.
    pub(crate) fn upsert_tags(&mut self, tags: Vec<ResourceTag>) {
        for tag in tags {
            match self.tags.iter_mut().find(|existing| existing.key == tag.key) {
                Some(existing) => existing.value = tag.value,
                None => self.tags.push(tag),
            }
        }
    }
}
