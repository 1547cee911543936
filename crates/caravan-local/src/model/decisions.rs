//! Decisions of a RespondDecisionTaskCompleted request, after their shape was validated.

use super::domain::TypeKey;
use super::execution::RunSettings;
use super::values::Timeout;

#[derive(Clone, Debug)]
pub(crate) enum Decision {
    ScheduleActivityTask(ScheduleActivity),
    RequestCancelActivityTask {
        activity_id: String,
    },
    CompleteWorkflowExecution {
        result: Option<String>,
    },
    FailWorkflowExecution {
        reason: Option<String>,
        details: Option<String>,
    },
    CancelWorkflowExecution {
        details: Option<String>,
    },
    ContinueAsNewWorkflowExecution(ContinueAsNew),
    RecordMarker {
        marker_name: String,
        details: Option<String>,
    },
    StartTimer(StartTimer),
    CancelTimer {
        timer_id: String,
    },
    SignalExternalWorkflowExecution(SignalExternal),
    RequestCancelExternalWorkflowExecution(CancelExternal),
    StartChildWorkflowExecution(StartChild),
    ScheduleLambdaFunction(ScheduleLambda),
}

impl Decision {
    /// Tells whether the decision closes the execution; such a decision must be the last of its list.
    pub(crate) fn is_closing(&self) -> bool {
        matches!(
            self,
            Decision::CompleteWorkflowExecution { .. }
                | Decision::FailWorkflowExecution { .. }
                | Decision::CancelWorkflowExecution { .. }
                | Decision::ContinueAsNewWorkflowExecution(_)
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ScheduleActivity {
    pub(crate) activity_type: TypeKey,
    pub(crate) activity_id: String,
    pub(crate) control: Option<String>,
    pub(crate) input: Option<String>,
    pub(crate) task_list: Option<String>,
    pub(crate) task_priority: Option<i32>,
    pub(crate) schedule_to_start: Option<Timeout>,
    pub(crate) schedule_to_close: Option<Timeout>,
    pub(crate) start_to_close: Option<Timeout>,
    pub(crate) heartbeat: Option<Timeout>,
}

#[derive(Clone, Debug)]
pub(crate) struct StartTimer {
    pub(crate) timer_id: String,
    pub(crate) control: Option<String>,
    pub(crate) start_to_fire: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct ContinueAsNew {
    pub(crate) input: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) workflow_type_version: Option<String>,
    pub(crate) settings: RunSettings,
}

#[derive(Clone, Debug)]
pub(crate) struct SignalExternal {
    pub(crate) workflow_id: String,
    pub(crate) run_id: Option<String>,
    pub(crate) signal_name: String,
    pub(crate) input: Option<String>,
    pub(crate) control: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct CancelExternal {
    pub(crate) workflow_id: String,
    pub(crate) run_id: Option<String>,
    pub(crate) control: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct StartChild {
    pub(crate) workflow_type: TypeKey,
    pub(crate) workflow_id: String,
    pub(crate) control: Option<String>,
    pub(crate) input: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) settings: RunSettings,
}

#[derive(Clone, Debug)]
pub(crate) struct ScheduleLambda {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) control: Option<String>,
    pub(crate) input: Option<String>,
    /// Seconds from 1 to 900; `None` takes SWF's default of 900.
    pub(crate) start_to_close: Option<u64>,
}
