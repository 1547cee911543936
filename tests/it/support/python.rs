//! The Python SWF clients that the tests point at `caravan local`: boto3, the AWS CLI, the Python
//! caravan and simpleflow, with the scripts in `tests/clients` that drive them.
//!
//! `scripts/install-python-clients.sh` installs them into `.venv`, and `scripts/test.sh` sets
//! `CARAVAN_PYTHON_VENV` to that folder; the variable can point at another virtual environment with
//! the same packages.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::wait_for;

/// Returns the executable `name` (such as `python`, `aws` or `simpleflow`) of the virtual
/// environment that contains the Python clients.
pub fn program(name: &str) -> PathBuf {
    let venv = match std::env::var_os("CARAVAN_PYTHON_VENV") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv"),
    };
    let path = venv.join("bin").join(name);
    assert!(
        path.exists(),
        "{} not found: run scripts/install-python-clients.sh, which installs the Python SWF clients \
         into .venv (scripts/test.sh runs it), or set CARAVAN_PYTHON_VENV to a virtual environment \
         that has them",
        path.display()
    );
    path
}

/// Returns the folder of the client scripts and Python modules, `tests/clients`.
pub fn clients_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// Returns a command for a Python client with only the isolated test environment, the endpoint in
/// `AWS_ENDPOINT_URL_SWF` and the region in `AWS_DEFAULT_REGION` too, which botocore reads.
pub fn command(program: &Path, home: &Path, endpoint: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .envs(super::isolated_env(home))
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_SWF", endpoint)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    command
}

/// Returns stdout of a finished client, or panics with its status, stdout and stderr.
pub fn stdout_of(what: &str, output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed with {}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A long-running client, such as a decider, in a process group of its own with stdout and stderr
/// in one log file. Dropping it stops the whole group, children included: SIGTERM first, SIGKILL
/// after 10 seconds.
pub struct ClientProcess {
    child: Child,
    log: PathBuf,
}

impl ClientProcess {
    /// Starts `command`, logging to `log`.
    pub fn spawn(mut command: Command, log: &Path) -> ClientProcess {
        let file = File::create(log).expect("log file");
        let child = command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {command:?}: {error}"));
        ClientProcess {
            child,
            log: log.to_path_buf(),
        }
    }

    /// Returns everything the process wrote so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log contains `text`; returns false after `timeout`.
    pub fn wait_for_log(&self, text: &str, timeout: Duration) -> bool {
        wait_for(timeout, || self.log().contains(text).then_some(())).is_some()
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        let group = Pid::from_raw(self.child.id() as i32);
        let _ = killpg(group, Signal::SIGTERM);
        // The group is gone when its leader is reaped and no other member is left.
        let stopped = wait_for(Duration::from_secs(10), || {
            let reaped = matches!(self.child.try_wait(), Ok(Some(_)));
            (reaped && killpg(group, None).is_err()).then_some(())
        });
        if stopped.is_none() {
            let _ = killpg(group, Signal::SIGKILL);
            let _ = self.child.wait();
        }
    }
}
