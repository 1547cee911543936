//! The one-shot SWF commands: domains, and starting, signalling, terminating and listing executions.
//!
//! Each command prints a readable table, or with `--output json` SWF's own response JSON (pages
//! merged), so scripts see exactly what the service returned.

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use aws_sdk_swf::types::{
    ChildPolicy, ExecutionTimeFilter, RegistrationStatus, TagFilter, TaskList, WorkflowExecutionFilter, WorkflowType,
    WorkflowTypeFilter,
};
use aws_smithy_types::DateTime;
use serde_json::Value;

use super::args::{CancelArgs, DomainCommand, ListArgs, SignalArgs, StartArgs, TerminateArgs};
use super::output::{self, Table};
use super::{Cli, Failure, OutputFormat};
use crate::config::{self, Global};
use crate::swf::{self, Client, RawResponse};

/// Reads the [caravan] section of `-c CONFIG`, or returns the defaults without one.
fn global_settings(cli: &Cli) -> Result<Global, Failure> {
    match &cli.config {
        Some(path) => config::load_global(path).map_err(|errors| Failure::Config(errors.0)),
        None => Ok(Global::default()),
    }
}

pub(super) async fn client_and_domain(cli: &Cli, domain: Option<&String>) -> Result<(Client, String), Failure> {
    let global = global_settings(cli)?;
    let domain = domain.cloned().or_else(|| global.domain.clone()).ok_or_else(|| {
        Failure::Usage("missing --domain (or `domain` in the config file's [caravan] section)".to_string())
    })?;
    Ok((client(&global).await?, domain))
}

/// Builds an SDK client after checking what the SDK would only report on the first call.
async fn client(global: &Global) -> Result<Client, Failure> {
    let settings = swf::ClientSettings::from_global(global);
    swf::checked_endpoint(&settings).map_err(|error| Failure::Config(vec![error]))?;
    if settings.local {
        check_local_endpoint(global.local.listen).await?;
    }

    let config = swf::load_config(&settings, swf::COMMAND_READ_TIMEOUT).await;
    if config.region().is_none() {
        return Err(Failure::Runtime(anyhow!(
            "no AWS region: set `region` in the [caravan] section, or AWS_REGION"
        )));
    }
    Ok(Client::new(&config))
}

/// Checks that a local endpoint listens on the address the config file sets, because the tools connect to the
/// one a daemon or `caravan local` runs rather than starting their own.
async fn check_local_endpoint(listen: std::net::SocketAddr) -> Result<(), Failure> {
    let connect = tokio::net::TcpStream::connect(listen);
    match tokio::time::timeout(std::time::Duration::from_secs(2), connect).await {
        Ok(Ok(_)) => Ok(()),
        _ => Err(Failure::Runtime(anyhow!(
            "no local SWF endpoint is listening on {listen}: start one with `caravan local CONFIG`, or run the daemon with `caravan run CONFIG`"
        ))),
    }
}

/// Turns a failed SDK call into one line for stderr.
pub(super) fn swf_failure<E>(
    action: &str,
    error: aws_sdk_swf::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> Failure
where
    E: aws_sdk_swf::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    Failure::Runtime(anyhow!("{action} failed: {}", swf::describe(&error)))
}

pub(super) fn raw_json(raw: &RawResponse) -> Value {
    raw.take()
        .and_then(|body| serde_json::from_slice(&body).ok())
        .unwrap_or_else(|| Value::Object(Default::default()))
}

pub async fn domain(cli: &Cli, command: &DomainCommand) -> Result<ExitCode, Failure> {
    let global = global_settings(cli)?;
    let client = client(&global).await?;

    match command {
        DomainCommand::Register(register) => {
            let raw = RawResponse::default();
            client
                .register_domain()
                .name(&register.name)
                .workflow_execution_retention_period_in_days(&register.retention_days)
                .set_description(register.description.clone())
                .customize()
                .interceptor(raw.clone())
                .send()
                .await
                .map_err(|error| swf_failure("RegisterDomain", error))?;
            output::print_message(
                cli.output,
                &format!("Domain {} registered.", register.name),
                raw_json(&raw),
            )?;
        }
        DomainCommand::List(list) => {
            let status = if list.deprecated {
                RegistrationStatus::Deprecated
            } else {
                RegistrationStatus::Registered
            };
            let mut infos = Vec::new();
            let mut rows = Table::new(["Name", "Status", "Description"]);
            let mut page_token = None;
            loop {
                let raw = RawResponse::default();
                let page = client
                    .list_domains()
                    .registration_status(status.clone())
                    .set_next_page_token(page_token)
                    .customize()
                    .interceptor(raw.clone())
                    .send()
                    .await
                    .map_err(|error| swf_failure("ListDomains", error))?;
                for info in page.domain_infos() {
                    rows.push([
                        info.name().to_string(),
                        info.status().as_str().to_string(),
                        info.description().unwrap_or("").to_string(),
                    ]);
                }
                output::extend_array(&mut infos, raw_json(&raw), "domainInfos");
                page_token = page
                    .next_page_token()
                    .filter(|token| !token.is_empty())
                    .map(str::to_string);
                if page_token.is_none() {
                    break;
                }
            }
            output::print_table(cli.output, rows, serde_json::json!({ "domainInfos": infos }))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn start(cli: &Cli, start: &StartArgs) -> Result<ExitCode, Failure> {
    let workflow_type = WorkflowType::builder()
        .name(&start.name)
        .version(&start.version)
        .build()
        .map_err(|error| Failure::Usage(error.to_string()))?;
    let task_list = start
        .task_list
        .as_ref()
        .map(|name| TaskList::builder().name(name).build())
        .transpose()
        .map_err(|error| Failure::Usage(error.to_string()))?;
    let tags = start
        .tag_list
        .as_ref()
        .map(|tags| tags.split_whitespace().map(str::to_string).collect::<Vec<_>>());
    let (client, domain) = client_and_domain(cli, start.domain.as_ref()).await?;

    let raw = RawResponse::default();
    let response = client
        .start_workflow_execution()
        .domain(&domain)
        .workflow_id(&start.workflow_id)
        .workflow_type(workflow_type)
        .set_task_list(task_list)
        .set_input(start.input.clone())
        .set_tag_list(tags)
        .set_execution_start_to_close_timeout(start.execution_timeout.clone())
        .set_task_start_to_close_timeout(start.task_timeout.clone())
        .set_child_policy(start.child_policy.map(|policy| ChildPolicy::from(policy.as_swf())))
        .set_lambda_role(start.lambda_role.clone())
        .customize()
        .interceptor(raw.clone())
        .send()
        .await
        .map_err(|error| swf_failure("StartWorkflowExecution", error))?;

    let run_id = response.run_id().unwrap_or_default();
    let mut rows = Table::new(["Workflow Id", "Run Id"]);
    rows.push([start.workflow_id.clone(), run_id.to_string()]);
    output::print_table(cli.output, rows, raw_json(&raw))?;
    Ok(ExitCode::SUCCESS)
}

pub async fn signal(cli: &Cli, signal: &SignalArgs) -> Result<ExitCode, Failure> {
    let (client, domain) = client_and_domain(cli, signal.domain.as_ref()).await?;

    let raw = RawResponse::default();
    client
        .signal_workflow_execution()
        .domain(&domain)
        .workflow_id(&signal.workflow_id)
        .set_run_id(signal.run_id.clone())
        .signal_name(&signal.signal_name)
        .set_input(signal.input.clone())
        .customize()
        .interceptor(raw.clone())
        .send()
        .await
        .map_err(|error| swf_failure("SignalWorkflowExecution", error))?;

    output::print_message(cli.output, "Signal sent.", raw_json(&raw))?;
    Ok(ExitCode::SUCCESS)
}

pub async fn terminate(cli: &Cli, terminate: &TerminateArgs) -> Result<ExitCode, Failure> {
    let (client, domain) = client_and_domain(cli, terminate.domain.as_ref()).await?;

    let raw = RawResponse::default();
    client
        .terminate_workflow_execution()
        .domain(&domain)
        .workflow_id(&terminate.workflow_id)
        .set_run_id(terminate.run_id.clone())
        .set_reason(terminate.reason.clone())
        .set_details(terminate.details.clone())
        .set_child_policy(terminate.child_policy.map(|policy| ChildPolicy::from(policy.as_swf())))
        .customize()
        .interceptor(raw.clone())
        .send()
        .await
        .map_err(|error| swf_failure("TerminateWorkflowExecution", error))?;

    output::print_message(cli.output, "Execution terminated.", raw_json(&raw))?;
    Ok(ExitCode::SUCCESS)
}

/// Sends RequestCancelWorkflowExecution. SWF records WorkflowExecutionCancelRequested and schedules
/// a decision task; the execution stays open until its decider closes it.
pub async fn cancel(cli: &Cli, cancel: &CancelArgs) -> Result<ExitCode, Failure> {
    let (client, domain) = client_and_domain(cli, cancel.domain.as_ref()).await?;

    let raw = RawResponse::default();
    client
        .request_cancel_workflow_execution()
        .domain(&domain)
        .workflow_id(&cancel.workflow_id)
        .set_run_id(cancel.run_id.clone())
        .customize()
        .interceptor(raw.clone())
        .send()
        .await
        .map_err(|error| swf_failure("RequestCancelWorkflowExecution", error))?;

    output::print_message(cli.output, "Cancellation requested.", raw_json(&raw))?;
    Ok(ExitCode::SUCCESS)
}

pub async fn list(cli: &Cli, list: &ListArgs) -> Result<ExitCode, Failure> {
    // Flag values are checked before the client, so that a bad one is a usage error (64) even
    // when no endpoint can be reached.
    let query = ListQuery::from_args(list)?;
    let (client, domain) = client_and_domain(cli, list.domain.as_ref()).await?;

    let mut infos = Vec::new();
    let header = if list.closed {
        ["Start", "Workflow Type", "Workflow Id", "Run Id", "Close Status"]
    } else {
        ["Start", "Workflow Type", "Workflow Id", "Run Id", "Status"]
    };
    let mut rows = Table::new(header);
    let mut page_token = None;
    loop {
        let page = query.fetch_page(&client, &domain, page_token).await?;
        for info in &page.infos {
            let (workflow_id, run_id) = info
                .execution()
                .map(|e| (e.workflow_id(), e.run_id()))
                .unwrap_or_default();
            let workflow_type = info
                .workflow_type()
                .map(|t| format!("{}({})", t.name(), t.version()))
                .unwrap_or_default();
            let status = match info.close_status() {
                Some(close_status) if list.closed => close_status.as_str().to_string(),
                _ => info.execution_status().as_str().to_string(),
            };
            rows.push([
                output::format_time(info.start_timestamp()),
                workflow_type,
                workflow_id.to_string(),
                run_id.to_string(),
                status,
            ]);
        }
        output::extend_array(&mut infos, page.json, "executionInfos");
        page_token = page.next_page_token;
        if page_token.is_none() {
            break;
        }
    }

    output::print_table(cli.output, rows, serde_json::json!({ "executionInfos": infos }))?;
    Ok(ExitCode::SUCCESS)
}

/// The filters of `caravan list`, checked once and sent with every page request.
struct ListQuery {
    closed: bool,
    start_time: ExecutionTimeFilter,
    type_filter: Option<WorkflowTypeFilter>,
    tag_filter: Option<TagFilter>,
    execution_filter: Option<WorkflowExecutionFilter>,
}

struct ListPage {
    infos: Vec<aws_sdk_swf::types::WorkflowExecutionInfo>,
    next_page_token: Option<String>,
    json: Value,
}

impl ListQuery {
    fn from_args(list: &ListArgs) -> Result<ListQuery, Failure> {
        let now = jiff::Timestamp::now();
        let oldest = match &list.oldest {
            Some(text) => {
                output::parse_time(text).map_err(|message| Failure::Usage(format!("invalid --oldest: {message}")))?
            }
            None => now - jiff::SignedDuration::from_hours(24),
        };
        // Without --latest no upper bound is sent, so an execution started in the current second
        // is listed too.
        let latest = match &list.latest {
            Some(text) => Some(
                output::parse_time(text).map_err(|message| Failure::Usage(format!("invalid --latest: {message}")))?,
            ),
            None => None,
        };
        if let Some(latest) = latest
            && oldest > latest
        {
            return Err(Failure::Usage(format!(
                "--oldest ({oldest}) is after --latest ({latest})"
            )));
        }
        let start_time = ExecutionTimeFilter::builder()
            .oldest_date(DateTime::from_millis(oldest.as_millisecond()))
            .set_latest_date(latest.map(|latest| DateTime::from_millis(latest.as_millisecond())))
            .build()
            .context("invalid time filter")?;

        let type_filter = match &list.name {
            Some(name) => Some(
                WorkflowTypeFilter::builder()
                    .name(name)
                    .set_version(list.version.clone())
                    .build()
                    .context("invalid type filter")?,
            ),
            None => None,
        };
        let tag_filter = match &list.tag {
            Some(tag) => Some(TagFilter::builder().tag(tag).build().context("invalid tag filter")?),
            None => None,
        };
        let execution_filter = match &list.workflow_id {
            Some(workflow_id) => Some(
                WorkflowExecutionFilter::builder()
                    .workflow_id(workflow_id)
                    .build()
                    .context("invalid workflow id filter")?,
            ),
            None => None,
        };

        Ok(ListQuery {
            closed: list.closed,
            start_time,
            type_filter,
            tag_filter,
            execution_filter,
        })
    }

    async fn fetch_page(&self, client: &Client, domain: &str, page_token: Option<String>) -> Result<ListPage, Failure> {
        let raw = RawResponse::default();
        let (infos, next_page_token) = if self.closed {
            let page = client
                .list_closed_workflow_executions()
                .domain(domain)
                .start_time_filter(self.start_time.clone())
                .set_type_filter(self.type_filter.clone())
                .set_tag_filter(self.tag_filter.clone())
                .set_execution_filter(self.execution_filter.clone())
                .set_next_page_token(page_token)
                .customize()
                .interceptor(raw.clone())
                .send()
                .await
                .map_err(|error| swf_failure("ListClosedWorkflowExecutions", error))?;
            (
                page.execution_infos().to_vec(),
                page.next_page_token().map(str::to_string),
            )
        } else {
            let page = client
                .list_open_workflow_executions()
                .domain(domain)
                .start_time_filter(self.start_time.clone())
                .set_type_filter(self.type_filter.clone())
                .set_tag_filter(self.tag_filter.clone())
                .set_execution_filter(self.execution_filter.clone())
                .set_next_page_token(page_token)
                .customize()
                .interceptor(raw.clone())
                .send()
                .await
                .map_err(|error| swf_failure("ListOpenWorkflowExecutions", error))?;
            (
                page.execution_infos().to_vec(),
                page.next_page_token().map(str::to_string),
            )
        };

        Ok(ListPage {
            infos,
            next_page_token: next_page_token.filter(|token| !token.is_empty()),
            json: raw_json(&raw),
        })
    }
}

impl OutputFormat {
    pub fn is_json(self) -> bool {
        self == OutputFormat::Json
    }
}
