#!/usr/bin/env python3
"""Instructions per decision task, counted by valgrind's callgrind, for caravan and the Python
caravan 0.2.2 decider.

Instruction counts do not depend on what else the machine is doing, unlike CPU time. Each decider
runs twice under callgrind behind the keep-alive proxy: once with no executions (start-up only)
and once with N executions to decide; the difference divided by N is its cost per decision task.

Run through bench/run.sh's set-up first (release build, .venv with moto and caravan 0.2.2), then:
    .venv/bin/python bench/instructions.py --n 100
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import decider  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def total_instructions(callgrind_out):
    with open(callgrind_out) as out:
        for line in out:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit("no instruction total in %s" % callgrind_out)


def run_under_callgrind(framework, executions, folder):
    moto = decider.Moto(os.path.join(ROOT, ".venv/bin/moto_server"), folder)
    proxy = decider.KeepAliveProxy(moto.port, folder)
    try:
        client = decider.swf_client(moto.url)
        domain = "instructions"
        decider.prepare(client, domain, "bench_complete", executions)
        out = os.path.join(folder, "callgrind-%s-%d.out" % (framework, executions))
        valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
        env = decider.isolated_env(proxy.url)

        if framework == "caravan":
            config = os.path.join(folder, "caravan.ini")
            with open(config, "w") as file:
                file.write("[caravan]\nendpoint_url = %s\nregion = us-east-1\n\n[plugin:bench]\npath = %s\n\n"
                           "[decider:bench]\ndomain = %s\ntask_list = %s\nplugins = bench\n"
                           % (proxy.url, os.path.join(ROOT, "target/release/libcaravan_bench_plugin.so"),
                              domain, decider.TASK_LIST))
            log = os.path.join(folder, "caravan.log")
            process = subprocess.Popen(valgrind + [os.path.join(ROOT, "target/release/caravan"), "run", config],
                                       env=env, stderr=open(log, "w"))
            while "caravan is running" not in open(log).read():
                time.sleep(0.1)
            while decider.open_count(client, domain) > 0:
                time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            process.wait()
        else:
            stats = os.path.join(folder, "python-stats.json")
            subprocess.run(valgrind + [os.path.join(ROOT, ".venv/bin/python"), os.path.join(ROOT, "bench/decider.py"),
                                       "--role", "python-decider", "--variant", "complete", "--domain", domain,
                                       "--target", str(executions), "--stats", stats],
                           env=env, stderr=subprocess.DEVNULL, check=True)
        return total_instructions(out)
    finally:
        proxy.stop()
        moto.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="executions to decide")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="caravan-instructions-") as folder:
        for framework in ("caravan", "python-caravan-0.2.2"):
            start_up = run_under_callgrind(framework, 0, folder)
            full = run_under_callgrind(framework, args.n, folder)
            print("%-22s %12d instructions at start-up, %10.0f per decision task"
                  % (framework, start_up, (full - start_up) / args.n), flush=True)


if __name__ == "__main__":
    main()
