//! A caravan daemon process (`caravan run` or `caravan-decider`) with its log captured.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::{isolated_env, wait_for};

pub struct Daemon {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    exit: Option<ExitStatus>,
}

impl Daemon {
    /// Starts `program ARGS` with the isolated environment plus `extra_env`, capturing stderr.
    pub fn spawn(program: &Path, args: &[&str], home: &Path, extra_env: &[(&str, &str)]) -> Daemon {
        let mut command = command(program, args, home, extra_env);
        command.stderr(Stdio::piped());
        let mut child = command.spawn().expect("caravan starts");

        let stderr = child.stderr.take().expect("stderr is piped");
        Daemon::capture(child, stderr)
    }

    /// Starts like [`Daemon::spawn`], with stderr connected as systemd connects it to the
    /// journal: `JOURNAL_STREAM` contains the device and inode numbers of the stderr pipe.
    pub fn spawn_journal_style(program: &Path, args: &[&str], home: &Path, extra_env: &[(&str, &str)]) -> Daemon {
        let (reader, writer) = std::io::pipe().expect("pipe");
        let writer = std::fs::File::from(std::os::fd::OwnedFd::from(writer));
        let metadata = writer.metadata().expect("stat the pipe");
        let journal_stream = format!("{}:{}", metadata.dev(), metadata.ino());

        let mut command = command(program, args, home, extra_env);
        command.env("JOURNAL_STREAM", journal_stream).stderr(writer);
        let child = command.spawn().expect("caravan starts");
        // Only the child has the write end now, so the reader sees the end of the file when it exits.
        drop(command);

        Daemon::capture(child, reader)
    }

    /// Collects the lines of `stderr` on a thread of its own.
    fn capture(child: Child, stderr: impl Read + Send + 'static) -> Daemon {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().expect("log").push(line);
            }
        });

        Daemon { child, log, exit: None }
    }

    /// Returns the daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the daemon logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    /// Waits until a log line contains `text`; returns false after `timeout`.
    pub fn wait_for_log(&self, text: &str, timeout: Duration) -> bool {
        wait_for(timeout, || {
            self.log
                .lock()
                .expect("log")
                .iter()
                .any(|line| line.contains(text))
                .then_some(())
        })
        .is_some()
    }

    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("signal the daemon");
    }

    /// Waits for the process to exit; `None` after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if self.exit.is_some() {
            return self.exit;
        }
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Give the reader thread a moment to collect the last lines.
                std::thread::sleep(Duration::from_millis(100));
                self.exit = Some(status);
                return self.exit;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

/// `program ARGS` with the isolated environment plus `extra_env`, and no stdout.
fn command(program: &Path, args: &[&str], home: &Path, extra_env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(isolated_env(home))
        .stdout(Stdio::null());
    for (key, value) in extra_env {
        command.env(key, value);
    }
    command
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.exit.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
