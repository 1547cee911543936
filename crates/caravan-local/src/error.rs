//! Errors returned to clients, in the JSON shape that SWF and its Coral service framework use.
//!
//! Every error is an HTTP 400 except an oversized body (413). The body is
//! `{"__type": "<namespace>#<Name>", "message": "..."}`; boto3 and aws-sdk-swf strip the namespace and
//! use `Name` as the error code.

use http::StatusCode;
use serde_json::{Value, json};

/// Namespace of SWF's modeled faults.
const FAULT_NAMESPACE: &str = "com.amazonaws.swf.base.model";

/// A fault that the SWF service model declares.
///
/// `OperationNotPermittedFault`, the eleventh modeled fault, is missing on purpose: it reports IAM denials
/// and this endpoint has no IAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    UnknownResource,
    TypeAlreadyExists,
    TypeDeprecated,
    TypeNotDeprecated,
    DomainAlreadyExists,
    DomainDeprecated,
    LimitExceeded,
    DefaultUndefined,
    WorkflowExecutionAlreadyStarted,
    TooManyTags,
}

impl Fault {
    /// Returns the fault's name as clients see it, for example `UnknownResourceFault`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fault::UnknownResource => "UnknownResourceFault",
            Fault::TypeAlreadyExists => "TypeAlreadyExistsFault",
            Fault::TypeDeprecated => "TypeDeprecatedFault",
            Fault::TypeNotDeprecated => "TypeNotDeprecatedFault",
            Fault::DomainAlreadyExists => "DomainAlreadyExistsFault",
            Fault::DomainDeprecated => "DomainDeprecatedFault",
            Fault::LimitExceeded => "LimitExceededFault",
            Fault::DefaultUndefined => "DefaultUndefinedFault",
            Fault::WorkflowExecutionAlreadyStarted => "WorkflowExecutionAlreadyStartedFault",
            Fault::TooManyTags => "TooManyTagsFault",
        }
    }
}

/// A request that failed; it is sent to the client and never changes state.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    #[error("{}: {message}", fault.name())]
    Fault { fault: Fault, message: String },
    /// A member broke a constraint of the service model or of SWF's own rules.
    #[error("ValidationException: {0}")]
    Validation(String),
    /// The body is not JSON, or a member has the wrong JSON type.
    #[error("SerializationException: {0}")]
    Serialization(String),
    #[error("UnknownOperationException: {0}")]
    UnknownOperation(String),
    #[error("request body too large: {0}")]
    TooLarge(String),
}

impl ApiError {
    pub(crate) fn fault(fault: Fault, message: impl Into<String>) -> ApiError {
        ApiError::Fault {
            fault,
            message: message.into(),
        }
    }

    pub(crate) fn unknown_resource(message: impl Into<String>) -> ApiError {
        ApiError::fault(Fault::UnknownResource, message)
    }

    /// Returns the fault name that clients use as the error code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ApiError::Fault { fault, .. } => fault.name(),
            ApiError::Validation(_) => "ValidationException",
            ApiError::Serialization(_) => "SerializationException",
            ApiError::UnknownOperation(_) => "UnknownOperationException",
            ApiError::TooLarge(_) => "RequestEntityTooLargeException",
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// Builds the JSON error body.
    pub(crate) fn body(&self) -> Value {
        let namespace = match self {
            ApiError::Fault { .. } => FAULT_NAMESPACE,
            ApiError::Validation(_) => "com.amazon.coral.validate",
            _ => "com.amazon.coral.service",
        };
        let message = match self {
            ApiError::Fault { message, .. } => message,
            ApiError::Validation(message)
            | ApiError::Serialization(message)
            | ApiError::UnknownOperation(message)
            | ApiError::TooLarge(message) => message,
        };
        json!({ "__type": format!("{namespace}#{}", self.code()), "message": message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_body_uses_swf_namespace() {
        let error = ApiError::unknown_resource("Unknown domain: d");

        let body = error.body();

        assert_eq!(body["__type"], "com.amazonaws.swf.base.model#UnknownResourceFault");
        assert_eq!(body["message"], "Unknown domain: d");
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn coral_errors_use_coral_namespaces() {
        let validation = ApiError::Validation("1 validation error detected".into());
        let serialization = ApiError::Serialization("not JSON".into());
        let unknown = ApiError::UnknownOperation("Frobnicate".into());

        assert_eq!(
            validation.body()["__type"],
            "com.amazon.coral.validate#ValidationException"
        );
        assert_eq!(
            serialization.body()["__type"],
            "com.amazon.coral.service#SerializationException"
        );
        assert_eq!(
            unknown.body()["__type"],
            "com.amazon.coral.service#UnknownOperationException"
        );
    }

    #[test]
    fn oversized_body_is_413() {
        let error = ApiError::TooLarge("2000000 bytes".into());

        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
