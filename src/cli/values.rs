//! Checks of command-line values against SWF's rules, so that a bad value is a usage error naming
//! the flag (exit 64) instead of a request that SWF rejects, or that an emulator accepts and then fails on.
//!
//! Each function is a clap value parser: it returns the value, or the reason it is invalid, which
//! clap prints after the flag's name.

/// SWF's limit on the number of tags of an execution.
const MAX_TAGS: usize = 5;
/// SWF's limit on one tag, in characters.
const MAX_TAG_CHARS: usize = 256;
/// Duration strings hold at most 8 characters on the wire.
const MAX_DURATION_CHARS: usize = 8;

/// Checks a domain, task list, workflow id or type name: SWF's naming rule, 1 to 256 characters.
pub fn swf_name(value: &str) -> Result<String, String> {
    match crate::config::swf_name_problem(value) {
        Some(problem) => Err(problem),
        None => Ok(value.to_string()),
    }
}

/// Checks a workflow type version: SWF's naming rule, 1 to 64 characters.
pub fn swf_version(value: &str) -> Result<String, String> {
    if value.chars().count() > 64 {
        return Err("must be at most 64 characters".to_string());
    }
    swf_name(value)
}

/// Checks a run id: 1 to 64 characters.
pub fn run_id(value: &str) -> Result<String, String> {
    match value.chars().count() {
        0 => Err("must not be empty".to_string()),
        1..=64 => Ok(value.to_string()),
        _ => Err("must be at most 64 characters".to_string()),
    }
}

/// Reads a workflow type written as NAME:VERSION. The name cannot contain `:` under SWF's naming
/// rule, so the first `:` ends it.
pub fn workflow_type(value: &str) -> Result<(String, String), String> {
    let Some((name, version)) = value.split_once(':') else {
        return Err("expected NAME:VERSION, such as Demo:0.1".to_string());
    };
    let name = swf_name(name).map_err(|problem| format!("invalid name: {problem}"))?;
    let version = swf_version(version).map_err(|problem| format!("invalid version: {problem}"))?;
    Ok((name, version))
}

/// Checks a signal name: 1 to 256 characters.
pub fn signal_name(value: &str) -> Result<String, String> {
    match value.chars().count() {
        0 => Err("must not be empty".to_string()),
        1..=256 => Ok(value.to_string()),
        _ => Err("must be at most 256 characters".to_string()),
    }
}

/// Checks a whole number of seconds.
pub fn seconds(value: &str) -> Result<String, String> {
    if value.is_empty() || value.len() > MAX_DURATION_CHARS || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err("expected a whole number of seconds (at most 8 digits)".to_string());
    }
    Ok(value.to_string())
}

/// Checks a whole number of seconds, or NONE for no limit.
pub fn seconds_or_none(value: &str) -> Result<String, String> {
    if value == "NONE" {
        return Ok(value.to_string());
    }
    seconds(value).map_err(|_| "expected a whole number of seconds (at most 8 digits) or NONE".to_string())
}

/// Checks the days SWF keeps closed executions: 0 to 90, or NONE.
pub fn retention_days(value: &str) -> Result<String, String> {
    if value == "NONE" {
        return Ok(value.to_string());
    }
    match value.parse::<u32>() {
        Ok(days) if days <= 90 && value.bytes().all(|byte| byte.is_ascii_digit()) => Ok(value.to_string()),
        _ => Err("expected a number of days from 0 to 90, or NONE".to_string()),
    }
}

/// Reads a failed decision policy: `time_out` or `fail_execution`.
pub fn failed_decision_policy(value: &str) -> Result<crate::config::FailedDecisionPolicy, String> {
    value
        .parse()
        .map_err(|_| "expected time_out or fail_execution".to_string())
}

/// Checks tags separated by spaces: at most 5, each at most 256 characters.
pub fn tag_list(value: &str) -> Result<String, String> {
    let tags: Vec<&str> = value.split_whitespace().collect();
    if tags.len() > MAX_TAGS {
        return Err(format!(
            "{} tags given, but an execution can have at most {MAX_TAGS}",
            tags.len()
        ));
    }
    if let Some(tag) = tags.iter().find(|tag| tag.chars().count() > MAX_TAG_CHARS) {
        return Err(format!(
            "tag '{}...' is longer than {MAX_TAG_CHARS} characters",
            crate::text::truncate_chars(tag, 20)
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swf_name_rejects_separators() {
        assert!(swf_name("orders").is_ok());
        assert!(swf_name("a:b").is_err());
        assert!(swf_name("").is_err());
        assert!(swf_name(&"x".repeat(257)).is_err());
    }

    #[test]
    fn version_limited_to_64() {
        assert!(swf_version("0.1").is_ok());
        assert!(swf_version(&"1".repeat(65)).is_err());
    }

    #[test]
    fn seconds_accepts_digits_only() {
        assert!(seconds("600").is_ok());
        assert!(seconds("abc").is_err());
        assert!(seconds("").is_err());
        assert!(seconds("123456789").is_err());
        assert!(seconds("NONE").is_err());
        assert!(seconds_or_none("NONE").is_ok());
    }

    #[test]
    fn retention_days_range() {
        assert!(retention_days("0").is_ok());
        assert!(retention_days("90").is_ok());
        assert!(retention_days("NONE").is_ok());
        assert!(retention_days("91").is_err());
        assert!(retention_days("+1").is_err());
        assert!(retention_days("abc").is_err());
    }

    #[test]
    fn tag_list_limits() {
        assert!(tag_list("a b c d e").is_ok());
        assert!(tag_list("a b c d e f").is_err());
        assert!(tag_list(&"t".repeat(257)).is_err());
    }

    #[test]
    fn workflow_type_splits_at_first_colon() {
        assert_eq!(workflow_type("Demo:0.1"), Ok(("Demo".to_string(), "0.1".to_string())));
        assert!(workflow_type("Demo").is_err());
        assert!(workflow_type(":0.1").is_err());
        assert!(workflow_type("Demo:").is_err());
        assert!(workflow_type("Demo:0:1").is_err());
    }

    #[test]
    fn signal_name_length() {
        assert!(signal_name("PRINT").is_ok());
        assert!(signal_name("").is_err());
    }
}
