//! Registering the domains and types a config serves.

use std::collections::BTreeSet;

use aws_sdk_swf::error::ProvideErrorMetadata;

use super::Prepared;
use crate::decider::DeciderSpec;
use crate::swf::{self, Client, ErrorClass};
use crate::worker::WorkerSpec;

/// Failure to register a workflow type, with a hint for the operator when there is one.
#[derive(Debug, thiserror::Error)]
#[error("cannot register {kind} type {name} {version} in domain {domain}: {message}")]
pub struct RegistrationError {
    /// `workflow` or `activity`.
    pub kind: &'static str,
    pub domain: String,
    pub name: String,
    pub version: String,
    pub message: String,
    pub hint: Option<String>,
}

/// Registers each decider's and worker's domain in a local endpoint that this process embeds. Such
/// an endpoint starts empty every time, so without this no domain would exist for the types.
pub async fn register_local_domains(client: &Client, prepared: &Prepared) -> Result<(), RegistrationError> {
    for domain in prepared.domains() {
        let result = client
            .register_domain()
            .name(domain)
            .workflow_execution_retention_period_in_days("1")
            .description("registered by caravan for its embedded local endpoint")
            .send()
            .await;
        match result {
            Ok(_) => tracing::info!(domain, "domain registered in the embedded local endpoint"),
            Err(error) if error.code() == Some("DomainAlreadyExistsFault") => {}
            Err(error) => {
                return Err(RegistrationError {
                    kind: "domain",
                    domain: domain.to_string(),
                    name: String::new(),
                    version: String::new(),
                    message: swf::describe(&error),
                    hint: None,
                });
            }
        }
    }
    Ok(())
}

/// Registers every workflow type served, in each decider's domain. A type that exists already is fine.
pub async fn register_workflow_types(client: &Client, deciders: &[DeciderSpec]) -> Result<(), RegistrationError> {
    let mut done = BTreeSet::new();
    for spec in deciders {
        for plugin in spec.workflows.plugins() {
            for registration in &plugin.manifest().workflows {
                let key = (
                    spec.domain.clone(),
                    registration.name.clone(),
                    registration.version.clone(),
                );
                if done.insert(key) {
                    register_one(client, &spec.domain, registration).await?;
                }
            }
        }
    }
    Ok(())
}

async fn register_one(
    client: &Client,
    domain: &str,
    registration: &caravan_plugin::manifest::WorkflowRegistration,
) -> Result<(), RegistrationError> {
    let request = client
        .register_workflow_type()
        .domain(domain)
        .name(&registration.name)
        .version(&registration.version)
        .set_description(registration.description.clone())
        .set_default_task_list(
            registration
                .default_task_list
                .as_ref()
                .and_then(|list| aws_sdk_swf::types::TaskList::builder().name(&list.name).build().ok()),
        )
        .set_default_task_start_to_close_timeout(registration.default_task_start_to_close_timeout.clone())
        .set_default_execution_start_to_close_timeout(registration.default_execution_start_to_close_timeout.clone())
        .set_default_task_priority(registration.default_task_priority.clone())
        .set_default_child_policy(
            registration
                .default_child_policy
                .as_ref()
                .map(|policy| aws_sdk_swf::types::ChildPolicy::from(policy.as_str())),
        )
        .set_default_lambda_role(registration.default_lambda_role.clone());

    let result = request.send().await;
    registration_outcome(result, "workflow", domain, &registration.name, &registration.version)
}

/// Registers every activity type served, in each worker's domain. A type that exists already is fine.
pub async fn register_activity_types(client: &Client, workers: &[WorkerSpec]) -> Result<(), RegistrationError> {
    let mut done = BTreeSet::new();
    for spec in workers {
        for plugin in spec.activities.plugins() {
            for registration in &plugin.manifest().activities {
                let key = (
                    spec.domain.clone(),
                    registration.name.clone(),
                    registration.version.clone(),
                );
                if done.insert(key) {
                    register_activity(client, &spec.domain, registration).await?;
                }
            }
        }
    }
    Ok(())
}

async fn register_activity(
    client: &Client,
    domain: &str,
    registration: &caravan_plugin::manifest::ActivityRegistration,
) -> Result<(), RegistrationError> {
    let request = client
        .register_activity_type()
        .domain(domain)
        .name(&registration.name)
        .version(&registration.version)
        .set_description(registration.description.clone())
        .set_default_task_list(
            registration
                .default_task_list
                .as_ref()
                .and_then(|list| aws_sdk_swf::types::TaskList::builder().name(&list.name).build().ok()),
        )
        .set_default_task_schedule_to_start_timeout(registration.default_task_schedule_to_start_timeout.clone())
        .set_default_task_schedule_to_close_timeout(registration.default_task_schedule_to_close_timeout.clone())
        .set_default_task_start_to_close_timeout(registration.default_task_start_to_close_timeout.clone())
        .set_default_task_heartbeat_timeout(registration.default_task_heartbeat_timeout.clone())
        .set_default_task_priority(registration.default_task_priority.clone());

    let result = request.send().await;
    registration_outcome(result, "activity", domain, &registration.name, &registration.version)
}

/// Logs a type registration that succeeded or found the type registered already, and turns any
/// other failure into a [`RegistrationError`], with a hint when the domain is missing.
// The error is as large as what the async registration functions return, where it is built once.
#[allow(clippy::result_large_err)]
fn registration_outcome<O, E>(
    result: Result<O, aws_sdk_swf::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>>,
    kind: &'static str,
    domain: &str,
    name: &str,
    version: &str,
) -> Result<(), RegistrationError>
where
    E: aws_sdk_swf::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => {
            tracing::info!(domain, name, version, "{kind} type registered");
            Ok(())
        }
        Err(error) if error.code() == Some("TypeAlreadyExistsFault") => {
            tracing::info!(domain, name, version, "{kind} type already registered");
            Ok(())
        }
        Err(error) => {
            let hint = (swf::classify(&error) == ErrorClass::UnknownResource)
                .then(|| format!("register the domain first: caravan domain register -n {domain} --retention-days 7"));
            Err(RegistrationError {
                kind,
                domain: domain.to_string(),
                name: name.to_string(),
                version: version.to_string(),
                message: swf::describe(&error),
                hint,
            })
        }
    }
}
