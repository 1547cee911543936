//! Long polling: held while there is no work, answered as soon as a task arrives, empty at the end of
//! the window or at shutdown, and never handing a task to a poller that went away.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{DECIDERS, DOMAIN, Endpoint, WORKERS, World, event_types};

#[tokio::test]
async fn poll_is_answered_when_a_task_arrives() {
    let world = World::new().await;
    let endpoint_address = world.endpoint.address;
    let started = Instant::now();
    let poll = tokio::spawn(async move {
        let client = ClientOnly(endpoint_address);
        client.poll_decisions().await
    });

    tokio::time::sleep(Duration::from_millis(500)).await;
    let run_id = world.start("w").await;
    let task = poll.await.expect("poll task");

    assert_eq!(task["workflowExecution"]["runId"], run_id.as_str());
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(500),
        "the poll returned before the task existed"
    );
    assert!(
        elapsed < Duration::from_millis(1_500),
        "the poll took {elapsed:?}, not answered at once"
    );
}

#[tokio::test]
async fn empty_poll_after_window_has_no_token() {
    let world = World::with_endpoint(Endpoint::start_with_window(Duration::from_millis(500)).await).await;
    let started = Instant::now();

    let decision = world
        .ok("PollForDecisionTask", json!({"taskList": {"name": DECIDERS}}))
        .await;
    let activity = world
        .ok("PollForActivityTask", json!({"taskList": {"name": WORKERS}}))
        .await;

    assert_eq!(decision, json!({"previousStartedEventId": 0, "startedEventId": 0}));
    assert_eq!(activity, json!({"startedEventId": 0}));
    assert!(
        started.elapsed() >= Duration::from_millis(1_000),
        "each poll was held for the window"
    );
}

#[tokio::test]
async fn abandoned_poll_gets_no_task() {
    let world = World::with_endpoint(Endpoint::start_with_window(Duration::from_secs(5)).await).await;
    let address = world.endpoint.address;
    let abandoned = tokio::spawn(async move { ClientOnly(address).poll_decisions().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    abandoned.abort();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let run_id = world.start("w").await;
    let task = world.decision_task().await;
    let history = world.history("w", &run_id).await;

    assert_eq!(task["workflowExecution"]["runId"], run_id.as_str());
    let started = event_types(&history)
        .iter()
        .filter(|event_type| *event_type == "DecisionTaskStarted")
        .count();
    assert_eq!(started, 1, "the abandoned poll took no task");
}

#[tokio::test]
async fn one_decision_task_per_execution() {
    let world = World::with_endpoint(Endpoint::start_with_window(Duration::from_millis(700)).await).await;
    world.start("w").await;
    let first = world.decision_task().await;

    world
        .ok("SignalWorkflowExecution", json!({"workflowId": "w", "signalName": "s"}))
        .await;
    let second = world
        .ok("PollForDecisionTask", json!({"taskList": {"name": DECIDERS}}))
        .await;

    assert!(first["taskToken"].is_string());
    assert!(
        second.get("taskToken").is_none(),
        "a second task while one is started: {second}"
    );
}

#[tokio::test]
async fn poll_on_unknown_domain_fails() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint
        .fails(
            "PollForActivityTask",
            json!({"domain": "none", "taskList": {"name": "t"}}),
        )
        .await;

    assert_eq!(reply.code(), "UnknownResourceFault");
}

#[tokio::test]
async fn shutdown_answers_open_polls_empty() {
    let world = World::with_endpoint(Endpoint::start_with_window(Duration::from_secs(60)).await).await;
    let address = world.endpoint.address;
    let poll = tokio::spawn(async move { ClientOnly(address).poll_decisions().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();

    world.endpoint.shut_down().await;
    let answer = poll.await.expect("poll task");

    assert_eq!(answer, json!({"previousStartedEventId": 0, "startedEventId": 0}));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn released_polls_return_without_waiting() {
    let world = World::with_endpoint(Endpoint::start_with_window(Duration::from_secs(60)).await).await;
    let address = world.endpoint.address;
    let open_poll = tokio::spawn(async move { ClientOnly(address).poll_decisions().await });
    tokio::time::sleep(Duration::from_millis(200)).await;

    world.endpoint.poll_release.as_ref().expect("own endpoint").release();
    let released = tokio::time::timeout(Duration::from_secs(30), open_poll)
        .await
        .expect("the open poll returned before its 60-second window")
        .expect("poll task");
    let later_empty = tokio::time::timeout(Duration::from_secs(30), ClientOnly(address).poll_decisions())
        .await
        .expect("a later poll without work returned at once");
    let run_id = world.start("w").await;
    let later_with_task = world.decision_task().await;

    assert_eq!(released, json!({"previousStartedEventId": 0, "startedEventId": 0}));
    assert_eq!(later_empty, json!({"previousStartedEventId": 0, "startedEventId": 0}));
    assert_eq!(later_with_task["workflowExecution"]["runId"], run_id.as_str());
}

#[test]
fn serve_works_on_multi_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let listed = runtime.block_on(async {
        let endpoint = Endpoint::start().await;
        let listed = endpoint
            .ok("ListDomains", json!({"registrationStatus": "REGISTERED"}))
            .await;
        endpoint.shut_down().await;
        listed
    });

    assert_eq!(listed, json!({"domainInfos": []}));
}

/// A client that stores only the endpoint address, for use inside spawned tasks.
struct ClientOnly(std::net::SocketAddr);

impl ClientOnly {
    async fn poll_decisions(&self) -> serde_json::Value {
        let endpoint = crate::support::Endpoint::client_for(self.0);
        endpoint
            .ok(
                "PollForDecisionTask",
                json!({"domain": DOMAIN, "taskList": {"name": DECIDERS}}),
            )
            .await
    }
}
