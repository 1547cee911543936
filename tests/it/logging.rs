//! Logging configured by the config file's Python logging sections: handlers, levels, formats
//! and a rotating log file, the journal's priority prefixes, JSON lines, `RUST_LOG`, and errors
//! in the sections. The daemon runs the demo workflow on its embedded endpoint.

use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::embedded::embedded_demo_config;
use crate::support::daemon::Daemon;
use crate::support::{caravan_bin, run_caravan, scratch};

const WAIT: Duration = Duration::from_secs(30);

/// Maximum size of the test's log file before it rotates, small enough for several rotations
/// during one demo run.
const MAX_BYTES: u64 = 1024;
const BACKUP_COUNT: u32 = 2;

/// Pyramid-style logging sections: the root at WARN to the console, `caravan` at DEBUG to a file
/// that rotates at [`MAX_BYTES`] and keeps [`BACKUP_COUNT`] old files.
fn logging_sections() -> String {
    format!(
        "
[loggers]
keys = root, caravan

[handlers]
keys = console, file

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[logger_caravan]
level = DEBUG
handlers = file
qualname = caravan

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[handler_file]
class = handlers.RotatingFileHandler
args = ('%(here)s/caravan.log', 'a', {MAX_BYTES}, {BACKUP_COUNT})
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s:%(lineno)s][%(threadName)s] %(message)s
"
    )
}

/// Writes the embedded demo config with the logging sections and returns its path.
fn logging_config(folder: &Path) -> String {
    let (config, _url) = embedded_demo_config(folder, 60);
    let mut text = std::fs::read_to_string(&config).expect("read the config");
    text.push_str(&logging_sections());
    std::fs::write(&config, text).expect("write the config");
    config
}

fn caravan_ok(home: &Path, config: &str, args: &[&str]) {
    let mut full = vec!["-c", config];
    full.extend_from_slice(args);
    let output = run_caravan(&caravan_bin(), &full, home, &[]);
    assert!(
        output.status.success(),
        "caravan {args:?} failed with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs a demo execution to completion: start, PRINT with `text`, STOP.
fn run_demo(daemon: &Daemon, home: &Path, config: &str, workflow_id: &str, text: &str) {
    caravan_ok(
        home,
        config,
        &["start", "-d", "demo", "-n", "Demo", "-v", "0.1", "-i", workflow_id],
    );
    caravan_ok(
        home,
        config,
        &[
            "signal",
            "-d",
            "demo",
            "-i",
            workflow_id,
            "-s",
            "PRINT",
            "--input",
            text,
        ],
    );
    assert!(daemon.wait_for_log(text, WAIT), "{}", daemon.log());
    caravan_ok(home, config, &["signal", "-d", "demo", "-i", workflow_id, "-s", "STOP"]);
}

fn stop(mut daemon: Daemon) -> String {
    daemon.signal(Signal::SIGTERM);
    let status = daemon.wait_exit(WAIT).expect("daemon exits");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    daemon.log()
}

/// Splits a line of the generic format into its level and logger name, checking the rest.
fn parse_generic_line(line: &str) -> (String, String) {
    let (date, rest) = line
        .split_at_checked(23)
        .unwrap_or_else(|| panic!("short line {line:?}"));
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 17, "time as 2024-05-01 13:45:12,345 in {line:?}");
    assert_eq!(&date[19..20], ",", "{line:?}");

    let level = rest
        .get(1..6)
        .unwrap_or_else(|| panic!("no level in {line:?}"))
        .to_string();
    let bracket = rest.get(6..).unwrap_or_default();
    let inner = bracket
        .strip_prefix(" [")
        .unwrap_or_else(|| panic!("no [name:lineno] in {line:?}"));
    let (name_and_line, after) = inner
        .split_once("][")
        .unwrap_or_else(|| panic!("no thread in {line:?}"));
    let (name, lineno) = name_and_line
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("no lineno in {line:?}"));
    assert!(lineno.parse::<u32>().is_ok(), "lineno in {line:?}");
    let (thread, message) = after
        .split_once("] ")
        .unwrap_or_else(|| panic!("no message in {line:?}"));
    assert!(!thread.is_empty(), "{line:?}");
    assert!(!message.is_empty(), "{line:?}");
    (level, name.to_string())
}

#[test]
fn rotating_file_follows_the_sections() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);

    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    for number in 1..=3 {
        run_demo(
            &daemon,
            home,
            &config,
            &format!("wf-{number}"),
            &format!("hello {number}"),
        );
    }
    let console = stop(daemon);

    let log = home.join("caravan.log");
    let backups: Vec<_> = (1..=BACKUP_COUNT + 1)
        .map(|number| home.join(format!("caravan.log.{number}")))
        .collect();
    assert!(log.exists(), "caravan.log");
    assert!(
        backups[0].exists() && backups[1].exists(),
        "the file rotated into .1 and .2"
    );
    assert!(!backups[2].exists(), "at most {BACKUP_COUNT} old files");

    let mut lines = Vec::new();
    for path in [&backups[1], &backups[0], &log] {
        let text = std::fs::read_to_string(path).expect("read a log file");
        let size = text.len() as u64;
        assert!(size > 0, "{} is empty", path.display());
        assert!(size < MAX_BYTES, "{} has {size} bytes", path.display());
        lines.extend(text.lines().map(str::to_string));
    }
    let parsed: Vec<(String, String)> = lines.iter().map(|line| parse_generic_line(line)).collect();
    assert!(
        parsed
            .iter()
            .all(|(_, name)| name == "caravan" || name.starts_with("caravan.")),
        "only the caravan logger's records reach the file:\n{}",
        lines.join("\n")
    );
    assert!(
        parsed.iter().any(|(level, _)| level == "DEBUG"),
        "caravan's debug lines are kept:\n{}",
        lines.join("\n")
    );
    assert!(
        lines
            .last()
            .is_some_and(|line| line.contains("local SWF endpoint stopped")),
        "the last line is written at exit:\n{}",
        lines.join("\n")
    );

    // The console gets caravan's records too (propagation to the root), and WARN and above from
    // every other target, so no info line of the embedded endpoint's own crate.
    let console_lines: Vec<&str> = console.lines().collect();
    for line in &console_lines {
        let (level, name) = parse_generic_line(line);
        let caravan = name == "caravan" || name.starts_with("caravan.");
        assert!(caravan || matches!(level.as_str(), "WARNI" | "ERROR"), "{line}");
    }
    assert!(
        console_lines
            .iter()
            .any(|line| line.contains("INFO  [caravan.plugin:") && line.contains("hello 2")),
        "plugin records are the logger caravan.plugin:\n{console}"
    );
    assert!(
        !console.contains("SWF endpoint bound"),
        "caravan_local is below WARN:\n{console}"
    );
}

/// Returns whether the line has a time of day such as `13:45:12`.
fn contains_time(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.windows(8).any(|window| {
        window.iter().enumerate().all(|(index, byte)| match index {
            2 | 5 => *byte == b':',
            _ => byte.is_ascii_digit(),
        })
    })
}

#[test]
fn journal_stream_gets_priority_prefixes() {
    let folder = scratch();
    let home = folder.path();
    let (plain_config, _url) = embedded_demo_config(home, 60);
    let sections_folder = scratch();
    let sections_config = logging_config(sections_folder.path());

    for config in [&plain_config, &sections_config] {
        let daemon = Daemon::spawn_journal_style(&caravan_bin(), &["run", config], home, &[]);
        assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
        let log = stop(daemon);

        let running = log
            .lines()
            .find(|line| line.contains("caravan is running"))
            .expect("caravan is running");
        assert!(running.starts_with("<6>"), "{running}");
        for line in log.lines() {
            assert!(
                ["<3>", "<4>", "<6>", "<7>"]
                    .iter()
                    .any(|prefix| line.starts_with(prefix)),
                "{line}"
            );
            assert!(!contains_time(line), "a time in {line}");
        }
    }
}

#[test]
fn json_console_lines() {
    let folder = scratch();
    let home = folder.path();
    let (plain_config, _url) = embedded_demo_config(home, 60);
    let sections_folder = scratch();
    let sections_config = logging_config(sections_folder.path());

    for config in [&plain_config, &sections_config] {
        let daemon = Daemon::spawn(&caravan_bin(), &["--log-format", "json", "run", config], home, &[]);
        assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
        run_demo(&daemon, home, config, "wf-json", "json hello");
        let log = stop(daemon);

        for line in log.lines() {
            let record: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|error| panic!("{error} in {line}"));
            assert!(record["level"].is_string(), "{line}");
            assert!(record["target"].is_string(), "{line}");
        }
        let printed = log
            .lines()
            .find(|line| line.contains("json hello"))
            .expect("the PRINT input is logged");
        let record: serde_json::Value = serde_json::from_str(printed).unwrap();
        assert_eq!(record["target"], "caravan::plugin", "{printed}");
        assert_eq!(record["span"]["workflow_id"], "wf-json", "{printed}");
    }

    let file = std::fs::read_to_string(sections_folder.path().join("caravan.log")).expect("read caravan.log");
    let line = file.lines().next().expect("a line in the file");
    parse_generic_line(line);
}

#[test]
fn rust_log_overrides_file_levels() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);

    let daemon = Daemon::spawn(
        &caravan_bin(),
        &["run", &config],
        home,
        &[("RUST_LOG", "warn,caravan_local=info")],
    );
    assert!(daemon.wait_for_log("SWF endpoint bound", WAIT), "{}", daemon.log());
    let console = stop(daemon);

    let file = std::fs::read_to_string(home.join("caravan.log")).unwrap_or_default();
    assert!(
        !file
            .lines()
            .any(|line| line.contains(" DEBUG ") || line.contains(" INFO  ")),
        "RUST_LOG=warn holds caravan at WARN, below the file's DEBUG:\n{file}"
    );
    assert!(
        console.contains("INFO  [caravan_local:"),
        "RUST_LOG lets caravan_local's info lines through the root's WARN:\n{console}"
    );
}

#[test]
fn local_endpoint_logs_to_the_file() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);

    let daemon = Daemon::spawn(&caravan_bin(), &["local", &config], home, &[]);
    assert!(
        crate::support::wait_for(WAIT, || {
            let file = std::fs::read_to_string(home.join("caravan.log")).ok()?;
            file.contains("local SWF endpoint listening").then_some(())
        })
        .is_some(),
        "{}",
        daemon.log()
    );
    stop(daemon);
}

#[test]
fn bad_logging_section_exits_78() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);
    let text = std::fs::read_to_string(&config).expect("read the config");
    let line = text
        .lines()
        .position(|line| line == "level = DEBUG")
        .expect("the caravan logger's level")
        + 1;
    std::fs::write(&config, text.replace("level = DEBUG", "level = LOUD")).expect("write the config");

    let output = run_caravan(&caravan_bin(), &["run", &config], home, &[]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{config}:{line}: invalid value 'LOUD' for 'level' in [logger_caravan]: unknown level name"
        )),
        "{stderr}"
    );
    assert!(!home.join("caravan.log").exists(), "nothing was started");
}

#[test]
fn unopenable_log_file_exits_78() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);
    let missing = home.join("missing").join("caravan.log");
    let text = std::fs::read_to_string(&config).expect("read the config");
    std::fs::write(
        &config,
        text.replace("%(here)s/caravan.log", &missing.display().to_string()),
    )
    .expect("write the config");

    let output = run_caravan(&caravan_bin(), &["run", &config], home, &[]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot open log file '{}' of [handler_file]",
            missing.display()
        )),
        "{stderr}"
    );
}

/// Two handlers that reach one file by different paths, here through a symlink to the folder,
/// would rotate it under each other, so they are a config error like two handlers on one path.
#[test]
fn one_file_by_two_paths_exits_78() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);
    let link = home.join("link");
    std::os::unix::fs::symlink(home, &link).expect("symlink to the folder");
    let text = std::fs::read_to_string(&config).expect("read the config");
    let console = "class = StreamHandler\nargs = (sys.stderr,)";
    assert!(text.contains(console), "{text}");
    let second_file = format!("class = FileHandler\nargs = ('{}/caravan.log',)", link.display());
    std::fs::write(&config, text.replace(console, &second_file)).expect("write the config");

    // A daemon rather than a run to completion, so that a daemon that starts fails the test.
    let mut daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    let status = daemon.wait_exit(WAIT);

    let stderr = daemon.log();
    assert_eq!(status.and_then(|status| status.code()), Some(78), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "[handler_file] and [handler_console] both write to one file: '{}/caravan.log' is '{}/caravan.log'",
            home.display(),
            link.display()
        )),
        "{stderr}"
    );
}

/// `caravan check` finds two handlers that reach one log file by two paths also before the file
/// exists, through a symlinked folder and through a symlink to the missing file itself.
#[test]
fn check_finds_one_future_file_by_two_paths() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);
    let text = std::fs::read_to_string(&config).expect("read the config");
    let console = "class = StreamHandler\nargs = (sys.stderr,)";
    assert!(text.contains(console), "{text}");
    let link = home.join("link");
    std::os::unix::fs::symlink(home, &link).expect("symlink to the folder");
    let file_link = home.join("file-link.log");
    std::os::unix::fs::symlink("caravan.log", &file_link).expect("symlink to the missing file");

    for second in [link.join("caravan.log"), file_link] {
        let second_file = format!("class = FileHandler\nargs = ('{}',)", second.display());
        std::fs::write(&config, text.replace(console, &second_file)).expect("write the config");

        let output = run_caravan(&caravan_bin(), &["check", &config], home, &[]);

        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(78), "{stderr}");
        assert!(
            stderr.contains("[handler_file] and [handler_console] both write to one file"),
            "{stderr}"
        );
        assert!(!home.join("caravan.log").exists(), "check created the log file");
    }
}

/// A daily file with one old file kept leaves alone the files whose names only start with the log
/// file's name, such as the `.old` file that the error about a plain file at NAME suggests.
#[test]
fn timed_rotation_keeps_other_files() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);
    let text = std::fs::read_to_string(&config).expect("read the config");
    let rotating = format!(
        "class = handlers.RotatingFileHandler\nargs = ('%(here)s/caravan.log', 'a', {MAX_BYTES}, {BACKUP_COUNT})"
    );
    assert!(text.contains(&rotating), "{text}");
    let timed = "class = handlers.TimedRotatingFileHandler\nargs = ('%(here)s/caravan.log', 'midnight', 1, 1)";
    std::fs::write(&config, text.replace(&rotating, timed)).expect("write the config");
    let others = ["caravan.log.old", "caravan.log.errors"];
    for name in others {
        std::fs::write(home.join(name), "kept\n").expect("write a file next to the log");
    }

    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    for name in others {
        assert!(home.join(name).exists(), "{name} was deleted");
    }
    stop(daemon);
}

/// A log file that cannot be written, here `/dev/full`, is reported on stderr once rather than
/// losing its lines without a word.
#[test]
fn failed_log_writes_reported() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipped: this system has no /dev/full");
        return;
    }
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);
    let text = std::fs::read_to_string(&config).expect("read the config");
    let rotating = format!("args = ('%(here)s/caravan.log', 'a', {MAX_BYTES}, {BACKUP_COUNT})");
    assert!(text.contains(&rotating), "{text}");
    std::fs::write(&config, text.replace(&rotating, "args = ('/dev/full', 'a', 0, 0)")).expect("write the config");

    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    let report = "caravan: cannot write to log file '/dev/full', so log lines are lost until it works again: ";
    assert!(daemon.wait_for_log(report, WAIT), "{}", daemon.log());
    let log = stop(daemon);
    assert_eq!(log.matches(report).count(), 1, "reported once: {log}");
}

/// `caravan check` finds a log file that `caravan run` could not open, and writes no log file.
#[test]
fn check_opens_log_files_like_run() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);

    let output = run_caravan(&caravan_bin(), &["check", &config], home, &[]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("logging: 2 handlers, 1 log file"), "{stdout}");
    assert!(!home.join("caravan.log").exists(), "check created the log file");

    let missing = home.join("missing").join("caravan.log");
    let text = std::fs::read_to_string(&config).expect("read the config");
    std::fs::write(
        &config,
        text.replace("%(here)s/caravan.log", &missing.display().to_string()),
    )
    .expect("write the config");

    let output = run_caravan(&caravan_bin(), &["check", &config], home, &[]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot open log file '{}' of [handler_file]",
            missing.display()
        )),
        "{stderr}"
    );
}

/// Waits until the file at `path` contains `text`, and fails the test after [`WAIT`].
fn wait_for_file_text(daemon: &Daemon, path: &Path, text: &str) {
    let found = crate::support::wait_for(WAIT, || {
        let file = std::fs::read_to_string(path).ok()?;
        file.contains(text).then_some(())
    });
    assert!(
        found.is_some(),
        "{} lacks {text:?}: {:?}\n{}",
        path.display(),
        std::fs::read_to_string(path),
        daemon.log()
    );
}

/// A `WatchedFileHandler` writes to a new file at its path after logrotate, in its `create` mode,
/// renamed the file, and after someone deleted it.
#[test]
fn watched_file_follows_its_path() {
    let folder = scratch();
    let home = folder.path();
    let config = logging_config(home);
    let text = std::fs::read_to_string(&config).expect("read the config");
    let rotating = format!(
        "class = handlers.RotatingFileHandler\nargs = ('%(here)s/caravan.log', 'a', {MAX_BYTES}, {BACKUP_COUNT})"
    );
    assert!(text.contains(&rotating), "{text}");
    let watched = "class = handlers.WatchedFileHandler\nargs = ('%(here)s/caravan.log',)";
    std::fs::write(&config, text.replace(&rotating, watched)).expect("write the config");
    let log = home.join("caravan.log");
    let rotated = home.join("caravan.log.1");

    let checked = run_caravan(&caravan_bin(), &["check", &config], home, &[]);
    let stdout = String::from_utf8_lossy(&checked.stdout);
    assert_eq!(
        checked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(stdout.contains("logging: 2 handlers, 1 log file"), "{stdout}");

    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config], home, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    run_demo(&daemon, home, &config, "wf-before", "hello before rotation");
    wait_for_file_text(&daemon, &log, "hello before rotation");

    std::fs::rename(&log, &rotated).expect("rotate the log file");
    run_demo(&daemon, home, &config, "wf-renamed", "hello after rename");
    wait_for_file_text(&daemon, &log, "hello after rename");
    let new_file = std::fs::read_to_string(&log).expect("read the new log file");
    assert!(!new_file.contains("hello before rotation"), "{new_file}");

    std::fs::remove_file(&log).expect("delete the log file");
    run_demo(&daemon, home, &config, "wf-deleted", "hello after delete");
    wait_for_file_text(&daemon, &log, "hello after delete");
    stop(daemon);

    let rotated_file = std::fs::read_to_string(&rotated).expect("read the rotated log file");
    assert!(rotated_file.contains("hello before rotation"), "{rotated_file}");
    assert!(!rotated_file.contains("hello after rename"), "{rotated_file}");
    let last_file = std::fs::read_to_string(&log).expect("read the last log file");
    assert!(!last_file.contains("hello after rename"), "{last_file}");
    assert!(
        last_file.contains("local SWF endpoint stopped"),
        "the last line is written at exit:\n{last_file}"
    );
}
