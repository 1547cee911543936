//! Builders for the decisions with many settings, and [`DecisionList`], which checks each
//! decision against SWF's limits as it is added.

use crate::decision::{
    Decision, Decisions, ScheduleActivityTaskDecisionAttributes, ScheduleLambdaFunctionDecisionAttributes,
    StartChildWorkflowExecutionDecisionAttributes, StartTimerDecisionAttributes,
};
use crate::types::{ActivityType, ChildPolicy, TaskList, WorkflowType};

use super::limits::{LimitError, Timeout, Violation, attributes_prefix, check_decision, check_decisions};

/// Builds a `ScheduleActivityTask` decision. Settings left unset come from the activity
/// type's registered defaults.
#[derive(Clone, Debug)]
pub struct ActivityTask {
    attributes: ScheduleActivityTaskDecisionAttributes,
}

impl ActivityTask {
    pub fn new(activity_id: impl Into<String>, activity_type: ActivityType) -> Self {
        Self {
            attributes: ScheduleActivityTaskDecisionAttributes {
                activity_id: activity_id.into(),
                activity_type,
                ..Default::default()
            },
        }
    }

    pub fn input(mut self, input: impl Into<String>) -> Self {
        self.attributes.input = Some(input.into());
        self
    }

    /// Sets data kept in the history for the decider; SWF never sends it to the worker.
    pub fn control(mut self, control: impl Into<String>) -> Self {
        self.attributes.control = Some(control.into());
        self
    }

    pub fn task_list(mut self, name: impl Into<String>) -> Self {
        self.attributes.task_list = Some(TaskList::new(name));
        self
    }

    /// Sets the priority within the task list; higher values are dispatched first.
    pub fn task_priority(mut self, priority: i32) -> Self {
        self.attributes.task_priority = Some(priority.to_string());
        self
    }

    pub fn schedule_to_start_timeout(mut self, timeout: Timeout) -> Self {
        self.attributes.schedule_to_start_timeout = Some(timeout.to_wire());
        self
    }

    pub fn schedule_to_close_timeout(mut self, timeout: Timeout) -> Self {
        self.attributes.schedule_to_close_timeout = Some(timeout.to_wire());
        self
    }

    pub fn start_to_close_timeout(mut self, timeout: Timeout) -> Self {
        self.attributes.start_to_close_timeout = Some(timeout.to_wire());
        self
    }

    pub fn heartbeat_timeout(mut self, timeout: Timeout) -> Self {
        self.attributes.heartbeat_timeout = Some(timeout.to_wire());
        self
    }

    /// Returns the decision, or the first setting that breaks one of SWF's limits.
    pub fn build(self) -> Result<Decision, LimitError> {
        checked(Decision::ScheduleActivityTask(self.attributes))
    }
}

/// Builds a `StartTimer` decision.
#[derive(Clone, Debug)]
pub struct Timer {
    attributes: StartTimerDecisionAttributes,
}

impl Timer {
    /// Starts timer `timer_id`, which fires `seconds` seconds later (at most 99,999,999).
    pub fn new(timer_id: impl Into<String>, seconds: u64) -> Self {
        Self {
            attributes: StartTimerDecisionAttributes {
                timer_id: timer_id.into(),
                start_to_fire_timeout: seconds.to_string(),
                ..Default::default()
            },
        }
    }

    /// Sets data kept in the history with the timer, such as what to do when it fires.
    pub fn control(mut self, control: impl Into<String>) -> Self {
        self.attributes.control = Some(control.into());
        self
    }

    /// Returns the decision, or the first setting that breaks one of SWF's limits.
    pub fn build(self) -> Result<Decision, LimitError> {
        checked(Decision::StartTimer(self.attributes))
    }
}

/// Builds a `ScheduleLambdaFunction` decision: SWF invokes an AWS Lambda function itself,
/// with no activity worker. The execution needs a Lambda role (`lambdaRole` when it starts,
/// or the workflow type's default), or SWF rejects the decision.
#[derive(Clone, Debug)]
pub struct LambdaFunction {
    attributes: ScheduleLambdaFunctionDecisionAttributes,
}

impl LambdaFunction {
    /// Schedules function `name` (a name or an ARN of 1 to 64 characters) as task `id`,
    /// which must be unique among the execution's open Lambda tasks.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            attributes: ScheduleLambdaFunctionDecisionAttributes {
                id: id.into(),
                name: name.into(),
                ..Default::default()
            },
        }
    }

    /// Sets the function's input, at most 32,768 characters.
    pub fn input(mut self, input: impl Into<String>) -> Self {
        self.attributes.input = Some(input.into());
        self
    }

    /// Sets data kept in the history for the decider; SWF does not pass it to the function.
    pub fn control(mut self, control: impl Into<String>) -> Self {
        self.attributes.control = Some(control.into());
        self
    }

    /// Sets how long the function may run, from 1 to 900 seconds. Without it SWF applies
    /// its default.
    pub fn start_to_close_timeout_secs(mut self, seconds: u64) -> Self {
        self.attributes.start_to_close_timeout = Some(seconds.to_string());
        self
    }

    /// Returns the decision, or the first setting that breaks one of SWF's limits.
    pub fn build(self) -> Result<Decision, LimitError> {
        checked(Decision::ScheduleLambdaFunction(self.attributes))
    }
}

/// Builds a `StartChildWorkflowExecution` decision. Settings left unset come from the child
/// workflow type's registered defaults.
#[derive(Clone, Debug)]
pub struct ChildWorkflow {
    attributes: StartChildWorkflowExecutionDecisionAttributes,
}

impl ChildWorkflow {
    pub fn new(workflow_id: impl Into<String>, workflow_type: WorkflowType) -> Self {
        Self {
            attributes: StartChildWorkflowExecutionDecisionAttributes {
                workflow_id: workflow_id.into(),
                workflow_type,
                ..Default::default()
            },
        }
    }

    pub fn input(mut self, input: impl Into<String>) -> Self {
        self.attributes.input = Some(input.into());
        self
    }

    pub fn control(mut self, control: impl Into<String>) -> Self {
        self.attributes.control = Some(control.into());
        self
    }

    pub fn task_list(mut self, name: impl Into<String>) -> Self {
        self.attributes.task_list = Some(TaskList::new(name));
        self
    }

    pub fn execution_start_to_close_timeout(mut self, timeout: Timeout) -> Self {
        self.attributes.execution_start_to_close_timeout = Some(timeout.to_wire());
        self
    }

    pub fn task_start_to_close_timeout(mut self, timeout: Timeout) -> Self {
        self.attributes.task_start_to_close_timeout = Some(timeout.to_wire());
        self
    }

    pub fn child_policy(mut self, child_policy: ChildPolicy) -> Self {
        self.attributes.child_policy = Some(child_policy);
        self
    }

    /// Adds a tag; SWF accepts at most 5.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.attributes.tag_list.get_or_insert_with(Vec::new).push(tag.into());
        self
    }

    pub fn lambda_role(mut self, role_arn: impl Into<String>) -> Self {
        self.attributes.lambda_role = Some(role_arn.into());
        self
    }

    /// Returns the decision, or the first setting that breaks one of SWF's limits.
    pub fn build(self) -> Result<Decision, LimitError> {
        checked(Decision::StartChildWorkflowExecution(self.attributes))
    }
}

fn checked(decision: Decision) -> Result<Decision, LimitError> {
    check_decision(&decision)?;
    Ok(decision)
}

/// The decisions of one response, checked against SWF's limits as they are added.
///
/// [`push`](Self::push) rejects a decision that breaks a member's limit and any decision
/// after one that closes the execution, and [`finish`](Self::finish) rejects a list whose
/// JSON does not fit in SWF's 1 MB request.
#[derive(Clone, Debug, Default)]
pub struct DecisionList {
    decisions: Decisions,
    closing_index: Option<usize>,
}

impl DecisionList {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a decision after checking its members. It is rejected, and the list unchanged,
    /// when a decision that closes the execution is already in the list.
    pub fn push(&mut self, decision: impl Into<Decision>) -> Result<&mut Self, LimitError> {
        let decision = decision.into();
        let index = self.decisions.decisions.len();
        check_decision(&decision).map_err(|error| error.within(&attributes_prefix(index, &decision)))?;

        if let Some(closing_index) = self.closing_index {
            let violation = if decision.is_closing() {
                Violation::MultipleClosingDecisions {
                    first: closing_index,
                    second: index,
                }
            } else {
                Violation::ClosingDecisionNotLast {
                    index: closing_index,
                    decision_type: self.decisions.decisions[closing_index].decision_type().to_owned(),
                }
            };
            return Err(LimitError::new("decisions", violation));
        }

        if decision.is_closing() {
            self.closing_index = Some(index);
        }
        self.decisions.decisions.push(decision);
        Ok(self)
    }

    /// Adds every decision in order, stopping at the first one rejected.
    pub fn extend(&mut self, decisions: impl IntoIterator<Item = Decision>) -> Result<&mut Self, LimitError> {
        for decision in decisions {
            self.push(decision)?;
        }
        Ok(self)
    }

    /// Sets the execution context SWF stores with the `DecisionTaskCompleted` event.
    pub fn execution_context(&mut self, execution_context: impl Into<String>) -> &mut Self {
        self.decisions.execution_context = Some(execution_context.into());
        self
    }

    /// Returns whether the list has a decision that closes the execution.
    pub fn closes_execution(&self) -> bool {
        self.closing_index.is_some()
    }

    pub fn len(&self) -> usize {
        self.decisions.decisions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.decisions.decisions.is_empty()
    }

    pub fn decisions(&self) -> &[Decision] {
        &self.decisions.decisions
    }

    /// Returns the response after checking it whole, including its size.
    pub fn finish(self) -> Result<Decisions, LimitError> {
        check_decisions(&self.decisions)?;
        Ok(self.decisions)
    }
}
