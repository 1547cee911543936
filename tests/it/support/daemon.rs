//! A caravan daemon process (`caravan run` or `caravan-decider`) with its log captured.

use std::io::{BufRead, BufReader};
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
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(isolated_env(home))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in extra_env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("caravan starts");

        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr is piped");
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

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.exit.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
