//! Lambda functions: scheduling by decision, the start once the decisions are applied, results from
//! the runner, the start-to-close timeout, and the drop when the run closes.
//!
//! The engine only records events and hands each started function to the runner (`crate::lambda`)
//! through a channel, so no process is started or awaited under the state lock.

use std::collections::{BTreeMap, HashSet};

use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use super::State;
use super::clock::Deadline;
use super::decisions::DecisionContext;
use crate::json::Obj;
use crate::lambda::{FunctionOutcome, Launch};
use crate::model::decisions::ScheduleLambda;
use crate::model::events::EventType;
use crate::model::execution::{ExecId, LambdaState, LambdaTask};
use crate::model::values::seconds_to_millis;

/// Most open (scheduled or running) Lambda functions in one run.
// NOTE: SWF documents OPEN_LAMBDA_FUNCTIONS_LIMIT_EXCEEDED but no number; 1,000 is its limit on open
// activities, timers and children.
pub(crate) const MAX_OPEN_LAMBDAS: usize = 1_000;

/// SWF's default and maximum `startToCloseTimeout` of a Lambda function, in seconds.
pub(crate) const DEFAULT_LAMBDA_TIMEOUT_SECS: u64 = 900;

/// Longest `reason` SWF accepts in LambdaFunctionFailed.
const MAX_REASON_CHARS: usize = 256;

/// Longest `message` SWF accepts in StartLambdaFunctionFailed.
const MAX_CAUSE_MESSAGE_CHARS: usize = 1_728;

/// The configured Lambda functions and the channel to the runner.
pub(crate) struct LambdaFunctions {
    /// Function name to the shell command that runs it.
    commands: BTreeMap<String, String>,
    launches: mpsc::UnboundedSender<Launch>,
    /// Function names already warned about as not configured, so that a decider that retries does
    /// not flood the log.
    warned: HashSet<String>,
}

impl LambdaFunctions {
    pub(crate) fn new(commands: BTreeMap<String, String>, launches: mpsc::UnboundedSender<Launch>) -> LambdaFunctions {
        LambdaFunctions {
            commands,
            launches,
            warned: HashSet::new(),
        }
    }

    /// Finds the command for a decision's `name`: the function name itself, or the name inside a
    /// function ARN such as `arn:aws:lambda:us-east-1:123456789012:function:resize:live`.
    fn command(&self, name: &str) -> Option<&String> {
        self.commands
            .get(name)
            .or_else(|| function_name_in_arn(name).and_then(|function| self.commands.get(function)))
    }
}

/// Returns the function name of a full or partial Lambda ARN (`...:function:NAME` with an optional
/// `:QUALIFIER`).
fn function_name_in_arn(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":function:")?;
    let name = rest.split(':').next()?;
    (!name.is_empty()).then_some(name)
}

/// Tells whether `role` has the shape of an IAM role ARN, `arn:PARTITION:iam::ACCOUNT:role/NAME`.
fn is_role_arn(role: &str) -> bool {
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    let account_valid = account.len() == 12 && account.bytes().all(|byte| byte.is_ascii_digit());
    let name = resource.strip_prefix("role/").unwrap_or_default();
    prefix == "arn"
        && !partition.is_empty()
        && service == "iam"
        && region.is_empty()
        && account_valid
        && !name.is_empty()
}

impl State {
    /// Applies a ScheduleLambdaFunction decision: records `LambdaFunctionScheduled`, or
    /// `ScheduleLambdaFunctionFailed` with the cause. The function starts after the other decisions.
    pub(crate) fn schedule_lambda(&mut self, context: &DecisionContext, decision: ScheduleLambda) {
        if let Some(cause) = self.lambda_schedule_problem(context.exec, &decision.id) {
            let attributes = Obj::new()
                .set("id", decision.id)
                .set("name", decision.name)
                .set("cause", cause)
                .set("decisionTaskCompletedEventId", context.completed_event_id);
            self.record(context.exec, EventType::ScheduleLambdaFunctionFailed, attributes);
            return;
        }

        let start_to_close_secs = decision.start_to_close.unwrap_or(DEFAULT_LAMBDA_TIMEOUT_SECS);
        let attributes = Obj::new()
            .set("id", decision.id.clone())
            .set("name", decision.name.clone())
            .set_opt("control", decision.control)
            .set_opt("input", decision.input.clone())
            .set("startToCloseTimeout", start_to_close_secs.to_string())
            .set("decisionTaskCompletedEventId", context.completed_event_id);
        let scheduled_event_id = self.record(context.exec, EventType::LambdaFunctionScheduled, attributes);

        if let Some(execution) = self.execution_mut(context.exec) {
            let task = LambdaTask {
                id: decision.id,
                name: decision.name,
                input: decision.input,
                start_to_close_secs,
                state: LambdaState::Scheduled,
            };
            execution.lambdas.insert(scheduled_event_id, task);
        }
    }

    /// Returns the cause that keeps a function with this id from being scheduled in the run.
    fn lambda_schedule_problem(&self, id: ExecId, function_id: &str) -> Option<&'static str> {
        let execution = self.execution(id)?;
        // NOTE: SWF documents that a run without a Lambda role cannot schedule functions but not the
        // cause it records; LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION is the closest of the four.
        if execution.config.lambda_role.is_none() {
            return Some("LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION");
        }
        if execution.lambdas.values().any(|task| task.id == function_id) {
            return Some("ID_ALREADY_IN_USE");
        }
        if execution.lambdas.len() >= MAX_OPEN_LAMBDAS {
            return Some("OPEN_LAMBDA_FUNCTIONS_LIMIT_EXCEEDED");
        }
        None
    }

    /// Starts the run's scheduled functions, in the order they were scheduled.
    pub(crate) fn start_scheduled_lambdas(&mut self, id: ExecId) {
        let scheduled: Vec<i64> = match self.execution(id).filter(|execution| execution.is_open()) {
            Some(execution) => execution
                .lambdas
                .iter()
                .filter(|(_, task)| matches!(task.state, LambdaState::Scheduled))
                .map(|(scheduled_event_id, _)| *scheduled_event_id)
                .collect(),
            None => return,
        };
        for scheduled_event_id in scheduled {
            self.start_lambda(id, scheduled_event_id);
        }
    }

    /// Records `LambdaFunctionStarted` and hands the command to the runner, or records
    /// `StartLambdaFunctionFailed` when the role is no IAM role ARN or no command is configured.
    fn start_lambda(&mut self, id: ExecId, scheduled_event_id: i64) {
        let Some(execution) = self.execution(id) else {
            return;
        };
        let Some(task) = execution.lambdas.get(&scheduled_event_id) else {
            return;
        };
        let role = execution.config.lambda_role.clone().unwrap_or_default();
        let workflow_id = execution.workflow_id.clone();
        let name = task.name.clone();
        let input = task.input.clone();
        let start_to_close_secs = task.start_to_close_secs;

        if !is_role_arn(&role) {
            let message = format!(
                "Unable to assume the role '{role}': it is not an IAM role ARN such as arn:aws:iam::123456789012:role/NAME"
            );
            self.fail_lambda_start(id, scheduled_event_id, Some("ASSUME_ROLE_FAILED"), &message);
            return;
        }
        let Some(command) = self.lambda.command(&name).cloned() else {
            self.warn_unconfigured(&name, &workflow_id);
            let message = format!("Function not found: no command is configured for the Lambda function '{name}'");
            self.fail_lambda_start(id, scheduled_event_id, None, &message);
            return;
        };

        let attributes = Obj::new().set("scheduledEventId", scheduled_event_id);
        let started_event_id = self.record(id, EventType::LambdaFunctionStarted, attributes);
        let (stop, stopped) = oneshot::channel();
        if let Some(task) = self
            .execution_mut(id)
            .and_then(|execution| execution.lambdas.get_mut(&scheduled_event_id))
        {
            task.state = LambdaState::Running {
                started_event_id,
                _stop: stop,
            };
        }
        let deadline = self.now.saturating_add(seconds_to_millis(start_to_close_secs));
        self.clock.add(
            deadline,
            Deadline::LambdaStartToClose {
                exec: id,
                scheduled_event_id,
            },
        );

        let launch = Launch {
            exec: id,
            scheduled_event_id,
            name,
            command,
            input,
            stopped,
        };
        if let Err(error) = self.lambda.launches.send(launch) {
            // Only after the endpoint stopped; the function then times out.
            debug!(function = %error.0.name, "Lambda function not run: the endpoint is stopping");
        }
    }

    fn warn_unconfigured(&mut self, name: &str, workflow_id: &str) {
        if self.lambda.warned.insert(name.to_string()) {
            warn!(
                function = name,
                workflow_id,
                "no command is configured for this Lambda function, so it fails to start; add a \
                 [lambda:NAME] section with `command = ...` to caravan's config file \
                 (Settings::lambda_functions for the library)"
            );
        }
    }

    fn fail_lambda_start(&mut self, id: ExecId, scheduled_event_id: i64, cause: Option<&str>, message: &str) {
        if let Some(execution) = self.execution_mut(id) {
            execution.lambdas.remove(&scheduled_event_id);
        }
        let attributes = Obj::new()
            .set("scheduledEventId", scheduled_event_id)
            .set_opt("cause", cause)
            .set("message", truncate_chars(message, MAX_CAUSE_MESSAGE_CHARS));
        self.record(id, EventType::StartLambdaFunctionFailed, attributes);
    }

    /// Records how a running function ended, unless it timed out or its run closed meanwhile.
    pub(crate) fn finish_lambda(&mut self, id: ExecId, scheduled_event_id: i64, outcome: FunctionOutcome) {
        let Some(started_event_id) = self.remove_running_lambda(id, scheduled_event_id) else {
            return;
        };

        let ids = Obj::new()
            .set("scheduledEventId", scheduled_event_id)
            .set("startedEventId", started_event_id);
        let (event_type, attributes) = match outcome {
            FunctionOutcome::Completed { result } => (EventType::LambdaFunctionCompleted, ids.set("result", result)),
            FunctionOutcome::Failed { reason, details } => (
                EventType::LambdaFunctionFailed,
                ids.set("reason", truncate_chars(&reason, MAX_REASON_CHARS))
                    .set_opt("details", details),
            ),
        };
        self.record(id, event_type, attributes);
    }

    /// Records `LambdaFunctionTimedOut` for a function still running at its deadline; removing it
    /// makes the runner kill its processes.
    pub(crate) fn lambda_timed_out(&mut self, id: ExecId, scheduled_event_id: i64) {
        let Some(started_event_id) = self.remove_running_lambda(id, scheduled_event_id) else {
            return;
        };
        let attributes = Obj::new()
            .set("scheduledEventId", scheduled_event_id)
            .set("startedEventId", started_event_id)
            .set("timeoutType", "START_TO_CLOSE");
        self.record(id, EventType::LambdaFunctionTimedOut, attributes);
    }

    /// Removes a running function of an open run and returns its started event id.
    fn remove_running_lambda(&mut self, id: ExecId, scheduled_event_id: i64) -> Option<i64> {
        let execution = self.execution_mut(id).filter(|execution| execution.is_open())?;
        let started_event_id = match execution.lambdas.get(&scheduled_event_id)?.state {
            LambdaState::Running { started_event_id, .. } => started_event_id,
            LambdaState::Scheduled => return None,
        };
        execution.lambdas.remove(&scheduled_event_id);
        Some(started_event_id)
    }

    /// Drops every open function of a closing run without recording anything; the runner kills the
    /// running ones.
    pub(crate) fn drop_lambdas(&mut self, id: ExecId) {
        if let Some(execution) = self.execution_mut(id) {
            execution.lambdas.clear();
        }
    }
}

/// Cuts `text` to at most `max` characters, never inside a character.
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_are_found_in_arns() {
        assert_eq!(
            function_name_in_arn("arn:aws:lambda:us-east-1:123456789012:function:resize"),
            Some("resize")
        );
        assert_eq!(
            function_name_in_arn("123456789012:function:resize:live"),
            Some("resize")
        );
        assert_eq!(function_name_in_arn("resize"), None);
    }

    #[test]
    fn role_arns_need_the_iam_role_shape() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/swf-lambda"));
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/path/name"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/someone"));
        assert!(!is_role_arn("arn:aws:iam::1234:role/short-account"));
        assert!(!is_role_arn("swf-lambda"));
    }

    #[test]
    fn truncate_chars_keeps_whole_characters() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hé", 5), "hé");
    }
}
