//! Reading and validating the `decisions` list of RespondDecisionTaskCompleted.
//!
//! Every decision is checked before any is applied: its type, the attributes member its type needs,
//! required members, lengths and value formats, and that a decision closing the execution comes last.
//! A violation anywhere rejects the whole request with a ValidationException and the task stays started.

use super::input::{Input, Length};
use super::shapes::{self, ARN, DATA, NAME, Naming, REASON, VERSION, check_name};
use crate::error::ApiError;
use crate::model::decisions::{
    CancelExternal, ContinueAsNew, Decision, ScheduleActivity, ScheduleLambda, SignalExternal, StartChild, StartTimer,
};
use crate::model::execution::RunSettings;
use crate::model::values::parse_seconds;

const DECISION_TYPES: &[&str] = &[
    "ScheduleActivityTask",
    "RequestCancelActivityTask",
    "CompleteWorkflowExecution",
    "FailWorkflowExecution",
    "CancelWorkflowExecution",
    "ContinueAsNewWorkflowExecution",
    "RecordMarker",
    "StartTimer",
    "CancelTimer",
    "SignalExternalWorkflowExecution",
    "RequestCancelExternalWorkflowExecution",
    "StartChildWorkflowExecution",
    "ScheduleLambdaFunction",
];

const FUNCTION_NAME: Length = Length::new(1, 64);

/// Reads the decisions of a response; a missing list means no decisions.
pub(crate) fn read_decisions(input: &mut Input) -> Result<Vec<Decision>, ApiError> {
    let Some(items) = input.object_list("decisions", None)? else {
        return Ok(Vec::new());
    };

    let count = items.len();
    let mut decisions = Vec::with_capacity(count);
    for (index, mut item) in items.into_iter().enumerate() {
        let decision_type = item.required_enumeration("decisionType", DECISION_TYPES)?;
        let Some(decision) = read_decision(&mut item, decision_type)? else {
            continue;
        };

        if decision.is_closing() && index + 1 < count {
            item.reject_string(
                "decisionType",
                decision_type,
                "A decision that closes the workflow execution must be the last decision in the list",
            );
        }
        decisions.push(decision);
    }
    Ok(decisions)
}

/// Returns the attributes member of a decision type, for example `startTimerDecisionAttributes`.
fn attributes_member(decision_type: &str) -> String {
    let mut member = String::with_capacity(decision_type.len() + 18);
    let mut characters = decision_type.chars();
    if let Some(first) = characters.next() {
        member.push(first.to_ascii_lowercase());
    }
    member.extend(characters);
    member.push_str("DecisionAttributes");
    member
}

fn read_decision(item: &mut Input, decision_type: &str) -> Result<Option<Decision>, ApiError> {
    let member = attributes_member(decision_type);
    let decision = match decision_type {
        "ScheduleActivityTask" => Decision::ScheduleActivityTask(schedule_activity(item.required_object(&member)?)?),
        "RequestCancelActivityTask" => {
            let mut attributes = item.required_object(&member)?;
            Decision::RequestCancelActivityTask {
                activity_id: attributes.required_string("activityId", NAME)?,
            }
        }
        "CompleteWorkflowExecution" => {
            let mut attributes = item.object_or_empty(&member)?;
            Decision::CompleteWorkflowExecution {
                result: attributes.string("result", DATA)?,
            }
        }
        "FailWorkflowExecution" => {
            let mut attributes = item.object_or_empty(&member)?;
            let reason = attributes.string("reason", REASON)?;
            Decision::FailWorkflowExecution {
                reason,
                details: attributes.string("details", DATA)?,
            }
        }
        "CancelWorkflowExecution" => {
            let mut attributes = item.object_or_empty(&member)?;
            Decision::CancelWorkflowExecution {
                details: attributes.string("details", DATA)?,
            }
        }
        "ContinueAsNewWorkflowExecution" => {
            Decision::ContinueAsNewWorkflowExecution(continue_as_new(item.object_or_empty(&member)?)?)
        }
        "RecordMarker" => {
            let mut attributes = item.required_object(&member)?;
            let marker_name = attributes.required_string("markerName", NAME)?;
            Decision::RecordMarker {
                marker_name,
                details: attributes.string("details", DATA)?,
            }
        }
        "StartTimer" => Decision::StartTimer(start_timer(item.required_object(&member)?)?),
        "CancelTimer" => {
            let mut attributes = item.required_object(&member)?;
            Decision::CancelTimer {
                timer_id: attributes.required_string("timerId", NAME)?,
            }
        }
        "SignalExternalWorkflowExecution" => {
            Decision::SignalExternalWorkflowExecution(signal_external(item.required_object(&member)?)?)
        }
        "RequestCancelExternalWorkflowExecution" => {
            let mut attributes = item.required_object(&member)?;
            Decision::RequestCancelExternalWorkflowExecution(CancelExternal {
                workflow_id: attributes.required_string("workflowId", NAME)?,
                run_id: shapes::optional_run_id(&mut attributes)?,
                control: attributes.string("control", DATA)?,
            })
        }
        "StartChildWorkflowExecution" => {
            Decision::StartChildWorkflowExecution(start_child(item.required_object(&member)?)?)
        }
        "ScheduleLambdaFunction" => Decision::ScheduleLambdaFunction(schedule_lambda(item.required_object(&member)?)?),
        _ => return Ok(None),
    };
    Ok(Some(decision))
}

fn schedule_activity(mut attributes: Input) -> Result<ScheduleActivity, ApiError> {
    let activity_type = shapes::type_key(&mut attributes, "activityType")?;
    let activity_id = attributes.required_string("activityId", NAME)?;
    check_name(&attributes, "activityId", &activity_id);
    Ok(ScheduleActivity {
        activity_type,
        activity_id,
        control: attributes.string("control", DATA)?,
        input: attributes.string("input", DATA)?,
        schedule_to_close: shapes::timeout(&mut attributes, "scheduleToCloseTimeout")?,
        task_list: shapes::task_list(&mut attributes, "taskList", Naming::Checked)?,
        task_priority: shapes::priority(&mut attributes, "taskPriority")?,
        schedule_to_start: shapes::timeout(&mut attributes, "scheduleToStartTimeout")?,
        start_to_close: shapes::timeout(&mut attributes, "startToCloseTimeout")?,
        heartbeat: shapes::timeout(&mut attributes, "heartbeatTimeout")?,
    })
}

fn start_timer(mut attributes: Input) -> Result<StartTimer, ApiError> {
    let timer_id = attributes.required_string("timerId", NAME)?;
    check_name(&attributes, "timerId", &timer_id);
    Ok(StartTimer {
        timer_id,
        control: attributes.string("control", DATA)?,
        start_to_fire: shapes::required_seconds(&mut attributes, "startToFireTimeout")?,
    })
}

/// Reads the run settings that StartChildWorkflowExecution and ContinueAsNewWorkflowExecution share.
fn run_settings(attributes: &mut Input) -> Result<RunSettings, ApiError> {
    Ok(RunSettings {
        execution_start_to_close: shapes::execution_timeout(attributes, "executionStartToCloseTimeout", true)?,
        task_list: shapes::task_list(attributes, "taskList", Naming::Checked)?,
        task_priority: shapes::priority(attributes, "taskPriority")?,
        task_start_to_close: shapes::timeout(attributes, "taskStartToCloseTimeout")?,
        child_policy: shapes::child_policy(attributes, "childPolicy")?,
        lambda_role: attributes.string("lambdaRole", ARN)?,
    })
}

fn continue_as_new(mut attributes: Input) -> Result<ContinueAsNew, ApiError> {
    Ok(ContinueAsNew {
        input: attributes.string("input", DATA)?,
        settings: run_settings(&mut attributes)?,
        tags: shapes::tag_list(&mut attributes)?,
        workflow_type_version: attributes.string("workflowTypeVersion", VERSION)?,
    })
}

fn signal_external(mut attributes: Input) -> Result<SignalExternal, ApiError> {
    Ok(SignalExternal {
        workflow_id: attributes.required_string("workflowId", NAME)?,
        run_id: shapes::optional_run_id(&mut attributes)?,
        signal_name: attributes.required_string("signalName", NAME)?,
        input: attributes.string("input", DATA)?,
        control: attributes.string("control", DATA)?,
    })
}

fn start_child(mut attributes: Input) -> Result<StartChild, ApiError> {
    let workflow_type = shapes::type_key(&mut attributes, "workflowType")?;
    let workflow_id = attributes.required_string("workflowId", NAME)?;
    check_name(&attributes, "workflowId", &workflow_id);
    Ok(StartChild {
        workflow_type,
        workflow_id,
        control: attributes.string("control", DATA)?,
        input: attributes.string("input", DATA)?,
        settings: run_settings(&mut attributes)?,
        tags: shapes::tag_list(&mut attributes)?,
    })
}

fn schedule_lambda(mut attributes: Input) -> Result<ScheduleLambda, ApiError> {
    let id = attributes.required_string("id", NAME)?;
    let name = attributes.required_string("name", FUNCTION_NAME)?;
    let control = attributes.string("control", DATA)?;
    let input = attributes.string("input", DATA)?;

    let mut start_to_close = None;
    if let Some(timeout) = attributes.string("startToCloseTimeout", Length::new(1, 8))? {
        start_to_close = parse_seconds(&timeout).filter(|seconds| (1..=900).contains(seconds));
        if start_to_close.is_none() {
            attributes.reject_string(
                "startToCloseTimeout",
                &timeout,
                "Member must be a whole number of seconds from 1 to 900",
            );
        }
    }
    Ok(ScheduleLambda {
        id,
        name,
        control,
        input,
        start_to_close,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Result<Vec<Decision>, ApiError> {
        let mut input = Input::parse(body.as_bytes()).expect("test body is a JSON object");
        let decisions = read_decisions(&mut input)?;
        input.finish()?;
        Ok(decisions)
    }

    fn validation_message(body: &str) -> String {
        match read(body) {
            Err(ApiError::Validation(message)) => message,
            other => panic!("expected a ValidationException, got {other:?}"),
        }
    }

    #[test]
    fn attributes_member_is_lower_camel_case() {
        assert_eq!(attributes_member("StartTimer"), "startTimerDecisionAttributes");
    }

    #[test]
    fn missing_timer_id_names_the_member() {
        let message = validation_message(
            r#"{"decisions": [{"decisionType": "StartTimer", "startTimerDecisionAttributes": {"startToFireTimeout": "5"}}]}"#,
        );

        assert_eq!(
            message,
            "1 validation error detected: Value null at 'decisions.1.member.startTimerDecisionAttributes.timerId' \
             failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn closing_decision_must_be_last() {
        let message = validation_message(
            r#"{"decisions": [{"decisionType": "CompleteWorkflowExecution"},
                              {"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {"markerName": "m"}}]}"#,
        );

        assert!(message.contains("'decisions.1.member.decisionType'"), "{message}");
        assert!(message.contains("must be the last decision"), "{message}");
    }

    #[test]
    fn unknown_decision_type_is_rejected() {
        let message = validation_message(r#"{"decisions": [{"decisionType": "Dance"}]}"#);

        assert!(message.contains("Member must satisfy enum value set"), "{message}");
    }

    #[test]
    fn closing_decisions_need_no_attributes() {
        let decisions = read(r#"{"decisions": [{"decisionType": "CancelWorkflowExecution"}]}"#).unwrap();

        assert!(matches!(
            decisions[..],
            [Decision::CancelWorkflowExecution { details: None }]
        ));
    }

    #[test]
    fn bad_timer_duration_is_rejected() {
        let message = validation_message(
            r#"{"decisions": [{"decisionType": "StartTimer", "startTimerDecisionAttributes": {"timerId": "t", "startToFireTimeout": "NONE"}}]}"#,
        );

        assert!(message.contains("startToFireTimeout"), "{message}");
    }
}
