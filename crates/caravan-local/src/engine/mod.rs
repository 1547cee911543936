//! The workflow engine: every domain, execution and task in one `State`, and the rules that change it.
//!
//! All methods are synchronous and run under the endpoint's single lock. Each request or clock tick
//! calls [`State::begin`] first, which fires the deadlines that are due, so a request never finds work
//! that should already have timed out, and [`State::finish`] last, which enforces the history limit.

pub(crate) mod activities;
pub(crate) mod clock;
pub(crate) mod decision_tasks;
pub(crate) mod decisions;
pub(crate) mod external;
pub(crate) mod lambdas;
pub(crate) mod lifecycle;
pub(crate) mod paging;
pub(crate) mod queues;
pub(crate) mod timers;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::Notify;

use self::clock::Clock;
use self::lambdas::LambdaFunctions;
use self::paging::PageCursors;
use self::queues::TaskQueues;
use crate::error::ApiError;
use crate::json::Obj;
use crate::model::domain::Domain;
use crate::model::events::EventType;
use crate::model::execution::{ExecId, Execution};
use crate::model::values::Millis;

/// Target of a task token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskRef {
    Decision(ExecId),
    /// An activity task, by its execution and its scheduled event id.
    Activity(ExecId, i64),
}

pub(crate) struct State {
    pub(crate) account_id: String,
    pub(crate) region: String,
    /// Time of the request or deadline being handled; recorded events get this timestamp.
    pub(crate) now: Millis,
    pub(crate) domains: BTreeMap<String, Domain>,
    pub(crate) executions: HashMap<ExecId, Execution>,
    /// Run id to run; run ids are unique across domains.
    runs: HashMap<String, ExecId>,
    next_exec_id: u64,
    tokens: HashMap<String, TaskRef>,
    pub(crate) queues: TaskQueues,
    pub(crate) clock: Clock,
    pub(crate) pages: PageCursors,
    pub(crate) lambda: LambdaFunctions,
    /// Runs that got events during the current request, checked against the history limit.
    touched: Vec<ExecId>,
}

impl State {
    pub(crate) fn new(account_id: String, region: String, clock_wakeup: Arc<Notify>, lambda: LambdaFunctions) -> State {
        State {
            account_id,
            region,
            now: 0,
            domains: BTreeMap::new(),
            executions: HashMap::new(),
            runs: HashMap::new(),
            next_exec_id: 1,
            tokens: HashMap::new(),
            queues: TaskQueues::default(),
            clock: Clock::new(clock_wakeup),
            pages: PageCursors::default(),
            lambda,
            touched: Vec::new(),
        }
    }

    /// Starts a request or clock tick at `now`: fires every deadline that is due.
    pub(crate) fn begin(&mut self, now: Millis) {
        self.now = now;
        self.fire_due(now);
    }

    /// Ends a request or clock tick: terminates runs whose history reached the limit.
    pub(crate) fn finish(&mut self) {
        while let Some(id) = self.touched.pop() {
            self.enforce_event_limit(id);
        }
    }

    /// Appends an event to a run's history and returns its id; an event that needs the decider also
    /// schedules (or queues) a decision task.
    pub(crate) fn record(&mut self, id: ExecId, event_type: EventType, attributes: Obj) -> i64 {
        let now = self.now;
        let Some(execution) = self.executions.get_mut(&id) else {
            return 0;
        };

        let event_id = execution.append(event_type, attributes.into_map(), now);
        if self.touched.last() != Some(&id) {
            self.touched.push(id);
        }

        if event_type.requests_decision() {
            self.request_decision(id);
        }
        event_id
    }

    pub(crate) fn domain(&self, name: &str) -> Result<&Domain, ApiError> {
        self.domains.get(name).ok_or_else(|| unknown_domain(name))
    }

    pub(crate) fn domain_mut(&mut self, name: &str) -> Result<&mut Domain, ApiError> {
        self.domains.get_mut(name).ok_or_else(|| unknown_domain(name))
    }

    /// Returns the ARN that names a domain in tagging calls.
    pub(crate) fn domain_arn(&self, name: &str) -> String {
        format!("arn:aws:swf:{}:{}:/domain/{name}", self.region, self.account_id)
    }

    pub(crate) fn execution(&self, id: ExecId) -> Option<&Execution> {
        self.executions.get(&id)
    }

    pub(crate) fn execution_mut(&mut self, id: ExecId) -> Option<&mut Execution> {
        self.executions.get_mut(&id)
    }

    pub(crate) fn is_open(&self, id: ExecId) -> bool {
        self.execution(id).is_some_and(Execution::is_open)
    }

    /// Finds a run, open or closed, by its workflow id and run id.
    pub(crate) fn find_run(&self, domain: &str, workflow_id: &str, run_id: &str) -> Result<ExecId, ApiError> {
        self.runs
            .get(run_id)
            .and_then(|id| self.executions.get(id))
            .filter(|execution| execution.domain == domain && execution.workflow_id == workflow_id)
            .map(|execution| execution.id)
            .ok_or_else(|| unknown_execution(workflow_id, run_id))
    }

    /// Finds the open run that a signal, cancel request or termination addresses: the given run if it
    /// is open, or without a run id the open run of the workflow id.
    pub(crate) fn find_open_run(&self, domain: &str, workflow_id: &str, run_id: Option<&str>) -> Option<ExecId> {
        let id = match run_id {
            Some(run_id) => *self.runs.get(run_id)?,
            None => *self.domains.get(domain)?.open_runs.get(workflow_id)?,
        };
        self.executions
            .get(&id)
            .filter(|execution| execution.domain == domain && execution.workflow_id == workflow_id)
            .filter(|execution| execution.is_open())
            .map(|execution| execution.id)
    }

    pub(crate) fn new_exec_id(&mut self) -> ExecId {
        let id = ExecId(self.next_exec_id);
        self.next_exec_id += 1;
        id
    }

    pub(crate) fn insert_execution(&mut self, execution: Execution) {
        self.runs.insert(execution.run_id.clone(), execution.id);
        self.executions.insert(execution.id, execution);
    }

    pub(crate) fn remove_execution(&mut self, id: ExecId) {
        if let Some(execution) = self.executions.remove(&id) {
            self.runs.remove(&execution.run_id);
        }
    }

    pub(crate) fn issue_token(&mut self, task: TaskRef) -> String {
        let token = crate::ids::task_token();
        self.tokens.insert(token.clone(), task);
        token
    }

    pub(crate) fn revoke_token(&mut self, token: &str) {
        self.tokens.remove(token);
    }

    pub(crate) fn token(&self, token: &str) -> Option<TaskRef> {
        self.tokens.get(token).copied()
    }
}

pub(crate) fn unknown_domain(name: &str) -> ApiError {
    ApiError::unknown_resource(format!("Unknown domain: {name}"))
}

pub(crate) fn unknown_execution(workflow_id: &str, run_id: &str) -> ApiError {
    ApiError::unknown_resource(format!(
        "Unknown execution: WorkflowExecution=[workflowId={workflow_id}, runId={run_id}]"
    ))
}
