//! Retry delays, retry timers and transient failures.

use super::History;
use super::events::*;
use crate::decision::Decision;
use crate::toolkit::*;
use crate::types::*;

fn charge() -> Decision {
    ActivityTask::new("charge", ActivityType::new("Charge", "1"))
        .input("{\"amount\":5}")
        .build()
        .unwrap()
}

fn timer_attributes(decision: &Decision) -> &crate::decision::StartTimerDecisionAttributes {
    match decision {
        Decision::StartTimer(attributes) => attributes,
        other => panic!("expected StartTimer, got {other:?}"),
    }
}

#[test]
fn delays_grow_and_cap() {
    let policy = RetryPolicy {
        initial_delay_secs: 5,
        backoff_coefficient: 2,
        max_delay_secs: 60,
        max_attempts: None,
    };

    let delays: Vec<u64> = (2..=8).map(|attempt| policy.delay_secs(attempt)).collect();

    assert_eq!(delays, vec![5, 10, 20, 40, 60, 60, 60]);
    assert_eq!(policy.delay_secs(1), 5);
    assert_eq!(policy.delay_secs(u32::MAX), 60);
}

#[test]
fn delays_saturate_at_timer_maximum() {
    let policy = RetryPolicy {
        initial_delay_secs: 1,
        backoff_coefficient: 10,
        max_delay_secs: u64::MAX,
        max_attempts: None,
    };

    assert_eq!(policy.delay_secs(5), 1_000);
    assert_eq!(policy.delay_secs(100), 99_999_999);
}

#[test]
fn policy_limits_attempts() {
    let policy = RetryPolicy {
        max_attempts: Some(3),
        ..RetryPolicy::default()
    };

    assert!(policy.allows(3));
    assert!(!policy.allows(4));
    assert_eq!(retry_after(&charge(), 4, &policy).unwrap(), None);
}

#[test]
fn retry_after_starts_timer_with_record() {
    let policy = RetryPolicy::default();

    let timer = retry_after(&charge(), 3, &policy).unwrap().unwrap();

    let attributes = timer_attributes(&timer);
    assert_eq!(attributes.timer_id, "retry-activity-charge");
    assert_eq!(attributes.start_to_fire_timeout, "10");
    let control: serde_json::Value = serde_json::from_str(attributes.control.as_deref().unwrap()).unwrap();
    assert_eq!(
        control["caravanRetry"],
        serde_json::json!({"attempt": 3, "decisionType": "ScheduleActivityTask", "id": "charge"})
    );
    assert_eq!(
        control["decision"]["scheduleActivityTaskDecisionAttributes"]["activityId"],
        "charge"
    );
}

#[test]
fn fired_retry_returns_decision_once() {
    let timer = retry_after(&charge(), 2, &RetryPolicy::default()).unwrap().unwrap();
    let attributes = timer_attributes(&timer);
    let mut history = History::new(None);
    let started = history.add(timer_started(&attributes.timer_id, attributes.control.clone()));

    let state = history.state();
    assert_eq!(state.due_retries().count(), 0);
    assert!(state.retry_pending("ScheduleActivityTask", "charge"));

    history.add(timer_fired(&attributes.timer_id, started));
    let state = history.state();
    let due: Vec<&Retry> = state.due_retries().collect();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempt, 2);
    assert_eq!(due[0].id, "charge");
    assert_eq!(due[0].decision.as_ref(), Some(&charge()));
    assert!(!state.retry_pending("ScheduleActivityTask", "charge"));

    history.decided();
    assert_eq!(history.state().due_retries().count(), 0);
}

#[test]
fn oversized_decision_left_out_of_control() {
    let large = ActivityTask::new("charge", ActivityType::new("Charge", "1"))
        .input("x".repeat(32_768))
        .build()
        .unwrap();

    let timer = retry_after(&large, 2, &RetryPolicy::default()).unwrap().unwrap();

    let control = timer_attributes(&timer).control.clone().unwrap();
    let mut history = History::new(None);
    let started = history.add(timer_started("retry-activity-charge", Some(control)));
    history.add(timer_fired("retry-activity-charge", started));
    let state = history.state();
    let due: Vec<&Retry> = state.due_retries().collect();
    assert_eq!(due[0].decision, None);
    assert_eq!(due[0].decision_type, "ScheduleActivityTask");
    assert_eq!(due[0].id, "charge");
}

#[test]
fn ordinary_timer_is_not_retry() {
    let mut history = History::new(None);
    let started = history.add(timer_started("wake", Some("{\"step\":1}".to_owned())));
    history.add(timer_fired("wake", started));

    let state = history.state();

    assert_eq!(state.timers["wake"].retry, None);
    assert_eq!(state.due_retries().count(), 0);
}

#[test]
fn long_id_rejected_for_timer_id() {
    let decision = ActivityTask::new("a".repeat(250), ActivityType::new("Charge", "1"))
        .build()
        .unwrap();

    let error = retry_after(&decision, 2, &RetryPolicy::default()).unwrap_err();

    assert_eq!(error.field, "timerId");
}

#[test]
fn rate_exceeded_waits_on_timer() {
    let mut history = History::new(None);
    history.decided();
    history.add(schedule_activity_failed(
        "charge",
        ScheduleActivityTaskFailedCause::ActivityCreationRateExceeded,
    ));
    let state = history.state();

    let decisions = back_off_transient_failures(&state, &RetryPolicy::default(), |_| Some(charge())).unwrap();

    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].decision_type(), "StartTimer");
    assert_eq!(timer_attributes(&decisions[0]).timer_id, "retry-activity-charge");
    assert_eq!(timer_attributes(&decisions[0]).start_to_fire_timeout, "5");
    let failure = &state.transient_failures[0];
    assert_eq!(failure.decision_type, "ScheduleActivityTask");
    assert_eq!(failure.cause, "ACTIVITY_CREATION_RATE_EXCEEDED");
    assert_eq!(failure.attempt, 1);
}

#[test]
fn repeated_rate_failures_wait_longer() {
    let policy = RetryPolicy::default();
    let mut history = History::new(None);
    for _ in 0..3 {
        history.decided();
        history.add(schedule_activity_failed(
            "charge",
            ScheduleActivityTaskFailedCause::ActivityCreationRateExceeded,
        ));
    }
    let state = history.state();

    let decisions = back_off_transient_failures(&state, &policy, |_| Some(charge())).unwrap();

    assert_eq!(state.activities["charge"].attempts, 3);
    assert_eq!(timer_attributes(&decisions[0]).start_to_fire_timeout, "20");
}

#[test]
fn id_already_in_use_waits_on_timer() {
    let mut history = History::new(None);
    history.add(lambda_scheduled("thumb", "resize"));
    history.decided();
    history.add(schedule_lambda_failed(
        "thumb",
        ScheduleLambdaFunctionFailedCause::IdAlreadyInUse,
    ));
    let state = history.state();
    let resize = LambdaFunction::new("thumb", "resize").build().unwrap();

    let decisions = back_off_transient_failures(&state, &RetryPolicy::default(), |_| Some(resize.clone())).unwrap();

    assert_eq!(decisions.len(), 1);
    assert_eq!(timer_attributes(&decisions[0]).timer_id, "retry-lambda-thumb");
    assert_eq!(state.lambda_functions["thumb"].status, TaskStatus::Scheduled);
}

#[test]
fn permanent_cause_gets_no_timer() {
    let mut history = History::new(None);
    history.add(schedule_activity_failed(
        "charge",
        ScheduleActivityTaskFailedCause::ActivityTypeDeprecated,
    ));
    let state = history.state();

    let decisions = back_off_transient_failures(&state, &RetryPolicy::default(), |_| Some(charge())).unwrap();

    assert!(decisions.is_empty());
}

#[test]
fn old_or_pending_failures_get_no_timer() {
    let mut history = History::new(None);
    history.add(schedule_activity_failed(
        "charge",
        ScheduleActivityTaskFailedCause::ActivityCreationRateExceeded,
    ));
    history.decided();
    let state = history.state();
    let policy = RetryPolicy::default();
    assert!(
        back_off_transient_failures(&state, &policy, |_| Some(charge()))
            .unwrap()
            .is_empty()
    );

    let timer = retry_after(&charge(), 2, &policy).unwrap().unwrap();
    history.add(timer_started(
        "retry-activity-charge",
        timer_attributes(&timer).control.clone(),
    ));
    history.add(schedule_activity_failed(
        "charge",
        ScheduleActivityTaskFailedCause::ActivityCreationRateExceeded,
    ));
    let state = history.state();
    assert!(
        back_off_transient_failures(&state, &policy, |_| Some(charge()))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn same_id_failing_twice_gets_one_timer() {
    let mut history = History::new(None);
    history.decided();
    for _ in 0..2 {
        history.add(schedule_activity_failed(
            "charge",
            ScheduleActivityTaskFailedCause::ActivityCreationRateExceeded,
        ));
    }
    let state = history.state();

    let decisions = back_off_transient_failures(&state, &RetryPolicy::default(), |_| Some(charge())).unwrap();

    assert_eq!(decisions.len(), 1);
}

#[test]
fn rebuild_none_gives_up() {
    let mut history = History::new(None);
    history.add(start_timer_failed(
        "wake",
        StartTimerFailedCause::TimerCreationRateExceeded,
    ));
    let state = history.state();

    let decisions = back_off_transient_failures(&state, &RetryPolicy::default(), |_| None).unwrap();

    assert!(decisions.is_empty());
    assert_eq!(state.transient_failures[0].decision_type, "StartTimer");
}

#[test]
fn external_and_child_rate_failures_recorded() {
    let mut history = History::new(None);
    let initiated = history.add(signal_external_initiated("billing", "paid"));
    history.add(signal_external_failed(
        "billing",
        initiated,
        SignalExternalWorkflowExecutionFailedCause::SignalExternalWorkflowExecutionRateExceeded,
    ));
    history.add(start_child_failed(
        "ship-1",
        0,
        StartChildWorkflowExecutionFailedCause::ChildCreationRateExceeded,
    ));

    let state = history.state();
    let failures: Vec<(&str, &str)> = state
        .transient_failures
        .iter()
        .map(|failure| (failure.decision_type, failure.id.as_str()))
        .collect();

    assert_eq!(
        failures,
        vec![
            ("SignalExternalWorkflowExecution", "billing"),
            ("StartChildWorkflowExecution", "ship-1")
        ]
    );
}

#[test]
fn failed_activity_retried_from_history() {
    let policy = RetryPolicy::default();
    let mut history = History::new(None);
    let scheduled = history.add(activity_scheduled("charge"));
    let started = history.add(activity_started(scheduled));
    history.add(activity_failed(scheduled, started, "declined", "try later"));
    let state = history.state();
    let activity = &state.activities["charge"];

    let timer = retry_after(activity.decision.as_ref().unwrap(), activity.attempts + 1, &policy)
        .unwrap()
        .unwrap();
    let attributes = timer_attributes(&timer);
    let timer_started_id = history.add(timer_started(&attributes.timer_id, attributes.control.clone()));
    history.decided();
    history.add(timer_fired(&attributes.timer_id, timer_started_id));
    let state = history.state();
    let due: Vec<&Retry> = state.due_retries().collect();

    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempt, 2);
    assert_eq!(due[0].decision, state.activities["charge"].decision);
}

#[test]
fn continue_as_new_failure_keyed_by_empty_id() {
    let mut history = History::new(None);
    history.add(crate::history::ContinueAsNewWorkflowExecutionFailedEventAttributes {
        cause: ContinueAsNewWorkflowExecutionFailedCause::ContinueAsNewWorkflowExecutionRateExceeded,
        decision_task_completed_event_id: 4,
        unknown_fields: Default::default(),
    });
    let state = history.state();
    let continue_as_new = Decision::continue_as_new_workflow_execution(None);

    let timers =
        back_off_transient_failures(&state, &RetryPolicy::default(), |_| Some(continue_as_new.clone())).unwrap();

    assert_eq!(state.transient_failures[0].id, "");
    assert_eq!(decision_id(&continue_as_new), "");
    assert_eq!(timer_attributes(&timers[0]).timer_id, "retry-continue-");
}
