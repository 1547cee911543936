//! RegisterDomain, DeprecateDomain, UndeprecateDomain, DescribeDomain and ListDomains.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::input::{Input, Length};
use super::shapes::{self, DESCRIPTION, NAME, check_name, check_trimmed};
use super::tags::read_tags;
use crate::engine::State;
use crate::engine::paging::{Position, page_after};
use crate::error::{ApiError, Fault};
use crate::json::Obj;
use crate::model::domain::{Domain, ResourceTag};
use crate::model::values::{RegistrationStatus, parse_retention_days};

/// Maximum number of domains per account, deprecated ones included.
const MAX_DOMAINS: usize = 100;

/// Most tags on a domain.
pub(crate) const MAX_DOMAIN_TAGS: usize = 50;

pub(crate) fn register(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let name = input.required_string("name", NAME)?;
    check_name(&input, "name", &name);
    check_trimmed(&input, "name", &name);
    let retention_text = input.required_string("workflowExecutionRetentionPeriodInDays", Length::new(1, 8))?;
    let retention_days = parse_retention_days(&retention_text);
    if retention_days.is_none() && !retention_text.is_empty() {
        input.reject_string(
            "workflowExecutionRetentionPeriodInDays",
            &retention_text,
            "Member must be NONE or a whole number of days from 0 to 90",
        );
    }
    let description = input.string("description", DESCRIPTION)?;
    let tags = read_tags(&mut input)?;
    input.finish()?;

    if state.domains.contains_key(&name) {
        return Err(ApiError::fault(
            Fault::DomainAlreadyExists,
            format!("Domain already exists: {name}"),
        ));
    }
    if state.domains.len() >= MAX_DOMAINS {
        return Err(ApiError::fault(
            Fault::LimitExceeded,
            format!("Cannot register domain {name}: the account already has {MAX_DOMAINS} domains"),
        ));
    }
    let tags = tags.unwrap_or_default();
    check_tag_count(&name, &tags)?;

    let domain = Domain {
        name: name.clone(),
        description,
        status: RegistrationStatus::Registered,
        retention_text,
        retention_days: retention_days.unwrap_or(0),
        tags: Vec::new(),
        activity_types: BTreeMap::new(),
        workflow_types: BTreeMap::new(),
        open_runs: HashMap::new(),
    };
    state.domains.insert(name.clone(), domain);
    if let Some(domain) = state.domains.get_mut(&name) {
        domain.upsert_tags(tags);
    }
    Ok(json!({}))
}

fn check_tag_count(domain: &str, tags: &[ResourceTag]) -> Result<(), ApiError> {
    let mut keys: Vec<&str> = tags.iter().map(|tag| tag.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.len() > MAX_DOMAIN_TAGS {
        return Err(ApiError::fault(
            Fault::TooManyTags,
            format!(
                "Domain {domain} would have {} tags; a domain can have at most {MAX_DOMAIN_TAGS}",
                keys.len()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn deprecate(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let name = input.required_string("name", NAME)?;
    input.finish()?;

    let now = state.now;
    let domain = state.domain_mut(&name)?;
    if domain.is_deprecated() {
        return Err(ApiError::fault(
            Fault::DomainDeprecated,
            format!("Domain is already deprecated: {name}"),
        ));
    }
    domain.deprecate(now);
    Ok(json!({}))
}

/// Undeprecates a domain. Its types stay deprecated; each one can be undeprecated on its own.
pub(crate) fn undeprecate(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let name = input.required_string("name", NAME)?;
    input.finish()?;

    let domain = state.domain_mut(&name)?;
    if !domain.is_deprecated() {
        return Err(ApiError::fault(
            Fault::DomainAlreadyExists,
            format!("Domain is already registered: {name}"),
        ));
    }
    domain.status = RegistrationStatus::Registered;
    Ok(json!({}))
}

pub(crate) fn describe(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let name = input.required_string("name", NAME)?;
    input.finish()?;

    let domain = state.domain(&name)?;
    let configuration = json!({ "workflowExecutionRetentionPeriodInDays": domain.retention_text });
    Ok(json!({ "domainInfo": domain_info(state, domain), "configuration": configuration }))
}

pub(crate) fn list(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let fingerprint = input.fingerprint();
    let status = input.required_enumeration("registrationStatus", RegistrationStatus::NAMES)?;
    let page = shapes::page_request(&mut input)?;
    input.finish()?;

    let status = RegistrationStatus::parse(status);
    let after = match &page.token {
        Some(token) => match state.pages.redeem(token, "ListDomains", &fingerprint, state.now)? {
            Position::Domain(name) => Some(name),
            _ => None,
        },
        None => None,
    };

    let items: Vec<(String, Value)> = state
        .domains
        .values()
        .filter(|domain| Some(domain.status) == status)
        .map(|domain| (domain.name.clone(), domain_info(state, domain)))
        .collect();
    let result = page_after(items, page.reverse, after.as_ref(), page.size);

    let next = result.last_key.map(|name| {
        state
            .pages
            .issue("ListDomains", &fingerprint, Position::Domain(name), state.now)
    });
    Ok(Obj::new()
        .set("domainInfos", result.items)
        .set_opt("nextPageToken", next)
        .into_value())
}

fn domain_info(state: &State, domain: &Domain) -> Value {
    Obj::new()
        .set("name", domain.name.clone())
        .set("status", domain.status.as_str())
        .set_opt("description", domain.description.clone())
        .set("arn", state.domain_arn(&domain.name))
        .into_value()
}
