//! The trait a workflow implements, and its error type.

use std::error::Error;
use std::fmt;

use crate::decision::Decisions;
use crate::history::DecisionTask;
use crate::manifest::WorkflowRegistration;

/// A decider for one SWF workflow type.
///
/// The host may call `decide` for many executions at once, on several threads, so derive
/// everything from the task: nothing carries over from one call to the next, and a value
/// of this type is shared by all calls.
pub trait Workflow: Send + Sync + 'static {
    /// Returns the workflow type this decider serves and its registered defaults. The SDK
    /// calls it once, when the plugin first needs its workflows.
    fn registration(&self) -> WorkflowRegistration;

    /// Returns the decisions for one decision task. The task contains the full history, and
    /// [`DecisionTask::new_events`] the events since the last completed decision task.
    fn decide(&self, task: &DecisionTask) -> Result<Decisions, WorkflowError>;
}

/// Why a workflow could not decide a task. The export shim returns the message to the host
/// with `STATUS_ERROR`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowError {
    message: String,
}

impl WorkflowError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// Wraps any error. The message is the error followed by its sources, separated by `: `.
    pub fn from_error<E: Error>(error: E) -> Self {
        let mut message = error.to_string();

        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self { message }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl Error for WorkflowError {}

impl From<String> for WorkflowError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for WorkflowError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

impl From<serde_json::Error> for WorkflowError {
    fn from(error: serde_json::Error) -> Self {
        Self::from_error(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("failed to read the input")
        }
    }

    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn from_error_includes_sources() {
        let error = WorkflowError::from_error(Outer(std::io::Error::other("disk on fire")));

        assert_eq!(error.message(), "failed to read the input: disk on fire");
    }

    #[test]
    fn from_str_and_string_keep_message() {
        assert_eq!(WorkflowError::from("a").to_string(), "a");
        assert_eq!(WorkflowError::from(String::from("b")).message(), "b");
    }
}
