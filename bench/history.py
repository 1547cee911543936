#!/usr/bin/env python3
"""Long history benchmark: the caravan daemon deciding one execution with about 25,000 events.

For each run, this script starts a fresh `caravan local` on a free loopback port, starts one
execution of the benchmark plugin's `bench_signals` workflow and sends it signals until its
history contains 24,990 events, with no decider running, so that one decision task waits. Then it
starts `caravan run` with a decider for that task list. The daemon polls the task, fetches every
history page (1,000 events each), folds the history with the toolkit's `WorkflowState`, and
completes the execution, which the script checks.

The decide time is the endpoint's own record: the timestamp of the `DecisionTaskCompleted` event
(the response arrived) minus that of the `DecisionTaskStarted` event (the poll took the task and
returned its first page). `caravan local` stamps events in whole milliseconds, so the figure is
exact to about 1 ms. The script also reports the time from starting the daemon process to the
execution being closed (start-up included, checked every 5 ms) and the daemon's peak resident
memory (VmHWM) from /proc.

Run it through bench/local.sh, which builds caravan and the benchmark plugin.
"""
import argparse
import os
import signal
import subprocess
import tempfile
import threading
import time

from decider import LocalEndpoint, isolated_env, peak_rss_mib, swf_client

TASK_LIST = "caravan-bench"
# Events before the decision task is taken: WorkflowExecutionStarted, one DecisionTaskScheduled and
# the signals. Taking and completing the task adds three more (started, completed, execution
# completed), which keeps the history under the endpoint's limit of 25,000 events.
EVENTS = 24_990
SENDERS = 4


def send_signals(endpoint, domain, workflow_id, count):
    """Sends `count` signals named `tick` over SENDERS connections, then one named `finish`."""
    def send(share):
        client = swf_client(endpoint.url)
        for _ in range(share):
            client.signal_workflow_execution(domain=domain, workflowId=workflow_id, signalName="tick")

    ticks = count - 1
    threads = [threading.Thread(target=send, args=(ticks // SENDERS + (index < ticks % SENDERS),))
               for index in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    swf_client(endpoint.url).signal_workflow_execution(domain=domain, workflowId=workflow_id, signalName="finish")


def full_history(client, domain, execution):
    events = []
    request = {"domain": domain, "execution": execution, "maximumPageSize": 1000}
    while True:
        page = client.get_workflow_execution_history(**request)
        events.extend(page["events"])
        if not page.get("nextPageToken"):
            return events
        request["nextPageToken"] = page["nextPageToken"]


def measure(args, run, folder):
    endpoint = LocalEndpoint(args.caravan, folder)
    try:
        client = swf_client(endpoint.url)
        domain = "caravan-bench-history"
        client.register_domain(name=domain, workflowExecutionRetentionPeriodInDays="1")
        client.register_workflow_type(
            domain=domain, name="bench_signals", version="1", defaultTaskList={"name": TASK_LIST},
            defaultExecutionStartToCloseTimeout="3600", defaultTaskStartToCloseTimeout="60",
            defaultChildPolicy="TERMINATE")
        workflow_id = "bench-history"
        run_id = client.start_workflow_execution(
            domain=domain, workflowId=workflow_id, workflowType={"name": "bench_signals", "version": "1"})["runId"]
        execution = {"workflowId": workflow_id, "runId": run_id}
        send_signals(endpoint, domain, workflow_id, EVENTS - 2)

        config = os.path.join(folder, "history-%d.ini" % run)
        with open(config, "w") as out:
            out.write("[caravan]\nendpoint_url = %s\nregion = us-east-1\nshutdown_timeout_secs = 5\nplugin_permissions = relaxed\n\n"
                      "[plugin:bench]\npath = %s\n\n"
                      "[decider:bench]\ndomain = %s\ntask_list = %s\nplugins = bench\n"
                      % (endpoint.url, args.plugin, domain, TASK_LIST))
        log_path = os.path.join(folder, "history-%d.log" % run)
        started = time.monotonic()
        daemon = subprocess.Popen([args.caravan, "run", config], stdout=subprocess.DEVNULL,
                                  stderr=open(log_path, "w"), env=isolated_env(endpoint.url))
        while True:
            info = client.describe_workflow_execution(domain=domain, execution=execution)["executionInfo"]
            if info["executionStatus"] == "CLOSED":
                break
            if time.monotonic() - started > args.timeout or daemon.poll() is not None:
                raise SystemExit("the execution did not close:\n%s" % open(log_path).read())
            time.sleep(0.005)
        wall = time.monotonic() - started
        peak = peak_rss_mib(daemon.pid)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)

        events = full_history(client, domain, execution)
        decision_started = [event for event in events if event["eventType"] == "DecisionTaskStarted"]
        decision_completed = [event for event in events if event["eventType"] == "DecisionTaskCompleted"]
        result = events[-1].get("workflowExecutionCompletedEventAttributes", {}).get("result")
    finally:
        endpoint.stop()

    if info.get("closeStatus") != "COMPLETED" or result != str(EVENTS - 2):
        raise SystemExit("the execution closed as %s with result %r" % (info.get("closeStatus"), result))
    if len(decision_started) != 1:
        raise SystemExit("expected one decision task, found %d" % len(decision_started))
    decide = decision_completed[0]["eventTimestamp"] - decision_started[0]["eventTimestamp"]
    return {"events": len(events), "history_events_decided": decision_started[0]["eventId"],
            "decide_ms": 1000.0 * decide.total_seconds(), "start_to_closed_ms": 1000.0 * wall,
            "peak_rss_mib": peak}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="runs, each with a fresh endpoint")
    parser.add_argument("--caravan", required=True, help="caravan binary (release build)")
    parser.add_argument("--plugin", required=True, help="libcaravan_bench_plugin.so")
    parser.add_argument("--timeout", type=int, default=60, help="seconds to wait for the decision")
    args = parser.parse_args()
    args.caravan = os.path.abspath(args.caravan)
    args.plugin = os.path.abspath(args.plugin)

    with tempfile.TemporaryDirectory(prefix="caravan-bench-") as folder:
        for run in range(args.runs):
            result = measure(args, run, folder)
            print("run %d: decided a %d-event history in %.0f ms (poll to response, endpoint timestamps); "
                  "%.0f ms from daemon start to execution closed; %.1f MiB daemon peak RSS; %d events in the end"
                  % (run + 1, result["history_events_decided"], result["decide_ms"], result["start_to_closed_ms"],
                     result["peak_rss_mib"], result["events"]), flush=True)


if __name__ == "__main__":
    main()
