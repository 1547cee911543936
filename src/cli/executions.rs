//! `caravan history` and `caravan describe`: one execution's events and state.
//!
//! Both read SWF's own JSON and print it with `--output json`, so scripts see what the service
//! returned. The tables are built from the same JSON.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow};
use aws_sdk_swf::types::{ExecutionTimeFilter, WorkflowExecution, WorkflowExecutionFilter};
use aws_smithy_types::DateTime;
use serde_json::Value;

use super::args::{DescribeArgs, HistoryArgs};
use super::commands::{client_and_domain, raw_json, swf_failure};
use super::output::{self, Table};
use super::summary;
use super::{Cli, EXIT_FORCED_STOP, Failure, OutputFormat};
use crate::swf::{Client, RawResponse};

/// How often `--follow` requests new events.
const FOLLOW_INTERVAL: Duration = Duration::from_secs(1);

/// SWF closes an execution at 25,000 events, in pages of up to 1,000, so a history with more
/// pages than this is not SWF speaking.
const MAX_HISTORY_PAGES: usize = 1000;

/// Width of the Type column under `--follow`, where rows are printed before later ones are
/// known. It fits all but the three longest SWF event types, which push their details along.
const FOLLOW_TYPE_WIDTH: usize = 40;

/// Event types that close a run: no event follows them.
const CLOSE_EVENT_TYPES: &[&str] = &[
    "WorkflowExecutionCompleted",
    "WorkflowExecutionFailed",
    "WorkflowExecutionTimedOut",
    "WorkflowExecutionCanceled",
    "WorkflowExecutionTerminated",
    "WorkflowExecutionContinuedAsNew",
];

pub async fn history(cli: &Cli, args: &HistoryArgs) -> Result<ExitCode, Failure> {
    let (client, domain) = client_and_domain(cli, args.domain.as_ref()).await?;
    let execution = resolve_execution(&client, &domain, &args.workflow_id, args.run_id.as_deref()).await?;

    if args.follow {
        return follow(cli.output, &client, &domain, &execution).await;
    }

    let events = fetch_history(&client, &domain, &execution, args.reverse).await?;
    let mut table = Table::new(["Id", "Time", "Type", "Details"]);
    for event in &events {
        table.push(event_columns(event));
    }
    output::print_table(cli.output, table, serde_json::json!({ "events": events }))?;
    Ok(ExitCode::SUCCESS)
}

pub async fn describe(cli: &Cli, args: &DescribeArgs) -> Result<ExitCode, Failure> {
    let (client, domain) = client_and_domain(cli, args.domain.as_ref()).await?;
    let execution = resolve_execution(&client, &domain, &args.workflow_id, args.run_id.as_deref()).await?;

    let raw = RawResponse::default();
    client
        .describe_workflow_execution()
        .domain(&domain)
        .execution(execution)
        .customize()
        .interceptor(raw.clone())
        .send()
        .await
        .map_err(|error| swf_failure("DescribeWorkflowExecution", error))?;

    let json = raw_json(&raw);
    let fields = describe_fields(&json);
    output::print_fields(cli.output, &fields, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Returns the execution to read: the given run, or else the latest run of the workflow id. SWF
/// needs a run id for both operations, and only one run of a workflow id can be open, so the
/// open run is the latest when there is one, and otherwise the closed run that started last.
async fn resolve_execution(
    client: &Client,
    domain: &str,
    workflow_id: &str,
    run_id: Option<&str>,
) -> Result<WorkflowExecution, Failure> {
    let run_id = match run_id {
        Some(run_id) => run_id.to_string(),
        None => latest_run_id(client, domain, workflow_id).await?,
    };
    let execution = WorkflowExecution::builder()
        .workflow_id(workflow_id)
        .run_id(run_id)
        .build()
        .context("invalid execution")?;
    Ok(execution)
}

async fn latest_run_id(client: &Client, domain: &str, workflow_id: &str) -> Result<String, Failure> {
    let since_1970 = ExecutionTimeFilter::builder()
        .oldest_date(DateTime::from_secs(0))
        .build()
        .context("invalid time filter")?;
    let by_id = WorkflowExecutionFilter::builder()
        .workflow_id(workflow_id)
        .build()
        .context("invalid workflow id filter")?;

    // Both lists are sorted newest first, so the first entry is the latest run.
    let open = client
        .list_open_workflow_executions()
        .domain(domain)
        .start_time_filter(since_1970.clone())
        .execution_filter(by_id.clone())
        .maximum_page_size(1)
        .send()
        .await
        .map_err(|error| swf_failure("ListOpenWorkflowExecutions", error))?;
    if let Some(run_id) = first_run_id(open.execution_infos()) {
        return Ok(run_id);
    }

    let closed = client
        .list_closed_workflow_executions()
        .domain(domain)
        .start_time_filter(since_1970)
        .execution_filter(by_id)
        .maximum_page_size(1)
        .send()
        .await
        .map_err(|error| swf_failure("ListClosedWorkflowExecutions", error))?;
    first_run_id(closed.execution_infos()).ok_or_else(|| {
        Failure::Runtime(anyhow!(
            "no execution with workflow id {workflow_id} in domain {domain}: none is open, and the domain keeps no closed one; \
             check the id with `caravan list -d {domain} --oldest 1970-01-01 --closed`"
        ))
    })
}

fn first_run_id(infos: &[aws_sdk_swf::types::WorkflowExecutionInfo]) -> Option<String> {
    infos
        .first()
        .and_then(|info| info.execution())
        .map(|execution| execution.run_id().to_string())
}

/// Fetches every page of the history, in SWF's JSON.
async fn fetch_history(
    client: &Client,
    domain: &str,
    execution: &WorkflowExecution,
    reverse: bool,
) -> Result<Vec<Value>, Failure> {
    let mut pages = HistoryPages::new(execution, reverse);
    let mut events = Vec::new();
    while let Some(page) = pages.next(client, domain).await? {
        events.extend(page);
    }
    Ok(events)
}

/// The pages of one history, read one at a time.
struct HistoryPages<'a> {
    execution: &'a WorkflowExecution,
    reverse: bool,
    next_page_token: Option<String>,
    seen_tokens: HashSet<String>,
    pages: usize,
    done: bool,
}

impl<'a> HistoryPages<'a> {
    fn new(execution: &'a WorkflowExecution, reverse: bool) -> HistoryPages<'a> {
        HistoryPages {
            execution,
            reverse,
            next_page_token: None,
            seen_tokens: HashSet::new(),
            pages: 0,
            done: false,
        }
    }

    /// Returns the events of the next page, or `None` after the last page. A page token seen
    /// twice, or more pages than a history can have, is an error rather than an endless loop.
    async fn next(&mut self, client: &Client, domain: &str) -> Result<Option<Vec<Value>>, Failure> {
        if self.done {
            return Ok(None);
        }
        self.pages += 1;
        if self.pages > MAX_HISTORY_PAGES {
            return Err(Failure::Runtime(anyhow!(
                "GetWorkflowExecutionHistory returned more than {MAX_HISTORY_PAGES} pages, more than an SWF history can have"
            )));
        }

        let raw = RawResponse::default();
        let page = client
            .get_workflow_execution_history()
            .domain(domain)
            .execution(self.execution.clone())
            .reverse_order(self.reverse)
            .maximum_page_size(1000)
            .set_next_page_token(self.next_page_token.take())
            .customize()
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(|error| swf_failure("GetWorkflowExecutionHistory", error))?;

        match page.next_page_token().filter(|token| !token.is_empty()) {
            Some(token) if !self.seen_tokens.insert(token.to_string()) => {
                return Err(Failure::Runtime(anyhow!(
                    "GetWorkflowExecutionHistory returned the same page token twice"
                )));
            }
            Some(token) => self.next_page_token = Some(token.to_string()),
            None => self.done = true,
        }

        let mut events = Vec::new();
        output::extend_array(&mut events, raw_json(&raw), "events");
        Ok(Some(events))
    }
}

/// Prints the history and then new events as they come, until the run closes. SIGINT ends it
/// with exit code 130.
async fn follow(
    format: OutputFormat,
    client: &Client,
    domain: &str,
    execution: &WorkflowExecution,
) -> Result<ExitCode, Failure> {
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot install the SIGINT handler")?;
    if !format.is_json() {
        output::print_line(&follow_row(["Id", "Time", "Type", "Details"]))?;
    }

    let mut last_event_id = 0;
    loop {
        let events = tokio::select! {
            events = events_after(client, domain, execution, last_event_id) => events?,
            _ = interrupts.recv() => return Ok(ExitCode::from(EXIT_FORCED_STOP)),
        };

        let mut closed = false;
        for event in &events {
            print_followed_event(format, event)?;
            last_event_id = last_event_id.max(event_id(event));
            closed |= CLOSE_EVENT_TYPES.contains(&event_type(event));
        }
        if closed {
            return Ok(ExitCode::SUCCESS);
        }

        tokio::select! {
            () = tokio::time::sleep(FOLLOW_INTERVAL) => {}
            _ = interrupts.recv() => return Ok(ExitCode::from(EXIT_FORCED_STOP)),
        }
    }
}

/// Returns the events after `last_event_id`, oldest first. GetWorkflowExecutionHistory cannot
/// start at an event id, so this reads the history newest first and stops at the first page
/// that reaches an event already seen.
async fn events_after(
    client: &Client,
    domain: &str,
    execution: &WorkflowExecution,
    last_event_id: i64,
) -> Result<Vec<Value>, Failure> {
    if last_event_id == 0 {
        return fetch_history(client, domain, execution, false).await;
    }

    let mut pages = HistoryPages::new(execution, true);
    let mut newest_first = Vec::new();
    while let Some(page) = pages.next(client, domain).await? {
        let reached_seen = page.iter().any(|event| event_id(event) <= last_event_id);
        newest_first.extend(page.into_iter().filter(|event| event_id(event) > last_event_id));
        if reached_seen {
            break;
        }
    }
    newest_first.reverse();
    Ok(newest_first)
}

/// Prints one event as a table row of fixed widths, or as one line of compact JSON (JSON Lines),
/// because a followed history is printed before its end is known.
fn print_followed_event(format: OutputFormat, event: &Value) -> Result<(), Failure> {
    if format.is_json() {
        return output::print_line(&event.to_string());
    }
    let columns = event_columns(event);
    output::print_line(&follow_row(columns.each_ref().map(String::as_str)))
}

fn follow_row([id, time, event_type, details]: [&str; 4]) -> String {
    let row = format!("{id:>5}  {time:<24}  {event_type:<FOLLOW_TYPE_WIDTH$}  {details}");
    row.trim_end().to_string()
}

/// Returns an event's id, time, type and summary for a table row.
fn event_columns(event: &Value) -> [String; 4] {
    let time = event["eventTimestamp"]
        .as_f64()
        .map(output::format_epoch_seconds)
        .unwrap_or_default();
    [
        event_id(event).to_string(),
        time,
        event_type(event).to_string(),
        summary::summarize(summary::attributes(event, "EventAttributes")),
    ]
}

fn event_id(event: &Value) -> i64 {
    event["eventId"].as_i64().unwrap_or(0)
}

fn event_type(event: &Value) -> &str {
    event["eventType"].as_str().unwrap_or("?")
}

/// Returns the rows of `caravan describe` from DescribeWorkflowExecution's JSON. Members SWF
/// leaves out, such as the close time of an open run, are shown as `-`.
fn describe_fields(json: &Value) -> Vec<(&'static str, String)> {
    let info = &json["executionInfo"];
    let configuration = &json["executionConfiguration"];
    let counts = &json["openCounts"];
    let text = |value: &Value| value.as_str().map(str::to_string).unwrap_or_else(|| "-".to_string());
    let time = |value: &Value| {
        value
            .as_f64()
            .map(output::format_epoch_seconds)
            .unwrap_or_else(|| "-".to_string())
    };
    let count = |value: &Value| {
        value
            .as_i64()
            .map(|count| count.to_string())
            .unwrap_or_else(|| "-".to_string())
    };
    let seconds = |value: &Value| match value.as_str() {
        Some(digits) if digits.bytes().all(|byte| byte.is_ascii_digit()) => format!("{digits} seconds"),
        Some(other) => other.to_string(),
        None => "-".to_string(),
    };
    let workflow_type = match (
        info["workflowType"]["name"].as_str(),
        info["workflowType"]["version"].as_str(),
    ) {
        (Some(name), Some(version)) => format!("{name} {version}"),
        _ => "-".to_string(),
    };
    let parent = match (info["parent"]["workflowId"].as_str(), info["parent"]["runId"].as_str()) {
        (Some(workflow_id), Some(run_id)) => format!("{workflow_id} (run {run_id})"),
        _ => "-".to_string(),
    };
    let tags = match info["tagList"].as_array() {
        Some(tags) if !tags.is_empty() => tags.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "),
        _ => "-".to_string(),
    };
    let cancel_requested = if info["cancelRequested"].as_bool() == Some(true) {
        "yes"
    } else {
        "no"
    };
    let context = json["latestExecutionContext"]
        .as_str()
        .map(|context| crate::text::shorten(context, 200).into_owned())
        .unwrap_or_else(|| "-".to_string());

    vec![
        ("Workflow Id", text(&info["execution"]["workflowId"])),
        ("Run Id", text(&info["execution"]["runId"])),
        ("Workflow Type", workflow_type),
        ("Status", text(&info["executionStatus"])),
        ("Close Status", text(&info["closeStatus"])),
        ("Cancel Requested", cancel_requested.to_string()),
        ("Started", time(&info["startTimestamp"])),
        ("Closed", time(&info["closeTimestamp"])),
        ("Parent", parent),
        ("Tags", tags),
        ("Task List", text(&configuration["taskList"]["name"])),
        ("Task Priority", text(&configuration["taskPriority"])),
        (
            "Execution Timeout",
            seconds(&configuration["executionStartToCloseTimeout"]),
        ),
        ("Task Timeout", seconds(&configuration["taskStartToCloseTimeout"])),
        ("Child Policy", text(&configuration["childPolicy"])),
        ("Lambda Role", text(&configuration["lambdaRole"])),
        ("Open Activity Tasks", count(&counts["openActivityTasks"])),
        ("Open Decision Tasks", count(&counts["openDecisionTasks"])),
        ("Open Timers", count(&counts["openTimers"])),
        ("Open Child Executions", count(&counts["openChildWorkflowExecutions"])),
        ("Open Lambda Functions", count(&counts["openLambdaFunctions"])),
        ("Latest Activity Task", time(&json["latestActivityTaskTimestamp"])),
        ("Latest Execution Context", context),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn describe_fields_of_closed_child() {
        let json = json!({
            "executionInfo": {
                "execution": {"workflowId": "child", "runId": "r2"},
                "workflowType": {"name": "Demo", "version": "0.1"},
                "startTimestamp": 1420070400.0,
                "closeTimestamp": 1420070401.5,
                "executionStatus": "CLOSED",
                "closeStatus": "COMPLETED",
                "parent": {"workflowId": "parent", "runId": "r1"},
                "tagList": ["a", "b"],
                "cancelRequested": false
            },
            "executionConfiguration": {
                "taskStartToCloseTimeout": "NONE",
                "executionStartToCloseTimeout": "600",
                "taskList": {"name": "default"},
                "childPolicy": "TERMINATE"
            },
            "openCounts": {"openActivityTasks": 0, "openDecisionTasks": 0, "openTimers": 1, "openChildWorkflowExecutions": 0}
        });

        let fields = describe_fields(&json);
        let field = |label: &str| {
            fields
                .iter()
                .find(|(name, _)| *name == label)
                .map(|(_, value)| value.as_str())
        };

        assert_eq!(field("Workflow Type"), Some("Demo 0.1"));
        assert_eq!(field("Close Status"), Some("COMPLETED"));
        assert_eq!(field("Closed"), Some("2015-01-01T00:00:01.500Z"));
        assert_eq!(field("Parent"), Some("parent (run r1)"));
        assert_eq!(field("Tags"), Some("a b"));
        assert_eq!(field("Execution Timeout"), Some("600 seconds"));
        assert_eq!(field("Task Timeout"), Some("NONE"));
        assert_eq!(field("Open Timers"), Some("1"));
        assert_eq!(field("Open Lambda Functions"), Some("-"));
        assert_eq!(field("Lambda Role"), Some("-"));
    }

    #[test]
    fn follow_row_pads_columns() {
        let row = follow_row(["7", "2015-01-01T00:00:00.000Z", "TimerFired", "timerId=t"]);

        assert_eq!(
            row,
            format!(
                "    7  2015-01-01T00:00:00.000Z  TimerFired{}  timerId=t",
                " ".repeat(30)
            )
        );
    }
}
