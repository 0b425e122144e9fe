//! One run: the messages of one `produce`, sent by the session's producer, each ending
//! with exactly one outcome, the run ending with its totals (`sent = delivered + failed`)
//! after every detail it queued for the page.
//!
//! [`Run::start`] spawns the run and returns its [`RunHandle`], which owns the task and
//! its stop signal; the [`Run`] itself (its number, live figures and final totals) is
//! shared with the class, the instructor and a page that comes back. The run is built
//! from plain parts, each tested on its own with time passed in:
//! - [`messages`]: the templates rendered by sequence number, and the CreateTime clock;
//! - [`gate`]: what a message passes first, the circuit breaker ([`breaker`]) and the
//!   server's in-flight limit;
//! - [`reports`]: where delivery reports go, on whoever serves the producer's events;
//! - [`tally`]: the exact counts, the latency histogram, the partitions;
//! - `send`: the loop that puts them together.
//!
//! The server's sessions and the console's `playground produce` start runs the same way.

pub mod breaker;
pub mod gate;
pub mod messages;
pub mod reports;
mod send;
pub mod tally;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use shared::problem::Problem;
use shared::protocol::{ErrorEvent, Event, ProduceRequest, RunFinished, RunMode, RunStats};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{info, warn};

pub use gate::InFlightLimit;

use crate::producer;
pub use reports::RunProducer;

/// How often a live run's figures go to the page.
pub const STATS_EVERY: Duration = Duration::from_millis(50);

/// How long a run being closed waits after its purge for the last outcomes.
const PURGE_WAIT: Duration = Duration::from_secs(5);

/// What a run is asked to do, besides its request.
pub struct Plan {
    /// The run's number in its session, from 1.
    pub number: u64,
    /// The topic's partitions, when the cluster said (for the per-partition counts).
    pub partitions: usize,
    /// The session's share of the server's messages in flight, if any.
    pub in_flight: Option<Arc<InFlightLimit>>,
    /// With a rate: when the session's previous paced run's schedule ends, so that a
    /// session's rate holds across its runs (many short runs cannot each start at once).
    pub paced_from: Option<Instant>,
    /// Whether the messages' details are offered (a page shows them; the console not).
    pub details: bool,
}

/// A run as others see it: its number, its live figures, its totals once it ended.
pub struct Run {
    number: u64,
    topic: String,
    count: u32,
    mode: RunMode,
    reports: Arc<reports::Reports>,
    finished: OnceLock<RunFinished>,
}

impl Run {
    /// Starts `request` on `producer`: its events (details, figures every
    /// [`STATS_EVERY`], the totals last) go to `events`.
    pub fn start(
        producer: Arc<RunProducer>,
        request: ProduceRequest,
        plan: Plan,
        events: mpsc::Sender<Event>,
    ) -> RunHandle {
        let gate = gate::Gate::new(request.circuit_breaker, plan.in_flight);
        let log_each = request.mode == RunMode::Sync;
        let reports = reports::Reports::new(
            plan.number,
            &request.topic,
            plan.partitions,
            request.rate.is_some(),
            log_each,
            gate,
            events.clone(),
        );
        let reports = if plan.details { reports } else { reports.without_details() };
        let run = Arc::new(Run {
            number: plan.number,
            topic: request.topic.clone(),
            count: request.count,
            mode: request.mode,
            reports: Arc::new(reports),
            finished: OnceLock::new(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let paced_from = plan.paced_from;
        let task = tokio::spawn(Arc::clone(&run).drive(producer, request, paced_from, Arc::clone(&stop), events));
        RunHandle { run, stop, task }
    }

    /// The run's number in its session, from 1.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// `run_started`, as the page was told.
    pub fn started(&self) -> Event {
        Event::RunStarted { run: self.number, topic: self.topic.clone(), count: self.count, mode: self.mode }
    }

    /// The run's figures now.
    pub fn stats(&self) -> RunStats {
        self.reports.stats()
    }

    /// The totals, once the run ended.
    pub fn finished(&self) -> Option<RunFinished> {
        self.finished.get().cloned()
    }

    /// The run's task: tells the page it started, sends with figures every
    /// [`STATS_EVERY`], then the last figures and the totals.
    async fn drive(
        self: Arc<Self>,
        producer: Arc<RunProducer>,
        request: ProduceRequest,
        paced_from: Option<Instant>,
        stop: Arc<AtomicBool>,
        events: mpsc::Sender<Event>,
    ) {
        let started = Instant::now();
        if events.send(self.started()).await.is_err() {
            return;
        }
        let ready = messages::Messages::parse(&request).and_then(|messages| {
            let topic = producer::TopicHandle::new(&producer, &request.topic)
                .map_err(|e| Problem::Kafka { detail: e.to_string() })?;
            Ok((messages, topic))
        });
        // The topic handle keeps the producer: this task's own handle must not be the one
        // that outlives the session's (destroying the producer is not for a worker).
        drop(producer);
        let stopped = match ready {
            Ok((messages, topic)) => {
                let reports = Arc::clone(&self.reports);
                let sending = send::SendLoop { topic, request, messages, reports, stop, paced_from, serving: None };
                self.with_stats_ticker(sending.run(), &events).await
            }
            // The session validates first; this keeps the run honest on its own.
            Err(problem) => {
                let _ = events.send(Event::Error(ErrorEvent::new(problem))).await;
                false
            }
        };
        let stats = self.stats();
        let totals = RunFinished {
            run: self.number,
            sent: stats.sent,
            delivered: stats.delivered,
            failed: stats.failed,
            // The loop settles on its last outcome (within 2 ms), not on rust-rdkafka's
            // flush steps of 100 ms (see `SendLoop::settle`).
            elapsed_ms: started.elapsed().as_millis() as u64,
            stopped,
        };
        info!(
            "Run {} finished: {} sent, {} delivered, {} failed in {} ms",
            self.number, totals.sent, totals.delivered, totals.failed, totals.elapsed_ms
        );
        let _ = events.send(Event::Stats(stats)).await;
        let _ = self.finished.set(totals.clone());
        let _ = events.send(Event::RunFinished(totals)).await;
    }

    /// Runs `sending` to its end, offering the run's figures to the page meanwhile.
    async fn with_stats_ticker(&self, sending: impl Future<Output = bool>, events: &mpsc::Sender<Event>) -> bool {
        tokio::pin!(sending);
        let mut tick = tokio::time::interval(STATS_EVERY);
        loop {
            tokio::select! {
                stopped = &mut sending => return stopped,
                _ = tick.tick() => {
                    // Skipped when the page is behind: the next one is newer anyway.
                    let _ = events.try_send(Event::Stats(self.stats()));
                }
            }
        }
    }
}

/// A started run, owned by whoever started it: stop it, wait for it, close it.
pub struct RunHandle {
    run: Arc<Run>,
    stop: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl RunHandle {
    /// The run, to share.
    pub fn run(&self) -> &Arc<Run> {
        &self.run
    }

    /// True until the run ended: until its totals are known (they are, before the page
    /// is told, so a page that sends its next run on `run_finished` is not refused while
    /// the task returns), or its task is gone.
    pub fn is_running(&self) -> bool {
        self.run.finished().is_none() && !self.task.is_finished()
    }

    /// Stops the run: nothing more is sent; the messages in flight still get their outcome.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for the run's end and returns its totals.
    pub async fn finish(self) -> Option<RunFinished> {
        let _ = self.task.await;
        self.run.finished()
    }

    /// Stops the run and waits up to `wait` for its messages in flight; past that, fails
    /// them with a purge of `producer` (the run's) so that each still gets its outcome.
    pub async fn close(mut self, wait: Duration, producer: &RunProducer) {
        self.stop();
        if tokio::time::timeout(wait, &mut self.task).await.is_err() {
            // Messages still waiting (a broker down, a long message.timeout.ms).
            warn!("run {} did not end within {wait:?} of its session closing; purging its messages", self.run.number);
            producer::purge(producer);
            let _ = tokio::time::timeout(PURGE_WAIT, self.task).await;
        }
    }
}
