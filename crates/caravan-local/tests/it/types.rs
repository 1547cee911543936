//! Activity and workflow types: registration, description, listing, deprecation and deletion.

use serde_json::{Value, json};

use crate::support::{ACTIVITY, WORKFLOW, World};

fn names(page: &Value) -> Vec<String> {
    page["typeInfos"]
        .as_array()
        .expect("typeInfos")
        .iter()
        .map(|info| {
            let key = if info.get("activityType").is_some() {
                "activityType"
            } else {
                "workflowType"
            };
            format!(
                "{}/{}",
                info[key]["name"].as_str().unwrap(),
                info[key]["version"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn activity_type_configuration_is_echoed() {
    let world = World::new().await;
    world
        .ok(
            "RegisterActivityType",
            json!({"name": "Ship", "version": "2", "description": "ships goods",
                   "defaultTaskList": {"name": "ship"}, "defaultTaskPriority": "-3",
                   "defaultTaskStartToCloseTimeout": "60", "defaultTaskHeartbeatTimeout": "NONE"}),
        )
        .await;

    let described = world
        .ok(
            "DescribeActivityType",
            json!({"activityType": {"name": "Ship", "version": "2"}}),
        )
        .await;

    assert_eq!(
        described["typeInfo"]["activityType"],
        json!({"name": "Ship", "version": "2"})
    );
    assert_eq!(described["typeInfo"]["status"], "REGISTERED");
    assert_eq!(described["typeInfo"]["description"], "ships goods");
    assert!(described["typeInfo"]["creationDate"].is_number());
    assert!(described["typeInfo"].get("deprecationDate").is_none());
    assert_eq!(
        described["configuration"],
        json!({"defaultTaskList": {"name": "ship"}, "defaultTaskPriority": "-3",
               "defaultTaskStartToCloseTimeout": "60", "defaultTaskHeartbeatTimeout": "NONE"})
    );
}

#[tokio::test]
async fn workflow_type_configuration_is_echoed() {
    let world = World::new().await;
    world
        .register_workflow_type(
            "Audit",
            "1",
            json!({"defaultLambdaRole": "arn:aws:iam::000000000000:role/r", "defaultTaskPriority": "4"}),
        )
        .await;

    let described = world
        .ok(
            "DescribeWorkflowType",
            json!({"workflowType": {"name": "Audit", "version": "1"}}),
        )
        .await;

    assert_eq!(
        described["configuration"],
        json!({"defaultTaskList": {"name": "deciders"}, "defaultExecutionStartToCloseTimeout": "3600",
               "defaultTaskStartToCloseTimeout": "600", "defaultChildPolicy": "TERMINATE",
               "defaultLambdaRole": "arn:aws:iam::000000000000:role/r", "defaultTaskPriority": "4"})
    );
}

#[tokio::test]
async fn type_life_cycle_faults() {
    let world = World::new().await;
    let key = json!({"activityType": {"name": ACTIVITY, "version": "1"}});

    let register_again = world
        .fails("RegisterActivityType", json!({"name": ACTIVITY, "version": "1"}))
        .await;
    let undeprecate_registered = world.fails("UndeprecateActivityType", key.clone()).await;
    let delete_registered = world.fails("DeleteActivityType", key.clone()).await;
    world.ok("DeprecateActivityType", key.clone()).await;
    let deprecate_again = world.fails("DeprecateActivityType", key.clone()).await;
    let register_deprecated = world
        .fails("RegisterActivityType", json!({"name": ACTIVITY, "version": "1"}))
        .await;
    world.ok("UndeprecateActivityType", key.clone()).await;
    world.ok("DeprecateActivityType", key.clone()).await;
    world.ok("DeleteActivityType", key.clone()).await;
    let described = world.fails("DescribeActivityType", key.clone()).await;
    world
        .ok("RegisterActivityType", json!({"name": ACTIVITY, "version": "1"}))
        .await;

    assert_eq!(register_again.code(), "TypeAlreadyExistsFault");
    assert_eq!(
        register_again.message(),
        "Type already exists: ActivityType=[name=Charge, version=1]"
    );
    assert_eq!(undeprecate_registered.code(), "TypeAlreadyExistsFault");
    assert_eq!(delete_registered.code(), "TypeNotDeprecatedFault");
    assert_eq!(deprecate_again.code(), "TypeDeprecatedFault");
    assert_eq!(register_deprecated.code(), "TypeAlreadyExistsFault");
    assert_eq!(described.code(), "UnknownResourceFault");
    assert_eq!(
        described.message(),
        "Unknown type: ActivityType=[name=Charge, version=1]"
    );
}

#[tokio::test]
async fn workflow_type_faults() {
    let world = World::new().await;
    let key = json!({"workflowType": {"name": WORKFLOW, "version": "1"}});
    let unknown = json!({"workflowType": {"name": WORKFLOW, "version": "9"}});

    let describe_unknown = world.fails("DescribeWorkflowType", unknown.clone()).await;
    let deprecate_unknown = world.fails("DeprecateWorkflowType", unknown).await;
    let unknown_domain = world
        .fails(
            "DescribeWorkflowType",
            json!({"domain": "none", "workflowType": {"name": WORKFLOW, "version": "1"}}),
        )
        .await;
    let delete_registered = world.fails("DeleteWorkflowType", key.clone()).await;
    world.ok("DeprecateWorkflowType", key.clone()).await;
    let deprecate_again = world.fails("DeprecateWorkflowType", key.clone()).await;
    world.ok("DeleteWorkflowType", key.clone()).await;

    assert_eq!(describe_unknown.code(), "UnknownResourceFault");
    assert_eq!(deprecate_unknown.code(), "UnknownResourceFault");
    assert_eq!(unknown_domain.message(), "Unknown domain: none");
    assert_eq!(delete_registered.code(), "TypeNotDeprecatedFault");
    assert_eq!(deprecate_again.code(), "TypeDeprecatedFault");
}

#[tokio::test]
async fn list_filters_by_name_and_pages() {
    let world = World::new().await;
    for (name, version) in [("A", "1"), ("A", "2"), ("B", "1")] {
        world.register_workflow_type(name, version, json!({})).await;
    }

    let all = world
        .ok("ListWorkflowTypes", json!({"registrationStatus": "REGISTERED"}))
        .await;
    let only_a = world
        .ok(
            "ListWorkflowTypes",
            json!({"registrationStatus": "REGISTERED", "name": "A"}),
        )
        .await;
    let first = world
        .ok(
            "ListWorkflowTypes",
            json!({"registrationStatus": "REGISTERED", "maximumPageSize": 2, "reverseOrder": true}),
        )
        .await;
    let token = first["nextPageToken"].as_str().expect("second page").to_string();
    let second = world
        .ok("ListWorkflowTypes", json!({"registrationStatus": "REGISTERED", "maximumPageSize": 2, "reverseOrder": true, "nextPageToken": token}))
        .await;
    let deprecated = world
        .ok("ListActivityTypes", json!({"registrationStatus": "DEPRECATED"}))
        .await;

    assert_eq!(names(&all), ["A/1", "A/2", "B/1", "Order/1"]);
    assert_eq!(names(&only_a), ["A/1", "A/2"]);
    assert_eq!(names(&first), ["Order/1", "B/1"]);
    assert_eq!(names(&second), ["A/2", "A/1"]);
    assert_eq!(names(&deprecated), Vec::<String>::new());
}

#[tokio::test]
async fn bad_defaults_are_rejected() {
    let world = World::new().await;
    let cases = [
        json!({"name": "X", "version": "1", "defaultTaskStartToCloseTimeout": "soon"}),
        json!({"name": "X", "version": "1", "defaultTaskPriority": "high"}),
        json!({"name": "X", "version": "1", "defaultTaskList": {"name": "a|b"}}),
        json!({"name": "X", "version": "1", "defaultTaskScheduleToStartTimeout": "123456789"}),
        json!({"name": "X/Y", "version": "1"}),
    ];

    for body in cases {
        let reply = world.fails("RegisterActivityType", body.clone()).await;

        assert_eq!(reply.code(), "ValidationException", "{body}");
    }
    let no_none = world
        .fails(
            "RegisterWorkflowType",
            json!({"name": "X", "version": "1", "defaultExecutionStartToCloseTimeout": "NONE"}),
        )
        .await;
    let over_a_year = world
        .fails(
            "RegisterWorkflowType",
            json!({"name": "X", "version": "1", "defaultExecutionStartToCloseTimeout": "31536001"}),
        )
        .await;
    assert_eq!(no_none.code(), "ValidationException");
    assert_eq!(over_a_year.code(), "ValidationException");
}

#[tokio::test]
async fn list_activity_types_pages() {
    let world = World::new().await;
    for name in ["A", "B", "C"] {
        world
            .ok("RegisterActivityType", json!({"name": name, "version": "1"}))
            .await;
    }
    let request = json!({"registrationStatus": "REGISTERED", "maximumPageSize": 3});

    let first = world.ok("ListActivityTypes", request.clone()).await;
    let mut next = request;
    next["nextPageToken"] = first["nextPageToken"].clone();
    let second = world.ok("ListActivityTypes", next).await;

    assert_eq!(names(&first), ["A/1", "B/1", "C/1"]);
    assert_eq!(names(&second), [format!("{ACTIVITY}/1")]);
    assert!(second.get("nextPageToken").is_none());
}
