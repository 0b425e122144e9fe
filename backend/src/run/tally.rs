//! A run's exact tally of outcomes: delivered and failed, the latency histogram, the
//! deliveries per partition, and the details the page did not get.

use std::time::Duration;

use hdrhistogram::Histogram;
use shared::protocol::{CircuitState, Percentiles, RunStats};

/// One message's outcome, as the tally counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered to `partition` after `latency_us`.
    Delivered {
        /// The partition it was written to.
        partition: i32,
        /// From the send to its delivery report, in microseconds.
        latency_us: u64,
        /// How late it was sent after its intended time, in a paced run, in microseconds.
        late_us: u64,
    },
    /// Failed (by Kafka, by librdkafka, or by an open circuit).
    Failed,
}

/// Counts and latencies of a run's outcomes.
pub struct Tally {
    delivered: u64,
    failed: u64,
    latency_us: Histogram<u64>,
    /// From each message's intended send time, in a paced run.
    from_intended_us: Option<Histogram<u64>>,
    per_partition: Vec<u64>,
    details_skipped: u64,
}

impl Tally {
    /// An empty tally for a topic of `partitions` partitions (more are added as seen);
    /// `paced` runs also count the latency from each message's intended send time.
    pub fn new(partitions: usize, paced: bool) -> Self {
        // 1 µs to 1 hour at 3 significant digits: a few tens of KB.
        let histogram = || Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds");
        Self {
            delivered: 0,
            failed: 0,
            latency_us: histogram(),
            from_intended_us: paced.then(histogram),
            per_partition: vec![0; partitions],
            details_skipped: 0,
        }
    }

    /// Counts one outcome.
    pub fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Delivered { partition, latency_us, late_us } => {
                self.delivered += 1;
                self.latency_us.saturating_record(latency_us.max(1));
                if let Some(from_intended) = &mut self.from_intended_us {
                    from_intended.saturating_record((latency_us + late_us).max(1));
                }
                if let Ok(p) = usize::try_from(partition) {
                    if p >= self.per_partition.len() {
                        self.per_partition.resize(p + 1, 0);
                    }
                    self.per_partition[p] += 1;
                }
            }
            Outcome::Failed => self.failed += 1,
        }
    }

    /// Counts a message's detail that the page did not get.
    pub fn detail_skipped(&mut self) {
        self.details_skipped += 1;
    }

    /// Messages with an outcome.
    pub fn outcomes(&self) -> u64 {
        self.delivered + self.failed
    }

    /// The run's figures, with `sent` messages sent `elapsed` after its start.
    pub fn stats(&self, run: u64, sent: u64, elapsed: Duration, circuit: Option<CircuitState>) -> RunStats {
        let outcomes = self.outcomes();
        RunStats {
            run,
            sent,
            delivered: self.delivered,
            failed: self.failed,
            in_flight: sent.saturating_sub(outcomes),
            msgs_per_sec: outcomes as f64 / elapsed.as_secs_f64().max(1e-6),
            p50_us: self.latency_us.value_at_quantile(0.50),
            p95_us: self.latency_us.value_at_quantile(0.95),
            p99_us: self.latency_us.value_at_quantile(0.99),
            max_us: self.latency_us.max(),
            per_partition: self.per_partition.clone(),
            elapsed_ms: elapsed.as_millis() as u64,
            details_skipped: self.details_skipped,
            circuit,
            from_intended: self.from_intended_us.as_ref().map(|h| Percentiles {
                p50_us: h.value_at_quantile(0.50),
                p95_us: h.value_at_quantile(0.95),
                p99_us: h.value_at_quantile(0.99),
                max_us: h.max(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_exact_and_latencies_come_from_the_histogram() {
        let mut tally = Tally::new(6, false);
        for n in 1..=100 {
            tally.count(Outcome::Delivered { partition: (n % 3) as i32, latency_us: n * 1000, late_us: 0 });
        }
        tally.count(Outcome::Failed);
        tally.detail_skipped();
        let stats = tally.stats(2, 103, Duration::from_secs(1), None);
        assert_eq!((stats.run, stats.sent, stats.delivered, stats.failed, stats.in_flight), (2, 103, 100, 1, 2));
        assert_eq!(stats.per_partition, [33, 34, 33, 0, 0, 0]);
        assert!((49_000..=51_000).contains(&stats.p50_us), "p50 {}", stats.p50_us);
        assert!((98_000..=100_100).contains(&stats.p99_us), "p99 {}", stats.p99_us);
        assert_eq!(stats.details_skipped, 1);
        assert_eq!(stats.msgs_per_sec, 101.0);
        assert_eq!(stats.from_intended, None, "not paced");
    }

    #[test]
    fn a_paced_run_that_fell_behind_shows_it_from_the_intended_send_times() {
        // A sync loop at 10 msgs/s on a broker that takes 200 ms: each message takes
        // 200 ms from its send, but message n is sent (n - 1) × 100 ms after it was due.
        let mut tally = Tally::new(6, true);
        for n in 1..=100_u64 {
            tally.count(Outcome::Delivered { partition: 0, latency_us: 200_000, late_us: (n - 1) * 100_000 });
        }
        let stats = tally.stats(1, 100, Duration::from_secs(20), None);
        assert!((199_000..=201_000).contains(&stats.p99_us), "from the send, all alike: {}", stats.p99_us);
        let intended = stats.from_intended.expect("paced");
        assert!((5_050_000..=5_200_000).contains(&intended.p50_us), "p50 {}", intended.p50_us);
        assert!((9_950_000..=10_150_000).contains(&intended.p99_us), "p99 {}", intended.p99_us);
    }

    #[test]
    fn a_partition_beyond_the_known_ones_is_added() {
        let mut tally = Tally::new(2, false);
        tally.count(Outcome::Delivered { partition: 4, latency_us: 0, late_us: 0 });
        let stats = tally.stats(1, 1, Duration::ZERO, None);
        assert_eq!(stats.per_partition, [0, 0, 0, 0, 1]);
        assert_eq!(stats.max_us, 1, "a latency of 0 is recorded as 1 µs");
    }
}
