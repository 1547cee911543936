//! State shared by the connections, the long polls, the clock task and the Lambda runner: the state
//! behind its lock, the poll window, the fault injector, the shutdown signal and the channel of
//! started Lambda functions.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};

use crate::Settings;
use crate::engine::State;
use crate::engine::lambdas::LambdaFunctions;
use crate::error::ApiError;
use crate::faults::FaultInjector;
use crate::lambda::Launch;
use crate::model::values::now_millis;

/// Maximum sleep of the clock task when no deadline is set; a new deadline wakes it earlier.
const IDLE_CLOCK_SLEEP: Duration = Duration::from_secs(3_600);

pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) poll_window: Duration,
    pub(crate) faults: FaultInjector,
    clock_wakeup: Arc<Notify>,
    shutdown: watch::Sender<bool>,
    polls_released: watch::Sender<bool>,
    /// The receiving end of the started Lambda functions, until the runner takes it.
    lambda_launches: Mutex<Option<mpsc::UnboundedReceiver<Launch>>>,
}

impl Shared {
    pub(crate) fn new(settings: &Settings) -> Shared {
        let clock_wakeup = Arc::new(Notify::new());
        let (launches, lambda_launches) = mpsc::unbounded_channel();
        let state = State::new(
            settings.account_id.clone(),
            settings.region.clone(),
            Arc::clone(&clock_wakeup),
            LambdaFunctions::new(settings.lambda_functions.clone(), launches),
        );
        Shared {
            state: Mutex::new(state),
            poll_window: settings.poll_window,
            faults: FaultInjector::new(&settings.faults),
            clock_wakeup,
            shutdown: watch::Sender::new(false),
            polls_released: watch::Sender::new(false),
            lambda_launches: Mutex::new(Some(lambda_launches)),
        }
    }

    /// Runs `operation` on the state in one lock section, between `State::begin` and `State::finish`.
    /// The lock is never held across an await.
    pub(crate) fn with_state<T>(
        &self,
        operation: impl FnOnce(&mut State) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut state = self.lock();
        state.begin(now_millis());
        let result = operation(&mut state);
        state.finish();
        result
    }

    /// Takes the lock. A panic in an earlier lock section leaves the lock poisoned. The state is then
    /// used as that section left it, so one faulty request cannot stop the endpoint.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands the started Lambda functions to the runner; only the first call gets them.
    pub(crate) fn take_lambda_launches(&self) -> Option<mpsc::UnboundedReceiver<Launch>> {
        self.lambda_launches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells long polls, connections and the clock task to finish.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
        self.polls_released.send_replace(true);
    }

    pub(crate) fn polls_released_signal(&self) -> watch::Receiver<bool> {
        self.polls_released.subscribe()
    }

    /// Makes open and later long polls return at once, with a task if one is waiting and empty
    /// otherwise. All other requests are still served.
    pub(crate) fn release_polls(&self) {
        self.polls_released.send_replace(true);
    }
}

/// Fires deadlines when they are due, so that timers and timeouts happen without any request.
pub(crate) async fn run_clock(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown_signal();
    loop {
        let next = shared.with_state(|state| Ok(state.clock.next())).ok().flatten();
        let sleep = match next {
            Some(at) => Duration::from_millis(u64::try_from(at - now_millis()).unwrap_or(0)),
            None => IDLE_CLOCK_SLEEP,
        };

        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = shared.clock_wakeup.notified() => {}
            _ = shutdown.wait_for(|stopping| *stopping) => return,
        }
    }
}
