//! Applying the decisions of a completed decision task.
//!
//! A decision that cannot be carried out is not an HTTP error: it records its `*Failed` event with a
//! cause, which requests another decision task. The decisions that involve other runs (signals, cancel
//! requests, child executions) are in `external.rs`, activity tasks in `activities.rs`, Lambda
//! functions in `lambdas.rs` and timers in `timers.rs`.

use super::State;
use super::lifecycle::{Closing, TypeProblem};
use crate::json::Obj;
use crate::model::decisions::{ContinueAsNew, Decision};
use crate::model::domain::TypeKey;
use crate::model::events::EventType;
use crate::model::execution::ExecId;

/// Cause of a closing decision refused because events arrived while the decider was deciding.
const UNHANDLED_DECISION: &str = "UNHANDLED_DECISION";

/// The decision task whose decisions are being applied.
pub(crate) struct DecisionContext {
    pub(crate) exec: ExecId,
    /// Id of the `DecisionTaskCompleted` event; every event of a decision refers to it.
    pub(crate) completed_event_id: i64,
    /// Whether an event that needs the decider was recorded after the task started. Closing decisions
    /// are then refused, because the decider has not seen that event.
    pub(crate) unhandled_events: bool,
}

impl State {
    pub(crate) fn apply_decision(&mut self, context: &DecisionContext, decision: Decision) {
        match decision {
            Decision::ScheduleActivityTask(schedule) => self.schedule_activity(context, schedule),
            Decision::RequestCancelActivityTask { activity_id } => self.request_cancel_activity(context, &activity_id),
            Decision::RecordMarker { marker_name, details } => {
                let attributes = Obj::new()
                    .set("markerName", marker_name)
                    .set_opt("details", details)
                    .set("decisionTaskCompletedEventId", context.completed_event_id);
                self.record(context.exec, EventType::MarkerRecorded, attributes);
            }
            Decision::StartTimer(start) => self.start_timer(context, start),
            Decision::CancelTimer { timer_id } => self.cancel_timer(context, &timer_id),
            Decision::SignalExternalWorkflowExecution(signal) => self.signal_external(context, signal),
            Decision::RequestCancelExternalWorkflowExecution(cancel) => self.request_cancel_external(context, cancel),
            Decision::StartChildWorkflowExecution(start) => self.start_child(context, start),
            Decision::ScheduleLambdaFunction(schedule) => self.schedule_lambda(context, schedule),
            closing => self.apply_closing_decision(context, closing),
        }
    }

    /// Closes the run, unless events arrived that the decider has not seen.
    fn apply_closing_decision(&mut self, context: &DecisionContext, decision: Decision) {
        if context.unhandled_events {
            self.reject_closing_decision(context, &decision, UNHANDLED_DECISION);
            return;
        }

        let completed_event_id = context.completed_event_id;
        match decision {
            Decision::CompleteWorkflowExecution { result } => {
                self.close_run(
                    context.exec,
                    Closing::Completed {
                        result,
                        completed_event_id,
                    },
                );
            }
            Decision::FailWorkflowExecution { reason, details } => {
                self.close_run(
                    context.exec,
                    Closing::Failed {
                        reason,
                        details,
                        completed_event_id,
                    },
                );
            }
            Decision::CancelWorkflowExecution { details } => {
                self.close_run(
                    context.exec,
                    Closing::Canceled {
                        details,
                        completed_event_id,
                    },
                );
            }
            Decision::ContinueAsNewWorkflowExecution(continuation) => {
                self.continue_by_decision(context, continuation);
            }
            _ => {}
        }
    }

    fn reject_closing_decision(&mut self, context: &DecisionContext, decision: &Decision, cause: &str) {
        let event_type = match decision {
            Decision::CompleteWorkflowExecution { .. } => EventType::CompleteWorkflowExecutionFailed,
            Decision::FailWorkflowExecution { .. } => EventType::FailWorkflowExecutionFailed,
            Decision::CancelWorkflowExecution { .. } => EventType::CancelWorkflowExecutionFailed,
            _ => EventType::ContinueAsNewWorkflowExecutionFailed,
        };
        let attributes = Obj::new()
            .set("cause", cause)
            .set("decisionTaskCompletedEventId", context.completed_event_id);
        self.record(context.exec, event_type, attributes);
    }

    /// Continues the run as a new run of the same workflow id. Settings the decision leaves out come
    /// from the workflow type's defaults, not from the closing run.
    fn continue_by_decision(&mut self, context: &DecisionContext, continuation: ContinueAsNew) {
        let Some(execution) = self.execution(context.exec) else {
            return;
        };
        let workflow_type = TypeKey {
            name: execution.workflow_type.name.clone(),
            version: continuation
                .workflow_type_version
                .clone()
                .unwrap_or_else(|| execution.workflow_type.version.clone()),
        };
        let domain = execution.domain.clone();

        let defaults = match self.startable_workflow_type(&domain, &workflow_type) {
            Ok(defaults) => defaults.clone(),
            Err(problem) => {
                let cause = match problem {
                    TypeProblem::Missing => "WORKFLOW_TYPE_DOES_NOT_EXIST",
                    TypeProblem::Deprecated => "WORKFLOW_TYPE_DEPRECATED",
                };
                self.reject_closing_decision(context, &Decision::ContinueAsNewWorkflowExecution(continuation), cause);
                return;
            }
        };
        let config = match continuation.settings.resolve(&defaults) {
            Ok(config) => config,
            Err(missing) => {
                let cause = missing.decision_cause();
                self.reject_closing_decision(context, &Decision::ContinueAsNewWorkflowExecution(continuation), cause);
                return;
            }
        };

        self.continue_as_new(
            context.exec,
            context.completed_event_id,
            workflow_type,
            config,
            continuation,
        );
    }
}
