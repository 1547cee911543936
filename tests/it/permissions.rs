//! Plugin file permissions: `caravan run`, `caravan decider` and `caravan check` reject a plugin that
//! users other than root and caravan's own could change, naming the path and the reason, unless
//! `plugin_permissions = relaxed`. The author tools warn and load it anyway.
//!
//! The cases of a file or folder owned by another user need `chown`, so they run only as root and
//! print that they were skipped otherwise.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::support::daemon::Daemon;
use crate::support::endpoint::free_port;
use crate::support::{caravan_bin, plugins, run_caravan, scratch};

const WAIT: Duration = Duration::from_secs(30);

/// An unprivileged user id that owns nothing the tests need: `nobody` on Debian and most systems.
const OTHER_UID: u32 = 65534;

/// A copy of the demo plugin in `folder/plugins`, with the folder and file at `0755`, and a config
/// that loads it with the embedded endpoint on a free port.
struct Setup {
    /// Kept so that the folder lives as long as the test.
    _folder: tempfile::TempDir,
    root: PathBuf,
    plugins: PathBuf,
    plugin: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let folder = scratch();
        let root = folder.path().to_path_buf();
        // The temporary folder is 0700; 0755 is what an installed plugin folder has.
        chmod(&root, 0o755);
        let plugins_folder = root.join("plugins");
        std::fs::create_dir(&plugins_folder).expect("create the plugins folder");
        chmod(&plugins_folder, 0o755);
        let plugin = plugins_folder.join("libdemo.so");
        std::fs::copy(&plugins().demo, &plugin).expect("copy the demo plugin");
        chmod(&plugin, 0o755);

        Setup {
            _folder: folder,
            root,
            plugins: plugins_folder,
            plugin,
        }
    }

    /// Writes a config that loads `plugin` in a decider, with `extra` in `[caravan]`.
    fn config(&self, plugin: &Path, extra: &str) -> String {
        let port = free_port();
        let text = format!(
            "[caravan]\nendpoint_url = local\n{extra}\n\n[local]\nlisten = 127.0.0.1:{port}\n\n\
             [plugin:demo]\npath = {}\n\n[decider:main]\ndomain = orders\ntask_list = decisions\nplugins = demo\n",
            plugin.display()
        );
        let config = self.root.join("caravan.ini");
        std::fs::write(&config, text).expect("write the config");
        config.display().to_string()
    }

    fn caravan(&self, args: &[&str]) -> Output {
        run_caravan(&caravan_bin(), args, &self.root, &[])
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), None).expect("chown");
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Runs `caravan check` and `caravan run` on a config that loads `plugin`, and checks that both
/// reject it with exit 78 and `message` on stderr.
fn assert_rejected(setup: &Setup, plugin: &Path, message: &str) {
    let config = setup.config(plugin, "");

    for command in ["check", "run"] {
        let output = setup.caravan(&[command, &config]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(78), "caravan {command}: {stderr}");
        assert!(
            stderr.contains(message),
            "caravan {command}: stderr lacks {message:?}:\n{stderr}"
        );
        assert!(!stderr.contains("caravan is running"), "{stderr}");
    }
}

#[test]
fn safe_plugin_is_accepted() {
    let setup = Setup::new();
    let config = setup.config(&setup.plugin, "");

    let output = setup.caravan(&["check", &config]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn group_writable_file_rejected() {
    let setup = Setup::new();
    chmod(&setup.plugin, 0o775);

    let expected = format!(
        "plugin file {0} is writable by its group (mode 0775); remove that write permission: chmod g-w {0}",
        setup.plugin.display()
    );
    assert_rejected(&setup, &setup.plugin, &expected);
}

#[test]
fn others_writable_file_rejected() {
    let setup = Setup::new();
    chmod(&setup.plugin, 0o757);

    let expected = format!(
        "plugin file {0} is writable by others (mode 0757); remove that write permission: chmod o-w {0}",
        setup.plugin.display()
    );
    assert_rejected(&setup, &setup.plugin, &expected);
}

#[test]
fn group_writable_folder_rejected() {
    let setup = Setup::new();
    chmod(&setup.plugins, 0o775);

    let expected = format!(
        "plugin file {}: folder {1} is writable by its group (mode 0775); remove that write permission: chmod g-w {1}",
        setup.plugin.display(),
        setup.plugins.display()
    );
    assert_rejected(&setup, &setup.plugin, &expected);
}

#[test]
fn others_writable_folder_rejected() {
    let setup = Setup::new();
    chmod(&setup.plugins, 0o777);

    let expected = format!(
        "plugin file {}: folder {1} is writable by its group and others (mode 0777); remove that write permission: chmod go-w {1}",
        setup.plugin.display(),
        setup.plugins.display()
    );
    assert_rejected(&setup, &setup.plugin, &expected);
}

#[test]
fn writable_folder_higher_up_rejected() {
    let setup = Setup::new();
    chmod(&setup.root, 0o757);

    let expected = format!(
        "plugin file {}: folder {1} is writable by others (mode 0757)",
        setup.plugin.display(),
        setup.root.display()
    );
    assert_rejected(&setup, &setup.plugin, &expected);
}

#[test]
fn sticky_writable_folder_accepted() {
    let setup = Setup::new();
    chmod(&setup.plugins, 0o1777);
    let config = setup.config(&setup.plugin, "");

    let output = setup.caravan(&["check", &config]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn symlink_into_writable_folder_rejected() {
    let setup = Setup::new();
    // The configured path is in a safe folder, but it leads into a folder anyone can write to, where
    // another user could replace the real file.
    let writable = setup.root.join("drop");
    std::fs::create_dir(&writable).expect("create a writable folder");
    chmod(&writable, 0o777);
    let real = writable.join("libdemo.so");
    std::fs::copy(&setup.plugin, &real).expect("copy the plugin");
    chmod(&real, 0o755);
    let link = setup.plugins.join("libdemo-link.so");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");

    let expected = format!(
        "plugin file {}: folder {} is writable by its group and others (mode 0777)",
        link.display(),
        writable.display()
    );
    assert_rejected(&setup, &link, &expected);
}

#[test]
fn symlinked_folder_checked_at_target() {
    let setup = Setup::new();
    // A safe-looking folder name that is a relative symlink to a group-writable folder.
    let shared = setup.root.join("shared");
    std::fs::create_dir(&shared).expect("create a shared folder");
    std::fs::copy(&setup.plugin, shared.join("libdemo.so")).expect("copy the plugin");
    chmod(&shared.join("libdemo.so"), 0o755);
    chmod(&shared, 0o775);
    std::os::unix::fs::symlink("../shared", setup.plugins.join("current")).expect("symlink");
    let plugin = setup.plugins.join("current").join("libdemo.so");

    let expected = format!("folder {} is writable by its group (mode 0775)", shared.display());
    assert_rejected(&setup, &plugin, &expected);
}

#[test]
fn other_owner_rejected_when_root() {
    if !is_root() {
        eprintln!("skipped: other_owner_rejected_when_root needs root to chown files to uid {OTHER_UID}");
        return;
    }
    let setup = Setup::new();
    chown(&setup.plugin, OTHER_UID);

    let expected = format!(
        "plugin file {0} is owned by uid {OTHER_UID}, but only root or uid 0, which caravan runs as, may own it; \
         change its owner: chown root {0}",
        setup.plugin.display()
    );
    assert_rejected(&setup, &setup.plugin, &expected);

    chown(&setup.plugin, 0);
    chown(&setup.plugins, OTHER_UID);
    let expected = format!("folder {} is owned by uid {OTHER_UID}", setup.plugins.display());
    assert_rejected(&setup, &setup.plugin, &expected);
}

#[test]
fn symlink_of_other_owner_rejected() {
    if !is_root() {
        eprintln!("skipped: symlink_of_other_owner_rejected needs root to chown a symlink to uid {OTHER_UID}");
        return;
    }
    let setup = Setup::new();
    // In a sticky folder such as /tmp, the owner of a symlink can replace it.
    chmod(&setup.root, 0o1777);
    let link = setup.root.join("libdemo.so");
    std::os::unix::fs::symlink(&setup.plugin, &link).expect("symlink");
    chown(&link, OTHER_UID);

    let expected = format!(
        "plugin file {0}: symlink {0} (to {1}) is owned by uid {OTHER_UID}",
        link.display(),
        setup.plugin.display()
    );
    assert_rejected(&setup, &link, &expected);
}

#[test]
fn decider_flags_reject_unsafe_plugin() {
    let setup = Setup::new();
    chmod(&setup.plugin, 0o666);
    let plugin = setup.plugin.display().to_string();

    let output = setup.caravan(&["decider", "-d", "orders", "-t", "decisions", "-m", &plugin]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "plugin file {plugin} is writable by its group and others (mode 0666)"
        )),
        "{stderr}"
    );
}

#[test]
fn relaxed_mode_warns_and_runs() {
    let setup = Setup::new();
    chmod(&setup.plugin, 0o775);
    let config = setup.config(&setup.plugin, "plugin_permissions = relaxed");
    let warning = format!(
        "plugin file {} is writable by its group (mode 0775)",
        setup.plugin.display()
    );

    let output = setup.caravan(&["check", &config]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("warning: plugin \"demo\": {warning}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("loaded anyway because plugin_permissions = relaxed"),
        "{stderr}"
    );

    let mut daemon = Daemon::spawn(&caravan_bin(), &["run", &config], &setup.root, &[]);
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());
    let log = daemon.log();
    let warning_line = log
        .lines()
        .find(|line| line.contains(&warning))
        .expect("a warning line for the plugin");
    assert!(warning_line.contains("WARN"), "{warning_line}");
    assert!(
        warning_line.contains("loaded anyway because plugin_permissions = relaxed"),
        "{warning_line}"
    );
    daemon.signal(Signal::SIGTERM);
    let status = daemon.wait_exit(WAIT).expect("the daemon stops");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
}

#[test]
fn inspect_warns_and_loads() {
    let setup = Setup::new();
    chmod(&setup.plugins, 0o777);
    let plugin = setup.plugin.display().to_string();

    let output = setup.caravan(&["plugin", "inspect", &plugin]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("Name:     demo"), "{stdout}");
    let expected = format!(
        "warning: plugin file {plugin}: folder {} is writable by its group and others (mode 0777)",
        setup.plugins.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("`caravan run` would reject this plugin"), "{stderr}");
}
