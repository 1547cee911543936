//! Classification of failed SWF calls: retry, drop the task, or report the error.

use aws_sdk_swf::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// Class of a failed call, which decides whether the caller retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throttling, a 5xx response, a timeout or a connection failure: the call may succeed later.
    Transient,
    /// `UnknownResourceFault`: the domain, execution or task does not exist (any more).
    UnknownResource,
    /// Anything else, such as a validation error: retrying the same call cannot help.
    Permanent,
}

pub(super) const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
];

/// Classifies a failed SDK call.
pub fn classify<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> ErrorClass {
    match error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => ErrorClass::Transient,
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or_default();
            if code == "UnknownResourceFault" {
                ErrorClass::UnknownResource
            } else if status >= 500 || THROTTLING_CODES.contains(&code) {
                ErrorClass::Transient
            } else {
                ErrorClass::Permanent
            }
        }
        _ => ErrorClass::Permanent,
    }
}

/// Describes a failed SDK call in one line: the fault name and SWF's message, or what went wrong on
/// the way to the endpoint.
pub fn describe<E>(error: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let err = service.err();
            match (err.code(), err.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                (None, _) => format!("the endpoint returned HTTP {status} with no SWF error in the body"),
            }
        }
        SdkError::TimeoutError(_) => "the call to SWF timed out".to_string(),
        SdkError::DispatchFailure(failure) => {
            let connector = failure.as_connector_error();
            let text = error_chain(connector.map(|error| error as &(dyn std::error::Error + 'static)));
            if connector.is_some_and(|error| error.is_timeout()) {
                format!("the call to SWF timed out: {}", first_line(&text))
            } else if text.contains("no credentials found") {
                super::direct::credentials_message(error)
            } else {
                format!("cannot reach the SWF endpoint: {}", first_line(&text))
            }
        }
        SdkError::ResponseError(response) => format!(
            "the endpoint returned HTTP {} with a body that is not an SWF response",
            response.raw().status().as_u16()
        ),
        other => {
            let text = error_chain(Some(other));
            if text.contains("no credentials found") {
                super::direct::credentials_message(error)
            } else {
                first_line(&text).to_string()
            }
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Joins an error and its sources with ": ", skipping repeats, as the SDK nests the same text.
fn error_chain(error: Option<&(dyn std::error::Error + 'static)>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = error;
    while let Some(err) = current {
        let text = err.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        current = err.source();
    }
    if parts.is_empty() {
        "unknown error".to_string()
    } else {
        parts.join(": ")
    }
}
