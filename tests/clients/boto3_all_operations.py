"""Call each of the 39 SWF operations through boto3 against an SWF endpoint on loopback.

Usage: python boto3_all_operations.py ENDPOINT_URL DOMAIN

The endpoint's poll window must be short (a few seconds), because two polls find no task and wait
it out. The script exits with status 0 when every check passes. It fails at the first failing check
with a traceback, and at the end when an operation of boto3's SWF model was not called.
"""

import datetime
import json
import sys
import urllib.parse

import boto3
import botocore.config
from botocore.exceptions import ClientError

WORKFLOW_TYPE = {"name": "Order", "version": "1"}
ACTIVITY_TYPE = {"name": "Charge", "version": "1"}
TASK_LIST = {"name": "orders"}


def connect(endpoint):
    """Create an SWF client for a loopback endpoint, with a read timeout above its poll window."""
    host = urllib.parse.urlparse(endpoint).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"endpoint {endpoint} is not on loopback")
    config = botocore.config.Config(
        connect_timeout=5,
        read_timeout=70,
        retries={"total_max_attempts": 1},
    )
    return boto3.client(
        "swf",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def record_calls(client):
    """Return the set that collects the name of each operation the client sends."""
    called = set()

    def on_call(model, **_):
        called.add(model.name)

    client.meta.events.register("before-call.swf", on_call)
    return called


def expect_error(code, call, **arguments):
    """Call an operation that must fail with the error `code`, and return the error message."""
    try:
        call(**arguments)
    except ClientError as error:
        actual = error.response["Error"]["Code"]
        assert actual == code, f"expected {code}, got {actual}: {error}"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
        return error.response["Error"]["Message"]
    raise AssertionError(f"{call.__name__} succeeded, expected {code}")


def event_types(events):
    return [event["eventType"] for event in events]


def last_event(events, event_type):
    matching = [event for event in events if event["eventType"] == event_type]
    assert matching, f"no {event_type} in {event_types(events)}"
    return matching[-1]


def check_domains(swf, domain):
    swf.register_domain(
        name=domain,
        description="orders of the boto3 check",
        workflowExecutionRetentionPeriodInDays="1",
        tags=[{"key": "team", "value": "payments"}],
    )
    expect_error(
        "DomainAlreadyExistsFault",
        swf.register_domain,
        name=domain,
        workflowExecutionRetentionPeriodInDays="1",
    )
    expect_error(
        "ValidationException",
        swf.register_domain,
        name="has:colon",
        workflowExecutionRetentionPeriodInDays="1",
    )
    message = expect_error("UnknownResourceFault", swf.describe_domain, name=domain + "-missing")
    assert message, "UnknownResourceFault without a message"

    described = swf.describe_domain(name=domain)
    info = described["domainInfo"]
    assert info["name"] == domain, info
    assert info["status"] == "REGISTERED", info
    assert info["description"] == "orders of the boto3 check", info
    assert described["configuration"]["workflowExecutionRetentionPeriodInDays"] == "1", described
    arn = info["arn"]
    assert arn.startswith("arn:aws:swf:us-east-1:"), arn
    assert arn.endswith(f":/domain/{domain}"), arn

    listed = swf.list_domains(registrationStatus="REGISTERED")["domainInfos"]
    assert domain in [item["name"] for item in listed], listed

    tags = swf.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == [{"key": "team", "value": "payments"}], tags
    swf.tag_resource(resourceArn=arn, tags=[{"key": "stage", "value": "test"}])
    tags = swf.list_tags_for_resource(resourceArn=arn)["tags"]
    assert sorted(tag["key"] for tag in tags) == ["stage", "team"], tags
    swf.untag_resource(resourceArn=arn, tagKeys=["team"])
    tags = swf.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == [{"key": "stage", "value": "test"}], tags


def check_types(swf, domain):
    swf.register_workflow_type(
        domain=domain,
        description="an order",
        defaultTaskStartToCloseTimeout="30",
        defaultExecutionStartToCloseTimeout="600",
        defaultTaskList=TASK_LIST,
        defaultChildPolicy="TERMINATE",
        **WORKFLOW_TYPE,
    )
    expect_error(
        "TypeAlreadyExistsFault",
        swf.register_workflow_type,
        domain=domain,
        **WORKFLOW_TYPE,
    )
    swf.register_activity_type(
        domain=domain,
        description="charges a card",
        defaultTaskStartToCloseTimeout="60",
        defaultTaskHeartbeatTimeout="NONE",
        defaultTaskList=TASK_LIST,
        defaultTaskScheduleToStartTimeout="60",
        defaultTaskScheduleToCloseTimeout="120",
        **ACTIVITY_TYPE,
    )
    expect_error(
        "TypeAlreadyExistsFault",
        swf.register_activity_type,
        domain=domain,
        **ACTIVITY_TYPE,
    )

    workflow = swf.describe_workflow_type(domain=domain, workflowType=WORKFLOW_TYPE)
    assert workflow["typeInfo"]["status"] == "REGISTERED", workflow
    assert workflow["typeInfo"]["workflowType"] == WORKFLOW_TYPE, workflow
    assert isinstance(workflow["typeInfo"]["creationDate"], datetime.datetime), workflow
    configuration = workflow["configuration"]
    assert configuration["defaultTaskList"] == TASK_LIST, configuration
    assert configuration["defaultChildPolicy"] == "TERMINATE", configuration
    assert configuration["defaultExecutionStartToCloseTimeout"] == "600", configuration

    activity = swf.describe_activity_type(domain=domain, activityType=ACTIVITY_TYPE)
    assert activity["typeInfo"]["activityType"] == ACTIVITY_TYPE, activity
    assert activity["configuration"]["defaultTaskHeartbeatTimeout"] == "NONE", activity

    workflows = swf.list_workflow_types(domain=domain, registrationStatus="REGISTERED")
    assert [item["workflowType"] for item in workflows["typeInfos"]] == [WORKFLOW_TYPE], workflows
    activities = swf.list_activity_types(domain=domain, registrationStatus="REGISTERED")
    assert [item["activityType"] for item in activities["typeInfos"]] == [ACTIVITY_TYPE], activities

    expect_error(
        "UnknownResourceFault",
        swf.describe_workflow_type,
        domain=domain,
        workflowType={"name": "Order", "version": "2"},
    )


def start(swf, domain, workflow_id, **arguments):
    run_id = swf.start_workflow_execution(
        domain=domain,
        workflowId=workflow_id,
        workflowType=WORKFLOW_TYPE,
        **arguments,
    )["runId"]
    assert run_id, "StartWorkflowExecution returned no run id"
    return run_id


def poll_decision(swf, domain, workflow_id, **arguments):
    task = swf.poll_for_decision_task(
        domain=domain, taskList=TASK_LIST, identity="boto3-decider", **arguments
    )
    assert task.get("taskToken"), f"no decision task for {workflow_id}: {task}"
    assert task["workflowExecution"]["workflowId"] == workflow_id, task
    assert task["workflowType"] == WORKFLOW_TYPE, task
    assert task["events"][-1]["eventType"] == "DecisionTaskStarted", event_types(task["events"])
    return task


def poll_activity(swf, domain):
    task = swf.poll_for_activity_task(domain=domain, taskList=TASK_LIST, identity="boto3-worker")
    assert task.get("taskToken"), f"no activity task: {task}"
    assert task["activityType"] == ACTIVITY_TYPE, task
    return task


def schedule(activity_id, amount):
    return {
        "decisionType": "ScheduleActivityTask",
        "scheduleActivityTaskDecisionAttributes": {
            "activityType": ACTIVITY_TYPE,
            "activityId": activity_id,
            "input": json.dumps({"amount": amount}),
            "heartbeatTimeout": "60",
        },
    }


def check_completed_run(swf, domain):
    """Run one execution through activities, a signal and a marker to completion."""
    expect_error(
        "ValidationException",
        swf.start_workflow_execution,
        domain=domain,
        workflowId="order-1",
        workflowType=WORKFLOW_TYPE,
        taskStartToCloseTimeout="soon",
    )
    run_id = start(swf, domain, "order-1", input='{"order": 1}', tagList=["orders"])
    expect_error(
        "WorkflowExecutionAlreadyStartedFault",
        swf.start_workflow_execution,
        domain=domain,
        workflowId="order-1",
        workflowType=WORKFLOW_TYPE,
    )
    execution = {"workflowId": "order-1", "runId": run_id}

    pending = swf.count_pending_decision_tasks(domain=domain, taskList=TASK_LIST)
    assert pending["count"] == 1, pending
    task = poll_decision(swf, domain, "order-1")
    started = task["events"][0]
    assert started["eventType"] == "WorkflowExecutionStarted", started
    assert started["workflowExecutionStartedEventAttributes"]["input"] == '{"order": 1}', started
    swf.respond_decision_task_completed(
        taskToken=task["taskToken"],
        decisions=[
            schedule("charge-1", 10),
            schedule("charge-2", 20),
            schedule("charge-3", 30),
            {
                "decisionType": "RecordMarker",
                "recordMarkerDecisionAttributes": {"markerName": "charged", "details": "3"},
            },
        ],
        executionContext="charging",
    )
    expect_error(
        "UnknownResourceFault",
        swf.respond_decision_task_completed,
        taskToken=task["taskToken"],
        decisions=[],
    )

    pending = swf.count_pending_activity_tasks(domain=domain, taskList=TASK_LIST)
    assert pending["count"] == 3, pending
    described = swf.describe_workflow_execution(domain=domain, execution=execution)
    assert described["openCounts"]["openActivityTasks"] == 3, described
    assert described["executionInfo"]["executionStatus"] == "OPEN", described
    assert described["latestExecutionContext"] == "charging", described

    first = poll_activity(swf, domain)
    assert first["activityId"] == "charge-1", first
    assert json.loads(first["input"]) == {"amount": 10}, first
    heartbeat = swf.record_activity_task_heartbeat(taskToken=first["taskToken"], details="half")
    assert heartbeat["cancelRequested"] is False, heartbeat
    swf.respond_activity_task_completed(taskToken=first["taskToken"], result="charged 10")

    second = poll_activity(swf, domain)
    assert second["activityId"] == "charge-2", second
    swf.respond_activity_task_failed(
        taskToken=second["taskToken"], reason="card declined", details="insufficient funds"
    )

    third = poll_activity(swf, domain)
    assert third["activityId"] == "charge-3", third

    # The decider requests cancellation of the third activity, and its heartbeat reports the request.
    task = poll_decision(swf, domain, "order-1")
    types = event_types(task["events"])
    assert "ActivityTaskCompleted" in types, types
    assert "ActivityTaskFailed" in types, types
    failed = last_event(task["events"], "ActivityTaskFailed")
    assert failed["activityTaskFailedEventAttributes"]["reason"] == "card declined", failed
    assert task["previousStartedEventId"] > 0, task
    swf.respond_decision_task_completed(
        taskToken=task["taskToken"],
        decisions=[
            {
                "decisionType": "RequestCancelActivityTask",
                "requestCancelActivityTaskDecisionAttributes": {"activityId": "charge-3"},
            }
        ],
    )
    heartbeat = swf.record_activity_task_heartbeat(taskToken=third["taskToken"])
    assert heartbeat["cancelRequested"] is True, heartbeat
    swf.respond_activity_task_canceled(taskToken=third["taskToken"], details="stopped")

    swf.signal_workflow_execution(
        domain=domain, workflowId="order-1", runId=run_id, signalName="shipped", input="parcel 7"
    )
    # The history starts at the first event no older than the previous DecisionTaskStarted.
    task = poll_decision(swf, domain, "order-1", startAtPreviousStartedEvent=True)
    assert task["events"][0]["eventId"] > 1, task["events"][0]
    assert task["events"][0]["eventId"] <= task["previousStartedEventId"], task
    signaled = last_event(task["events"], "WorkflowExecutionSignaled")
    attributes = signaled["workflowExecutionSignaledEventAttributes"]
    assert attributes["signalName"] == "shipped", signaled
    assert attributes["input"] == "parcel 7", signaled
    assert "ActivityTaskCanceled" in event_types(task["events"]), event_types(task["events"])
    swf.respond_decision_task_completed(
        taskToken=task["taskToken"],
        decisions=[
            {
                "decisionType": "CompleteWorkflowExecution",
                "completeWorkflowExecutionDecisionAttributes": {"result": "done"},
            }
        ],
    )

    described = swf.describe_workflow_execution(domain=domain, execution=execution)
    assert described["executionInfo"]["executionStatus"] == "CLOSED", described
    assert described["executionInfo"]["closeStatus"] == "COMPLETED", described

    # The paginator follows nextPageToken through pages of two events, oldest first.
    pages = swf.get_paginator("get_workflow_execution_history").paginate(
        domain=domain, execution=execution, maximumPageSize=2
    )
    history = [event for page in pages for event in page["events"]]
    assert [event["eventId"] for event in history] == list(range(1, len(history) + 1)), history
    types = event_types(history)
    for expected in (
        "WorkflowExecutionStarted",
        "ActivityTaskScheduled",
        "ActivityTaskCompleted",
        "ActivityTaskFailed",
        "ActivityTaskCancelRequested",
        "ActivityTaskCanceled",
        "MarkerRecorded",
        "WorkflowExecutionSignaled",
        "WorkflowExecutionCompleted",
    ):
        assert expected in types, f"{expected} missing from {types}"
    newest = swf.get_workflow_execution_history(
        domain=domain, execution=execution, maximumPageSize=1, reverseOrder=True
    )
    assert newest["events"][0]["eventType"] == "WorkflowExecutionCompleted", newest
    assert isinstance(newest["events"][0]["eventTimestamp"], datetime.datetime), newest
    return run_id


def check_closing_runs(swf, domain):
    """Cancel one execution on request and terminate another, then list and count them."""
    since = {"oldestDate": datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)}

    canceled_run = start(swf, domain, "order-2")
    terminated_run = start(swf, domain, "order-3", tagList=["urgent"])
    opened = swf.list_open_workflow_executions(domain=domain, startTimeFilter=since)
    assert {item["execution"]["workflowId"] for item in opened["executionInfos"]} == {
        "order-2",
        "order-3",
    }, opened
    tagged = swf.count_open_workflow_executions(
        domain=domain, startTimeFilter=since, tagFilter={"tag": "urgent"}
    )
    assert tagged["count"] == 1, tagged

    swf.request_cancel_workflow_execution(domain=domain, workflowId="order-2", runId=canceled_run)
    task = poll_decision(swf, domain, "order-2")
    assert "WorkflowExecutionCancelRequested" in event_types(task["events"]), task["events"]
    swf.respond_decision_task_completed(
        taskToken=task["taskToken"],
        decisions=[
            {
                "decisionType": "CancelWorkflowExecution",
                "cancelWorkflowExecutionDecisionAttributes": {"details": "customer canceled"},
            }
        ],
    )

    swf.terminate_workflow_execution(
        domain=domain, workflowId="order-3", reason="duplicate", childPolicy="ABANDON"
    )
    expect_error(
        "UnknownResourceFault",
        swf.terminate_workflow_execution,
        domain=domain,
        workflowId="order-3",
    )
    history = swf.get_workflow_execution_history(
        domain=domain, execution={"workflowId": "order-3", "runId": terminated_run}
    )["events"]
    terminated = last_event(history, "WorkflowExecutionTerminated")
    assert terminated["workflowExecutionTerminatedEventAttributes"]["reason"] == "duplicate", terminated

    closed = swf.list_closed_workflow_executions(domain=domain, closeTimeFilter=since)
    statuses = {item["execution"]["workflowId"]: item["closeStatus"] for item in closed["executionInfos"]}
    assert statuses == {"order-1": "COMPLETED", "order-2": "CANCELED", "order-3": "TERMINATED"}, closed
    counted = swf.count_closed_workflow_executions(
        domain=domain, startTimeFilter=since, closeStatusFilter={"status": "CANCELED"}
    )
    assert counted["count"] == 1, counted
    expect_error(
        "ValidationException",
        swf.count_closed_workflow_executions,
        domain=domain,
        startTimeFilter=since,
        closeTimeFilter=since,
    )
    opened = swf.count_open_workflow_executions(domain=domain, startTimeFilter=since)
    assert opened["count"] == 0, opened


def check_empty_polls(swf, domain):
    """Polls of a task list without tasks return without a task token after the poll window."""
    idle = {"name": "idle"}
    decision = swf.poll_for_decision_task(domain=domain, taskList=idle)
    assert "taskToken" not in decision, decision
    activity = swf.poll_for_activity_task(domain=domain, taskList=idle)
    assert "taskToken" not in activity, activity
    counted = swf.count_pending_decision_tasks(domain=domain, taskList=idle)
    assert counted["count"] == 0, counted


def check_type_lifecycle(swf, domain):
    swf.deprecate_workflow_type(domain=domain, workflowType=WORKFLOW_TYPE)
    expect_error(
        "TypeDeprecatedFault",
        swf.start_workflow_execution,
        domain=domain,
        workflowId="order-4",
        workflowType=WORKFLOW_TYPE,
    )
    deprecated = swf.list_workflow_types(domain=domain, registrationStatus="DEPRECATED")
    assert [item["workflowType"] for item in deprecated["typeInfos"]] == [WORKFLOW_TYPE], deprecated
    swf.undeprecate_workflow_type(domain=domain, workflowType=WORKFLOW_TYPE)
    expect_error(
        "TypeAlreadyExistsFault",
        swf.undeprecate_workflow_type,
        domain=domain,
        workflowType=WORKFLOW_TYPE,
    )
    swf.deprecate_workflow_type(domain=domain, workflowType=WORKFLOW_TYPE)
    swf.delete_workflow_type(domain=domain, workflowType=WORKFLOW_TYPE)
    expect_error(
        "UnknownResourceFault",
        swf.describe_workflow_type,
        domain=domain,
        workflowType=WORKFLOW_TYPE,
    )

    expect_error(
        "TypeNotDeprecatedFault",
        swf.delete_activity_type,
        domain=domain,
        activityType=ACTIVITY_TYPE,
    )
    swf.deprecate_activity_type(domain=domain, activityType=ACTIVITY_TYPE)
    described = swf.describe_activity_type(domain=domain, activityType=ACTIVITY_TYPE)
    assert described["typeInfo"]["status"] == "DEPRECATED", described
    assert isinstance(described["typeInfo"]["deprecationDate"], datetime.datetime), described
    swf.undeprecate_activity_type(domain=domain, activityType=ACTIVITY_TYPE)
    swf.deprecate_activity_type(domain=domain, activityType=ACTIVITY_TYPE)
    swf.delete_activity_type(domain=domain, activityType=ACTIVITY_TYPE)
    expect_error(
        "UnknownResourceFault",
        swf.describe_activity_type,
        domain=domain,
        activityType=ACTIVITY_TYPE,
    )


def check_domain_lifecycle(swf, domain):
    swf.deprecate_domain(name=domain)
    assert swf.describe_domain(name=domain)["domainInfo"]["status"] == "DEPRECATED"
    deprecated = swf.list_domains(registrationStatus="DEPRECATED")["domainInfos"]
    assert domain in [item["name"] for item in deprecated], deprecated
    expect_error("DomainDeprecatedFault", swf.deprecate_domain, name=domain)
    swf.undeprecate_domain(name=domain)
    assert swf.describe_domain(name=domain)["domainInfo"]["status"] == "REGISTERED"


def main():
    endpoint, domain = sys.argv[1:3]
    swf = connect(endpoint)
    called = record_calls(swf)

    check_domains(swf, domain)
    check_types(swf, domain)
    check_completed_run(swf, domain)
    check_closing_runs(swf, domain)
    check_empty_polls(swf, domain)
    check_type_lifecycle(swf, domain)
    check_domain_lifecycle(swf, domain)

    operations = set(swf.meta.service_model.operation_names)
    assert len(operations) == 39, f"boto3's SWF model has {len(operations)} operations: {operations}"
    missed = sorted(operations - called)
    assert not missed, f"operations not called: {missed}"
    print(f"all {len(operations)} SWF operations passed through boto3 {boto3.__version__}")


if __name__ == "__main__":
    main()
