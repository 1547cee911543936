//! Measures an SWF endpoint on loopback: API calls per second, the delay between a task becoming
//! available and a waiting long poll returning it, and the endpoint's memory with many idle long
//! polls open. Each measurement prints one JSON object on stdout.
//!
//! Requests carry no signature, so this works against `caravan local`, which does not check
//! signatures, but not against an endpoint that does.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Parser, Subcommand};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

const DOMAIN: &str = "bench-endpoint";
const WORKFLOW_NAME: &str = "bench_latency";

#[derive(Parser)]
#[command(about = "Measures an SWF endpoint on loopback")]
struct Args {
    /// Address of the endpoint, such as 127.0.0.1:8577.
    #[arg(long)]
    address: SocketAddr,

    #[command(subcommand)]
    measurement: Measurement,
}

#[derive(Subcommand)]
enum Measurement {
    /// Sends CountOpenWorkflowExecutions over keep-alive connections, each with one request in
    /// flight, and reports calls per second and latency percentiles.
    Calls {
        /// Concurrent connections.
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// Seconds to measure, after one second of warm-up.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Opens a long poll, then starts an execution whose first decision task that poll receives,
    /// and reports the time from sending the start request to the poll's response.
    Latency {
        /// Number of executions, one at a time.
        #[arg(long, default_value_t = 2000)]
        samples: usize,
    },
    /// Opens long polls that find no work and reports the endpoint's resident memory before and
    /// while they are open.
    IdlePolls {
        /// Number of polls, spread over task lists of 500 polls each.
        #[arg(long, default_value_t = 1000)]
        polls: usize,
        /// Process id of the endpoint, for its memory figures in /proc.
        #[arg(long)]
        pid: u32,
    },
}

/// One keep-alive HTTP/1.1 connection to the endpoint.
struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    async fn open(address: SocketAddr) -> Connection {
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .unwrap_or_else(|error| panic!("cannot connect to {address}: {error}"));
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP handshake");
        tokio::spawn(connection);
        Connection { sender }
    }

    /// Calls an SWF action and returns its JSON response; any error response ends the program.
    async fn call(&mut self, action: &str, body: &Value) -> Value {
        let request = hyper::Request::post("/")
            .header("host", "localhost")
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("SimpleWorkflowService.{action}"))
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        self.sender.ready().await.expect("connection ready");
        let response = self.sender.send_request(request).await.expect("response");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("response body").to_bytes();
        assert!(
            status.is_success(),
            "{action} failed with {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).expect("JSON response")
    }

    /// Calls an action whose failure with `fault` is acceptable, such as registering what exists.
    async fn call_allowing(&mut self, action: &str, body: &Value, fault: &str) {
        let request = hyper::Request::post("/")
            .header("host", "localhost")
            .header("x-amz-target", format!("SimpleWorkflowService.{action}"))
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        self.sender.ready().await.expect("connection ready");
        let response = self.sender.send_request(request).await.expect("response");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("response body").to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            status.is_success() || text.contains(fault),
            "{action} failed with {status}: {text}"
        );
    }
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    let report = runtime.block_on(async {
        prepare_domain(args.address).await;
        match args.measurement {
            Measurement::Calls { connections, seconds } => calls(args.address, connections, seconds).await,
            Measurement::Latency { samples } => latency(args.address, samples).await,
            Measurement::IdlePolls { polls, pid } => idle_polls(args.address, polls, pid).await,
        }
    });
    println!("{report}");
}

/// Registers the domain and the workflow type the measurements use, unless they exist.
async fn prepare_domain(address: SocketAddr) {
    let mut connection = Connection::open(address).await;
    connection
        .call_allowing(
            "RegisterDomain",
            &json!({"name": DOMAIN, "workflowExecutionRetentionPeriodInDays": "0"}),
            "DomainAlreadyExistsFault",
        )
        .await;
    connection
        .call_allowing(
            "RegisterWorkflowType",
            &json!({
                "domain": DOMAIN,
                "name": WORKFLOW_NAME,
                "version": "1",
                "defaultTaskStartToCloseTimeout": "60",
                "defaultExecutionStartToCloseTimeout": "3600",
                "defaultChildPolicy": "TERMINATE",
            }),
            "TypeAlreadyExistsFault",
        )
        .await;
}

async fn calls(address: SocketAddr, connections: usize, seconds: u64) -> Value {
    let warm_up_end = Instant::now() + Duration::from_secs(1);
    let end = warm_up_end + Duration::from_secs(seconds);
    let mut workers = tokio::task::JoinSet::new();

    for _ in 0..connections {
        workers.spawn(async move {
            let mut connection = Connection::open(address).await;
            let body = json!({"domain": DOMAIN, "startTimeFilter": {"oldestDate": 0}});
            let mut latencies = Vec::new();
            loop {
                let sent = Instant::now();
                if sent >= end {
                    return latencies;
                }
                connection.call("CountOpenWorkflowExecutions", &body).await;
                if sent >= warm_up_end {
                    latencies.push(sent.elapsed());
                }
            }
        });
    }

    let mut latencies = Vec::new();
    while let Some(worker) = workers.join_next().await {
        latencies.extend(worker.expect("worker task"));
    }
    json!({
        "measurement": "calls",
        "action": "CountOpenWorkflowExecutions",
        "connections": connections,
        "seconds": seconds,
        "calls": latencies.len(),
        "calls_per_second": latencies.len() as f64 / seconds as f64,
        "latency_ms": percentiles(&mut latencies),
    })
}

async fn latency(address: SocketAddr, samples: usize) -> Value {
    let mut poller = Connection::open(address).await;
    let mut starter = Connection::open(address).await;
    let mut delays = Vec::with_capacity(samples);

    for sample in 0..samples {
        let task_list = format!("latency-{sample}");
        let poll_body = json!({"domain": DOMAIN, "taskList": {"name": task_list}});
        let poll = tokio::spawn(async move {
            let response = poller.call("PollForDecisionTask", &poll_body).await;
            (poller, response, Instant::now())
        });
        // The poll must be waiting at the endpoint before the task exists.
        tokio::time::sleep(Duration::from_millis(2)).await;

        let sent = Instant::now();
        starter
            .call(
                "StartWorkflowExecution",
                &json!({
                    "domain": DOMAIN,
                    "workflowId": format!("latency-{sample}"),
                    "workflowType": {"name": WORKFLOW_NAME, "version": "1"},
                    "taskList": {"name": task_list},
                }),
            )
            .await;
        let (returned_poller, task, returned) = poll.await.expect("poll task");
        poller = returned_poller;
        let token = task["taskToken"]
            .as_str()
            .unwrap_or_else(|| panic!("the poll returned no task: {task}"));
        delays.push(returned - sent);

        let complete = json!({
            "taskToken": token,
            "decisions": [{"decisionType": "CompleteWorkflowExecution"}],
        });
        starter.call("RespondDecisionTaskCompleted", &complete).await;
    }

    json!({
        "measurement": "latency",
        "samples": samples,
        "start_sent_to_poll_returned_ms": percentiles(&mut delays),
    })
}

async fn idle_polls(address: SocketAddr, polls: usize, pid: u32) -> Value {
    let before_kib = resident_kib(pid);
    let mut open = tokio::task::JoinSet::new();

    for index in 0..polls {
        let task_list = format!("idle-{}", index / 500);
        open.spawn(async move {
            let mut connection = Connection::open(address).await;
            let body = json!({"domain": DOMAIN, "taskList": {"name": task_list}});
            connection.call("PollForDecisionTask", &body).await
        });
    }
    // Give every poll time to reach the endpoint and wait there.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let open_kib = resident_kib(pid);
    let mut returned = 0;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::ZERO, open.join_next()).await {
        returned += 1;
    }
    open.abort_all();

    json!({
        "measurement": "idle_polls",
        "polls": polls,
        "returned_before_measurement": returned,
        "endpoint_rss_before_mib": before_kib as f64 / 1024.0,
        "endpoint_rss_with_polls_mib": open_kib as f64 / 1024.0,
    })
}

/// Reads VmRSS of a process, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|error| panic!("cannot read the status of process {pid}: {error}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS line for process {pid}"))
}

/// Returns p50, p90, p99 and max of `durations` in milliseconds.
fn percentiles(durations: &mut [Duration]) -> Value {
    durations.sort();
    let at = |share: f64| -> f64 {
        if durations.is_empty() {
            return 0.0;
        }
        let index = ((durations.len() as f64 * share).ceil() as usize).clamp(1, durations.len()) - 1;
        durations[index].as_secs_f64() * 1000.0
    };
    json!({"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": at(1.0)})
}
