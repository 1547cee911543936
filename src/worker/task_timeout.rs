//! Looking up an activity task's own heartbeat timeout.
//!
//! PollForActivityTask does not return the task's timeouts, and the decision that scheduled the
//! task may have set a heartbeat timeout other than the type's registered default. The task's
//! `ActivityTaskScheduled` event records it. The `ActivityTaskStarted` event with the task's
//! `startedEventId` names that event in its `scheduledEventId`, so the lookup reads
//! GetWorkflowExecutionHistory newest first, in small pages, and stops as soon as it has both.
//!
//! NOTE: it is not confirmed that SWF writes `heartbeatTimeout` into the event when the decision
//! left it out and the type's default applied. caravan's local endpoint writes it. When the event
//! lacks it, the worker keeps the timeout from the plugin's manifest, which is wrong for a type
//! registered earlier with other defaults.
//!
//! NOTE: each lookup takes at least one GetWorkflowExecutionHistory call from SWF's account quota
//! for it (documented as a bucket of 2,000 calls that refills at 60 a second, shared with every
//! other client of the account). A fleet that starts more long tasks than that can be throttled,
//! and its tasks then heartbeat by the registered timeout.

use std::collections::HashSet;
use std::time::Duration;

use serde::Deserialize;

use super::task::ActivityTask;
use crate::swf::{self, DirectClient};

/// Events per page. The task's events are usually among the newest few, so a small page keeps the
/// common lookup to one short call.
const PAGE_SIZE: u32 = 25;

/// Pages read before the lookup gives up, 1,000 events. Between the scheduled and the started event
/// of one task there can be many events when a workflow schedules hundreds of activities at once.
const MAX_PAGES: u32 = 40;

/// How long one page may take.
const PAGE_TIMEOUT: Duration = Duration::from_secs(10);

/// Failure to find a task's `ActivityTaskScheduled` event.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("the poll response has no startedEventId, so the task's events cannot be found")]
    NoStartedEventId,
    #[error("GetWorkflowExecutionHistory failed on page {page}: {message}")]
    Call { page: u32, message: String },
    #[error("GetWorkflowExecutionHistory returned an invalid page {page}: {message}")]
    InvalidPage { page: u32, message: String },
    #[error("GetWorkflowExecutionHistory returned page token {token:?} a second time on page {page}")]
    RepeatedToken { page: u32, token: String },
    #[error("event {event_id} is {found}, expected {expected}")]
    WrongEvent {
        event_id: i64,
        found: String,
        expected: &'static str,
    },
    #[error("the history has no event {event_id} ({expected})")]
    Missing { event_id: i64, expected: &'static str },
    #[error("event {event_id} ({expected}) is not among the newest {} events of the history", MAX_PAGES * PAGE_SIZE)]
    TooFar { event_id: i64, expected: &'static str },
}

/// The event the lookup searches for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Started(i64),
    Scheduled(i64),
}

impl Target {
    fn event_id(self) -> i64 {
        match self {
            Target::Started(event_id) | Target::Scheduled(event_id) => event_id,
        }
    }

    fn event_type(self) -> &'static str {
        match self {
            Target::Started(_) => "ActivityTaskStarted",
            Target::Scheduled(_) => "ActivityTaskScheduled",
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryPage {
    #[serde(default)]
    events: Vec<EventHead>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// The members of an event that the lookup reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventHead {
    event_id: i64,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    activity_task_started_event_attributes: Option<StartedAttributes>,
    #[serde(default)]
    activity_task_scheduled_event_attributes: Option<ScheduledAttributes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartedAttributes {
    scheduled_event_id: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduledAttributes {
    #[serde(default)]
    heartbeat_timeout: Option<String>,
}

/// Returns the `heartbeatTimeout` of the task's `ActivityTaskScheduled` event, as SWF writes it
/// (whole seconds or `NONE`), or `None` when the event has none.
pub async fn scheduled_heartbeat_timeout(
    client: &DirectClient,
    domain: &str,
    task: &ActivityTask,
) -> Result<Option<String>, LookupError> {
    if task.started_event_id <= 0 {
        return Err(LookupError::NoStartedEventId);
    }
    let mut target = Target::Started(task.started_event_id);
    let mut page_token: Option<String> = None;
    let mut seen_tokens = HashSet::new();

    for page in 1..=MAX_PAGES {
        let history = fetch_page(client, domain, task, page_token.as_deref(), page).await?;

        if let Some(found) = search_page(&history.events, &mut target)? {
            return Ok(found);
        }

        match history.next_page_token {
            Some(token) if !seen_tokens.insert(token.clone()) => {
                return Err(LookupError::RepeatedToken { page, token });
            }
            Some(token) => page_token = Some(token),
            None => {
                return Err(LookupError::Missing {
                    event_id: target.event_id(),
                    expected: target.event_type(),
                });
            }
        }
    }

    Err(LookupError::TooFar {
        event_id: target.event_id(),
        expected: target.event_type(),
    })
}

async fn fetch_page(
    client: &DirectClient,
    domain: &str,
    task: &ActivityTask,
    page_token: Option<&str>,
    page: u32,
) -> Result<HistoryPage, LookupError> {
    let mut request = serde_json::json!({
        "domain": domain,
        "execution": {"workflowId": task.workflow_id, "runId": task.run_id},
        "maximumPageSize": PAGE_SIZE,
        "reverseOrder": true,
    });
    if let Some(token) = page_token {
        request["nextPageToken"] = token.into();
    }

    let response = client
        .call(
            swf::GET_WORKFLOW_EXECUTION_HISTORY,
            request.to_string().into(),
            PAGE_TIMEOUT,
        )
        .await
        .map_err(|error| LookupError::Call {
            page,
            message: error.message,
        })?;

    serde_json::from_slice(&response).map_err(|error| LookupError::InvalidPage {
        page,
        message: error.to_string(),
    })
}

/// Walks one page of events, newest first, towards the task's events. Returns the scheduled
/// event's heartbeat timeout once it is found, or `None` when the search goes on in the next page.
fn search_page(events: &[EventHead], target: &mut Target) -> Result<Option<Option<String>>, LookupError> {
    for event in events {
        if event.event_id < target.event_id() {
            return Err(LookupError::Missing {
                event_id: target.event_id(),
                expected: target.event_type(),
            });
        }
        if event.event_id > target.event_id() {
            continue;
        }

        let wrong_event = || LookupError::WrongEvent {
            event_id: event.event_id,
            found: event.event_type.clone(),
            expected: target.event_type(),
        };
        match *target {
            Target::Started(_) => {
                let started = event
                    .activity_task_started_event_attributes
                    .as_ref()
                    .ok_or_else(wrong_event)?;
                *target = Target::Scheduled(started.scheduled_event_id);
            }
            Target::Scheduled(_) => {
                let scheduled = event
                    .activity_task_scheduled_event_attributes
                    .as_ref()
                    .ok_or_else(wrong_event)?;
                return Ok(Some(scheduled.heartbeat_timeout.clone()));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn events(values: serde_json::Value) -> Vec<EventHead> {
        serde_json::from_value(values).expect("events")
    }

    fn started(event_id: i64, scheduled_event_id: i64) -> serde_json::Value {
        json!({
            "eventId": event_id,
            "eventType": "ActivityTaskStarted",
            "activityTaskStartedEventAttributes": {"scheduledEventId": scheduled_event_id, "identity": "w"}
        })
    }

    fn scheduled(event_id: i64, heartbeat_timeout: Option<&str>) -> serde_json::Value {
        let mut attributes = json!({"activityId": "a", "activityType": {"name": "A", "version": "1"}});
        if let Some(timeout) = heartbeat_timeout {
            attributes["heartbeatTimeout"] = timeout.into();
        }
        json!({
            "eventId": event_id,
            "eventType": "ActivityTaskScheduled",
            "activityTaskScheduledEventAttributes": attributes
        })
    }

    fn other(event_id: i64) -> serde_json::Value {
        json!({"eventId": event_id, "eventType": "TimerFired", "timerFiredEventAttributes": {"timerId": "t"}})
    }

    #[test]
    fn search_finds_both_events_in_one_page() {
        let page = events(json!([
            other(9),
            started(8, 6),
            other(7),
            scheduled(6, Some("2")),
            other(5)
        ]));
        let mut target = Target::Started(8);

        let found = search_page(&page, &mut target).unwrap();

        assert_eq!(found, Some(Some("2".to_string())));
    }

    #[test]
    fn search_goes_on_in_next_page() {
        let first = events(json!([other(12), started(11, 4), other(10)]));
        let second = events(json!([other(9), scheduled(4, Some("NONE"))]));
        let mut target = Target::Started(11);

        let after_first = search_page(&first, &mut target).unwrap();
        let after_second = search_page(&second, &mut target).unwrap();

        assert_eq!(after_first, None);
        assert_eq!(target, Target::Scheduled(4));
        assert_eq!(after_second, Some(Some("NONE".to_string())));
    }

    #[test]
    fn search_without_heartbeat_timeout() {
        let page = events(json!([started(3, 2), scheduled(2, None)]));
        let mut target = Target::Started(3);

        let found = search_page(&page, &mut target).unwrap();

        assert_eq!(found, Some(None));
    }

    #[test]
    fn search_past_missing_event_fails() {
        let page = events(json!([other(9), other(7)]));
        let mut target = Target::Started(8);

        let error = search_page(&page, &mut target).unwrap_err();

        assert_eq!(error.to_string(), "the history has no event 8 (ActivityTaskStarted)");
    }

    #[test]
    fn search_rejects_wrong_event_type() {
        let page = events(json!([started(8, 6), other(6)]));
        let mut target = Target::Started(8);

        let error = search_page(&page, &mut target).unwrap_err();

        assert_eq!(
            error.to_string(),
            "event 6 is TimerFired, expected ActivityTaskScheduled"
        );
    }

    #[test]
    fn too_far_names_the_limit() {
        let error = LookupError::TooFar {
            event_id: 4,
            expected: "ActivityTaskScheduled",
        };

        assert_eq!(
            error.to_string(),
            "event 4 (ActivityTaskScheduled) is not among the newest 1000 events of the history"
        );
    }
}
