//! ListOpenWorkflowExecutions, ListClosedWorkflowExecutions, CountOpenWorkflowExecutions,
//! CountClosedWorkflowExecutions, CountPendingDecisionTasks and CountPendingActivityTasks.
//!
//! Visibility works in deprecated domains too. Time filters are inclusive ranges, and lists are sorted
//! newest first by the filtered time unless `reverseOrder` is set.

use serde_json::{Value, json};

use super::input::{Input, Length};
use super::shapes::{self, NAME, Naming, TAG, VERSION};
use crate::engine::State;
use crate::engine::paging::{Position, page_after};
use crate::engine::queues::TaskKind;
use crate::error::ApiError;
use crate::json::Obj;
use crate::model::execution::Execution;
use crate::model::values::{CloseStatus, Millis};

/// Time of a run that a time filter applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeField {
    Start,
    Close,
}

/// The filters of a List or Count request.
struct Filters {
    open: bool,
    time_field: TimeField,
    oldest: Millis,
    latest: Option<Millis>,
    workflow_id: Option<String>,
    type_name: Option<String>,
    type_version: Option<String>,
    tag: Option<String>,
    close_status: Option<CloseStatus>,
}

impl Filters {
    fn matches(&self, execution: &Execution) -> bool {
        if execution.is_open() != self.open {
            return false;
        }
        let Some(time) = self.time_of(execution) else {
            return false;
        };
        let in_range = time >= self.oldest && self.latest.is_none_or(|latest| time <= latest);
        let workflow_id = self.workflow_id.as_ref().is_none_or(|id| *id == execution.workflow_id);
        let type_name = self
            .type_name
            .as_ref()
            .is_none_or(|name| *name == execution.workflow_type.name);
        let type_version = self
            .type_version
            .as_ref()
            .is_none_or(|version| *version == execution.workflow_type.version);
        let tag = self.tag.as_ref().is_none_or(|tag| execution.tags.contains(tag));
        let status = self
            .close_status
            .is_none_or(|status| execution.closed.map(|closed| closed.status) == Some(status));
        in_range && workflow_id && type_name && type_version && tag && status
    }

    fn time_of(&self, execution: &Execution) -> Option<Millis> {
        match self.time_field {
            TimeField::Start => Some(execution.started_at),
            TimeField::Close => execution.closed.map(|closed| closed.at),
        }
    }
}

/// Reads an `ExecutionTimeFilter` as its oldest and latest dates.
fn time_filter(input: &mut Input, member: &str) -> Result<Option<(Millis, Option<Millis>)>, ApiError> {
    let Some(mut filter) = input.object(member)? else {
        return Ok(None);
    };
    let oldest = filter.required_timestamp("oldestDate")?;
    let latest = filter.timestamp("latestDate")?;
    Ok(Some((oldest, latest)))
}

/// Reads the filters of a request about open (`open`) or closed runs and checks which may be combined.
fn read_filters(input: &mut Input, open: bool) -> Result<(String, Filters), ApiError> {
    let domain = shapes::domain(input)?;
    let start_time = time_filter(input, "startTimeFilter")?;
    let close_time = if open {
        None
    } else {
        time_filter(input, "closeTimeFilter")?
    };
    if open && start_time.is_none() {
        input.reject("startTimeFilter", "null", "Member must not be null");
    }

    let workflow_id = match input.object("executionFilter")? {
        Some(mut filter) => Some(filter.required_string("workflowId", NAME)?),
        None => None,
    };
    let (type_name, type_version) = match input.object("typeFilter")? {
        Some(mut filter) => {
            let name = filter.required_string("name", NAME)?;
            let version = filter
                .string("version", Length::new(0, VERSION.max))?
                .filter(|version| !version.is_empty());
            (Some(name), version)
        }
        None => (None, None),
    };
    let tag = match input.object("tagFilter")? {
        Some(mut filter) => Some(filter.required_string("tag", TAG)?),
        None => None,
    };
    let close_status = match (open, input.object("closeStatusFilter")?) {
        (false, Some(mut filter)) => CloseStatus::parse(filter.required_enumeration("status", CloseStatus::NAMES)?),
        _ => None,
    };

    let (time_field, (oldest, latest)) = match (start_time, close_time) {
        (Some(range), None) => (TimeField::Start, range),
        (None, Some(range)) => (TimeField::Close, range),
        (Some(_), Some(_)) | (None, None) if !open => {
            return Err(ApiError::Validation(
                "Exactly one of startTimeFilter and closeTimeFilter must be set".to_string(),
            ));
        }
        _ => (TimeField::Start, (0, None)),
    };
    let filter_count = [
        workflow_id.is_some(),
        type_name.is_some(),
        tag.is_some(),
        close_status.is_some(),
    ]
    .into_iter()
    .filter(|set| *set)
    .count();
    if filter_count > 1 {
        let names = if open {
            "executionFilter, typeFilter and tagFilter"
        } else {
            "closeStatusFilter, executionFilter, typeFilter and tagFilter"
        };
        return Err(ApiError::Validation(format!(
            "Only one of {names} can be set in one request"
        )));
    }

    let filters = Filters {
        open,
        time_field,
        oldest,
        latest,
        workflow_id,
        type_name,
        type_version,
        tag,
        close_status,
    };
    Ok((domain, filters))
}

fn list(state: &mut State, mut input: Input, open: bool) -> Result<Value, ApiError> {
    let operation = if open {
        "ListOpenWorkflowExecutions"
    } else {
        "ListClosedWorkflowExecutions"
    };
    let fingerprint = input.fingerprint();
    let read = read_filters(&mut input, open);
    let page = shapes::page_request(&mut input)?;
    input.finish()?;
    let (domain, filters) = read?;

    state.domain(&domain)?;
    let after = match &page.token {
        Some(token) => match state.pages.redeem(token, operation, &fingerprint, state.now)? {
            Position::Execution(time, id) => Some((time, id)),
            _ => None,
        },
        None => None,
    };

    let items: Vec<_> = state
        .executions
        .values()
        .filter(|execution| execution.domain == domain && filters.matches(execution))
        .filter_map(|execution| Some(((filters.time_of(execution)?, execution.id), execution.info())))
        .collect();
    let result = page_after(items, !page.reverse, after.as_ref(), page.size);

    let next = result.last_key.map(|(time, id)| {
        state
            .pages
            .issue(operation, &fingerprint, Position::Execution(time, id), state.now)
    });
    Ok(Obj::new()
        .set("executionInfos", result.items)
        .set_opt("nextPageToken", next)
        .into_value())
}

fn count(state: &mut State, mut input: Input, open: bool) -> Result<Value, ApiError> {
    let read = read_filters(&mut input, open);
    input.finish()?;
    let (domain, filters) = read?;

    state.domain(&domain)?;
    let count = state
        .executions
        .values()
        .filter(|execution| execution.domain == domain && filters.matches(execution))
        .count();
    Ok(json!({ "count": count }))
}

pub(crate) fn list_open(state: &mut State, input: Input) -> Result<Value, ApiError> {
    list(state, input, true)
}

pub(crate) fn list_closed(state: &mut State, input: Input) -> Result<Value, ApiError> {
    list(state, input, false)
}

pub(crate) fn count_open(state: &mut State, input: Input) -> Result<Value, ApiError> {
    count(state, input, true)
}

pub(crate) fn count_closed(state: &mut State, input: Input) -> Result<Value, ApiError> {
    count(state, input, false)
}

fn count_pending(state: &mut State, mut input: Input, kind: TaskKind) -> Result<Value, ApiError> {
    let domain = shapes::domain(&mut input)?;
    let task_list = shapes::required_task_list(&mut input, "taskList", Naming::Unchecked)?;
    input.finish()?;

    state.domain(&domain)?;
    Ok(json!({ "count": state.queues.pending_count(kind, &domain, &task_list) }))
}

pub(crate) fn count_pending_decisions(state: &mut State, input: Input) -> Result<Value, ApiError> {
    count_pending(state, input, TaskKind::Decision)
}

pub(crate) fn count_pending_activities(state: &mut State, input: Input) -> Result<Value, ApiError> {
    count_pending(state, input, TaskKind::Activity)
}
