#!/usr/bin/env python3
"""Activity worker benchmark: no-op activity tasks per second through one `caravan run` worker.

For each concurrency, this script starts a fresh `caravan local` on a free loopback port, starts N
executions of the benchmark plugin's `bench_activity` workflow, and lets a caravan daemon that runs
only a decider schedule one `bench_noop` activity per execution. Once all N activity tasks are
waiting, that daemon stops and a second `caravan run` with only a `[worker:bench]` section starts.
The rate is N divided by the time from starting the worker process to every activity having
completed, seen as N pending decision tasks (each completed activity schedules one) by a
`CountPendingDecisionTasks` check every 50 ms, so it includes the worker's start-up of a few
milliseconds. The worker's CPU time (whole life up to that point) and its peak resident memory
(VmHWM) come from /proc.

Then a decider completes the executions, and the script checks that all of them completed.

The Python caravan 0.2.2 package has no activity worker (its `caravan.workers` holds only the
decider), so there is no Python figure to set beside this one.

Run it through bench/local.sh, which builds caravan and the benchmark plugin.
"""
import argparse
import os
import signal
import subprocess
import tempfile
import time

from decider import LocalEndpoint, cpu_seconds, isolated_env, peak_rss_mib, swf_client

TASK_LIST = "caravan-bench"
ACTIVITY_TASK_LIST = "caravan-bench-work"


def start_daemon(args, endpoint, folder, name, section):
    """Starts `caravan run` with the bench plugin and one decider or worker section, and waits until
    it is ready."""
    config = os.path.join(folder, "%s.ini" % name)
    with open(config, "w") as out:
        out.write("[caravan]\nendpoint_url = %s\nregion = us-east-1\nshutdown_timeout_secs = 5\nplugin_permissions = relaxed\n"
                  "register_types = true\n\n[plugin:bench]\npath = %s\n\n%s"
                  % (endpoint.url, args.plugin, section))
    log_path = os.path.join(folder, "%s.log" % name)
    log = open(log_path, "w")
    process = subprocess.Popen([args.caravan, "run", config], stdout=subprocess.DEVNULL, stderr=log,
                               env=isolated_env(endpoint.url))
    deadline = time.monotonic() + 30
    while "caravan is running" not in open(log_path).read():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("caravan did not start:\n%s" % open(log_path).read())
        time.sleep(0.02)
    return process, log_path


def stop_daemon(process):
    process.send_signal(signal.SIGTERM)
    exit_code = process.wait(timeout=30)
    if exit_code != 0:
        raise SystemExit("caravan exited with %d" % exit_code)


def wait_until(check, timeout, what):
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise SystemExit("timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(0.05)


def measure(args, concurrency, folder):
    endpoint = LocalEndpoint(args.caravan, folder)
    try:
        client = swf_client(endpoint.url)
        domain = "caravan-bench-worker-%d" % concurrency
        client.register_domain(name=domain, workflowExecutionRetentionPeriodInDays="1")
        # The daemon registers activity types only for its workers, and the first daemon has none.
        client.register_activity_type(
            domain=domain, name="bench_noop", version="1", defaultTaskList={"name": ACTIVITY_TASK_LIST},
            defaultTaskScheduleToStartTimeout="3600", defaultTaskScheduleToCloseTimeout="3660",
            defaultTaskStartToCloseTimeout="60", defaultTaskHeartbeatTimeout="60")
        decider_section = "[decider:bench]\ndomain = %s\ntask_list = %s\nplugins = bench\n" % (domain, TASK_LIST)

        # Registers the workflow types, then starts the executions and schedules their activities.
        decider, _ = start_daemon(args, endpoint, folder, "schedule-%d" % concurrency, decider_section)
        run_ids = {}
        for index in range(args.n):
            workflow_id = "bench-%d" % index
            response = client.start_workflow_execution(
                domain=domain, workflowId=workflow_id, workflowType={"name": "bench_activity", "version": "1"})
            run_ids[workflow_id] = response["runId"]

        def pending(operation, task_list):
            return getattr(client, operation)(domain=domain, taskList={"name": task_list})["count"]

        wait_until(lambda: pending("count_pending_activity_tasks", ACTIVITY_TASK_LIST) == args.n
                   and pending("count_pending_decision_tasks", TASK_LIST) == 0,
                   args.timeout, "%d scheduled activity tasks" % args.n)
        stop_daemon(decider)

        worker_section = ("[worker:bench]\ndomain = %s\ntask_list = %s\nplugins = bench\nconcurrency = %d\n"
                          % (domain, ACTIVITY_TASK_LIST, concurrency))
        # The worker takes tasks before its "running" line reaches the log, so the span starts before
        # the process does and includes its start-up.
        endpoint_user_start, endpoint_system_start = cpu_seconds(endpoint.process.pid)
        started = time.monotonic()
        worker, _ = start_daemon(args, endpoint, folder, "worker-%d" % concurrency, worker_section)
        wait_until(lambda: pending("count_pending_decision_tasks", TASK_LIST) == args.n,
                   args.timeout, "%d completed activities" % args.n)
        wall = time.monotonic() - started
        user_end, system_end = cpu_seconds(worker.pid)
        endpoint_user_end, endpoint_system_end = cpu_seconds(endpoint.process.pid)
        peak = peak_rss_mib(worker.pid)
        stop_daemon(worker)

        # Completes the executions, so that the check below counts every activity's outcome.
        decider, _ = start_daemon(args, endpoint, folder, "complete-%d" % concurrency, decider_section)
        wait_until(lambda: client.count_open_workflow_executions(
            domain=domain, startTimeFilter={"oldestDate": 0})["count"] == 0, args.timeout, "closed executions")
        stop_daemon(decider)
        completed = client.count_closed_workflow_executions(
            domain=domain, startTimeFilter={"oldestDate": 0}, closeStatusFilter={"status": "COMPLETED"})["count"]
    finally:
        endpoint.stop()

    cpu = user_end + system_end
    endpoint_cpu = (endpoint_user_end - endpoint_user_start) + (endpoint_system_end - endpoint_system_start)
    return {"concurrency": concurrency, "activity_tasks": args.n, "wall_s": wall,
            "tasks_per_second": args.n / wall, "cpu_ms_per_task": 1000.0 * cpu / args.n,
            "endpoint_cpu_ms_per_task": 1000.0 * endpoint_cpu / args.n, "peak_rss_mib": peak,
            "completed": completed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="activity tasks per run")
    parser.add_argument("--concurrency", default="1,10",
                        help="the worker's `concurrency`, a comma-separated list to measure each")
    parser.add_argument("--caravan", required=True, help="caravan binary (release build)")
    parser.add_argument("--plugin", required=True, help="libcaravan_bench_plugin.so")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per wait")
    args = parser.parse_args()
    args.caravan = os.path.abspath(args.caravan)
    args.plugin = os.path.abspath(args.plugin)

    failed = False
    with tempfile.TemporaryDirectory(prefix="caravan-bench-") as folder:
        for concurrency in (int(value) for value in args.concurrency.split(",")):
            result = measure(args, concurrency, folder)
            print("caravan worker, concurrency %-3d %5d activity tasks  %7.1f tasks/s  %6.2f s  "
                  "%6.3f ms CPU/task  endpoint %6.3f ms CPU/task  %5.1f MiB peak RSS  completed %d/%d"
                  % (concurrency, result["activity_tasks"], result["tasks_per_second"], result["wall_s"],
                     result["cpu_ms_per_task"], result["endpoint_cpu_ms_per_task"], result["peak_rss_mib"],
                     result["completed"], args.n), flush=True)
            failed |= result["completed"] != args.n
    if failed:
        raise SystemExit("some executions did not complete")


if __name__ == "__main__":
    main()
