//! `WorkflowState` built from typed histories.

use super::History;
use super::events::*;
use crate::toolkit::*;
use crate::types::*;

fn activity<'a>(state: &'a WorkflowState, id: &str) -> &'a TaskState {
    state.activities.get(id).expect("the activity is in the state")
}

#[test]
fn activity_scheduled_then_started() {
    let mut history = History::new(None);
    let scheduled = history.add(activity_scheduled("charge"));

    let state = history.state();
    let task = activity(&state, "charge");
    assert_eq!(task.status, TaskStatus::Scheduled);
    assert_eq!(task.scheduled_event_id, scheduled);
    assert_eq!(task.task_type, TaskType::Activity(ActivityType::new("Charge", "1")));
    assert_eq!(task.input.as_deref(), Some("{\"amount\":5}"));
    assert_eq!(task.control.as_deref(), Some("step-1"));
    assert_eq!(task.attempts, 1);

    let started = history.add(activity_started(scheduled));
    let state = history.state();
    assert_eq!(activity(&state, "charge").status, TaskStatus::Started);
    assert_eq!(activity(&state, "charge").started_event_id, started);
}

#[test]
fn activity_closing_events_set_status() {
    type Closing = fn(i64, i64) -> crate::history::EventAttributes;
    let cases: Vec<(TaskStatus, Closing)> = vec![
        (TaskStatus::Completed, |s, t| activity_completed(s, t, "paid").into()),
        (TaskStatus::Failed, |s, t| {
            activity_failed(s, t, "declined", "card expired").into()
        }),
        (TaskStatus::TimedOut, |s, t| {
            activity_timed_out(s, t, ActivityTaskTimeoutType::Heartbeat).into()
        }),
        (TaskStatus::Canceled, |s, t| activity_canceled(s, t).into()),
    ];

    for (expected, closing_event) in cases {
        let mut history = History::new(None);
        let scheduled = history.add(activity_scheduled("charge"));
        let started = history.add(activity_started(scheduled));
        let closed = history.add(closing_event(scheduled, started));

        let state = history.state();
        let task = activity(&state, "charge");
        assert_eq!(task.status, expected);
        assert_eq!(task.last_event_id, closed);
        assert!(!task.status.is_open(), "{expected:?}");
    }
}

#[test]
fn activity_result_and_failure_kept() {
    let mut history = History::new(None);
    let first = history.add(activity_scheduled("charge"));
    let started = history.add(activity_started(first));
    history.add(activity_completed(first, started, "paid"));
    let second = history.add(activity_scheduled("refund"));
    let started = history.add(activity_started(second));
    history.add(activity_failed(second, started, "declined", "card expired"));
    let third = history.add(activity_scheduled("ship"));
    history.add(activity_timed_out(third, 0, ActivityTaskTimeoutType::ScheduleToStart));

    let state = history.state();

    assert_eq!(activity(&state, "charge").result.as_deref(), Some("paid"));
    assert_eq!(activity(&state, "charge").failure, None);
    let failure = activity(&state, "refund").failure.clone().unwrap();
    assert_eq!(failure.reason.as_deref(), Some("declined"));
    assert_eq!(failure.details.as_deref(), Some("card expired"));
    let failure = activity(&state, "ship").failure.clone().unwrap();
    assert_eq!(failure.timeout_type.as_deref(), Some("SCHEDULE_TO_START"));
    assert_eq!(failure.details.as_deref(), Some("heartbeat 3"));
    assert_eq!(activity(&state, "ship").started_event_id, 0);
}

#[test]
fn activity_schedule_failure_keeps_cause() {
    let mut history = History::new(None);
    history.add(schedule_activity_failed(
        "charge",
        ScheduleActivityTaskFailedCause::ActivityTypeDoesNotExist,
    ));

    let state = history.state();
    let task = activity(&state, "charge");

    assert_eq!(task.status, TaskStatus::ScheduleFailed);
    assert_eq!(task.scheduled_event_id, 0);
    assert_eq!(
        task.failure.as_ref().unwrap().cause.as_deref(),
        Some("ACTIVITY_TYPE_DOES_NOT_EXIST")
    );
    assert!(state.transient_failures.is_empty());
}

#[test]
fn activity_id_reused_counts_attempts() {
    let mut history = History::new(None);
    let first = history.add(activity_scheduled("charge"));
    history.add(activity_timed_out(first, 0, ActivityTaskTimeoutType::ScheduleToStart));
    let second = history.add(activity_scheduled("charge"));
    let started = history.add(activity_started(second));

    let state = history.state();
    let task = activity(&state, "charge");

    assert_eq!(task.attempts, 2);
    assert_eq!(task.status, TaskStatus::Started);
    assert_eq!(task.scheduled_event_id, second);
    assert_eq!(task.started_event_id, started);
    assert_eq!(task.failure, None);
}

#[test]
fn id_already_in_use_keeps_open_activity() {
    let mut history = History::new(None);
    let scheduled = history.add(activity_scheduled("charge"));
    history.add(schedule_activity_failed(
        "charge",
        ScheduleActivityTaskFailedCause::ActivityIdAlreadyInUse,
    ));

    let state = history.state();
    let task = activity(&state, "charge");

    assert_eq!(task.status, TaskStatus::Scheduled);
    assert_eq!(task.scheduled_event_id, scheduled);
    assert_eq!(task.attempts, 2);
    assert_eq!(state.transient_failures.len(), 1);
    assert_eq!(state.transient_failures[0].cause, "ACTIVITY_ID_ALREADY_IN_USE");
}

#[test]
fn late_event_of_earlier_attempt_ignored() {
    let mut history = History::new(None);
    let first = history.add(activity_scheduled("charge"));
    history.add(activity_timed_out(first, 0, ActivityTaskTimeoutType::ScheduleToClose));
    history.add(activity_scheduled("charge"));
    history.add(activity_completed(first, 0, "late"));

    let state = history.state();

    assert_eq!(activity(&state, "charge").status, TaskStatus::Scheduled);
    assert_eq!(activity(&state, "charge").result, None);
}

#[test]
fn activity_cancel_request_recorded() {
    let mut history = History::new(None);
    let scheduled = history.add(activity_scheduled("charge"));
    history.add(activity_started(scheduled));
    history.add(activity_cancel_requested("charge"));

    let state = history.state();

    assert!(activity(&state, "charge").cancel_requested);
    assert_eq!(activity(&state, "charge").status, TaskStatus::Started);
}

#[test]
fn lambda_function_status_transitions() {
    let mut history = History::new(None);
    let done = history.add(lambda_scheduled("thumb", "resize"));
    let done_started = history.add(lambda_started(done));
    history.add(lambda_completed(done, done_started, "ok"));
    let failed = history.add(lambda_scheduled("crop", "crop"));
    let failed_started = history.add(lambda_started(failed));
    history.add(lambda_failed(failed, failed_started));
    let slow = history.add(lambda_scheduled("blur", "blur"));
    let slow_started = history.add(lambda_started(slow));
    history.add(lambda_timed_out(slow, slow_started));
    let no_role = history.add(lambda_scheduled("tag", "tag"));
    history.add(start_lambda_failed(no_role));
    history.add(schedule_lambda_failed(
        "scan",
        ScheduleLambdaFunctionFailedCause::LambdaServiceNotAvailableInRegion,
    ));
    let running = history.add(lambda_scheduled("open", "open"));
    history.add(lambda_started(running));

    let state = history.state();
    let lambda = |id: &str| state.lambda_functions.get(id).unwrap();

    assert_eq!(lambda("thumb").status, TaskStatus::Completed);
    assert_eq!(lambda("thumb").result.as_deref(), Some("ok"));
    assert_eq!(lambda("thumb").task_type, TaskType::LambdaFunction("resize".to_owned()));
    assert_eq!(lambda("crop").status, TaskStatus::Failed);
    assert_eq!(
        lambda("crop").failure.as_ref().unwrap().reason.as_deref(),
        Some("Unhandled")
    );
    assert_eq!(lambda("blur").status, TaskStatus::TimedOut);
    assert_eq!(
        lambda("blur").failure.as_ref().unwrap().timeout_type.as_deref(),
        Some("START_TO_CLOSE")
    );
    assert_eq!(lambda("tag").status, TaskStatus::StartFailed);
    assert_eq!(
        lambda("tag").failure.as_ref().unwrap().cause.as_deref(),
        Some("ASSUME_ROLE_FAILED")
    );
    assert_eq!(
        lambda("tag").failure.as_ref().unwrap().details.as_deref(),
        Some("role not found")
    );
    assert_eq!(lambda("scan").status, TaskStatus::ScheduleFailed);
    assert_eq!(
        lambda("scan").failure.as_ref().unwrap().cause.as_deref(),
        Some("LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION")
    );
    assert_eq!(lambda("open").status, TaskStatus::Started);
}

#[test]
fn timer_status_transitions() {
    let mut history = History::new(None);
    let fired = history.add(timer_started("fired", Some("wake".to_owned())));
    history.add(timer_fired("fired", fired));
    let canceled = history.add(timer_started("canceled", None));
    history.add(timer_canceled("canceled", canceled));
    history.add(timer_started("open", None));
    history.add(start_timer_failed(
        "full",
        StartTimerFailedCause::OpenTimersLimitExceeded,
    ));

    let state = history.state();
    let timer = |id: &str| state.timers.get(id).unwrap();

    assert_eq!(timer("fired").status, TimerStatus::Fired);
    assert_eq!(timer("fired").control.as_deref(), Some("wake"));
    assert_eq!(timer("fired").started_event_id, fired);
    assert_eq!(timer("canceled").status, TimerStatus::Canceled);
    assert_eq!(timer("open").status, TimerStatus::Started);
    assert_eq!(timer("open").start_to_fire_timeout.as_deref(), Some("30"));
    assert_eq!(timer("full").status, TimerStatus::StartFailed);
    assert_eq!(timer("full").cause.as_deref(), Some("OPEN_TIMERS_LIMIT_EXCEEDED"));
}

#[test]
fn child_workflow_status_transitions() {
    type Closing = fn(&str, i64, i64) -> crate::history::EventAttributes;
    let cases: Vec<(TaskStatus, Closing)> = vec![
        (TaskStatus::Completed, |w, i, s| child_completed(w, i, s).into()),
        (TaskStatus::Failed, |w, i, s| child_failed(w, i, s).into()),
        (TaskStatus::TimedOut, |w, i, s| child_timed_out(w, i, s).into()),
        (TaskStatus::Canceled, |w, i, s| child_canceled(w, i, s).into()),
        (TaskStatus::Terminated, |w, i, s| child_terminated(w, i, s).into()),
    ];

    for (expected, closing_event) in cases {
        let mut history = History::new(None);
        let initiated = history.add(child_initiated("ship-1"));
        let state = history.state();
        assert_eq!(state.child_workflows["ship-1"].status, TaskStatus::Scheduled);

        let started = history.add(child_started("ship-1", initiated));
        let state = history.state();
        assert_eq!(state.child_workflows["ship-1"].status, TaskStatus::Started);
        let expected_type = TaskType::ChildWorkflow {
            workflow_type: WorkflowType::new("Ship", "1"),
            run_id: Some("child-run-1".to_owned()),
        };
        assert_eq!(state.child_workflows["ship-1"].task_type, expected_type);

        history.add(closing_event("ship-1", initiated, started));
        let state = history.state();
        assert_eq!(state.child_workflows["ship-1"].status, expected);
    }
}

#[test]
fn child_workflow_results_kept() {
    let mut history = History::new(None);
    let initiated = history.add(child_initiated("ship-1"));
    let started = history.add(child_started("ship-1", initiated));
    history.add(child_completed("ship-1", initiated, started));
    let initiated = history.add(child_initiated("ship-2"));
    let started = history.add(child_started("ship-2", initiated));
    history.add(child_failed("ship-2", initiated, started));
    let initiated = history.add(child_initiated("ship-3"));
    let started = history.add(child_started("ship-3", initiated));
    history.add(child_timed_out("ship-3", initiated, started));

    let state = history.state();

    assert_eq!(state.child_workflows["ship-1"].result.as_deref(), Some("shipped"));
    let failure = state.child_workflows["ship-2"].failure.clone().unwrap();
    assert_eq!(failure.reason.as_deref(), Some("lost"));
    assert_eq!(failure.details.as_deref(), Some("parcel lost"));
    let failure = state.child_workflows["ship-3"].failure.clone().unwrap();
    assert_eq!(failure.timeout_type.as_deref(), Some("START_TO_CLOSE"));
}

#[test]
fn child_start_failures_set_status() {
    let mut history = History::new(None);
    history.add(start_child_failed(
        "ship-1",
        0,
        StartChildWorkflowExecutionFailedCause::WorkflowTypeDoesNotExist,
    ));
    let initiated = history.add(child_initiated("ship-2"));
    history.add(start_child_failed(
        "ship-2",
        initiated,
        StartChildWorkflowExecutionFailedCause::WorkflowAlreadyRunning,
    ));

    let state = history.state();

    assert_eq!(state.child_workflows["ship-1"].status, TaskStatus::ScheduleFailed);
    assert_eq!(
        state.child_workflows["ship-1"]
            .failure
            .as_ref()
            .unwrap()
            .cause
            .as_deref(),
        Some("WORKFLOW_TYPE_DOES_NOT_EXIST")
    );
    assert_eq!(state.child_workflows["ship-2"].status, TaskStatus::StartFailed);
    assert_eq!(state.child_workflows["ship-2"].scheduled_event_id, initiated);
    assert_eq!(
        state.child_workflows["ship-2"]
            .failure
            .as_ref()
            .unwrap()
            .cause
            .as_deref(),
        Some("WORKFLOW_ALREADY_RUNNING")
    );
}

#[test]
fn external_requests_delivered_or_failed() {
    let mut history = History::new(None);
    let delivered = history.add(signal_external_initiated("billing", "paid"));
    history.add(external_signaled("billing", delivered));
    let failed = history.add(signal_external_initiated("gone", "paid"));
    history.add(signal_external_failed(
        "gone",
        failed,
        SignalExternalWorkflowExecutionFailedCause::UnknownExternalWorkflowExecution,
    ));
    let canceled = history.add(cancel_external_initiated("audit"));
    history.add(external_cancel_requested("audit", canceled));
    let refused = history.add(cancel_external_initiated("closed"));
    history.add(cancel_external_failed(
        "closed",
        refused,
        RequestCancelExternalWorkflowExecutionFailedCause::UnknownExternalWorkflowExecution,
    ));
    let pending = history.add(cancel_external_initiated("later"));

    let state = history.state();
    let request = |id: i64| &state.external_requests[&id];

    assert_eq!(request(delivered).status, RequestStatus::Delivered);
    assert_eq!(request(delivered).run_id.as_deref(), Some("target-run"));
    assert_eq!(request(delivered).control.as_deref(), Some("notify"));
    let expected_kind = ExternalRequestKind::Signal {
        signal_name: "paid".to_owned(),
        input: Some("go".to_owned()),
    };
    assert_eq!(request(delivered).kind, expected_kind);
    assert_eq!(request(failed).status, RequestStatus::Failed);
    assert_eq!(
        request(failed).cause.as_deref(),
        Some("UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION")
    );
    assert_eq!(request(canceled).kind, ExternalRequestKind::Cancel);
    assert_eq!(request(canceled).status, RequestStatus::Delivered);
    assert_eq!(request(refused).status, RequestStatus::Failed);
    assert_eq!(request(pending).status, RequestStatus::Initiated);
}

#[test]
fn signals_kept_in_order() {
    let mut history = History::new(None);
    history.add(signaled("PRINT", "a"));
    history.add(signaled("STOP", "b"));
    history.add(signaled("PRINT", "c"));

    let state = history.state();
    let signals: Vec<(&str, &str)> = state
        .signals
        .iter()
        .map(|signal| (signal.name.as_str(), signal.input.as_deref().unwrap()))
        .collect();

    assert_eq!(signals, vec![("PRINT", "a"), ("STOP", "b"), ("PRINT", "c")]);
}

#[test]
fn new_signals_only_after_previous_decision() {
    let mut history = History::new(None);
    history.add(signaled("first", "1"));
    history.decided();
    history.add(signaled("second", "2"));
    history.add(signaled("third", "3"));

    let state = history.state();
    let new_names: Vec<&str> = state.new_signals().map(|signal| signal.name.as_str()).collect();

    assert_eq!(state.signals.len(), 3);
    assert_eq!(new_names, vec!["second", "third"]);

    history.decided();
    let state = history.state();
    assert_eq!(state.new_signals().count(), 0);
}

#[test]
fn changed_activities_only_new() {
    let mut history = History::new(None);
    let old = history.add(activity_scheduled("old"));
    let changed = history.add(activity_scheduled("changed"));
    history.decided();
    history.add(activity_started(changed));

    let state = history.state();
    let ids: Vec<&str> = state.changed_activities().map(|task| task.id.as_str()).collect();

    assert_eq!(ids, vec!["changed"]);
    assert!(!state.is_new(old));
}

#[test]
fn markers_input_and_cancel_request() {
    let mut history = History::new(Some("{\"order\":42}"));
    history.add(marker("checkpoint", "1"));
    history.add(marker("note", "x"));
    history.add(marker("checkpoint", "2"));
    assert!(!history.state().cancel_requested());
    let requested = history.add(cancel_requested());
    history.add(cancel_requested());

    let state = history.state();
    let checkpoints: Vec<&str> = state
        .markers_named("checkpoint")
        .map(|marker| marker.details.as_deref().unwrap())
        .collect();

    assert_eq!(state.input(), Some("{\"order\":42}"));
    assert_eq!(state.markers.len(), 3);
    assert_eq!(checkpoints, vec!["1", "2"]);
    assert!(state.cancel_requested());
    assert_eq!(state.cancel_requested_event_id, Some(requested));
}

#[test]
fn events_after_started_event_ignored() {
    let mut history = History::new(None);
    let mut task = history.task();
    history.add(signaled("early", ""));
    task.events.push(crate::history::HistoryEvent::new(
        task.started_event_id + 1,
        0.0,
        signaled("late", ""),
    ));

    let state = WorkflowState::from_task(&task);

    assert!(state.signals.is_empty());
}

#[test]
fn reverse_order_events_read_by_id() {
    let mut history = History::new(None);
    let scheduled = history.add(activity_scheduled("charge"));
    let started = history.add(activity_started(scheduled));
    history.add(activity_completed(scheduled, started, "paid"));
    history.add(signaled("a", ""));
    history.add(signaled("b", ""));
    let mut task = history.task();
    task.events.reverse();

    let state = WorkflowState::from_task(&task);
    let names: Vec<&str> = state.signals.iter().map(|signal| signal.name.as_str()).collect();

    assert_eq!(activity(&state, "charge").status, TaskStatus::Completed);
    assert_eq!(names, vec!["a", "b"]);
}

#[test]
fn history_of_25000_events_builds() {
    // SWF's hard limit on a history. Activity ids repeat, so the maps stay small while
    // every event still goes through the pass.
    let mut history = History::new(None);
    for step in 0..6_247 {
        let id = format!("step-{}", step % 100);
        let scheduled = history.add(activity_scheduled(&id));
        let started = history.add(activity_started(scheduled));
        history.add(activity_completed(scheduled, started, "ok"));
        history.add(signaled("tick", ""));
    }

    let task = history.task();
    let state = WorkflowState::from_task(&task);

    assert_eq!(task.events.len(), 24_991);
    assert_eq!(state.signals.len(), 6_247);
    assert_eq!(state.activities.len(), 100);
    assert!(
        state
            .activities
            .values()
            .all(|task| task.status == TaskStatus::Completed)
    );
    assert!(state.activities.values().all(|task| task.attempts > 1));
}

#[test]
fn scheduling_decisions_rebuilt_from_events() {
    let mut history = History::new(None);
    history.add(activity_scheduled("charge"));
    history.add(lambda_scheduled("thumb", "resize"));
    history.add(child_initiated("ship-1"));
    history.add(schedule_activity_failed(
        "refund",
        ScheduleActivityTaskFailedCause::ActivityTypeDeprecated,
    ));

    let state = history.state();

    let Some(crate::decision::Decision::ScheduleActivityTask(charge)) = &state.activities["charge"].decision else {
        panic!(
            "expected ScheduleActivityTask, got {:?}",
            state.activities["charge"].decision
        );
    };
    assert_eq!(charge.activity_id, "charge");
    assert_eq!(charge.activity_type, ActivityType::new("Charge", "1"));
    assert_eq!(charge.task_list, Some(TaskList::new("workers")));
    assert_eq!(charge.input.as_deref(), Some("{\"amount\":5}"));
    assert_eq!(charge.control.as_deref(), Some("step-1"));
    assert_eq!(charge.start_to_close_timeout.as_deref(), Some("300"));
    let lambda = state.lambda_functions["thumb"].decision.clone().unwrap();
    assert_eq!(
        lambda,
        crate::decision::Decision::schedule_lambda_function("thumb", "resize", Some("{}".to_owned()), Some(60))
    );
    let Some(crate::decision::Decision::StartChildWorkflowExecution(child)) = &state.child_workflows["ship-1"].decision
    else {
        panic!("expected StartChildWorkflowExecution");
    };
    assert_eq!(child.workflow_id, "ship-1");
    assert_eq!(child.child_policy, Some(ChildPolicy::Terminate));
    assert_eq!(state.activities["refund"].decision, None);
}

#[test]
fn timer_attempts_counted_by_id() {
    let mut history = History::new(None);
    let first = history.add(timer_started("wake", None));
    history.add(timer_fired("wake", first));
    history.add(start_timer_failed(
        "wake",
        StartTimerFailedCause::TimerCreationRateExceeded,
    ));
    history.add(timer_started("wake", None));

    let state = history.state();

    assert_eq!(state.timers["wake"].attempts, 3);
    assert_eq!(state.timers["wake"].status, TimerStatus::Started);
    assert_eq!(state.transient_failures[0].attempt, 2);
}
