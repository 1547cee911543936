//! The SWF client: endpoint and credential resolution, the raw JSON path, and error classification.
//!
//! Credentials and region come from aws-config's standard chain (environment, profiles, SSO, container
//! and instance roles). The endpoint comes from the config file, else `AWS_ENDPOINT_URL_SWF`, else
//! `AWS_ENDPOINT_URL`, else AWS's regional endpoint.

mod direct;
mod errors;
mod raw;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;

pub use aws_config::SdkConfig;
pub use aws_sdk_swf::Client;
pub use direct::{
    CallError, DirectClient, GET_WORKFLOW_EXECUTION_HISTORY, POLL_FOR_ACTIVITY_TASK, RECORD_ACTIVITY_TASK_HEARTBEAT,
    RESPOND_ACTIVITY_TASK_CANCELED, RESPOND_ACTIVITY_TASK_COMPLETED, RESPOND_ACTIVITY_TASK_FAILED,
};
pub use errors::{ErrorClass, classify, describe};
pub use raw::{RawResponse, replace_body};

/// SWF keeps a long poll open for up to 60 seconds, so the read timeout must be longer.
pub const LONG_POLL_READ_TIMEOUT: Duration = Duration::from_secs(70);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings from the command line and the config file for reaching SWF.
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// The endpoint is caravan's own local one, which needs no AWS account: placeholder
    /// credentials are used, and a region is filled in when none is set.
    pub local: bool,
}

impl ClientSettings {
    /// Settings for `global`, with `endpoint_url = local` turned into the local endpoint's URL.
    pub fn from_global(global: &crate::config::Global) -> ClientSettings {
        let local = global.uses_local_endpoint();
        let endpoint_url = if local {
            Some(format!("http://{}", global.local.listen))
        } else {
            global.endpoint_url.clone()
        };
        ClientSettings {
            region: global.region.clone(),
            profile: global.profile.clone(),
            endpoint_url,
            local,
        }
    }
}

/// Region used with the local endpoint when neither the config file nor the environment sets one.
const LOCAL_REGION: &str = "us-east-1";

/// Source of the endpoint URL, for the start-up log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    ConfigFile,
    Environment(&'static str),
    AwsDefault,
}

/// Returns the endpoint URL the client uses, or `None` for AWS's regional endpoint.
pub fn resolve_endpoint(settings: &ClientSettings) -> (Option<String>, EndpointSource) {
    if let Some(url) = &settings.endpoint_url {
        return (Some(url.clone()), EndpointSource::ConfigFile);
    }

    for variable in ["AWS_ENDPOINT_URL_SWF", "AWS_ENDPOINT_URL"] {
        if let Ok(url) = std::env::var(variable)
            && !url.trim().is_empty()
        {
            return (Some(url), EndpointSource::Environment(variable));
        }
    }

    (None, EndpointSource::AwsDefault)
}

/// Returns the endpoint URL like [`resolve_endpoint`], after checking a URL that came from the
/// environment as strictly as the config file's `endpoint_url`.
pub fn checked_endpoint(settings: &ClientSettings) -> Result<Option<String>, crate::config::ConfigError> {
    let (url, source) = resolve_endpoint(settings);
    if let (Some(url), EndpointSource::Environment(variable)) = (&url, &source) {
        crate::config::validate_endpoint_url(variable, url)?;
    }
    Ok(url)
}

/// Loads the region, credentials chain and endpoint for SWF, with the given read timeout and the
/// SDK's standard retries.
pub async fn load_config(settings: &ClientSettings, read_timeout: Duration) -> SdkConfig {
    let (endpoint_url, source) = resolve_endpoint(settings);
    match (&endpoint_url, &source) {
        (Some(url), EndpointSource::ConfigFile) => {
            tracing::debug!(endpoint = %url, "SWF endpoint from the config file")
        }
        (Some(url), EndpointSource::Environment(variable)) => {
            tracing::debug!(endpoint = %url, variable, "SWF endpoint from the environment")
        }
        _ => tracing::debug!("SWF endpoint: AWS's regional endpoint"),
    }

    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .read_timeout(read_timeout)
                .build(),
        )
        .retry_config(RetryConfig::standard());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if settings.local {
        loader = with_local_fallbacks(loader, settings.region.is_some()).await;
    }
    loader.load().await
}

/// Fills in a region, unless the environment sets one, and placeholder credentials for the local
/// endpoint, which checks no signatures: it works without an AWS account, and no AWS credentials
/// or instance metadata are looked up for it.
async fn with_local_fallbacks(
    mut loader: aws_config::ConfigLoader,
    region_configured: bool,
) -> aws_config::ConfigLoader {
    let region_in_environment = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if !region_configured && !region_in_environment {
        loader = loader.region(aws_config::Region::new(LOCAL_REGION));
    }

    let placeholder =
        aws_credential_types::Credentials::new("caravan-local", "caravan-local", None, None, "caravan-local");
    loader.credentials_provider(placeholder)
}

/// The read timeout of the command-line tools, which make no long polls.
pub const COMMAND_READ_TIMEOUT: Duration = Duration::from_secs(20);
