//! librdkafka's event queue of a producer (delivery reports, logs, statistics, errors),
//! served by a task of the server's runtime instead of a thread of its own.
//!
//! rdkafka's `ThreadedProducer` gives each producer a thread that polls its queue: 200
//! trainees' producers were 200 more threads on a 2-core server, and each delivery report
//! went from librdkafka's broker thread to that thread, then to the runtime. Here
//! librdkafka calls `ffi::wake_up` when the queue gets an event while empty
//! (`rd_kafka_queue_cb_event_enable`), and [`serve`] polls it on the runtime.
//!
//! A pipelined run serves its producer's events itself, between its sends
//! ([`RunPolls`]), as kcat does: a message is then allocated, sent, reported and freed
//! on one thread, and the counters its report touches (its run's, the in-flight limit's)
//! stay in that core's cache instead of moving between two threads for every message.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use tokio::sync::Notify;

use super::{Delivery, LabProducer};

/// Events served in one turn before the task lets the server's other tasks in (a delivery
/// report event holds up to a batch's messages).
const EVENTS_PER_TURN: usize = 16;

/// Who serves a producer's events: its task, woken by librdkafka, unless a run serves
/// them between its sends.
pub(super) struct Wake {
    task: Notify,
    run_polls: AtomicBool,
    /// Woken instead of the task while a run serves: a run whose local queue is full
    /// waits for its next report on it.
    run: Notify,
}

impl Wake {
    /// Nobody waiting yet, the task to serve.
    pub(super) fn new() -> Self {
        Self { task: Notify::new(), run_polls: AtomicBool::new(false), run: Notify::new() }
    }

    /// librdkafka's wake-up, on its own thread: it must not wait, and does not (a
    /// `Notify` stores one wake-up if nobody waits). A run that serves looks at the queue
    /// on its next turn; when it stops serving, it wakes the task (`RunPolls::drop`),
    /// which then serves what came meanwhile.
    pub(super) fn woken(&self) {
        if self.run_polls.load(Ordering::SeqCst) {
            self.run.notify_one();
        } else {
            self.task.notify_one();
        }
    }

    /// The producer's queue is gone: the serving task sees it and ends.
    pub(super) fn producer_gone(&self) {
        self.task.notify_one();
    }
}

/// A run polling its producer's events between its sends (see the module's doc), until
/// dropped: then the producer's task serves them again. A run that waits for anything
/// its own deliveries would end (the in-flight limit) must drop this first.
pub struct RunPolls {
    wake: Arc<Wake>,
}

impl Drop for RunPolls {
    fn drop(&mut self) {
        self.wake.run_polls.store(false, Ordering::SeqCst);
        // Whatever came while the run served and it did not see, the task serves now.
        self.wake.task.notify_one();
    }
}

impl<M: Delivery> LabProducer<M> {
    /// The caller polls this producer's events (with [`LabProducer::poll_some`]) until
    /// it drops the guard. One run at a time sends with a producer.
    pub fn run_polls(&self) -> RunPolls {
        self.queue.wake.run_polls.store(true, Ordering::SeqCst);
        RunPolls { wake: self.queue.wake() }
    }

    /// Serves the events waiting now, a turn's worth at most (delivery callbacks and
    /// all, on this thread); true when it served any.
    pub fn poll_some(&self, _serving: &RunPolls) -> bool {
        let waiting = self.queue.len() > 0;
        self.serve_events(EVENTS_PER_TURN);
        waiting
    }

    /// Waits up to `wait` for an event to come, when none waits (the run serves it next).
    pub async fn next_event(&self, serving: &RunPolls, wait: std::time::Duration) {
        let came = serving.wake.run.notified();
        tokio::pin!(came);
        // Registered before the look: an event that comes in between wakes it.
        came.as_mut().enable();
        if self.queue.len() == 0 {
            let _ = tokio::time::timeout(wait, came).await;
        }
    }

    /// Serves up to `max` events; true when more wait.
    fn serve_events(&self, max: usize) -> bool {
        for _ in 0..max {
            if self.queue.len() == 0 {
                return false;
            }
            SERVED_AT.set(Some(std::time::Instant::now()));
            self.base.poll(std::time::Duration::ZERO);
            SERVED_AT.set(None);
        }
        self.queue.len() > 0
    }
}

thread_local! {
    /// When the event being served on this thread was taken from the queue.
    static SERVED_AT: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
}

/// When the delivery report being handled was served: read once for a whole event (a
/// batch's reports), or now outside [`serve`] and [`RunPolls`] (rdkafka's own flush
/// when a producer is dropped).
pub(super) fn served_at() -> std::time::Instant {
    SERVED_AT.get().unwrap_or_else(std::time::Instant::now)
}

/// The task that serves `producer`'s events while it lives, woken by `wake`.
pub(super) async fn serve<M: Delivery>(producer: Weak<LabProducer<M>>, wake: Arc<Wake>) {
    loop {
        let Some(live) = producer.upgrade() else { return };
        // Events that came before the queue was watched are served on the first turn.
        let more = live.serve_events(EVENTS_PER_TURN);
        // Every other handle may have gone while this turn served: the last one is
        // destroyed on a blocking thread (`release`), not on this runtime's worker.
        super::release(live);
        // A run that serves takes the rest on its next turn.
        if more && !wake.run_polls.load(Ordering::SeqCst) {
            tokio::task::yield_now().await;
        } else {
            wake.task.notified().await;
        }
    }
}
