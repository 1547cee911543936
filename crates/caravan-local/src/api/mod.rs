//! The SWF operations: the action named by `X-Amz-Target`, the request body read and checked, the
//! engine called, and the response body built.

mod activity_tasks;
mod decision_tasks;
mod decisions;
mod domains;
mod executions;
pub(crate) mod input;
mod polling;
mod shapes;
mod tags;
mod types;
mod visibility;

use serde_json::Value;

use self::input::Input;
use self::types::{ActivityKind, WorkflowKind};
use crate::engine::State;
use crate::error::ApiError;
use crate::shared::Shared;

/// An operation that runs in one lock section.
type Operation = fn(&mut State, Input) -> Result<Value, ApiError>;

/// Extracts the action from an `X-Amz-Target` header. Both the current form
/// `SimpleWorkflowService.<Action>` and the legacy long form ending in it are accepted.
pub(crate) fn action_from_target(target: &str) -> Option<&str> {
    let (service, action) = target.rsplit_once('.')?;
    let known = service == "SimpleWorkflowService" || service.ends_with(".SimpleWorkflowService");
    (known && !action.is_empty()).then_some(action)
}

/// Tells whether `action` is one of the operations this endpoint serves.
pub(crate) fn is_known_action(action: &str) -> bool {
    matches!(action, "PollForDecisionTask" | "PollForActivityTask") || operation(action).is_some()
}

/// Runs an action with a request body and returns the response body.
pub(crate) async fn handle(shared: &Shared, action: &str, body: &[u8]) -> Result<Value, ApiError> {
    match action {
        "PollForDecisionTask" => {
            let request = decision_tasks::read_poll(Input::parse(body)?)?;
            decision_tasks::poll(shared, request).await
        }
        "PollForActivityTask" => {
            let request = activity_tasks::read_poll(Input::parse(body)?)?;
            activity_tasks::poll(shared, request).await
        }
        _ => {
            let operation =
                operation(action).ok_or_else(|| ApiError::UnknownOperation(format!("Unknown operation: {action}")))?;
            let input = Input::parse(body)?;
            shared.with_state(|state| operation(state, input))
        }
    }
}

fn operation(action: &str) -> Option<Operation> {
    let operation: Operation = match action {
        "RegisterDomain" => domains::register,
        "DeprecateDomain" => domains::deprecate,
        "UndeprecateDomain" => domains::undeprecate,
        "DescribeDomain" => domains::describe,
        "ListDomains" => domains::list,
        "TagResource" => tags::tag_resource,
        "UntagResource" => tags::untag_resource,
        "ListTagsForResource" => tags::list_tags,
        "RegisterActivityType" => types::register::<ActivityKind>,
        "DeprecateActivityType" => types::deprecate::<ActivityKind>,
        "UndeprecateActivityType" => types::undeprecate::<ActivityKind>,
        "DeleteActivityType" => types::delete::<ActivityKind>,
        "DescribeActivityType" => types::describe::<ActivityKind>,
        "ListActivityTypes" => types::list::<ActivityKind>,
        "RegisterWorkflowType" => types::register::<WorkflowKind>,
        "DeprecateWorkflowType" => types::deprecate::<WorkflowKind>,
        "UndeprecateWorkflowType" => types::undeprecate::<WorkflowKind>,
        "DeleteWorkflowType" => types::delete::<WorkflowKind>,
        "DescribeWorkflowType" => types::describe::<WorkflowKind>,
        "ListWorkflowTypes" => types::list::<WorkflowKind>,
        "StartWorkflowExecution" => executions::start,
        "SignalWorkflowExecution" => executions::signal,
        "RequestCancelWorkflowExecution" => executions::request_cancel,
        "TerminateWorkflowExecution" => executions::terminate,
        "DescribeWorkflowExecution" => executions::describe,
        "GetWorkflowExecutionHistory" => executions::history,
        "ListOpenWorkflowExecutions" => visibility::list_open,
        "ListClosedWorkflowExecutions" => visibility::list_closed,
        "CountOpenWorkflowExecutions" => visibility::count_open,
        "CountClosedWorkflowExecutions" => visibility::count_closed,
        "CountPendingDecisionTasks" => visibility::count_pending_decisions,
        "CountPendingActivityTasks" => visibility::count_pending_activities,
        "RespondDecisionTaskCompleted" => decision_tasks::respond,
        "RecordActivityTaskHeartbeat" => activity_tasks::heartbeat,
        "RespondActivityTaskCompleted" => activity_tasks::completed,
        "RespondActivityTaskFailed" => activity_tasks::failed,
        "RespondActivityTaskCanceled" => activity_tasks::canceled,
        _ => return None,
    };
    Some(operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_forms_are_accepted() {
        assert_eq!(
            action_from_target("SimpleWorkflowService.ListDomains"),
            Some("ListDomains")
        );
        assert_eq!(
            action_from_target("com.amazonaws.swf.service.model.SimpleWorkflowService.ListDomains"),
            Some("ListDomains")
        );
        assert_eq!(action_from_target("DynamoDB_20120810.ListTables"), None);
        assert_eq!(action_from_target("SimpleWorkflowService."), None);
        assert_eq!(action_from_target("ListDomains"), None);
    }

    #[test]
    fn all_39_operations_are_known() {
        let actions = [
            "CountClosedWorkflowExecutions",
            "CountOpenWorkflowExecutions",
            "CountPendingActivityTasks",
            "CountPendingDecisionTasks",
            "DeleteActivityType",
            "DeleteWorkflowType",
            "DeprecateActivityType",
            "DeprecateDomain",
            "DeprecateWorkflowType",
            "DescribeActivityType",
            "DescribeDomain",
            "DescribeWorkflowExecution",
            "DescribeWorkflowType",
            "GetWorkflowExecutionHistory",
            "ListActivityTypes",
            "ListClosedWorkflowExecutions",
            "ListDomains",
            "ListOpenWorkflowExecutions",
            "ListTagsForResource",
            "ListWorkflowTypes",
            "PollForActivityTask",
            "PollForDecisionTask",
            "RecordActivityTaskHeartbeat",
            "RegisterActivityType",
            "RegisterDomain",
            "RegisterWorkflowType",
            "RequestCancelWorkflowExecution",
            "RespondActivityTaskCanceled",
            "RespondActivityTaskCompleted",
            "RespondActivityTaskFailed",
            "RespondDecisionTaskCompleted",
            "SignalWorkflowExecution",
            "StartWorkflowExecution",
            "TagResource",
            "TerminateWorkflowExecution",
            "UndeprecateActivityType",
            "UndeprecateDomain",
            "UndeprecateWorkflowType",
            "UntagResource",
        ];

        assert_eq!(actions.len(), 39);
        for action in actions {
            assert!(is_known_action(action), "{action}");
        }
        assert!(!is_known_action("Frobnicate"));
    }
}
