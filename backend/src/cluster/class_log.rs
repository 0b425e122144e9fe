//! The class's log: partition 0 of a compacted topic of the cluster, which every
//! playground server of one class writes its part of the class to, and reads everyone's
//! from, in one order (see [`crate::class::servers`]). Keys say what a record is about;
//! an empty value (a tombstone) says it is gone, and compaction keeps the last of each.

use std::time::Duration;

use rdkafka::admin::{NewTopic, TopicReplication};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use tokio::sync::mpsc;
use tracing::warn;

use super::{Cluster, ClusterError};

/// The one partition written and read: one order for every server.
const PARTITION: i32 = 0;

/// Records read and not yet applied, at most: the reader waits past this.
const READ_AHEAD: usize = 1024;

/// How long a write may take before it counts as failed.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// One record of the class's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    /// What it is about, such as `trainee/<server>/<session>`.
    pub key: String,
    /// What it says, or `None` for a tombstone.
    pub value: Option<String>,
    /// Its offset: the class's order.
    pub offset: i64,
}

/// Writes to the class's log.
pub struct ClassLog {
    producer: FutureProducer,
    topic: String,
}

impl ClassLog {
    /// Opens `topic` on `cluster` (created compacted with one partition when the cluster
    /// takes CreateTopics; librdkafka's mock creates it on first use instead), and starts
    /// reading it from its beginning: every record comes to the receiver, in order.
    pub async fn open(cluster: &Cluster, topic: &str) -> Result<(Self, mpsc::Receiver<LogRecord>), ClusterError> {
        cluster.ensure_class_topic(topic).await;
        let bootstrap = cluster.bootstrap_servers();
        let client = |e: rdkafka::error::KafkaError| ClusterError::Client {
            bootstrap: bootstrap.to_owned(),
            reason: e.to_string(),
        };
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("client.id", "playground-class")
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("linger.ms", "0")
            // A write that cannot be delivered fails within this, not librdkafka's 5 min.
            .set("message.timeout.ms", "10000")
            .create()
            .map_err(client)?;
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", "playground-class")
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "false")
            .set("topic.metadata.refresh.interval.ms", "1000")
            .create()
            .map_err(client)?;
        let mut partitions = TopicPartitionList::new();
        partitions.add_partition_offset(topic, PARTITION, Offset::Beginning).map_err(client)?;
        consumer.assign(&partitions).map_err(client)?;
        let (records, received) = mpsc::channel(READ_AHEAD);
        tokio::task::spawn_blocking(move || read(&consumer, &records));
        Ok((Self { producer, topic: topic.to_owned() }, received))
    }

    /// Writes `value` (or a tombstone) under `key`; its offset once the cluster has it.
    pub async fn write(&self, key: &str, value: Option<&str>) -> Result<i64, ClusterError> {
        let mut record = FutureRecord::<str, str>::to(&self.topic).partition(PARTITION).key(key);
        if let Some(value) = value {
            record = record.payload(value);
        }
        let failed = |reason: String| ClusterError::Write { topic: self.topic.clone(), reason };
        match self.producer.send(record, WRITE_TIMEOUT).await {
            Ok(delivery) => Ok(delivery.offset),
            Err((e, _)) => Err(failed(e.to_string())),
        }
    }
}

/// Reads the log on a blocking thread until the receiver is gone.
fn read(consumer: &BaseConsumer, records: &mpsc::Sender<LogRecord>) {
    while !records.is_closed() {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => {
                let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
                let Some(key) = text(message.key()) else { continue };
                let record = LogRecord { key, value: text(message.payload()), offset: message.offset() };
                if records.blocking_send(record).is_err() {
                    return;
                }
            }
            // The topic may not exist yet (created on first write): librdkafka retries.
            Some(Err(e)) => warn!("class log: {e}"),
            None => {}
        }
    }
}

impl Cluster {
    /// Creates the class's topic, compacted, with one partition, when it is missing:
    /// on the embedded cluster directly (`playground cluster` makes `playground.class` at
    /// start), on another through CreateTopics, bounded in time. Failing is no error
    /// here: the topic may be created on first use (librdkafka's mock does that, and it
    /// never answers CreateTopics).
    pub async fn ensure_class_topic(&self, topic: &str) {
        let replication = match self.describe().await {
            Ok((_, topics)) if topics.iter().any(|t| t.name == topic) => return,
            Ok((brokers, _)) => brokers.len().clamp(1, 3) as i32,
            Err(_) => 1,
        };
        if let super::Kind::Embedded(embedded) = &self.kind {
            if let Err(e) = embedded.create_topic_with(topic, 1).await {
                warn!("class topic {topic}: {e}");
            }
            return;
        }
        let new = NewTopic::new(topic, 1, TopicReplication::Fixed(replication)).set("cleanup.policy", "compact");
        if let Err(e) = super::external::create(&self.admin, &new, Duration::from_secs(5)).await {
            warn!("{e}; using it as it comes");
        }
    }
}
