//! The real rdkafka producer: built from typed settings, driven sync or pipelined.
//!
//! [`client_config`] is the one place where the page's typed settings become librdkafka
//! properties; nothing from the browser is passed through as a raw property.
//!
//! Every message carries an [`InFlight`] as its delivery opaque. librdkafka's delivery
//! callback ([`LabContext::delivery`]) hands it to the run's [`Recorder`], which keeps
//! exact counts and a latency histogram, and offers the message's detail to the
//! session's bounded event queue without ever waiting on it: a page that falls behind
//! gets fewer details, never a bigger server.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng};
use rdkafka::ClientConfig;
use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Message, OwnedHeaders, Timestamp};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use shared::problem::Problem;

use crate::breaker::{Admit, Breaker};
use shared::protocol::{
    BrokerStats, CIRCUIT_OPEN, CircuitChange, CircuitState, Delivered, Event, Failed, LogLine, Persistence,
    ProduceRequest, ProducerStats, RunFinished, RunMode, RunStats,
};
use shared::settings::ProducerSettings;
use shared::template::{Template, TemplateEnv};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, error, info, warn};

/// Per-message details sent in full before the run switches to a sample.
pub const DETAIL_CAP: u64 = 10_000;

/// Past [`DETAIL_CAP`], one message in this many has its detail sent.
pub const DETAIL_SAMPLE_EVERY: u64 = 100;

/// The producer's client context: librdkafka's log and error callbacks (the lab's
/// `SetLogHandler` and `SetErrorHandler`) go to the server's log and to the page, and
/// delivery reports go to the run's [`Recorder`].
pub struct LabContext {
    events: mpsc::Sender<Event>,
}

impl LabContext {
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

impl ClientContext for LabContext {
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

impl ProducerContext for LabContext {
    type DeliveryOpaque = Box<InFlight>;

    fn delivery(&self, result: &DeliveryResult<'_>, message: Box<InFlight>) {
        let recorder = Arc::clone(&message.recorder);
        recorder.record(result, *message);
    }
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

/// A producer as the playground uses it. librdkafka's delivery callbacks run on its
/// polling thread.
pub type LabProducer = ThreadedProducer<LabContext>;

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

/// Builds a producer for validated `settings`; its logs and errors go to `events`.
pub fn build(
    settings: &ProducerSettings,
    bootstrap: &str,
    events: mpsc::Sender<Event>,
) -> Result<LabProducer, KafkaError> {
    info!("Producer started. Connecting to {bootstrap}...");
    client_config(settings, bootstrap).create_with_context(LabContext { events })
}

/// Waits up to `timeout` for every message in flight to get its delivery report.
pub async fn flush(producer: &Arc<LabProducer>, timeout: Duration) -> Result<(), KafkaError> {
    info!("Flushing pending messages...");
    let producer = Arc::clone(producer);
    tokio::task::spawn_blocking(move || producer.flush(timeout)).await.unwrap_or(Err(KafkaError::Canceled))
}

/// Fails every message still queued or in flight with librdkafka's `Purged`, so each gets
/// its outcome at once (a closing session that cannot wait for message.timeout.ms).
pub fn purge(producer: &LabProducer) {
    producer.purge(rdkafka::producer::PurgeConfig::default().queue().inflight().non_blocking());
}

/// Values for `{now}`, `{uuid}` and `{rand:..}` from the system clock and a real RNG.
pub struct ServerEnv<R: Rng>(pub R);

impl<R: Rng> TemplateEnv for ServerEnv<R> {
    fn now_ms(&mut self) -> i64 {
        now_ms()
    }
    fn random_bytes(&mut self) -> [u8; 16] {
        self.0.random()
    }
    fn random_in(&mut self, min: i64, max: i64) -> i64 {
        self.0.random_range(min..=max)
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// librdkafka's name for an error, such as `MessageTimedOut`.
pub fn error_name(error: &KafkaError) -> String {
    match error.rdkafka_error_code() {
        Some(code) => format!("{code:?}"),
        None => match error {
            KafkaError::Canceled => "Canceled".to_owned(),
            other => format!("{other:?}").split(['(', ' ']).next().unwrap_or("Unknown").to_owned(),
        },
    }
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

/// Messages in flight across every session (`--max-in-flight`): each message holds a
/// place from its send to its delivery report, so a class of pipelined runs cannot
/// queue more than this in the server's memory; past it, sends wait. A counter, not a
/// semaphore: taking and giving back a place is one atomic operation on the hot path
/// (a semaphore's lock, taken from two threads per message, cost the throughput).
pub struct InFlightLimit {
    max: u64,
    now: AtomicU64,
    peak: AtomicU64,
    /// Sends waiting for a place: only then does a delivery wake them.
    waiting: AtomicU64,
    freed: tokio::sync::Notify,
}

/// One message's place under the [`InFlightLimit`], given back when it is dropped.
pub struct InFlightTicket {
    limit: Arc<InFlightLimit>,
}

impl InFlightLimit {
    /// A limit of `max` messages in flight.
    pub fn new(max: u32) -> Arc<Self> {
        Arc::new(Self {
            max: u64::from(max.max(1)),
            now: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            waiting: AtomicU64::new(0),
            freed: tokio::sync::Notify::new(),
        })
    }

    /// The most messages in flight.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Messages in flight now.
    pub fn now(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }

    /// The most messages that were in flight at once.
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// A place now, if there is one.
    pub fn try_take(self: &Arc<Self>) -> Option<InFlightTicket> {
        let taken = self.now.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < self.max).then_some(n + 1));
        let before = taken.ok()?;
        self.peak.fetch_max(before + 1, Ordering::Relaxed);
        Some(InFlightTicket { limit: Arc::clone(self) })
    }

    /// A place, once a delivery report frees one.
    pub async fn take(self: &Arc<Self>) -> InFlightTicket {
        loop {
            if let Some(ticket) = self.try_take() {
                return ticket;
            }
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before the second look: a place freed in between wakes it.
            freed.as_mut().enable();
            let ticket = self.try_take();
            if ticket.is_none() {
                freed.await;
            }
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            if let Some(ticket) = ticket {
                return ticket;
            }
        }
    }
}

impl Drop for InFlightTicket {
    fn drop(&mut self) {
        // SeqCst with the waiter's side: either it sees the place, or this sees it waiting.
        self.limit.now.fetch_sub(1, Ordering::SeqCst);
        if self.limit.waiting.load(Ordering::SeqCst) > 0 {
            self.limit.freed.notify_one();
        }
    }
}

/// What travels with a message through librdkafka and comes back in its delivery report.
pub struct InFlight {
    seq: u64,
    key: Option<String>,
    sent_at: Instant,
    timestamp_ms: i64,
    recorder: Arc<Recorder>,
    /// Set in sync mode, where the loop awaits each delivery.
    done: Option<oneshot::Sender<()>>,
    /// The circuit breaker's half-open trial: its outcome alone decides.
    trial: bool,
    /// Its place under the server's in-flight limit, freed with its delivery report.
    _ticket: Option<InFlightTicket>,
}

/// A run's exact tally.
struct Tally {
    delivered: u64,
    failed: u64,
    latency_us: Histogram<u64>,
    per_partition: Vec<u64>,
    details_skipped: u64,
}

/// Where a run's delivery reports go: exact counts, a latency histogram, per-partition
/// counts, and per-message details offered to the session's bounded queue.
pub struct Recorder {
    run: u64,
    topic: String,
    /// Log each delivery in the lab's words (sync runs; a pipelined run would flood).
    log_each: bool,
    started: Instant,
    events: mpsc::Sender<Event>,
    /// Messages handed to the producer: counted apart from the tally, so that the sending
    /// loop never waits for the lock the delivery callback holds.
    sent: AtomicU64,
    tally: Mutex<Tally>,
    /// The run's circuit breaker, when it has one (Exercise 6).
    breaker: Option<Mutex<Breaker>>,
    /// The server's limit of messages in flight across sessions, when it has one.
    in_flight: Option<Arc<InFlightLimit>>,
}

impl Recorder {
    /// A recorder for run `run` of `request` to a topic of `partitions` partitions,
    /// whose details go to `events`.
    pub fn new(run: u64, request: &ProduceRequest, partitions: usize, events: mpsc::Sender<Event>) -> Self {
        Self {
            run,
            topic: request.topic.clone(),
            log_each: request.mode == RunMode::Sync,
            started: Instant::now(),
            events,
            sent: AtomicU64::new(0),
            tally: Mutex::new(Tally {
                delivered: 0,
                failed: 0,
                // 1 µs to 1 hour at 3 significant digits: a few tens of KB.
                latency_us: Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds"),
                per_partition: vec![0; partitions],
                details_skipped: 0,
            }),
            breaker: request.circuit_breaker.map(|settings| Mutex::new(Breaker::new(settings))),
            in_flight: None,
        }
    }

    /// This recorder's run under the server's in-flight `limit`.
    pub fn with_in_flight_limit(mut self, limit: Arc<InFlightLimit>) -> Self {
        self.in_flight = Some(limit);
        self
    }

    /// A place under the server's in-flight limit for the next message: at once when
    /// there is one; else the page is told once per run, and the run waits for
    /// deliveries. `None` when there is no limit, or the run was stopped while waiting.
    /// Sets `waited` when it had to wait.
    async fn in_flight_ticket(
        &self,
        told: &mut bool,
        waited: &mut bool,
        stop: &AtomicBool,
    ) -> Result<Option<InFlightTicket>, ()> {
        let Some(limit) = &self.in_flight else { return Ok(None) };
        if let Some(ticket) = limit.try_take() {
            return Ok(Some(ticket));
        }
        *waited = true;
        if !*told {
            *told = true;
            let message = format!(
                "The server's limit of {} messages in flight across every trainee is reached: sends wait for delivery reports.",
                limit.max()
            );
            info!("run {}: {message}", self.run);
            let line = LogLine { level: "warning".into(), facility: "LIMIT".into(), message };
            let _ = self.events.try_send(Event::Log(line));
        }
        loop {
            match tokio::time::timeout(Duration::from_millis(100), limit.take()).await {
                Ok(ticket) => return Ok(Some(ticket)),
                Err(_) if stop.load(Ordering::Relaxed) => return Err(()),
                Err(_) => {}
            }
        }
    }

    fn breaker(&self) -> Option<std::sync::MutexGuard<'_, Breaker>> {
        self.breaker.as_ref().map(|b| b.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Tells the page that the circuit changed; the next `stats` says it again, should
    /// the queue be full now.
    fn circuit_changed(&self, state: CircuitState, failures: u32) {
        let at_ms = self.started.elapsed().as_millis() as u64;
        info!("Circuit {state:?} after {failures} failures in a row");
        let _ = self.events.try_send(Event::Circuit(CircuitChange { run: self.run, state, failures, at_ms }));
    }

    /// What the circuit breaker says of the next message; send it, without one.
    fn admit(&self) -> Admit {
        let Some(mut breaker) = self.breaker() else { return Admit::Send };
        let (admit, change) = breaker.admit(Instant::now());
        let failures = breaker.failures();
        drop(breaker);
        if let Some(state) = change {
            self.circuit_changed(state, failures);
        }
        admit
    }

    /// Tells the circuit breaker, if any, how a message ended.
    fn breaker_outcome(&self, delivered: bool, trial: bool) {
        let Some(mut breaker) = self.breaker() else { return };
        let change = breaker.outcome(delivered, trial, Instant::now());
        let failures = breaker.failures();
        drop(breaker);
        if let Some(state) = change {
            self.circuit_changed(state, failures);
        }
    }

    /// Fails a message that the open circuit kept from Kafka: it was never sent.
    fn short_circuited(&self, seq: u64, key: Option<String>) {
        let failures = self.breaker().map_or(0, |b| b.failures());
        self.finish(seq, 0, None, || {
            Event::Failed(Failed {
                run: self.run,
                seq,
                key,
                error: CIRCUIT_OPEN.to_owned(),
                message: format!("the circuit breaker is open after {failures} failures in a row: not sent to Kafka"),
                // Never sent, so never retried: the run's next message may go through.
                retriable: false,
                persistence: Persistence::NotPersisted,
                latency_us: 0,
            })
        });
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        // A panic while holding the lock cannot leave the counters half-updated.
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count_sent(&self) {
        self.sent.fetch_add(1, Ordering::Release);
    }

    /// Takes back a message counted as sent that was never handed to librdkafka.
    fn uncount_sent(&self) {
        self.sent.fetch_sub(1, Ordering::Release);
    }

    /// Records a delivery report and offers its detail to the page.
    fn record(&self, result: &DeliveryResult<'_>, message: InFlight) {
        let reported = match result {
            Ok(m) | Err((_, m)) => m,
        };
        // librdkafka's own clock, read when the message was made: one clock read less per
        // message on this thread than `elapsed` (the throughput benchmark saw 2 %).
        let latency_us =
            librdkafka_latency_us(reported).unwrap_or_else(|| message.sent_at.elapsed().as_micros() as u64);
        let InFlight { seq, key, timestamp_ms, done, trial, .. } = message;
        self.breaker_outcome(result.is_ok(), trial);
        match result {
            Ok(m) => self.finish(seq, latency_us, Some(m.partition()), || {
                Event::Delivered(Delivered {
                    run: self.run,
                    seq,
                    key,
                    topic: self.topic.clone(),
                    partition: m.partition(),
                    // With acks=0 the broker does not answer, so librdkafka has no offset.
                    offset: (m.offset() >= 0).then_some(m.offset()),
                    timestamp_ms,
                    log_append_time_ms: match m.timestamp() {
                        Timestamp::LogAppendTime(ms) => Some(ms),
                        _ => None,
                    },
                    latency_us,
                    reported_us: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64),
                })
            }),
            Err((e, m)) => self.finish(seq, latency_us, None, || {
                Event::Failed(Failed {
                    run: self.run,
                    seq,
                    key,
                    error: error_name(e),
                    message: describe(e),
                    retriable: e.rdkafka_error_code().is_some_and(retriable),
                    persistence: persistence(m),
                    latency_us,
                })
            }),
        }
        if let Some(done) = done {
            let _ = done.send(());
        }
    }

    /// Records a message that librdkafka refused before it was queued: a failure for the
    /// circuit breaker too (a refused trial must not leave it half-open for good).
    fn refused(&self, seq: u64, key: Option<String>, trial: bool, error: &KafkaError) {
        self.breaker_outcome(false, trial);
        self.finish(seq, 0, None, || {
            Event::Failed(Failed {
                run: self.run,
                seq,
                key,
                error: error_name(error),
                message: describe(error),
                retriable: false,
                persistence: Persistence::NotPersisted,
                latency_us: 0,
            })
        });
    }

    /// Counts one outcome (`partition` is `Some` for a delivery) and offers its detail.
    /// The detail is built only when it is offered or logged: past the cap, 99 messages
    /// in 100 cost the callback a few counters and no allocation.
    fn finish(&self, seq: u64, latency_us: u64, partition: Option<i32>, detail: impl FnOnce() -> Event) {
        let offer = seq <= DETAIL_CAP || seq.is_multiple_of(DETAIL_SAMPLE_EVERY);
        let event = (offer || self.log_each).then(detail);
        if self.log_each {
            match &event {
                Some(Event::Delivered(d)) => info!(
                    "✓ Message {seq} delivered → Topic {}, Partition {}, Offset {}",
                    d.topic,
                    d.partition,
                    d.offset.map_or_else(|| "unknown (acks=0)".to_owned(), |o| o.to_string())
                ),
                Some(Event::Failed(f)) => warn!("✗ Message {seq} failed: {}: {}", f.error, f.message),
                _ => {}
            }
        }
        let mut tally = self.tally();
        match partition {
            Some(partition) => {
                tally.delivered += 1;
                tally.latency_us.saturating_record(latency_us.max(1));
                if let Ok(p) = usize::try_from(partition) {
                    if p >= tally.per_partition.len() {
                        tally.per_partition.resize(p + 1, 0);
                    }
                    tally.per_partition[p] += 1;
                }
            }
            None => tally.failed += 1,
        }
        // Offered under the lock: once the run sees every outcome counted, every detail
        // is queued ahead of its `run_finished`. try_send never waits.
        let sent = event.filter(|_| offer).is_some_and(|event| self.events.try_send(event).is_ok());
        if !sent {
            tally.details_skipped += 1;
        }
    }

    /// Messages sent and with an outcome so far.
    fn progress(&self) -> (u64, u64) {
        let outcomes = {
            let t = self.tally();
            t.delivered + t.failed
        };
        // Read after the outcomes: a message is counted sent before it can have one.
        (self.sent.load(Ordering::Acquire), outcomes)
    }

    /// The run's figures now.
    pub fn stats(&self) -> RunStats {
        let t = self.tally();
        let elapsed = self.started.elapsed();
        let outcomes = t.delivered + t.failed;
        let sent = self.sent.load(Ordering::Acquire);
        RunStats {
            run: self.run,
            sent,
            delivered: t.delivered,
            failed: t.failed,
            in_flight: sent.saturating_sub(outcomes),
            msgs_per_sec: outcomes as f64 / elapsed.as_secs_f64().max(1e-6),
            p50_us: t.latency_us.value_at_quantile(0.50),
            p95_us: t.latency_us.value_at_quantile(0.95),
            p99_us: t.latency_us.value_at_quantile(0.99),
            max_us: t.latency_us.max(),
            per_partition: t.per_partition.clone(),
            elapsed_ms: elapsed.as_millis() as u64,
            details_skipped: t.details_skipped,
            circuit: self.breaker().map(|b| b.state()),
        }
    }
}

/// From producev to the delivery report, by librdkafka's clock, in microseconds.
#[allow(unsafe_code)]
fn librdkafka_latency_us(message: &rdkafka::message::BorrowedMessage<'_>) -> Option<u64> {
    // SAFETY: the message is valid for the duration of the delivery callback, and
    // rd_kafka_message_latency only reads it. rdkafka has no safe wrapper for it.
    let latency = unsafe { rdkafka::bindings::rd_kafka_message_latency(message.ptr()) };
    u64::try_from(latency).ok()
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

/// The templates of a request, parsed once for the whole run.
struct Templates {
    key: Option<Template>,
    value: Template,
    headers: Vec<(String, Template)>,
}

/// The bytes of `request`'s first message as rendered: key, value, header names and
/// values; `None` when a template does not parse (validation says why).
pub fn first_message_bytes(request: &ProduceRequest) -> Option<usize> {
    let templates = Templates::parse(request).ok()?;
    let mut env = ServerEnv(rand::rngs::StdRng::from_os_rng());
    let key = templates.key.as_ref().map_or(0, |t| t.render(1, &mut env).len());
    let headers: usize = templates.headers.iter().map(|(name, t)| name.len() + t.render(1, &mut env).len()).sum();
    Some(key + templates.value.render(1, &mut env).len() + headers)
}

impl Templates {
    fn parse(request: &ProduceRequest) -> Result<Self, Problem> {
        let parse = |name: &str, t: &str| {
            Template::parse(t).map_err(|problem| Problem::Template { field: name.to_owned(), problem })
        };
        Ok(Self {
            key: request.key_template.as_deref().map(|t| parse("key_template", t)).transpose()?,
            value: parse("value_template", &request.value_template)?,
            headers: request
                .headers
                .iter()
                .map(|h| Ok((h.name.clone(), parse(&h.name, &h.value)?)))
                .collect::<Result<_, Problem>>()?,
        })
    }
}

/// Runs `request`: renders and sends each message, sync (awaiting each delivery report,
/// the lab's loop) or pipelined (the delivery callback keeps up), at the requested rate.
/// `stop` ends it early: nothing more is sent, messages in flight still get their
/// outcome. Ends with a flush; returns the totals, with `sent = delivered + failed`.
pub async fn run(
    producer: &Arc<LabProducer>,
    recorder: &Arc<Recorder>,
    request: &ProduceRequest,
    stop: &AtomicBool,
) -> RunFinished {
    let started = Instant::now();
    let run = recorder.run;
    let templates = match Templates::parse(request) {
        Ok(t) => t,
        Err(problem) => {
            // The session validates first; this keeps the function honest on its own.
            let _ = recorder.events.send(Event::Error(shared::protocol::ErrorEvent::new(problem))).await;
            return RunFinished { run, sent: 0, delivered: 0, failed: 0, elapsed_ms: 0, stopped: false };
        }
    };
    // ThreadRng is !Send and this future moves between threads.
    let mut env = ServerEnv(rand::rngs::StdRng::from_os_rng());
    let sync = request.mode == RunMode::Sync;
    let mut stopped = false;
    let mut told_limit = false;
    let mut value = String::new();
    let clock = (now_ms(), Instant::now());
    let mut now = clock.1;
    // Set when the loop waited (a full queue, the in-flight limit): the clock is read again.
    let mut waited = false;
    for seq in 1..=u64::from(request.count) {
        if stop.load(Ordering::Relaxed) {
            stopped = true;
            break;
        }
        if let Some(rate) = request.rate {
            let due = started + Duration::from_secs_f64((seq - 1) as f64 / f64::from(rate));
            tokio::time::sleep_until(due.into()).await;
        } else if !sync && seq % 256 == 0 {
            // A pipelined run never waits otherwise: let the session's other tasks in.
            tokio::task::yield_now().await;
        }
        let key = templates.key.as_ref().map(|t| t.render(seq, &mut env));
        // One buffer for every value of the run: librdkafka copies it.
        templates.value.render_into(seq, &mut env, &mut value);
        // No header list at all for messages without headers: it is one allocation less.
        let headers = (!templates.headers.is_empty()).then(|| {
            let mut headers = OwnedHeaders::new_with_capacity(templates.headers.len());
            for (name, template) in &templates.headers {
                let rendered = template.render(seq, &mut env);
                headers = headers.insert(Header { key: name, value: Some(rendered.as_str()) });
            }
            headers
        });
        let admit = recorder.admit();
        if admit == Admit::Refuse {
            recorder.count_sent();
            recorder.short_circuited(seq, key);
            continue;
        }
        let Ok(ticket) = recorder.in_flight_ticket(&mut told_limit, &mut waited, stop).await else {
            stopped = true;
            break;
        };
        if sync {
            info!("Sending message {seq}: {value}");
        }
        let (done, delivered) = if sync {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        // CreateTime from the run's start and the monotonic clock, read once every 64
        // messages of a pipelined run (64 messages take well under a millisecond, CreateTime's
        // unit) and for every message of a sync or paced run.
        if sync || request.rate.is_some() || seq % 64 == 1 || waited {
            now = Instant::now();
            waited = false;
        }
        let sent_at = now;
        let timestamp_ms = clock.0 + sent_at.duration_since(clock.1).as_millis() as i64;
        let in_flight = Box::new(InFlight {
            seq,
            key: key.clone(),
            sent_at,
            timestamp_ms,
            recorder: Arc::clone(recorder),
            done,
            trial: admit == Admit::Trial,
            _ticket: ticket,
        });
        let mut record = BaseRecord::with_opaque_to(&request.topic, in_flight).payload(&value).timestamp(timestamp_ms);
        if let Some(headers) = headers {
            record = record.headers(headers);
        }
        if let Some(key) = &key {
            record = record.key(key);
        }
        if let Some(partition) = request.partition {
            record = record.partition(partition);
        }
        recorder.count_sent();
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    if stop.load(Ordering::Relaxed) {
                        // Never handed over: it is not sent, so it needs no outcome.
                        recorder.uncount_sent();
                        stopped = true;
                        break;
                    }
                    // The local queue is full: wait for delivery reports to drain it.
                    record = back;
                    waited = true;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err((e, back)) => {
                    recorder.refused(seq, back.delivery_opaque.key.clone(), back.delivery_opaque.trial, &e);
                    break;
                }
            }
        }
        if stopped {
            break;
        }
        if let Some(delivered) = delivered {
            // Err means the message was refused above, so it has its outcome already.
            let _ = delivered.await;
        }
    }
    let flush_wait = Duration::from_millis(u64::from(request.settings.message_timeout_ms) + 5_000);
    if let Err(e) = flush(producer, flush_wait).await {
        warn!("Flush did not finish: {e}");
    }
    // Delivery callbacks run on the producer's thread: wait until the last one landed.
    // Whatever the flush left (it is bounded) is purged, which gives it its outcome.
    let settled = |recorder: &Recorder| {
        let (sent, outcomes) = recorder.progress();
        sent == outcomes
    };
    let mut deadline = Instant::now() + Duration::from_secs(5);
    let mut purged = false;
    while !settled(recorder) {
        if Instant::now() >= deadline {
            if purged {
                warn!("run {run}: some messages got no delivery report even after a purge");
                break;
            }
            purge(producer);
            purged = true;
            deadline = Instant::now() + Duration::from_secs(5);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let stats = recorder.stats();
    RunFinished {
        run,
        sent: stats.sent,
        delivered: stats.delivered,
        failed: stats.failed,
        elapsed_ms: started.elapsed().as_millis() as u64,
        stopped,
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
    }

    #[test]
    fn recorder_counts_exactly_and_caps_details() {
        let (events, mut queue) = mpsc::channel(16);
        let recorder = Recorder::new(1, &ProduceRequest::lab(), 6, events);
        for seq in 1..=40 {
            recorder.count_sent();
            recorder.refused(seq, None, false, &KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge));
        }
        let stats = recorder.stats();
        assert_eq!((stats.sent, stats.failed, stats.in_flight), (40, 40, 0));
        // The queue holds 16: the other 24 details are skipped, and counted.
        assert_eq!(stats.details_skipped, 24);
        let mut seen = 0;
        while queue.try_recv().is_ok() {
            seen += 1;
        }
        assert_eq!(seen, 16);
    }
}
