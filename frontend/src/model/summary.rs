//! A finished run, as a comparison needs it: kept by the page (and in the tab across a
//! reload), drawn and compared by [`crate::compare`].

use serde::{Deserialize, Serialize};
use shared::protocol::ProduceRequest;

use super::{LATENCY_BINS, Page, Run};

/// Runs the page keeps for comparing (also across a reload, in the tab).
pub const KEPT: usize = 12;

/// A finished run, as a comparison needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The run's number in the session.
    pub run: u64,
    /// What was asked (settings, count, mode, rate).
    pub request: ProduceRequest,
    /// Messages delivered and failed.
    pub delivered: u64,
    /// Messages that failed.
    pub failed: u64,
    /// From the first send to the last outcome, in milliseconds.
    pub elapsed_ms: u64,
    /// Latency percentiles, in microseconds: p50, p95, p99.
    pub percentiles_us: [u64; 3],
    /// Delivered messages by latency bin (see [`crate::model::latency_bin`]).
    pub latency_bins: Vec<u32>,
    /// Throughput over time: (ms since the start, messages per second).
    pub throughput: Vec<(u64, f64)>,
    /// Where the latency went, from librdkafka's statistics after the run: waiting in
    /// the producer (linger, batching), waiting to be sent, and the round trip (the wire
    /// and the broker), in microseconds; `None` until they came.
    #[serde(default)]
    pub breakdown_us: Option<[i64; 3]>,
    /// A paced run's latency from each message's intended send time: p50, p95, p99, in
    /// microseconds.
    #[serde(default)]
    pub from_intended_us: Option<[u64; 3]>,
}

/// Where a producer's messages spent their time over librdkafka's last statistics
/// window, averaged over the brokers weighted by the messages each put into produce
/// requests (a broker that only answered a metadata request counts for nothing): in the
/// partition queue (`int_latency`), waiting to be sent (`outbuf_latency`), and on the
/// round trip (`rtt`), in microseconds.
pub fn breakdown(stats: &shared::protocol::ProducerStats) -> [i64; 3] {
    let samples: i64 = stats.brokers.iter().map(|b| b.queued_samples.max(0)).sum();
    if samples == 0 {
        return [0; 3];
    }
    let mean = |f: fn(&shared::protocol::BrokerStats) -> i64| {
        stats.brokers.iter().map(|b| f(b) * b.queued_samples.max(0)).sum::<i64>() / samples
    };
    [mean(|b| b.queue_latency_avg_us), mean(|b| b.send_wait_avg_us), mean(|b| b.rtt_avg_us)]
}

/// Where the page's current run's latency went: its summary's breakdown once told, else
/// librdkafka's last statistics while it runs; `None` before any message went into a
/// produce request.
pub fn run_breakdown(page: &Page) -> Option<[i64; 3]> {
    let run = page.run.as_ref()?.run;
    page.summaries
        .iter()
        .find(|s| s.run == run)
        .and_then(|s| s.breakdown_us)
        .or_else(|| page.producer_stats.as_ref().map(breakdown))
        .filter(|b| b.iter().any(|us| *us > 0))
}

impl Summary {
    /// The summary of `run`, once it finished and if this page knows what it asked.
    pub fn of(run: &Run) -> Option<Self> {
        let finished = run.finished.as_ref()?;
        let request = run.request.clone()?;
        let stats = run.stats.as_ref();
        Some(Self {
            run: run.run,
            request,
            delivered: finished.delivered,
            failed: finished.failed,
            elapsed_ms: finished.elapsed_ms,
            percentiles_us: stats.map_or([0; 3], |s| [s.p50_us, s.p95_us, s.p99_us]),
            latency_bins: run.latency_bins.to_vec(),
            throughput: run.series.iter().map(|p| (p.elapsed_ms, p.msgs_per_sec)).collect(),
            breakdown_us: None,
            from_intended_us: stats.and_then(|s| s.from_intended).map(|p| [p.p50_us, p.p95_us, p.p99_us]),
        })
    }

    /// Delivered messages per second over the whole run.
    pub fn msgs_per_sec(&self) -> f64 {
        self.delivered as f64 / (self.elapsed_ms.max(1) as f64 / 1000.0)
    }

    /// The fraction of delivered messages at or under each bin's upper edge, bin by
    /// bin: the cumulative latency curve.
    pub fn cdf(&self) -> Vec<f64> {
        let total: u64 = self.latency_bins.iter().map(|&n| u64::from(n)).sum();
        let mut so_far = 0_u64;
        (0..LATENCY_BINS)
            .map(|bin| {
                so_far += u64::from(self.latency_bins.get(bin).copied().unwrap_or(0));
                if total == 0 { 0.0 } else { so_far as f64 / total as f64 }
            })
            .collect()
    }
}
