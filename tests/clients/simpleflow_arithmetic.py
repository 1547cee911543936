"""Workflows for simpleflow's own decider and activity worker.

`Arithmetic(x, attempts_file)` computes (x + 1) * 2 through the SWF features simpleflow builds on.
An activity fails twice and succeeds on simpleflow's second retry. Then come a timer, a marker, a
child workflow (`Double`) that runs an activity, and a wait for the signal `proceed`.
"""

import os

from simpleflow import Workflow, activity, futures

TASK_LIST = "arithmetic"


@activity.with_attributes(task_list=TASK_LIST, version="1", start_to_close_timeout=60, retry=2)
def increment(x, attempts_file):
    """Return x + 1 on the third attempt, counted in `attempts_file`. The first two raise."""
    attempts = 1
    if os.path.exists(attempts_file):
        with open(attempts_file) as file:
            attempts += int(file.read())
    with open(attempts_file, "w") as file:
        file.write(str(attempts))
    if attempts < 3:
        raise RuntimeError(f"attempt {attempts} fails on purpose")
    return x + 1


@activity.with_attributes(
    task_list=TASK_LIST, version="1", start_to_close_timeout=60, heartbeat_timeout=60
)
def double(x):
    return x * 2


class Double(Workflow):
    name = "double"
    version = "1"
    task_list = TASK_LIST
    decision_tasks_timeout = "60"
    execution_timeout = 600

    def run(self, x):
        return self.submit(double, x).result


class Arithmetic(Workflow):
    name = "arithmetic"
    version = "1"
    task_list = TASK_LIST
    decision_tasks_timeout = "60"
    execution_timeout = 600

    def run(self, x, attempts_file):
        incremented = self.submit(increment, x, attempts_file)
        futures.wait(self.submit(self.start_timer("pause", 1)))
        futures.wait(self.submit(self.record_marker("incremented", incremented.result)))
        doubled = self.submit(Double, incremented.result)
        futures.wait(self.submit(self.wait_signal("proceed")))
        return doubled.result
