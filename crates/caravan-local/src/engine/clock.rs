//! Deadlines: timers, task, Lambda function and execution timeouts, and the purge of closed executions.
//!
//! A deadline is only a reminder to look. When it fires, the handler checks that the task, timer or run
//! it names is still in the state the deadline was set for, and otherwise does nothing. So nothing has to
//! cancel a deadline when a task completes early. A stale entry stays in the map until its time and is
//! then dropped.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Notify;

use super::State;
use crate::model::execution::ExecId;
use crate::model::values::Millis;

/// One of the four clocks of an activity task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ActivityClock {
    ScheduleToStart,
    ScheduleToClose,
    StartToClose,
    Heartbeat,
}

impl ActivityClock {
    /// Returns the `timeoutType` recorded when this clock runs out.
    pub(crate) fn timeout_type(self) -> &'static str {
        match self {
            ActivityClock::ScheduleToStart => "SCHEDULE_TO_START",
            ActivityClock::ScheduleToClose => "SCHEDULE_TO_CLOSE",
            ActivityClock::StartToClose => "START_TO_CLOSE",
            ActivityClock::Heartbeat => "HEARTBEAT",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Deadline {
    /// A decision task on a sticky task list that no decider started in time.
    DecisionScheduleToStart {
        exec: ExecId,
        scheduled_event_id: i64,
    },
    DecisionStartToClose {
        exec: ExecId,
        scheduled_event_id: i64,
    },
    Activity {
        exec: ExecId,
        scheduled_event_id: i64,
        clock: ActivityClock,
    },
    Timer {
        exec: ExecId,
        timer_id: String,
        started_event_id: i64,
    },
    LambdaStartToClose {
        exec: ExecId,
        scheduled_event_id: i64,
    },
    ExecutionStartToClose {
        exec: ExecId,
    },
    /// The retention period of a closed run ended.
    Purge {
        exec: ExecId,
    },
}

pub(crate) struct Clock {
    /// Deadlines by time, then by the order they were set.
    deadlines: BTreeMap<(Millis, u64), Deadline>,
    next_sequence: u64,
    /// Wakes the clock task, which then sleeps until the new earliest deadline.
    wakeup: Arc<Notify>,
}

impl Clock {
    pub(crate) fn new(wakeup: Arc<Notify>) -> Clock {
        Clock {
            deadlines: BTreeMap::new(),
            next_sequence: 0,
            wakeup,
        }
    }

    pub(crate) fn add(&mut self, at: Millis, deadline: Deadline) {
        self.next_sequence += 1;
        self.deadlines.insert((at, self.next_sequence), deadline);
        self.wakeup.notify_one();
    }

    /// Returns the earliest deadline's time.
    pub(crate) fn next(&self) -> Option<Millis> {
        self.deadlines.first_key_value().map(|((at, _), _)| *at)
    }

    fn pop_due(&mut self, now: Millis) -> Option<(Millis, Deadline)> {
        let ((at, _), _) = self.deadlines.first_key_value()?;
        if *at > now {
            return None;
        }
        self.deadlines.pop_first().map(|((at, _), deadline)| (at, deadline))
    }
}

impl State {
    /// Fires every deadline due at `now`, earliest first; events they record carry the deadline's time.
    pub(crate) fn fire_due(&mut self, now: Millis) {
        while let Some((at, deadline)) = self.clock.pop_due(now) {
            self.now = at;
            self.fire(deadline);
        }
        self.now = now;
    }

    fn fire(&mut self, deadline: Deadline) {
        match deadline {
            Deadline::DecisionScheduleToStart {
                exec,
                scheduled_event_id,
            } => {
                self.decision_schedule_to_start_expired(exec, scheduled_event_id);
            }
            Deadline::DecisionStartToClose {
                exec,
                scheduled_event_id,
            } => {
                self.decision_start_to_close_expired(exec, scheduled_event_id);
            }
            Deadline::Activity {
                exec,
                scheduled_event_id,
                clock,
            } => {
                self.activity_clock_expired(exec, scheduled_event_id, clock);
            }
            Deadline::Timer {
                exec,
                timer_id,
                started_event_id,
            } => self.fire_timer(exec, &timer_id, started_event_id),
            Deadline::LambdaStartToClose {
                exec,
                scheduled_event_id,
            } => self.lambda_timed_out(exec, scheduled_event_id),
            Deadline::ExecutionStartToClose { exec } => self.execution_timed_out(exec),
            Deadline::Purge { exec } => self.purge(exec),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pop_due_returns_deadlines_in_time_order() {
        let mut clock = Clock::new(Arc::new(Notify::new()));
        clock.add(30, Deadline::Purge { exec: ExecId(3) });
        clock.add(10, Deadline::Purge { exec: ExecId(1) });
        clock.add(20, Deadline::Purge { exec: ExecId(2) });

        assert_eq!(clock.next(), Some(10));
        assert_eq!(clock.pop_due(25), Some((10, Deadline::Purge { exec: ExecId(1) })));
        assert_eq!(clock.pop_due(25), Some((20, Deadline::Purge { exec: ExecId(2) })));
        assert_eq!(clock.pop_due(25), None);
        assert_eq!(clock.next(), Some(30));
    }
}
