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

pub use events::RunServes;

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
            persistence: persistence(m),
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
    queue: events::MainQueue,
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
    let queue = events::MainQueue::watch(base.client().native_ptr());
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

/// librdkafka's handle on one topic of a producer (`rd_kafka_topic_t`), taken once for
/// a run: rdkafka's `send` names the topic for every message, which librdkafka then
/// looks up under its lock, with a C string made for it (about a tenth of a pipelined
/// run's send loop). It keeps its producer alive, and is released before it.
pub struct TopicHandle<M: Delivery> {
    topic: *mut rdkafka::bindings::rd_kafka_topic_t,
    /// Taken only when dropped, after the topic handle is released.
    producer: Option<Arc<LabProducer<M>>>,
}

// SAFETY: librdkafka's topic handles may be used from any thread.
#[allow(unsafe_code)]
unsafe impl<M: Delivery> Send for TopicHandle<M> {}
#[allow(unsafe_code)]
unsafe impl<M: Delivery> Sync for TopicHandle<M> {}

impl<M: Delivery> TopicHandle<M> {
    /// `producer`'s handle on `topic`.
    #[allow(unsafe_code)]
    pub fn new(producer: &Arc<LabProducer<M>>, topic: &str) -> Result<Self, KafkaError> {
        let name =
            std::ffi::CString::new(topic).map_err(|_| KafkaError::MessageProduction(RDKafkaErrorCode::InvalidTopic))?;
        // SAFETY: the client is live (`producer` holds it); a null configuration takes the
        // producer's own; the handle is released in `drop`, before the producer can go.
        let handle = unsafe {
            rdkafka::bindings::rd_kafka_topic_new(
                producer.base.client().native_ptr(),
                name.as_ptr(),
                std::ptr::null_mut(),
            )
        };
        if handle.is_null() {
            // SAFETY: reads this thread's last librdkafka error.
            let code = unsafe { rdkafka::bindings::rd_kafka_last_error() };
            return Err(KafkaError::MessageProduction(code.into()));
        }
        Ok(Self { topic: handle, producer: Some(Arc::clone(producer)) })
    }

    /// The producer.
    pub fn producer(&self) -> &LabProducer<M> {
        self.producer.as_ref().expect("the producer is only taken when the handle is dropped")
    }
}

impl<M: Delivery> Drop for TopicHandle<M> {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: taken in `new`, released once, while `self.producer` still holds the client.
        unsafe { rdkafka::bindings::rd_kafka_topic_destroy(self.topic) };
        if let Some(producer) = self.producer.take() {
            release(producer);
        }
    }
}

/// Queues `message` to `topic` with its `opaque`, which its delivery report will bring
/// back. rdkafka's `BaseProducer::send`, with the run's topic handle instead of its name.
#[allow(unsafe_code)]
pub fn send<M: Delivery>(topic: &TopicHandle<M>, message: &Outgoing<'_>, opaque: Box<M>) -> Result<(), NotQueued<M>> {
    use rdkafka::bindings as rdsys;
    use rdkafka::bindings::rd_kafka_vtype_t::*;
    use rdkafka::util::IntoOpaque;
    let headers = headers_of(message);
    let (key, key_len) =
        message.key.map_or((std::ptr::null_mut(), 0), |k| (k.as_ptr().cast_mut().cast::<std::ffi::c_void>(), k.len()));
    let opaque = opaque.into_ptr();
    // SAFETY: as rdkafka's own `send`: librdkafka copies the value and the key
    // (RD_KAFKA_MSG_F_COPY) before it returns; the handles are live; the opaque comes back
    // with the delivery report (`LabContext::delivery`), or here on an error; the headers
    // are librdkafka's once the message is queued, ours to free when it is not.
    let error = unsafe {
        rdsys::rd_kafka_producev(
            topic.producer().base.client().native_ptr(),
            RD_KAFKA_VTYPE_RKT,
            topic.topic,
            RD_KAFKA_VTYPE_PARTITION,
            message.partition.unwrap_or(-1),
            RD_KAFKA_VTYPE_MSGFLAGS,
            rdsys::RD_KAFKA_MSG_F_COPY,
            RD_KAFKA_VTYPE_VALUE,
            message.value.as_ptr().cast_mut().cast::<std::ffi::c_void>(),
            message.value.len(),
            RD_KAFKA_VTYPE_KEY,
            key,
            key_len,
            RD_KAFKA_VTYPE_OPAQUE,
            opaque,
            RD_KAFKA_VTYPE_TIMESTAMP,
            message.timestamp_ms,
            RD_KAFKA_VTYPE_HEADERS,
            headers,
            RD_KAFKA_VTYPE_END,
        )
    };
    if error == rdsys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    // SAFETY: not queued: the headers and the opaque are still ours, each taken back once.
    let back = unsafe {
        if !headers.is_null() {
            rdsys::rd_kafka_headers_destroy(headers);
        }
        Box::<M>::from_ptr(opaque)
    };
    Err(match RDKafkaErrorCode::from(error) {
        RDKafkaErrorCode::QueueFull => NotQueued::QueueFull(back),
        code => NotQueued::Refused(back, Failure::refused(&KafkaError::MessageProduction(code))),
    })
}

/// The message's headers as librdkafka's list, or null without any (one allocation less).
#[allow(unsafe_code)]
fn headers_of(message: &Outgoing<'_>) -> *mut rdkafka::bindings::rd_kafka_headers_t {
    use rdkafka::bindings as rdsys;
    if message.header_names.is_empty() {
        return std::ptr::null_mut();
    }
    // SAFETY: a new list, which librdkafka copies each name and value into.
    unsafe {
        let headers = rdsys::rd_kafka_headers_new(message.header_names.len());
        for (name, value) in message.header_names.iter().zip(message.header_values) {
            rdsys::rd_kafka_header_add(
                headers,
                name.as_ptr().cast(),
                name.len() as isize,
                value.as_ptr().cast(),
                value.len() as isize,
            );
        }
        headers
    }
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
#[allow(unsafe_code)]
fn destroy<M: Delivery>(producer: LabProducer<M>) {
    drop(producer);
    // SAFETY: malloc_trim only returns free memory of glibc's heaps to the system.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::malloc_trim(0);
    }
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

/// librdkafka's persistence status of a failed message.
#[allow(unsafe_code)]
fn persistence(message: &rdkafka::message::BorrowedMessage<'_>) -> Persistence {
    use rdkafka::bindings::rd_kafka_msg_status_t as S;
    // SAFETY: the message is valid for the duration of the delivery callback, and
    // rd_kafka_message_status only reads it. rdkafka has no safe wrapper for it.
    let status = unsafe { rdkafka::bindings::rd_kafka_message_status(message.ptr()) };
    match status {
        S::RD_KAFKA_MSG_STATUS_NOT_PERSISTED => Persistence::NotPersisted,
        S::RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED => Persistence::PossiblyPersisted,
        S::RD_KAFKA_MSG_STATUS_PERSISTED => Persistence::Persisted,
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
