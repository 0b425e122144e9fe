//! The real rdkafka producer: built from typed settings, sending rendered messages, and
//! turning librdkafka's delivery reports into plain [`Report`]s.
//!
//! [`client_config`] is the one place where the page's typed settings become librdkafka
//! properties; nothing from the browser is passed through as a raw property.
//!
//! Each message carries a delivery opaque of the caller's type (a run's message in
//! flight, see `run`): librdkafka's delivery callback ([`LabContext::delivery`]) hands
//! it back with its [`Report`], on the task that serves the producer's events
//! ([`events`]). Nothing here waits.

mod events;
mod ffi;

pub use events::RunPolls;
pub use ffi::{TopicHandle, send};

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Message, Timestamp};
use rdkafka::producer::{BaseProducer, DeliveryResult, Producer, ProducerContext};
use shared::protocol::{BrokerStats, ErrorName, Event, LogLine, Persistence, ProducerStats};
use shared::settings::ProducerSettings;
use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

/// What travels with a message through librdkafka and is told its delivery report.
pub trait Delivery: Send + Sync + Sized + 'static {
    /// The message's delivery report, on whoever serves the producer's events (its task,
    /// or a pipelined run between its sends): never wait here.
    fn reported(self, report: Report);
}

/// A delivery report in plain words.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// When it was served: one clock reading for all the messages of one librdkafka event
    /// (a per-message reading, librdkafka's `rd_kafka_message_latency`, cost the console's
    /// pipelined run 3 % of its time).
    pub reported_at: std::time::Instant,
    /// Where the message was written, or why it failed.
    pub outcome: Result<Written, Failure>,
}

/// Where a delivered message was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The partition.
    pub partition: i32,
    /// The offset; `None` with acks=0, where the broker does not answer.
    pub offset: Option<i64>,
    /// The broker's LogAppendTime, when the report carries one.
    pub log_append_time_ms: Option<i64>,
}

/// Why a message failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// librdkafka's name for the error.
    pub error: ErrorName,
    /// The error in words.
    pub message: String,
    /// Whether retrying could cure it.
    pub retriable: bool,
    /// Whether it may have been written anyway.
    pub persistence: Persistence,
}

impl Failure {
    /// A message librdkafka refused before it was queued: never sent, never retried.
    fn refused(error: &KafkaError) -> Self {
        Self {
            error: error_name(error),
            message: describe(error),
            retriable: false,
            persistence: Persistence::NotPersisted,
        }
    }
}

/// The producer's client context: librdkafka's log and error callbacks (the lab's
/// `SetLogHandler` and `SetErrorHandler`) go to the server's log and to the page, and
/// delivery reports to each message's [`Delivery`].
pub struct LabContext<M> {
    events: mpsc::Sender<Event>,
    message: PhantomData<fn(M)>,
}

impl<M> LabContext<M> {
    fn offer_log(&self, level: &str, facility: &str, message: &str) {
        // Never wait in a librdkafka callback: if the page is behind, the line is only
        // in the server's log.
        let _ = self.events.try_send(Event::Log(LogLine {
            level: level.to_owned(),
            facility: facility.to_owned(),
            message: message.to_owned(),
        }));
    }
}

impl<M: Delivery> ClientContext for LabContext<M> {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        let name = match level {
            RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical | RDKafkaLogLevel::Error => {
                error!(target: "librdkafka", "{fac}: {message}");
                "error"
            }
            RDKafkaLogLevel::Warning => {
                warn!(target: "librdkafka", "{fac}: {message}");
                "warning"
            }
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                info!(target: "librdkafka", "{fac}: {message}");
                "info"
            }
            RDKafkaLogLevel::Debug => {
                debug!(target: "librdkafka", "{fac}: {message}");
                "debug"
            }
        };
        self.offer_log(name, fac, message);
    }

    fn stats(&self, statistics: rdkafka::Statistics) {
        let _ = self.events.try_send(Event::ProducerStats(producer_stats(&statistics)));
    }

    fn error(&self, error: KafkaError, reason: &str) {
        warn!(target: "librdkafka", "Kafka error: {error}: {reason}");
        self.offer_log("error", "ERROR", &format!("{}: {reason}", error_name(&error)));
    }
}

impl<M: Delivery> ProducerContext for LabContext<M> {
    type DeliveryOpaque = Box<M>;

    fn delivery(&self, result: &DeliveryResult<'_>, message: Box<M>) {
        message.reported(report_of(result));
    }
}

/// A delivery result in plain words.
fn report_of(result: &DeliveryResult<'_>) -> Report {
    let outcome = match result {
        Ok(m) => Ok(Written {
            partition: m.partition(),
            offset: (m.offset() >= 0).then_some(m.offset()),
            log_append_time_ms: match m.timestamp() {
                Timestamp::LogAppendTime(ms) => Some(ms),
                _ => None,
            },
        }),
        Err((e, m)) => Err(Failure {
            error: error_name(e),
            message: describe(e),
            retriable: e.rdkafka_error_code().is_some_and(retriable),
            persistence: ffi::persistence(m),
        }),
    };
    Report { reported_at: events::served_at(), outcome }
}

/// The most a producer buffers, in KB (librdkafka's default is 1 GiB).
pub const QUEUE_MAX_KBYTES: u32 = 65_536;

/// How often librdkafka reports its statistics (a server choice, not a browser's).
pub const STATISTICS_INTERVAL_MS: u32 = 1000;

/// The figures of librdkafka's statistics the page shows.
fn producer_stats(s: &rdkafka::Statistics) -> ProducerStats {
    let mut brokers: Vec<BrokerStats> = s
        .brokers
        .values()
        .filter(|b| b.nodeid >= 0)
        .map(|b| BrokerStats {
            id: b.nodeid,
            state: b.state.clone(),
            rtt_avg_us: b.rtt.as_ref().map_or(0, |w| w.avg),
            rtt_p99_us: b.rtt.as_ref().map_or(0, |w| w.p99),
            queue_latency_avg_us: b.int_latency.as_ref().map_or(0, |w| w.avg),
            send_wait_avg_us: b.outbuf_latency.as_ref().map_or(0, |w| w.avg),
            queued_samples: b.int_latency.as_ref().map_or(0, |w| w.cnt),
            in_flight_requests: b.waitresp_cnt,
            queued_requests: b.outbuf_cnt,
            retries: b.txretries,
            timeouts: b.req_timeouts,
        })
        .collect();
    brokers.sort_by_key(|b| b.id);
    let batches: Vec<_> = s.topics.values().filter(|t| t.batchcnt.cnt > 0).collect();
    let avg = |f: fn(&rdkafka::statistics::Topic) -> i64| {
        if batches.is_empty() { 0 } else { batches.iter().map(|t| f(t)).sum::<i64>() / batches.len() as i64 }
    };
    ProducerStats {
        producer: s.name.clone(),
        queued_messages: s.msg_cnt,
        batch_size_avg: avg(|t| t.batchsize.avg),
        batch_count_avg: avg(|t| t.batchcnt.avg),
        brokers,
    }
}

/// A producer as the playground uses it, whose messages carry an `M`: rdkafka's
/// `BaseProducer`, its events served by a task of the runtime (see [`events`]).
pub struct LabProducer<M: Delivery> {
    /// Dropped first: no wake-up reaches a producer being destroyed.
    queue: ffi::MainQueue,
    base: BaseProducer<LabContext<M>>,
}

/// The librdkafka properties for `settings`: the only mapping from the page's fields to
/// properties. `bootstrap` comes from the server's command line, never from a browser.
pub fn client_config(settings: &ProducerSettings, bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("client.id", &settings.client_id)
        .set("acks", settings.acks.as_str())
        .set("enable.idempotence", settings.enable_idempotence.to_string())
        .set("compression.type", settings.compression_type.as_str())
        .set("partitioner", settings.partitioner.as_str())
        .set("statistics.interval.ms", STATISTICS_INTERVAL_MS.to_string())
        // Server limits, not trainee settings: a producer's buffer stays small on a shared
        // server, and producing never creates a topic.
        .set("queue.buffering.max.kbytes", QUEUE_MAX_KBYTES.to_string())
        .set("allow.auto.create.topics", "false");
    for (bound, value) in settings.numbers() {
        config.set(bound.name, value.to_string());
    }
    config
}

/// Builds a producer for validated `settings`; its logs and errors go to `events`. Its
/// events are served by a task spawned on the current runtime while the producer lives.
pub fn build<M: Delivery>(
    settings: &ProducerSettings,
    bootstrap: &str,
    events: mpsc::Sender<Event>,
) -> Result<Arc<LabProducer<M>>, KafkaError> {
    info!("Producer started. Connecting to {bootstrap}...");
    let base: BaseProducer<LabContext<M>> =
        client_config(settings, bootstrap).create_with_context(LabContext { events, message: PhantomData })?;
    let queue = ffi::MainQueue::watch(base.client().native_ptr());
    let wake = queue.wake();
    let producer = Arc::new(LabProducer { queue, base });
    tokio::spawn(events::serve(Arc::downgrade(&producer), wake));
    Ok(producer)
}

/// How long a new producer asks for its topic's metadata before its first run.
const LEARN_TOPIC_WAIT: Duration = Duration::from_secs(2);

/// Asks the cluster for `topic`'s metadata with `producer`, so that its first messages
/// find their partitions' leaders known (bounded by [`LEARN_TOPIC_WAIT`]); gives its
/// partitions when the cluster has it (a failure is the run's to tell). Otherwise a
/// producer's first messages waited up to a second for it (librdkafka looks at unknown
/// topics once a second): a comparison of runs read it as the settings' cost, and it made
/// `playground produce` of a million messages take 0.9 s or 1.9 s.
pub async fn learn_topic<M: Delivery>(producer: &Arc<LabProducer<M>>, topic: &str) -> Option<usize> {
    let (producer, topic) = (Arc::clone(producer), topic.to_owned());
    tokio::task::spawn_blocking(move || {
        let metadata = producer.base.client().fetch_metadata(Some(&topic), LEARN_TOPIC_WAIT).ok()?;
        let known = metadata.topics().iter().find(|t| t.name() == topic && t.error().is_none())?;
        Some(known.partitions().len()).filter(|&n| n > 0)
    })
    .await
    .ok()
    .flatten()
}

/// One rendered message, ready to hand to librdkafka (which copies it).
pub struct Outgoing<'a> {
    /// The topic.
    pub topic: &'a str,
    /// A partition chosen by the page, else the partitioner's choice.
    pub partition: Option<i32>,
    /// The key, if any.
    pub key: Option<&'a str>,
    /// The value.
    pub value: &'a str,
    /// The headers' names.
    pub header_names: &'a [String],
    /// The headers' values, in the order of their names.
    pub header_values: &'a [String],
    /// CreateTime, in Unix milliseconds.
    pub timestamp_ms: i64,
}

/// Why [`send`] did not queue a message; the message's opaque comes back either way.
pub enum NotQueued<M> {
    /// The producer's local queue is full: try again once deliveries drained it.
    QueueFull(Box<M>),
    /// librdkafka refused the message (too large, say): it will get no report.
    Refused(Box<M>, Failure),
}

/// How often [`flush`] looks whether librdkafka has nothing left.
const FLUSH_EVERY: Duration = Duration::from_millis(2);

/// How long [`close`] waits for the outcomes of the messages it purged.
const PURGED_WAIT: Duration = Duration::from_secs(5);

/// Waits up to `timeout` until librdkafka holds nothing of the producer's: every message
/// has its delivery report and every event was served (by the producer's task). Not
/// rdkafka's `flush`: that one polls the queue for 100 ms at a time, so a statistics
/// event left in it made a run end up to 100 ms late, and it holds a blocking thread.
pub async fn flush<M: Delivery>(producer: &LabProducer<M>, timeout: Duration) -> Result<(), KafkaError> {
    info!("Flushing pending messages...");
    wait_for_nothing_left(producer, timeout).await
}

/// Looks every [`FLUSH_EVERY`] whether librdkafka holds nothing of `producer`'s, up to `timeout`.
async fn wait_for_nothing_left<M: Delivery>(producer: &LabProducer<M>, timeout: Duration) -> Result<(), KafkaError> {
    let deadline = tokio::time::Instant::now() + timeout;
    while producer.base.in_flight_count() > 0 {
        if tokio::time::Instant::now() >= deadline {
            return Err(KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut));
        }
        tokio::time::sleep(FLUSH_EVERY).await;
    }
    Ok(())
}

/// Gives up a handle on a producer; the last one destroys it on a blocking thread, as
/// destroying joins librdkafka's threads (and rdkafka's drop flushes for up to 500 ms).
fn release<M: Delivery>(producer: Arc<LabProducer<M>>) {
    if let Some(last) = Arc::into_inner(producer) {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(move || destroy(last))),
            Err(_) => destroy(last),
        }
    }
}

/// Destroys a producer and gives the memory it freed back to the system: its buffers
/// were allocated and freed on several threads (its own, the runtime's workers), and
/// glibc keeps what each thread's arena freed, so 100 sessions that came and went left
/// the server about 30 MB larger.
fn destroy<M: Delivery>(producer: LabProducer<M>) {
    drop(producer);
    ffi::trim_heap();
}

/// Fails every message still queued or in flight with librdkafka's `Purged`, so each gets
/// its outcome at once (a closing session that cannot wait for message.timeout.ms).
pub fn purge<M: Delivery>(producer: &LabProducer<M>) {
    producer.base.purge(rdkafka::producer::PurgeConfig::default().queue().inflight().non_blocking());
}

/// Flushes (bounded) and releases a producer that is no longer used. What the flush
/// left is purged, and its outcomes served (bounded) before the producer is destroyed:
/// librdkafka's destroy frees what is left without a delivery report, which would lose
/// those messages' outcomes and their places under the in-flight limits.
pub async fn close<M: Delivery>(producer: Arc<LabProducer<M>>, wait: Duration) {
    match flush(&producer, wait).await {
        Ok(()) => info!("Producer closed gracefully."),
        Err(e) => {
            warn!("Producer closing with messages still in flight ({e}): purging them");
            purge(&producer);
            if wait_for_nothing_left(&producer, PURGED_WAIT).await.is_err() {
                let left = producer.base.in_flight_count();
                warn!("Producer closed with {left} messages or events left without an outcome");
            }
        }
    }
    release(producer);
}

/// librdkafka's name for an error, such as `MessageTimedOut`.
pub fn error_name(error: &KafkaError) -> ErrorName {
    ErrorName::from(match error.rdkafka_error_code() {
        Some(code) => format!("{code:?}"),
        None => match error {
            KafkaError::Canceled => "Canceled".to_owned(),
            other => format!("{other:?}").split(['(', ' ']).next().unwrap_or("Unknown").to_owned(),
        },
    })
}

/// Whether retrying can cure this error: Kafka's retriable errors and the local ones
/// that come from a broker being away.
pub fn retriable(code: RDKafkaErrorCode) -> bool {
    use RDKafkaErrorCode as E;
    matches!(
        code,
        E::MessageTimedOut
            | E::RequestTimedOut
            | E::NotEnoughReplicas
            | E::NotEnoughReplicasAfterAppend
            | E::LeaderNotAvailable
            | E::NotLeaderForPartition
            | E::NetworkException
            | E::BrokerTransportFailure
            | E::AllBrokersDown
            | E::UnknownTopicOrPartition
            | E::InvalidMessage
            | E::KafkaStorageError
            | E::OutOfOrderSequenceNumber
            | E::QueueFull
    )
}

/// An error in plain words: librdkafka's own description where it has one.
fn describe(error: &KafkaError) -> String {
    match error.rdkafka_error_code() {
        Some(RDKafkaErrorCode::MessageTimedOut) => {
            "the message was not delivered within message.timeout.ms (is a broker down?)".to_owned()
        }
        Some(RDKafkaErrorCode::QueueFull) => {
            "the producer's local queue is full; wait for deliveries or slow down".to_owned()
        }
        Some(code) => code.to_string(),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::settings::{Acks, Compression, Partitioner};

    #[test]
    fn config_maps_typed_settings_and_nothing_else() {
        let settings = ProducerSettings {
            acks: Acks::One,
            message_send_max_retries: 5,
            compression_type: Compression::Zstd,
            partitioner: Partitioner::Murmur2Random,
            ..Default::default()
        };
        let config = client_config(&settings, "127.0.0.1:9092");
        assert_eq!(config.get("acks"), Some("1"));
        assert_eq!(config.get("message.send.max.retries"), Some("5"));
        assert_eq!(config.get("compression.type"), Some("zstd"));
        assert_eq!(config.get("partitioner"), Some("murmur2_random"));
        assert_eq!(config.get("bootstrap.servers"), Some("127.0.0.1:9092"));
        let mut keys: Vec<_> = config.config_map().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "acks",
                "allow.auto.create.topics",
                "batch.num.messages",
                "batch.size",
                "bootstrap.servers",
                "client.id",
                "compression.type",
                "enable.idempotence",
                "linger.ms",
                "max.in.flight.requests.per.connection",
                "message.send.max.retries",
                "message.timeout.ms",
                "partitioner",
                "queue.buffering.max.kbytes",
                "request.timeout.ms",
                "retry.backoff.max.ms",
                "retry.backoff.ms",
                "statistics.interval.ms",
                "sticky.partitioning.linger.ms",
            ]
        );
    }

    #[test]
    fn error_names_are_librdkafkas() {
        let e = KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut);
        assert_eq!(error_name(&e), "MessageTimedOut");
        assert!(describe(&e).contains("message.timeout.ms"));
        assert!(retriable(RDKafkaErrorCode::NotEnoughReplicas));
        assert!(!retriable(RDKafkaErrorCode::MessageSizeTooLarge));
        assert_eq!(error_name(&KafkaError::Canceled), "Canceled");
        // The names the page words are librdkafka's, as variants.
        let name = |code| error_name(&KafkaError::MessageProduction(code));
        assert_eq!(name(RDKafkaErrorCode::MessageTimedOut), ErrorName::MessageTimedOut);
        assert_eq!(name(RDKafkaErrorCode::QueueFull), ErrorName::QueueFull);
        assert_eq!(name(RDKafkaErrorCode::PurgeQueue), ErrorName::PurgeQueue);
        assert_eq!(name(RDKafkaErrorCode::PurgeInflight), ErrorName::PurgeInflight);
        assert_eq!(name(RDKafkaErrorCode::MessageSizeTooLarge), ErrorName::MessageSizeTooLarge);
        assert_eq!(name(RDKafkaErrorCode::UnknownTopicOrPartition), ErrorName::UnknownTopicOrPartition);
        assert_eq!(name(RDKafkaErrorCode::NotEnoughReplicas), ErrorName::NotEnoughReplicas);
    }
}
