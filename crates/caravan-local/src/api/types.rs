//! The twelve type operations: Register, Deprecate, Undeprecate, Delete, Describe and List, for
//! activity types and workflow types alike. [`TypeKind`] contains what differs between the two kinds.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::input::Input;
use super::shapes::{self, ARN, DESCRIPTION, NAME, Naming, check_name};
use crate::engine::State;
use crate::engine::paging::{Position, page_after};
use crate::error::{ApiError, Fault};
use crate::json::{self, Obj};
use crate::model::domain::{ActivityDefaults, Domain, TypeKey, TypeRecord, WorkflowDefaults};
use crate::model::values::{RegistrationStatus, Timeout, timestamp_value};

/// Most types of one kind in a domain, deprecated ones included.
const MAX_TYPES_PER_KIND: usize = 10_000;

/// Differences between activity types and workflow types.
pub(crate) trait TypeKind {
    type Defaults: Clone;

    /// Request and response member that contains the type, such as `activityType`.
    const MEMBER: &'static str;
    /// Name of the type structure in messages, such as `ActivityType`.
    const LABEL: &'static str;
    const LIST_OPERATION: &'static str;

    fn registry(domain: &Domain) -> &BTreeMap<TypeKey, TypeRecord<Self::Defaults>>;
    fn registry_mut(domain: &mut Domain) -> &mut BTreeMap<TypeKey, TypeRecord<Self::Defaults>>;
    fn read_defaults(input: &mut Input) -> Result<Self::Defaults, ApiError>;
    fn configuration(defaults: &Self::Defaults) -> Value;
}

pub(crate) struct ActivityKind;
pub(crate) struct WorkflowKind;

impl TypeKind for ActivityKind {
    type Defaults = ActivityDefaults;

    const MEMBER: &'static str = "activityType";
    const LABEL: &'static str = "ActivityType";
    const LIST_OPERATION: &'static str = "ListActivityTypes";

    fn registry(domain: &Domain) -> &BTreeMap<TypeKey, TypeRecord<ActivityDefaults>> {
        &domain.activity_types
    }

    fn registry_mut(domain: &mut Domain) -> &mut BTreeMap<TypeKey, TypeRecord<ActivityDefaults>> {
        &mut domain.activity_types
    }

    fn read_defaults(input: &mut Input) -> Result<ActivityDefaults, ApiError> {
        Ok(ActivityDefaults {
            start_to_close: shapes::timeout(input, "defaultTaskStartToCloseTimeout")?,
            heartbeat: shapes::timeout(input, "defaultTaskHeartbeatTimeout")?,
            task_list: shapes::task_list(input, "defaultTaskList", Naming::Checked)?,
            task_priority: shapes::priority(input, "defaultTaskPriority")?,
            schedule_to_start: shapes::timeout(input, "defaultTaskScheduleToStartTimeout")?,
            schedule_to_close: shapes::timeout(input, "defaultTaskScheduleToCloseTimeout")?,
        })
    }

    fn configuration(defaults: &ActivityDefaults) -> Value {
        Obj::new()
            .set_opt(
                "defaultTaskStartToCloseTimeout",
                defaults.start_to_close.map(Timeout::wire),
            )
            .set_opt("defaultTaskHeartbeatTimeout", defaults.heartbeat.map(Timeout::wire))
            .set_opt("defaultTaskList", defaults.task_list.as_deref().map(json::task_list))
            .set_opt(
                "defaultTaskPriority",
                defaults.task_priority.map(|priority| priority.to_string()),
            )
            .set_opt(
                "defaultTaskScheduleToStartTimeout",
                defaults.schedule_to_start.map(Timeout::wire),
            )
            .set_opt(
                "defaultTaskScheduleToCloseTimeout",
                defaults.schedule_to_close.map(Timeout::wire),
            )
            .into_value()
    }
}

impl TypeKind for WorkflowKind {
    type Defaults = WorkflowDefaults;

    const MEMBER: &'static str = "workflowType";
    const LABEL: &'static str = "WorkflowType";
    const LIST_OPERATION: &'static str = "ListWorkflowTypes";

    fn registry(domain: &Domain) -> &BTreeMap<TypeKey, TypeRecord<WorkflowDefaults>> {
        &domain.workflow_types
    }

    fn registry_mut(domain: &mut Domain) -> &mut BTreeMap<TypeKey, TypeRecord<WorkflowDefaults>> {
        &mut domain.workflow_types
    }

    fn read_defaults(input: &mut Input) -> Result<WorkflowDefaults, ApiError> {
        Ok(WorkflowDefaults {
            task_start_to_close: shapes::timeout(input, "defaultTaskStartToCloseTimeout")?,
            execution_start_to_close: shapes::execution_timeout(input, "defaultExecutionStartToCloseTimeout", false)?,
            task_list: shapes::task_list(input, "defaultTaskList", Naming::Checked)?,
            task_priority: shapes::priority(input, "defaultTaskPriority")?,
            child_policy: shapes::child_policy(input, "defaultChildPolicy")?,
            lambda_role: input.string("defaultLambdaRole", ARN)?,
        })
    }

    fn configuration(defaults: &WorkflowDefaults) -> Value {
        Obj::new()
            .set_opt(
                "defaultTaskStartToCloseTimeout",
                defaults.task_start_to_close.map(Timeout::wire),
            )
            .set_opt(
                "defaultExecutionStartToCloseTimeout",
                defaults.execution_start_to_close.map(|seconds| seconds.to_string()),
            )
            .set_opt("defaultTaskList", defaults.task_list.as_deref().map(json::task_list))
            .set_opt(
                "defaultTaskPriority",
                defaults.task_priority.map(|priority| priority.to_string()),
            )
            .set_opt(
                "defaultChildPolicy",
                defaults.child_policy.map(|policy| policy.as_str()),
            )
            .set_opt("defaultLambdaRole", defaults.lambda_role.clone())
            .into_value()
    }
}

/// Names a type in messages, for example `ActivityType=[name=Charge, version=1]`.
fn describe_key<K: TypeKind>(key: &TypeKey) -> String {
    format!("{}=[name={}, version={}]", K::LABEL, key.name, key.version)
}

fn unknown_type<K: TypeKind>(key: &TypeKey) -> ApiError {
    ApiError::unknown_resource(format!("Unknown type: {}", describe_key::<K>(key)))
}

pub(crate) fn register<K: TypeKind>(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let domain = shapes::domain(&mut input)?;
    let name = input.required_string("name", NAME)?;
    check_name(&input, "name", &name);
    let version = input.required_string("version", shapes::VERSION)?;
    check_name(&input, "version", &version);
    let description = input.string("description", DESCRIPTION)?;
    let defaults = K::read_defaults(&mut input)?;
    input.finish()?;

    let now = state.now;
    let domain = state.domain_mut(&domain)?;
    if domain.is_deprecated() {
        return Err(ApiError::unknown_resource(format!(
            "Domain is deprecated: {}; undeprecate it before registering types",
            domain.name
        )));
    }
    let key = TypeKey { name, version };
    let registry = K::registry_mut(domain);
    if registry.contains_key(&key) {
        return Err(ApiError::fault(
            Fault::TypeAlreadyExists,
            format!("Type already exists: {}", describe_key::<K>(&key)),
        ));
    }
    if registry.len() >= MAX_TYPES_PER_KIND {
        return Err(ApiError::fault(
            Fault::LimitExceeded,
            format!(
                "Cannot register {}: the domain already has {MAX_TYPES_PER_KIND} such types",
                describe_key::<K>(&key)
            ),
        ));
    }

    let record = TypeRecord {
        status: RegistrationStatus::Registered,
        description,
        created: now,
        deprecated: None,
        defaults,
    };
    registry.insert(key, record);
    Ok(json!({}))
}

/// Reads the domain and type members that Deprecate, Undeprecate, Delete and Describe share.
fn read_type_request<K: TypeKind>(mut input: Input) -> Result<(String, TypeKey), ApiError> {
    let domain = shapes::domain(&mut input)?;
    let key = shapes::type_key(&mut input, K::MEMBER)?;
    input.finish()?;
    Ok((domain, key))
}

fn find_type<'a, K: TypeKind>(
    state: &'a mut State,
    domain: &str,
    key: &TypeKey,
) -> Result<&'a mut TypeRecord<K::Defaults>, ApiError> {
    let domain = state.domain_mut(domain)?;
    K::registry_mut(domain)
        .get_mut(key)
        .ok_or_else(|| unknown_type::<K>(key))
}

pub(crate) fn deprecate<K: TypeKind>(state: &mut State, input: Input) -> Result<Value, ApiError> {
    let (domain, key) = read_type_request::<K>(input)?;

    let now = state.now;
    let record = find_type::<K>(state, &domain, &key)?;
    if record.is_deprecated() {
        return Err(ApiError::fault(
            Fault::TypeDeprecated,
            format!("Type is already deprecated: {}", describe_key::<K>(&key)),
        ));
    }
    record.deprecate(now);
    Ok(json!({}))
}

pub(crate) fn undeprecate<K: TypeKind>(state: &mut State, input: Input) -> Result<Value, ApiError> {
    let (domain, key) = read_type_request::<K>(input)?;

    let record = find_type::<K>(state, &domain, &key)?;
    if !record.is_deprecated() {
        return Err(ApiError::fault(
            Fault::TypeAlreadyExists,
            format!("Type is already registered: {}", describe_key::<K>(&key)),
        ));
    }
    record.status = RegistrationStatus::Registered;
    record.deprecated = None;
    Ok(json!({}))
}

/// Deletes a deprecated type. Runs and tasks of the type go on; its name and version can be registered
/// again afterwards.
pub(crate) fn delete<K: TypeKind>(state: &mut State, input: Input) -> Result<Value, ApiError> {
    let (domain, key) = read_type_request::<K>(input)?;

    let record = find_type::<K>(state, &domain, &key)?;
    if !record.is_deprecated() {
        return Err(ApiError::fault(
            Fault::TypeNotDeprecated,
            format!(
                "Type is not deprecated: {}; deprecate it before deleting it",
                describe_key::<K>(&key)
            ),
        ));
    }
    let domain = state.domain_mut(&domain)?;
    K::registry_mut(domain).remove(&key);
    Ok(json!({}))
}

pub(crate) fn describe<K: TypeKind>(state: &mut State, input: Input) -> Result<Value, ApiError> {
    let (domain, key) = read_type_request::<K>(input)?;

    let record = find_type::<K>(state, &domain, &key)?;
    Ok(json!({ "typeInfo": type_info::<K>(&key, record), "configuration": K::configuration(&record.defaults) }))
}

pub(crate) fn list<K: TypeKind>(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let fingerprint = input.fingerprint();
    let domain = shapes::domain(&mut input)?;
    let status = input.required_enumeration("registrationStatus", RegistrationStatus::NAMES)?;
    let name = input.string("name", NAME)?;
    let page = shapes::page_request(&mut input)?;
    input.finish()?;

    let status = RegistrationStatus::parse(status);
    let after = match &page.token {
        Some(token) => match state.pages.redeem(token, K::LIST_OPERATION, &fingerprint, state.now)? {
            Position::Type(key) => Some(key),
            _ => None,
        },
        None => None,
    };

    let items: Vec<(TypeKey, Value)> = K::registry(state.domain(&domain)?)
        .iter()
        .filter(|(key, record)| Some(record.status) == status && name.as_ref().is_none_or(|name| *name == key.name))
        .map(|(key, record)| (key.clone(), type_info::<K>(key, record)))
        .collect();
    let result = page_after(items, page.reverse, after.as_ref(), page.size);

    let next = result.last_key.map(|key| {
        state
            .pages
            .issue(K::LIST_OPERATION, &fingerprint, Position::Type(key), state.now)
    });
    Ok(Obj::new()
        .set("typeInfos", result.items)
        .set_opt("nextPageToken", next)
        .into_value())
}

fn type_info<K: TypeKind>(key: &TypeKey, record: &TypeRecord<K::Defaults>) -> Value {
    Obj::new()
        .set(K::MEMBER, key.to_value())
        .set("status", record.status.as_str())
        .set_opt("description", record.description.clone())
        .set("creationDate", timestamp_value(record.created))
        .set_opt("deprecationDate", record.deprecated.map(timestamp_value))
        .into_value()
}
