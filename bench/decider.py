#!/usr/bin/env python3
"""Decider benchmark: caravan beside the Python caravan 0.2.2 decider, on the same endpoint.

For each framework and workflow variant, this script starts a fresh endpoint on a free loopback port
(moto's SWF server, or `caravan local` with --local), registers a domain and the workflow type, starts N executions, then runs one decider
process until every execution is closed, and checks that all of them COMPLETED. It reports the
decider's CPU time per decision task (measured from the moment the decider is ready to poll, so
interpreter and runtime start-up are left out) and its peak resident memory (VmHWM, whole life).

moto is the slowest part of the loop, so wall-clock rates say more about moto than about the
deciders; the CPU per decision task and the peak RSS are the deciders' own figures.

Run it through bench/run.sh, which builds caravan and installs moto and caravan 0.2.2.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

TASK_LIST = "caravan-bench"
ROUNDS = {"complete": 1, "timers": 4}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def wait_for_port(port, what):
    """Waits up to 30 s for something to listen on the loopback port, else exits naming `what`."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("%s did not start on port %d" % (what, port))


def isolated_env(endpoint):
    """Dummy credentials and a loopback endpoint: nothing can reach AWS."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_SWF": endpoint,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONWARNINGS": "ignore",
        "NO_PROXY": "127.0.0.1",
    })
    return env


def cpu_seconds(pid):
    """User and system CPU time of a live process, from /proc."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return None


class Moto:
    def __init__(self, moto_server, log_folder):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        log = open(os.path.join(log_folder, "moto-%d.log" % self.port), "w")
        self.process = subprocess.Popen([moto_server, "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, "moto")

    def stop(self):
        self.process.kill()
        self.process.wait()


def swf_client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client("swf", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(read_timeout=90, retries={"total_max_attempts": 3}))


def prepare(client, domain, workflow, n):
    client.register_domain(name=domain, workflowExecutionRetentionPeriodInDays="1")
    client.register_workflow_type(
        domain=domain, name=workflow, version="1", defaultTaskList={"name": TASK_LIST},
        defaultExecutionStartToCloseTimeout="3600", defaultTaskStartToCloseTimeout="60",
        defaultChildPolicy="TERMINATE")
    run_ids = {}
    for index in range(n):
        workflow_id = "bench-%d" % index
        response = client.start_workflow_execution(
            domain=domain, workflowId=workflow_id, workflowType={"name": workflow, "version": "1"})
        run_ids[workflow_id] = response["runId"]
    return run_ids


def open_count(client, domain, local):
    """Open executions left. `caravan local` counts them; moto's count is not used, and a list of
    up to 1,000 is enough to see zero. The check runs every 50 ms beside the decider being measured,
    so it must stay cheap."""
    if local:
        return client.count_open_workflow_executions(domain=domain, startTimeFilter={"oldestDate": 0})["count"]
    response = client.list_open_workflow_executions(
        domain=domain, startTimeFilter={"oldestDate": 0}, maximumPageSize=1000)
    return len(response["executionInfos"])


def completed_count(client, domain, run_ids):
    completed = 0
    for workflow_id, run_id in run_ids.items():
        info = client.describe_workflow_execution(
            domain=domain, execution={"workflowId": workflow_id, "runId": run_id})["executionInfo"]
        completed += info.get("closeStatus") == "COMPLETED"
    return completed


class LocalEndpoint:
    """`caravan local`, caravan's own SWF endpoint, on a free loopback port."""

    def __init__(self, caravan, log_folder):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        config = os.path.join(log_folder, "local-%d.ini" % self.port)
        with open(config, "w") as out:
            out.write("[local]\nlisten = 127.0.0.1:%d\n" % self.port)
        log = open(os.path.join(log_folder, "local-%d.log" % self.port), "w")
        self.process = subprocess.Popen([caravan, "local", config], stdout=log, stderr=subprocess.STDOUT,
                                        env=isolated_env(self.url))
        wait_for_port(self.port, "caravan local")

    def stop(self):
        self.process.kill()
        self.process.wait()


class KeepAliveProxy:
    """keepalive_proxy.py in front of moto, so that deciders can keep their connections open."""

    def __init__(self, upstream_port, log_folder):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keepalive_proxy.py")
        log = open(os.path.join(log_folder, "proxy-%d.log" % self.port), "w")
        self.process = subprocess.Popen([sys.executable, script, str(self.port), str(upstream_port)],
                                        stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, "the keep-alive proxy")

    def stop(self):
        self.process.kill()
        self.process.wait()


class CannedEndpoint:
    """canned_endpoint.py: hands out N ready decision tasks and reports when all were completed."""

    def __init__(self, tasks, log_folder):
        self.port = free_port()
        self.url = self.decider_url = "http://127.0.0.1:%d" % self.port
        self.output = os.path.join(log_folder, "canned-%d.out" % self.port)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "canned_endpoint.py")
        self.process = subprocess.Popen([sys.executable, script, str(self.port), str(tasks)],
                                        stdout=open(self.output, "w"), stderr=subprocess.STDOUT)
        wait_for_port(self.port, "the canned endpoint")

    def done(self):
        with open(self.output) as output:
            return "done" in output.read()

    def stop(self):
        self.process.kill()
        self.process.wait()


def run_caravan(args, moto, client, domain, variant, folder):
    config = os.path.join(folder, "bench-%s.ini" % variant)
    with open(config, "w") as out:
        out.write("[caravan]\nendpoint_url = %s\nregion = us-east-1\nshutdown_timeout_secs = 5\nplugin_permissions = relaxed\n\n"
                  "[plugin:bench]\npath = %s\n\n"
                  "[decider:bench]\ndomain = %s\ntask_list = %s\nplugins = bench\npollers = %d\n"
                  % (moto.decider_url, args.plugin, domain, TASK_LIST, args.current_pollers))
    log_path = os.path.join(folder, "caravan-%s.log" % variant)
    log = open(log_path, "w")
    process = subprocess.Popen([args.caravan, "run", config], stdout=subprocess.DEVNULL, stderr=log,
                               env=isolated_env(moto.decider_url))
    deadline = time.monotonic() + 30
    while "caravan is running" not in open(log_path).read():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("caravan did not start:\n%s" % open(log_path).read())
        time.sleep(0.02)

    user_start, system_start = cpu_seconds(process.pid)
    started = time.monotonic()
    finished = moto.done if isinstance(moto, CannedEndpoint) else lambda: open_count(client, domain, args.local) == 0
    while not finished():
        if time.monotonic() - started > args.timeout:
            raise SystemExit("caravan did not finish within %d s; see %s" % (args.timeout, log_path))
        time.sleep(0.05)
    wall = time.monotonic() - started
    user_end, system_end = cpu_seconds(process.pid)
    peak = peak_rss_mib(process.pid)

    process.send_signal(signal.SIGTERM)
    exit_code = process.wait(timeout=30)
    return {"user_s": user_end - user_start, "system_s": system_end - system_start, "wall_s": wall,
            "peak_rss_mib": peak, "exit_code": exit_code}


def run_python_caravan(args, moto, client, domain, variant, folder):
    stats_path = os.path.join(folder, "python-%s.json" % variant)
    target = args.n * ROUNDS[variant]
    process = subprocess.Popen(
        [args.python, os.path.abspath(__file__), "--role", "python-decider", "--variant", variant,
         "--domain", domain, "--target", str(target), "--stats", stats_path],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(folder, "python-%s.log" % variant), "w"),
        env=isolated_env(moto.decider_url))
    process.wait(timeout=args.timeout)
    with open(stats_path) as stats:
        return json.load(stats)


def python_decider(args):
    """Runs caravan 0.2.2's own decider Worker until `target` decision tasks are done."""
    from caravan import Workflow
    from caravan.workers.decider import Worker

    class BenchComplete(Workflow):
        name = "bench_complete"
        version = "1"

        def run(self):
            self.task.add_decision("CompleteWorkflowExecution", result="ok")

    class BenchTimers(Workflow):
        name = "bench_timers"
        version = "1"

        def run(self):
            fired = len([event for event in self.task.events if event["eventType"] == "TimerFired"])
            if fired < 3:
                self.task.add_decision("StartTimer", timerId="t%d" % fired, startToFireTimeout="0")
            else:
                self.task.add_decision("CompleteWorkflowExecution", result="ok")

    workflow = {"complete": BenchComplete, "timers": BenchTimers}[args.variant]
    from caravan.swf import get_connection
    worker = Worker(connection=get_connection(), domain=args.domain, task_list=TASK_LIST,
                    workflows=[workflow])

    start = os.times()
    started = time.monotonic()
    done = 0
    while done < args.target:
        task = worker.poll()
        if task:
            worker.run_task(task)
            done += 1
    end = os.times()
    stats = {"user_s": end.user - start.user, "system_s": end.system - start.system,
             "wall_s": time.monotonic() - started, "peak_rss_mib": peak_rss_mib(os.getpid()), "exit_code": 0}
    with open(args.stats, "w") as out:
        json.dump(stats, out)


def measure_canned(args, framework, variant, folder):
    """Runs one decider against the canned endpoint until it completed N executions."""
    endpoint = CannedEndpoint(args.n, folder)
    try:
        runner = run_caravan if framework == "caravan" else run_python_caravan
        result = runner(args, endpoint, None, "canned", variant, folder)
        result["completed"] = args.n if endpoint.done() else 0
    finally:
        endpoint.stop()
    result.update({"framework": framework, "variant": variant, "executions": args.n, "decision_tasks": args.n,
                   "cpu_ms_per_task": 1000.0 * (result["user_s"] + result["system_s"]) / args.n,
                   "user_ms_per_task": 1000.0 * result["user_s"] / args.n,
                   "system_ms_per_task": 1000.0 * result["system_s"] / args.n})
    return result


def measure(args, framework, variant, folder):
    if args.canned:
        return measure_canned(args, framework, variant, folder)
    moto = LocalEndpoint(args.caravan, folder) if args.local else Moto(args.moto_server, folder)
    proxy = KeepAliveProxy(moto.port, folder) if args.keepalive else None
    moto.decider_url = proxy.url if proxy else moto.url
    try:
        client = swf_client(moto.url)
        domain = "bench-%s-%s" % (framework, variant)
        run_ids = prepare(client, domain, "bench_%s" % variant, args.n)
        runner = run_caravan if framework == "caravan" else run_python_caravan
        endpoint_user, endpoint_system = cpu_seconds(moto.process.pid)
        result = runner(args, moto, client, domain, variant, folder)
        user, system = cpu_seconds(moto.process.pid)
        result["endpoint_cpu_s"] = user - endpoint_user + system - endpoint_system
        result["completed"] = completed_count(client, domain, run_ids)
    finally:
        if proxy:
            proxy.stop()
        moto.stop()
    tasks = args.n * ROUNDS[variant]
    result.update({"framework": framework, "variant": variant, "executions": args.n, "decision_tasks": tasks,
                   "tasks_per_second": tasks / result["wall_s"],
                   "cpu_ms_per_task": 1000.0 * (result["user_s"] + result["system_s"]) / tasks,
                   "user_ms_per_task": 1000.0 * result["user_s"] / tasks,
                   "system_ms_per_task": 1000.0 * result["system_s"] / tasks})
    return result


def runs(args):
    """Yields (framework, pollers): caravan once per poller count, the Python decider once."""
    for framework in args.frameworks.split(","):
        if framework == "caravan":
            for pollers in args.pollers.split(","):
                yield framework, int(pollers)
        else:
            yield framework, 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", default="driver", choices=["driver", "python-decider"])
    parser.add_argument("--n", type=int, default=200, help="executions per run")
    parser.add_argument("--variants", default="complete,timers")
    parser.add_argument("--frameworks", default="caravan,python-caravan-0.2.2")
    parser.add_argument("--caravan", help="caravan binary (release build)")
    parser.add_argument("--plugin", help="libcaravan_bench_plugin.so")
    parser.add_argument("--moto-server", help="moto_server executable")
    parser.add_argument("--python", default=sys.executable, help="python with caravan 0.2.2 installed")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per run")
    parser.add_argument("--canned", action="store_true",
                        help="use canned_endpoint.py, which hands out ready tasks at once, instead of moto "
                             "(variant complete only)")
    parser.add_argument("--pollers", default="1",
                        help="concurrent polls of the caravan daemon, a comma-separated list to measure each "
                             "(the Python decider always has one)")
    parser.add_argument("--local", action="store_true",
                        help="use `caravan local` (the --caravan binary) as the endpoint instead of moto")
    parser.add_argument("--keepalive", action="store_true",
                        help="put keepalive_proxy.py between the deciders and moto, which closes every connection")
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--domain", help=argparse.SUPPRESS)
    parser.add_argument("--target", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stats", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.canned:
        args.variants = "complete"
    for name in ("caravan", "plugin", "moto_server"):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))

    if args.role == "python-decider":
        python_decider(args)
        return

    results = []
    with tempfile.TemporaryDirectory(prefix="caravan-bench-") as folder:
        for variant in args.variants.split(","):
            for framework, pollers in runs(args):
                args.current_pollers = pollers
                result = measure(args, framework, variant, folder)
                result["pollers"] = pollers
                results.append(result)
                label = "caravan, %d poller%s" % (pollers, "" if pollers == 1 else "s") if framework == "caravan" \
                    else framework
                print("%-22s %-9s %5d tasks  %7.3f ms CPU/task (user %.3f, system %.3f)  %6.1f MiB peak RSS"
                      "  %6.1f s  %7.1f tasks/s  completed %d/%d"
                      % (label, variant, result["decision_tasks"], result["cpu_ms_per_task"],
                         result["user_ms_per_task"], result["system_ms_per_task"], result["peak_rss_mib"],
                         result["wall_s"], result.get("tasks_per_second", 0.0), result["completed"], args.n),
                      flush=True)

    if not any(r["framework"] == "caravan" for r in results) or all(r["framework"] == "caravan" for r in results):
        return
    print()
    if args.local:
        print("| variant | decision tasks | caravan pollers | caravan tasks/s | Python caravan 0.2.2 tasks/s "
              "| rate ratio | endpoint CPU ms/task with caravan | with Python |")
        print("|---|---|---|---|---|---|---|---|")
        for rust in (r for r in results if r["framework"] == "caravan"):
            variant = rust["variant"]
            python = next(r for r in results if r["framework"] != "caravan" and r["variant"] == variant)
            print("| %s | %d | %d | %.0f | %.0f | %.1fx | %.3f | %.3f |"
                  % (variant, rust["decision_tasks"], rust["pollers"], rust["tasks_per_second"],
                     python["tasks_per_second"],
                     rust["tasks_per_second"] / python["tasks_per_second"],
                     1000.0 * rust["endpoint_cpu_s"] / rust["decision_tasks"],
                     1000.0 * python["endpoint_cpu_s"] / python["decision_tasks"]))
        print()
    print("| variant | decision tasks | caravan CPU ms/task | Python caravan 0.2.2 CPU ms/task | CPU ratio "
          "| caravan peak RSS MiB | Python peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for variant in args.variants.split(","):
        rust = next(r for r in results if r["framework"] == "caravan" and r["variant"] == variant)
        python = next(r for r in results if r["framework"] != "caravan" and r["variant"] == variant)
        print("| %s | %d | %.3f | %.3f | %.1fx | %.1f | %.1f |"
              % (variant, rust["decision_tasks"], rust["cpu_ms_per_task"], python["cpu_ms_per_task"],
                 python["cpu_ms_per_task"] / rust["cpu_ms_per_task"], rust["peak_rss_mib"],
                 python["peak_rss_mib"]))
    if args.out:
        with open(args.out, "w") as out:
            json.dump(results, out, indent=2)
    if any(result["completed"] != args.n for result in results):
        raise SystemExit("some executions did not complete")


if __name__ == "__main__":
    main()
