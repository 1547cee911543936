//! Page tokens of the paginated operations.
//!
//! A token is a random key into a table of cursors held here, so a client can neither forge nor alter
//! one. Each cursor remembers the operation and every other argument of the request that made it
//! (its fingerprint); a token sent with other arguments is rejected, because SWF requires callers to
//! repeat them unchanged.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::error::ApiError;
use crate::model::domain::TypeKey;
use crate::model::events::Event;
use crate::model::execution::ExecId;
use crate::model::values::{MILLIS_PER_DAY, Millis};

/// How long a page token stays valid; SWF documents 24 hours.
const TOKEN_LIFETIME: Millis = MILLIS_PER_DAY;

/// Most cursors kept; the oldest are forgotten first. A forgotten token gets the same error as an
/// expired one.
const MAX_CURSORS: usize = 100_000;

/// Largest page, and the page size when a request gives none (or 0).
pub(crate) const MAX_PAGE_SIZE: usize = 1_000;

/// Start of the next page.
#[derive(Clone, Debug)]
pub(crate) enum Position {
    /// After this domain name.
    Domain(String),
    /// After this type.
    Type(TypeKey),
    /// After the run with this sort time and handle.
    Execution(Millis, ExecId),
    /// At this event id of a run's history.
    Event(i64),
    /// At an event id of the history handed out with a decision task.
    DecisionTask(DecisionTaskPage),
}

/// The decision task that a page of PollForDecisionTask belongs to, and where its next page starts.
#[derive(Clone, Debug)]
pub(crate) struct DecisionTaskPage {
    pub(crate) exec: ExecId,
    pub(crate) task_token: String,
    pub(crate) started_event_id: i64,
    pub(crate) previous_started_event_id: i64,
    /// First event of the task's history (later than 1 with `startAtPreviousStartedEvent`).
    pub(crate) first_event_id: i64,
    pub(crate) next_event_id: i64,
}

struct Cursor {
    operation: &'static str,
    fingerprint: String,
    issued_at: Millis,
    position: Position,
}

#[derive(Default)]
pub(crate) struct PageCursors {
    cursors: HashMap<String, Cursor>,
    issue_order: VecDeque<String>,
}

impl PageCursors {
    /// Stores a cursor and returns its token.
    pub(crate) fn issue(
        &mut self,
        operation: &'static str,
        fingerprint: &str,
        position: Position,
        now: Millis,
    ) -> String {
        while self.issue_order.len() >= MAX_CURSORS {
            if let Some(oldest) = self.issue_order.pop_front() {
                self.cursors.remove(&oldest);
            }
        }

        let token = crate::ids::page_token();
        let cursor = Cursor {
            operation,
            fingerprint: fingerprint.to_string(),
            issued_at: now,
            position,
        };
        self.cursors.insert(token.clone(), cursor);
        self.issue_order.push_back(token.clone());
        token
    }

    /// Returns the position of a token made by the same operation with the same arguments. A token can
    /// be redeemed again, so a client may retry a page.
    pub(crate) fn redeem(
        &self,
        token: &str,
        operation: &'static str,
        fingerprint: &str,
        now: Millis,
    ) -> Result<Position, ApiError> {
        let cursor = self
            .cursors
            .get(token)
            .filter(|cursor| now - cursor.issued_at <= TOKEN_LIFETIME)
            .ok_or_else(|| ApiError::Validation("Specified token has exceeded its maximum lifetime".to_string()))?;

        if cursor.operation != operation || cursor.fingerprint != fingerprint {
            return Err(ApiError::Validation(format!(
                "The nextPageToken was issued for another {operation} request; \
                 send it with the same arguments as the request that returned it"
            )));
        }
        Ok(cursor.position.clone())
    }
}

/// One page of a list, and the key of its last item when more items follow.
pub(crate) struct Page<K, T> {
    pub(crate) items: Vec<T>,
    pub(crate) last_key: Option<K>,
}

/// Sorts `items` by key (descending when `descending`), skips the items up to and including `after`,
/// and returns at most `size` of the rest.
pub(crate) fn page_after<K: Ord + Clone, T>(
    mut items: Vec<(K, T)>,
    descending: bool,
    after: Option<&K>,
    size: usize,
) -> Page<K, T> {
    items.sort_by(|left, right| left.0.cmp(&right.0));
    if descending {
        items.reverse();
    }

    let start = match after {
        Some(after) => items
            .iter()
            .position(|(key, _)| if descending { key < after } else { key > after })
            .unwrap_or(items.len()),
        None => 0,
    };
    let end = start.saturating_add(size).min(items.len());
    let last_key = (end < items.len() && end > start).then(|| items[end - 1].0.clone());

    let items = items
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|(_, item)| item)
        .collect();
    Page { items, last_key }
}

/// One page of a history: the events from `start` onwards within `first..=last` in the given direction,
/// and the id the next page starts at when events remain.
pub(crate) fn history_page(
    history: &[Event],
    first: i64,
    last: i64,
    start: i64,
    reverse: bool,
    size: usize,
) -> (Vec<Value>, Option<i64>) {
    let size = size as i64;
    let (from, to, next) = if reverse {
        let to = start.saturating_sub(size - 1).max(first);
        (to, start, (to > first).then_some(to - 1))
    } else {
        let to = start.saturating_add(size - 1).min(last);
        (start, to, (to < last).then_some(to + 1))
    };

    let mut events: Vec<Value> = history
        .iter()
        .filter(|event| event.id >= from && event.id <= to)
        .map(Event::to_value)
        .collect();
    if reverse {
        events.reverse();
    }
    (events, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(page: &Page<i32, i32>) -> Vec<i32> {
        page.items.clone()
    }

    #[test]
    fn page_after_walks_ascending() {
        let items: Vec<(i32, i32)> = (1..=5).map(|n| (n, n)).collect();

        let first = page_after(items.clone(), false, None, 2);
        let second = page_after(items.clone(), false, first.last_key.as_ref(), 2);
        let third = page_after(items, false, second.last_key.as_ref(), 2);

        assert_eq!(keys(&first), [1, 2]);
        assert_eq!(keys(&second), [3, 4]);
        assert_eq!(keys(&third), [5]);
        assert_eq!(third.last_key, None);
    }

    #[test]
    fn page_after_walks_descending() {
        let items: Vec<(i32, i32)> = (1..=3).map(|n| (n, n)).collect();

        let first = page_after(items.clone(), true, None, 2);
        let second = page_after(items, true, first.last_key.as_ref(), 2);

        assert_eq!(keys(&first), [3, 2]);
        assert_eq!(keys(&second), [1]);
    }

    #[test]
    fn page_after_survives_removed_key() {
        let items: Vec<(i32, i32)> = [1, 2, 4].into_iter().map(|n| (n, n)).collect();

        let page = page_after(items, false, Some(&3), 10);

        assert_eq!(keys(&page), [4]);
    }

    #[test]
    fn cursor_is_bound_to_its_request() {
        let mut cursors = PageCursors::default();
        let token = cursors.issue("ListDomains", "a", Position::Domain("x".into()), 0);

        assert!(cursors.redeem(&token, "ListDomains", "a", 10).is_ok());
        assert!(matches!(
            cursors.redeem(&token, "ListDomains", "b", 10),
            Err(ApiError::Validation(_))
        ));
        assert!(matches!(
            cursors.redeem(&token, "ListActivityTypes", "a", 10),
            Err(ApiError::Validation(_))
        ));
        assert!(matches!(
            cursors.redeem(&token, "ListDomains", "a", TOKEN_LIFETIME + 1),
            Err(ApiError::Validation(_))
        ));
        assert!(matches!(
            cursors.redeem("forged", "ListDomains", "a", 10),
            Err(ApiError::Validation(_))
        ));
    }
}
