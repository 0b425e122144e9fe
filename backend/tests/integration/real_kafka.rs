//! Against Apache Kafka itself: a KRaft controller and 3 brokers on loopback, started
//! from Kafka's own jars (`kafka/pom.xml`). `cargo xtask test` fetches the jars, starts
//! one cluster for the whole run (`playground cluster --local-kafka`) and runs these with
//! `--ignored`, telling them where:
//!
//! - `PLAYGROUND_TEST_KAFKA`: that cluster's bootstrap servers;
//! - `PLAYGROUND_KAFKA_DIR`: the folder whose `libs/` holds the jars, for the test that
//!   starts a cluster of its own to stop, crash and pause its brokers.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::Client;
use crate::common::process::{KafkaDir, Playground};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use shared::lab;
use shared::problem::Problem;
use shared::protocol::{
    BrokerProcess, ClusterMode, ClusterState, Command, Event, Fault, FaultKind, ProduceRequest, RunFinished, RunMode,
    Shutdown,
};
use shared::settings::{Acks, ProducerSettings};

fn shared_cluster() -> String {
    std::env::var("PLAYGROUND_TEST_KAFKA").expect("PLAYGROUND_TEST_KAFKA: run these through `cargo xtask test`")
}

fn admin(bootstrap: &str) -> AdminClient<DefaultClientContext> {
    ClientConfig::new().set("bootstrap.servers", bootstrap).create().unwrap()
}

/// Every event of the stream, batches opened.
fn flatten(events: Vec<Event>) -> Vec<Event> {
    events
        .into_iter()
        .flat_map(|e| match e {
            Event::Batch { events } => events,
            other => vec![other],
        })
        .collect()
}

async fn run(client: &mut Client, request: ProduceRequest) -> (RunFinished, Vec<Event>) {
    client.send(&Command::Produce(request)).await;
    let events = flatten(client.until_finished(Duration::from_secs(120)).await);
    let Some(Event::RunFinished(finished)) = events.last().cloned() else { unreachable!() };
    (finished, events)
}

/// The last cluster state among `events`.
fn last_state(events: &[Event]) -> Option<ClusterState> {
    events.iter().rev().find_map(|e| match e {
        Event::Cluster(state) => Some(state.clone()),
        _ => None,
    })
}

/// Waits for a cluster state that `wanted` accepts, `seen` (the last state already read)
/// first; panics with the last one seen.
async fn cluster_until(
    client: &mut Client,
    seen: Option<ClusterState>,
    within: Duration,
    wanted: impl Fn(&ClusterState) -> bool,
) -> ClusterState {
    if let Some(state) = seen.filter(|s| wanted(s)) {
        return state;
    }
    let deadline = Instant::now() + within;
    let mut last = None;
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        if let Some(Event::Cluster(state)) = client.try_next_raw_within(left).await {
            if wanted(&state) {
                return state;
            }
            last = Some(state);
        }
    }
    panic!("no such cluster state within {within:?}; last: {last:?}")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Apache Kafka: `cargo xtask test` runs it"]
async fn the_lab_runs_and_reads_back_on_apache_kafka_and_create_topics_makes_the_labs_topic() {
    let bootstrap = shared_cluster();
    // --create-topics on a cluster without the lab's topic: made as the lab's.
    let admin = admin(&bootstrap);
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    admin.delete_topics(&[lab::TOPIC], &options).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while admin
        .inner()
        .fetch_metadata(None, Duration::from_secs(5))
        .unwrap()
        .topics()
        .iter()
        .any(|t| t.name() == lab::TOPIC)
    {
        assert!(Instant::now() < deadline, "{} was not deleted", lab::TOPIC);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let server =
        Playground::start(&["--bootstrap-servers", &bootstrap, "--create-topics", "--static-dir", "/nonexistent"]);
    // Created through the controller; each broker learns of it a moment later.
    let deadline = Instant::now() + Duration::from_secs(20);
    let replicas = loop {
        let metadata = admin.inner().fetch_metadata(Some(lab::TOPIC), Duration::from_secs(5)).unwrap();
        let replicas: Vec<usize> = metadata.topics()[0].partitions().iter().map(|p| p.replicas().len()).collect();
        if replicas.len() == 6 || Instant::now() > deadline {
            break replicas;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(replicas, [3; 6], "6 partitions of 3 replicas each");
    let configs = admin.describe_configs(&[ResourceSpecifier::Topic(lab::TOPIC)], &options).await.unwrap();
    let config = configs.into_iter().next().unwrap().unwrap();
    assert_eq!(config.get("min.insync.replicas").and_then(|e| e.value.as_deref()), Some("2"));

    // The page: a real cluster, its ISR from metadata, no fault buttons.
    let mut client = common::connect_to(server.addr).await;
    let Event::Hello(hello) = client.next().await else { panic!("hello first") };
    assert_eq!(hello.mode, ClusterMode::External);
    assert_eq!(hello.brokers.len(), 3);
    let state = cluster_until(&mut client, None, Duration::from_secs(20), |s| {
        s.isr.len() == 6 && s.isr.iter().all(|r| r.len() == 3)
    })
    .await;
    assert_eq!(state.faults, None);
    assert_eq!(state.leaders.len(), 6);

    // The lab's run: 10 messages, each delivered with its partition and offset, and
    // read back from the brokers with the lab's headers.
    let (finished, events) = run(&mut client, ProduceRequest::lab()).await;
    assert_eq!((finished.sent, finished.delivered, finished.failed), (10, 10, 0));
    let delivered: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Delivered(d) => Some((d.partition, d.offset.expect("acks=all has an offset"))),
            _ => None,
        })
        .collect();
    assert_eq!(delivered.len(), 10);
    let records = common::consume_all(&bootstrap, lab::TOPIC, 6, 10, Duration::from_secs(20));
    let mut read: Vec<_> = records.iter().map(|r| (r.partition, r.offset)).collect();
    let mut sent = delivered.clone();
    read.sort_unstable();
    sent.sort_unstable();
    assert_eq!(read, sent, "every delivery report's partition and offset is on the brokers");
    for record in &records {
        let names: Vec<&str> = record.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [lab::HEADER_CORRELATION_ID, lab::HEADER_SOURCE]);
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Apache Kafka: `cargo xtask test` runs it"]
async fn brokers_stopped_crashed_and_paused_on_apache_kafka_show_what_acks_guarantees() {
    // A cluster of this test's own: its brokers are stopped and crashed.
    let (_kafka, server, mut client, hello) = own_cluster("faults").await;
    assert_eq!(hello.mode, ClusterMode::Local);
    let all_in_sync = |s: &ClusterState| s.isr.len() == 6 && s.isr.iter().all(|r| r.len() == 3);
    let state = cluster_until(&mut client, None, Duration::from_secs(20), all_in_sync).await;
    assert_eq!(state.faults, Some(FaultKind::Process));
    assert!(state.brokers.iter().all(|b| b.up && b.process == Some(BrokerProcess::Running)), "{state:?}");

    // The mock's faults are not this cluster's: refused, with what to do instead.
    client.send(&Command::from(Fault::SetRoundTripTime { broker: None, ms: 100 })).await;
    let e = loop {
        if let Event::Error(e) = client.next().await {
            break e;
        }
    };
    assert_eq!(e.problem, Problem::MockFaultOnLocalKafka);

    // A broker crashes in the middle of a run: every message still has one outcome, and
    // every acknowledged one is on the surviving brokers (acks=all, idempotent).
    let settings = ProducerSettings {
        enable_idempotence: true,
        max_in_flight: 5,
        message_send_max_retries: 100,
        ..ProducerSettings::default()
    };
    let request = ProduceRequest {
        count: 2_000,
        mode: RunMode::Pipelined,
        rate: Some(400),
        settings: settings.clone(),
        ..ProduceRequest::lab()
    };
    client.send(&Command::Produce(request)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    client.send(&Command::from(Fault::StopBroker { broker: 1, how: Shutdown::Crash })).await;
    let events = flatten(client.until_finished(Duration::from_secs(120)).await);
    let Some(Event::RunFinished(finished)) = events.last().cloned() else { unreachable!() };
    let outcomes = common::outcome_seqs(&events);
    let distinct: std::collections::BTreeSet<_> = outcomes.iter().collect();
    assert_eq!(finished.sent, 2_000);
    assert_eq!(finished.delivered + finished.failed, 2_000, "{finished:?}");
    assert_eq!(distinct.len(), outcomes.len(), "no message has two outcomes");
    let delivered = finished.delivered as usize;
    let records = common::consume_all(&hello.bootstrap_servers, lab::TOPIC, 6, delivered, Duration::from_secs(60));
    assert_eq!(records.len(), delivered, "every acknowledged message survived the crash, once");

    // The page sees it: broker 1's process stopped, out of the metadata, out of every ISR.
    let state = cluster_until(&mut client, last_state(&events), Duration::from_secs(40), |s| {
        s.isr.len() == 6 && s.isr.iter().all(|r| !r.contains(&1))
    })
    .await;
    let one = state.brokers.iter().find(|b| b.id == 1).unwrap();
    assert_eq!((one.up, one.process), (false, Some(BrokerProcess::Stopped)));
    assert!(state.leaders.iter().all(|l| *l != 1), "leaders moved: {:?}", state.leaders);

    // A second broker stopped (a controlled shutdown): one replica of three is left, fewer
    // than min.insync.replicas=2. acks=all is refused; acks=1 is written.
    client.send(&Command::from(Fault::StopBroker { broker: 2, how: Shutdown::Controlled })).await;
    cluster_until(&mut client, None, Duration::from_secs(40), |s| s.isr.len() == 6 && s.isr.iter().all(|r| r == &[3]))
        .await;
    let quick = ProducerSettings { message_timeout_ms: 5_000, ..ProducerSettings::default() };
    let (all, events) =
        run(&mut client, ProduceRequest { count: 3, settings: quick.clone(), ..ProduceRequest::lab() }).await;
    assert_eq!((all.delivered, all.failed), (0, 3), "{events:?}");
    let errors: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Failed(f) => Some(f.error.to_string()),
            _ => None,
        })
        .collect();
    assert!(errors.iter().all(|e| e == "NotEnoughReplicas"), "acks=all with one in-sync replica: {errors:?}");
    let acks_one = ProducerSettings { acks: Acks::One, ..quick };
    let (one, _) = run(&mut client, ProduceRequest { count: 3, settings: acks_one, ..ProduceRequest::lab() }).await;
    assert_eq!((one.delivered, one.failed), (3, 0), "acks=1 needs the leader alone");

    // Paused, a broker stays a process, is fenced out of the metadata when its
    // heartbeats stop, and leaves every ISR once it lags replica.lag.time.max.ms (10 s
    // here); resumed, it catches up and comes back.
    client.send(&Command::from(Fault::ResetFaults)).await;
    cluster_until(&mut client, None, Duration::from_secs(90), all_in_sync).await;
    client.send(&Command::from(Fault::PauseBroker { broker: 3 })).await;
    cluster_until(&mut client, None, Duration::from_secs(60), |s| {
        let three = s.brokers.iter().find(|b| b.id == 3);
        three.is_some_and(|b| !b.up && b.process == Some(BrokerProcess::Paused))
            && s.isr.len() == 6
            && s.isr.iter().all(|r| !r.contains(&3))
    })
    .await;
    client.send(&Command::from(Fault::ResumeBroker { broker: 3 })).await;
    cluster_until(&mut client, None, Duration::from_secs(90), all_in_sync).await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Apache Kafka: `cargo xtask test` runs it"]
async fn acks_1_loses_acknowledged_messages_when_the_leader_crashes_ahead_of_its_followers_and_acks_all_loses_none() {
    let (_kafka, server, mut client, hello) = own_cluster("acks").await;
    let bootstrap = hello.bootstrap_servers.clone();
    let all_in_sync =
        |s: &ClusterState| s.isr.len() == 6 && s.isr.iter().all(|r| r.len() == 3) && s.brokers.iter().all(|b| b.up);
    let partition = 0;

    // acks=1: the leader acknowledges alone while both followers are frozen; it then
    // crashes, the followers come back, and one of them, which never had those
    // messages, is elected leader. It depends on timing (the run must be acknowledged
    // before the frozen followers are fenced, 9 s), so it is tried up to 3 times, as the
    // page's exercise will be, until it shows.
    let mut seen = None;
    let mut attempts = Vec::new();
    for attempt in 1..=3 {
        if attempt > 1 {
            client.send(&Command::from(Fault::ResetFaults)).await;
        }
        let state = cluster_until(&mut client, seen.take(), Duration::from_secs(90), all_in_sync).await;
        let leader = state.leaders[partition as usize];
        let acks_one = ProducerSettings { acks: Acks::One, message_timeout_ms: 60_000, ..ProducerSettings::default() };
        let tag = format!("a{attempt}");
        let (acked, lost, last) =
            crash_the_leader_ahead_of_its_followers(&mut client, &bootstrap, leader, acks_one, &tag).await;
        seen = Some(last);
        eprintln!("acks=1, attempt {attempt}: {} of {} acknowledged messages lost: {lost:?}", lost.len(), acked.len());
        attempts.push((acked.len(), lost.len()));
        if !lost.is_empty() {
            break;
        }
    }
    assert!(
        attempts.iter().any(|(_, lost)| *lost > 0),
        "acks=1: the acknowledged messages that only the crashed leader had are gone after failover, \
         in one of 3 attempts (acknowledged, lost): {attempts:?}"
    );

    // acks=all, the same faults: nothing is acknowledged while the followers are frozen,
    // the producer retries on the new leader, and every acknowledged message is there.
    client.send(&Command::from(Fault::ResetFaults)).await;
    let state = cluster_until(&mut client, seen, Duration::from_secs(90), all_in_sync).await;
    let leader = state.leaders[partition as usize];
    let acks_all = ProducerSettings {
        enable_idempotence: true,
        max_in_flight: 5,
        message_send_max_retries: 1_000,
        message_timeout_ms: 120_000,
        ..ProducerSettings::default()
    };
    let (acked, lost, _) =
        crash_the_leader_ahead_of_its_followers(&mut client, &bootstrap, leader, acks_all, "b").await;
    assert!(!acked.is_empty(), "acks=all: delivered by the new leader");
    assert!(lost.is_empty(), "acks=all loses no acknowledged message: {lost:?}");
    drop(server);
}

/// Freezes the followers of partition 0's `leader`, sends it 200 messages valued
/// `{tag}-{seq}` with `settings`, crashes the leader, lets the followers go, waits for a
/// new leader, starts the old one again (it truncates its log to the new leader's) and
/// reads the partition back: the acknowledged messages (seq, offset), those of them the
/// partition no longer has, and the last cluster state seen.
async fn crash_the_leader_ahead_of_its_followers(
    client: &mut Client,
    bootstrap: &str,
    leader: i32,
    settings: ProducerSettings,
    tag: &str,
) -> (Vec<(u64, i64)>, Vec<(u64, i64)>, ClusterState) {
    let followers: Vec<i32> = [1, 2, 3].into_iter().filter(|b| *b != leader).collect();
    let request = ProduceRequest {
        count: 200,
        partition: Some(0),
        mode: RunMode::Pipelined,
        value_template: format!("{tag}-{{i}}"),
        settings,
        ..ProduceRequest::lab()
    };
    // One message first, with the same settings: the session's producer is then
    // connected to the leader and knows the partition, and the run below starts at once.
    let warm_up = ProduceRequest { count: 1, value_template: format!("{tag}-warm-up"), ..request.clone() };
    let (warmed, _) = run(client, warm_up).await;
    assert_eq!(warmed.delivered, 1, "the cluster takes a message before the faults");
    for broker in &followers {
        client.send(&Command::from(Fault::PauseBroker { broker: *broker })).await;
    }
    // A follower's last fetch, sent before it froze, waits at the leader for up to
    // replica.fetch.wait.max.ms (500 ms): answered with the run's first messages, they
    // would wait in the frozen follower's socket and reach it when it resumes.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    client.send(&Command::Produce(request)).await;
    // The run, with the followers frozen, until it ends or 7 s have passed: the
    // controller fences a broker whose heartbeats stop for 9 s.
    let mut events = Vec::new();
    let until = Instant::now() + Duration::from_secs(7);
    while let Some(event) = client.try_next_raw_within(until.saturating_duration_since(Instant::now())).await {
        let finished = matches!(event, Event::RunFinished(_));
        events.push(event);
        if finished {
            break;
        }
    }
    client.send(&Command::from(Fault::StopBroker { broker: leader, how: Shutdown::Crash })).await;
    for broker in &followers {
        client.send(&Command::from(Fault::ResumeBroker { broker: *broker })).await;
    }
    let finished = events.iter().any(|e| matches!(e, Event::RunFinished(_)));
    if !finished {
        events.extend(client.until_finished(Duration::from_secs(180)).await);
    }
    let acked: Vec<(u64, i64)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Delivered(d) => Some((d.seq, d.offset.expect("an offset"))),
            _ => None,
        })
        .collect();
    let moved = |s: &ClusterState| s.leaders.first().is_some_and(|l| *l != leader && *l > 0);
    cluster_until(client, last_state(&events), Duration::from_secs(40), moved).await;
    client.send(&Command::from(Fault::StartBroker { broker: leader })).await;
    let back = |s: &ClusterState| s.isr.first().is_some_and(|r| r.len() == 3);
    let seen = cluster_until(client, None, Duration::from_secs(90), back).await;
    let records = common::consume_all(bootstrap, lab::TOPIC, 6, usize::MAX, Duration::from_secs(10));
    let on_partition: std::collections::BTreeMap<i64, String> =
        records.into_iter().filter(|r| r.partition == 0).map(|r| (r.offset, r.value)).collect();
    let lost = acked
        .iter()
        .filter(|(seq, offset)| on_partition.get(offset) != Some(&format!("{tag}-{seq}")))
        .copied()
        .collect();
    (acked, lost, seen)
}

/// A cluster of the test's own (`--local-kafka` in a folder of its own, free ports) and
/// a page connected to its playground: the folder (declared first, dropped last), the
/// server, the page's socket and its hello.
async fn own_cluster(name: &str) -> (KafkaDir, Playground, Client, shared::protocol::Hello) {
    let kafka = KafkaDir::new(name);
    let server =
        Playground::start(&["--local-kafka", kafka.arg(), "--kafka-port", "0", "--static-dir", "/nonexistent"]);
    let mut client = common::connect_to(server.addr).await;
    let Event::Hello(hello) = client.next().await else { panic!("hello first") };
    (kafka, server, client, hello)
}

/// The value of every record of partition 0 whose value starts with `tag`, in offset order.
fn partition_0_values(bootstrap: &str, tag: &str) -> Vec<String> {
    let mut records: Vec<_> = common::consume_all(bootstrap, lab::TOPIC, 6, usize::MAX, Duration::from_secs(10))
        .into_iter()
        .filter(|r| r.partition == 0 && r.value.starts_with(tag))
        .collect();
    records.sort_by_key(|r| r.offset);
    records.into_iter().map(|r| r.value).collect()
}

/// A run of `count` messages valued `{tag}-{i}` to partition 0 with `settings`, after a
/// one-message run with the same settings (the producer is then connected), with
/// `fault` on the partition's leader in between: its totals and the messages' outcomes.
async fn run_through(
    client: &mut Client,
    leader: i32,
    fault: fn(i32) -> Fault,
    count: u32,
    mode: RunMode,
    settings: ProducerSettings,
    tag: &str,
) -> (RunFinished, Vec<u64>) {
    let request = ProduceRequest {
        count,
        partition: Some(0),
        mode,
        value_template: format!("{tag}-{{i}}"),
        headers: Vec::new(),
        settings,
        ..ProduceRequest::lab()
    };
    let warm_up = ProduceRequest { count: 1, value_template: format!("{tag}-warm-up"), ..request.clone() };
    let (warmed, _) = run(client, warm_up).await;
    assert_eq!(warmed.delivered, 1, "{tag}: the cluster takes a message before the fault");
    client.send(&Command::from(fault(leader))).await;
    let (finished, events) = run(client, request).await;
    for event in &events {
        if let Event::Failed(failed) = event {
            eprintln!("{tag}: message {} failed: {:?} {}", failed.seq, failed.error, failed.message);
        }
    }
    (finished, common::outcome_seqs(&events))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Apache Kafka: `cargo xtask test` runs it"]
async fn a_lost_produce_response_writes_a_duplicate_and_a_lost_request_reorders_unless_the_producer_is_idempotent() {
    let (_kafka, server, mut client, hello) = own_cluster("lost").await;
    let bootstrap = hello.bootstrap_servers.clone();
    let all_in_sync = |s: &ClusterState| s.isr.len() == 6 && s.isr.iter().all(|r| r.len() == 3);
    let state = cluster_until(&mut client, None, Duration::from_secs(90), all_in_sync).await;
    let leader = state.leaders[0];
    // The proxy closes the connection after what it lost: the producer retries at once.
    let quick = |idempotent: bool| ProducerSettings {
        enable_idempotence: idempotent,
        max_in_flight: 5,
        retry_backoff_ms: 100,
        retry_backoff_max_ms: 100,
        message_timeout_ms: 60_000,
        linger_ms: 0,
        ..ProducerSettings::default()
    };
    let lose_response = |broker| Fault::LoseProduceResponses { broker, count: 1 };
    let lose_request = |broker| Fault::LoseProduceRequests { broker, count: 1 };

    // The broker wrote message 1; its response was lost with the connection; the
    // producer retried.
    for idempotent in [false, true] {
        let tag = format!("response-idempotent-{idempotent}");
        let (finished, outcomes) =
            run_through(&mut client, leader, lose_response, 5, RunMode::Sync, quick(idempotent), &tag).await;
        assert_eq!((finished.delivered, finished.failed), (5, 0), "{tag}: every message delivered once");
        assert_eq!(outcomes, [1, 2, 3, 4, 5], "{tag}: one outcome each");
        let values = partition_0_values(&bootstrap, &format!("{tag}-"));
        let written: Vec<&str> = values.iter().map(String::as_str).filter(|v| !v.ends_with("warm-up")).collect();
        eprintln!("lost response, idempotence {idempotent}: partition 0 holds {written:?}");
        let expected: Vec<String> = if idempotent {
            (1..=5).map(|i| format!("{tag}-{i}")).collect()
        } else {
            // Written, then written again by the retry.
            [1, 1, 2, 3, 4, 5].iter().map(|i| format!("{tag}-{i}")).collect()
        };
        assert_eq!(written, expected, "{tag}");
    }

    // Several requests in flight, one message each: the first is lost before the broker
    // sees it; those behind it are written; its retry comes after them.
    for idempotent in [false, true] {
        let tag = format!("request-idempotent-{idempotent}");
        let settings = ProducerSettings { batch_num_messages: 1, ..quick(idempotent) };
        let (finished, outcomes) =
            run_through(&mut client, leader, lose_request, 20, RunMode::Pipelined, settings, &tag).await;
        assert_eq!((finished.delivered, finished.failed), (20, 0), "{tag}: every message delivered");
        assert_eq!(outcomes.len(), 20, "{tag}: one outcome each");
        let values = partition_0_values(&bootstrap, &format!("{tag}-"));
        let order: Vec<u64> = values.iter().filter_map(|v| v.rsplit('-').next()?.parse().ok()).collect();
        eprintln!("lost request, idempotence {idempotent}: partition 0 holds messages {order:?}");
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=20).collect::<Vec<_>>(), "{tag}: each message once");
        if idempotent {
            assert_eq!(order, sorted, "{tag}: in the order sent");
        } else {
            assert_ne!(order, sorted, "{tag}: the lost request's retry lands behind the requests sent after it");
        }
    }
    drop(server);
}
