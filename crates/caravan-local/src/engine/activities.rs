//! Activity tasks: scheduling by decision, dispatch to workers, heartbeats, results, cancellation and
//! the four timeouts. There are no retries: a task that times out is closed, and the decider schedules
//! a new one if it wants.

use serde_json::Value;

use super::clock::{ActivityClock, Deadline};
use super::decisions::DecisionContext;
use super::queues::{QueuedTask, TaskKind};
use super::{State, TaskRef};
use crate::error::ApiError;
use crate::json::{self, Obj};
use crate::model::decisions::ScheduleActivity;
use crate::model::events::EventType;
use crate::model::execution::{ActivityState, ActivityTask, ActivityTimeouts, ExecId};
use crate::model::values::Timeout;

/// Most open (scheduled or started) activity tasks in one run.
pub(crate) const MAX_OPEN_ACTIVITIES: usize = 1_000;

/// Outcome a worker reported for a started activity task.
pub(crate) enum ActivityOutcome {
    Completed {
        result: Option<String>,
    },
    Failed {
        reason: Option<String>,
        details: Option<String>,
    },
    Canceled {
        details: Option<String>,
    },
}

/// A ScheduleActivityTask decision with every setting resolved.
struct ResolvedActivity {
    task_list: String,
    priority: Option<i32>,
    timeouts: ActivityTimeouts,
}

impl State {
    /// Applies a ScheduleActivityTask decision.
    pub(crate) fn schedule_activity(&mut self, context: &DecisionContext, decision: ScheduleActivity) {
        let resolved = match self.resolve_activity(context.exec, &decision) {
            Ok(resolved) => resolved,
            Err(cause) => {
                let attributes = Obj::new()
                    .set("activityType", decision.activity_type.to_value())
                    .set("activityId", decision.activity_id)
                    .set("cause", cause)
                    .set("decisionTaskCompletedEventId", context.completed_event_id);
                self.record(context.exec, EventType::ScheduleActivityTaskFailed, attributes);
                return;
            }
        };

        let timeouts = resolved.timeouts;
        let attributes = Obj::new()
            .set("activityType", decision.activity_type.to_value())
            .set("activityId", decision.activity_id.clone())
            .set_opt("input", decision.input.clone())
            .set_opt("control", decision.control)
            .set("scheduleToStartTimeout", timeouts.schedule_to_start.wire())
            .set("scheduleToCloseTimeout", timeouts.schedule_to_close.wire())
            .set("startToCloseTimeout", timeouts.start_to_close.wire())
            .set("taskList", json::task_list(&resolved.task_list))
            .set_opt("taskPriority", resolved.priority.map(|priority| priority.to_string()))
            .set("decisionTaskCompletedEventId", context.completed_event_id)
            .set("heartbeatTimeout", timeouts.heartbeat.wire());
        let scheduled_event_id = self.record(context.exec, EventType::ActivityTaskScheduled, attributes);

        let Some(domain) = self.execution(context.exec).map(|execution| execution.domain.clone()) else {
            return;
        };
        let task = QueuedTask {
            exec: context.exec,
            scheduled_event_id,
        };
        let priority = resolved.priority.unwrap_or(0);
        let position = self
            .queues
            .push(TaskKind::Activity, &domain, &resolved.task_list, priority, task);
        let now = self.now;
        if let Some(execution) = self.execution_mut(context.exec) {
            let activity = ActivityTask {
                activity_id: decision.activity_id,
                activity_type: decision.activity_type,
                input: decision.input,
                timeouts,
                state: ActivityState::Scheduled {
                    task_list: resolved.task_list,
                    position,
                },
                cancel_requested_event_id: None,
                heartbeat_details: None,
            };
            execution.activities.insert(scheduled_event_id, activity);
            execution.latest_activity_scheduled_at = Some(now);
        }

        self.set_activity_deadline(
            context.exec,
            scheduled_event_id,
            ActivityClock::ScheduleToStart,
            timeouts.schedule_to_start,
        );
        self.set_activity_deadline(
            context.exec,
            scheduled_event_id,
            ActivityClock::ScheduleToClose,
            timeouts.schedule_to_close,
        );
    }

    /// Checks a ScheduleActivityTask decision and resolves its settings, or returns the failure cause.
    fn resolve_activity(&self, id: ExecId, decision: &ScheduleActivity) -> Result<ResolvedActivity, &'static str> {
        let execution = self.execution(id).ok_or("ACTIVITY_TYPE_DOES_NOT_EXIST")?;
        let record = self
            .domains
            .get(&execution.domain)
            .and_then(|domain| domain.activity_types.get(&decision.activity_type))
            .ok_or("ACTIVITY_TYPE_DOES_NOT_EXIST")?;
        if record.is_deprecated() {
            return Err("ACTIVITY_TYPE_DEPRECATED");
        }
        if execution.open_activity(&decision.activity_id).is_some() {
            return Err("ACTIVITY_ID_ALREADY_IN_USE");
        }
        if execution.activities.len() >= MAX_OPEN_ACTIVITIES {
            return Err("OPEN_ACTIVITIES_LIMIT_EXCEEDED");
        }

        let defaults = &record.defaults;
        let task_list = decision.task_list.clone().or_else(|| defaults.task_list.clone());
        let task_list = task_list.ok_or("DEFAULT_TASK_LIST_UNDEFINED")?;
        let timeouts = ActivityTimeouts {
            schedule_to_start: decision
                .schedule_to_start
                .or(defaults.schedule_to_start)
                .ok_or("DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED")?,
            schedule_to_close: decision
                .schedule_to_close
                .or(defaults.schedule_to_close)
                .ok_or("DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED")?,
            start_to_close: decision
                .start_to_close
                .or(defaults.start_to_close)
                .ok_or("DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED")?,
            heartbeat: decision
                .heartbeat
                .or(defaults.heartbeat)
                .ok_or("DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED")?,
        };
        Ok(ResolvedActivity {
            task_list,
            priority: decision.task_priority.or(defaults.task_priority),
            timeouts,
        })
    }

    fn set_activity_deadline(&mut self, id: ExecId, scheduled_event_id: i64, clock: ActivityClock, timeout: Timeout) {
        if let Some(at) = timeout.deadline_after(self.now) {
            self.clock.add(
                at,
                Deadline::Activity {
                    exec: id,
                    scheduled_event_id,
                    clock,
                },
            );
        }
    }

    /// Starts the first activity task waiting on a list, if any, and returns the poll result.
    pub(crate) fn take_activity_task(
        &mut self,
        domain: &str,
        task_list: &str,
        identity: Option<&str>,
    ) -> Option<Value> {
        while let Some(task) = self.queues.pop(TaskKind::Activity, domain, task_list) {
            let waiting = self
                .execution(task.exec)
                .filter(|execution| execution.is_open())
                .and_then(|execution| execution.activities.get(&task.scheduled_event_id))
                .is_some_and(|activity| matches!(activity.state, ActivityState::Scheduled { .. }));
            if waiting {
                return self.start_activity_task(task.exec, task.scheduled_event_id, identity);
            }
        }
        None
    }

    fn start_activity_task(&mut self, id: ExecId, scheduled_event_id: i64, identity: Option<&str>) -> Option<Value> {
        let attributes = Obj::new()
            .set_opt("identity", identity)
            .set("scheduledEventId", scheduled_event_id);
        let started_event_id = self.record(id, EventType::ActivityTaskStarted, attributes);
        let token = self.issue_token(TaskRef::Activity(id, scheduled_event_id));
        let now = self.now;

        let execution = self.execution_mut(id)?;
        let reference = execution.reference();
        let activity = execution.activities.get_mut(&scheduled_event_id)?;
        let timeouts = activity.timeouts;
        activity.state = ActivityState::Started {
            started_event_id,
            token: token.clone(),
            heartbeat_deadline: timeouts.heartbeat.deadline_after(now),
        };
        let result = Obj::new()
            .set("taskToken", token)
            .set("activityId", activity.activity_id.clone())
            .set("startedEventId", started_event_id)
            .set("workflowExecution", reference)
            .set("activityType", activity.activity_type.to_value())
            .set_opt("input", activity.input.clone())
            .into_value();

        self.set_activity_deadline(
            id,
            scheduled_event_id,
            ActivityClock::StartToClose,
            timeouts.start_to_close,
        );
        self.set_activity_deadline(id, scheduled_event_id, ActivityClock::Heartbeat, timeouts.heartbeat);
        Some(result)
    }

    /// Returns the run and scheduled event id of the started activity task with this token.
    fn started_activity(&self, token: &str) -> Result<(ExecId, i64), ApiError> {
        let unknown = || {
            ApiError::unknown_resource(
                "Unknown activity task: the token belongs to no started activity task \
                 (the task closed or timed out, or its execution closed)",
            )
        };
        let Some(TaskRef::Activity(id, scheduled_event_id)) = self.token(token) else {
            return Err(unknown());
        };
        let activity = self
            .execution(id)
            .filter(|execution| execution.is_open())
            .and_then(|execution| execution.activities.get(&scheduled_event_id))
            .ok_or_else(unknown)?;
        match &activity.state {
            ActivityState::Started {
                token: started_token, ..
            } if started_token == token => Ok((id, scheduled_event_id)),
            _ => Err(unknown()),
        }
    }

    /// Restarts the heartbeat clock of a started task and returns whether its cancellation was requested.
    pub(crate) fn record_heartbeat(&mut self, token: &str, details: Option<String>) -> Result<bool, ApiError> {
        let (id, scheduled_event_id) = self.started_activity(token)?;
        let now = self.now;

        let activity = self
            .execution_mut(id)
            .and_then(|execution| execution.activities.get_mut(&scheduled_event_id))
            .ok_or_else(|| ApiError::unknown_resource("Unknown activity task"))?;
        if let ActivityState::Started { heartbeat_deadline, .. } = &mut activity.state {
            *heartbeat_deadline = activity.timeouts.heartbeat.deadline_after(now);
        }
        if details.is_some() {
            activity.heartbeat_details = details;
        }
        Ok(activity.cancel_requested_event_id.is_some())
    }

    /// Closes a started task with the worker's outcome.
    pub(crate) fn respond_activity(&mut self, token: &str, outcome: ActivityOutcome) -> Result<(), ApiError> {
        let (id, scheduled_event_id) = self.started_activity(token)?;
        let Some(activity) = self.remove_activity(id, scheduled_event_id) else {
            return Ok(());
        };

        let ids = Obj::new()
            .set("scheduledEventId", scheduled_event_id)
            .set("startedEventId", activity.started_event_id());
        let (event_type, attributes) = match outcome {
            ActivityOutcome::Completed { result } => (EventType::ActivityTaskCompleted, ids.set_opt("result", result)),
            ActivityOutcome::Failed { reason, details } => (
                EventType::ActivityTaskFailed,
                ids.set_opt("reason", reason).set_opt("details", details),
            ),
            ActivityOutcome::Canceled { details } => (
                EventType::ActivityTaskCanceled,
                ids.set_opt("details", details)
                    .set_opt("latestCancelRequestedEventId", activity.cancel_requested_event_id),
            ),
        };
        self.record(id, event_type, attributes);
        Ok(())
    }

    /// Applies a RequestCancelActivityTask decision. A task no worker has started yet is canceled at
    /// once; a started one learns of the request from its next heartbeat.
    pub(crate) fn request_cancel_activity(&mut self, context: &DecisionContext, activity_id: &str) {
        let scheduled = self
            .execution(context.exec)
            .and_then(|execution| execution.open_activity(activity_id));
        let Some(scheduled_event_id) = scheduled else {
            let attributes = Obj::new()
                .set("activityId", activity_id)
                .set("cause", "ACTIVITY_ID_UNKNOWN")
                .set("decisionTaskCompletedEventId", context.completed_event_id);
            self.record(context.exec, EventType::RequestCancelActivityTaskFailed, attributes);
            return;
        };

        let attributes = Obj::new()
            .set("decisionTaskCompletedEventId", context.completed_event_id)
            .set("activityId", activity_id);
        let requested_event_id = self.record(context.exec, EventType::ActivityTaskCancelRequested, attributes);

        let activity = self
            .execution_mut(context.exec)
            .and_then(|execution| execution.activities.get_mut(&scheduled_event_id));
        let Some(activity) = activity else {
            return;
        };
        activity.cancel_requested_event_id = Some(requested_event_id);
        if matches!(activity.state, ActivityState::Started { .. }) {
            return;
        }

        self.remove_activity(context.exec, scheduled_event_id);
        let attributes = Obj::new()
            .set("scheduledEventId", scheduled_event_id)
            .set("startedEventId", 0)
            .set("latestCancelRequestedEventId", requested_event_id);
        self.record(context.exec, EventType::ActivityTaskCanceled, attributes);
    }

    /// Handles the end of one of a task's clocks: records `ActivityTaskTimedOut` if the clock still
    /// applies to the task, or moves the heartbeat deadline if a heartbeat came in meanwhile.
    pub(crate) fn activity_clock_expired(&mut self, id: ExecId, scheduled_event_id: i64, clock: ActivityClock) {
        let now = self.now;
        let activity = self
            .execution(id)
            .filter(|execution| execution.is_open())
            .and_then(|execution| execution.activities.get(&scheduled_event_id));
        let Some(activity) = activity else {
            return;
        };

        let applies = match (&activity.state, clock) {
            (ActivityState::Scheduled { .. }, ActivityClock::ScheduleToStart | ActivityClock::ScheduleToClose) => true,
            (ActivityState::Started { .. }, ActivityClock::ScheduleToClose | ActivityClock::StartToClose) => true,
            (
                ActivityState::Started {
                    heartbeat_deadline: Some(deadline),
                    ..
                },
                ActivityClock::Heartbeat,
            ) => {
                if *deadline > now {
                    let deadline = *deadline;
                    self.clock.add(
                        deadline,
                        Deadline::Activity {
                            exec: id,
                            scheduled_event_id,
                            clock,
                        },
                    );
                    return;
                }
                true
            }
            _ => false,
        };
        if !applies {
            return;
        }

        let Some(activity) = self.remove_activity(id, scheduled_event_id) else {
            return;
        };
        let attributes = Obj::new()
            .set("timeoutType", clock.timeout_type())
            .set("scheduledEventId", scheduled_event_id)
            .set("startedEventId", activity.started_event_id())
            .set_opt("details", activity.heartbeat_details);
        self.record(id, EventType::ActivityTaskTimedOut, attributes);
    }

    /// Removes an open task from its run, from its task list if it waits there, and revokes its token.
    fn remove_activity(&mut self, id: ExecId, scheduled_event_id: i64) -> Option<ActivityTask> {
        let execution = self.execution_mut(id)?;
        let domain = execution.domain.clone();
        let activity = execution.activities.remove(&scheduled_event_id)?;

        match &activity.state {
            ActivityState::Scheduled { task_list, position } => {
                self.queues.remove(TaskKind::Activity, &domain, task_list, *position);
            }
            ActivityState::Started { token, .. } => self.revoke_token(token),
        }
        Some(activity)
    }

    /// Drops every open task of a closing run without recording anything.
    pub(crate) fn drop_activities(&mut self, id: ExecId) {
        let scheduled: Vec<i64> = match self.execution(id) {
            Some(execution) => execution.activities.keys().copied().collect(),
            None => return,
        };
        for scheduled_event_id in scheduled {
            self.remove_activity(id, scheduled_event_id);
        }
    }
}
