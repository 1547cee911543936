//! Timers started by StartTimer decisions.

use super::State;
use super::clock::Deadline;
use super::decisions::DecisionContext;
use crate::json::Obj;
use crate::model::decisions::StartTimer;
use crate::model::events::EventType;
use crate::model::execution::ExecId;
use crate::model::values::seconds_to_millis;

/// Most open timers in one run.
pub(crate) const MAX_OPEN_TIMERS: usize = 1_000;

impl State {
    /// Applies a StartTimer decision. A timer id is in use only while its timer is open.
    pub(crate) fn start_timer(&mut self, context: &DecisionContext, start: StartTimer) {
        let cause = match self.execution(context.exec) {
            Some(execution) if execution.timers.contains_key(&start.timer_id) => Some("TIMER_ID_ALREADY_IN_USE"),
            Some(execution) if execution.timers.len() >= MAX_OPEN_TIMERS => Some("OPEN_TIMERS_LIMIT_EXCEEDED"),
            Some(_) => None,
            None => return,
        };
        if let Some(cause) = cause {
            let attributes = Obj::new()
                .set("timerId", start.timer_id)
                .set("cause", cause)
                .set("decisionTaskCompletedEventId", context.completed_event_id);
            self.record(context.exec, EventType::StartTimerFailed, attributes);
            return;
        }

        let attributes = Obj::new()
            .set("timerId", start.timer_id.clone())
            .set_opt("control", start.control)
            .set("startToFireTimeout", start.start_to_fire.to_string())
            .set("decisionTaskCompletedEventId", context.completed_event_id);
        let started_event_id = self.record(context.exec, EventType::TimerStarted, attributes);

        if let Some(execution) = self.execution_mut(context.exec) {
            execution.timers.insert(start.timer_id.clone(), started_event_id);
        }
        let fires_at = self.now.saturating_add(seconds_to_millis(start.start_to_fire));
        let deadline = Deadline::Timer {
            exec: context.exec,
            timer_id: start.timer_id,
            started_event_id,
        };
        self.clock.add(fires_at, deadline);
    }

    /// Applies a CancelTimer decision; a timer that already fired is unknown.
    pub(crate) fn cancel_timer(&mut self, context: &DecisionContext, timer_id: &str) {
        let started = self
            .execution_mut(context.exec)
            .and_then(|execution| execution.timers.remove(timer_id));

        let attributes = Obj::new().set("timerId", timer_id);
        let (event_type, attributes) = match started {
            Some(started_event_id) => (
                EventType::TimerCanceled,
                attributes.set("startedEventId", started_event_id),
            ),
            None => (
                EventType::CancelTimerFailed,
                attributes.set("cause", "TIMER_ID_UNKNOWN"),
            ),
        };
        let attributes = attributes.set("decisionTaskCompletedEventId", context.completed_event_id);
        self.record(context.exec, event_type, attributes);
    }

    /// Records `TimerFired` if the timer is still open.
    pub(crate) fn fire_timer(&mut self, id: ExecId, timer_id: &str, started_event_id: i64) {
        let open = self
            .execution_mut(id)
            .filter(|execution| execution.is_open() && execution.timers.get(timer_id) == Some(&started_event_id))
            .and_then(|execution| execution.timers.remove(timer_id));
        if open.is_none() {
            return;
        }

        let attributes = Obj::new()
            .set("timerId", timer_id)
            .set("startedEventId", started_event_id);
        self.record(id, EventType::TimerFired, attributes);
    }
}
