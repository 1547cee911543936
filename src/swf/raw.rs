//! SWF's own JSON on both sides of a call, with the SDK still in charge of signing, endpoints and
//! transport.
//!
//! Plugins receive history events and return decisions in SWF's wire shapes. Going through the SDK's
//! typed model would need a hand-written mapping of 54 event and 13 decision shapes and would drop
//! members the SDK does not know yet. Instead, [`RawResponse`] keeps the response body of a call as
//! received, and [`replace_body`] sends a request body built from the plugin's JSON.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;

/// An interceptor that keeps the raw body of the last response of one call.
#[derive(Debug, Clone, Default)]
pub struct RawResponse {
    body: Arc<Mutex<Option<Bytes>>>,
}

impl RawResponse {
    /// Takes the body kept by the last attempt, if the call got that far.
    pub fn take(&self) -> Option<Bytes> {
        self.body.lock().ok()?.take()
    }
}

impl Intercept for RawResponse {
    fn name(&self) -> &'static str {
        "caravan::RawResponse"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The SDK reads a non-streaming body into memory before it deserializes, so it is here.
        let bytes = context.response().body().bytes().map(Bytes::copy_from_slice);
        if let Ok(mut slot) = self.body.lock() {
            *slot = bytes;
        }
        Ok(())
    }
}

/// Returns a request mutator that replaces the serialized body with `body` on every attempt, before
/// the request is signed.
pub fn replace_body(body: Bytes) -> impl Fn(&mut HttpRequest) + Send + Sync + 'static {
    move |request: &mut HttpRequest| {
        let length = body.len().to_string();
        *request.body_mut() = SdkBody::from(body.clone());
        request.headers_mut().insert("content-length", length);
    }
}
