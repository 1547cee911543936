//! Bad config files and bad plugin files: each is rejected with a message naming the file and line or
//! the path, with exit code 78, before any call reaches the endpoint.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::daemon::Daemon;
use crate::support::{caravan_bin, plugins, run_caravan, scratch};

/// A loopback listener that counts the connections made to it.
struct ConnectionCounter {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl ConnectionCounter {
    fn start() -> ConnectionCounter {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        ConnectionCounter { url, connections }
    }
}

/// Runs `caravan run` on `body` (after a [caravan] section pointing at a counting listener) and
/// checks exit code 78, no connection, and every expected fragment on stderr.
fn assert_rejected(folder: &Path, body: &str, expected: &[&str]) {
    let counter = ConnectionCounter::start();
    let config = folder.join("caravan.ini");
    std::fs::write(&config, format!("[caravan]\nendpoint_url = {}\n\n{body}", counter.url)).expect("config");

    let output = run_caravan(&caravan_bin(), &["run", &config.display().to_string()], folder, &[]);
    std::thread::sleep(Duration::from_millis(100));

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert_eq!(
        counter.connections.load(Ordering::SeqCst),
        0,
        "a call reached the endpoint: {stderr}"
    );
    for fragment in expected {
        assert!(stderr.contains(fragment), "stderr lacks {fragment:?}:\n{stderr}");
    }
}

fn decider_with_plugin(path: &str) -> String {
    format!("[plugin:demo]\npath = {path}\n\n[decider:demo]\ndomain = d\ntask_list = default\nplugins = demo\n")
}

#[test]
fn syntax_error_names_line() {
    let folder = scratch();
    assert_rejected(folder.path(), "[decider:demo\ndomain = d\n", &["caravan.ini:4"]);
}

#[test]
fn unknown_key_suggests_fix() {
    let folder = scratch();
    let body = "[plugin:demo]\npath = /x.so\n\n[decider:demo]\ndomain = d\ntaks_list = default\nplugins = demo\n";
    assert_rejected(folder.path(), body, &["caravan.ini:9", "taks_list", "task_list"]);
}

#[test]
fn missing_plugin_file_names_path() {
    let folder = scratch();
    let missing = folder.path().join("missing.so");
    let missing = missing.display().to_string();
    assert_rejected(
        folder.path(),
        &decider_with_plugin(&missing),
        &["caravan.ini:4", &missing, "No such file"],
    );
}

#[test]
fn text_file_is_not_a_plugin() {
    let folder = scratch();
    let text_file = folder.path().join("notes.so");
    std::fs::write(&text_file, "just some text\n").expect("write");
    let text_file = text_file.display().to_string();
    assert_rejected(
        folder.path(),
        &decider_with_plugin(&text_file),
        &[&text_file, "is not a valid shared library"],
    );
}

#[test]
fn library_without_descriptor_is_rejected() {
    let folder = scratch();
    let library = plugins().no_descriptor.display().to_string();
    assert_rejected(
        folder.path(),
        &decider_with_plugin(&library),
        &[&library, "does not export the symbol `caravan_plugin_descriptor`"],
    );
}

#[test]
fn other_abi_major_is_rejected() {
    let folder = scratch();
    let library = plugins().future_abi.display().to_string();
    assert_rejected(
        folder.path(),
        &decider_with_plugin(&library),
        &[&library, "built for plugin ABI 2.0", "supports ABI 1.2"],
    );
}

#[test]
fn several_errors_reported_together() {
    let folder = scratch();
    let body = "[decider:a]\ndomain = d\ntask_list = t\nplugins = nowhere\npollers = many\n\n[deciders:b]\n";
    assert_rejected(
        folder.path(),
        body,
        &[
            "caravan.ini:7: plugin 'nowhere' not found",
            "caravan.ini:8: invalid value 'many'",
            "caravan.ini:10: unknown section [deciders:b]",
        ],
    );
}

#[test]
fn truncated_plugin_is_rejected() {
    let folder = scratch();
    let whole = std::fs::read(&plugins().demo).expect("read the demo plugin");
    let truncated = folder.path().join("truncated.so");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).expect("write");
    // Whatever the umask, the file must pass the permission check to reach the ELF check.
    std::fs::set_permissions(&truncated, std::os::unix::fs::PermissionsExt::from_mode(0o644)).expect("chmod");
    let truncated = truncated.display().to_string();

    assert_rejected(
        folder.path(),
        &decider_with_plugin(&truncated),
        &[&truncated, "is not a valid shared library"],
    );
}

#[test]
fn directory_is_not_a_plugin() {
    let folder = scratch();
    let directory = folder.path().display().to_string();
    assert_rejected(
        folder.path(),
        &decider_with_plugin(&directory),
        &[&directory, "is not a regular file"],
    );
}

#[test]
fn invalid_endpoint_from_environment_exits_78() {
    let folder = scratch();
    let plugin = plugins().demo.display().to_string();
    let config = folder.path().join("caravan.ini");
    std::fs::write(&config, decider_with_plugin(&plugin)).expect("config");

    let output = run_caravan(
        &caravan_bin(),
        &["run", &config.display().to_string()],
        folder.path(),
        &[("AWS_ENDPOINT_URL_SWF", "not-a-url")],
    );

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("AWS_ENDPOINT_URL_SWF"), "{stderr}");
    assert!(!stderr.contains("caravan is running"), "{stderr}");
}

#[test]
fn worker_plugin_without_activities_rejected() {
    let folder = scratch();
    let library = plugins().abi_1_0.display().to_string();
    let body = format!(
        "[plugin:legacy]\npath = {library}\n\n[worker:legacy]\ndomain = d\ntask_list = work\nplugins = legacy\n"
    );
    assert_rejected(
        folder.path(),
        &body,
        &[
            "caravan.ini:7",
            "worker \"legacy\": plugin \"legacy\" exports no activity types",
        ],
    );
}

/// Runs `caravan ARGS` and returns its exit code and stderr, or fails the test when the process
/// has not exited after 30 seconds, as it would not when it waits on a named pipe.
fn exit_code_and_stderr(home: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut process = Daemon::spawn(&caravan_bin(), args, home, &[]);
    let Some(status) = process.wait_exit(Duration::from_secs(30)) else {
        panic!("caravan {args:?} has not exited after 30 seconds: {}", process.log());
    };
    (status.code(), process.log())
}

/// Asserts that each command exits 78 with a message naming `path` and `problem`.
fn assert_config_path_rejected(home: &Path, path: &str, problem: &str) {
    let commands = [
        vec!["check", path],
        vec!["run", path],
        vec!["local", path],
        vec!["-c", path, "decider", "-t", "t", "-m", "plugin.so"],
        vec!["-c", path, "domain", "list"],
        vec!["-c", path, "list", "-d", "d"],
    ];

    for args in commands {
        let (code, stderr) = exit_code_and_stderr(home, &args);
        assert_eq!(code, Some(78), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("config file '{path}' {problem}")),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn device_config_rejected() {
    let folder = scratch();

    assert_config_path_rejected(
        folder.path(),
        "/dev/zero",
        "is not a regular file but a character device",
    );
}

#[test]
fn named_pipe_config_rejected() {
    let folder = scratch();
    let config = folder.path().join("caravan.ini");
    let mkfifo_status = std::process::Command::new("mkfifo")
        .arg(&config)
        .status()
        .expect("mkfifo runs");
    assert!(mkfifo_status.success(), "mkfifo failed");

    assert_config_path_rejected(
        folder.path(),
        &config.display().to_string(),
        "is not a regular file but a named pipe",
    );
}

#[test]
fn oversized_config_rejected() {
    let folder = scratch();
    let config = folder.path().join("caravan.ini");
    // A sparse file of 16 MiB and one byte, just past the limit, which takes no disk space.
    let file = std::fs::File::create(&config).expect("create the config");
    file.set_len(16 * 1024 * 1024 + 1).expect("extend the config");

    assert_config_path_rejected(
        folder.path(),
        &config.display().to_string(),
        "is larger than the maximum of 16777216 bytes (16 MiB)",
    );
}
