//! The Lambda runner: runs the command configured for each started Lambda function and reports its
//! outcome to the engine.
//!
//! Each function runs `sh -c COMMAND` in a process group of its own, with the decision's `input` on
//! stdin. The engine owns the function's `stop` sender: when the function times out or its run closes,
//! the engine drops the sender and the runner kills the whole process group, so pipelines and
//! background children die too. The process group is also killed after the command exits, and when
//! the endpoint stops. Nothing here holds the state lock while it waits.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{ChildStdin, Command};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use tracing::{debug, warn};

use crate::model::execution::ExecId;
use crate::shared::Shared;

/// Maximum length of a result and of details in SWF, in characters.
pub(crate) const MAX_DATA_CHARS: usize = 32_768;

/// Bytes of stdout kept: enough for [`MAX_DATA_CHARS`] characters of four bytes each, plus one
/// byte to tell that the output is longer.
const MAX_OUTPUT_BYTES: usize = MAX_DATA_CHARS * 4 + 1;

/// Bytes of stderr kept from its end.
const MAX_STDERR_TAIL_BYTES: usize = MAX_DATA_CHARS * 4;

/// How long the output pipes may stay open after the command exited and its process group was
/// killed. Only a process that left the group (with `setsid`, say) can keep them open that long.
const OUTPUT_GRACE: Duration = Duration::from_secs(1);

/// A started function for the runner.
#[derive(Debug)]
pub(crate) struct Launch {
    pub(crate) exec: ExecId,
    pub(crate) scheduled_event_id: i64,
    pub(crate) name: String,
    pub(crate) command: String,
    pub(crate) input: Option<String>,
    /// Resolves when the engine drops the function: it timed out or its run closed.
    pub(crate) stopped: oneshot::Receiver<()>,
}

/// The end of a function's command: its result, or the failure.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FunctionOutcome {
    Completed { result: String },
    Failed { reason: String, details: Option<String> },
}

/// Runs every launched function until the endpoint shuts down, then kills the ones still running
/// and waits for them.
pub(crate) async fn run_functions(shared: Arc<Shared>, working_dir: Option<PathBuf>) {
    let Some(mut launches) = shared.take_lambda_launches() else {
        return;
    };
    let working_dir = working_dir.map(Arc::new);
    let mut shutdown = shared.shutdown_signal();
    let mut running = JoinSet::new();

    loop {
        tokio::select! {
            launch = launches.recv() => match launch {
                Some(launch) => {
                    running.spawn(run_function(Arc::clone(&shared), working_dir.clone(), launch));
                }
                None => break,
            },
            Some(joined) = running.join_next(), if !running.is_empty() => log_function_end(joined),
            _ = shutdown.wait_for(|stopping| *stopping) => break,
        }
    }

    // Each function watches the shutdown signal too and kills its processes.
    while let Some(joined) = running.join_next().await {
        log_function_end(joined);
    }
}

fn log_function_end(joined: Result<(), tokio::task::JoinError>) {
    if let Err(error) = joined {
        warn!(%error, "a Lambda function task ended abnormally");
    }
}

/// Runs one function and records its outcome, unless the engine or the endpoint stops it first.
/// Dropping the command's future kills its process group.
async fn run_function(shared: Arc<Shared>, working_dir: Option<Arc<PathBuf>>, launch: Launch) {
    let Launch {
        exec,
        scheduled_event_id,
        name,
        command,
        input,
        mut stopped,
    } = launch;
    let mut shutdown = shared.shutdown_signal();
    debug!(function = %name, scheduled_event_id, "Lambda function starting");

    let working_dir = working_dir.as_deref().map(PathBuf::as_path);
    let outcome = tokio::select! {
        outcome = run_command(&command, input, working_dir) => outcome,
        _ = &mut stopped => {
            debug!(function = %name, scheduled_event_id, "Lambda function killed: it timed out or its execution closed");
            return;
        }
        _ = shutdown.wait_for(|stopping| *stopping) => {
            debug!(function = %name, scheduled_event_id, "Lambda function killed: the endpoint is stopping");
            return;
        }
    };

    debug!(function = %name, scheduled_event_id, ?outcome, "Lambda function ended");
    let _ = shared.with_state(|state| {
        state.finish_lambda(exec, scheduled_event_id, outcome);
        Ok(())
    });
}

/// Builds `sh -c command` with piped standard streams, in a process group of its own.
fn shell_command(command: &str, working_dir: Option<&Path>) -> Command {
    let mut process = Command::new("sh");
    process
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(folder) = working_dir {
        process.current_dir(folder);
    }
    process
}

/// Runs `sh -c command` with `input` on stdin and returns the outcome.
pub(crate) async fn run_command(command: &str, input: Option<String>, working_dir: Option<&Path>) -> FunctionOutcome {
    let mut child = match shell_command(command, working_dir).spawn() {
        Ok(child) => child,
        Err(error) => {
            warn!(command, %error, "a Lambda function's command could not be started");
            return FunctionOutcome::Failed {
                reason: format!("The command could not be started: {error}"),
                details: None,
            };
        }
    };
    let mut group = ProcessGroup::of(child.id());

    let (stop_reading, reading_stopped) = watch::channel(false);
    let write_input = write_input(child.stdin.take(), input);
    let read_output = read_head(child.stdout.take(), MAX_OUTPUT_BYTES, reading_stopped.clone());
    let read_errors = read_tail(child.stderr.take(), MAX_STDERR_TAIL_BYTES, reading_stopped);
    let pipes = async { tokio::join!(write_input, read_output, read_errors) };
    tokio::pin!(pipes);

    let mut captured = None;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            done = &mut pipes, if captured.is_none() => captured = Some(done),
        }
    };

    // Processes the command left behind die with the group; then the pipes close.
    group.kill();
    let ((), output, errors) = match captured {
        Some(done) => done,
        None => match tokio::time::timeout(OUTPUT_GRACE, &mut pipes).await {
            Ok(done) => done,
            Err(_) => {
                stop_reading.send_replace(true);
                pipes.await
            }
        },
    };

    match status {
        Ok(status) => outcome(status, &output, &errors),
        Err(error) => FunctionOutcome::Failed {
            reason: format!("Waiting for the command failed: {error}"),
            details: None,
        },
    }
}

/// Builds the outcome from the exit status, stdout and the end of stderr.
fn outcome(status: ExitStatus, output: &[u8], errors: &[u8]) -> FunctionOutcome {
    let details = stderr_tail(errors);
    if !status.success() {
        return FunctionOutcome::Failed {
            reason: describe_failure(status),
            details,
        };
    }

    let result = String::from_utf8_lossy(output);
    if output.len() >= MAX_OUTPUT_BYTES || result.chars().count() > MAX_DATA_CHARS {
        return FunctionOutcome::Failed {
            reason: format!(
                "The output on stdout is longer than {MAX_DATA_CHARS} characters, SWF's limit for a result"
            ),
            details,
        };
    }
    FunctionOutcome::Completed {
        result: result.into_owned(),
    }
}

fn describe_failure(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;

    match (status.code(), status.signal()) {
        (Some(code), _) => format!("The command exited with status {code}"),
        (None, Some(signal)) => format!("The command was killed by signal {signal}"),
        (None, None) => format!("The command failed: {status}"),
    }
}

/// Returns the last [`MAX_DATA_CHARS`] characters of stderr, or `None` when it is empty. A tail that
/// starts inside a character starts at the next whole one.
fn stderr_tail(errors: &[u8]) -> Option<String> {
    let start = errors
        .iter()
        .position(|byte| byte & 0b1100_0000 != 0b1000_0000)
        .unwrap_or(errors.len());
    let text = String::from_utf8_lossy(&errors[start..]);
    let skip = text.chars().count().saturating_sub(MAX_DATA_CHARS);
    let tail: String = text.chars().skip(skip).collect();
    (!tail.is_empty()).then_some(tail)
}

/// Writes the input and closes stdin. A command that exits without reading it is no error.
async fn write_input(stdin: Option<ChildStdin>, input: Option<String>) {
    let Some(mut stdin) = stdin else {
        return;
    };
    if let Some(input) = input {
        let _ = stdin.write_all(input.as_bytes()).await;
    }
}

/// Reads a pipe to its end, or until `stop`, and keeps its first `limit` bytes.
async fn read_head(pipe: Option<impl AsyncRead + Unpin>, limit: usize, stop: watch::Receiver<bool>) -> Vec<u8> {
    let mut kept = Vec::new();
    read_pipe(pipe, stop, |chunk| {
        let room = limit.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
    })
    .await;
    kept
}

/// Reads a pipe to its end, or until `stop`, and keeps its last `limit` bytes.
async fn read_tail(pipe: Option<impl AsyncRead + Unpin>, limit: usize, stop: watch::Receiver<bool>) -> Vec<u8> {
    let mut kept = Vec::new();
    read_pipe(pipe, stop, |chunk| {
        kept.extend_from_slice(chunk);
        if kept.len() > limit * 2 {
            kept.drain(..kept.len() - limit);
        }
    })
    .await;
    if kept.len() > limit {
        kept.drain(..kept.len() - limit);
    }
    kept
}

async fn read_pipe(pipe: Option<impl AsyncRead + Unpin>, mut stop: watch::Receiver<bool>, mut keep: impl FnMut(&[u8])) {
    let Some(mut pipe) = pipe else {
        return;
    };
    let mut buffer = vec![0; 16 * 1024];
    loop {
        tokio::select! {
            read = pipe.read(&mut buffer) => match read {
                Ok(0) | Err(_) => return,
                Ok(count) => keep(&buffer[..count]),
            },
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// The process group of a command, killed on [`ProcessGroup::kill`] or when dropped.
struct ProcessGroup {
    leader: Option<Pid>,
}

impl ProcessGroup {
    fn of(leader: Option<u32>) -> ProcessGroup {
        let leader = leader.and_then(|pid| i32::try_from(pid).ok()).and_then(Pid::from_raw);
        ProcessGroup { leader }
    }

    /// Sends SIGKILL to every process of the group. A group that is already gone is no error.
    fn kill(&mut self) {
        if let Some(leader) = self.leader.take() {
            let _ = kill_process_group(leader, Signal::KILL);
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_tail_keeps_whole_characters() {
        let mut errors = "x".repeat(MAX_DATA_CHARS).into_bytes();
        errors.extend_from_slice("é!".as_bytes());

        let tail = stderr_tail(&errors).unwrap();

        assert_eq!(tail.chars().count(), MAX_DATA_CHARS);
        assert!(tail.ends_with("xé!"));
    }

    #[test]
    fn stderr_tail_skips_a_cut_character() {
        let errors = "é".as_bytes()[1..].to_vec();

        assert_eq!(stderr_tail(&errors), None);
    }

    #[tokio::test]
    async fn pipeline_reads_stdin_and_writes_stdout() {
        let outcome = run_command("tr a-z A-Z | cat", Some("abc".to_string()), None).await;

        assert_eq!(
            outcome,
            FunctionOutcome::Completed {
                result: "ABC".to_string()
            }
        );
    }

    #[tokio::test]
    async fn unread_input_is_no_error() {
        let input = "x".repeat(MAX_DATA_CHARS);

        let outcome = run_command("printf done", Some(input), None).await;

        assert_eq!(
            outcome,
            FunctionOutcome::Completed {
                result: "done".to_string()
            }
        );
    }

    #[tokio::test]
    async fn signal_death_names_the_signal() {
        let outcome = run_command("kill -9 $$", None, None).await;

        assert_eq!(
            outcome,
            FunctionOutcome::Failed {
                reason: "The command was killed by signal 9".to_string(),
                details: None
            }
        );
    }

    #[tokio::test]
    async fn output_over_the_limit_fails() {
        let command = format!("head -c {} /dev/zero | tr '\\0' a", MAX_DATA_CHARS + 1);

        let outcome = run_command(&command, None, None).await;

        let FunctionOutcome::Failed { reason, .. } = outcome else {
            panic!("expected a failure, got {outcome:?}");
        };
        assert!(reason.contains("longer than 32768 characters"), "{reason}");
    }
}
