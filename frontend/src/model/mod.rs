//! The page's state as plain Rust, so its logic is tested with ordinary `#[test]`s.
//!
//! [`Page`] is what the server told; [`Page::apply`] folds one [`Event`] into it. The
//! rest, one concept a file: [`Form`] what the trainee typed (`form`), [`Run`] one run as
//! shown (`run`), [`Summary`] a finished run kept for comparing (`summary`).

mod form;
mod run;
mod summary;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use shared::lab;
use shared::protocol::{
    ClusterState, ErrorEvent, Event, Hello, LogLine, ProduceRequest, ProducerStats, Records, RunFinished,
};

pub use form::{Form, PreviewRow};
pub use run::{CELLS_PER_LANE, Filter, LATENCY_BINS, Point, Row, Run, SERIES_POINTS, latency_bin, latency_scale};
pub use summary::{KEPT, Summary, breakdown, run_breakdown};

/// The state of the WebSocket to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Opening, for the first time or again.
    Connecting,
    /// Open.
    Open,
    /// Closed; the page tries again shortly.
    Closed,
    /// Refused until the trainee gives the class's code.
    CodeNeeded,
    /// The session went on on another connection of this page's key (another tab): this
    /// one does not reconnect, so that the two do not take it from each other.
    Elsewhere,
}

/// What the server told the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// The cluster, from `hello`.
    pub hello: Option<Hello>,
    /// The current or last run.
    pub run: Option<Run>,
    /// The last error the server sent, until the next run starts.
    pub error: Option<ErrorEvent>,
    /// The last [`LOG_LINES`] lines of librdkafka's log.
    pub logs: Vec<LogLine>,
    /// Brokers and faults.
    pub cluster: Option<ClusterState>,
    /// librdkafka's latest statistics of this session's producer.
    pub producer_stats: Option<ProducerStats>,
    /// The last records read back.
    pub records: Option<Records>,
    /// The last request this page sent, to check each delivery against its prediction.
    pub sent: Option<ProduceRequest>,
    /// The last [`HISTORY_RUNS`] finished runs, newest last: what the lab's checks judge.
    pub history: Vec<Run>,
    /// Records read back for a question (a `consume` with a tag), by tag.
    pub reads: BTreeMap<String, Records>,
    /// Counts finished runs and answered questions: what the lab's checks watch.
    pub revision: u64,
    /// The name the server knows the trainee by, and their own topic if they have one.
    pub joined: Option<(String, Option<String>)>,
    /// The instructor's last message to the class, until dismissed.
    pub broadcast: Option<String>,
    /// How many times the instructor started this trainee's lab progress again: the lab
    /// panel clears its progress when this changes.
    pub progress_resets: u32,
    /// The last [`KEPT`] finished runs this page started, to compare.
    pub summaries: Vec<Summary>,
}

/// Finished runs the page remembers.
pub const HISTORY_RUNS: usize = 12;

/// Rows a remembered run keeps; a longer run keeps its figures only.
pub const HISTORY_ROWS: usize = 5_000;

/// Log lines the page keeps.
pub const LOG_LINES: usize = 200;

impl Page {
    /// Partitions of the lab's topic, as the cluster said (the lab's 6 until it does).
    pub fn partitions(&self) -> usize {
        self.hello
            .as_ref()
            .and_then(|h| h.topics.iter().find(|t| t.name == lab::TOPIC))
            .map_or(lab::PARTITIONS as usize, |t| t.partitions.max(0) as usize)
    }

    /// Whether a delivered row went where the preview said: `None` when the key does
    /// not decide the partition.
    pub fn as_predicted(&self, row: &Row) -> Option<bool> {
        let sent = self.sent.as_ref()?;
        row.as_predicted(sent.settings.partitioner, u32::try_from(self.partitions()).ok()?)
    }

    /// True while a run is on and not finished.
    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.finished.is_none())
    }

    /// Folds one event from the server into the page.
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Hello(hello) => self.hello(hello),
            Event::RunStarted { run, .. } if self.run.as_ref().is_some_and(|r| r.run == run) => {
                // The server telling a page that came back about the run it shows already.
            }
            Event::RunStarted { run, count, .. } => {
                self.error = None;
                self.run = Some(Run {
                    run,
                    count,
                    per_partition: vec![0; self.partitions()],
                    request: self.sent.clone(),
                    ..Run::default()
                });
            }
            Event::Delivered(d) => {
                if let Some(run) = self.run.as_mut().filter(|r| r.run == d.run) {
                    run.add_delivered(d);
                }
            }
            Event::Failed(f) => {
                if let Some(run) = self.run.as_mut().filter(|r| r.run == f.run) {
                    run.add_failed(f);
                }
            }
            Event::RunFinished(totals) => self.run_finished(totals),
            Event::Stats(stats) => {
                if let Some(run) = self.run.as_mut().filter(|r| r.run == stats.run) {
                    run.record(stats);
                }
            }
            Event::Log(line) => {
                if self.logs.len() == LOG_LINES {
                    self.logs.remove(0);
                }
                self.logs.push(line);
            }
            Event::Error(e) => self.error = Some(e),
            Event::Cluster(state) => self.cluster = Some(state),
            Event::ProducerStats(stats) => {
                // The first statistics after a run cover its last second: where its
                // latency went.
                if let Some(last) = self.summaries.last_mut().filter(|s| s.breakdown_us.is_none()) {
                    last.breakdown_us = Some(breakdown(&stats));
                }
                self.producer_stats = Some(stats);
            }
            Event::Records(records) => match records.tag.clone() {
                Some(tag) => {
                    self.reads.insert(tag, records);
                    self.revision += 1;
                }
                None => self.records = Some(records),
            },
            Event::Circuit(change) => {
                if let Some(run) = self.run.as_mut().filter(|r| r.run == change.run) {
                    run.circuit.push(change);
                }
            }
            Event::Joined { name, topic } => {
                // A name refused before is answered now: its error goes.
                if self.error.as_ref().is_some_and(|e| e.fields.iter().any(|f| f.field == "name")) {
                    self.error = None;
                }
                self.joined = Some((name, topic));
            }
            Event::Broadcast { text } => self.broadcast = Some(text),
            Event::ProgressReset => self.progress_resets += 1,
            Event::Batch { events } => {
                for event in events {
                    self.apply(event);
                }
            }
        }
    }

    /// A connection's first event.
    fn hello(&mut self, hello: Hello) {
        // A new session counts its runs from 1 again; a session found again after a
        // dropped connection keeps what this page knows of it.
        if !hello.resumed {
            self.history.clear();
            self.reads.clear();
            self.joined = None;
            self.run = None;
        }
        self.revision += 1;
        self.hello = Some(hello);
    }

    /// The run's end: kept in the history (without its rows when it had many), once,
    /// even when a page that came back is told again.
    fn run_finished(&mut self, totals: RunFinished) {
        let Some(run) = self.run.as_mut().filter(|r| r.run == totals.run && r.finished.is_none()) else { return };
        run.finished = Some(totals);
        if let Some(summary) = Summary::of(run) {
            if self.summaries.len() == KEPT {
                self.summaries.remove(0);
            }
            self.summaries.push(summary);
        }
        let mut kept = run.clone();
        if kept.rows.len() > HISTORY_ROWS {
            kept.rows = Vec::new();
            kept.delivered_rows = 0;
        }
        kept.series = Vec::new();
        kept.lane_cells = Vec::new();
        if self.history.len() == HISTORY_RUNS {
            self.history.remove(0);
        }
        self.history.push(kept);
        self.revision += 1;
    }
}

/// A colour for a key (a hue, 0 to 359), the same on every page: FNV-1a of its bytes.
pub fn key_hue(key: &str) -> u32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash % 360
}

/// A latency in microseconds as milliseconds for people: `4.21 ms`.
pub fn format_latency(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}
