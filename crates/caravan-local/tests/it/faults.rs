//! Fault injection: throttled and failed requests never take effect, dropped connections lose the
//! response before or after the request took effect, latency delays every request, and a seed makes
//! the faults reproducible.

use std::time::{Duration, Instant};

use caravan_local::{Faults, LocalEndpoint, Settings};
use serde_json::{Value, json};

use crate::support::{Endpoint, Reply};

/// An outcome of one request as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Answered { status: u16, code: String },
    Dropped,
}

async fn start_with_faults(faults: Faults) -> Endpoint {
    Endpoint::start_with_settings(Settings {
        faults,
        ..Settings::default()
    })
    .await
}

async fn outcome(endpoint: &Endpoint, action: &str, body: Value) -> Outcome {
    match endpoint.try_call(action, body).await {
        Ok(reply) => Outcome::Answered {
            status: reply.status,
            code: reply.code().to_string(),
        },
        Err(_) => Outcome::Dropped,
    }
}

/// Sends a request until a response other than an injected fault arrives. Returns that response
/// and the number of attempts that met an injected fault.
async fn call_until_answered(endpoint: &Endpoint, action: &str, body: Value) -> (Reply, u32) {
    let mut faults_met = 0;
    loop {
        match endpoint.try_call(action, body.clone()).await {
            Ok(reply) if reply.code() == "ThrottlingException" || reply.status == 500 => faults_met += 1,
            Ok(reply) => return (reply, faults_met),
            Err(_) => faults_met += 1,
        }
        assert!(faults_met < 100, "{action} met 100 injected faults in a row");
    }
}

fn register_domain(name: &str) -> Value {
    json!({"name": name, "workflowExecutionRetentionPeriodInDays": "1"})
}

#[tokio::test]
async fn default_settings_inject_nothing() {
    assert!(!Faults::default().is_active());
    let endpoint = Endpoint::start().await;

    for _ in 0..50 {
        let reply = endpoint
            .try_call("ListDomains", json!({"registrationStatus": "REGISTERED"}))
            .await;
        assert_eq!(reply.expect("no connection is dropped").status, 200);
    }
}

#[tokio::test]
async fn throttle_share_one_throttles_every_request() {
    let endpoint = start_with_faults(Faults {
        throttle_share: 1.0,
        ..Faults::default()
    })
    .await;

    for action in ["ListDomains", "RegisterDomain", "PollForDecisionTask"] {
        let reply = endpoint.call(action, json!({})).await;

        assert_eq!(reply.status, 400, "{action}: {}", reply.body);
        assert_eq!(
            reply.body["__type"], "com.amazon.coral.availability#ThrottlingException",
            "{action}"
        );
        assert_eq!(reply.message(), "Rate exceeded", "{action}");
        assert_eq!(reply.content_type.as_deref(), Some("application/x-amz-json-1.0"));
        assert!(reply.request_id.is_some(), "{action} has no request id");
    }
}

#[tokio::test]
async fn error_share_one_fails_every_request_with_500() {
    let endpoint = start_with_faults(Faults {
        error_share: 1.0,
        ..Faults::default()
    })
    .await;

    let reply = endpoint
        .call("ListDomains", json!({"registrationStatus": "REGISTERED"}))
        .await;

    assert_eq!(reply.status, 500, "{}", reply.body);
    assert_eq!(reply.body["__type"], "com.amazon.coral.service#InternalFailure");
    assert_eq!(reply.code(), "InternalFailure");
}

#[tokio::test]
async fn throttled_and_failed_requests_never_take_effect() {
    for faults in [
        Faults {
            throttle_share: 0.5,
            seed: Some(11),
            ..Faults::default()
        },
        Faults {
            error_share: 0.5,
            seed: Some(12),
            ..Faults::default()
        },
    ] {
        let endpoint = start_with_faults(faults.clone()).await;
        let mut faults_met = 0;

        for index in 0..40 {
            let (reply, met) =
                call_until_answered(&endpoint, "RegisterDomain", register_domain(&format!("d{index}"))).await;
            faults_met += met;

            // An attempt that had taken effect would make the retry a DomainAlreadyExistsFault.
            assert_eq!(reply.status, 200, "{faults:?}: {}", reply.body);
        }
        assert!(faults_met > 5, "{faults:?}: only {faults_met} faults in 40 requests");
    }
}

#[tokio::test]
async fn drop_share_one_drops_every_connection() {
    let endpoint = start_with_faults(Faults {
        drop_share: 1.0,
        ..Faults::default()
    })
    .await;

    for _ in 0..10 {
        let result = endpoint
            .try_call("ListDomains", json!({"registrationStatus": "REGISTERED"}))
            .await;

        let error = result.expect_err("the connection closes without a response");
        assert!(error.is_incomplete_message() || error.is_closed(), "{error}");
    }
}

#[tokio::test]
async fn dropped_requests_take_effect_or_not() {
    let endpoint = start_with_faults(Faults {
        drop_share: 0.5,
        seed: Some(5),
        ..Faults::default()
    })
    .await;
    let mut lost_before_effect = 0;
    let mut lost_after_effect = 0;

    for index in 0..60 {
        let body = register_domain(&format!("d{index}"));
        if outcome(&endpoint, "RegisterDomain", body.clone()).await != Outcome::Dropped {
            continue;
        }

        let (reply, _) = call_until_answered(&endpoint, "RegisterDomain", body).await;
        match reply.code() {
            "" => lost_before_effect += 1,
            "DomainAlreadyExistsFault" => lost_after_effect += 1,
            other => panic!("unexpected answer {other}: {}", reply.body),
        }
    }

    assert!(
        lost_before_effect > 3,
        "{lost_before_effect} drops before the request ran"
    );
    assert!(lost_after_effect > 3, "{lost_after_effect} drops after the request ran");
    let (listed, _) = call_until_answered(&endpoint, "ListDomains", json!({"registrationStatus": "REGISTERED"})).await;
    assert_eq!(listed.body["domainInfos"].as_array().map(Vec::len), Some(60));
}

#[tokio::test]
async fn dropped_poll_loses_its_task_until_timeout() {
    let endpoint = start_with_faults(Faults {
        drop_share: 0.5,
        seed: Some(3),
        ..Faults::default()
    })
    .await;
    call_until_answered(&endpoint, "RegisterDomain", register_domain("d")).await;
    let workflow_type = json!({"name": "W", "version": "1"});
    call_until_answered(
        &endpoint,
        "RegisterWorkflowType",
        json!({
            "domain": "d", "name": "W", "version": "1",
            "defaultTaskList": {"name": "deciders"},
            "defaultExecutionStartToCloseTimeout": "600",
            "defaultTaskStartToCloseTimeout": "1",
            "defaultChildPolicy": "TERMINATE",
        }),
    )
    .await;

    // Each execution gets one poll. When that poll was dropped after it ran, the execution has a
    // started task that no poller holds.
    let mut lost = None;
    for index in 0..40 {
        let workflow_id = format!("wf{index}");
        let run_id = start_execution(&endpoint, &workflow_id, &workflow_type).await;

        let poll = json!({"domain": "d", "taskList": {"name": "deciders"}});
        if outcome(&endpoint, "PollForDecisionTask", poll).await != Outcome::Dropped {
            continue;
        }
        let execution = json!({"domain": "d", "execution": {"workflowId": workflow_id, "runId": run_id}});
        let (history, _) = call_until_answered(&endpoint, "GetWorkflowExecutionHistory", execution.clone()).await;
        let started_tasks = event_count(&history.body, "DecisionTaskStarted");
        if started_tasks == 1 {
            lost = Some(execution);
            break;
        }
    }
    let execution = lost.expect("one of 40 dropped polls ran and took a task");

    // The lost task times out after its 1-second timeout and a new one is scheduled.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (history, _) = call_until_answered(&endpoint, "GetWorkflowExecutionHistory", execution).await;
    assert_eq!(
        event_count(&history.body, "DecisionTaskTimedOut"),
        1,
        "{}",
        history.body
    );
    assert_eq!(
        event_count(&history.body, "DecisionTaskScheduled"),
        2,
        "{}",
        history.body
    );
}

/// Starts an execution and returns its run id, also when an attempt that took effect was dropped.
async fn start_execution(endpoint: &Endpoint, workflow_id: &str, workflow_type: &Value) -> String {
    let start = json!({"domain": "d", "workflowId": workflow_id, "workflowType": workflow_type});
    let (started, _) = call_until_answered(endpoint, "StartWorkflowExecution", start).await;
    if started.status == 200 {
        return started.body["runId"].as_str().expect("runId").to_string();
    }

    assert_eq!(
        started.code(),
        "WorkflowExecutionAlreadyStartedFault",
        "{}",
        started.body
    );
    let list = json!({
        "domain": "d",
        "startTimeFilter": {"oldestDate": 0},
        "executionFilter": {"workflowId": workflow_id},
    });
    let (listed, _) = call_until_answered(endpoint, "ListOpenWorkflowExecutions", list).await;
    listed.body["executionInfos"][0]["execution"]["runId"]
        .as_str()
        .expect("the open run")
        .to_string()
}

fn event_count(history: &Value, event_type: &str) -> usize {
    history["events"]
        .as_array()
        .map(|events| events.iter().filter(|event| event["eventType"] == event_type).count())
        .unwrap_or(0)
}

#[tokio::test]
async fn latency_delays_every_request() {
    let endpoint = start_with_faults(Faults {
        latency: Duration::from_millis(150),
        latency_jitter: Duration::from_millis(50),
        ..Faults::default()
    })
    .await;

    for _ in 0..3 {
        let started = Instant::now();
        let reply = endpoint
            .call("ListDomains", json!({"registrationStatus": "REGISTERED"}))
            .await;

        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(
            started.elapsed() >= Duration::from_millis(150),
            "{:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn same_seed_gives_same_faults() {
    let faults = |seed| Faults {
        throttle_share: 0.25,
        error_share: 0.25,
        drop_share: 0.25,
        seed: Some(seed),
        ..Faults::default()
    };
    let mut runs = Vec::new();

    for seed in [42, 42, 43] {
        let endpoint = start_with_faults(faults(seed)).await;
        let mut outcomes = Vec::new();
        for index in 0..40 {
            outcomes.push(outcome(&endpoint, "RegisterDomain", register_domain(&format!("d{index}"))).await);
        }
        runs.push(outcomes);
    }

    assert_eq!(runs[0], runs[1], "seed 42 gave different faults");
    assert_ne!(runs[0], runs[2], "seeds 42 and 43 gave the same faults");
    let dropped = runs[0].iter().filter(|outcome| **outcome == Outcome::Dropped).count();
    assert!(dropped > 0, "none of 40 dropped");
    assert!(dropped < 40, "all of 40 dropped");
}

#[tokio::test]
async fn invalid_fault_shares_fail_to_bind() {
    let settings = Settings {
        faults: Faults {
            throttle_share: 0.6,
            drop_share: 0.6,
            ..Faults::default()
        },
        ..Settings::default()
    };

    let error = LocalEndpoint::bind(settings).await.err().expect("binding fails");

    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("more than 1.0"), "{error}");
}
