//! Limit checks of single decisions, builders and whole responses.

use crate::decision::{Decision, Decisions};
use crate::toolkit::*;
use crate::types::{ActivityType, WorkflowType};

fn charge(activity_id: &str) -> ActivityTask {
    ActivityTask::new(activity_id, ActivityType::new("Charge", "1"))
}

fn violation(result: Result<Decision, LimitError>) -> (String, Violation) {
    let error = result.expect_err("the decision breaks a limit");
    (error.field, error.violation)
}

#[test]
fn id_length_limits() {
    assert!(charge(&"a".repeat(256)).build().is_ok());

    assert_eq!(
        violation(charge(&"a".repeat(257)).build()),
        (
            "activityId".to_owned(),
            Violation::TooLong {
                chars: 257,
                max_chars: 256
            }
        )
    );
    assert_eq!(
        violation(charge("").build()),
        ("activityId".to_owned(), Violation::Empty)
    );
}

#[test]
fn id_forbidden_characters() {
    for character in [':', '/', '|', '\u{0}', '\n', '\u{1f}', '\u{7f}', '\u{85}', '\u{9f}'] {
        let id = format!("pay{character}ment");

        let (field, found) = violation(charge(&id).build());

        assert_eq!(field, "activityId");
        assert_eq!(found, Violation::ForbiddenCharacter { character }, "{character:?}");
    }
    assert!(charge("pay-ment_1.2 ü\u{a0}").build().is_ok());
}

#[test]
fn id_literal_arn_rejected() {
    assert_eq!(
        violation(charge("arn").build()),
        ("activityId".to_owned(), Violation::LiteralArn)
    );
    assert!(charge("arns").build().is_ok());
    assert!(charge("my-arn").build().is_ok());
}

#[test]
fn lengths_count_characters_not_bytes() {
    // 'é' takes 2 bytes in UTF-8 and '€' takes 3, but SWF counts characters.
    assert!(charge(&"é".repeat(256)).build().is_ok());
    let (field, found) = violation(charge(&"é".repeat(257)).build());
    assert_eq!(field, "activityId");
    assert_eq!(
        found,
        Violation::TooLong {
            chars: 257,
            max_chars: 256
        }
    );

    assert!(charge("a").input("€".repeat(32_768)).build().is_ok());
    let (field, found) = violation(charge("a").input("€".repeat(32_769)).build());
    assert_eq!(field, "input");
    assert_eq!(
        found,
        Violation::TooLong {
            chars: 32_769,
            max_chars: 32_768
        }
    );
}

#[test]
fn data_members_limited_to_32768() {
    let too_long = "x".repeat(32_769);

    assert_eq!(violation(charge("a").control(&too_long).build()).0, "control");
    assert_eq!(violation(charge("a").input(&too_long).build()).0, "input");
    let result = Decision::complete_workflow_execution(Some(too_long.clone()));
    assert_eq!(check_decision(&result).unwrap_err().field, "result");
    let details = Decision::fail_workflow_execution("r", Some(too_long.clone()));
    assert_eq!(check_decision(&details).unwrap_err().field, "details");
    let marker = Decision::record_marker("m", Some(too_long));
    assert_eq!(check_decision(&marker).unwrap_err().field, "details");
}

#[test]
fn reason_limited_to_256() {
    assert!(check_decision(&Decision::fail_workflow_execution("r".repeat(256), None)).is_ok());

    let error = check_decision(&Decision::fail_workflow_execution("r".repeat(257), None)).unwrap_err();

    assert_eq!(error.field, "reason");
    assert_eq!(
        error.violation,
        Violation::TooLong {
            chars: 257,
            max_chars: 256
        }
    );
}

#[test]
fn timeouts_are_none_or_whole_seconds() {
    assert!(charge("a").heartbeat_timeout(Timeout::Unlimited).build().is_ok());
    assert!(
        charge("a")
            .start_to_close_timeout(Timeout::Seconds(99_999_999))
            .build()
            .is_ok()
    );

    let (field, found) = violation(
        charge("a")
            .start_to_close_timeout(Timeout::Seconds(100_000_000))
            .build(),
    );
    assert_eq!(field, "startToCloseTimeout");
    assert_eq!(
        found,
        Violation::InvalidDuration {
            value: "100000000".to_owned()
        }
    );

    for value in ["", "-1", "1.5", "+5", " 5", "none", "5s"] {
        let error = parse_duration("heartbeatTimeout", value).unwrap_err();
        assert_eq!(
            error.violation,
            Violation::InvalidDuration {
                value: value.to_owned()
            },
            "{value:?}"
        );
    }
    assert_eq!(parse_duration("t", "NONE").unwrap(), Timeout::Unlimited);
    assert_eq!(parse_duration("t", "0").unwrap(), Timeout::Seconds(0));
}

#[test]
fn timer_rejects_none_and_nine_digits() {
    let none = Decision::StartTimer(crate::decision::StartTimerDecisionAttributes {
        timer_id: "t".to_owned(),
        start_to_fire_timeout: "NONE".to_owned(),
        ..Default::default()
    });

    assert_eq!(
        check_decision(&none).unwrap_err(),
        LimitError::new("startToFireTimeout", Violation::NoneNotAllowed)
    );
    assert!(Timer::new("t", 0).build().is_ok());
    assert_eq!(violation(Timer::new("t", 100_000_000).build()).0, "startToFireTimeout");
    assert_eq!(violation(Timer::new("a:b", 5).build()).0, "timerId");
}

#[test]
fn lambda_builder_shape_and_limits() {
    let decision = LambdaFunction::new("thumb-1", "resize")
        .input("{\"size\":64}")
        .control("step-2")
        .start_to_close_timeout_secs(900)
        .build()
        .unwrap();

    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "decisionType": "ScheduleLambdaFunction",
            "scheduleLambdaFunctionDecisionAttributes": {
                "id": "thumb-1",
                "name": "resize",
                "input": "{\"size\":64}",
                "control": "step-2",
                "startToCloseTimeout": "900"
            }
        })
    );

    for seconds in [0, 901] {
        let (field, found) = violation(
            LambdaFunction::new("l", "f")
                .start_to_close_timeout_secs(seconds)
                .build(),
        );
        assert_eq!(field, "startToCloseTimeout");
        assert_eq!(
            found,
            Violation::DurationOutOfRange {
                seconds,
                min_secs: 1,
                max_secs: 900
            }
        );
    }
    assert_eq!(violation(LambdaFunction::new("l", "f".repeat(65)).build()).0, "name");
    assert_eq!(violation(LambdaFunction::new("a|b", "f").build()).0, "id");
}

#[test]
fn child_workflow_tags_and_priority() {
    let child = || ChildWorkflow::new("ship-1", WorkflowType::new("Ship", "1"));
    let six_tags = (0..6).fold(child(), |child, index| child.tag(format!("t{index}")));

    assert_eq!(
        violation(six_tags.build()),
        ("tagList".to_owned(), Violation::TooManyTags { tags: 6 })
    );
    assert!(
        child()
            .tag("eu")
            .execution_start_to_close_timeout(Timeout::Seconds(60))
            .build()
            .is_ok()
    );

    let mut attributes = crate::decision::ScheduleActivityTaskDecisionAttributes {
        activity_id: "a".to_owned(),
        activity_type: ActivityType::new("Charge", "1"),
        ..Default::default()
    };
    attributes.task_priority = Some("high".to_owned());
    let error = check_decision(&Decision::ScheduleActivityTask(attributes)).unwrap_err();
    assert_eq!(error.field, "taskPriority");
    assert!(charge("a").task_priority(-5).build().is_ok());
}

#[test]
fn error_message_names_field_and_limit() {
    let error = charge(&"a".repeat(300)).build().unwrap_err();

    assert_eq!(
        error.to_string(),
        "`activityId` is 300 characters long, more than SWF's limit of 256"
    );
}

#[test]
fn list_rejects_decision_after_closing() {
    let mut decisions = DecisionList::new();
    decisions.push(Timer::new("t", 5).build().unwrap()).unwrap();
    decisions.push(Decision::complete_workflow_execution(None)).unwrap();

    let after = decisions.push(Decision::start_timer("u", 5)).unwrap_err();
    let second = decisions.push(Decision::cancel_workflow_execution(None)).unwrap_err();

    assert_eq!(after.field, "decisions");
    assert_eq!(
        after.violation,
        Violation::ClosingDecisionNotLast {
            index: 1,
            decision_type: "CompleteWorkflowExecution".to_owned()
        }
    );
    assert_eq!(
        second.violation,
        Violation::MultipleClosingDecisions { first: 1, second: 2 }
    );
    assert_eq!(decisions.len(), 2);
    assert!(decisions.closes_execution());
    assert_eq!(decisions.finish().unwrap().decisions.len(), 2);
}

#[test]
fn list_prefixes_field_with_index() {
    let mut decisions = DecisionList::new();
    decisions.push(Decision::start_timer("ok", 1)).unwrap();

    let error = decisions.push(Decision::start_timer("not/ok", 1)).unwrap_err();

    assert_eq!(error.field, "decisions[1].startTimerDecisionAttributes.timerId");
    assert!(
        error
            .to_string()
            .contains("`decisions[1].startTimerDecisionAttributes.timerId` contains '/'"),
        "{error}"
    );
}

#[test]
fn check_decisions_finds_misplaced_closing() {
    let decisions = Decisions::from(vec![
        Decision::complete_workflow_execution(None),
        Decision::start_timer("t", 1),
    ]);

    let error = check_decisions(&decisions).unwrap_err();

    assert_eq!(
        error.violation,
        Violation::ClosingDecisionNotLast {
            index: 0,
            decision_type: "CompleteWorkflowExecution".to_owned()
        }
    );

    let error = check_decisions(&Decisions::from(vec![Decision::start_timer("a:b", 1)])).unwrap_err();
    assert_eq!(error.field, "decisions[0].startTimerDecisionAttributes.timerId");
}

#[test]
fn list_over_one_megabyte_rejected() {
    // 32 markers of 32,768 characters each are 1,048,576 characters of details alone.
    let mut decisions = DecisionList::new();
    for index in 0..32 {
        decisions
            .push(Decision::record_marker(format!("m{index}"), Some("x".repeat(32_768))))
            .unwrap();
    }

    let error = decisions.finish().unwrap_err();

    assert_eq!(error.field, "decisions");
    assert!(error.to_string().contains("SWF's 1 MB request"), "{error}");
    let Violation::RequestTooLarge { bytes, max_bytes } = error.violation else {
        panic!("expected RequestTooLarge, got {:?}", error.violation);
    };
    assert!(bytes > 1_048_576, "{bytes}");
    assert_eq!(max_bytes, MAX_REQUEST_BYTES - REQUEST_OVERHEAD_BYTES);
}

#[test]
fn list_under_limit_accepted() {
    // Multi-byte characters count in bytes here: 31 markers of 32,768 '€' would pass the
    // character limits but are about 3 MB of JSON.
    let mut small = DecisionList::new();
    let mut large = DecisionList::new();
    for index in 0..31 {
        small
            .push(Decision::record_marker(format!("m{index}"), Some("x".repeat(32_768))))
            .unwrap();
        large
            .push(Decision::record_marker(format!("m{index}"), Some("€".repeat(32_768))))
            .unwrap();
    }

    assert!(small.finish().is_ok());
    assert!(matches!(
        large.finish().unwrap_err().violation,
        Violation::RequestTooLarge { .. }
    ));
}

#[test]
fn limit_error_converts_to_workflow_error() {
    let error = charge("").build().unwrap_err();

    let workflow_error = crate::WorkflowError::from(error);

    assert_eq!(
        workflow_error.message(),
        "`activityId` is empty; SWF needs at least 1 character"
    );
}
