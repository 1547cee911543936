//! Decision tasks: scheduling, dispatch to a decider, completion and timeouts.
//!
//! A run has at most one open decision task. An event that needs the decider schedules one when none is
//! open, does nothing while one is scheduled (the pending task will show the event), and sets
//! `decision_needed` while one is started; the next task is then scheduled after the started one
//! completes or times out, so several events during one task lead to one new task.

use super::TaskRef;
use super::clock::Deadline;
use super::decisions::DecisionContext;
use super::queues::{QueuedTask, TaskKind};
use crate::engine::State;
use crate::error::ApiError;
use crate::json::{self, Obj};
use crate::model::decisions::Decision;
use crate::model::events::EventType;
use crate::model::execution::{DecisionTaskState, ExecId, StickyTaskList};
use crate::model::values::Timeout;

/// A decision task that a poll just started.
pub(crate) struct StartedDecisionTask {
    pub(crate) exec: ExecId,
    pub(crate) token: String,
    pub(crate) started_event_id: i64,
    pub(crate) previous_started_event_id: i64,
}

/// The members of RespondDecisionTaskCompleted after the token.
pub(crate) struct DecisionResponse {
    pub(crate) decisions: Vec<Decision>,
    pub(crate) execution_context: Option<String>,
    pub(crate) task_list: Option<String>,
    pub(crate) task_list_schedule_to_start: Option<Timeout>,
}

impl State {
    /// Makes sure the decider will see the run's latest events.
    pub(crate) fn request_decision(&mut self, id: ExecId) {
        let Some(execution) = self.execution_mut(id).filter(|execution| execution.is_open()) else {
            return;
        };
        match execution.decision {
            DecisionTaskState::Idle => self.schedule_decision_task(id),
            DecisionTaskState::Scheduled { .. } => {}
            DecisionTaskState::Started { .. } => execution.decision_needed = true,
        }
    }

    /// Records `DecisionTaskScheduled` and queues the task on the run's decision task list, or on the
    /// sticky list a decider asked for.
    fn schedule_decision_task(&mut self, id: ExecId) {
        let Some(execution) = self.execution(id) else {
            return;
        };
        let (task_list, schedule_to_start) = match &execution.sticky {
            Some(sticky) => (sticky.name.clone(), Some(sticky.schedule_to_start)),
            None => (execution.config.task_list.clone(), None),
        };
        let priority = execution.config.task_priority;
        let start_to_close = execution.config.task_start_to_close;
        let domain = execution.domain.clone();

        let attributes = Obj::new()
            .set("taskList", json::task_list(&task_list))
            .set_opt("taskPriority", priority.map(|priority| priority.to_string()))
            .set("startToCloseTimeout", start_to_close.wire())
            .set_opt("scheduleToStartTimeout", schedule_to_start.map(Timeout::wire));
        let scheduled_event_id = self.record(id, EventType::DecisionTaskScheduled, attributes);

        let task = QueuedTask {
            exec: id,
            scheduled_event_id,
        };
        let position = self
            .queues
            .push(TaskKind::Decision, &domain, &task_list, priority.unwrap_or(0), task);
        if let Some(execution) = self.execution_mut(id) {
            execution.decision = DecisionTaskState::Scheduled {
                scheduled_event_id,
                task_list,
                position,
            };
        }

        if let Some(at) = schedule_to_start.and_then(|timeout| timeout.deadline_after(self.now)) {
            self.clock.add(
                at,
                Deadline::DecisionScheduleToStart {
                    exec: id,
                    scheduled_event_id,
                },
            );
        }
    }

    /// Starts the first decision task waiting on a list, if any.
    pub(crate) fn take_decision_task(
        &mut self,
        domain: &str,
        task_list: &str,
        identity: Option<&str>,
    ) -> Option<StartedDecisionTask> {
        while let Some(task) = self.queues.pop(TaskKind::Decision, domain, task_list) {
            let waiting = self.execution(task.exec).is_some_and(|execution| {
                execution.is_open()
                    && matches!(execution.decision,
                        DecisionTaskState::Scheduled { scheduled_event_id, .. } if scheduled_event_id == task.scheduled_event_id)
            });
            if waiting {
                return Some(self.start_decision_task(task.exec, task.scheduled_event_id, identity));
            }
        }
        None
    }

    fn start_decision_task(
        &mut self,
        id: ExecId,
        scheduled_event_id: i64,
        identity: Option<&str>,
    ) -> StartedDecisionTask {
        let attributes = Obj::new()
            .set_opt("identity", identity)
            .set("scheduledEventId", scheduled_event_id);
        let started_event_id = self.record(id, EventType::DecisionTaskStarted, attributes);
        let token = self.issue_token(TaskRef::Decision(id));

        let mut start_to_close = Timeout::Unlimited;
        let mut previous_started_event_id = 0;
        if let Some(execution) = self.execution_mut(id) {
            execution.decision = DecisionTaskState::Started {
                scheduled_event_id,
                started_event_id,
                token: token.clone(),
            };
            start_to_close = execution.config.task_start_to_close;
            previous_started_event_id = execution.previous_started_event_id;
        }

        if let Some(at) = start_to_close.deadline_after(self.now) {
            self.clock.add(
                at,
                Deadline::DecisionStartToClose {
                    exec: id,
                    scheduled_event_id,
                },
            );
        }
        StartedDecisionTask {
            exec: id,
            token,
            started_event_id,
            previous_started_event_id,
        }
    }

    /// Returns the run and the scheduled and started event ids of the started decision task with this
    /// token.
    fn started_decision_task(&self, token: &str) -> Result<(ExecId, i64, i64), ApiError> {
        let unknown = || {
            ApiError::unknown_resource(
                "Unknown decision task: the token belongs to no started decision task \
                 (the task completed or timed out, or its execution closed)",
            )
        };
        let Some(TaskRef::Decision(id)) = self.token(token) else {
            return Err(unknown());
        };
        let execution = self
            .execution(id)
            .filter(|execution| execution.is_open())
            .ok_or_else(unknown)?;
        match &execution.decision {
            DecisionTaskState::Started {
                scheduled_event_id,
                started_event_id,
                token: started_token,
            } if started_token == token => Ok((id, *scheduled_event_id, *started_event_id)),
            _ => Err(unknown()),
        }
    }

    /// Completes a started decision task: records `DecisionTaskCompleted`, applies the decisions in order
    /// and schedules the next task if events arrived meanwhile or a decision failed. Then it starts the
    /// Lambda functions that the decisions scheduled, so that each start follows every decision's events.
    pub(crate) fn complete_decision_task(&mut self, token: &str, response: DecisionResponse) -> Result<(), ApiError> {
        let (id, scheduled_event_id, started_event_id) = self.started_decision_task(token)?;
        self.revoke_token(token);
        let unhandled_events = self.execution(id).is_some_and(|execution| execution.decision_needed);

        let attributes = Obj::new()
            .set_opt("executionContext", response.execution_context.clone())
            .set("scheduledEventId", scheduled_event_id)
            .set("startedEventId", started_event_id)
            .set_opt("taskList", response.task_list.as_deref().map(json::task_list))
            .set_opt(
                "taskListScheduleToStartTimeout",
                response.task_list_schedule_to_start.map(Timeout::wire),
            );
        let completed_event_id = self.record(id, EventType::DecisionTaskCompleted, attributes);
        self.note_completion(id, started_event_id, &response);

        let context = DecisionContext {
            exec: id,
            completed_event_id,
            unhandled_events,
        };
        for decision in response.decisions {
            if !self.is_open(id) || self.enforce_event_limit(id) {
                break;
            }
            self.apply_decision(&context, decision);
        }

        self.end_decision_task(id);
        self.start_scheduled_lambdas(id);
        Ok(())
    }

    /// Stores what a completed task changes for later tasks: the previous started event, the execution
    /// context and the task list override.
    fn note_completion(&mut self, id: ExecId, started_event_id: i64, response: &DecisionResponse) {
        let Some(execution) = self.execution_mut(id) else {
            return;
        };
        execution.previous_started_event_id = started_event_id;
        if let Some(context) = &response.execution_context {
            execution.latest_execution_context = Some(context.clone());
        }

        // A task list without a schedule-to-start timeout moves the run's decision tasks for good; with
        // one, only until a decision task on that list times out.
        match (&response.task_list, response.task_list_schedule_to_start) {
            (Some(name), None) => {
                execution.config.task_list = name.clone();
                execution.sticky = None;
            }
            (Some(name), Some(schedule_to_start)) => {
                execution.sticky = Some(StickyTaskList {
                    name: name.clone(),
                    schedule_to_start,
                });
            }
            (None, _) => {}
        }
    }

    /// Closes the run's decision task and schedules the next one if an event asked for it meanwhile.
    fn end_decision_task(&mut self, id: ExecId) {
        let Some(execution) = self.execution_mut(id) else {
            return;
        };
        let needed = execution.decision_needed && execution.is_open();
        execution.decision = DecisionTaskState::Idle;
        execution.decision_needed = false;

        if needed {
            self.schedule_decision_task(id);
        }
    }

    /// Removes the run's open decision task, if any, without recording anything; used when a run closes.
    pub(crate) fn drop_decision_task(&mut self, id: ExecId) {
        let Some(execution) = self.execution_mut(id) else {
            return;
        };
        let task = std::mem::replace(&mut execution.decision, DecisionTaskState::Idle);
        execution.decision_needed = false;
        let domain = execution.domain.clone();

        match task {
            DecisionTaskState::Scheduled {
                task_list, position, ..
            } => {
                self.queues.remove(TaskKind::Decision, &domain, &task_list, position);
            }
            DecisionTaskState::Started { token, .. } => self.revoke_token(&token),
            DecisionTaskState::Idle => {}
        }
    }

    pub(crate) fn decision_start_to_close_expired(&mut self, id: ExecId, scheduled_event_id: i64) {
        let started = self.execution(id).and_then(|execution| match &execution.decision {
            DecisionTaskState::Started {
                scheduled_event_id: scheduled,
                started_event_id,
                ..
            } if *scheduled == scheduled_event_id && execution.is_open() => Some(*started_event_id),
            _ => None,
        });
        let Some(started_event_id) = started else {
            return;
        };

        self.time_out_decision_task(id, scheduled_event_id, started_event_id, "START_TO_CLOSE");
    }

    pub(crate) fn decision_schedule_to_start_expired(&mut self, id: ExecId, scheduled_event_id: i64) {
        let waiting = self.execution(id).is_some_and(|execution| {
            execution.is_open()
                && matches!(execution.decision,
                    DecisionTaskState::Scheduled { scheduled_event_id: scheduled, .. } if scheduled == scheduled_event_id)
        });
        if !waiting {
            return;
        }

        self.time_out_decision_task(id, scheduled_event_id, 0, "SCHEDULE_TO_START");
    }

    /// Records `DecisionTaskTimedOut`, drops any sticky task list and, because the event needs the
    /// decider, schedules a new task on the run's own list.
    fn time_out_decision_task(
        &mut self,
        id: ExecId,
        scheduled_event_id: i64,
        started_event_id: i64,
        timeout_type: &str,
    ) {
        self.drop_decision_task(id);
        if let Some(execution) = self.execution_mut(id) {
            execution.sticky = None;
        }

        let attributes = Obj::new()
            .set("timeoutType", timeout_type)
            .set("scheduledEventId", scheduled_event_id)
            .set("startedEventId", started_event_id);
        self.record(id, EventType::DecisionTaskTimedOut, attributes);
    }
}
