//! `caravan check CONFIG` and `caravan plugin inspect PATH` on real plugins: one line per stage and
//! exit 0 for a good config, every problem and exit 78 for a bad one, and no endpoint contacted.

use std::net::TcpListener;
use std::path::Path;
use std::process::Output;

use crate::support::{caravan_bin, plugins, run_caravan, scratch};

fn caravan(home: &Path, args: &[&str]) -> (Output, String, String) {
    let output = run_caravan(&caravan_bin(), args, home, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// Writes a config with the demo plugin and a decider, the pipeline activities and a worker, and
/// the embedded endpoint on `listen`.
fn good_config(folder: &Path, listen: &str) -> String {
    let text = format!(
        "[caravan]\nendpoint_url = local\nregister_types = true\n\n\
         [local]\nlisten = {listen}\n\n\
         [plugin:demo]\npath = {demo}\n\n\
         [plugin:steps]\npath = {steps}\n\n\
         [decider:main]\ndomain = orders\ntask_list = decisions\nplugins = demo\npollers = 2\n\n\
         [worker:steps]\ndomain = orders\ntask_list = work\nplugins = steps\nconcurrency = 3\n",
        demo = plugins().demo.display(),
        steps = plugins().pipeline_activities.display(),
    );
    let config = folder.join("caravan.ini");
    std::fs::write(&config, text).expect("write the config");
    config.display().to_string()
}

#[test]
fn check_good_config_prints_stages() {
    let folder = scratch();
    // The embedded endpoint's port is port_holder: `caravan run` could not bind it, and check must not try.
    let port_holder = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    port_holder.set_nonblocking(true).expect("non-blocking listener");
    let listen = port_holder.local_addr().expect("address").to_string();
    let config = good_config(folder.path(), &listen);

    let (output, stdout, stderr) = caravan(folder.path(), &["check", &config]);

    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{stdout}");
    assert_eq!(
        lines[0],
        format!("config: {config} parsed: 2 plugins, 1 decider, 1 worker")
    );
    assert!(lines[1].starts_with("endpoint: local"), "{stdout}");
    assert!(lines[1].contains(&listen), "{stdout}");
    assert!(
        lines[2].starts_with(&format!(
            "plugin demo: {}, version 0.1.0, ABI 1.{}, SDK ",
            plugins().demo.display(),
            caravan_plugin::abi::ABI_MINOR
        )),
        "{stdout}"
    );
    assert!(lines[2].ends_with("1 workflow type, 0 activity types"), "{stdout}");
    assert!(lines[3].starts_with("plugin steps: "), "{stdout}");
    assert!(lines[3].ends_with("0 workflow types, 3 activity types"), "{stdout}");
    assert_eq!(
        lines[4],
        "decider main: would poll domain orders task list decisions with 2 pollers, \
         failed_decision_policy time_out, for workflow types: Demo 0.1"
    );
    assert_eq!(
        lines[5],
        "worker steps: would poll domain orders activity task list work with 1 poller, \
         running up to 3 tasks at once, for activity types: Check 1, Process 1, Uppercase 1"
    );
    assert_eq!(
        lines[6],
        "register_types: `caravan run` would register 1 workflow type and 3 activity types (check registers nothing)"
    );
    assert!(lines[7].starts_with("caravan check: no problems found"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");

    let connection = port_holder.accept();
    assert!(connection.is_err(), "check connected to the local endpoint's address");
}

#[test]
fn check_lists_every_problem() {
    let folder = scratch();
    let text_file = folder.path().join("notes.txt");
    std::fs::write(&text_file, "not a library").expect("write a text file");
    // Whatever the umask, the file must pass the permission check to reach the ELF check.
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    std::fs::set_permissions(&text_file, mode).expect("chmod the text file");
    let config = folder.path().join("caravan.ini");
    let text = format!(
        "[caravan]\nendpoint_url = local\n\n\
         [plugin:notes]\npath = {notes}\n\n\
         [plugin:nothing]\npath = {nothing}\n\n\
         [plugin:future]\npath = {future}\n\n\
         [decider:main]\ndomain = orders\ntask_list = decisions\nplugins = notes nothing future\n",
        notes = text_file.display(),
        nothing = folder.path().join("missing.so").display(),
        future = plugins().future_abi.display(),
    );
    std::fs::write(&config, text).expect("write the config");

    let (output, stdout, stderr) = caravan(folder.path(), &["check", &config.display().to_string()]);

    assert_eq!(output.status.code(), Some(78), "{stdout}\n{stderr}");
    assert!(stderr.contains("caravan.ini:4: plugin \"notes\""), "{stderr}");
    assert!(stderr.contains("is not a valid shared library"), "{stderr}");
    assert!(stderr.contains("caravan.ini:7: plugin \"nothing\""), "{stderr}");
    assert!(stderr.contains("missing.so"), "{stderr}");
    assert!(stderr.contains("caravan.ini:10: plugin \"future\""), "{stderr}");
    assert!(stderr.contains("built for plugin ABI 2.0"), "{stderr}");
    assert!(stderr.contains("caravan check: 3 problems found"), "{stderr}");
    assert!(!stdout.contains("no problems found"), "{stdout}");
    assert!(stdout.contains("without plugin notes, nothing, future"), "{stdout}");
}

#[test]
fn check_lists_every_config_error() {
    let folder = scratch();
    let config = folder.path().join("caravan.ini");
    let text = "[caravan]\nendpoint_url = local\nplugin_permissions = loose\n\n\
                [decider:main]\ndomain = orders\ntask_list = a:b\nplugins = ghost\n";
    std::fs::write(&config, text).expect("write the config");

    let (output, stdout, stderr) = caravan(folder.path(), &["check", &config.display().to_string()]);

    assert_eq!(output.status.code(), Some(78), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("caravan.ini:3: invalid value 'loose' for 'plugin_permissions'"),
        "{stderr}"
    );
    assert!(stderr.contains("caravan.ini:7: invalid value 'a:b'"), "{stderr}");
    assert!(stderr.contains("caravan.ini:8: plugin 'ghost' not found"), "{stderr}");
    assert!(stderr.contains("caravan check: 3 problems found"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}

#[test]
fn check_config_without_deciders() {
    let folder = scratch();
    let config = folder.path().join("caravan.ini");
    std::fs::write(&config, "[caravan]\nendpoint_url = local\n").expect("write the config");

    let (output, stdout, stderr) = caravan(folder.path(), &["check", &config.display().to_string()]);

    assert_eq!(output.status.code(), Some(78), "{stdout}\n{stderr}");
    assert!(stderr.contains("nothing to run"), "{stderr}");
}

#[test]
fn inspect_demo_plugin_table() {
    let folder = scratch();
    let demo = plugins().demo.display().to_string();

    let (output, stdout, stderr) = caravan(folder.path(), &["plugin", "inspect", &demo]);

    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("Name:     demo\n"), "{stdout}");
    assert!(stdout.contains("Version:  0.1.0\n"), "{stdout}");
    assert!(stdout.contains(&format!("Path:     {demo}\n")), "{stdout}");
    let abi = format!("ABI:      1.{}\n", caravan_plugin::abi::ABI_MINOR);
    assert!(stdout.contains(&abi), "{stdout}");
    assert!(stdout.contains("SDK:      "), "{stdout}");
    assert!(stdout.contains("Workflow types:\nName"), "{stdout}");
    let demo_row = stdout
        .lines()
        .find(|line| line.starts_with("Demo "))
        .expect("a row for the Demo type");
    let columns: Vec<&str> = demo_row.split_whitespace().collect();
    assert_eq!(&columns[..6], ["Demo", "0.1", "default", "10", "600", "TERMINATE"]);
    assert!(stdout.contains("Activity types: none"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn inspect_activity_plugin_json() {
    let folder = scratch();
    let steps = plugins().pipeline_activities.display().to_string();

    let (output, stdout, stderr) = caravan(folder.path(), &["plugin", "inspect", "--output", "json", &steps]);

    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    assert_eq!(report["path"], steps.as_str());
    assert_eq!(
        report["abiVersion"],
        format!("1.{}", caravan_plugin::abi::ABI_MINOR).as_str()
    );
    assert_eq!(report["manifest"]["name"], "pipeline-activities");
    assert_eq!(report["manifest"]["workflows"], serde_json::json!([]));
    let activities = report["manifest"]["activities"].as_array().expect("activities");
    let names: Vec<&str> = activities
        .iter()
        .map(|activity| activity["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["Uppercase", "Check", "Process"]);
    assert!(activities[0]["defaultTaskList"]["name"].is_string(), "{stdout}");
    assert_eq!(report["permissionProblems"], serde_json::json!([]));
}

#[test]
fn inspect_text_file_exits_78() {
    let folder = scratch();
    let text_file = folder.path().join("notes.so");
    std::fs::write(&text_file, "not a library").expect("write a text file");
    let text_file = text_file.display().to_string();

    let (output, stdout, stderr) = caravan(folder.path(), &["plugin", "inspect", &text_file]);

    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains(&text_file), "{stderr}");
    assert!(
        stderr.contains("is not a valid shared library: not an ELF file"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "{stdout}");
}
