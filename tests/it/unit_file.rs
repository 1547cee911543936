//! The systemd unit in systemd/caravan.service, checked offline by `systemd-analyze` through
//! scripts/check-unit.sh. The test fails, rather than passing, where systemd-analyze is missing.

use std::path::Path;
use std::process::Command;

use crate::support::caravan_bin;

fn unit_text() -> String {
    let unit = Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/caravan.service");
    std::fs::read_to_string(unit).expect("read systemd/caravan.service")
}

/// Returns the value of the first `key=` line of the unit.
fn setting(text: &str, key: &str) -> Option<String> {
    let prefix = format!("{key}=");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(str::to_string)
}

#[test]
fn unit_passes_systemd_analyze() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-unit.sh");

    let output = Command::new(script)
        .arg(caravan_bin())
        .output()
        .expect("run scripts/check-unit.sh");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("systemd-analyze verify: no errors"), "{stdout}");
    assert!(
        stdout.contains("Overall exposure level for caravan.service"),
        "{stdout}"
    );
}

#[test]
fn unit_stop_timeout_above_deadline() {
    let text = unit_text();

    let timeout = setting(&text, "TimeoutStopSec").expect("TimeoutStopSec is set");
    let seconds: u64 = timeout.parse().expect("TimeoutStopSec in whole seconds");
    let deadline = caravan::config::DEFAULT_SHUTDOWN_TIMEOUT_SECS;
    assert!(
        seconds > deadline,
        "TimeoutStopSec={seconds} must leave room above shutdown_timeout_secs's default, {deadline} seconds"
    );
}

#[test]
fn unit_checks_config_before_start() {
    let text = unit_text();

    let check = setting(&text, "ExecStartPre").expect("ExecStartPre is set");
    let start = setting(&text, "ExecStart").expect("ExecStart is set");
    assert_eq!(check, "-/usr/bin/caravan check /etc/caravan/caravan.ini");
    assert_eq!(start, "/usr/bin/caravan run /etc/caravan/caravan.ini");
    assert_eq!(setting(&text, "ExecReload").as_deref(), Some("/bin/kill -HUP $MAINPID"));
    assert_eq!(setting(&text, "Type").as_deref(), Some("notify"));
    assert_eq!(setting(&text, "RestartPreventExitStatus").as_deref(), Some("78"));
}
