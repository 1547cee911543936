//! The trait an activity implements, the task it receives and the outcome it returns.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::manifest::ActivityRegistration;
use crate::types::{ActivityType, WorkflowExecution};

/// A worker for one SWF activity type.
///
/// The host may run many tasks at once, on several threads, so a value of this type is shared
/// by all calls and nothing should carry over from one task to the next.
pub trait Activity: Send + Sync + 'static {
    /// Returns the activity type this worker serves and its registered defaults. The SDK calls
    /// it once, when the plugin first needs its activities.
    fn registration(&self) -> ActivityRegistration;

    /// Runs one activity task and returns its result, which SWF records in the
    /// `ActivityTaskCompleted` event, or the failure it records in `ActivityTaskFailed`.
    fn run(&self, task: &ActivityTask, context: &ActivityContext<'_>) -> Result<String, ActivityFailure>;
}

/// An activity task as `PollForActivityTask` returns it, without the task token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTask {
    pub activity_id: String,
    pub activity_type: ActivityType,
    pub workflow_execution: WorkflowExecution,
    #[serde(default)]
    pub started_event_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
}

/// The host's side of a running activity: the cancellation flag and the heartbeat details.
pub struct ActivityContext<'a> {
    cancel: &'a AtomicBool,
    heartbeat: Option<&'a (dyn Fn(&str) + Sync)>,
}

impl<'a> ActivityContext<'a> {
    /// Wraps the flag that the host sets to ask the activity to stop early. Details recorded
    /// with [`record_heartbeat`](Self::record_heartbeat) go nowhere until
    /// [`with_heartbeat_sink`](Self::with_heartbeat_sink) sets where they go.
    pub fn new(cancel: &'a AtomicBool) -> Self {
        Self {
            cancel,
            heartbeat: None,
        }
    }

    /// Sends the details of each [`record_heartbeat`](Self::record_heartbeat) call to `sink`.
    /// The SDK passes the host's function here, and a test of an activity can pass a closure
    /// that collects the details.
    pub fn with_heartbeat_sink(mut self, sink: &'a (dyn Fn(&str) + Sync)) -> Self {
        self.heartbeat = Some(sink);
        self
    }

    /// Returns whether the host has requested that the activity stop early: SWF reported a
    /// cancellation request in the response to a heartbeat, or no longer has the task. An
    /// activity that reads `true` should return soon with a failure, which the host then reports
    /// to SWF as a cancellation when SWF requested one.
    pub fn is_cancel_requested(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Records progress details, such as `"37 of 120 files"`, for the worker's heartbeats, and
    /// returns at once. The worker heartbeats on its own schedule (caravan sends one every half
    /// of the task's heartbeat timeout) and sends the latest details with each heartbeat, as
    /// `RecordActivityTaskHeartbeat`'s `details`, cut to SWF's 2,048 characters. SWF shows the
    /// last heartbeat's details in the `ActivityTaskTimedOut` event if the task times out.
    ///
    /// Calling it often is cheap: each call replaces the stored details and sends nothing.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use std::sync::atomic::AtomicBool;
    ///
    /// use caravan_plugin::{ActivityContext, ActivityFailure};
    ///
    /// fn copy_files(files: &[&str], context: &ActivityContext<'_>) -> Result<String, ActivityFailure> {
    ///     for (copied, _file) in files.iter().enumerate() {
    ///         if context.is_cancel_requested() {
    ///             return Err(ActivityFailure::new("canceled"));
    ///         }
    ///         context.record_heartbeat(&format!("{copied} of {} files", files.len()));
    ///         // Copy the file here.
    ///     }
    ///     Ok(format!("{} files", files.len()))
    /// }
    ///
    /// // In a test, a sink collects what the activity records.
    /// let cancel = AtomicBool::new(false);
    /// let recorded = Mutex::new(Vec::new());
    /// let sink = |details: &str| recorded.lock().unwrap().push(details.to_owned());
    /// let context = ActivityContext::new(&cancel).with_heartbeat_sink(&sink);
    ///
    /// copy_files(&["a.txt", "b.txt"], &context).unwrap();
    ///
    /// assert_eq!(*recorded.lock().unwrap(), ["0 of 2 files", "1 of 2 files"]);
    /// ```
    pub fn record_heartbeat(&self, details: &str) {
        if let Some(sink) = self.heartbeat {
            sink(details);
        }
    }
}

/// Why an activity failed: SWF's `reason` (at most 256 characters) and `details` (at most
/// 32,768). The host cuts longer values to these limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFailure {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl ActivityFailure {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: Some(reason.into()),
            details: None,
        }
    }

    pub fn details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }
}

impl fmt::Display for ActivityFailure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.reason.as_deref().unwrap_or("activity failed"))?;
        if let Some(details) = &self.details {
            write!(formatter, ": {details}")?;
        }
        Ok(())
    }
}

/// The outcome of an activity task as it crosses the ABI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActivityOutcome {
    Completed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<String>,
    },
    Failed(ActivityFailure),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcome_wire_shapes() {
        let completed = ActivityOutcome::Completed {
            result: Some("OK".to_owned()),
        };
        let failed = ActivityOutcome::Failed(ActivityFailure::new("bad input").details("line 3"));

        assert_eq!(
            serde_json::to_value(&completed).unwrap(),
            json!({"completed": {"result": "OK"}})
        );
        assert_eq!(
            serde_json::to_value(&failed).unwrap(),
            json!({"failed": {"reason": "bad input", "details": "line 3"}})
        );
    }

    #[test]
    fn task_reads_poll_shape() {
        let json = r#"{"activityId":"a1","activityType":{"name":"Upper","version":"1"},
            "workflowExecution":{"workflowId":"w","runId":"r"},"startedEventId":7,"input":"hi"}"#;

        let task: ActivityTask = serde_json::from_str(json).unwrap();

        assert_eq!(task.activity_id, "a1");
        assert_eq!(task.activity_type, ActivityType::new("Upper", "1"));
        assert_eq!(task.workflow_execution.run_id, "r");
        assert_eq!(task.input.as_deref(), Some("hi"));
    }

    #[test]
    fn context_reads_cancel_flag() {
        let flag = AtomicBool::new(false);
        let context = ActivityContext::new(&flag);

        assert!(!context.is_cancel_requested());
        flag.store(true, Ordering::Relaxed);
        assert!(context.is_cancel_requested());
    }

    #[test]
    fn context_sends_heartbeat_details_to_sink() {
        let flag = AtomicBool::new(false);
        let recorded = std::sync::Mutex::new(Vec::new());
        let sink = |details: &str| recorded.lock().unwrap().push(details.to_owned());
        let context = ActivityContext::new(&flag).with_heartbeat_sink(&sink);

        context.record_heartbeat("1 of 2");
        context.record_heartbeat("2 of 2");

        assert_eq!(*recorded.lock().unwrap(), ["1 of 2", "2 of 2"]);
    }

    #[test]
    fn context_without_sink_drops_details() {
        let flag = AtomicBool::new(false);
        let context = ActivityContext::new(&flag);

        context.record_heartbeat("nobody listens");

        assert!(!context.is_cancel_requested());
    }
}
