#!/usr/bin/env python3
"""A minimal SWF decision endpoint for measuring a decider's own CPU cost.

It speaks just enough of the SWF JSON protocol for one decider: PollForDecisionTask returns a
ready decision task of the `bench_complete` workflow type (a three-event history) until TASKS
tasks were handed out, and RespondDecisionTaskCompleted accepts the response and checks that it
completes the execution. It keeps connections open and answers at once, so the decider's CPU time
is not inflated by a slow endpoint that keeps it waiting, cold, between calls, or by a new TCP
connection per call. It is not an SWF implementation: no state, no history beyond the canned one.

Usage: canned_endpoint.py PORT TASKS. Prints "done" once TASKS responses completed their executions.
"""
import asyncio
import json
import sys

HISTORY = [
    {"eventId": 1, "eventTimestamp": 1735689600.123, "eventType": "WorkflowExecutionStarted",
     "workflowExecutionStartedEventAttributes": {
         "executionStartToCloseTimeout": "3600", "taskStartToCloseTimeout": "60", "childPolicy": "TERMINATE",
         "taskList": {"name": "caravan-bench"}, "workflowType": {"name": "bench_complete", "version": "1"},
         "parentInitiatedEventId": 0}},
    {"eventId": 2, "eventTimestamp": 1735689600.123, "eventType": "DecisionTaskScheduled",
     "decisionTaskScheduledEventAttributes": {"taskList": {"name": "caravan-bench"}, "startToCloseTimeout": "60"}},
    {"eventId": 3, "eventTimestamp": 1735689600.456, "eventType": "DecisionTaskStarted",
     "decisionTaskStartedEventAttributes": {"identity": "decider", "scheduledEventId": 2}},
]


class Endpoint:
    def __init__(self, tasks):
        self.tasks = tasks
        self.handed_out = 0
        self.completed = 0

    def poll(self):
        if self.handed_out >= self.tasks:
            return None
        self.handed_out += 1
        return {
            "taskToken": "token-%d" % self.handed_out, "startedEventId": 3, "previousStartedEventId": 0,
            "workflowExecution": {"workflowId": "bench-%d" % self.handed_out, "runId": "run-%d" % self.handed_out},
            "workflowType": {"name": "bench_complete", "version": "1"}, "events": HISTORY,
        }

    def respond(self, request):
        decisions = request.get("decisions") or []
        if any(decision.get("decisionType") == "CompleteWorkflowExecution" for decision in decisions):
            self.completed += 1
            if self.completed == self.tasks:
                print("done", flush=True)

    async def serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
                target = headers.get(b"x-amz-target", b"").decode()

                if target.endswith(".PollForDecisionTask"):
                    task = self.poll()
                    if task is None:
                        await asyncio.sleep(5)  # a long poll that finds nothing
                        task = {"startedEventId": 0, "previousStartedEventId": 0}
                    response = json.dumps(task).encode()
                elif target.endswith(".RespondDecisionTaskCompleted"):
                    self.respond(json.loads(body))
                    response = b"{}"
                else:
                    response = b"{}"

                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(response), response))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def main():
    endpoint = Endpoint(int(sys.argv[2]))
    server = await asyncio.start_server(endpoint.serve, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
