//! Read-backs: a topic's records read back for the page (the lab's verify step, a
//! delivery's details, the exercises' checks), each by a short-lived consumer on the
//! blocking pool, bounded in records, bytes and time.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message, Timestamp};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use shared::protocol::{Record, Records, StartAt};

use super::error::ClusterError;

/// Bytes of keys, values and headers one `records` answer carries at most (about).
pub const RECORDS_BYTES: usize = 4 * 1024 * 1024;

fn verify_consumer(bootstrap: &str) -> rdkafka::error::KafkaResult<BaseConsumer> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "playground-verify")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
}

/// A record as the page shows it.
fn record_of(message: &rdkafka::message::BorrowedMessage<'_>) -> Record {
    let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
    let (timestamp_ms, timestamp_type) = match message.timestamp() {
        Timestamp::CreateTime(ms) => (Some(ms), Some("create_time".to_owned())),
        Timestamp::LogAppendTime(ms) => (Some(ms), Some("log_append_time".to_owned())),
        Timestamp::NotAvailable => (None, None),
    };
    Record {
        partition: message.partition(),
        offset: message.offset(),
        key: text(message.key()),
        value: text(message.payload()),
        headers: message
            .headers()
            .map(|h| h.iter().map(|h| (h.key.to_owned(), text(h.value).unwrap_or_default())).collect())
            .unwrap_or_default(),
        timestamp_ms,
        timestamp_type,
    }
}

pub(super) fn read_one(bootstrap: &str, topic: &str, partition: i32, offset: i64) -> Result<Records, ClusterError> {
    let fail = |reason: String| ClusterError::Consume { topic: topic.to_owned(), reason };
    let consumer = verify_consumer(bootstrap).map_err(|e| fail(e.to_string()))?;
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(topic, partition, Offset::Offset(offset)).map_err(|e| fail(e.to_string()))?;
    consumer.assign(&assignment).map_err(|e| fail(e.to_string()))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let Some(message) = consumer.poll(Duration::from_millis(100)) else { continue };
        let message = message.map_err(|e| fail(e.to_string()))?;
        if message.offset() == offset {
            return Ok(Records {
                tag: None,
                topic: topic.to_owned(),
                records: vec![record_of(&message)],
                truncated: false,
            });
        }
    }
    Err(fail(format!("no record at partition {partition}, offset {offset}")))
}

/// Reads every partition of `topic` from its beginning to its high watermark.
pub(super) fn read_back(bootstrap: &str, topic: &str, max: usize, from: &[StartAt]) -> Result<Records, ClusterError> {
    let fail = |reason: String| ClusterError::Consume { topic: topic.to_owned(), reason };
    let consumer = verify_consumer(bootstrap).map_err(|e| fail(e.to_string()))?;
    let timeout = Duration::from_secs(5);
    let metadata = consumer.fetch_metadata(Some(topic), timeout).map_err(|e| fail(e.to_string()))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(fail("the topic does not exist".into()));
    }
    let mut assignment = TopicPartitionList::new();
    let mut remaining = 0usize;
    let mut ends = std::collections::HashMap::new();
    for &p in &partitions {
        let (low, high) = consumer.fetch_watermarks(topic, p, timeout).map_err(|e| fail(e.to_string()))?;
        // Every partition from its beginning, or the asked ones from the asked offset to
        // the asked end, within what each partition holds.
        let (start, end) = if from.is_empty() {
            (low, high)
        } else {
            let Some(asked) = from.iter().find(|s| s.partition == p) else { continue };
            let start = asked.offset.clamp(low, high);
            (start, asked.until.map_or(high, |until| until.clamp(start, high)))
        };
        if end > start {
            remaining += (end - start) as usize;
            ends.insert(p, end);
            assignment.add_partition_offset(topic, p, Offset::Offset(start)).map_err(|e| fail(e.to_string()))?;
        }
    }
    let mut truncated = remaining > max;
    let mut records = Vec::new();
    let mut bytes = 0;
    if assignment.count() > 0 {
        consumer.assign(&assignment).map_err(|e| fail(e.to_string()))?;
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while records.len() < remaining.min(max) && std::time::Instant::now() < deadline {
            let Some(message) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let message = message.map_err(|e| fail(e.to_string()))?;
            if ends.get(&message.partition()).is_some_and(|&end| message.offset() >= end) {
                continue;
            }
            let record = record_of(&message);
            bytes += record.key.as_ref().map_or(0, String::len)
                + record.value.as_ref().map_or(0, String::len)
                + record.headers.iter().map(|(n, v)| n.len() + v.len()).sum::<usize>();
            records.push(record);
            // One answer is one WebSocket frame: past this it says it stopped short.
            if bytes > RECORDS_BYTES {
                truncated = true;
                break;
            }
        }
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    Ok(Records { tag: None, topic: topic.to_owned(), records, truncated })
}
