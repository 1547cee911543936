//! Long polling, shared by PollForDecisionTask and PollForActivityTask.
//!
//! A poll registers for its task list's wake-up before it looks at the list, both under the lock that
//! guards adding tasks, so a task added between the look and the wait still wakes it. The task is taken
//! in the same lock section that finds it, and no await separates taking it from building the response,
//! so a poll whose connection closed while it waited is dropped before it can take anything. hyper
//! checks the connection for end of input before it polls the request's future, which makes such a
//! drop the usual case. A client that disconnects during the few microseconds between taking and
//! writing still loses the task, which then times out like a task lost in transit.

use std::time::Instant;

use crate::engine::State;
use crate::engine::queues::{MAX_IDLE_POLLERS, TaskKind};
use crate::error::{ApiError, Fault};
use crate::shared::Shared;

/// Calls `take` until it returns a task, waiting for tasks to arrive on the list, for at most the poll
/// window. Returns `None` when the window ends, the endpoint shuts down or polls are released.
pub(crate) async fn long_poll<T, F>(
    shared: &Shared,
    kind: TaskKind,
    domain: &str,
    task_list: &str,
    mut take: F,
) -> Result<Option<T>, ApiError>
where
    F: FnMut(&mut State) -> Option<T> + Send,
{
    let waiters = shared.with_state(|state| {
        state.domain(domain)?;
        Ok(state.queues.waiters(kind, domain, task_list))
    })?;
    let _poller = waiters.register().ok_or_else(|| {
        ApiError::fault(
            Fault::LimitExceeded,
            format!("Task list {task_list} already has {MAX_IDLE_POLLERS} pollers waiting; retry later"),
        )
    })?;
    let window_end = Instant::now() + shared.poll_window;
    let mut released = shared.polls_released_signal();

    loop {
        let notified = waiters.notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();

        if let Some(task) = shared.with_state(|state| Ok(take(state)))? {
            return Ok(Some(task));
        }
        if *released.borrow_and_update() {
            return Ok(None);
        }

        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(window_end.into()) => return Ok(None),
            _ = released.changed() => {}
        }
    }
}
