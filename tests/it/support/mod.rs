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
    pub versioned_1: PathBuf,
    pub versioned_2: PathBuf,
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
            "caravan-test-versioned-1",
            "caravan-test-versioned-2",
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

        let built = target.join("debug");
        let folder = if has_permission_problems(&built.join("libcaravan_demo.so")) {
            safe_copies(&built, &packages)
        } else {
            built
        };

        let library = |name: &str| folder.join(format!("lib{name}.so"));
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
            versioned_1: library("caravan_test_versioned_1"),
            versioned_2: library("caravan_test_versioned_2"),
        }
    })
}

/// Returns true when caravan's permission check finds problems with `plugin`, as it does for a
/// checkout in a folder that other users can write to, or with a umask of 002.
fn has_permission_problems(plugin: &Path) -> bool {
    let home = std::env::temp_dir();
    let output = run_caravan(
        &caravan_bin(),
        &["plugin", "inspect", "--output", "json", &plugin.display().to_string()],
        &home,
        &[],
    );
    assert!(
        output.status.success(),
        "caravan plugin inspect failed on the demo plugin: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("inspect prints JSON");
    report["permissionProblems"]
        .as_array()
        .is_some_and(|problems| !problems.is_empty())
}

/// Copies the plugin fixtures into a folder that passes caravan's strict permission check: mode
/// 0755, owned by the user running the tests, in the temporary folder. The tests that are not about
/// permissions then run with the default `plugin_permissions = strict` wherever the checkout is.
///
/// The folder is named after the build folder, so two checkouts never share one, and it is left
/// in place for the next run.
fn safe_copies(built: &Path, packages: &[&str]) -> PathBuf {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};

    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    built.hash(&mut hasher);
    let euid = nix::unistd::geteuid().as_raw();
    let folder = std::env::temp_dir().join(format!("caravan-test-plugins-{euid}-{:016x}", hasher.finish()));

    match std::fs::DirBuilder::new().mode(0o755).create(&folder) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(error) => panic!("cannot create {}: {error}", folder.display()),
    }
    let metadata = std::fs::symlink_metadata(&folder).expect("metadata of the plugin copies' folder");
    assert!(
        metadata.is_dir() && metadata.uid() == euid,
        "{} exists but is not a folder owned by uid {euid}; remove it",
        folder.display()
    );
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).expect("chmod the copies' folder");

    for package in packages {
        let name = format!("lib{}.so", package.replace('-', "_"));
        let staged = folder.join(format!("{name}.{}", std::process::id()));
        std::fs::copy(built.join(&name), &staged).expect("copy a plugin fixture");
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755)).expect("chmod a plugin copy");
        // A rename replaces the file in one step for test processes that run at the same time.
        std::fs::rename(&staged, folder.join(&name)).expect("move a plugin copy in place");
    }
    folder
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
