//! TagResource, UntagResource and ListTagsForResource. Only domains can be tagged, by their ARN
//! `arn:aws:swf:{region}:{account}:/domain/{name}`.

use serde_json::{Value, json};

use super::domains::MAX_DOMAIN_TAGS;
use super::input::{Input, Length};
use super::shapes::ARN;
use crate::engine::State;
use crate::error::{ApiError, Fault};
use crate::model::domain::{Domain, ResourceTag};

const TAG_KEY: Length = Length::new(1, 128);
const TAG_VALUE: Length = Length::new(0, 256);

/// Reads the `tags` list of RegisterDomain or TagResource.
pub(crate) fn read_tags(input: &mut Input) -> Result<Option<Vec<ResourceTag>>, ApiError> {
    let Some(items) = input.object_list("tags", None)? else {
        return Ok(None);
    };

    let mut tags = Vec::with_capacity(items.len());
    for mut item in items {
        let key = item.required_string("key", TAG_KEY)?;
        check_tag_text(&item, "key", &key);
        let value = item.string("value", TAG_VALUE)?.unwrap_or_default();
        check_tag_text(&item, "value", &value);
        tags.push(ResourceTag { key, value });
    }
    Ok(Some(tags))
}

/// Checks that tag text has only letters, digits, whitespace and `_ . : / = + - @`.
fn check_tag_text(input: &Input, member: &str, text: &str) {
    let allowed =
        |character: char| character.is_alphanumeric() || character.is_whitespace() || "_.:/=+-@".contains(character);
    if !text.chars().all(allowed) {
        input.reject_string(
            member,
            text,
            "Member must contain only letters, digits, whitespace and the characters _ . : / = + - @",
        );
    }
}

/// Finds the domain a resource ARN names.
fn tagged_domain<'a>(state: &'a mut State, arn: &str) -> Result<&'a mut Domain, ApiError> {
    let prefix = format!("arn:aws:swf:{}:{}:/domain/", state.region, state.account_id);
    let unknown = || {
        ApiError::unknown_resource(format!(
            "Unknown resource: {arn} (only domain ARNs {prefix}NAME can be tagged)"
        ))
    };
    let name = arn.strip_prefix(&prefix).ok_or_else(unknown)?.to_string();
    state.domains.get_mut(&name).ok_or_else(unknown)
}

pub(crate) fn tag_resource(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let arn = input.required_string("resourceArn", ARN)?;
    let tags = read_tags(&mut input)?;
    if tags.is_none() {
        input.reject("tags", "null", "Member must not be null");
    }
    input.finish()?;

    let domain = tagged_domain(state, &arn)?;
    let tags = tags.unwrap_or_default();
    let mut keys: Vec<&str> = domain.tags.iter().chain(&tags).map(|tag| tag.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.len() > MAX_DOMAIN_TAGS {
        return Err(ApiError::fault(
            Fault::TooManyTags,
            format!(
                "{arn} would have {} tags; a domain can have at most {MAX_DOMAIN_TAGS}",
                keys.len()
            ),
        ));
    }

    domain.upsert_tags(tags);
    Ok(json!({}))
}

pub(crate) fn untag_resource(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let arn = input.required_string("resourceArn", ARN)?;
    let keys = input.string_list("tagKeys", None, TAG_KEY)?;
    if keys.is_none() {
        input.reject("tagKeys", "null", "Member must not be null");
    }
    input.finish()?;

    let domain = tagged_domain(state, &arn)?;
    let keys = keys.unwrap_or_default();
    domain.tags.retain(|tag| !keys.contains(&tag.key));
    Ok(json!({}))
}

pub(crate) fn list_tags(state: &mut State, mut input: Input) -> Result<Value, ApiError> {
    let arn = input.required_string("resourceArn", ARN)?;
    input.finish()?;

    let domain = tagged_domain(state, &arn)?;
    let tags: Vec<Value> = domain
        .tags
        .iter()
        .map(|tag| json!({ "key": tag.key, "value": tag.value }))
        .collect();
    Ok(json!({ "tags": tags }))
}
