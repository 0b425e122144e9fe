//! One run as the page shows it: its rows (each message's one outcome), its figures
//! over time, its latency histogram and its partitions.

use shared::partitioner::predict;
use shared::protocol::{
    CircuitChange, Delivered, ErrorName, Failed, Persistence, ProduceRequest, RunFinished, RunStats,
};
use shared::settings::Partitioner;

use super::key_hue;

/// Bins of the latency histogram, log-spaced from 10 µs to 100 s.
pub const LATENCY_BINS: usize = 28;

/// Cells a partition's lane draws; past this it says how many more there are.
pub const CELLS_PER_LANE: usize = 120;

/// Where a latency in microseconds sits on the histogram's log scale: 0 at 10 µs, 1 at
/// 100 s.
pub fn latency_scale(latency_us: u64) -> f64 {
    ((latency_us.max(10) as f64).log10() - 1.0) / 7.0
}

/// The histogram bin of a latency in microseconds.
pub fn latency_bin(latency_us: u64) -> usize {
    ((latency_scale(latency_us) * LATENCY_BINS as f64) as usize).min(LATENCY_BINS - 1)
}

/// Points a chart keeps: past this, every other point goes, so a long run still fits.
pub const SERIES_POINTS: usize = 400;

/// A run's figures at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Since the run started, in milliseconds.
    pub elapsed_ms: u64,
    /// Outcomes per second since the previous point.
    pub msgs_per_sec: f64,
    /// Median latency so far, in microseconds.
    pub p50_us: u64,
    /// 99th percentile latency so far, in microseconds.
    pub p99_us: u64,
}

/// One message's outcome, as a row of the delivery table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Its number in the run.
    pub seq: u64,
    /// Its key.
    pub key: Option<String>,
    /// Its partition, when delivered.
    pub partition: Option<i32>,
    /// Its offset, when delivered with acks 1 or all.
    pub offset: Option<i64>,
    /// Delivery latency in microseconds.
    pub latency_us: u64,
    /// `None` when delivered; the error name and its words when failed.
    pub failure: Option<(ErrorName, String)>,
    /// The producer's CreateTime, when delivered.
    pub timestamp_ms: Option<i64>,
    /// The broker's LogAppendTime, when it reported one (synthetic on the mock).
    pub log_append_time_ms: Option<i64>,
    /// For a failure: whether retrying could cure it, and whether it may be written.
    pub failure_detail: Option<(bool, Persistence)>,
}

/// Which rows the delivery table shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this partition.
    pub partition: Option<i32>,
    /// Only delivered (`Some(true)`) or only failed (`Some(false)`).
    pub delivered: Option<bool>,
}

impl Filter {
    /// Whether `row` passes.
    pub fn keeps(&self, row: &Row) -> bool {
        self.partition.is_none_or(|p| row.partition == Some(p))
            && self.delivered.is_none_or(|d| row.failure.is_none() == d)
    }
}

impl Row {
    /// Whether this delivered row is where `partitioner` puts its key among `partitions`:
    /// `None` when the key does not decide (no key, a random partitioner, not delivered).
    pub fn as_predicted(&self, partitioner: Partitioner, partitions: u32) -> Option<bool> {
        let predicted = predict(partitioner, self.key.as_deref().map(str::as_bytes), partitions)?;
        Some(self.partition? as u32 == predicted)
    }
}

impl Run {
    /// The rows passing `filter`, `start` to `start + len`, and how many pass in all:
    /// what a virtualized table draws.
    pub fn window(&self, filter: Filter, start: usize, len: usize) -> (usize, Vec<Row>) {
        if filter == Filter::default() {
            let rows = self.rows.iter().skip(start).take(len).cloned().collect();
            return (self.rows.len(), rows);
        }
        let mut total = 0;
        let mut rows = Vec::with_capacity(len);
        for row in self.rows.iter().filter(|r| filter.keeps(r)) {
            if total >= start && rows.len() < len {
                rows.push(row.clone());
            }
            total += 1;
        }
        (total, rows)
    }
}

/// The run on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The run's number in this session.
    pub run: u64,
    /// How many messages it sends.
    pub count: u32,
    /// Outcomes so far, in order of arrival.
    pub rows: Vec<Row>,
    /// Delivered messages per partition.
    pub per_partition: Vec<u64>,
    /// The latest figures from the server.
    pub stats: Option<RunStats>,
    /// The run's figures over time, for the charts; at most [`SERIES_POINTS`].
    pub series: Vec<Point>,
    /// Delivered rows by latency bin, kept as rows arrive (see [`latency_bin`]).
    pub latency_bins: [u32; LATENCY_BINS],
    /// Per partition, the first [`CELLS_PER_LANE`] delivered rows: offset and key colour.
    pub lane_cells: Vec<Vec<(Option<i64>, Option<u32>)>>,
    /// Rows that are deliveries (the rest are failures), counted as they arrive.
    pub delivered_rows: usize,
    /// The totals, once it is over.
    pub finished: Option<RunFinished>,
    /// What this page asked for, when this page started it.
    pub request: Option<ProduceRequest>,
    /// Its circuit breaker's changes, in order.
    pub circuit: Vec<CircuitChange>,
    /// When, in the run's time, the last outcome came.
    pub last_outcome_ms: u64,
}

impl Default for Run {
    fn default() -> Self {
        Self {
            run: 0,
            count: 0,
            rows: Vec::new(),
            per_partition: Vec::new(),
            stats: None,
            series: Vec::new(),
            latency_bins: [0; LATENCY_BINS],
            lane_cells: Vec::new(),
            delivered_rows: 0,
            finished: None,
            request: None,
            circuit: Vec::new(),
            last_outcome_ms: 0,
        }
    }
}

impl Run {
    /// Messages delivered so far.
    pub fn delivered(&self) -> usize {
        self.delivered_rows
    }

    /// Messages failed so far, among the rows kept.
    pub fn failed(&self) -> usize {
        self.rows.len().saturating_sub(self.delivered())
    }

    /// Messages with an outcome so far: the server's exact count, which a page that came
    /// back mid-run (a reload) has where it missed the rows before.
    pub fn outcomes(&self) -> usize {
        let counted = self.stats.as_ref().map_or(0, |s| (s.delivered + s.failed) as usize);
        counted.max(self.rows.len())
    }

    /// About how many seconds the run has left: the time its outcomes took so far on
    /// average, times the messages left, less the time since the last outcome, so that
    /// between two outcomes (a sync run whose messages each wait for a timeout) it counts
    /// down, not up. None before the first outcome and once finished.
    pub fn seconds_left(&self) -> Option<f64> {
        let stats = self.stats.as_ref()?;
        let done = stats.delivered + stats.failed;
        let left = u64::from(self.count).saturating_sub(done);
        if self.finished.is_some() || left == 0 || done == 0 {
            return None;
        }
        let per_outcome_ms = self.last_outcome_ms as f64 / done as f64;
        let since_ms = stats.elapsed_ms.saturating_sub(self.last_outcome_ms) as f64;
        Some(((left as f64 * per_outcome_ms - since_ms) / 1000.0).max(0.0))
    }

    /// Keeps the latest figures and adds a point to the series.
    pub(super) fn record(&mut self, stats: RunStats) {
        let (before_ms, before) = self.stats.as_ref().map_or((0, 0), |s| (s.elapsed_ms, s.delivered + s.failed));
        let outcomes = stats.delivered + stats.failed;
        if outcomes > before {
            self.last_outcome_ms = stats.elapsed_ms;
        }
        let span_ms = stats.elapsed_ms.saturating_sub(before_ms);
        if span_ms > 0 {
            self.series.push(Point {
                elapsed_ms: stats.elapsed_ms,
                msgs_per_sec: outcomes.saturating_sub(before) as f64 * 1000.0 / span_ms as f64,
                p50_us: stats.p50_us,
                p99_us: stats.p99_us,
            });
            if self.series.len() > SERIES_POINTS {
                // Halve the resolution rather than forget the start of the run.
                let mut keep = false;
                self.series.retain(|_| {
                    keep = !keep;
                    keep
                });
            }
        }
        self.stats = Some(stats);
    }

    /// Delivered messages per partition: the server's exact counts once they come,
    /// which stay right when only a sample of rows is sent.
    pub fn per_partition(&self) -> Vec<u64> {
        match &self.stats {
            Some(stats) if stats.delivered >= self.delivered_rows as u64 => {
                let mut counts = stats.per_partition.clone();
                counts.resize(counts.len().max(self.per_partition.len()), 0);
                counts
            }
            _ => self.per_partition.clone(),
        }
    }
}

impl Run {
    /// A delivery report of a delivered message: its row, and the counts kept as rows
    /// arrive, so that drawing never walks every row.
    pub(super) fn add_delivered(&mut self, d: Delivered) {
        if let Ok(p) = usize::try_from(d.partition) {
            if p >= self.per_partition.len() {
                self.per_partition.resize(p + 1, 0);
            }
            self.per_partition[p] += 1;
            if p >= self.lane_cells.len() {
                self.lane_cells.resize(p + 1, Vec::new());
            }
            if self.lane_cells[p].len() < CELLS_PER_LANE {
                self.lane_cells[p].push((d.offset, d.key.as_deref().map(key_hue)));
            }
        }
        self.delivered_rows += 1;
        self.latency_bins[latency_bin(d.latency_us)] += 1;
        self.rows.push(Row {
            seq: d.seq,
            key: d.key,
            partition: Some(d.partition),
            offset: d.offset,
            latency_us: d.latency_us,
            failure: None,
            timestamp_ms: Some(d.timestamp_ms),
            log_append_time_ms: d.log_append_time_ms,
            failure_detail: None,
        });
    }

    /// A delivery report of a failed message: its row.
    pub(super) fn add_failed(&mut self, f: Failed) {
        self.rows.push(Row {
            seq: f.seq,
            key: f.key,
            partition: None,
            offset: None,
            latency_us: f.latency_us,
            failure: Some((f.error, f.message)),
            timestamp_ms: None,
            log_append_time_ms: None,
            failure_detail: Some((f.retriable, f.persistence)),
        });
    }
}
