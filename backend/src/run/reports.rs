//! Where a run's delivery reports go, wherever the producer's events are served (its
//! task, or a pipelined run itself between sends): the [`Tally`], the
//! circuit breaker's count, the message's detail offered to the page, and the lab's log
//! line. Shared by the send loop and the delivery callback, so nothing here waits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use shared::protocol::{CircuitChange, Delivered, ErrorName, Event, Failed, LogLine, Persistence, RunStats};
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

use super::gate::{CircuitChanged, Full, Gate, InFlightTicket};
use super::tally::{Outcome, Tally};
use crate::producer::{Delivery, Failure, LabProducer, Report};

/// The producer a run sends with: its messages carry an [`InFlight`].
pub type RunProducer = LabProducer<InFlight>;

/// Per-message details sent in full before the run switches to a sample.
pub const DETAIL_CAP: u64 = 10_000;

/// Past [`DETAIL_CAP`], one message in this many has its detail sent.
pub const DETAIL_SAMPLE_EVERY: u64 = 100;

/// Whether message `seq`'s detail is offered to the page: every one up to the cap, then
/// a sample, so that a page is never sent a million rows.
pub fn detail_offered(seq: u64) -> bool {
    seq <= DETAIL_CAP || seq.is_multiple_of(DETAIL_SAMPLE_EVERY)
}

/// A message sent and waiting for its delivery report: what travels with it through
/// librdkafka.
pub struct InFlight {
    /// Its number in the run.
    pub seq: u64,
    /// Its key, for the page.
    pub key: Option<String>,
    /// When it was handed to the producer.
    pub sent_at: Instant,
    /// How late that was after its intended send time, in a paced run, in microseconds.
    pub late_us: u64,
    /// Its CreateTime.
    pub timestamp_ms: i64,
    /// Its run's reports.
    pub reports: Arc<Reports>,
    /// Set in sync mode, where the loop awaits each delivery.
    pub done: Option<oneshot::Sender<()>>,
    /// The circuit breaker's half-open trial: its outcome alone decides.
    pub trial: bool,
    /// Its place under the server's in-flight limit, freed with its delivery report.
    pub ticket: Option<InFlightTicket>,
}

impl Delivery for InFlight {
    fn reported(self, report: Report) {
        let reports = Arc::clone(&self.reports);
        reports.reported(self, report);
    }
}

/// A run's delivery reports: counted, told to the circuit breaker, offered to the page.
pub struct Reports {
    run: u64,
    topic: String,
    /// Log each delivery in the lab's words (sync runs; a pipelined run would flood).
    log_each: bool,
    /// Offer messages' details to the page (see [`detail_offered`]); the console has none.
    details: bool,
    started: Instant,
    events: mpsc::Sender<Event>,
    /// Messages handed to the producer: counted apart from the tally, so that the sending
    /// loop never waits for the lock the delivery callback holds.
    sent: AtomicU64,
    tally: Mutex<Tally>,
    /// The circuit breaker and the in-flight limit.
    pub gate: Gate,
}

impl Reports {
    /// The reports of run `run` to `topic` (of `partitions` partitions), whose details go
    /// to `events`; `log_each` logs every outcome in the lab's words; a `paced` run also
    /// counts latencies from the intended send times.
    pub fn new(
        run: u64,
        topic: &str,
        partitions: usize,
        paced: bool,
        log_each: bool,
        gate: Gate,
        events: mpsc::Sender<Event>,
    ) -> Self {
        Self {
            run,
            topic: topic.to_owned(),
            log_each,
            details: true,
            started: Instant::now(),
            events,
            sent: AtomicU64::new(0),
            tally: Mutex::new(Tally::new(partitions, paced)),
            gate,
        }
    }

    /// The same reports, offering no message's detail: for a run nobody watches message
    /// by message (the console prints the lab's log and the totals).
    pub fn without_details(mut self) -> Self {
        self.details = false;
        self
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        // A panic while holding the lock cannot leave the counters half-updated.
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a message as sent, before it is handed to the producer (so that it is
    /// counted before it can have an outcome).
    pub fn count_sent(&self) {
        self.sent.fetch_add(1, Ordering::Release);
    }

    /// Takes back a message counted as sent that was never handed to librdkafka.
    pub fn uncount_sent(&self) {
        self.sent.fetch_sub(1, Ordering::Release);
    }

    /// Messages sent, and messages with an outcome, so far.
    pub fn progress(&self) -> (u64, u64) {
        let outcomes = self.tally().outcomes();
        // Read after the outcomes: a message is counted sent before it can have one.
        (self.sent.load(Ordering::Acquire), outcomes)
    }

    /// The run's figures now.
    pub fn stats(&self) -> RunStats {
        let tally = self.tally();
        tally.stats(self.run, self.sent.load(Ordering::Acquire), self.started.elapsed(), self.gate.circuit())
    }

    /// Tells the page that the circuit changed; the next `stats` says it again, should
    /// the queue be full now.
    pub fn circuit_changed(&self, change: CircuitChanged) {
        let at_ms = self.started.elapsed().as_millis() as u64;
        let CircuitChanged { state, failures } = change;
        info!("Circuit {state:?} after {failures} failures in a row");
        let _ = self.events.try_send(Event::Circuit(CircuitChange { run: self.run, state, failures, at_ms }));
    }

    /// Tells the page once that the run waits for the server's in-flight limit of `max`.
    pub fn waiting_for_limit(&self, full: Full) {
        let max = full.max;
        let message = if full.whole {
            format!(
                "The server's limit of {max} messages in flight across every trainee is reached: sends wait for delivery reports."
            )
        } else {
            format!("This session's share of {max} messages in flight is reached: sends wait for delivery reports.")
        };
        info!("run {}: {message}", self.run);
        let _ =
            self.events.try_send(Event::Log(LogLine { level: "warning".into(), facility: "LIMIT".into(), message }));
    }

    /// A message's delivery report.
    fn reported(&self, message: InFlight, report: Report) {
        // The send's reading to the event's: a pipelined run reads the clock once in
        // `Clock::READ_EVERY` sends (and after any wait or serving), so a message's latency
        // there can be long by the time the sends before it took since (tens of µs).
        let latency_us = report.reported_at.saturating_duration_since(message.sent_at).as_micros() as u64;
        let InFlight { seq, key, timestamp_ms, done, trial, late_us, .. } = message;
        if let Some(change) = self.gate.outcome(report.outcome.is_ok(), trial, Instant::now) {
            self.circuit_changed(change);
        }
        match report.outcome {
            Ok(written) => {
                let outcome = Outcome::Delivered { partition: written.partition, latency_us, late_us };
                self.finish(seq, outcome, || {
                    Event::Delivered(Delivered {
                        run: self.run,
                        seq,
                        key,
                        topic: self.topic.clone(),
                        partition: written.partition,
                        offset: written.offset,
                        timestamp_ms,
                        log_append_time_ms: written.log_append_time_ms,
                        latency_us,
                        reported_us: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64),
                    })
                });
            }
            Err(failure) => self.finish(seq, Outcome::Failed, || self.failed(seq, key, failure, latency_us)),
        }
        if let Some(done) = done {
            let _ = done.send(());
        }
    }

    fn failed(&self, seq: u64, key: Option<String>, failure: Failure, latency_us: u64) -> Event {
        let Failure { error, message, retriable, persistence } = failure;
        Event::Failed(Failed { run: self.run, seq, key, error, message, retriable, persistence, latency_us })
    }

    /// A message that librdkafka refused before it was queued: a failure for the circuit
    /// breaker too (a refused trial must not leave it half-open for good).
    pub fn refused(&self, seq: u64, key: Option<String>, trial: bool, failure: Failure) {
        if let Some(change) = self.gate.outcome(false, trial, Instant::now) {
            self.circuit_changed(change);
        }
        self.finish(seq, Outcome::Failed, || self.failed(seq, key, failure, 0));
    }

    /// A message that the open circuit kept from Kafka: it was never sent.
    pub fn short_circuited(&self, seq: u64, key: Option<String>, failures: u32) {
        let failure = Failure {
            error: ErrorName::CircuitOpen,
            message: format!("the circuit breaker is open after {failures} failures in a row: not sent to Kafka"),
            // Never sent, so never retried: the run's next message may go through.
            retriable: false,
            persistence: Persistence::NotPersisted,
        };
        self.finish(seq, Outcome::Failed, || self.failed(seq, key, failure, 0));
    }

    /// Counts one outcome and offers its detail. The detail is built only when it is
    /// offered or logged: past the cap, 99 messages in 100 cost the callback a few
    /// counters and no allocation.
    fn finish(&self, seq: u64, outcome: Outcome, detail: impl FnOnce() -> Event) {
        let offer = self.details && detail_offered(seq);
        let event = (offer || self.log_each).then(detail);
        if self.log_each {
            log_outcome(seq, event.as_ref());
        }
        let mut tally = self.tally();
        tally.count(outcome);
        // Offered under the lock: once the run sees every outcome counted, every detail
        // is queued ahead of its `run_finished`. try_send never waits.
        let queued = event.filter(|_| offer).is_some_and(|event| self.events.try_send(event).is_ok());
        if !queued {
            tally.detail_skipped();
        }
    }
}

/// The lab's log line for an outcome: `✓ Message 1 delivered → Topic: orders.created,
/// Partition: 3, Offset: 0, Timestamp: 2026-02-05 11:30:00`.
fn log_outcome(seq: u64, event: Option<&Event>) {
    match event {
        Some(Event::Delivered(d)) => info!(
            "✓ Message {seq} delivered → Topic: {}, Partition: {}, Offset: {}, Timestamp: {}",
            d.topic,
            d.partition,
            d.offset.map_or_else(|| "unknown (acks=0)".to_owned(), |o| o.to_string()),
            lab_timestamp(d.timestamp_ms)
        ),
        Some(Event::Failed(f)) => warn!("✗ Message {seq} failed: {}: {}", f.error, f.message),
        _ => {}
    }
}

/// A timestamp as the lab's log prints it (`2026-02-05 11:30:00`, UTC).
fn lab_timestamp(ms: i64) -> String {
    let iso = shared::template::iso8601(ms);
    iso.get(..19).unwrap_or(&iso).replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_reads_as_in_the_labs_log() {
        // 2026-02-05T11:30:00.250Z
        assert_eq!(lab_timestamp(1_770_291_000_250), "2026-02-05 11:30:00");
    }

    #[test]
    fn reports_count_exactly_and_cap_details() {
        let (events, mut queue) = mpsc::channel(16);
        let reports = Reports::new(1, "orders.created", 6, false, false, Gate::new(None, None), events);
        for seq in 1..=40 {
            reports.count_sent();
            let failure = Failure {
                error: ErrorName::MessageSizeTooLarge,
                message: "too large".into(),
                retriable: false,
                persistence: Persistence::NotPersisted,
            };
            reports.refused(seq, None, false, failure);
        }
        let stats = reports.stats();
        assert_eq!((stats.sent, stats.failed, stats.in_flight), (40, 40, 0));
        // The queue holds 16: the other 24 details are skipped, and counted.
        assert_eq!(stats.details_skipped, 24);
        let mut seen = 0;
        while queue.try_recv().is_ok() {
            seen += 1;
        }
        assert_eq!(seen, 16);
    }

    #[test]
    fn past_the_cap_one_detail_in_a_hundred_is_offered() {
        assert!(detail_offered(1) && detail_offered(DETAIL_CAP));
        assert!(!detail_offered(DETAIL_CAP + 1));
        assert!(detail_offered(DETAIL_CAP + DETAIL_SAMPLE_EVERY));
    }

    #[test]
    fn an_open_circuit_fails_a_message_unsent_with_its_own_error_name() {
        let (events, mut queue) = mpsc::channel(16);
        let reports = Reports::new(3, "orders.created", 6, false, false, Gate::new(None, None), events);
        reports.count_sent();
        reports.short_circuited(1, Some("ORD-0001".into()), 3);
        let Ok(Event::Failed(failed)) = queue.try_recv() else { panic!("no failure") };
        assert_eq!((failed.run, failed.seq, failed.error, failed.retriable), (3, 1, ErrorName::CircuitOpen, false));
        assert!(failed.message.contains("3 failures in a row"));
        assert_eq!(reports.progress(), (1, 1));
    }
}
