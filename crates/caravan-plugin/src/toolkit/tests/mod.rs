//! Tests of the toolkit over histories built from the SDK's typed events.

mod events;
mod limits;
mod retry;
mod state;

use crate::history::{
    DecisionTask, DecisionTaskCompletedEventAttributes, DecisionTaskScheduledEventAttributes,
    DecisionTaskStartedEventAttributes, EventAttributes, HistoryEvent,
};
use crate::types::{TaskList, WorkflowExecution, WorkflowType};

use super::WorkflowState;

/// A history under construction. Event ids count from 1 in the order events are added.
struct History {
    events: Vec<HistoryEvent>,
    previous_started_event_id: i64,
}

impl History {
    /// Starts a history with `WorkflowExecutionStarted`.
    fn new(input: Option<&str>) -> Self {
        let mut history = Self {
            events: Vec::new(),
            previous_started_event_id: 0,
        };
        history.add(events::started(input));
        history
    }

    /// Appends an event and returns its id.
    fn add(&mut self, attributes: impl Into<EventAttributes>) -> i64 {
        let event_id = self.events.len() as i64 + 1;
        self.events.push(HistoryEvent::new(
            event_id,
            1_735_689_600.0 + event_id as f64,
            attributes,
        ));
        event_id
    }

    /// Appends a decision task that a decider completed, so the events so far are old to
    /// the next task. Returns the id of its `DecisionTaskCompleted` event.
    fn decided(&mut self) -> i64 {
        let (scheduled_event_id, started_event_id) = self.add_decision_task();
        self.previous_started_event_id = started_event_id;
        self.add(DecisionTaskCompletedEventAttributes {
            scheduled_event_id,
            started_event_id,
            execution_context: None,
            task_list: None,
            task_list_schedule_to_start_timeout: None,
            unknown_fields: Default::default(),
        })
    }

    fn add_decision_task(&mut self) -> (i64, i64) {
        let scheduled_event_id = self.add(DecisionTaskScheduledEventAttributes {
            task_list: TaskList::new("deciders"),
            task_priority: None,
            start_to_close_timeout: None,
            schedule_to_start_timeout: None,
            unknown_fields: Default::default(),
        });
        let started_event_id = self.add(DecisionTaskStartedEventAttributes {
            scheduled_event_id,
            identity: None,
            unknown_fields: Default::default(),
        });
        (scheduled_event_id, started_event_id)
    }

    /// Returns the decision task that SWF would hand out now.
    fn task(&self) -> DecisionTask {
        let mut history = Self {
            events: self.events.clone(),
            previous_started_event_id: self.previous_started_event_id,
        };
        let (_, started_event_id) = history.add_decision_task();

        DecisionTask {
            started_event_id,
            previous_started_event_id: self.previous_started_event_id,
            workflow_execution: WorkflowExecution::new("order-42", "run-1"),
            workflow_type: WorkflowType::new("Order", "1"),
            events: history.events,
        }
    }

    fn state(&self) -> WorkflowState {
        WorkflowState::from_task(&self.task())
    }
}
