//! Reloading on SIGHUP under load, plugin files replaced while the daemon runs, and the messages
//! the daemon sends to systemd through NOTIFY_SOCKET.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::support::daemon::Daemon;
use crate::support::endpoint::Endpoint;
use crate::support::swf::{Swf, attributes};
use crate::support::{caravan_bin, plugins, scratch, unique_name, wait_for};

const WAIT: Duration = Duration::from_secs(30);

/// A decider section of a test config: name, task list, plugin names.
struct Decider<'a>(&'a str, &'a str, &'a str);

/// Writes the config: the versioned plugin from `plugin_file`, the `complete` fixture, and the
/// deciders given.
fn write_config(path: &Path, url: &str, domain: &str, plugin_file: &Path, deciders: &[Decider<'_>]) {
    let mut text = format!(
        "[caravan]\n\
         endpoint_url = {url}\n\
         register_types = true\n\
         shutdown_timeout_secs = 20\n\
         \n\
         [plugin:versioned]\n\
         path = {versioned}\n\
         \n\
         [plugin:complete]\n\
         path = {complete}\n",
        versioned = plugin_file.display(),
        complete = plugins().complete.display(),
    );
    for Decider(name, task_list, plugins) in deciders {
        text.push_str(&format!(
            "\n[decider:{name}]\ndomain = {domain}\ntask_list = {task_list}\nplugins = {plugins}\npollers = 2\n"
        ));
    }
    std::fs::write(path, text).expect("write the config");
}

/// What each reload test starts from: a scratch folder, `caravan local` with a 2-second poll
/// window, a registered domain, and version 1 of the versioned plugin installed in the folder.
struct Fixture {
    folder: tempfile::TempDir,
    endpoint: Endpoint,
    domain: String,
    config: PathBuf,
    plugin_file: PathBuf,
    swf: Swf,
}

impl Fixture {
    fn new(domain_prefix: &str) -> Fixture {
        let folder = scratch();
        let endpoint = Endpoint::local_with_poll_window(2);
        let domain = unique_name(domain_prefix);
        let config = folder.path().join("caravan.ini");
        let plugin_file = folder.path().join("libversioned.so");
        std::fs::copy(&plugins().versioned_1, &plugin_file).expect("install version 1");
        let swf = Swf::new(&endpoint.url(), &domain);
        swf.register_domain();

        Fixture {
            folder,
            endpoint,
            domain,
            config,
            plugin_file,
            swf,
        }
    }
}

/// Starts `caravan run CONFIG` and waits until it polls.
fn start_daemon(home: &Path, config: &Path) -> Daemon {
    let daemon = Daemon::spawn(&caravan_bin(), &["run", &config.display().to_string()], home, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    daemon
}

/// Stops the daemon with SIGTERM and asserts that it drains and exits 0.
fn stop_daemon(daemon: &mut Daemon) {
    daemon.signal(Signal::SIGTERM);
    let status = daemon.wait_exit(WAIT).expect("caravan exits");
    assert!(status.success(), "{status}: {}", daemon.log());
}

/// Replaces `target` atomically with a copy of `source`, as a package manager installs a file.
fn replace_by_rename(source: &Path, target: &Path) {
    let staged = target.with_extension("new");
    std::fs::copy(source, &staged).expect("copy the new build");
    std::fs::rename(&staged, target).expect("rename it over the old one");
}

/// An execution the load started.
#[derive(Clone, Debug)]
struct Started {
    workflow_id: String,
    run_id: String,
    task_list: String,
    at: Instant,
}

/// Starts executions on the current task lists, one list after the other, until stopped.
struct Load {
    lists: Arc<Mutex<Vec<(String, String)>>>,
    started: Arc<Mutex<Vec<Started>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Load {
    /// `lists` contains (task list, workflow type name) pairs; the type's version is `1`.
    fn start(url: &str, domain: &str, lists: &[(&str, &str)]) -> Load {
        let lists: Arc<Mutex<Vec<(String, String)>>> = Arc::new(Mutex::new(
            lists
                .iter()
                .map(|(list, name)| (list.to_string(), name.to_string()))
                .collect(),
        ));
        let started: Arc<Mutex<Vec<Started>>> = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));

        let thread = {
            let (url, domain) = (url.to_string(), domain.to_string());
            let (lists, started, stop) = (lists.clone(), started.clone(), stop.clone());
            std::thread::spawn(move || {
                let swf = Swf::new(&url, &domain);
                let mut count = 0;
                while !stop.load(Ordering::Relaxed) {
                    let current = lists.lock().unwrap().clone();
                    for (task_list, name) in current {
                        count += 1;
                        let workflow_id = format!("load-{task_list}-{count}");
                        let run_id = swf.start_on(&workflow_id, &name, "1", &task_list);
                        started.lock().unwrap().push(Started {
                            workflow_id,
                            run_id,
                            task_list,
                            at: Instant::now(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(15));
                }
            })
        };
        Load {
            lists,
            started,
            stop,
            thread: Some(thread),
        }
    }

    fn set_lists(&self, lists: &[(&str, &str)]) {
        *self.lists.lock().unwrap() = lists
            .iter()
            .map(|(list, name)| (list.to_string(), name.to_string()))
            .collect();
    }

    fn count_since(&self, moment: Instant) -> usize {
        self.started
            .lock()
            .unwrap()
            .iter()
            .filter(|started| started.at > moment)
            .count()
    }

    fn finish(mut self) -> Vec<Started> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().expect("the load thread");
        self.started.lock().unwrap().clone()
    }
}

/// Waits for the execution to close and returns its result, asserting that it completed without
/// any decision task timing out.
fn completed_result(swf: &Swf, started: &Started) -> String {
    let status = swf.wait_closed(&started.workflow_id, &started.run_id, WAIT);
    let history = swf.history(&started.workflow_id, &started.run_id);
    assert_eq!(
        status.as_deref(),
        Some("COMPLETED"),
        "{} on {} did not complete: {history:#?}",
        started.workflow_id,
        started.task_list
    );
    assert!(
        !history.iter().any(|event| event["eventType"] == "DecisionTaskTimedOut"),
        "a decision task of {} timed out: {history:#?}",
        started.workflow_id
    );
    attributes(&history, "WorkflowExecutionCompleted").expect("completed event")["result"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn wait_for_log_count(daemon: &Daemon, text: &str, count: usize) -> bool {
    wait_for(WAIT, || (daemon.log().matches(text).count() >= count).then_some(())).is_some()
}

#[test]
fn reload_under_load_loses_no_task() {
    let Fixture {
        folder,
        endpoint,
        domain,
        config,
        plugin_file,
        swf,
    } = Fixture::new("reload");
    let home = folder.path();

    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugin_file,
        &[Decider("a", "list-a", "versioned"), Decider("b", "list-b", "complete")],
    );
    let mut daemon = start_daemon(home, &config);

    // Load on both lists, then the new config: version 2 of the plugin, list-c added, list-b gone.
    let load = Load::start(
        &endpoint.url(),
        &domain,
        &[("list-a", "Versioned"), ("list-b", "Complete")],
    );
    let began = Instant::now();
    assert!(wait_for(WAIT, || (load.count_since(began) >= 40).then_some(())).is_some());
    replace_by_rename(&plugins().versioned_2, &plugin_file);
    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugin_file,
        &[Decider("a", "list-a", "versioned"), Decider("c", "list-c", "versioned")],
    );
    load.set_lists(&[("list-a", "Versioned"), ("list-c", "Versioned")]);
    daemon.signal(Signal::SIGHUP);

    assert!(
        daemon.wait_for_log("reloaded: new pollers started", WAIT),
        "{}",
        daemon.log()
    );
    assert!(
        wait_for_log_count(&daemon, "finished its work after a reload and stopped", 2),
        "the replaced deciders a and b did not finish: {}",
        daemon.log()
    );
    let retired = Instant::now();
    let log = daemon.log();
    assert!(log.contains("unit=decider a"), "{log}");
    assert!(log.contains("unit=decider b"), "{log}");
    assert!(wait_for(WAIT, || (load.count_since(retired) >= 40).then_some(())).is_some());
    let started = load.finish();
    let probe_b = Started {
        workflow_id: "probe-b".to_string(),
        run_id: swf.start_on("probe-b", "Complete", "1", "list-b"),
        task_list: "list-b".to_string(),
        at: Instant::now(),
    };

    let mut after_reload = 0;
    for execution in started.iter().filter(|started| started.task_list != "list-b") {
        let result = completed_result(&swf, execution);
        if execution.task_list == "list-c" || execution.at > retired {
            assert!(
                result.ends_with("by 2.0.0"),
                "{} started after the reload was decided by {result:?}",
                execution.workflow_id
            );
            after_reload += 1;
        }
    }
    assert!(
        after_reload >= 40,
        "only {after_reload} executions checked after the reload"
    );
    for execution in started.iter().filter(|started| started.task_list == "list-b") {
        let history = swf.history(&execution.workflow_id, &execution.run_id);
        assert!(
            !history.iter().any(|event| event["eventType"] == "DecisionTaskTimedOut"),
            "a decision task of {} timed out: {history:#?}",
            execution.workflow_id
        );
    }
    let probe_history = swf.history(&probe_b.workflow_id, &probe_b.run_id);
    assert!(
        !probe_history
            .iter()
            .any(|event| event["eventType"] == "DecisionTaskStarted"),
        "list-b is still polled after the reload removed it: {probe_history:#?}"
    );

    stop_daemon(&mut daemon);
}

#[test]
fn broken_reload_keeps_running_set() {
    let Fixture {
        folder,
        endpoint,
        domain,
        config,
        plugin_file,
        swf,
    } = Fixture::new("reload");
    let home = folder.path();
    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugin_file,
        &[Decider("a", "list-a", "versioned")],
    );
    let mut daemon = start_daemon(home, &config);

    // A decider naming a plugin the file does not define: a config error, with its line.
    let good = std::fs::read_to_string(&config).unwrap();
    let text = format!("{good}\n[decider:b]\ndomain = {domain}\ntask_list = list-b\nplugins = missing\n");
    std::fs::write(&config, text).unwrap();
    daemon.signal(Signal::SIGHUP);
    assert!(daemon.wait_for_log("reload rejected", WAIT), "{}", daemon.log());
    let log = daemon.log();
    assert!(
        log.contains(&format!("{}:", config.display())) && log.contains("[plugin:missing]"),
        "the config error is not named with its line: {log}"
    );

    // A plugin file that is not a library: the loader's error, naming the file.
    let broken = home.join("broken.so");
    std::fs::write(&broken, "not a library").unwrap();
    let text = format!(
        "{good}\n[plugin:broken]\npath = {}\n\n[decider:b]\ndomain = {domain}\ntask_list = list-b\nplugins = broken\n",
        broken.display()
    );
    std::fs::write(&config, text).unwrap();
    daemon.signal(Signal::SIGHUP);
    assert!(wait_for_log_count(&daemon, "reload rejected", 2), "{}", daemon.log());
    let log = daemon.log();
    assert!(log.contains("broken.so is not a valid shared library"), "{log}");
    assert!(!log.contains("serving task list decider=b"), "{log}");

    let run_id = swf.start_on("after-broken", "Versioned", "1", "list-a");
    let execution = Started {
        workflow_id: "after-broken".to_string(),
        run_id,
        task_list: "list-a".to_string(),
        at: Instant::now(),
    };
    assert_eq!(completed_result(&swf, &execution), "after-broken by 1.0.0");

    // A changed endpoint needs a restart: rejected too, naming the setting.
    write_config(
        &config,
        "http://127.0.0.1:9",
        &domain,
        &plugin_file,
        &[Decider("a", "list-a", "versioned")],
    );
    daemon.signal(Signal::SIGHUP);
    assert!(wait_for_log_count(&daemon, "reload rejected", 3), "{}", daemon.log());
    assert!(daemon.log().contains("endpoint_url changed"), "{}", daemon.log());

    stop_daemon(&mut daemon);
}

#[test]
fn plugin_copied_in_place_served_after_reload() {
    let Fixture {
        folder,
        endpoint,
        domain,
        config,
        plugin_file,
        swf,
    } = Fixture::new("swap");
    let home = folder.path();
    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugin_file,
        &[Decider("a", "list-a", "versioned")],
    );
    let mut daemon = start_daemon(home, &config);

    // `cp` over the loaded file: same inode, new bytes, while tasks are being decided.
    let load = Load::start(&endpoint.url(), &domain, &[("list-a", "Versioned")]);
    let began = Instant::now();
    assert!(wait_for(WAIT, || (load.count_since(began) >= 20).then_some(())).is_some());
    copy_in_place(&plugins().versioned_2, &plugin_file);
    let copied = Instant::now();
    assert!(wait_for(WAIT, || (load.count_since(copied) >= 20).then_some(())).is_some());

    daemon.signal(Signal::SIGHUP);
    assert!(
        wait_for_log_count(&daemon, "finished its work after a reload and stopped", 1),
        "{}",
        daemon.log()
    );
    let retired = Instant::now();
    assert!(wait_for(WAIT, || (load.count_since(retired) >= 20).then_some(())).is_some());
    let started = load.finish();

    for execution in &started {
        let result = completed_result(&swf, execution);
        if execution.at < copied {
            assert!(result.ends_with("by 1.0.0"), "{result}");
        }
        if execution.at > retired {
            assert!(result.ends_with("by 2.0.0"), "{result}");
        }
    }
    assert!(daemon.log().contains("version=2.0.0"), "{}", daemon.log());

    stop_daemon(&mut daemon);
}

/// Overwrites `target` in place, keeping its inode, as `cp new.so target.so` does.
fn copy_in_place(source: &Path, target: &Path) {
    let bytes = std::fs::read(source).expect("read the new build");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)
        .expect("open the installed file");
    std::io::Write::write_all(&mut file, &bytes).expect("write over it");
}

/// Receives the daemon's sd_notify messages on a datagram socket, as systemd does.
struct NotifySocket {
    socket: UnixDatagram,
    path: PathBuf,
    received: Vec<String>,
}

impl NotifySocket {
    fn bind(folder: &Path) -> NotifySocket {
        let path = folder.join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        NotifySocket {
            socket,
            path,
            received: Vec::new(),
        }
    }

    /// Reads messages until one contains `text`, and returns it.
    fn wait_for(&mut self, text: &str) -> Option<String> {
        let deadline = Instant::now() + WAIT;
        let mut buffer = vec![0; 4096];
        while Instant::now() < deadline {
            if let Ok(length) = self.socket.recv(&mut buffer) {
                let message = String::from_utf8_lossy(&buffer[..length]).into_owned();
                self.received.push(message.clone());
                if message.contains(text) {
                    return Some(message);
                }
            }
        }
        None
    }
}

#[test]
fn notify_socket_hears_every_state() {
    let folder = scratch();
    let home = folder.path();
    let endpoint = Endpoint::local_with_poll_window(2);
    let domain = unique_name("notify");
    let config = home.join("caravan.ini");
    Swf::new(&endpoint.url(), &domain).register_domain();
    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugins().versioned_1,
        &[Decider("a", "list-a", "versioned"), Decider("b", "list-b", "complete")],
    );
    let mut notify = NotifySocket::bind(home);
    let socket = notify.path.display().to_string();

    // systemd sets WATCHDOG_PID to the service's process id; `exec` keeps the shell's.
    let caravan = caravan_bin().display().to_string();
    let mut daemon = Daemon::spawn(
        Path::new("/bin/sh"),
        &[
            "-c",
            "WATCHDOG_PID=$$ exec \"$0\" run \"$1\"",
            &caravan,
            &config.display().to_string(),
        ],
        home,
        &[("NOTIFY_SOCKET", &socket), ("WATCHDOG_USEC", "400000")],
    );

    let ready = notify
        .wait_for("READY=1")
        .unwrap_or_else(|| panic!("no READY=1: {}", daemon.log()));
    assert!(
        ready.contains(&format!("STATUS=serving deciders {domain}/list-a, {domain}/list-b")),
        "{ready}"
    );
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    assert!(notify.wait_for("WATCHDOG=1").is_some(), "no watchdog ping");

    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugins().versioned_1,
        &[Decider("a", "list-a", "versioned")],
    );
    daemon.signal(Signal::SIGHUP);
    let reloading = notify.wait_for("RELOADING=1").expect("RELOADING=1");
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    let ready_again = notify.wait_for("READY=1").expect("READY=1 after the reload");
    assert!(ready_again.contains(&format!("{domain}/list-a")), "{ready_again}");
    assert!(!ready_again.contains("list-b"), "{ready_again}");

    daemon.signal(Signal::SIGTERM);
    assert!(notify.wait_for("STOPPING=1").is_some(), "{:?}", notify.received);
    let status = daemon.wait_exit(WAIT).expect("caravan exits");
    assert!(status.success(), "{status}: {}", daemon.log());
}

#[test]
fn fifo_config_reload_rejected() {
    let folder = scratch();
    let home = folder.path();
    let endpoint = Endpoint::local_with_poll_window(2);
    let domain = unique_name("fifo");
    let config = home.join("caravan.ini");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();
    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugins().versioned_1,
        &[Decider("a", "list-a", "versioned")],
    );
    let mut daemon = start_daemon(home, &config);

    // A named pipe that no process writes to: opening it for reading would wait for a writer.
    std::fs::remove_file(&config).expect("remove the config");
    let mkfifo_status = std::process::Command::new("mkfifo")
        .arg(&config)
        .status()
        .expect("mkfifo runs");
    assert!(mkfifo_status.success(), "mkfifo failed");
    daemon.signal(Signal::SIGHUP);

    assert!(daemon.wait_for_log("reload rejected", WAIT), "{}", daemon.log());
    let log = daemon.log();
    assert!(
        log.contains(&format!("config file '{}' is not a regular file", config.display())),
        "{log}"
    );
    let execution = Started {
        workflow_id: "after-fifo".to_string(),
        run_id: swf.start_on("after-fifo", "Versioned", "1", "list-a"),
        task_list: "list-a".to_string(),
        at: Instant::now(),
    };
    assert_eq!(completed_result(&swf, &execution), "after-fifo by 1.0.0");

    stop_daemon(&mut daemon);
}

/// Counts the private in-memory copies of plugin files that the process keeps open: one per load.
fn plugin_copies(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("list /proc/PID/fd")
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read_link(entry.path()).ok())
        .filter(|target| target.to_string_lossy().contains("memfd:caravan-plugin"))
        .count()
}

#[test]
fn reloads_load_each_plugin_file_once() {
    let Fixture {
        folder,
        endpoint,
        domain,
        config,
        plugin_file,
        swf,
    } = Fixture::new("copies");
    let home = folder.path();

    // No decider uses [plugin:complete], but each reload checks it.
    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugin_file,
        &[Decider("a", "list-a", "versioned")],
    );
    let mut daemon = start_daemon(home, &config);
    let at_start = plugin_copies(daemon.pid());
    assert_eq!(at_start, 2, "versioned and complete");

    let mut reloads = 0;
    for _ in 0..3 {
        daemon.signal(Signal::SIGHUP);
        reloads += 1;
        assert!(wait_for_log_count(&daemon, "reloaded:", reloads), "{}", daemon.log());
    }
    assert_eq!(
        plugin_copies(daemon.pid()),
        at_start,
        "unchanged files were loaded again"
    );

    // Version 2, then back to version 1: only version 2 is new.
    replace_by_rename(&plugins().versioned_2, &plugin_file);
    daemon.signal(Signal::SIGHUP);
    reloads += 1;
    assert!(wait_for_log_count(&daemon, "reloaded:", reloads), "{}", daemon.log());
    replace_by_rename(&plugins().versioned_1, &plugin_file);
    daemon.signal(Signal::SIGHUP);
    reloads += 1;
    assert!(wait_for_log_count(&daemon, "reloaded:", reloads), "{}", daemon.log());
    assert_eq!(plugin_copies(daemon.pid()), at_start + 1, "version 1 was loaded again");

    // A reload rejected after loading a new plugin: retrying it loads nothing more.
    let duplicate = home.join("libduplicate.so");
    std::fs::copy(&plugins().versioned_2, &duplicate).expect("copy version 2");
    let good = std::fs::read_to_string(&config).expect("read the config");
    let text = format!(
        "{good}\n[plugin:duplicate]\npath = {}\n\n[decider:b]\ndomain = {domain}\ntask_list = list-b\nplugins = versioned, duplicate\n",
        duplicate.display()
    );
    std::fs::write(&config, text).expect("write the config");
    for rejected in 1..=3 {
        daemon.signal(Signal::SIGHUP);
        assert!(
            wait_for_log_count(&daemon, "reload rejected", rejected),
            "{}",
            daemon.log()
        );
    }
    assert!(
        daemon
            .log()
            .contains("served by both [plugin:versioned] and [plugin:duplicate]")
    );
    assert_eq!(
        plugin_copies(daemon.pid()),
        at_start + 2,
        "a rejected reload was loaded again"
    );

    let execution = Started {
        workflow_id: "after-reloads".to_string(),
        run_id: swf.start_on("after-reloads", "Versioned", "1", "list-a"),
        task_list: "list-a".to_string(),
        at: Instant::now(),
    };
    assert_eq!(completed_result(&swf, &execution), "after-reloads by 1.0.0");

    stop_daemon(&mut daemon);
}

/// Returns the value of each `KEY=` line of the unit file that the repository ships.
fn unit_file_values(key: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/caravan.service");
    let text = std::fs::read_to_string(&path).expect("read the unit file");
    text.lines()
        .filter_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .map(str::to_string)
        .collect()
}

#[test]
fn unit_file_reload_reloads() {
    assert_eq!(unit_file_values("Type"), ["notify"], "the daemon speaks sd_notify");
    let exec_reload = unit_file_values("ExecReload");
    assert_eq!(exec_reload.len(), 1, "one ExecReload= line: {exec_reload:?}");

    let folder = scratch();
    let home = folder.path();
    let endpoint = Endpoint::local_with_poll_window(2);
    let domain = unique_name("unit");
    let config = home.join("caravan.ini");
    Swf::new(&endpoint.url(), &domain).register_domain();
    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugins().versioned_1,
        &[Decider("a", "list-a", "versioned")],
    );
    let mut daemon = start_daemon(home, &config);

    // systemd runs the command with $MAINPID set to the daemon's process id.
    write_config(
        &config,
        &endpoint.url(),
        &domain,
        &plugins().versioned_1,
        &[Decider("a", "list-a", "versioned"), Decider("b", "list-b", "complete")],
    );
    let command = exec_reload[0].replace("$MAINPID", &daemon.pid().to_string());
    let status = std::process::Command::new("/bin/sh")
        .args(["-c", &command])
        .status()
        .expect("the ExecReload command runs");
    assert!(status.success(), "{command}: {status}");

    assert!(daemon.wait_for_log("reloaded:", WAIT), "{}", daemon.log());
    assert!(daemon.log().contains("started=decider b"), "{}", daemon.log());

    stop_daemon(&mut daemon);
}
