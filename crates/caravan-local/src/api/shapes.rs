//! Readers for the structures and value formats that many operations share: task lists, types,
//! executions, durations, priorities, tag lists and paging members.

use super::input::{Input, Length};
use crate::error::ApiError;
use crate::model::domain::TypeKey;
use crate::model::values::{ChildPolicy, MAX_EXECUTION_SECONDS, Timeout, parse_priority, parse_seconds};

pub(crate) const NAME: Length = Length::new(1, 256);
pub(crate) const VERSION: Length = Length::new(1, 64);
pub(crate) const DESCRIPTION: Length = Length::new(0, 1024);
pub(crate) const DATA: Length = Length::new(0, 32_768);
pub(crate) const LIMITED_DATA: Length = Length::new(0, 2_048);
pub(crate) const REASON: Length = Length::new(0, 256);
pub(crate) const IDENTITY: Length = Length::new(0, 256);
pub(crate) const TASK_TOKEN: Length = Length::new(1, 1_024);
pub(crate) const RUN_ID: Length = Length::new(1, 64);
pub(crate) const OPTIONAL_RUN_ID: Length = Length::new(0, 64);
pub(crate) const ARN: Length = Length::new(1, 1_600);
pub(crate) const TAG: Length = Length::new(0, 256);
const DURATION: Length = Length::new(0, 8);
const REQUIRED_DURATION: Length = Length::new(1, 8);
const PAGE_TOKEN: Length = Length::new(0, 2_048);

/// Most tags on an execution.
const MAX_EXECUTION_TAGS: usize = 5;

/// Whether a name creates something, and so must follow SWF's naming rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Naming {
    /// The name creates a domain, type, task list, execution, activity or timer.
    Checked,
    /// The name only looks something up.
    Unchecked,
}

/// Checks SWF's rules for names of things a request creates: no `:`, `/` or `|`, no control characters
/// (U+0000–U+001F, U+007F–U+009F), and not the literal `arn`.
pub(crate) fn check_name(input: &Input, member: &str, value: &str) {
    let forbidden = |character: char| {
        matches!(character, ':' | '/' | '|') || matches!(character, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
    };
    if value.contains(forbidden) || value == "arn" {
        input.reject_string(
            member,
            value,
            "Member must not contain ':', '/', '|' or control characters, and must not be the literal string 'arn'",
        );
    }
}

/// Checks the extra rule for domain and task list names: no whitespace at either end.
pub(crate) fn check_trimmed(input: &Input, member: &str, value: &str) {
    if value.trim() != value {
        input.reject_string(member, value, "Member must not start or end with whitespace");
    }
}

pub(crate) fn domain(input: &mut Input) -> Result<String, ApiError> {
    input.required_string("domain", NAME)
}

/// Reads a `TaskList` structure and returns its name.
pub(crate) fn task_list(input: &mut Input, member: &str, naming: Naming) -> Result<Option<String>, ApiError> {
    let Some(mut list) = input.object(member)? else {
        return Ok(None);
    };
    let name = list.required_string("name", NAME)?;
    if naming == Naming::Checked {
        check_name(&list, "name", &name);
        check_trimmed(&list, "name", &name);
    }
    Ok(Some(name))
}

pub(crate) fn required_task_list(input: &mut Input, member: &str, naming: Naming) -> Result<String, ApiError> {
    let mut list = input.required_object(member)?;
    let name = list.required_string("name", NAME)?;
    if naming == Naming::Checked {
        check_name(&list, "name", &name);
        check_trimmed(&list, "name", &name);
    }
    Ok(name)
}

/// Reads a required `WorkflowType` or `ActivityType` structure.
pub(crate) fn type_key(input: &mut Input, member: &str) -> Result<TypeKey, ApiError> {
    let mut key = input.required_object(member)?;
    let name = key.required_string("name", NAME)?;
    let version = key.required_string("version", VERSION)?;
    Ok(TypeKey { name, version })
}

/// Reads a required `WorkflowExecution` structure as workflow id and run id.
pub(crate) fn execution(input: &mut Input, member: &str) -> Result<(String, String), ApiError> {
    let mut execution = input.required_object(member)?;
    let workflow_id = execution.required_string("workflowId", NAME)?;
    let run_id = execution.required_string("runId", RUN_ID)?;
    Ok((workflow_id, run_id))
}

/// Reads an optional run id; an empty one counts as missing.
pub(crate) fn optional_run_id(input: &mut Input) -> Result<Option<String>, ApiError> {
    Ok(input
        .string("runId", OPTIONAL_RUN_ID)?
        .filter(|run_id| !run_id.is_empty()))
}

/// Reads a duration that may be `NONE`.
pub(crate) fn timeout(input: &mut Input, member: &str) -> Result<Option<Timeout>, ApiError> {
    let Some(text) = input.string(member, DURATION)? else {
        return Ok(None);
    };
    let timeout = Timeout::parse(&text);
    if timeout.is_none() {
        input.reject_string(member, &text, "Member must be NONE or a whole number of seconds");
    }
    Ok(timeout)
}

/// Reads an execution timeout: whole seconds up to one year. Where `allow_none` is set (child and
/// continue-as-new decisions), `NONE` means the one-year maximum.
pub(crate) fn execution_timeout(input: &mut Input, member: &str, allow_none: bool) -> Result<Option<u64>, ApiError> {
    let Some(text) = input.string(member, REQUIRED_DURATION)? else {
        return Ok(None);
    };
    if allow_none && text == "NONE" {
        return Ok(Some(MAX_EXECUTION_SECONDS));
    }

    let seconds = parse_seconds(&text).filter(|seconds| *seconds <= MAX_EXECUTION_SECONDS);
    if seconds.is_none() {
        input.reject_string(
            member,
            &text,
            "Member must be a whole number of seconds from 0 to 31536000 (one year)",
        );
    }
    Ok(seconds)
}

/// Reads the whole seconds of a timer, which may not be `NONE`.
pub(crate) fn required_seconds(input: &mut Input, member: &str) -> Result<u64, ApiError> {
    let text = input.required_string(member, REQUIRED_DURATION)?;
    if text.is_empty() {
        return Ok(0);
    }
    let seconds = parse_seconds(&text);
    if seconds.is_none() {
        input.reject_string(member, &text, "Member must be a whole number of seconds");
    }
    Ok(seconds.unwrap_or(0))
}

/// Reads a task priority, a string holding a signed 32-bit integer.
pub(crate) fn priority(input: &mut Input, member: &str) -> Result<Option<i32>, ApiError> {
    let Some(text) = input.string(member, Length::new(0, 11))? else {
        return Ok(None);
    };
    let priority = parse_priority(&text);
    if priority.is_none() {
        input.reject_string(
            member,
            &text,
            "Member must be a whole number from -2147483648 to 2147483647",
        );
    }
    Ok(priority)
}

pub(crate) fn child_policy(input: &mut Input, member: &str) -> Result<Option<ChildPolicy>, ApiError> {
    let name = input.enumeration(member, ChildPolicy::NAMES)?;
    Ok(name.and_then(ChildPolicy::parse))
}

/// Reads the tags of an execution: at most five, each up to 256 characters.
pub(crate) fn tag_list(input: &mut Input) -> Result<Vec<String>, ApiError> {
    Ok(input
        .string_list("tagList", Some(MAX_EXECUTION_TAGS), TAG)?
        .unwrap_or_default())
}

/// The paging members of a list or history request.
pub(crate) struct PageRequest {
    pub(crate) token: Option<String>,
    /// Page size; 0 or absent means the maximum, 1,000.
    pub(crate) size: usize,
    pub(crate) reverse: bool,
}

pub(crate) fn page_request(input: &mut Input) -> Result<PageRequest, ApiError> {
    let max = crate::engine::paging::MAX_PAGE_SIZE;
    let token = input
        .string("nextPageToken", PAGE_TOKEN)?
        .filter(|token| !token.is_empty());
    let size = input.integer("maximumPageSize", 0, max as i64)?.unwrap_or(0);
    let reverse = input.boolean("reverseOrder")?.unwrap_or(false);

    let size = usize::try_from(size)
        .ok()
        .filter(|size| *size > 0)
        .unwrap_or(max)
        .min(max);
    Ok(PageRequest { token, size, reverse })
}
