//! The running deciders and workers, each a unit of poll loops that share a stop token, and how a
//! reload replaces one set of units with another.
//!
//! A unit that a reload leaves exactly as it was (same section, settings and plugin files) keeps
//! running untouched. Every other unit of the new set starts first, and only then do the units
//! that are gone or changed stop polling. A stopping unit still finishes its open polls and the
//! tasks they return, so no task is dropped. For up to one poll window after a reload, such a task
//! can still be decided or run by the old plugin version.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Prepared;
use crate::config::FailedDecisionPolicy;
use crate::decider::{self, ActivitySlot, DeciderSpec, Poller};
use crate::plugin::LoadedPlugin;
use crate::swf::DirectClient;
use crate::worker::{self, RunningTasks, WorkerSpec};

/// The identity of a unit: a reload keeps a running unit whose key the new config gives again, and
/// replaces it otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum UnitKey {
    Decider {
        name: String,
        domain: String,
        task_list: String,
        pollers: u32,
        policy: FailedDecisionPolicy,
        plugins: Vec<String>,
    },
    Worker {
        name: String,
        domain: String,
        task_list: String,
        pollers: u32,
        concurrency: u32,
        plugins: Vec<String>,
    },
}

/// Returns each plugin as path and digest, in a stable order, so that a replaced file changes the
/// key.
fn plugin_fingerprints(plugins: &[Arc<LoadedPlugin>]) -> Vec<String> {
    let mut fingerprints: Vec<String> = plugins
        .iter()
        .map(|plugin| format!("{}@{}", plugin.path().display(), plugin.digest_hex()))
        .collect();
    fingerprints.sort();
    fingerprints
}

impl UnitKey {
    fn of_decider(spec: &DeciderSpec) -> Self {
        UnitKey::Decider {
            name: spec.name.clone(),
            domain: spec.domain.clone(),
            task_list: spec.task_list.clone(),
            pollers: spec.pollers,
            policy: spec.policy,
            plugins: plugin_fingerprints(&spec.workflows.plugins()),
        }
    }

    fn of_worker(spec: &WorkerSpec) -> Self {
        UnitKey::Worker {
            name: spec.name.clone(),
            domain: spec.domain.clone(),
            task_list: spec.task_list.clone(),
            pollers: spec.pollers,
            concurrency: spec.concurrency,
            plugins: plugin_fingerprints(&spec.activities.plugins()),
        }
    }
}

/// The work of a unit, for the log of what a stop abandons.
enum Work {
    /// One slot per poller of a decider, labelled `DOMAIN/TASK_LIST#N`.
    Decider(Vec<(String, ActivitySlot)>),
    Worker(Arc<RunningTasks>),
}

struct Unit {
    key: UnitKey,
    /// `decider NAME` or `worker NAME`, for the log.
    label: String,
    /// `DOMAIN/TASK_LIST`, for the status line.
    serves: String,
    stop: CancellationToken,
    loops_left: usize,
    /// Set when a reload replaced or removed the unit: it is finishing its work.
    retiring: bool,
    work: Work,
}

/// The meaning of a poll loop that returned.
#[derive(Debug, PartialEq, Eq)]
pub enum LoopEnded {
    /// A loop of a unit that still serves ended without being asked to: a bug.
    Unexpected,
    /// A loop of a stopping unit ended; the unit has more loops running.
    Draining,
    /// The last loop of a unit that a reload replaced ended. Holds the unit's label.
    Retired(String),
    /// The last loop of a unit ended after a stop request.
    Stopped,
}

/// The units a reload started, left unchanged and stopped, for its log line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub started: Vec<String>,
    pub unchanged: Vec<String>,
    pub retiring: Vec<String>,
}

/// The running units and their poll loops.
pub struct Units {
    client: Arc<DirectClient>,
    identity: String,
    units: HashMap<u64, Unit>,
    next_id: u64,
    loops: JoinSet<u64>,
}

impl Units {
    pub fn new(client: Arc<DirectClient>, identity: String) -> Self {
        Units {
            client,
            identity,
            units: HashMap::new(),
            next_id: 0,
            loops: JoinSet::new(),
        }
    }

    /// Starts the units of `prepared` that are not running yet, then stops the running units that
    /// `prepared` no longer has. The units that stop finish their open polls and tasks.
    pub fn apply(&mut self, prepared: Prepared) -> Changes {
        let mut changes = Changes::default();
        let mut in_new_config = HashSet::new();

        for spec in prepared.deciders {
            let key = UnitKey::of_decider(&spec);
            match self.serving(&key) {
                Some(label) => changes.unchanged.push(label),
                None => changes.started.push(self.start_decider(key.clone(), spec)),
            }
            in_new_config.insert(key);
        }
        for spec in prepared.workers {
            let key = UnitKey::of_worker(&spec);
            match self.serving(&key) {
                Some(label) => changes.unchanged.push(label),
                None => changes.started.push(self.start_worker(key.clone(), spec)),
            }
            in_new_config.insert(key);
        }

        for unit in self.units.values_mut() {
            if !unit.retiring && !in_new_config.contains(&unit.key) {
                unit.retiring = true;
                unit.stop.cancel();
                changes.retiring.push(unit.label.clone());
            }
        }
        changes
    }

    /// Returns the label of the serving unit with this key, if there is one.
    fn serving(&self, key: &UnitKey) -> Option<String> {
        self.units
            .values()
            .find(|unit| !unit.retiring && unit.key == *key)
            .map(|unit| unit.label.clone())
    }

    fn start_decider(&mut self, key: UnitKey, spec: DeciderSpec) -> String {
        let spec = Arc::new(spec);
        tracing::info!(
            decider = %spec.name,
            domain = %spec.domain,
            task_list = %spec.task_list,
            pollers = spec.pollers,
            workflow_types = %spec.workflows.type_names().join(", "),
            "serving task list"
        );

        let id = self.take_id();
        let stop = CancellationToken::new();
        let mut slots = Vec::new();
        for index in 1..=spec.pollers {
            let activity = ActivitySlot::default();
            slots.push((format!("{}/{}#{index}", spec.domain, spec.task_list), activity.clone()));
            let poller = Poller {
                client: self.client.clone(),
                spec: spec.clone(),
                identity: self.identity.clone(),
                index,
                activity,
            };
            let loop_stop = stop.clone();
            self.loops.spawn(async move {
                decider::run_poller(poller, loop_stop).await;
                id
            });
        }

        let label = format!("decider {}", spec.name);
        self.units.insert(
            id,
            Unit {
                key,
                label: label.clone(),
                serves: format!("{}/{}", spec.domain, spec.task_list),
                stop,
                loops_left: slots.len(),
                retiring: false,
                work: Work::Decider(slots),
            },
        );
        label
    }

    fn start_worker(&mut self, key: UnitKey, spec: WorkerSpec) -> String {
        let spec = Arc::new(spec);
        tracing::info!(
            worker = %spec.name,
            domain = %spec.domain,
            task_list = %spec.task_list,
            concurrency = spec.concurrency,
            pollers = spec.pollers,
            activity_types = %spec.activities.type_names().join(", "),
            "serving activity task list"
        );

        let id = self.take_id();
        let stop = CancellationToken::new();
        let running = Arc::new(RunningTasks::default());
        let worker = worker::run_worker(
            self.client.clone(),
            spec.clone(),
            self.identity.clone(),
            running.clone(),
            stop.clone(),
        );
        self.loops.spawn(async move {
            worker.await;
            id
        });

        let label = format!("worker {}", spec.name);
        self.units.insert(
            id,
            Unit {
                key,
                label: label.clone(),
                serves: format!("{}/{}", spec.domain, spec.task_list),
                stop,
                loops_left: 1,
                retiring: false,
                work: Work::Worker(running),
            },
        );
        label
    }

    fn take_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Waits for the next poll loop to end and returns what its end means. Returns `None` when no loop runs.
    pub async fn next_ended(&mut self) -> Option<LoopEnded> {
        let joined = self.loops.join_next().await?;
        let Ok(id) = joined else {
            // A loop panicked, so its unit is unknown and the whole set is suspect.
            if let Err(error) = joined {
                tracing::error!(error = %error, "a poll loop panicked");
            }
            return Some(LoopEnded::Unexpected);
        };

        let Some(unit) = self.units.get_mut(&id) else {
            return Some(LoopEnded::Unexpected);
        };
        if !unit.stop.is_cancelled() {
            return Some(LoopEnded::Unexpected);
        }
        unit.loops_left -= 1;
        if unit.loops_left > 0 {
            return Some(LoopEnded::Draining);
        }

        let unit = self.units.remove(&id).expect("the unit was found above");
        Some(match unit.retiring {
            true => LoopEnded::Retired(unit.label),
            false => LoopEnded::Stopped,
        })
    }

    /// Asks every unit to stop: no new polls; open polls and tasks finish.
    pub fn stop_all(&self) {
        for unit in self.units.values() {
            unit.stop.cancel();
        }
    }

    /// Returns the number of poll loops of serving units.
    pub fn serving_loops(&self) -> usize {
        self.units
            .values()
            .filter(|unit| !unit.retiring)
            .map(|unit| unit.loops_left)
            .sum()
    }

    /// Returns a one-line summary of what is served, for the service manager's status.
    pub fn status(&self) -> String {
        let mut serving: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut retiring = 0;
        for unit in self.units.values() {
            if unit.retiring {
                retiring += 1;
                continue;
            }
            let kind = match unit.work {
                Work::Decider(_) => "deciders",
                Work::Worker(_) => "workers",
            };
            serving.entry(kind).or_default().push(&unit.serves);
        }

        let mut parts: Vec<String> = serving
            .into_iter()
            .map(|(kind, mut lists)| {
                lists.sort_unstable();
                format!("{kind} {}", lists.join(", "))
            })
            .collect();
        if retiring > 0 {
            parts.push(format!("{retiring} replaced by a reload and finishing their work"));
        }
        format!("serving {}", parts.join("; "))
    }

    /// Logs the work each unit still has open, as abandoned for `reason`.
    pub fn report_abandoned(&self, reason: &str) {
        for unit in self.units.values() {
            match &unit.work {
                Work::Decider(slots) => {
                    for (poller, slot) in slots {
                        let activity = slot.get();
                        if !matches!(activity, decider::Activity::Stopped) {
                            tracing::warn!(poller = %poller, abandoned = %activity, "{reason}; abandoning work");
                        }
                    }
                }
                Work::Worker(running) => {
                    for task in running.descriptions() {
                        tracing::warn!(unit = %unit.label, abandoned = %task, "{reason}; abandoning activity task");
                    }
                }
            }
        }
    }
}
