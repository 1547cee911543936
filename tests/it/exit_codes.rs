//! The exit codes of every command for the cases that need no endpoint: 0 for help and version, 64
//! for invalid usage, 78 for an invalid config file or plugin. The other tests cover 1 (a failed
//! SWF call), 130 (a second stop signal) and the cases that need a running endpoint.

use crate::support::{caravan_bin, isolated_env, plugins, run_caravan, scratch};

#[test]
fn exit_codes_without_endpoint() {
    let folder = scratch();
    let home = folder.path();
    let bad_config = home.join("bad.ini");
    std::fs::write(&bad_config, "[caravan]\nendpoint_url = nowhere\n").expect("write the config");
    let bad_config = bad_config.display().to_string();
    let missing_config = home.join("missing.ini").display().to_string();
    let text_plugin = home.join("notes.so");
    std::fs::write(&text_plugin, "not a library").expect("write a text file");
    let text_plugin = text_plugin.display().to_string();
    let demo = plugins().demo.display().to_string();
    let history = home.join("history.json").display().to_string();
    // A local endpoint that nothing serves: flag values are still checked first.
    let idle_config = home.join("idle.ini");
    let idle_port = crate::support::endpoint::free_port();
    std::fs::write(
        &idle_config,
        format!("[caravan]\nendpoint_url = local\n\n[local]\nlisten = 127.0.0.1:{idle_port}\n"),
    )
    .expect("write the config");
    let idle_config = idle_config.display().to_string();

    let cases: Vec<(Vec<&str>, u8, &str)> = vec![
        (vec!["--help"], 0, ""),
        (vec!["--version"], 0, ""),
        (vec!["check", "--help"], 0, ""),
        (vec!["no-such-command"], 64, "unrecognized subcommand"),
        (vec!["run"], 64, "CONFIG"),
        (vec!["check"], 64, "CONFIG"),
        (vec!["plugin"], 64, "inspect"),
        (vec!["plugin", "inspect"], 64, "PATH"),
        (vec!["--output", "json", "check", &bad_config], 64, "--output json"),
        (
            vec!["-c", &missing_config, "check", &bad_config],
            64,
            "caravan check takes no -c: give the config file to check as its argument",
        ),
        (
            vec!["-c", &missing_config, "run", &bad_config],
            64,
            "caravan run takes no -c: give the config file as its argument",
        ),
        (
            vec!["-c", &missing_config, "local", &bad_config],
            64,
            "either as its argument or with -c, not both",
        ),
        (
            vec!["-c", &missing_config, "plugin", "inspect", &demo],
            64,
            "caravan plugin inspect reads no config file, so it takes no -c",
        ),
        (
            vec!["-c", &missing_config, "replay", "--plugin", &demo, &history],
            64,
            "caravan replay reads no config file, so it takes no -c",
        ),
        (vec!["-c", &missing_config, "local"], 78, "missing.ini"),
        (vec!["run", &missing_config], 78, "missing.ini"),
        (vec!["run", &bad_config], 78, "'nowhere'"),
        (vec!["check", &missing_config], 78, "missing.ini"),
        (vec!["check", &bad_config], 78, "'nowhere'"),
        (vec!["local", &bad_config], 78, "'nowhere'"),
        (
            vec!["decider", "-d", "d", "-t", "t", "-m", &text_plugin],
            78,
            "is not a valid shared library",
        ),
        (
            vec!["-c", &bad_config, "decider", "-d", "d", "-t", "t", "-m", &demo],
            78,
            "'nowhere'",
        ),
        (vec!["-c", &bad_config, "domain", "list"], 78, "'nowhere'"),
        (
            vec!["-c", &bad_config, "start", "-d", "d", "-n", "N", "-v", "1", "-i", "x"],
            78,
            "'nowhere'",
        ),
        (
            vec!["-c", &bad_config, "signal", "-d", "d", "-i", "x", "-s", "S"],
            78,
            "'nowhere'",
        ),
        (
            vec!["-c", &bad_config, "terminate", "-d", "d", "-i", "x"],
            78,
            "'nowhere'",
        ),
        (vec!["-c", &bad_config, "cancel", "-d", "d", "-i", "x"], 78, "'nowhere'"),
        (vec!["-c", &bad_config, "list", "-d", "d"], 78, "'nowhere'"),
        (
            vec!["-c", &idle_config, "list", "-d", "d", "--oldest", "yesterday"],
            64,
            "invalid --oldest",
        ),
        (
            vec!["-c", &bad_config, "history", "-d", "d", "-i", "x"],
            78,
            "'nowhere'",
        ),
        (
            vec!["-c", &bad_config, "describe", "-d", "d", "-i", "x"],
            78,
            "'nowhere'",
        ),
        (
            vec!["plugin", "inspect", &text_plugin],
            78,
            "is not a valid shared library",
        ),
        (
            vec!["replay", "--plugin", &text_plugin, &history],
            78,
            "is not a valid shared library",
        ),
    ];

    for (args, code, fragment) in cases {
        let output = run_caravan(&caravan_bin(), &args, home, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(i32::from(code)), "{args:?}: {stderr}");
        assert!(
            stderr.contains(fragment),
            "{args:?}: stderr lacks {fragment:?}:\n{stderr}"
        );
    }
}

/// A closed pipe on stdout and stderr, as in `caravan check CONFIG 2>&1 | head -1`, leaves the exit
/// code as it is, because caravan cannot report the failed write and must not panic over it.
#[test]
fn closed_output_keeps_exit_code() {
    let folder = scratch();
    let home = folder.path();
    let bad_config = home.join("bad.ini");
    std::fs::write(&bad_config, "[caravan]\nendpoint_url = nowhere\n").expect("write the config");
    let bad_config = bad_config.display().to_string();

    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["check", &bad_config], 78),
        (vec!["run", &bad_config], 78),
        (vec!["-c", &bad_config, "domain", "list"], 78),
        (vec!["--output", "json", "check", &bad_config], 64),
    ];

    for (args, code) in cases {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let status = std::process::Command::new(caravan_bin())
            .args(&args)
            .env_clear()
            .envs(isolated_env(home))
            .stdout(writer.try_clone().expect("clone the pipe"))
            .stderr(writer)
            .status()
            .expect("caravan runs");

        assert_eq!(status.code(), Some(code), "{args:?}");
    }
}
