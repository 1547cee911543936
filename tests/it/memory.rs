//! Memory over many decision tasks: the daemon's resident memory must not grow with the number of
//! tasks it has decided through a plugin.

use std::time::Duration;

use crate::support::daemon::Daemon;
use crate::support::endpoint::Endpoint;
use crate::support::swf::Swf;
use crate::support::{caravan_bin, plugins, scratch, unique_name};

/// Executions of `bench_timers`, four decision tasks each, decided before the first sample so that
/// pools, caches and the allocator's arenas have reached their working size.
const WARM_UP_EXECUTIONS: usize = 250;

/// Executions decided between the two samples: 10,000 decision tasks.
const MEASURED_EXECUTIONS: usize = 2_500;

/// Allowed growth of VmRSS between the samples. A leak of even 500 bytes per decision task would
/// exceed it.
const MAX_GROWTH_KIB: u64 = 5 * 1024;

const WAIT: Duration = Duration::from_secs(300);

/// Reads a process's resident memory (`VmRSS`) from /proc, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .expect("VmRSS in /proc/PID/status");
    line.split_whitespace()
        .nth(1)
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS in KiB")
}

/// Starts `count` executions of `bench_timers` and waits until every one has completed.
fn run_executions(swf: &Swf, daemon: &Daemon, prefix: &str, count: usize) {
    let runs: Vec<(String, String)> = (0..count)
        .map(|index| {
            let workflow_id = format!("{prefix}-{index}");
            let run_id = swf.start(&workflow_id, "bench_timers", "1", None);
            (workflow_id, run_id)
        })
        .collect();

    for (workflow_id, run_id) in &runs {
        let status = swf.wait_closed(workflow_id, run_id, WAIT);
        assert_eq!(status.as_deref(), Some("COMPLETED"), "{workflow_id}: {}", daemon.log());
    }
}

#[test]
fn memory_flat_over_10000_decisions() {
    let endpoint = Endpoint::local();
    let folder = scratch();
    let domain = unique_name("memory");
    let swf = Swf::new(&endpoint.url(), &domain);
    swf.register_domain();

    let config = folder.path().join("caravan.ini");
    let text = format!(
        "[caravan]\n\
         endpoint_url = {endpoint}\n\
         register_types = true\n\
         \n\
         [plugin:bench]\n\
         path = {plugin}\n\
         \n\
         [decider:bench]\n\
         domain = {domain}\n\
         task_list = caravan-bench\n\
         plugins = bench\n",
        endpoint = endpoint.url(),
        plugin = plugins().bench.display(),
    );
    std::fs::write(&config, text).expect("write the config");
    let daemon = Daemon::spawn(
        &caravan_bin(),
        &["run", &config.display().to_string()],
        folder.path(),
        &[],
    );
    assert!(daemon.wait_for_log("caravan is running", WAIT), "{}", daemon.log());

    run_executions(&swf, &daemon, "warm-up", WARM_UP_EXECUTIONS);
    let before = resident_kib(daemon.pid());

    run_executions(&swf, &daemon, "measured", MEASURED_EXECUTIONS);
    let after = resident_kib(daemon.pid());

    let growth = after.saturating_sub(before);
    assert!(
        growth < MAX_GROWTH_KIB,
        "VmRSS grew by {growth} KiB over 10,000 decision tasks ({before} KiB after warm-up, {after} KiB at the end)"
    );
}
