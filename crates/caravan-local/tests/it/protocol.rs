//! The awsJson 1.0 wire protocol, and the error shapes of bad requests; the endpoint keeps serving after
//! each of them.

use serde_json::{Value, json};

use hyper::Method;

use crate::support::{DOMAIN, Endpoint, Reply, World};

async fn assert_still_serving(endpoint: &Endpoint) {
    let reply = endpoint
        .call("ListDomains", json!({"registrationStatus": "REGISTERED"}))
        .await;
    assert_eq!(reply.status, 200, "the endpoint stopped serving: {}", reply.body);
}

/// Checks the awsJson 1.0 error shape: the status, a JSON body with the namespaced `__type` and a
/// message, and a request id.
fn assert_error_shape(reply: &Reply, status: u16, wire_type: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["__type"], wire_type, "{}", reply.body);
    assert!(!reply.message().is_empty(), "no message in {}", reply.body);
    assert_eq!(reply.content_type.as_deref(), Some("application/x-amz-json-1.0"));
    assert!(reply.request_id.is_some(), "no x-amzn-RequestId header");
}

#[tokio::test]
async fn success_has_json_type_and_request_id() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint
        .call(
            "RegisterDomain",
            json!({"name": "d", "workflowExecutionRetentionPeriodInDays": "1"}),
        )
        .await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type.as_deref(), Some("application/x-amz-json-1.0"));
    assert_eq!(reply.request_id.as_ref().map(String::len), Some(36));
    assert_eq!(reply.body, json!({}), "operations without output return {{}}");
}

#[tokio::test]
async fn legacy_target_and_content_type_work() {
    let endpoint = Endpoint::start().await;
    let headers = [
        (
            "x-amz-target",
            "com.amazonaws.swf.service.model.SimpleWorkflowService.ListDomains",
        ),
        ("content-type", "application/json; charset=UTF-8"),
    ];

    let reply = endpoint.send(&headers, r#"{"registrationStatus": "REGISTERED"}"#).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, json!({"domainInfos": []}));
}

#[tokio::test]
async fn unset_members_are_omitted() {
    let world = World::new().await;

    let described = world.endpoint.ok("DescribeDomain", json!({"name": DOMAIN})).await;

    let info = described["domainInfo"].as_object().expect("domainInfo object");
    assert!(!info.contains_key("description"), "{described}");
    assert_eq!(
        info["arn"],
        format!("arn:aws:swf:us-east-1:000000000000:/domain/{DOMAIN}")
    );
    assert_eq!(
        described["configuration"]["workflowExecutionRetentionPeriodInDays"],
        "1"
    );
}

#[tokio::test]
async fn timestamps_are_epoch_seconds_with_millis() {
    let world = World::new().await;
    let run_id = world.start("w").await;

    let history = world.history("w", &run_id).await;

    let timestamp = history[0]["eventTimestamp"].as_f64().expect("a JSON number");
    assert!(
        timestamp > 1.6e9 && timestamp < 4.0e9,
        "{timestamp} is not epoch seconds"
    );
    let text = history[0]["eventTimestamp"].to_string();
    let decimals = text.split('.').nth(1).map_or(0, str::len);
    assert!(decimals <= 3, "{text} has more than millisecond precision");
}

#[tokio::test]
async fn unknown_action_is_unknown_operation() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint.call("Frobnicate", json!({})).await;

    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    assert_still_serving(&endpoint).await;
}

#[tokio::test]
async fn missing_target_is_unknown_operation() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint
        .send(&[("content-type", "application/x-amz-json-1.0")], "{}")
        .await;

    assert_eq!(reply.status, 400);
    assert_eq!(reply.code(), "UnknownOperationException");
    assert_still_serving(&endpoint).await;
}

#[tokio::test]
async fn malformed_json_is_serialization_exception() {
    let endpoint = Endpoint::start().await;
    let headers = [("x-amz-target", "SimpleWorkflowService.ListDomains")];

    for body in [r#"{"registrationStatus": "#, "[1, 2]", "\"text\"", "nul"] {
        let reply = endpoint.send(&headers, body).await;

        assert_eq!(reply.status, 400, "body {body:?}");
        assert_eq!(
            reply.body["__type"], "com.amazon.coral.service#SerializationException",
            "body {body:?}"
        );
    }
    assert_still_serving(&endpoint).await;
}

#[tokio::test]
async fn wrong_json_types_are_serialization_exceptions() {
    let world = World::new().await;
    let cases = [
        ("DescribeDomain", json!({"name": 5})),
        (
            "ListDomains",
            json!({"registrationStatus": "REGISTERED", "maximumPageSize": "10"}),
        ),
        (
            "ListDomains",
            json!({"registrationStatus": "REGISTERED", "reverseOrder": "yes"}),
        ),
        (
            "StartWorkflowExecution",
            json!({"domain": DOMAIN, "workflowId": "w", "workflowType": "Order"}),
        ),
        (
            "StartWorkflowExecution",
            json!({"domain": DOMAIN, "workflowId": "w", "workflowType": {"name": "Order", "version": "1"}, "tagList": "a"}),
        ),
        (
            "RespondDecisionTaskCompleted",
            json!({"taskToken": "t", "decisions": [1]}),
        ),
    ];

    for (action, body) in cases {
        let reply = world.endpoint.fails(action, body.clone()).await;

        assert_eq!(
            reply.body["__type"], "com.amazon.coral.service#SerializationException",
            "{action} {body}: {}",
            reply.body
        );
        assert!(!reply.message().is_empty(), "{action} {body}: no message");
    }
    assert_still_serving(&world.endpoint).await;
}

#[tokio::test]
async fn missing_required_member_has_coral_message() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint.fails("DescribeDomain", json!({})).await;

    assert_eq!(reply.body["__type"], "com.amazon.coral.validate#ValidationException");
    assert_eq!(
        reply.message(),
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
    );
    assert_still_serving(&endpoint).await;
}

#[tokio::test]
async fn several_violations_are_counted() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint
        .fails("StartWorkflowExecution", json!({"workflowType": {"name": ""}}))
        .await;

    assert_eq!(reply.code(), "ValidationException");
    let message = reply.message();
    assert!(message.starts_with("4 validation errors detected: "), "{message}");
    assert!(message.contains("Value null at 'domain'"), "{message}");
    assert!(message.contains("Value null at 'workflowId'"), "{message}");
    assert!(message.contains("Value '' at 'workflowType.name'"), "{message}");
    assert!(message.contains("Value null at 'workflowType.version'"), "{message}");
}

#[tokio::test]
async fn over_long_strings_are_rejected() {
    let world = World::new().await;
    let long_name = "n".repeat(257);
    let long_input = "i".repeat(32_769);

    let name = world.endpoint.fails("DescribeDomain", json!({"name": long_name})).await;
    let input = world
        .fails(
            "StartWorkflowExecution",
            json!({"workflowId": "w", "workflowType": {"name": "Order", "version": "1"}, "input": long_input}),
        )
        .await;

    assert_error_shape(&name, 400, "com.amazon.coral.validate#ValidationException");
    assert!(
        name.message()
            .contains("Member must have length less than or equal to 256"),
        "{}",
        name.message()
    );
    assert_error_shape(&input, 400, "com.amazon.coral.validate#ValidationException");
    assert!(input.message().contains("at 'input'"), "{}", input.message());
    assert!(
        input.message().contains("less than or equal to 32768"),
        "{}",
        input.message()
    );
    assert_still_serving(&world.endpoint).await;
}

#[tokio::test]
async fn invalid_enum_value_is_rejected() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint
        .fails("ListDomains", json!({"registrationStatus": "ACTIVE"}))
        .await;

    assert_eq!(
        reply.message(),
        "1 validation error detected: Value 'ACTIVE' at 'registrationStatus' failed to satisfy constraint: \
         Member must satisfy enum value set: [REGISTERED, DEPRECATED]"
    );
}

#[tokio::test]
async fn body_over_1_mib_is_rejected_with_413() {
    let endpoint = Endpoint::start().await;
    let padding = "x".repeat(1024 * 1024 + 10);
    let body = json!({"registrationStatus": "REGISTERED", "padding": padding}).to_string();
    let headers = [
        ("x-amz-target", "SimpleWorkflowService.ListDomains"),
        ("content-type", "application/x-amz-json-1.0"),
    ];

    let reply = endpoint.send(&headers, body).await;

    assert_error_shape(&reply, 413, "com.amazon.coral.service#RequestEntityTooLargeException");
    assert_still_serving(&endpoint).await;
}

#[tokio::test]
async fn body_just_under_1_mib_is_accepted() {
    let endpoint = Endpoint::start().await;
    let padding = "x".repeat(1024 * 1000);
    let body = json!({"registrationStatus": "REGISTERED", "padding": padding}).to_string();
    let headers = [("x-amz-target", "SimpleWorkflowService.ListDomains")];

    let reply = endpoint.send(&headers, body).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn empty_body_counts_as_empty_object() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint
        .send(&[("x-amz-target", "SimpleWorkflowService.ListDomains")], "")
        .await;

    assert_error_shape(&reply, 400, "com.amazon.coral.validate#ValidationException");
    assert!(
        reply.message().contains("Value null at 'registrationStatus'"),
        "{}",
        reply.message()
    );
    assert_still_serving(&endpoint).await;
}

#[tokio::test]
async fn request_without_headers_is_unknown_operation() {
    let endpoint = Endpoint::start().await;

    let reply = endpoint.send(&[], "{}").await;

    assert_error_shape(&reply, 400, "com.amazon.coral.service#UnknownOperationException");
    assert_still_serving(&endpoint).await;
}

#[tokio::test]
async fn non_post_request_is_routed_by_target() {
    let endpoint = Endpoint::start().await;
    let target = [("x-amz-target", "SimpleWorkflowService.ListDomains")];

    let bare_get = endpoint.send_with_method(Method::GET, &[], "").await;
    let get_without_body = endpoint.send_with_method(Method::GET, &target, "").await;
    let put = endpoint
        .send_with_method(Method::PUT, &target, r#"{"registrationStatus": "REGISTERED"}"#)
        .await;

    assert_error_shape(&bare_get, 400, "com.amazon.coral.service#UnknownOperationException");
    assert_error_shape(&get_without_body, 400, "com.amazon.coral.validate#ValidationException");
    assert_eq!(put.status, 200, "the method is not checked: {}", put.body);
    assert_eq!(put.body, json!({"domainInfos": []}));
    assert_still_serving(&endpoint).await;
}

#[tokio::test]
async fn unknown_members_are_ignored() {
    let endpoint = Endpoint::start().await;

    let body: Value = endpoint
        .ok("ListDomains", json!({"registrationStatus": "REGISTERED", "extra": [1]}))
        .await;

    assert_eq!(body, json!({"domainInfos": []}));
}

#[tokio::test]
async fn shutdown_closes_unfinished_requests() {
    use tokio::io::AsyncWriteExt;

    let endpoint = Endpoint::start().await;
    let mut partial_headers = tokio::net::TcpStream::connect(endpoint.address).await.expect("connect");
    partial_headers
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Tar")
        .await
        .expect("write");
    let mut partial_body = tokio::net::TcpStream::connect(endpoint.address).await.expect("connect");
    partial_body
        .write_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: SimpleWorkflowService.ListDomains\r\n\
              Content-Length: 100\r\n\r\n{\"regi",
        )
        .await
        .expect("write");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // shut_down fails the test unless `serve` returns within 10 seconds.
    endpoint.shut_down().await;
}

#[tokio::test]
async fn non_text_target_is_named() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let endpoint = Endpoint::start().await;
    let mut stream = tokio::net::TcpStream::connect(endpoint.address).await.expect("connect");
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
              X-Amz-Target: SimpleWorkflowService.\xff\xfe\r\nContent-Length: 2\r\n\r\n{}",
        )
        .await
        .expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let response = String::from_utf8_lossy(&response);

    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("UnknownOperationException"), "{response}");
    assert!(
        response.contains("the X-Amz-Target header is not visible ASCII text"),
        "{response}"
    );
    assert_still_serving(&endpoint).await;
}
