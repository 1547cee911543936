//! SWF's limits on decisions, checked before anything is sent.
//!
//! SWF counts the length limits in characters (its quota page gives "32,768 characters" for
//! data), so the checks count Unicode scalar values, not UTF-8 bytes: 256 `é` make a valid
//! id although they take 512 bytes.
//!
//! NOTE: SWF runs on the JVM and may count UTF-16 code units, so a character outside the
//! Basic Multilingual Plane (an emoji, say) may count as two there. No source settles it.

use std::error::Error;
use std::fmt;

use crate::decision::{Decision, Decisions};

/// Maximum length of an id or name: activity id, timer id, workflow id, marker name, signal
/// name, Lambda task id.
pub const MAX_ID_CHARS: usize = 256;
/// Maximum length of a workflow or activity type version.
pub const MAX_VERSION_CHARS: usize = 64;
/// Maximum length of a run id.
pub const MAX_RUN_ID_CHARS: usize = 64;
/// Maximum length of a Lambda function name or ARN in `ScheduleLambdaFunction`.
pub const MAX_FUNCTION_NAME_CHARS: usize = 64;
/// Maximum length of input, result, details, control and execution context.
pub const MAX_DATA_CHARS: usize = 32_768;
/// Maximum length of a failure reason.
pub const MAX_REASON_CHARS: usize = 256;
/// Maximum length of a duration string: `NONE` or up to 8 digits.
pub const MAX_DURATION_CHARS: usize = 8;
/// Maximum `startToCloseTimeout` of a Lambda task, in seconds.
pub const MAX_LAMBDA_TIMEOUT_SECS: u64 = 900;
/// Maximum number of tags on an execution.
pub const MAX_TAGS: usize = 5;
/// SWF's limit on a request, headers and body together: 1 MB.
pub const MAX_REQUEST_BYTES: usize = 1_048_576;
/// Room kept in [`MAX_REQUEST_BYTES`] for what the host adds to the decisions: the task token
/// (at most 1,024 characters) and the HTTP headers with the signature. This is an estimate.
pub const REQUEST_OVERHEAD_BYTES: usize = 8_192;

/// A decision or a list of decisions that SWF would reject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitError {
    /// The SWF member that breaks the limit, such as `activityId`. Checks of a whole list put
    /// the path of the decision's attributes before it, as in
    /// `decisions[2].startTimerDecisionAttributes.timerId`.
    pub field: String,
    pub violation: Violation,
}

/// The limit a [`LimitError`] breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// The value is empty but must have at least one character.
    Empty,
    /// The value has `chars` characters, more than `max_chars`.
    TooLong { chars: usize, max_chars: usize },
    /// An id or name contains a character SWF forbids: `:`, `/`, `|` or a control character.
    ForbiddenCharacter { character: char },
    /// An id or name is the literal `arn`, which SWF forbids.
    LiteralArn,
    /// A duration is not `NONE` or whole seconds of at most 8 digits.
    InvalidDuration { value: String },
    /// A task priority is not a 32-bit signed integer.
    InvalidPriority { value: String },
    /// A duration is `NONE` where SWF needs a number of seconds.
    NoneNotAllowed,
    /// A duration is outside the range SWF accepts for this member.
    DurationOutOfRange { seconds: u64, min_secs: u64, max_secs: u64 },
    /// The list has more than [`MAX_TAGS`] tags.
    TooManyTags { tags: usize },
    /// A decision that closes the execution is not the last one of the list.
    ClosingDecisionNotLast { index: usize, decision_type: String },
    /// The list has more than one decision that closes the execution.
    MultipleClosingDecisions { first: usize, second: usize },
    /// The decisions serialize to more bytes than fit in one request.
    RequestTooLarge { bytes: usize, max_bytes: usize },
}

impl LimitError {
    pub fn new(field: impl Into<String>, violation: Violation) -> Self {
        Self {
            field: field.into(),
            violation,
        }
    }

    /// Returns the error with `prefix.` put before the field name.
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}.{}", self.field);
        self
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.violation {
            Violation::Empty => write!(formatter, "`{field}` is empty; SWF needs at least 1 character"),
            Violation::TooLong { chars, max_chars } => write!(
                formatter,
                "`{field}` is {chars} characters long, more than SWF's limit of {max_chars}"
            ),
            Violation::ForbiddenCharacter { character } => write!(
                formatter,
                "`{field}` contains {character:?}; SWF forbids `:`, `/`, `|` and control characters in it"
            ),
            Violation::LiteralArn => write!(formatter, "`{field}` is the literal `arn`, which SWF forbids"),
            Violation::InvalidDuration { value } => write!(
                formatter,
                "`{field}` is {value:?}; SWF needs `NONE` or whole seconds of at most 8 digits"
            ),
            Violation::InvalidPriority { value } => write!(
                formatter,
                "`{field}` is {value:?}; SWF needs an integer from -2147483648 to 2147483647"
            ),
            Violation::NoneNotAllowed => write!(formatter, "`{field}` is `NONE`; SWF needs a number of seconds here"),
            Violation::DurationOutOfRange {
                seconds,
                min_secs,
                max_secs,
            } => write!(
                formatter,
                "`{field}` is {seconds} seconds; SWF accepts {min_secs} to {max_secs} here"
            ),
            Violation::TooManyTags { tags } => {
                write!(
                    formatter,
                    "`{field}` has {tags} tags, more than SWF's limit of {MAX_TAGS}"
                )
            }
            Violation::ClosingDecisionNotLast { index, decision_type } => write!(
                formatter,
                "`{field}`: {decision_type} at index {index} closes the execution but is not the last decision; move it to the end"
            ),
            Violation::MultipleClosingDecisions { first, second } => write!(
                formatter,
                "`{field}`: the decisions at index {first} and {second} both close the execution; SWF accepts one"
            ),
            Violation::RequestTooLarge { bytes, max_bytes } => write!(
                formatter,
                "`{field}` serializes to {bytes} bytes, more than the {max_bytes} that fit in SWF's 1 MB request; split the work over several decision tasks"
            ),
        }
    }
}

impl Error for LimitError {}

/// Checks an id or name: 1 to `max_chars` characters, without `:`, `/`, `|` or control
/// characters (U+0000-U+001F, U+007F-U+009F), and not the literal `arn`.
pub fn check_id(field: &str, value: &str, max_chars: usize) -> Result<(), LimitError> {
    check_length(field, value, 1, max_chars)?;

    if let Some(character) = value.chars().find(|&character| is_forbidden_in_id(character)) {
        return Err(LimitError::new(field, Violation::ForbiddenCharacter { character }));
    }
    if value == "arn" {
        return Err(LimitError::new(field, Violation::LiteralArn));
    }
    Ok(())
}

fn is_forbidden_in_id(character: char) -> bool {
    matches!(character, ':' | '/' | '|' | '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// Checks that `value` has `min_chars` to `max_chars` characters.
pub fn check_length(field: &str, value: &str, min_chars: usize, max_chars: usize) -> Result<(), LimitError> {
    // Counting stops past the limit, so an oversized value costs no more than the limit.
    let chars = value.chars().take(max_chars + 1).count();

    if chars < min_chars {
        return Err(LimitError::new(field, Violation::Empty));
    }
    if chars > max_chars {
        let chars = value.chars().count();
        return Err(LimitError::new(field, Violation::TooLong { chars, max_chars }));
    }
    Ok(())
}

/// Checks an optional free-text member against `max_chars`.
pub fn check_optional(field: &str, value: Option<&str>, max_chars: usize) -> Result<(), LimitError> {
    match value {
        Some(value) => check_length(field, value, 0, max_chars),
        None => Ok(()),
    }
}

/// A timeout as SWF's duration strings express it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeout {
    /// `NONE`: no limit.
    Unlimited,
    /// Whole seconds; SWF accepts at most 8 digits (99,999,999).
    Seconds(u64),
}

impl Timeout {
    /// Returns the value as SWF's string: `NONE` or the number of seconds.
    pub fn to_wire(self) -> String {
        match self {
            Self::Unlimited => "NONE".to_owned(),
            Self::Seconds(seconds) => seconds.to_string(),
        }
    }
}

/// Parses a duration string as SWF accepts it: `NONE` or up to 8 decimal digits.
pub fn parse_duration(field: &str, value: &str) -> Result<Timeout, LimitError> {
    if value == "NONE" {
        return Ok(Timeout::Unlimited);
    }

    let is_digits = !value.is_empty() && value.len() <= MAX_DURATION_CHARS && value.bytes().all(|b| b.is_ascii_digit());
    match value.parse::<u64>() {
        Ok(seconds) if is_digits => Ok(Timeout::Seconds(seconds)),
        _ => Err(LimitError::new(
            field,
            Violation::InvalidDuration {
                value: value.to_owned(),
            },
        )),
    }
}

/// Checks a duration that must be a number of seconds from `min_secs` to `max_secs`.
pub fn check_seconds(field: &str, value: &str, min_secs: u64, max_secs: u64) -> Result<(), LimitError> {
    match parse_duration(field, value)? {
        Timeout::Unlimited => Err(LimitError::new(field, Violation::NoneNotAllowed)),
        Timeout::Seconds(seconds) if !(min_secs..=max_secs).contains(&seconds) => Err(LimitError::new(
            field,
            Violation::DurationOutOfRange {
                seconds,
                min_secs,
                max_secs,
            },
        )),
        Timeout::Seconds(_) => Ok(()),
    }
}

fn check_optional_duration(field: &str, value: Option<&str>) -> Result<(), LimitError> {
    match value {
        Some(value) => parse_duration(field, value).map(drop),
        None => Ok(()),
    }
}

fn check_tags(field: &str, tags: Option<&Vec<String>>) -> Result<(), LimitError> {
    let Some(tags) = tags else { return Ok(()) };

    if tags.len() > MAX_TAGS {
        return Err(LimitError::new(field, Violation::TooManyTags { tags: tags.len() }));
    }
    for (index, tag) in tags.iter().enumerate() {
        check_length(&format!("{field}[{index}]"), tag, 0, MAX_ID_CHARS)?;
    }
    Ok(())
}

/// Checks every member of one decision against SWF's limits. A [`Decision::Raw`] is not
/// checked, because its members are unknown.
pub fn check_decision(decision: &Decision) -> Result<(), LimitError> {
    match decision {
        Decision::ScheduleActivityTask(a) => {
            check_id("activityId", &a.activity_id, MAX_ID_CHARS)?;
            check_id("activityType.name", &a.activity_type.name, MAX_ID_CHARS)?;
            check_id("activityType.version", &a.activity_type.version, MAX_VERSION_CHARS)?;
            if let Some(task_list) = &a.task_list {
                check_id("taskList.name", &task_list.name, MAX_ID_CHARS)?;
            }
            check_optional("input", a.input.as_deref(), MAX_DATA_CHARS)?;
            check_optional("control", a.control.as_deref(), MAX_DATA_CHARS)?;
            check_optional_duration("scheduleToCloseTimeout", a.schedule_to_close_timeout.as_deref())?;
            check_optional_duration("scheduleToStartTimeout", a.schedule_to_start_timeout.as_deref())?;
            check_optional_duration("startToCloseTimeout", a.start_to_close_timeout.as_deref())?;
            check_optional_duration("heartbeatTimeout", a.heartbeat_timeout.as_deref())?;
            check_optional_priority(a.task_priority.as_deref())
        }
        Decision::RequestCancelActivityTask(a) => check_id("activityId", &a.activity_id, MAX_ID_CHARS),
        Decision::CompleteWorkflowExecution(a) => check_optional("result", a.result.as_deref(), MAX_DATA_CHARS),
        Decision::FailWorkflowExecution(a) => {
            check_optional("reason", a.reason.as_deref(), MAX_REASON_CHARS)?;
            check_optional("details", a.details.as_deref(), MAX_DATA_CHARS)
        }
        Decision::CancelWorkflowExecution(a) => check_optional("details", a.details.as_deref(), MAX_DATA_CHARS),
        Decision::ContinueAsNewWorkflowExecution(a) => {
            check_optional("input", a.input.as_deref(), MAX_DATA_CHARS)?;
            if let Some(task_list) = &a.task_list {
                check_id("taskList.name", &task_list.name, MAX_ID_CHARS)?;
            }
            if let Some(version) = &a.workflow_type_version {
                check_id("workflowTypeVersion", version, MAX_VERSION_CHARS)?;
            }
            check_optional_duration(
                "executionStartToCloseTimeout",
                a.execution_start_to_close_timeout.as_deref(),
            )?;
            check_optional_duration("taskStartToCloseTimeout", a.task_start_to_close_timeout.as_deref())?;
            check_tags("tagList", a.tag_list.as_ref())?;
            check_optional_priority(a.task_priority.as_deref())
        }
        Decision::RecordMarker(a) => {
            check_length("markerName", &a.marker_name, 1, MAX_ID_CHARS)?;
            check_optional("details", a.details.as_deref(), MAX_DATA_CHARS)
        }
        Decision::StartTimer(a) => {
            check_id("timerId", &a.timer_id, MAX_ID_CHARS)?;
            check_seconds("startToFireTimeout", &a.start_to_fire_timeout, 0, 99_999_999)?;
            check_optional("control", a.control.as_deref(), MAX_DATA_CHARS)
        }
        Decision::CancelTimer(a) => check_id("timerId", &a.timer_id, MAX_ID_CHARS),
        Decision::SignalExternalWorkflowExecution(a) => {
            check_id("workflowId", &a.workflow_id, MAX_ID_CHARS)?;
            check_length("signalName", &a.signal_name, 1, MAX_ID_CHARS)?;
            check_optional("runId", a.run_id.as_deref(), MAX_RUN_ID_CHARS)?;
            check_optional("input", a.input.as_deref(), MAX_DATA_CHARS)?;
            check_optional("control", a.control.as_deref(), MAX_DATA_CHARS)
        }
        Decision::RequestCancelExternalWorkflowExecution(a) => {
            check_id("workflowId", &a.workflow_id, MAX_ID_CHARS)?;
            check_optional("runId", a.run_id.as_deref(), MAX_RUN_ID_CHARS)?;
            check_optional("control", a.control.as_deref(), MAX_DATA_CHARS)
        }
        Decision::StartChildWorkflowExecution(a) => {
            check_id("workflowId", &a.workflow_id, MAX_ID_CHARS)?;
            check_id("workflowType.name", &a.workflow_type.name, MAX_ID_CHARS)?;
            check_id("workflowType.version", &a.workflow_type.version, MAX_VERSION_CHARS)?;
            if let Some(task_list) = &a.task_list {
                check_id("taskList.name", &task_list.name, MAX_ID_CHARS)?;
            }
            check_optional("input", a.input.as_deref(), MAX_DATA_CHARS)?;
            check_optional("control", a.control.as_deref(), MAX_DATA_CHARS)?;
            check_optional_duration(
                "executionStartToCloseTimeout",
                a.execution_start_to_close_timeout.as_deref(),
            )?;
            check_optional_duration("taskStartToCloseTimeout", a.task_start_to_close_timeout.as_deref())?;
            check_tags("tagList", a.tag_list.as_ref())?;
            check_optional_priority(a.task_priority.as_deref())
        }
        Decision::ScheduleLambdaFunction(a) => {
            // NOTE: SWF documents the forbidden characters for activity, timer and workflow
            // ids. The Lambda task id gets the same check as a precaution.
            check_id("id", &a.id, MAX_ID_CHARS)?;
            check_length("name", &a.name, 1, MAX_FUNCTION_NAME_CHARS)?;
            check_optional("input", a.input.as_deref(), MAX_DATA_CHARS)?;
            check_optional("control", a.control.as_deref(), MAX_DATA_CHARS)?;
            if let Some(timeout) = &a.start_to_close_timeout {
                check_seconds("startToCloseTimeout", timeout, 1, MAX_LAMBDA_TIMEOUT_SECS)?;
            }
            Ok(())
        }
        Decision::Raw(_) => Ok(()),
    }
}

/// Checks that a task priority is a string holding a 32-bit signed integer.
fn check_optional_priority(priority: Option<&str>) -> Result<(), LimitError> {
    match priority {
        Some(priority) if priority.parse::<i32>().is_err() => Err(LimitError::new(
            "taskPriority",
            Violation::InvalidPriority {
                value: priority.to_owned(),
            },
        )),
        _ => Ok(()),
    }
}

/// Checks a whole response: each decision, at most one closing decision and only as the
/// last, the execution context, and the serialized size against SWF's 1 MB request limit
/// less [`REQUEST_OVERHEAD_BYTES`].
pub fn check_decisions(decisions: &Decisions) -> Result<(), LimitError> {
    let mut closing: Option<usize> = None;
    for (index, decision) in decisions.decisions.iter().enumerate() {
        check_decision(decision).map_err(|error| error.within(&attributes_prefix(index, decision)))?;

        if decision.is_closing() {
            if let Some(first) = closing {
                let violation = Violation::MultipleClosingDecisions { first, second: index };
                return Err(LimitError::new("decisions", violation));
            }
            closing = Some(index);
        }
    }

    let last = decisions.decisions.len().saturating_sub(1);
    if let Some(index) = closing.filter(|&index| index != last) {
        let decision_type = decisions.decisions[index].decision_type().to_owned();
        return Err(LimitError::new(
            "decisions",
            Violation::ClosingDecisionNotLast { index, decision_type },
        ));
    }

    check_optional(
        "executionContext",
        decisions.execution_context.as_deref(),
        MAX_DATA_CHARS,
    )?;
    check_request_size(decisions)
}

/// Returns the path of a decision's attributes member in the request, such as
/// `decisions[2].startTimerDecisionAttributes`.
pub(crate) fn attributes_prefix(index: usize, decision: &Decision) -> String {
    let decision_type = decision.decision_type();
    let mut member = decision_type[..decision_type.len().min(1)].to_ascii_lowercase();
    member.push_str(decision_type.get(1..).unwrap_or_default());
    format!("decisions[{index}].{member}DecisionAttributes")
}

fn check_request_size(decisions: &Decisions) -> Result<(), LimitError> {
    let max_bytes = MAX_REQUEST_BYTES - REQUEST_OVERHEAD_BYTES;

    let mut counter = ByteCounter(0);
    // Serialization fails only for a `Raw` decision that is not a JSON object. The bytes
    // written up to it are counted, and the export shim reports the failure when it
    // serializes the response.
    let _ = serde_json::to_writer(&mut counter, decisions);

    if counter.0 > max_bytes {
        let violation = Violation::RequestTooLarge {
            bytes: counter.0,
            max_bytes,
        };
        return Err(LimitError::new("decisions", violation));
    }
    Ok(())
}

/// A writer that only counts bytes, so the size check allocates nothing.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl From<LimitError> for crate::WorkflowError {
    fn from(error: LimitError) -> Self {
        Self::from_error(error)
    }
}
