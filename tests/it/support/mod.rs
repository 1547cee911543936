//! What the integration tests share: the caravan binary, plugin fixtures built by cargo, a moto
//! server, a recording proxy, daemon processes, the Python SWF clients and an SWF client for
//! assertions.

pub mod daemon;
pub mod endpoint;
pub mod proxy;
pub mod python;
pub mod swf;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Returns the caravan binary that cargo built for these tests.
pub fn caravan_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_caravan"))
}

/// The cdylib plugins the tests load, built once per test process.
pub struct Plugins {
    pub demo: PathBuf,
    pub probe: PathBuf,
    pub relay: PathBuf,
    pub abi_1_0: PathBuf,
    pub abi_1_1: PathBuf,
    pub pipeline: PathBuf,
    pub pipeline_activities: PathBuf,
    pub complete: PathBuf,
    pub future_abi: PathBuf,
    pub no_descriptor: PathBuf,
    pub bench: PathBuf,
}

/// Builds the plugin fixtures with cargo into their own target folder, so the build does not wait
/// for the lock that the `cargo test` running these tests may hold on the main one.
pub fn plugins() -> &'static Plugins {
    static PLUGINS: OnceLock<Plugins> = OnceLock::new();
    PLUGINS.get_or_init(|| {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-fixtures");
        let packages = [
            "caravan-demo",
            "caravan-test-probe",
            "caravan-test-relay",
            "caravan-test-abi-1-0",
            "caravan-test-abi-1-1",
            "caravan-pipeline",
            "caravan-pipeline-activities",
            "caravan-test-complete",
            "caravan-test-future-abi",
            "caravan-test-no-descriptor",
            "caravan-bench-plugin",
        ];

        let mut command = Command::new(env!("CARGO"));
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("build")
            .arg("--quiet")
            .arg("--target-dir")
            .arg(&target);
        for package in packages {
            command.arg("-p").arg(package);
        }
        let status = command.status().expect("cargo runs");
        assert!(status.success(), "building the plugin fixtures failed");

        let library = |name: &str| target.join("debug").join(format!("lib{name}.so"));
        Plugins {
            demo: library("caravan_demo"),
            probe: library("caravan_test_probe"),
            relay: library("caravan_test_relay"),
            abi_1_0: library("caravan_test_abi_1_0"),
            abi_1_1: library("caravan_test_abi_1_1"),
            pipeline: library("caravan_pipeline"),
            pipeline_activities: library("caravan_pipeline_activities"),
            complete: library("caravan_test_complete"),
            future_abi: library("caravan_test_future_abi"),
            no_descriptor: library("caravan_test_no_descriptor"),
            bench: library("caravan_bench_plugin"),
        }
    })
}

/// Environment for every caravan process: dummy credentials and nothing read from this machine's AWS
/// configuration, so no process can reach AWS.
pub fn isolated_env(home: &Path) -> Vec<(String, String)> {
    let mut env = vec![
        ("PATH".to_string(), std::env::var("PATH").unwrap_or_default()),
        ("HOME".to_string(), home.display().to_string()),
        ("AWS_ACCESS_KEY_ID".to_string(), "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "testing".to_string()),
        ("AWS_REGION".to_string(), "us-east-1".to_string()),
        ("AWS_CONFIG_FILE".to_string(), "/dev/null".to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE".to_string(), "/dev/null".to_string()),
        ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
    ];
    if let Ok(backtrace) = std::env::var("RUST_BACKTRACE") {
        env.push(("RUST_BACKTRACE".to_string(), backtrace));
    }
    env
}

/// Runs `caravan ARGS` to completion with the isolated environment plus `extra_env`.
pub fn run_caravan(program: &Path, args: &[&str], home: &Path, extra_env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(program);
    command.args(args).env_clear().envs(isolated_env(home));
    for (key, value) in extra_env {
        command.env(key, value);
    }
    command.output().expect("caravan runs")
}

/// Polls `check` every 100 ms until it returns `Some` or `timeout` passes.
pub fn wait_for<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Creates a fresh folder for one test's files, removed at the end of the test.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("caravan-test-")
        .tempdir()
        .expect("temporary folder")
}

/// Returns a domain name that no other test uses.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
