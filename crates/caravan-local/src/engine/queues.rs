//! Task lists: the decision and activity tasks waiting for a poller, and the wake-ups of long polls.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

use crate::model::execution::{ExecId, QueuePosition};

/// Maximum number of pollers that may wait on one task list at a time, as in SWF.
pub(crate) const MAX_IDLE_POLLERS: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TaskKind {
    Decision,
    Activity,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ListKey {
    kind: TaskKind,
    domain: String,
    name: String,
}

/// A task waiting in a list, identified by its run and the id of its scheduled event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QueuedTask {
    pub(crate) exec: ExecId,
    pub(crate) scheduled_event_id: i64,
}

/// The pollers waiting on one task list.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    /// Woken with `notify_waiters` whenever a task is added to the list.
    pub(crate) notify: Notify,
    idle_pollers: AtomicUsize,
}

impl Waiters {
    /// Counts a poller in until the returned guard drops, or returns `None` when the list already has
    /// the maximum number of pollers.
    pub(crate) fn register(self: &Arc<Self>) -> Option<PollerGuard> {
        let before = self.idle_pollers.fetch_add(1, Ordering::SeqCst);
        if before >= MAX_IDLE_POLLERS {
            self.idle_pollers.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(PollerGuard(Arc::clone(self)))
    }
}

/// Keeps a poller counted on its task list.
pub(crate) struct PollerGuard(Arc<Waiters>);

impl Drop for PollerGuard {
    fn drop(&mut self) {
        self.0.idle_pollers.fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Debug, Default)]
struct TaskList {
    pending: BTreeMap<QueuePosition, QueuedTask>,
    waiters: Arc<Waiters>,
}

#[derive(Debug, Default)]
pub(crate) struct TaskQueues {
    lists: HashMap<ListKey, TaskList>,
    next_sequence: u64,
}

impl TaskQueues {
    /// Adds a task and wakes the pollers of its list; returns where it waits, for a later removal.
    pub(crate) fn push(
        &mut self,
        kind: TaskKind,
        domain: &str,
        name: &str,
        priority: i32,
        task: QueuedTask,
    ) -> QueuePosition {
        self.next_sequence += 1;
        let position = QueuePosition {
            priority,
            sequence: self.next_sequence,
        };

        let list = self.list(kind, domain, name);
        list.pending.insert(position, task);
        list.waiters.notify.notify_waiters();
        position
    }

    /// Takes the first task of a list: the highest priority, then the oldest.
    pub(crate) fn pop(&mut self, kind: TaskKind, domain: &str, name: &str) -> Option<QueuedTask> {
        let list = self.lists.get_mut(&key(kind, domain, name))?;
        list.pending.pop_first().map(|(_, task)| task)
    }

    pub(crate) fn remove(&mut self, kind: TaskKind, domain: &str, name: &str, position: QueuePosition) {
        if let Some(list) = self.lists.get_mut(&key(kind, domain, name)) {
            list.pending.remove(&position);
        }
    }

    pub(crate) fn pending_count(&self, kind: TaskKind, domain: &str, name: &str) -> usize {
        self.lists
            .get(&key(kind, domain, name))
            .map_or(0, |list| list.pending.len())
    }

    pub(crate) fn waiters(&mut self, kind: TaskKind, domain: &str, name: &str) -> Arc<Waiters> {
        Arc::clone(&self.list(kind, domain, name).waiters)
    }

    fn list(&mut self, kind: TaskKind, domain: &str, name: &str) -> &mut TaskList {
        self.lists.entry(key(kind, domain, name)).or_default()
    }
}

fn key(kind: TaskKind, domain: &str, name: &str) -> ListKey {
    ListKey {
        kind,
        domain: domain.to_string(),
        name: name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(scheduled_event_id: i64) -> QueuedTask {
        QueuedTask {
            exec: ExecId(1),
            scheduled_event_id,
        }
    }

    #[test]
    fn pop_prefers_priority_then_age() {
        let mut queues = TaskQueues::default();
        queues.push(TaskKind::Activity, "d", "tl", 0, task(1));
        queues.push(TaskKind::Activity, "d", "tl", 7, task(2));
        queues.push(TaskKind::Activity, "d", "tl", 0, task(3));

        let order: Vec<i64> = std::iter::from_fn(|| queues.pop(TaskKind::Activity, "d", "tl"))
            .map(|task| task.scheduled_event_id)
            .collect();

        assert_eq!(order, [2, 1, 3]);
    }

    #[test]
    fn kinds_and_domains_are_separate_lists() {
        let mut queues = TaskQueues::default();
        queues.push(TaskKind::Decision, "d", "tl", 0, task(1));

        assert_eq!(queues.pending_count(TaskKind::Activity, "d", "tl"), 0);
        assert_eq!(queues.pending_count(TaskKind::Decision, "other", "tl"), 0);
        assert_eq!(queues.pending_count(TaskKind::Decision, "d", "tl"), 1);
    }

    #[test]
    fn remove_drops_one_task() {
        let mut queues = TaskQueues::default();
        let first = queues.push(TaskKind::Decision, "d", "tl", 0, task(1));
        queues.push(TaskKind::Decision, "d", "tl", 0, task(2));

        queues.remove(TaskKind::Decision, "d", "tl", first);

        assert_eq!(queues.pop(TaskKind::Decision, "d", "tl"), Some(task(2)));
    }

    #[test]
    fn poller_limit_is_enforced() {
        let waiters = Arc::new(Waiters::default());
        let guards: Vec<PollerGuard> = (0..MAX_IDLE_POLLERS).filter_map(|_| waiters.register()).collect();

        assert_eq!(guards.len(), MAX_IDLE_POLLERS);
        assert!(waiters.register().is_none());
        drop(guards);
        assert!(waiters.register().is_some());
    }
}
