//! The heartbeat schedule, run on tokio's paused clock against calls that return scripted results.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::*;

/// The result of the scripted lookup of the task's heartbeat timeout.
#[derive(Clone, Copy)]
enum ScriptedLookup {
    Timeout(&'static str),
    NoTimeout,
    Fails,
}

/// Task calls that return scripted results and note when each call was made.
struct ScriptedCalls {
    started: Instant,
    lookup_takes: Duration,
    lookup_result: ScriptedLookup,
    /// Results of the next heartbeats. Heartbeats beyond them return `Ok(false)`.
    heartbeat_results: Mutex<VecDeque<Result<bool, swf::CallError>>>,
    /// When each heartbeat was sent, and its details.
    heartbeats: Mutex<Vec<(Duration, Option<String>)>>,
    /// When each lookup started.
    lookups: Mutex<Vec<Duration>>,
}

impl ScriptedCalls {
    fn new(lookup_takes: Duration, lookup_result: ScriptedLookup) -> Self {
        Self {
            started: Instant::now(),
            lookup_takes,
            lookup_result,
            heartbeat_results: Mutex::new(VecDeque::new()),
            heartbeats: Mutex::new(Vec::new()),
            lookups: Mutex::new(Vec::new()),
        }
    }

    fn with_heartbeat_results(self, results: Vec<Result<bool, swf::CallError>>) -> Self {
        *self.heartbeat_results.lock().unwrap() = results.into();
        self
    }

    fn heartbeat_times(&self) -> Vec<Duration> {
        self.heartbeats.lock().unwrap().iter().map(|(at, _)| *at).collect()
    }

    fn heartbeat_details(&self) -> Vec<Option<String>> {
        self.heartbeats
            .lock()
            .unwrap()
            .iter()
            .map(|(_, details)| details.clone())
            .collect()
    }

    fn lookup_times(&self) -> Vec<Duration> {
        self.lookups.lock().unwrap().clone()
    }
}

impl TaskCalls for ScriptedCalls {
    async fn heartbeat(&self, details: Option<&str>, _timeout: Duration) -> Result<bool, swf::CallError> {
        let sent_at = self.started.elapsed();
        self.heartbeats
            .lock()
            .unwrap()
            .push((sent_at, details.map(str::to_string)));

        self.heartbeat_results.lock().unwrap().pop_front().unwrap_or(Ok(false))
    }

    async fn scheduled_heartbeat_timeout(&self) -> Result<Option<String>, LookupError> {
        self.lookups.lock().unwrap().push(self.started.elapsed());
        tokio::time::sleep(self.lookup_takes).await;

        match self.lookup_result {
            ScriptedLookup::Timeout(timeout) => Ok(Some(timeout.to_string())),
            ScriptedLookup::NoTimeout => Ok(None),
            ScriptedLookup::Fails => Err(LookupError::Call {
                page: 1,
                message: "AccessDeniedException: not authorized".to_string(),
            }),
        }
    }
}

/// The outcome of one scripted run: the calls made, whether the loop reported a cancellation
/// request, and the cancellation flag.
struct Run {
    calls: ScriptedCalls,
    cancel_requested: bool,
    flag: bool,
}

/// Runs the heartbeats for an activity that takes `runs_for`, while `progress` records details at
/// the given moments.
async fn run(
    calls: ScriptedCalls,
    registered_every: Duration,
    runs_for: Duration,
    progress: &[(Duration, &'static str)],
) -> Run {
    let details = Arc::new(HeartbeatDetails::default());
    let recorded = details.clone();
    let progress = progress.to_vec();
    let running = tokio::spawn(async move {
        let started = Instant::now();
        for (at, text) in progress {
            tokio::time::sleep_until(started + at).await;
            recorded.record(text.as_bytes());
        }
        tokio::time::sleep_until(started + runs_for).await;
        "done"
    });
    let cancel = AtomicBool::new(false);
    let lookup_warnings = RepeatLimiter::default();
    let heartbeats = Heartbeats {
        calls,
        registered_every,
        cancel: &cancel,
        details: &details,
        lookup_warnings: &lookup_warnings,
    };

    let (joined, cancel_requested) = heartbeats.beat_while_running(running).await;

    assert_eq!(joined.expect("the activity task ends"), "done");
    Run {
        calls: heartbeats.calls,
        cancel_requested,
        flag: cancel.load(Ordering::Relaxed),
    }
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

#[tokio::test(start_paused = true)]
async fn quick_activity_makes_no_calls() {
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("20"));

    let run = run(calls, secs(10), ms(100), &[]).await;

    assert!(run.calls.lookup_times().is_empty());
    assert!(run.calls.heartbeat_times().is_empty());
}

#[tokio::test(start_paused = true)]
async fn lookup_starts_after_delay() {
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("20"));

    let run = run(calls, secs(10), secs(1), &[]).await;

    assert_eq!(run.calls.lookup_times(), [LOOKUP_DELAY]);
    assert!(run.calls.heartbeat_times().is_empty());
}

#[tokio::test(start_paused = true)]
async fn shorter_task_timeout_speeds_heartbeats() {
    // Registered 20 seconds, so every 10 s, but the task's own timeout is 2 seconds.
    let calls = ScriptedCalls::new(ms(50), ScriptedLookup::Timeout("2"));

    let run = run(calls, secs(10), ms(5500), &[]).await;

    assert_eq!(run.calls.lookup_times(), [LOOKUP_DELAY]);
    assert_eq!(
        run.calls.heartbeat_times(),
        [secs(1), secs(2), secs(3), secs(4), secs(5)]
    );
}

#[tokio::test(start_paused = true)]
async fn late_lookup_result_beats_at_once() {
    // The result arrives after the first heartbeat of the task's own timeout was due.
    let calls = ScriptedCalls::new(ms(1500), ScriptedLookup::Timeout("2"));

    let run = run(calls, secs(10), secs(3), &[]).await;

    assert_eq!(run.calls.heartbeat_times(), [ms(1700), ms(2700)]);
}

#[tokio::test(start_paused = true)]
async fn longer_task_timeout_slows_heartbeats() {
    // Registered 2 seconds, so every second, but the task has no heartbeat timeout.
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("NONE"));

    let run = run(calls, secs(1), secs(5), &[]).await;

    assert_eq!(run.calls.lookup_times(), [LOOKUP_DELAY]);
    assert!(run.calls.heartbeat_times().is_empty());
}

#[tokio::test(start_paused = true)]
async fn failed_lookup_keeps_registered_interval() {
    let calls = ScriptedCalls::new(ms(100), ScriptedLookup::Fails);

    let run = run(calls, secs(1), ms(3500), &[]).await;

    assert_eq!(run.calls.lookup_times(), [LOOKUP_DELAY]);
    assert_eq!(run.calls.heartbeat_times(), [secs(1), secs(2), secs(3)]);
}

#[tokio::test(start_paused = true)]
async fn event_without_timeout_keeps_registered_interval() {
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::NoTimeout);

    let run = run(calls, secs(1), ms(2500), &[]).await;

    assert_eq!(run.calls.heartbeat_times(), [secs(1), secs(2)]);
}

#[tokio::test(start_paused = true)]
async fn shortest_interval_skips_lookup() {
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("NONE"));

    let run = run(calls, MIN_INTERVAL, ms(2200), &[]).await;

    assert!(run.calls.lookup_times().is_empty());
    assert_eq!(run.calls.heartbeat_times(), [ms(500), ms(1000), ms(1500), ms(2000)]);
}

#[tokio::test(start_paused = true)]
async fn heartbeats_carry_latest_details() {
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("2"));
    let progress = [(ms(300), "step 1"), (ms(1400), "step 2"), (ms(1500), "step 3")];

    let run = run(calls, secs(1), ms(3500), &progress).await;

    assert_eq!(
        run.calls.heartbeat_details(),
        [
            Some("step 1".to_string()),
            Some("step 3".to_string()),
            Some("step 3".to_string())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn heartbeats_without_details() {
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("2"));

    let run = run(calls, secs(1), ms(1500), &[]).await;

    assert_eq!(run.calls.heartbeat_details(), [None]);
}

#[tokio::test(start_paused = true)]
async fn cancel_request_sets_flag() {
    let calls =
        ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("2")).with_heartbeat_results(vec![Ok(false), Ok(true)]);

    let run = run(calls, secs(1), ms(3500), &[]).await;

    assert!(run.cancel_requested);
    assert!(run.flag);
    assert_eq!(run.calls.heartbeat_times(), [secs(1), secs(2), secs(3)]);
}

#[tokio::test(start_paused = true)]
async fn unknown_task_stops_heartbeats() {
    let unknown_task = swf::CallError {
        class: ErrorClass::UnknownResource,
        message: "UnknownResourceFault: Unknown activity task".to_string(),
    };
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("2")).with_heartbeat_results(vec![Err(unknown_task)]);

    let run = run(calls, secs(1), ms(3500), &[]).await;

    assert!(!run.cancel_requested);
    assert!(run.flag);
    assert_eq!(run.calls.heartbeat_times(), [secs(1)]);
}

#[tokio::test(start_paused = true)]
async fn failed_heartbeat_keeps_schedule() {
    let throttled = swf::CallError {
        class: ErrorClass::Transient,
        message: "ThrottlingException: Rate exceeded".to_string(),
    };
    let calls = ScriptedCalls::new(ms(0), ScriptedLookup::Timeout("2")).with_heartbeat_results(vec![Err(throttled)]);

    let run = run(calls, secs(1), ms(2500), &[]).await;

    assert!(!run.flag);
    assert_eq!(run.calls.heartbeat_times(), [secs(1), secs(2)]);
}

#[test]
fn heartbeat_body_carries_details() {
    let with: serde_json::Value = serde_json::from_slice(&heartbeat_body("T", Some("step 3"))).unwrap();
    let without: serde_json::Value = serde_json::from_slice(&heartbeat_body("T", None)).unwrap();

    assert_eq!(with, serde_json::json!({"taskToken": "T", "details": "step 3"}));
    assert_eq!(without, serde_json::json!({"taskToken": "T"}));
}

#[test]
fn interval_is_half_the_timeout() {
    assert_eq!(interval(Some("60")), Duration::from_secs(30));
    assert_eq!(interval(Some("3")), Duration::from_millis(1500));
}

#[test]
fn interval_has_a_floor() {
    assert_eq!(interval(Some("1")), MIN_INTERVAL);
}

#[test]
fn interval_without_timeout() {
    assert_eq!(interval(None), INTERVAL_WITHOUT_TIMEOUT);
    assert_eq!(interval(Some("NONE")), INTERVAL_WITHOUT_TIMEOUT);
    assert_eq!(interval(Some("0")), INTERVAL_WITHOUT_TIMEOUT);
}
