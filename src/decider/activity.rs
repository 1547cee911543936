//! The current activity of each poller, so that a shutdown that reaches its deadline can log what it
//! abandons.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::DecisionTask;

#[derive(Debug, Clone)]
pub enum Activity {
    Idle,
    Polling {
        since: Instant,
    },
    FetchingHistory {
        workflow_id: String,
        run_id: String,
        since: Instant,
    },
    Deciding {
        workflow_id: String,
        run_id: String,
        workflow_type: String,
        since: Instant,
    },
    Responding {
        workflow_id: String,
        run_id: String,
        workflow_type: String,
        since: Instant,
    },
    Stopped,
}

impl Activity {
    pub fn deciding(task: &DecisionTask) -> Activity {
        Activity::Deciding {
            workflow_id: task.workflow_id.clone(),
            run_id: task.run_id.clone(),
            workflow_type: format!("{} {}", task.type_name, task.type_version),
            since: Instant::now(),
        }
    }

    pub fn responding(task: &DecisionTask) -> Activity {
        Activity::Responding {
            workflow_id: task.workflow_id.clone(),
            run_id: task.run_id.clone(),
            workflow_type: format!("{} {}", task.type_name, task.type_version),
            since: Instant::now(),
        }
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activity::Idle => write!(f, "idle"),
            Activity::Polling { since } => write!(f, "an open poll ({} s old)", since.elapsed().as_secs()),
            Activity::FetchingHistory {
                workflow_id,
                run_id,
                since,
            } => write!(
                f,
                "the history of a decision task of workflow {workflow_id} (run {run_id}), fetched for {} s",
                since.elapsed().as_secs()
            ),
            Activity::Deciding {
                workflow_id,
                run_id,
                workflow_type,
                since,
            } => write!(
                f,
                "a decision for workflow {workflow_id} (run {run_id}, type {workflow_type}) in the plugin for {} s",
                since.elapsed().as_secs()
            ),
            Activity::Responding {
                workflow_id,
                run_id,
                workflow_type,
                since,
            } => write!(
                f,
                "the response to a decision task of workflow {workflow_id} (run {run_id}, type {workflow_type}), retried for {} s",
                since.elapsed().as_secs()
            ),
            Activity::Stopped => write!(f, "stopped"),
        }
    }
}

/// A poller's current activity, shared with the supervisor.
#[derive(Debug, Clone)]
pub struct ActivitySlot(Arc<Mutex<Activity>>);

impl Default for ActivitySlot {
    fn default() -> Self {
        ActivitySlot(Arc::new(Mutex::new(Activity::Idle)))
    }
}

impl ActivitySlot {
    pub fn set(&self, activity: Activity) {
        if let Ok(mut current) = self.0.lock() {
            *current = activity;
        }
    }

    pub fn get(&self) -> Activity {
        match self.0.lock() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}
