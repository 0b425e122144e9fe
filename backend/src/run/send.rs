//! The send loop: for each message, pace, render, pass the gate, hand it to the producer
//! (sync: await its delivery report, the lab's loop); then flush, and settle every
//! message's outcome.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use shared::protocol::{ProduceRequest, RunMode};
use tokio::sync::oneshot;
use tracing::{info, warn};

use super::gate::Admission;
use super::messages::{self, Clock, Messages};
use super::reports::{InFlight, Reports};
use crate::producer::{self, NotQueued, Outgoing, RunPolls, TopicHandle};

/// How a message's turn in the loop ended.
enum Step {
    /// On to the next message.
    Next,
    /// The run was stopped: nothing more is sent.
    Stopped,
}

/// How often a run that does not wait (pipelined, or failing fast) lets the server's
/// other tasks in: about every millisecond at full speed. Each yield also wakes the
/// runtime's other worker to look for work, which at every 256 messages cost the
/// console's pipelined run a twentieth of its time.
const YIELD_EVERY: u64 = 2048;

/// How often a run that serves its delivery reports looks for them (when none came,
/// it is a look at the queue's length).
const SERVE_EVERY: u64 = 256;

/// How long a send waits for room when the producer's local queue is full, before it
/// tries again.
const QUEUE_FULL_WAIT: Duration = Duration::from_millis(1);

/// How long the run waits for the last delivery callbacks after the flush, and again
/// after a purge.
const SETTLE_WAIT: Duration = Duration::from_secs(5);

/// One run's loop and what it sends with.
pub(super) struct SendLoop {
    /// The run's topic, on the session's producer.
    pub topic: TopicHandle<InFlight>,
    pub request: ProduceRequest,
    pub messages: Messages,
    pub reports: Arc<Reports>,
    pub stop: Arc<AtomicBool>,
    /// The earliest a paced run's schedule starts (the session's previous run's end).
    pub paced_from: Option<Instant>,
    /// Set while a run that does not wait (pipelined, no rate) serves its producer's
    /// delivery reports itself between sends (see `producer::RunPolls`).
    pub serving: Option<RunPolls>,
}

impl SendLoop {
    /// Sends every message (or until stopped) and settles their outcomes; true when it
    /// was stopped.
    pub async fn run(mut self) -> bool {
        if !self.sync() && self.request.rate.is_none() {
            self.serving = Some(self.topic.producer().run_polls());
        }
        let stopped = self.send_all().await;
        // The settling waits: the producer's task serves the last reports.
        self.serving = None;
        // The lab's loop awaits each delivery, so it can say this before its Flush.
        if self.sync() && !stopped {
            let stats = self.reports.stats();
            if stats.failed == 0 && stats.delivered == stats.sent {
                info!("All messages sent successfully!");
            }
        }
        self.settle().await;
        stopped
    }

    fn sync(&self) -> bool {
        self.request.mode == RunMode::Sync
    }

    async fn send_all(&mut self) -> bool {
        let started = Instant::now();
        let mut clock = Clock::new(messages::unix_now_ms(), started);
        let schedule = self.paced_from.map_or(started, |from| from.max(started));
        // Set when the loop waited (a full queue, the in-flight limit, serving reports,
        // other tasks): the clock is read again.
        let mut waited = false;
        for seq in 1..=u64::from(self.request.count) {
            if self.stop.load(Ordering::Relaxed) {
                return true;
            }
            let due = self.pace(schedule, seq, &mut waited).await;
            if let Step::Stopped = self.send_one(seq, due, &mut clock, &mut waited).await {
                return true;
            }
        }
        false
    }

    /// Waits for message `seq`'s due time when the run has a rate, and gives that time;
    /// else serves the delivery reports that came every [`SERVE_EVERY`] messages, when
    /// the run serves them, and lets the server's other tasks in every [`YIELD_EVERY`]
    /// messages (either sets `waited`: the clock is read again). Sync runs yield too: a
    /// message an open circuit fails, or librdkafka refuses, has no delivery report to
    /// wait for, and a loop of those would hold its worker (200,000 of them kept
    /// `/api/health` waiting 6.8 s).
    async fn pace(&self, started: Instant, seq: u64, waited: &mut bool) -> Option<Instant> {
        if let Some(rate) = self.request.rate {
            let due = messages::due(started, seq, rate);
            tokio::time::sleep_until(due.into()).await;
            Some(due)
        } else {
            if seq.is_multiple_of(SERVE_EVERY) && self.serve_reports() {
                *waited = true;
            }
            if seq.is_multiple_of(YIELD_EVERY) {
                tokio::task::yield_now().await;
                *waited = true;
            }
            None
        }
    }

    /// Serves the delivery reports that came, when this run serves them; true if any.
    fn serve_reports(&self) -> bool {
        self.serving.as_ref().is_some_and(|serving| self.topic.producer().poll_some(serving))
    }

    /// A place under the in-flight limit, waiting for one if it is full; `None` when the
    /// run was stopped meanwhile. The deliveries that free places are served by the
    /// producer's task while this run waits.
    async fn place(&mut self) -> Option<super::gate::Place> {
        if let Some(place) = self.reports.gate.place_now() {
            return Some(place);
        }
        let served = self.serving.take().is_some();
        let place = self.reports.gate.place(&self.stop).await.ok();
        if served {
            self.serving = Some(self.topic.producer().run_polls());
        }
        place
    }

    /// Renders message `seq` (intended to go at `due` in a paced run), passes it through
    /// the gate and hands it to the producer; in sync mode, waits for its delivery report.
    async fn send_one(&mut self, seq: u64, due: Option<Instant>, clock: &mut Clock, waited: &mut bool) -> Step {
        let rendered = self.messages.render(seq);
        let (admission, change) = self.reports.gate.admit(Instant::now);
        if let Some(change) = change {
            self.reports.circuit_changed(change);
        }
        let trial = match admission {
            Admission::Send { trial } => trial,
            Admission::CircuitOpen { failures } => {
                self.reports.count_sent();
                self.reports.short_circuited(seq, rendered.key, failures);
                return Step::Next;
            }
        };
        let Some(place) = self.place().await else { return Step::Stopped };
        if let Some(full) = place.first_wait {
            self.reports.waiting_for_limit(full);
        }
        let each = self.sync() || self.request.rate.is_some();
        let read = Clock::reads(seq, each, *waited || place.waited);
        let (sent_at, timestamp_ms) = clock.stamp(read.then(Instant::now));
        *waited = false;
        if self.sync() {
            info!("Sending message {seq}: {}", messages::preview(self.messages.value()));
        }
        let (done, delivered) = if self.sync() {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let message = Outgoing {
            topic: &self.request.topic,
            partition: self.request.partition,
            key: rendered.key.as_deref(),
            value: self.messages.value(),
            header_names: self.messages.header_names(),
            header_values: &rendered.header_values,
            timestamp_ms,
        };
        let in_flight = InFlight {
            seq,
            key: rendered.key.clone(),
            sent_at,
            // A paced run reads the clock for each message, so `sent_at` is its own.
            late_us: due.map_or(0, |due| sent_at.saturating_duration_since(due).as_micros() as u64),
            timestamp_ms,
            reports: Arc::clone(&self.reports),
            done,
            trial,
            ticket: place.ticket,
        };
        if let Step::Stopped = self.hand_over(&message, Box::new(in_flight), waited).await {
            return Step::Stopped;
        }
        if let Some(delivered) = delivered {
            // Err means the message was refused, so it has its outcome already.
            let _ = delivered.await;
        }
        Step::Next
    }

    /// Hands `message` to the producer, waiting while its local queue is full.
    async fn hand_over(&self, message: &Outgoing<'_>, mut in_flight: Box<InFlight>, waited: &mut bool) -> Step {
        self.reports.count_sent();
        loop {
            match producer::send(&self.topic, message, in_flight) {
                Ok(()) => return Step::Next,
                Err(NotQueued::QueueFull(back)) => {
                    if self.stop.load(Ordering::Relaxed) {
                        // Never handed over: it is not sent, so it needs no outcome.
                        self.reports.uncount_sent();
                        return Step::Stopped;
                    }
                    // The local queue is full: wait for delivery reports to drain it (serve
                    // them, when this run does). The wait makes the message later still
                    // after its intended send time.
                    in_flight = back;
                    *waited = true;
                    let before = Instant::now();
                    match &self.serving {
                        // Reports that came free room at once; else the next one does, served
                        // as it comes rather than a millisecond on.
                        Some(serving) => {
                            if !self.topic.producer().poll_some(serving) {
                                self.topic.producer().next_event(serving, QUEUE_FULL_WAIT).await;
                            }
                        }
                        None => tokio::time::sleep(QUEUE_FULL_WAIT).await,
                    }
                    in_flight.late_us += before.elapsed().as_micros() as u64;
                }
                Err(NotQueued::Refused(back, failure)) => {
                    self.reports.refused(back.seq, back.key.clone(), back.trial, failure);
                    return Step::Next;
                }
            }
        }
    }

    /// Flushes, then waits until every message sent has its outcome: delivery callbacks
    /// run on the producer's thread. Whatever the flush left (it is bounded) is purged,
    /// which gives it its outcome.
    async fn settle(&self) {
        let flush_wait = Duration::from_millis(u64::from(self.request.settings.message_timeout_ms) + 5_000);
        let settled = || {
            let (sent, outcomes) = self.reports.progress();
            sent == outcomes
        };
        // Every outcome first, looked at every 2 ms, then the lab's Flush (which has
        // nothing left to wait for): rust-rdkafka's flush looks every 100 ms, so a run
        // that flushed first ended up to 100 ms after its last delivery report.
        let flushed_by = Instant::now() + flush_wait;
        while !settled() && Instant::now() < flushed_by {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if let Err(e) =
            producer::flush(self.topic.producer(), flushed_by.saturating_duration_since(Instant::now())).await
        {
            warn!("Flush did not finish: {e}");
        }
        let mut deadline = Instant::now() + SETTLE_WAIT;
        let mut purged = false;
        while !settled() {
            if Instant::now() >= deadline {
                if purged {
                    warn!("some messages got no delivery report even after a purge");
                    return;
                }
                producer::purge(self.topic.producer());
                purged = true;
                deadline = Instant::now() + SETTLE_WAIT;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
