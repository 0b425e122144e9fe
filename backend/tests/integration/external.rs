//! The playground in separate processes, as a user runs it. External mode: `playground
//! cluster` in one, `playground --bootstrap-servers ...` in another, a WebSocket client
//! as the page; the engine's main checks pass against it, and stopping the cluster
//! process (every broker gone) fails each message once. And SIGTERM during a run.

use crate::common;

use std::net::SocketAddr;
use std::process::Command as Process;
use std::time::Duration;

use crate::common::Client;
use crate::common::process::{Running, start};
use shared::lab;
use shared::problem::Problem;
use shared::protocol::{ClusterMode, ClusterState, Command, Event, Fault, ProduceRequest};
use shared::settings::ProducerSettings;

/// `playground cluster` in its own process: its bootstrap address.
fn cluster(extra: &[&str]) -> (Running, String) {
    let mut args = vec!["cluster"];
    args.extend(extra);
    let (child, bootstrap) = start(&args, "bootstrap.servers=");
    (child, bootstrap)
}

/// `playground --bootstrap-servers` in its own process: its address.
fn playground(bootstrap: &str, extra: &[&str]) -> (Running, SocketAddr) {
    let mut args = vec!["--bootstrap-servers", bootstrap, "--listen", "127.0.0.1:0", "--static-dir", "/nonexistent"];
    args.extend(extra);
    let (child, url) = start(&args, "Kafka Producer Playground is ready: http://");
    (child, url.trim_end_matches('/').parse().expect("an address"))
}

async fn hello(addr: SocketAddr) -> (Client, shared::protocol::Hello, ClusterState) {
    let mut client = common::connect_to(addr).await;
    let Event::Hello(hello) = client.next().await else { panic!("hello first") };
    let Event::Cluster(state) = client.next().await else { panic!("then the cluster") };
    (client, hello, state)
}

async fn run(client: &mut Client, request: ProduceRequest) -> Vec<Event> {
    client.send(&Command::Produce(request)).await;
    client.until_finished(Duration::from_secs(60)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_process_uses_playground_cluster_as_a_real_cluster() {
    let (mut cluster_process, bootstrap) = cluster(&[]);
    let (_server, addr) = playground(&bootstrap, &[]);
    let (mut client, hello, mut state) = hello(addr).await;
    assert_eq!(hello.mode, ClusterMode::External);
    assert_eq!(hello.bootstrap_servers, bootstrap);
    assert_eq!(hello.brokers.len(), 3, "brokers from metadata");
    assert!(hello.topics.iter().any(|t| t.name == lab::TOPIC && t.partitions == 6));

    // The page's cluster panel: brokers and leaders from metadata, refreshed by itself.
    while state.brokers.is_empty() {
        if let Event::Cluster(next) = client.next_within(Duration::from_secs(10)).await {
            state = next;
        }
    }
    assert_eq!(state.faults, None, "a real cluster takes no fault buttons");
    assert_eq!(state.brokers.iter().filter(|b| b.up).count(), 3);
    assert_eq!(state.leaders.len(), 6, "a leader for each partition of {}", lab::TOPIC);
    // The lab's 10 sync messages, read back with their headers.
    let events = run(&mut client, ProduceRequest::lab()).await;
    let Some(Event::RunFinished(finished)) = events.last() else { unreachable!() };
    assert_eq!((finished.sent, finished.delivered, finished.failed), (10, 10, 0));
    let records = common::consume_all(&bootstrap, lab::TOPIC, 6, 10, Duration::from_secs(20));
    assert_eq!(records.len(), 10);
    for record in &records {
        let names: Vec<&str> = record.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [lab::HEADER_CORRELATION_ID, lab::HEADER_SOURCE]);
    }
    // Faults belong to the embedded cluster: here the page is told what to do instead.
    client.send(&Command::from(Fault::BrokerDown { broker: None })).await;
    let e = loop {
        match client.next().await {
            Event::Error(e) => break e,
            Event::Cluster(_) => continue,
            other => panic!("refused, got {other:?}"),
        }
    };
    assert_eq!(e.problem, Problem::FaultsNeedEmbedded);

    // Every broker gone: the cluster process stops. One failure per message.
    let _ = cluster_process.0.kill();
    let _ = cluster_process.0.wait();
    let settings = ProducerSettings { message_timeout_ms: 2_000, ..ProducerSettings::default() };
    let events = run(&mut client, ProduceRequest { count: 3, settings, ..ProduceRequest::lab() }).await;
    let failures: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Failed(f) => Some((f.seq, f.error.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(failures, [(1, "MessageTimedOut".into()), (2, "MessageTimedOut".into()), (3, "MessageTimedOut".into())]);
    // And the page saw the brokers go (metadata is read every 2 s, with a 5 s timeout),
    // during that run or soon after.
    let mut last = events.iter().rev().find_map(|e| match e {
        Event::Cluster(state) => Some(state.clone()),
        _ => None,
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !last.as_ref().is_some_and(|s| s.brokers.iter().all(|b| !b.up)) {
        assert!(std::time::Instant::now() < deadline, "the page never saw the brokers go: {last:?}");
        if let Event::Cluster(state) = client.next_within(Duration::from_secs(20)).await {
            last = Some(state);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_lab_topic_is_named_not_created_behind_the_trainees_back() {
    // librdkafka's mock has no CreateTopics, so `--create-topics` cannot be tried here:
    // this checks the other side, that nothing creates the topic by accident (the mock
    // creates any topic a metadata request names) and the page names what is missing.
    let (_cluster, bootstrap) = cluster(&["--without-topic"]);
    let (_server, addr) = playground(&bootstrap, &[]);
    let (mut client, hello, _) = hello(addr).await;
    assert!(!hello.topics.iter().any(|t| t.name == lab::TOPIC), "{:?}", hello.topics);
    client.send(&Command::Produce(ProduceRequest::lab())).await;
    let e = loop {
        if let Event::Error(e) = client.next().await {
            break e;
        }
    };
    assert!(matches!(&e.problem, Problem::UnknownTopic { topic, .. } if topic == lab::TOPIC), "{e:?}");
    assert_eq!(e.fields.first().map(|f| f.field.as_str()), Some("topic"), "the page marks the topic");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_run_loses_no_outcome_tells_the_page_and_exits_0() {
    let (mut server, url) = start(
        &["--listen", "127.0.0.1:0", "--static-dir", "/nonexistent"],
        "Kafka Producer Playground is ready: http://",
    );
    let addr: SocketAddr = url.trim_end_matches('/').parse().unwrap();
    let (mut client, _, _) = hello(addr).await;
    // 200 messages at 40 a second: 5 s, stopped by SIGTERM after about 1 s.
    client.send(&Command::Produce(ProduceRequest { count: 200, rate: Some(40), ..ProduceRequest::lab() })).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pid = server.0.id().to_string();
    assert!(Process::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let events = client.until_finished(Duration::from_secs(30)).await;
    let Some(Event::RunFinished(finished)) = events.last() else { unreachable!() };
    assert!(finished.stopped, "the run was stopped for the shutdown");
    assert!(finished.sent > 0 && finished.sent < 200, "{finished:?}");
    let outcomes = common::outcome_seqs(&events);
    assert_eq!(outcomes, (1..=finished.sent).collect::<Vec<_>>(), "exactly one outcome per message sent");
    assert_eq!(finished.sent, finished.delivered + finished.failed);
    let reason = client.close_reason(Duration::from_secs(20)).await;
    assert!(reason.is_some(), "the page is told the session is over");
    let status = server.0.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}
