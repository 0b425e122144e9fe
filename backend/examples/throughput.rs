//! Pipelined throughput on one embedded cluster, in one process: raw rdkafka (a
//! `ThreadedProducer` with a delivery callback that only counts) against the playground
//! end to end (a WebSocket client's `produce` to its `run_finished`).
//!
//! `cargo run --release -p playground --example throughput [COUNT]`. A first look, not
//! the benchmark suite: it prints the ratio of the two in this run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use playground::cluster::Cluster;
use playground::http::Server;
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use shared::protocol::{Command, Event, ProduceRequest, RunMode};
use shared::settings::ProducerSettings;
use tokio_tungstenite::tungstenite::Message;

struct Counter(Arc<AtomicU64>);
impl rdkafka::ClientContext for Counter {}
impl ProducerContext for Counter {
    type DeliveryOpaque = ();
    fn delivery(&self, _: &DeliveryResult<'_>, _: ()) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn raw(bootstrap: &str, count: u64, payload: &[u8]) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let producer: ThreadedProducer<Counter> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        .create_with_context(Counter(Arc::clone(&done)))
        .unwrap();
    let started = Instant::now();
    for _ in 0..count {
        let mut record = BaseRecord::<(), [u8]>::to(shared::lab::TOPIC).payload(payload);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(60)).unwrap();
    while done.load(Ordering::Relaxed) < count {
        std::thread::sleep(Duration::from_millis(1));
    }
    count as f64 / started.elapsed().as_secs_f64()
}

async fn playground(addr: std::net::SocketAddr, count: u32) -> f64 {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let request = ProduceRequest {
        count,
        settings: ProducerSettings::default(),
        key_template: None,
        value_template: format!("{{i:08}} {}", "x".repeat(91)),
        headers: Vec::new(),
        mode: RunMode::Pipelined,
        ..ProduceRequest::lab()
    };
    let started = Instant::now();
    ws.send(Message::text(serde_json::to_string(&Command::Produce(request)).unwrap())).await.unwrap();
    while let Some(Ok(frame)) = ws.next().await {
        if let Message::Text(text) = frame {
            let finished = match serde_json::from_str::<Event>(&text).unwrap() {
                Event::RunFinished(f) => Some(f),
                Event::Batch { events } => events.into_iter().find_map(|e| match e {
                    Event::RunFinished(f) => Some(f),
                    _ => None,
                }),
                _ => None,
            };
            if let Some(f) = finished {
                assert_eq!(f.delivered, u64::from(count));
                break;
            }
        }
    }
    f64::from(count) / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let count: u32 = std::env::args().nth(1).map_or(1_000_000, |c| c.parse().unwrap());
    let cluster = Cluster::embedded().unwrap();
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::new(cluster, "/nonexistent".into());
    tokio::spawn(server.serve(listener, std::future::pending(), Duration::from_secs(1)));
    let payload = vec![b'x'; 100];
    for round in 1..=3 {
        let b = bootstrap.clone();
        let p = payload.clone();
        let raw = tokio::task::spawn_blocking(move || raw(&b, u64::from(count), &p)).await.unwrap();
        let ws = playground(addr, count).await;
        println!(
            "round {round}: raw rdkafka {raw:>9.0} msgs/s, playground over WebSocket {ws:>9.0} msgs/s, ratio {:.2}",
            ws / raw
        );
    }
}
