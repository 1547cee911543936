"""A simpleflow workflow with two activities, run by simpleflow's own decider and activity worker.

`Arithmetic(x)` computes (x + 1) * 2, one activity task per step, and returns the result, so a
completed execution shows that the decider scheduled both activities and the worker ran them.
"""

from simpleflow import Workflow, activity

TASK_LIST = "arithmetic"


@activity.with_attributes(task_list=TASK_LIST, version="1", start_to_close_timeout=60)
def increment(x):
    return x + 1


@activity.with_attributes(task_list=TASK_LIST, version="1", start_to_close_timeout=60)
def double(x):
    return x * 2


class Arithmetic(Workflow):
    name = "arithmetic"
    version = "1"
    task_list = TASK_LIST
    decision_tasks_timeout = "60"
    execution_timeout = 600

    def run(self, x):
        incremented = self.submit(increment, x)
        doubled = self.submit(double, incremented.result)
        return doubled.result
