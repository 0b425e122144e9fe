//! The producer engine against the embedded cluster, over real TCP and a real WebSocket:
//! settings, modes, faults, the verify step, and a page that stops reading.

use crate::common;
use rusty_fork::rusty_fork_test;

use std::collections::HashSet;
use std::time::Duration;

use crate::common::{Client, TestServer};
use shared::lab;
use shared::problem::{Lang, Problem};
use shared::protocol::{
    CIRCUIT_OPEN, CircuitBreaker, CircuitState, Command, Event, Failed, Fault, ProduceError, ProduceRequest, Records,
    RunFinished, RunMode, RunStats,
};
use shared::settings::{Acks, Preset, ProducerSettings};

/// Runs `request` and returns its events up to `run_finished`, batches unpacked.
async fn run(client: &mut Client, request: ProduceRequest) -> (Vec<Event>, RunFinished) {
    client.send(&Command::Produce(request)).await;
    let events = client.until_finished(Duration::from_secs(60)).await;
    let Some(Event::RunFinished(finished)) = events.last().cloned() else { unreachable!() };
    (events, finished)
}

async fn connected(server: &TestServer) -> Client {
    let mut client = server.connect().await;
    assert!(matches!(client.next().await, Event::Hello(_)));
    assert!(matches!(client.next().await, Event::Cluster(_)));
    client
}

async fn read_back(client: &mut Client, topic: &str) -> Records {
    client.send(&Command::Consume { topic: topic.into(), max: 10_000, from: Default::default(), tag: None }).await;
    loop {
        match client.next().await {
            Event::Records(records) => return records,
            Event::Error(e) => panic!("consume failed: {}", e.message),
            _ => continue,
        }
    }
}

fn failures(events: &[Event]) -> Vec<Failed> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Failed(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_sync_messages_read_back_with_keys_and_headers_and_one_key_one_partition() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    let request = ProduceRequest { key_template: Some("customer-42".into()), ..ProduceRequest::lab() };
    let (events, finished) = run(&mut client, request).await;
    assert_eq!((finished.sent, finished.delivered, finished.failed), (10, 10, 0));
    let partitions: HashSet<i32> = events
        .iter()
        .filter_map(|e| match e {
            Event::Delivered(d) => Some(d.partition),
            _ => None,
        })
        .collect();
    assert_eq!(partitions.len(), 1, "one key, one partition: {partitions:?}");

    let records = read_back(&mut client, lab::TOPIC).await;
    assert_eq!(records.records.len(), 10);
    // One record by its partition and offset, as the delivery table's details ask.
    let Some(Event::Delivered(third)) = events.iter().filter(|e| matches!(e, Event::Delivered(_))).nth(2).cloned()
    else {
        unreachable!()
    };
    client
        .send(&Command::Fetch { topic: lab::TOPIC.into(), partition: third.partition, offset: third.offset.unwrap() })
        .await;
    let Event::Records(one) = client.next().await else { panic!("records") };
    assert_eq!(one.records.len(), 1);
    assert!(one.records[0].value.as_deref().unwrap().contains("ORD-0003"));
    for (n, record) in records.records.iter().enumerate() {
        assert_eq!(record.key.as_deref(), Some("customer-42"));
        assert!(partitions.contains(&record.partition));
        assert!(record.value.as_deref().unwrap().contains(&format!("ORD-{:04}", n + 1)), "in order");
        let names: Vec<_> = record.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["correlation-id", "source"]);
        // Read back, the topic holds the producer's CreateTime.
        assert_eq!(record.timestamp_type.as_deref(), Some("create_time"));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn all_brokers_down_fails_each_message_once_then_a_new_run_delivers() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    client.send(&Command::from(Fault::BrokerDown { broker: None })).await;
    let Event::Cluster(state) = client.next().await else { panic!("cluster state after a fault") };
    assert!(state.brokers.iter().all(|b| !b.up));

    let settings = ProducerSettings { message_timeout_ms: 2000, ..ProducerSettings::default() };
    let request =
        ProduceRequest { count: 20, settings: settings.clone(), mode: RunMode::Pipelined, ..ProduceRequest::lab() };
    let clicked = std::time::Instant::now();
    let (events, finished) = run(&mut client, request).await;
    assert_eq!((finished.sent, finished.delivered, finished.failed), (20, 0, 20));
    // Sent at once, failed after message.timeout.ms: no metadata request waits out its
    // own timeouts first (5 s, then 2 s) on a cluster whose brokers are all down.
    let took = clicked.elapsed();
    eprintln!("20 messages, every broker down, message.timeout.ms 2000: the run ended {took:?} after the send");
    assert!(took < Duration::from_millis(2_000 + 3_000), "{took:?}");
    let failed = failures(&events);
    let seqs: HashSet<u64> = failed.iter().map(|f| f.seq).collect();
    assert_eq!(seqs.len(), 20, "exactly one outcome per message");
    for f in &failed {
        assert_eq!(f.error, "MessageTimedOut", "{f:?}");
        assert!(f.retriable);
        // No broker was ever reached: librdkafka knows it was not written.
        assert_eq!(f.persistence, shared::protocol::Persistence::NotPersisted, "{f:?}");
    }

    client.send(&Command::from(Fault::BrokerUp { broker: None })).await;
    let Event::Cluster(state) = client.next().await else { panic!("cluster state after a fault") };
    assert!(state.brokers.iter().all(|b| b.up));
    let request = ProduceRequest {
        count: 5,
        settings: ProducerSettings { message_timeout_ms: 20_000, ..settings },
        ..ProduceRequest::lab()
    };
    let (_, finished) = run(&mut client, request).await;
    assert_eq!((finished.sent, finished.delivered, finished.failed), (5, 5, 0));
    server.stop().await;
}

/// Sends 200 messages with one key (so one partition, where order is defined) through 3
/// injected NOT_ENOUGH_REPLICAS, and returns the order numbers read back. Brokers answer
/// after 50 ms, so that many batches are in flight when the first error comes back.
async fn through_injected_errors(settings: ProducerSettings) -> (RunFinished, Vec<u64>) {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    client.send(&Command::from(Fault::SetRoundTripTime { broker: None, ms: 50 })).await;
    assert!(matches!(client.next().await, Event::Cluster(s) if s.brokers.iter().all(|b| b.rtt_ms == 50)));
    client.send(&Command::from(Fault::InjectErrors { error: ProduceError::NotEnoughReplicas, count: 3 })).await;
    assert!(
        matches!(client.next().await, Event::Cluster(s) if s.injected == Some((ProduceError::NotEnoughReplicas, 3)))
    );
    let request = ProduceRequest {
        count: 200,
        settings,
        key_template: Some("one-key".into()),
        value_template: "{i}".into(),
        mode: RunMode::Pipelined,
        ..ProduceRequest::lab()
    };
    let (_, finished) = run(&mut client, request).await;
    let records = read_back(&mut client, lab::TOPIC).await;
    let order = records.records.iter().map(|r| r.value.as_deref().unwrap().parse().unwrap()).collect();
    server.stop().await;
    (finished, order)
}

#[tokio::test(flavor = "multi_thread")]
async fn idempotence_delivers_each_message_once_in_order_through_retriable_errors() {
    let settings = ProducerSettings { linger_ms: 1, batch_num_messages: 10, ..Preset::Idempotent.settings() };
    let (finished, order) = through_injected_errors(settings).await;
    assert_eq!((finished.delivered, finished.failed), (200, 0));
    assert_eq!(order, (1..=200).collect::<Vec<u64>>(), "read back: once each, in order");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_idempotence_the_same_errors_reorder_the_partition() {
    let settings = ProducerSettings { linger_ms: 1, batch_num_messages: 10, ..ProducerSettings::default() };
    let (finished, order) = through_injected_errors(settings).await;
    assert_eq!((finished.delivered, finished.failed), (200, 0));
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=200).collect::<Vec<u64>>(), "every message is there once: the mock refuses before writing");
    assert_ne!(order, sorted, "retried batches land after later ones: {order:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn acks_zero_delivers_without_offsets() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    let settings = ProducerSettings { acks: Acks::Zero, ..ProducerSettings::default() };
    let (events, finished) = run(&mut client, ProduceRequest { count: 5, settings, ..ProduceRequest::lab() }).await;
    assert_eq!(finished.delivered, 5);
    for e in &events {
        if let Event::Delivered(d) = e {
            assert_eq!(d.offset, None, "acks=0 has no offset: {d:?}");
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unsafe_or_out_of_bounds_settings_are_refused_and_the_connection_stays_usable() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    let expect_error = |event: Event| match event {
        Event::Error(e) => e,
        other => panic!("error expected, got {other:?}"),
    };

    let settings =
        ProducerSettings { acks: Acks::One, enable_idempotence: true, max_in_flight: 5, ..ProducerSettings::default() };
    client.send(&Command::Produce(ProduceRequest { settings, ..ProduceRequest::lab() })).await;
    let e = expect_error(client.next().await);
    assert_eq!(e.fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["acks"]);

    let settings = ProducerSettings { linger_ms: 1_000_000, ..ProducerSettings::default() };
    client.send(&Command::Produce(ProduceRequest { settings, ..ProduceRequest::lab() })).await;
    assert!(expect_error(client.next().await).message.contains("linger.ms must be between 0 and 900000"));

    for raw in ["plugin.library.paths", "bootstrap.servers", "ssl.key.location", "queue.buffering.max.kbytes"] {
        let json = format!(
            r#"{{"type":"produce","topic":"orders.created","count":1,"value_template":"x","settings":{{"{raw}":"/tmp/x"}}}}"#
        );
        client.send_text(&json).await;
        let e = expect_error(client.next().await);
        assert!(e.message.contains(raw), "{raw}: {}", e.message);
    }
    client.send(&Command::from(Fault::BrokerDown { broker: Some(7) })).await;
    let e = expect_error(client.next().await);
    assert!(e.message.contains("there is no broker 7"));
    // The page words it in the trainee's language from the code, not from the English.
    assert_eq!(e.problem, Problem::NoSuchBroker { id: 7, max: 3 });
    assert!(e.problem.text(Lang::Fr).contains("il n'y a pas de broker 7"));

    // Producing never creates a topic; reading checks its arguments.
    client.send(&Command::Produce(ProduceRequest { topic: "orders.typo".into(), ..ProduceRequest::lab() })).await;
    let e = expect_error(client.next().await);
    assert!(e.message.contains("topic orders.typo does not exist"), "{}", e.message);
    assert!(matches!(&e.problem, Problem::UnknownTopic { topic, .. } if topic == "orders.typo"), "{:?}", e.problem);
    client.send(&Command::Fetch { topic: lab::TOPIC.into(), partition: -1, offset: 0 }).await;
    assert!(expect_error(client.next().await).message.contains("partition must be 0 or more"));
    client
        .send(&Command::Consume { topic: "bad topic\u{0}".into(), max: 1, from: Default::default(), tag: None })
        .await;
    assert!(expect_error(client.next().await).message.contains("a topic name is"));

    let (_, finished) = run(&mut client, ProduceRequest { count: 2, ..ProduceRequest::lab() }).await;
    assert_eq!(finished.delivered, 2, "still usable");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_compression_type_delivers() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    for compression in shared::settings::Compression::ALL {
        let settings = ProducerSettings { compression_type: compression, ..ProducerSettings::default() };
        let request = ProduceRequest { count: 20, settings, mode: RunMode::Pipelined, ..ProduceRequest::lab() };
        let (_, finished) = run(&mut client, request).await;
        assert_eq!(finished.delivered, 20, "{compression:?}");
    }
    assert_eq!(read_back(&mut client, lab::TOPIC).await.records.len(), 100);
    server.stop().await;
}

// It measures the server's resident memory, from /proc: alone in a process of its own.
rusty_fork_test! {
    #[test]
    fn a_page_that_stops_reading_a_million_message_run_costs_the_server_nothing() {
        common::block_on(stop_reading_a_long_run());
    }
}

async fn stop_reading_a_long_run() {
    const COUNT: u32 = 1_000_000;
    let server = TestServer::start().await;
    let mut client = server.connect_with_small_buffer().await;
    assert!(matches!(client.next().await, Event::Hello(_)));
    let request = ProduceRequest {
        count: COUNT,
        settings: ProducerSettings { linger_ms: 5, ..ProducerSettings::default() },
        key_template: None,
        // About 100 bytes, like the benchmark's messages.
        value_template: format!("{{i:08}} {}", "x".repeat(91)),
        headers: Vec::new(),
        mode: RunMode::Pipelined,
        ..ProduceRequest::lab()
    };
    client.send(&Command::Produce(request)).await;

    // The page reads nothing while the run goes on.
    let rss_before = common::rss_bytes();
    let mut peak_rss = rss_before;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak_rss = peak_rss.max(common::rss_bytes());
    }
    let growth_mb = (peak_rss.saturating_sub(rss_before)) / 1_000_000;
    eprintln!("page not reading: server memory grew {growth_mb} MB");
    assert!(growth_mb < 300, "server memory grew by {growth_mb} MB while the page did not read");

    // Now it reads: the totals are exact, the details capped.
    let mut details = 0u64;
    let mut last_stats = None;
    let finished = loop {
        match client.next_raw_within(Duration::from_secs(120)).await {
            Event::Delivered(_) | Event::Failed(_) => details += 1,
            Event::Stats(s) => last_stats = Some(s),
            Event::RunFinished(f) => break f,
            _ => {}
        }
    };
    assert_eq!(finished.sent, u64::from(COUNT));
    assert_eq!(finished.sent, finished.delivered + finished.failed);
    let stats = last_stats.expect("stats");
    assert_eq!(stats.delivered + stats.failed, u64::from(COUNT));
    assert_eq!(details + stats.details_skipped, u64::from(COUNT), "every detail sent or counted as skipped");
    let cap = playground::run::reports::DETAIL_CAP + u64::from(COUNT) / playground::run::reports::DETAIL_SAMPLE_EVERY;
    assert!(details <= cap, "{details} details sent, cap {cap}");
    eprintln!("then reading: {details} details received, {} skipped, exact totals", stats.details_skipped);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paced_run_keeps_its_rate_and_shows_librdkafkas_broker_figures() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    let request = ProduceRequest { count: 50, rate: Some(20), ..ProduceRequest::lab() };
    let (events, finished) = run(&mut client, request).await;
    assert_eq!(finished.delivered, 50);
    // 50 messages at 20 per second cannot take less than 49/20 s.
    assert!(finished.elapsed_ms >= 2450, "paced run took {} ms", finished.elapsed_ms);
    let producer_stats: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::ProducerStats(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let last = producer_stats.last().expect("librdkafka statistics arrive every second");
    assert!(last.producer.starts_with("dotnet-basic-producer#producer-"), "{}", last.producer);
    assert_eq!(last.brokers.iter().map(|b| b.id).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(last.brokers.iter().any(|b| b.state == "UP" && b.rtt_avg_us > 0), "{last:?}");
    let stats: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Stats(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(stats.len() >= 10, "stats about every 50 ms over 2.5 s, got {}", stats.len());
    let last = stats.last().unwrap();
    assert_eq!((last.sent, last.delivered, last.in_flight), (50, 50, 0));
    assert_eq!(last.per_partition.iter().sum::<u64>(), 50);
    assert!(last.p50_us > 0 && last.p50_us <= last.p95_us && last.p95_us <= last.p99_us && last.p99_us <= last.max_us);
    server.stop().await;
}

/// The last `stats` event of a run.
fn last_stats(events: &[Event]) -> RunStats {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Stats(s) => Some(s.clone()),
            _ => None,
        })
        .expect("stats")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paced_run_that_falls_behind_shows_it_in_the_latency_from_the_intended_send_time() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    // On time: 20 messages at 20 msgs/s, pipelined, on brokers that answer at once. The
    // latency from the intended send time is the latency from the send.
    let on_time = ProduceRequest { count: 20, rate: Some(20), mode: RunMode::Pipelined, ..ProduceRequest::lab() };
    let (events, _) = run(&mut client, on_time).await;
    let stats = last_stats(&events);
    let intended = stats.from_intended.expect("a paced run measures from the intended send times");
    assert!(intended.p99_us < stats.p99_us + 20_000, "on schedule, alike: {intended:?} against {stats:?}");
    // Behind: the lab's sync loop at 20 msgs/s on brokers that answer 150 ms later. Each
    // message still takes about 150 ms from its send, but each is sent later than the
    // one before was due: by the 20th, about 1.9 s late.
    client.send(&Command::from(Fault::SetRoundTripTime { broker: None, ms: 150 })).await;
    assert!(matches!(client.next().await, Event::Cluster(s) if s.brokers.iter().all(|b| b.rtt_ms == 150)));
    let behind = ProduceRequest { count: 20, rate: Some(20), mode: RunMode::Sync, ..ProduceRequest::lab() };
    let (events, finished) = run(&mut client, behind).await;
    assert_eq!(finished.delivered, 20);
    let stats = last_stats(&events);
    let intended = stats.from_intended.expect("paced");
    eprintln!(
        "sync at 20 msgs/s, 150 ms brokers: from the send p99 {} µs, from the intended time {intended:?}",
        stats.p99_us
    );
    assert!(stats.p99_us < 600_000, "from the send, each takes about the broker's delay: {}", stats.p99_us);
    assert!(intended.p99_us > 1_500_000, "from the intended time the stall shows: {intended:?}");
    assert!(intended.p50_us > 3 * stats.p50_us, "{intended:?} against p50 {}", stats.p50_us);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_an_external_cluster_faults_are_refused_and_runs_work() {
    // Another process's cluster, as far as this server knows: it gets only the address.
    let other = playground::cluster::Cluster::embedded().unwrap();
    let external = playground::cluster::Cluster::external(other.bootstrap_servers().to_owned()).unwrap();
    let server = TestServer::serve(external, "/nonexistent".into()).await;
    let mut client = server.connect().await;
    let Event::Hello(hello) = client.next().await else { panic!("hello first") };
    assert_eq!(hello.mode, shared::protocol::ClusterMode::External);
    let Event::Cluster(state) = client.next().await else { panic!("cluster state") };
    assert_eq!(state.faults, None);

    client.send(&Command::from(Fault::BrokerDown { broker: None })).await;
    // The external cluster's brokers, read from its metadata, may come in first.
    let e = loop {
        match client.next().await {
            Event::Error(e) => break e,
            Event::Cluster(_) => continue,
            other => panic!("error expected, got {other:?}"),
        }
    };
    assert!(e.message.contains("only available on the embedded cluster"), "{}", e.message);

    let (_, finished) = run(&mut client, ProduceRequest::lab()).await;
    assert_eq!(finished.delivered, 10);
    assert_eq!(read_back(&mut client, lab::TOPIC).await.records.len(), 10);
    server.stop().await;
    drop(other);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_partition_preview_predicts_what_librdkafka_does_for_every_keyed_partitioner() {
    use shared::settings::Partitioner;
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    for partitioner in Partitioner::ALL.into_iter().filter(|p| *p != Partitioner::Random) {
        let settings = ProducerSettings { partitioner, ..ProducerSettings::default() };
        let key_template = Some(shared::lab::KEY_TEMPLATE.to_owned());
        let request =
            ProduceRequest { count: 30, settings, key_template, mode: RunMode::Pipelined, ..ProduceRequest::lab() };
        let (events, finished) = run(&mut client, request).await;
        assert_eq!(finished.delivered, 30);
        for e in &events {
            if let Event::Delivered(d) = e {
                let key = d.key.as_deref().unwrap();
                let predicted = shared::partitioner::predict(partitioner, Some(key.as_bytes()), 6);
                assert_eq!(predicted, Some(d.partition as u32), "{partitioner:?} {key}");
            }
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_leaves_mid_run_releases_its_producer_without_waiting_for_the_timeout() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    client.send(&Command::from(Fault::BrokerDown { broker: None })).await;
    assert!(matches!(client.next().await, Event::Cluster(_)));
    let settings = ProducerSettings { message_timeout_ms: 120_000, ..ProducerSettings::default() };
    let request = ProduceRequest { count: 5, settings, mode: RunMode::Pipelined, ..ProduceRequest::lab() };
    client.send(&Command::Produce(request)).await;
    assert!(matches!(client.next().await, Event::RunStarted { .. }));
    // A page closed for good says goodbye (a dropped one is waited for: see class.rs).
    client.close().await;
    // The messages would wait 120 s for the brokers; the closing session waits 10 s,
    // then purges them, and its run, producer and queue are gone.
    common::eventually("the session closed", Duration::from_secs(30), async || {
        (server.sessions().await == 0).then_some(())
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_keeps_its_producer_until_the_settings_change() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    // Each run lasts over a second, so librdkafka reports its statistics during it.
    let paced =
        |settings: ProducerSettings| ProduceRequest { count: 30, rate: Some(20), settings, ..ProduceRequest::lab() };
    let producer_of = |events: &[Event]| {
        events
            .iter()
            .rev()
            .find_map(|e| match e {
                Event::ProducerStats(s) => Some(s.producer.clone()),
                _ => None,
            })
            .expect("statistics during the run")
    };
    let (first, _) = run(&mut client, paced(ProducerSettings::default())).await;
    let (second, _) = run(&mut client, paced(ProducerSettings::default())).await;
    assert_eq!(producer_of(&first), producer_of(&second), "same settings, same producer");
    let (third, _) = run(&mut client, paced(ProducerSettings { linger_ms: 1, ..ProducerSettings::default() })).await;
    assert_ne!(producer_of(&second), producer_of(&third), "new settings, new producer");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verify_from_given_offsets_reads_only_what_came_after_and_names_its_question() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    let (first, _) =
        run(&mut client, ProduceRequest { key_template: Some("same".into()), ..ProduceRequest::lab() }).await;
    let partition = first
        .iter()
        .find_map(|e| match e {
            Event::Delivered(d) => Some(d.partition),
            _ => None,
        })
        .unwrap();
    let (second, _) =
        run(&mut client, ProduceRequest { count: 3, key_template: Some("same".into()), ..ProduceRequest::lab() }).await;
    let start = second
        .iter()
        .find_map(|e| match e {
            Event::Delivered(d) => d.offset,
            _ => None,
        })
        .unwrap();
    assert_eq!(start, 10, "the second run follows the first in the same partition");
    let from = vec![shared::protocol::StartAt { partition, offset: start, until: Some(start + 2) }];
    client.send(&Command::Consume { topic: lab::TOPIC.into(), max: 100, from, tag: Some("exercise-2".into()) }).await;
    let records = loop {
        match client.next().await {
            Event::Records(r) => break r,
            Event::Error(e) => panic!("{}", e.message),
            _ => {}
        }
    };
    assert_eq!(records.tag.as_deref(), Some("exercise-2"));
    let offsets: Vec<i64> = records.records.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, [10, 11], "only the second run's messages, up to the asked end");
}

/// Every event of a run, circuit changes and failures included.
fn circuit_changes(events: &[Event]) -> Vec<CircuitState> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Circuit(c) => Some(c.state),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_circuit_opens_on_failures_in_a_row_fails_fast_then_closes_when_the_brokers_return() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    client.send(&Command::from(Fault::BrokerDown { broker: None })).await;
    let breaker = CircuitBreaker { failure_threshold: 2, open_ms: 1000 };
    let settings = ProducerSettings { message_timeout_ms: 1000, ..ProducerSettings::default() };
    // 10 messages a second: two time out (1 s each), the circuit opens and the next ones
    // fail at once; the brokers come back, librdkafka reconnects, a trial delivers (a
    // failed trial opens it again for another second), the circuit closes; then Stop.
    let request = ProduceRequest {
        count: 150,
        rate: Some(10),
        settings,
        circuit_breaker: Some(breaker),
        ..ProduceRequest::lab()
    };
    client.send(&Command::Produce(request)).await;
    let mut events = Vec::new();
    let mut brought_up = false;
    let finished = loop {
        let event = client.next().await;
        if let Event::Circuit(c) = &event
            && c.state == CircuitState::HalfOpen
            && !brought_up
        {
            // The first trial fails (brokers still down); bring them up for the next one.
            client.send(&Command::from(Fault::BrokerUp { broker: None })).await;
            brought_up = true;
        }
        if let Event::Circuit(c) = &event
            && c.state == CircuitState::Closed
        {
            client.send(&Command::Stop).await;
        }
        match event {
            Event::RunFinished(f) => break f,
            Event::Batch { events: batch } => events.extend(batch),
            other => events.push(other),
        }
    };
    let finished = events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::RunFinished(f) => Some(f.clone()),
            _ => None,
        })
        .unwrap_or(finished);
    let states = circuit_changes(&events);
    assert_eq!(states.first(), Some(&CircuitState::Open), "{states:?}");
    assert!(states.contains(&CircuitState::HalfOpen), "{states:?}");
    assert_eq!(states.last(), Some(&CircuitState::Closed), "closed once a trial delivered: {states:?}");
    let failed = failures(&events);
    let fast: Vec<&Failed> = failed.iter().filter(|f| f.error == CIRCUIT_OPEN).collect();
    assert!(!fast.is_empty(), "an open circuit fails messages without sending them");
    assert!(
        fast.iter().all(|f| f.latency_us == 0 && !matches!(f.persistence, shared::protocol::Persistence::Persisted))
    );
    let timed_out = failed.iter().filter(|f| f.error == "MessageTimedOut").count();
    assert!(timed_out >= 2, "the threshold's failures are real timeouts: {timed_out}");
    assert!(finished.delivered > 0, "after closing, messages are delivered again");
    assert_eq!(finished.sent, finished.delivered + finished.failed, "one outcome per message");
    assert!(finished.stopped && finished.sent < 150, "stopped once closed: {finished:?}");
    let closed_at = events.iter().rev().find_map(|e| match e {
        Event::Circuit(c) if c.state == CircuitState::Closed => Some(c.at_ms),
        _ => None,
    });
    eprintln!("circuit: {states:?}, closed at {closed_at:?} ms, {} failed fast, {timed_out} timed out", fast.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn read_backs_at_once_all_answer_and_each_stops_at_its_byte_cap() {
    let server = TestServer::start().await;
    let mut client = connected(&server).await;
    // 80 messages of 60 KB: 4.8 MB, more than one answer carries.
    let request = ProduceRequest {
        count: 80,
        value_template: "x".repeat(60_000),
        mode: RunMode::Pipelined,
        ..ProduceRequest::lab()
    };
    let (_, finished) = run(&mut client, request).await;
    assert_eq!(finished.delivered, 80);
    // A class pressing Verify together: every read-back is answered, in its turn.
    for n in 0..8 {
        let tag = Some(format!("verify-{n}"));
        client.send(&Command::Consume { topic: lab::TOPIC.into(), max: 10_000, from: Vec::new(), tag }).await;
    }
    let mut answered = HashSet::new();
    while answered.len() < 8 {
        match client.next_within(Duration::from_secs(60)).await {
            Event::Records(records) => {
                let bytes: usize = records.records.iter().map(|r| r.value.as_ref().map_or(0, String::len)).sum();
                assert!(records.truncated, "4.8 MB of records is over one answer's cap");
                assert!(bytes <= playground::cluster::RECORDS_BYTES + 200_000, "{bytes} bytes in one answer");
                assert!(records.records.len() < 80);
                answered.insert(records.tag.unwrap());
            }
            Event::Error(e) => panic!("{}", e.message),
            _ => continue,
        }
    }
    server.stop().await;
}
