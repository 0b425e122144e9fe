//! The first slice end to end: a page's WebSocket asks for the lab's 10 orders, the
//! server produces them to the embedded cluster, and a consumer finds them there.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::{TestServer, consume_all};
use shared::lab;
use shared::protocol::{ClusterMode, Command, Event, Health, ProduceRequest};

#[tokio::test(flavor = "multi_thread")]
async fn ten_lab_orders_are_delivered_and_found_where_reported() {
    let server = TestServer::start().await;
    let mut client = server.connect().await;

    let Event::Hello(hello) = client.next().await else { panic!("hello first") };
    assert_eq!(hello.mode, ClusterMode::Embedded);
    assert_eq!(hello.bootstrap_servers, server.bootstrap);
    assert_eq!(hello.brokers.len(), 3);
    assert!(hello.topics.iter().any(|t| t.name == lab::TOPIC && t.partitions == 6));
    let Event::Cluster(cluster) = client.next().await else { panic!("cluster state after hello") };
    assert!(cluster.faults == Some(shared::protocol::FaultKind::Mock) && cluster.brokers.iter().all(|b| b.up));

    client.send(&Command::Produce(ProduceRequest::lab())).await;
    let events = client.until_finished(Duration::from_secs(30)).await;

    assert!(matches!(events[0], Event::RunStarted { run: 1, count: 10, .. }), "{:?}", events[0]);
    let delivered: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Delivered(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(delivered.len(), 10, "{events:#?}");
    assert_eq!(delivered.iter().map(|d| d.seq).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    assert!(!events.iter().any(|e| matches!(e, Event::Failed(_) | Event::Error(_))));
    let Some(Event::RunFinished(finished)) = events.last() else { unreachable!() };
    assert_eq!((finished.sent, finished.delivered, finished.failed), (10, 10, 0));
    assert_eq!(events.iter().filter(|e| matches!(e, Event::RunFinished(_))).count(), 1);

    let records = consume_all(&server.bootstrap, lab::TOPIC, lab::PARTITIONS, 10, Duration::from_secs(20));
    assert_eq!(records.len(), 10, "read back {records:#?}");
    let mut correlation_ids = HashSet::new();
    for d in &delivered {
        let order = format!("ORD-{:04}", d.seq);
        let record = records
            .iter()
            .find(|r| r.value.contains(&format!("\"orderId\": \"{order}\"")))
            .unwrap_or_else(|| panic!("{order} not read back"));
        assert_eq!((record.partition, Some(record.offset)), (d.partition, d.offset), "{order}");
        assert_eq!(record.key, None, "the lab's messages have no key");
        assert!(d.latency_us > 0);
        let value: serde_json::Value = serde_json::from_str(&record.value).expect("value is JSON");
        // The lab's order: amount 100 + 10 i.
        assert_eq!(value["amount"], 100 + 10 * d.seq, "{value}");
        assert!(value["timestamp"].is_string(), "{value}");
        let header = |name: &str| {
            record
                .headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{order}: no {name} header"))
        };
        let id = header(lab::HEADER_CORRELATION_ID);
        assert_eq!(id.len(), 36, "{id} is a UUID");
        assert!(correlation_ids.insert(id), "correlation ids are fresh per message");
        assert_eq!(header(lab::HEADER_SOURCE), lab::SOURCE);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_reports_the_embedded_cluster() {
    let server = TestServer::start().await;
    let health: Health = http_get_json(&server.url("/api/health")).await;
    assert_eq!(health.status, "ok");
    assert_eq!(health.mode, ClusterMode::Embedded);
    assert_eq!(health.bootstrap_servers, server.bootstrap);
    assert_eq!(health.brokers.len(), 3);
    assert_eq!(health.topics.iter().find(|t| t.name == lab::TOPIC).map(|t| t.partitions), Some(6));

    let page = http_get(&server.url("/")).await;
    assert!(page.contains("cargo xtask run"), "unbuilt page says how to build: {page}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_commands_get_an_error_and_the_connection_stays_usable() {
    let server = TestServer::start().await;
    let mut client = server.connect().await;
    let _hello = client.next().await;
    let _cluster = client.next().await;

    for bad in [
        "not json",
        r#"{"type":"format_disk"}"#,
        r#"{"type":"produce","topic":"orders.created","count":1,"value_template":"x","settings":{"plugin.library.paths":"/tmp/evil.so"}}"#,
    ] {
        client.send_text(bad).await;
        let Event::Error(e) = client.next().await else { panic!("{bad}: error expected") };
        assert!(e.message.starts_with("could not read the command"), "{bad}: {}", e.message);
    }
    let mut request = ProduceRequest::lab();
    request.count = 0;
    request.value_template = "{\"id\": \"{order}\"}".into();
    client.send(&Command::Produce(request)).await;
    let Event::Error(e) = client.next().await else { panic!("error expected") };
    let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["count", "value_template"]);
    assert!(e.message.contains("unknown placeholder {order}"), "{}", e.message);

    let mut request = ProduceRequest::lab();
    request.count = 2;
    client.send(&Command::Produce(request)).await;
    let events = client.until_finished(Duration::from_secs(30)).await;
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Delivered(_))).count(), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_ends_a_run_early_with_every_sent_message_accounted_for() {
    let server = TestServer::start().await;
    let mut client = server.connect().await;
    let _hello = client.next().await;
    let _cluster = client.next().await;
    let mut request = ProduceRequest::lab();
    request.count = 100_000;
    client.send(&Command::Produce(request)).await;
    assert!(matches!(client.next().await, Event::RunStarted { .. }));
    assert!(matches!(client.next().await, Event::Delivered(_)));
    client.send(&Command::Stop).await;
    let events = client.until_finished(Duration::from_secs(30)).await;
    let Some(Event::RunFinished(f)) = events.last() else { unreachable!() };
    assert!(f.stopped);
    assert!(f.sent < 100_000, "stopped early, sent {}", f.sent);
    assert_eq!(f.sent, f.delivered + f.failed);
    let outcomes = 1 + events.iter().filter(|e| matches!(e, Event::Delivered(_) | Event::Failed(_))).count();
    assert_eq!(outcomes as u64, f.sent, "one outcome per message sent");
    server.stop().await;
}

async fn http_get(url: &str) -> String {
    let url = url.strip_prefix("http://").unwrap();
    let (host, path) = url.split_at(url.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

async fn http_get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let body = http_get(url).await;
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_class_asking_for_health_at_once_is_answered_in_turns() {
    let server = TestServer::start().await;
    let url = server.url("/api/health");
    // More than the 8 metadata requests the server runs at once: the rest wait, none fail.
    let asks: Vec<_> = (0..30)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { http_get_json::<Health>(&url).await })
        })
        .collect();
    for ask in asks {
        let health = ask.await.unwrap();
        assert_eq!(health.status, "ok");
        assert_eq!(health.brokers.len(), 3);
    }
    server.stop().await;
}
