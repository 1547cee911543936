//! Domains, their deprecation, retention and tags.

use std::time::Duration;

use serde_json::json;

use crate::support::{DOMAIN, Endpoint, WORKFLOW, World, decision};

fn register(name: &str) -> serde_json::Value {
    json!({"name": name, "workflowExecutionRetentionPeriodInDays": "1"})
}

#[tokio::test]
async fn register_describe_and_list() {
    let endpoint = Endpoint::start().await;
    endpoint
        .ok(
            "RegisterDomain",
            json!({"name": "orders", "workflowExecutionRetentionPeriodInDays": "30", "description": "Order flows"}),
        )
        .await;

    let described = endpoint.ok("DescribeDomain", json!({"name": "orders"})).await;
    let listed = endpoint
        .ok("ListDomains", json!({"registrationStatus": "REGISTERED"}))
        .await;
    let deprecated = endpoint
        .ok("ListDomains", json!({"registrationStatus": "DEPRECATED"}))
        .await;

    assert_eq!(described["domainInfo"]["name"], "orders");
    assert_eq!(described["domainInfo"]["status"], "REGISTERED");
    assert_eq!(described["domainInfo"]["description"], "Order flows");
    assert_eq!(
        described["configuration"]["workflowExecutionRetentionPeriodInDays"],
        "30"
    );
    assert_eq!(listed["domainInfos"][0]["name"], "orders");
    assert_eq!(deprecated["domainInfos"], json!([]));
}

#[tokio::test]
async fn duplicate_domain_is_rejected() {
    let endpoint = Endpoint::start().await;
    endpoint.ok("RegisterDomain", register("d")).await;
    endpoint.ok("DeprecateDomain", json!({"name": "d"})).await;

    let reply = endpoint.fails("RegisterDomain", register("d")).await;

    assert_eq!(
        reply.body["__type"],
        "com.amazonaws.swf.base.model#DomainAlreadyExistsFault"
    );
}

#[tokio::test]
async fn unknown_domain_is_unknown_resource() {
    let endpoint = Endpoint::start().await;

    let described = endpoint.fails("DescribeDomain", json!({"name": "nope"})).await;
    let deprecated = endpoint.fails("DeprecateDomain", json!({"name": "nope"})).await;

    assert_eq!(described.code(), "UnknownResourceFault");
    assert_eq!(described.message(), "Unknown domain: nope");
    assert_eq!(deprecated.code(), "UnknownResourceFault");
}

#[tokio::test]
async fn deprecation_faults() {
    let endpoint = Endpoint::start().await;
    endpoint.ok("RegisterDomain", register("d")).await;

    let undeprecate_registered = endpoint.fails("UndeprecateDomain", json!({"name": "d"})).await;
    endpoint.ok("DeprecateDomain", json!({"name": "d"})).await;
    let deprecate_again = endpoint.fails("DeprecateDomain", json!({"name": "d"})).await;
    endpoint.ok("UndeprecateDomain", json!({"name": "d"})).await;
    let described = endpoint.ok("DescribeDomain", json!({"name": "d"})).await;

    assert_eq!(undeprecate_registered.code(), "DomainAlreadyExistsFault");
    assert_eq!(deprecate_again.code(), "DomainDeprecatedFault");
    assert_eq!(described["domainInfo"]["status"], "REGISTERED");
}

#[tokio::test]
async fn deprecation_cascades_to_types() {
    let world = World::new().await;
    world.endpoint.ok("DeprecateDomain", json!({"name": DOMAIN})).await;

    let workflow = world
        .ok(
            "DescribeWorkflowType",
            json!({"workflowType": {"name": WORKFLOW, "version": "1"}}),
        )
        .await;
    let start = world
        .fails(
            "StartWorkflowExecution",
            json!({"workflowId": "w", "workflowType": {"name": WORKFLOW, "version": "1"}}),
        )
        .await;
    let register = world
        .fails("RegisterActivityType", json!({"name": "New", "version": "1"}))
        .await;
    world.endpoint.ok("UndeprecateDomain", json!({"name": DOMAIN})).await;
    let after_undeprecate = world
        .ok(
            "DescribeWorkflowType",
            json!({"workflowType": {"name": WORKFLOW, "version": "1"}}),
        )
        .await;

    assert_eq!(workflow["typeInfo"]["status"], "DEPRECATED");
    assert!(workflow["typeInfo"]["deprecationDate"].is_number());
    assert_eq!(start.code(), "TypeDeprecatedFault");
    assert_eq!(register.code(), "UnknownResourceFault");
    assert_eq!(
        after_undeprecate["typeInfo"]["status"], "DEPRECATED",
        "types stay deprecated"
    );
}

#[tokio::test]
async fn running_executions_survive_deprecation() {
    let world = World::new().await;
    let run_id = world.start("w").await;
    world.endpoint.ok("DeprecateDomain", json!({"name": DOMAIN})).await;

    let task = world.decision_task().await;
    world
        .decide(&task, json!([decision("CompleteWorkflowExecution", json!({}))]))
        .await;
    let open = world
        .ok(
            "ListClosedWorkflowExecutions",
            json!({"startTimeFilter": {"oldestDate": 0}}),
        )
        .await;

    assert_eq!(open["executionInfos"][0]["execution"]["runId"], run_id.as_str());
}

#[tokio::test]
async fn domain_limit_is_100() {
    let endpoint = Endpoint::start().await;
    for index in 0..100 {
        endpoint.ok("RegisterDomain", register(&format!("d{index}"))).await;
    }

    let reply = endpoint.fails("RegisterDomain", register("one-too-many")).await;

    assert_eq!(reply.code(), "LimitExceededFault");
}

#[tokio::test]
async fn list_domains_pages_in_both_orders() {
    let endpoint = Endpoint::start().await;
    for name in ["c", "a", "b"] {
        endpoint.ok("RegisterDomain", register(name)).await;
    }

    let first = endpoint
        .ok(
            "ListDomains",
            json!({"registrationStatus": "REGISTERED", "maximumPageSize": 2}),
        )
        .await;
    let token = first["nextPageToken"].as_str().expect("a second page").to_string();
    let second = endpoint
        .ok(
            "ListDomains",
            json!({"registrationStatus": "REGISTERED", "maximumPageSize": 2, "nextPageToken": token}),
        )
        .await;
    let reversed = endpoint
        .ok(
            "ListDomains",
            json!({"registrationStatus": "REGISTERED", "reverseOrder": true}),
        )
        .await;

    let names = |page: &serde_json::Value| -> Vec<String> {
        page["domainInfos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|info| info["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&first), ["a", "b"]);
    assert_eq!(names(&second), ["c"]);
    assert!(second.get("nextPageToken").is_none());
    assert_eq!(names(&reversed), ["c", "b", "a"]);
}

#[tokio::test]
async fn invalid_names_and_retention_are_rejected() {
    let endpoint = Endpoint::start().await;
    let cases = [
        json!({"name": "a:b", "workflowExecutionRetentionPeriodInDays": "1"}),
        json!({"name": "arn", "workflowExecutionRetentionPeriodInDays": "1"}),
        json!({"name": " padded", "workflowExecutionRetentionPeriodInDays": "1"}),
        json!({"name": "d", "workflowExecutionRetentionPeriodInDays": "91"}),
        json!({"name": "d", "workflowExecutionRetentionPeriodInDays": "ten"}),
    ];

    for body in cases {
        let reply = endpoint.fails("RegisterDomain", body.clone()).await;

        assert_eq!(reply.code(), "ValidationException", "{body}");
    }
}

#[tokio::test]
async fn zero_retention_purges_at_close() {
    let endpoint = Endpoint::start().await;
    endpoint
        .ok(
            "RegisterDomain",
            json!({"name": "brief", "workflowExecutionRetentionPeriodInDays": "NONE"}),
        )
        .await;
    endpoint
        .ok(
            "RegisterWorkflowType",
            json!({"domain": "brief", "name": "W", "version": "1", "defaultTaskList": {"name": "tl"},
                   "defaultExecutionStartToCloseTimeout": "60", "defaultTaskStartToCloseTimeout": "60",
                   "defaultChildPolicy": "ABANDON"}),
        )
        .await;
    let started = endpoint
        .ok(
            "StartWorkflowExecution",
            json!({"domain": "brief", "workflowId": "w", "workflowType": {"name": "W", "version": "1"}}),
        )
        .await;
    let run_id = started["runId"].as_str().unwrap().to_string();
    endpoint
        .ok(
            "TerminateWorkflowExecution",
            json!({"domain": "brief", "workflowId": "w"}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let described = endpoint
        .fails(
            "DescribeWorkflowExecution",
            json!({"domain": "brief", "execution": {"workflowId": "w", "runId": run_id}}),
        )
        .await;
    let closed = endpoint
        .ok(
            "CountClosedWorkflowExecutions",
            json!({"domain": "brief", "startTimeFilter": {"oldestDate": 0}}),
        )
        .await;

    assert_eq!(described.code(), "UnknownResourceFault");
    assert_eq!(closed["count"], 0);
}

#[tokio::test]
async fn tags_are_added_listed_and_removed() {
    let world = World::new().await;
    let arn = format!("arn:aws:swf:us-east-1:000000000000:/domain/{DOMAIN}");

    world
        .endpoint
        .ok(
            "TagResource",
            json!({"resourceArn": arn, "tags": [{"key": "team", "value": "a"}, {"key": "env", "value": "dev"}]}),
        )
        .await;
    world
        .endpoint
        .ok(
            "TagResource",
            json!({"resourceArn": arn, "tags": [{"key": "team", "value": "b"}]}),
        )
        .await;
    let listed = world
        .endpoint
        .ok("ListTagsForResource", json!({"resourceArn": arn}))
        .await;
    world
        .endpoint
        .ok("UntagResource", json!({"resourceArn": arn, "tagKeys": ["env"]}))
        .await;
    let after_untag = world
        .endpoint
        .ok("ListTagsForResource", json!({"resourceArn": arn}))
        .await;

    assert_eq!(
        listed["tags"],
        json!([{"key": "team", "value": "b"}, {"key": "env", "value": "dev"}])
    );
    assert_eq!(after_untag["tags"], json!([{"key": "team", "value": "b"}]));
}

#[tokio::test]
async fn tag_faults() {
    let world = World::new().await;
    let arn = format!("arn:aws:swf:us-east-1:000000000000:/domain/{DOMAIN}");
    let too_many: Vec<_> = (0..51)
        .map(|index| json!({"key": format!("k{index}"), "value": "v"}))
        .collect();

    let over_limit = world
        .endpoint
        .fails("TagResource", json!({"resourceArn": arn, "tags": too_many}))
        .await;
    let on_register = world
        .endpoint
        .fails(
            "RegisterDomain",
            json!({"name": "x", "workflowExecutionRetentionPeriodInDays": "1", "tags": too_many}),
        )
        .await;
    let unknown = world
        .endpoint
        .fails(
            "ListTagsForResource",
            json!({"resourceArn": "arn:aws:swf:us-east-1:000000000000:/domain/none"}),
        )
        .await;
    let bad_text = world
        .endpoint
        .fails("TagResource", json!({"resourceArn": arn, "tags": [{"key": "a*b"}]}))
        .await;

    assert_eq!(over_limit.code(), "TooManyTagsFault");
    assert_eq!(on_register.code(), "TooManyTagsFault");
    assert_eq!(unknown.code(), "UnknownResourceFault");
    assert_eq!(bad_text.code(), "ValidationException");
}
