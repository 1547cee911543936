//! The command-line tools: the Python caravan quick start under the old command names, errors and
//! exit codes, endpoint resolution.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::daemon::Daemon;
use crate::support::endpoint::{Endpoint, free_port};
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, plugins, run_caravan, scratch, unique_name};

const WAIT: Duration = Duration::from_secs(30);

/// Makes symlinks named like the Python caravan tools that point at the caravan binary.
fn legacy_commands(folder: &Path) -> PathBuf {
    let bin = folder.join("bin");
    std::fs::create_dir_all(&bin).expect("bin folder");
    for name in [
        "caravan-decider",
        "caravan-start",
        "caravan-signal",
        "caravan-terminate",
        "caravan-list",
        "caravan-domain-register",
        "caravan-domain-list",
    ] {
        std::os::unix::fs::symlink(caravan_bin(), bin.join(name)).expect("symlink");
    }
    bin
}

fn stdout_of(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "command failed with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn python_quick_start_under_old_names() {
    let endpoint = Endpoint::moto();
    let folder = scratch();
    let home = folder.path();
    let bin = legacy_commands(home);
    let endpoint = endpoint.url();
    let env = [("AWS_ENDPOINT_URL_SWF", endpoint.as_str())];
    let domain = unique_name("CaravanDemo");
    let swf = Swf::new(&endpoint, &domain);
    let run = |name: &str, args: &[&str]| run_caravan(&bin.join(name), args, home, &env);

    stdout_of(&run(
        "caravan-domain-register",
        &["-n", &domain, "--retention-days", "1"],
    ));
    let domains = stdout_of(&run("caravan-domain-list", &[]));
    assert!(domains.contains(&domain), "{domains}");

    let demo = plugins().demo.display().to_string();
    let decider = Daemon::spawn(
        &bin.join("caravan-decider"),
        &[
            "-d",
            &domain,
            "-m",
            &demo,
            "-t",
            "default",
            "--register-workflows",
            "--verbose",
        ],
        home,
        &env,
    );
    assert!(
        decider.wait_for_log("caravan is running", WAIT),
        "decider did not start:\n{}",
        decider.log()
    );

    let started = stdout_of(&run(
        "caravan-start",
        &["-d", &domain, "-n", "Demo", "-v", "0.1", "-i", "1"],
    ));
    let run_id = started
        .lines()
        .nth(1)
        .and_then(|row| row.split_whitespace().last())
        .expect("run id row")
        .to_string();

    let listed = stdout_of(&run("caravan-list", &["-d", &domain, "--oldest", "2015-01-01"]));
    assert!(listed.contains(&run_id), "{listed}");

    assert!(
        swf.wait_event("1", &run_id, "TimerStarted", WAIT).is_some(),
        "{}",
        decider.log()
    );
    stdout_of(&run(
        "caravan-signal",
        &["-d", &domain, "-i", "1", "-s", "PRINT", "--input", "Hello World!"],
    ));
    assert!(decider.wait_for_log("Hello World!", WAIT), "{}", decider.log());

    // moto returns HTTP 500 for a signal without input, so STOP carries an input here.
    stdout_of(&run(
        "caravan-signal",
        &["-d", &domain, "-i", "1", "-s", "STOP", "--input", "done"],
    ));
    assert_eq!(swf.wait_closed("1", &run_id, WAIT).as_deref(), Some("COMPLETED"));

    let started = stdout_of(&run(
        "caravan-start",
        &["-d", &domain, "-n", "Demo", "-v", "0.1", "-i", "2"],
    ));
    let run_2 = started
        .lines()
        .nth(1)
        .and_then(|row| row.split_whitespace().last())
        .expect("run id row")
        .to_string();
    stdout_of(&run("caravan-terminate", &["-d", &domain, "-i", "2"]));
    assert_eq!(swf.wait_closed("2", &run_2, WAIT).as_deref(), Some("TERMINATED"));
    let history = swf.history("2", &run_2);
    assert!(attributes(&history, "WorkflowExecutionTerminated").is_some());
}

#[test]
fn swf_fault_is_one_line() {
    let endpoint = Endpoint::moto();
    let folder = scratch();
    let endpoint = endpoint.url();

    let output = run_caravan(
        &caravan_bin(),
        &[
            "signal",
            "-d",
            "no-such-domain",
            "-i",
            "x",
            "-s",
            "PRINT",
            "--input",
            "y",
        ],
        folder.path(),
        &[("AWS_ENDPOINT_URL_SWF", endpoint.as_str())],
    );

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("UnknownResourceFault"), "{stderr}");
    assert!(stderr.contains("SignalWorkflowExecution"), "{stderr}");
}

#[test]
fn unreachable_endpoint_is_one_line() {
    let folder = scratch();
    let endpoint = format!("http://127.0.0.1:{}", free_port());

    let output = run_caravan(
        &caravan_bin(),
        &["domain", "list"],
        folder.path(),
        &[("AWS_ENDPOINT_URL_SWF", endpoint.as_str())],
    );

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot reach the SWF endpoint"), "{stderr}");
}

#[test]
fn missing_argument_exits_64() {
    let folder = scratch();

    let output = run_caravan(&caravan_bin(), &["start", "-n", "Demo"], folder.path(), &[]);

    assert_eq!(output.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--id"));
}

#[test]
fn missing_domain_exits_64() {
    let folder = scratch();

    let output = run_caravan(&caravan_bin(), &["list"], folder.path(), &[]);

    assert_eq!(output.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing --domain"));
}

#[test]
fn config_endpoint_wins_over_environment() {
    let endpoint = Endpoint::moto();
    let folder = scratch();
    let home = folder.path();
    let domain = unique_name("precedence");
    let config = home.join("caravan.ini");
    std::fs::write(
        &config,
        format!("[caravan]\nendpoint_url = {}\ndomain = {domain}\n", endpoint.url()),
    )
    .expect("config");
    let dead_endpoint = format!("http://127.0.0.1:{}", free_port());
    let config = config.display().to_string();

    let output = run_caravan(
        &caravan_bin(),
        &[
            "-c",
            &config,
            "domain",
            "register",
            "-n",
            &domain,
            "--retention-days",
            "1",
        ],
        home,
        &[("AWS_ENDPOINT_URL_SWF", dead_endpoint.as_str())],
    );
    stdout_of(&output);

    // The default domain comes from the config file too.
    let listed = run_caravan(&caravan_bin(), &["-c", &config, "list", "--output", "json"], home, &[]);
    let body: serde_json::Value = serde_json::from_str(&stdout_of(&listed)).expect("JSON");
    assert_eq!(body["executionInfos"], serde_json::json!([]));
}

#[test]
fn domain_list_json_is_swf_shape() {
    let endpoint = Endpoint::moto();
    let folder = scratch();
    let endpoint = endpoint.url();
    let env = [("AWS_ENDPOINT_URL_SWF", endpoint.as_str())];
    let domain = unique_name("json");
    Swf::new(&endpoint, &domain).register_domain();

    let output = run_caravan(
        &caravan_bin(),
        &["domain", "list", "--output", "json"],
        folder.path(),
        &env,
    );

    let body: serde_json::Value = serde_json::from_str(&stdout_of(&output)).expect("JSON");
    let infos = body["domainInfos"].as_array().expect("domainInfos");
    let info = infos
        .iter()
        .find(|info| info["name"] == domain.as_str())
        .expect("the domain is listed");
    assert_eq!(info["status"], "REGISTERED");
}

#[test]
fn invalid_flag_values_exit_64() {
    let folder = scratch();
    let cases: &[&[&str]] = &[
        &[
            "start",
            "-d",
            "d",
            "-n",
            "Demo",
            "-v",
            "1",
            "-i",
            "x",
            "--execution-timeout",
            "abc",
        ],
        &[
            "start",
            "-d",
            "d",
            "-n",
            "Demo",
            "-v",
            "1",
            "-i",
            "x",
            "--tag-list",
            "a b c d e f",
        ],
        &["start", "-d", "d", "-n", "Demo", "-v", "1", "-i", "a:b"],
        &["domain", "register", "-n", "d", "--retention-days", "91"],
        &["decider", "-d", "d", "-m", "/x.so", "-t", "t", "--pollers", "0"],
        &["decider", "-d", "d", "-m", "/x.so", "-t", "a:b"],
        &["list", "-d", "d", "--oldest", "2020-01-01", "--latest", "2015-01-01"],
    ];

    for args in cases {
        let output = run_caravan(&caravan_bin(), args, folder.path(), &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "{args:?}: {stderr}");
    }
}

#[test]
fn lost_output_is_an_error() {
    let endpoint = Endpoint::moto();
    let folder = scratch();
    let endpoint = endpoint.url();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");

    let output = std::process::Command::new(caravan_bin())
        .args(["domain", "list"])
        .env_clear()
        .envs(crate::support::isolated_env(folder.path()))
        .env("AWS_ENDPOINT_URL_SWF", &endpoint)
        .stdout(full)
        .output()
        .expect("caravan runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write the output"), "{stderr}");
}
