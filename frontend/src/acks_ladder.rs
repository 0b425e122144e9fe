//! The acks ladder on a replicating cluster: acks=1 and acks=all sent as a pair, one
//! message at a time, and repeated (within a bound) until acks=all's extra wait for the
//! followers shows in the trainee's own figures, or the page says it did not.
//!
//! Sync, not pipelined: each message's latency is then one produce request's round
//! trip, so the only difference between the two runs is whom the leader waits for. In
//! a pipelined run the latency is mostly the queue in front of the request, which hides
//! that difference. Repeated, because on one machine a single run's tail is noise too.

use shared::protocol::{ProduceRequest, RunMode};
use shared::settings::Acks;

use crate::model::Summary;

/// How many acks=1 / acks=all pairs the ladder sends at most before saying it could not
/// show the difference.
pub const ATTEMPTS: u32 = 3;

/// The fewest messages per run: enough for a 95th percentile of 10 messages.
pub const MESSAGES: u32 = 200;

/// How much slower acks=all must be, at the median and at the 95th percentile, for the
/// page to call it slower: under 5 %, one machine's noise decides.
pub const MARGIN: f64 = 1.05;

/// The ladder's request on a replicating cluster: the trainee's, sent one message at a
/// time, with at least [`MESSAGES`].
pub fn on_replicating_cluster(base: &ProduceRequest) -> ProduceRequest {
    let mut request = base.clone();
    request.mode = RunMode::Sync;
    request.count = request.count.max(MESSAGES);
    request
}

/// One more acks=1 / acks=all pair from `base`, neither idempotent.
pub fn pair(base: &ProduceRequest) -> Vec<ProduceRequest> {
    [Acks::One, Acks::All]
        .into_iter()
        .map(|acks| {
            let mut request = base.clone();
            request.settings.acks = acks;
            request.settings.enable_idempotence = false;
            request
        })
        .collect()
}

/// What a pair of runs showed.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// acks=all was slower at the median and at the 95th percentile, by these ratios
    /// (acks=all over acks=1), on this attempt.
    Slower {
        /// p50 of acks=all over p50 of acks=1.
        p50: f64,
        /// p95 of acks=all over p95 of acks=1.
        p95: f64,
        /// Which pair showed it, from 1.
        attempt: u32,
    },
    /// Not shown by this pair: send another.
    Again,
    /// Not shown in [`ATTEMPTS`] pairs; the last pair's ratios.
    NotShown {
        /// p50 of acks=all over p50 of acks=1.
        p50: f64,
        /// p95 of acks=all over p95 of acks=1.
        p95: f64,
    },
    /// A run of the pair lost messages, so its latencies compare nothing (acks=all
    /// refused with one broker of three left, for example).
    Failed {
        /// The failed messages of acks=1's run.
        one: u64,
        /// The failed messages of acks=all's run.
        all: u64,
    },
}

/// What the pair `one` (acks=1) and `all` (acks=all), sent as the ladder's `attempt`th
/// pair (from 1), showed.
pub fn verdict(one: &Summary, all: &Summary, attempt: u32) -> Verdict {
    if one.failed > 0 || all.failed > 0 {
        return Verdict::Failed { one: one.failed, all: all.failed };
    }
    let ratio = |at: usize| all.percentiles_us[at] as f64 / one.percentiles_us[at].max(1) as f64;
    let (p50, p95) = (ratio(0), ratio(1));
    if p50 >= MARGIN && p95 >= MARGIN {
        Verdict::Slower { p50, p95, attempt }
    } else if attempt < ATTEMPTS {
        Verdict::Again
    } else {
        Verdict::NotShown { p50, p95 }
    }
}

/// The last acks=1 and the last acks=all run without idempotence among `runs`: the pair
/// to judge.
pub fn last_pair<'a>(runs: &[&'a Summary]) -> Option<(&'a Summary, &'a Summary)> {
    let last = |acks: Acks| {
        runs.iter().rev().find(|s| s.request.settings.acks == acks && !s.request.settings.enable_idempotence).copied()
    };
    Some((last(Acks::One)?, last(Acks::All)?))
}

/// The runs to compare once the ladder is done: acks=0, the pair judged, and acks=all
/// with idempotence if it was asked for; in the order they ran.
pub fn compared(runs: &[&Summary]) -> Vec<u64> {
    let mut chosen: Vec<u64> = Vec::new();
    if let Some(zero) = runs.iter().find(|s| s.request.settings.acks == Acks::Zero) {
        chosen.push(zero.run);
    }
    if let Some((one, all)) = last_pair(runs) {
        chosen.extend([one.run, all.run]);
    }
    if let Some(idempotent) = runs.iter().find(|s| s.request.settings.enable_idempotence) {
        chosen.push(idempotent.run);
    }
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LATENCY_BINS;

    fn run(run: u64, acks: Acks, p50_us: u64, p95_us: u64, failed: u64) -> Summary {
        let mut request = ProduceRequest::lab();
        request.settings.acks = acks;
        Summary {
            run,
            request,
            delivered: 200 - failed,
            failed,
            elapsed_ms: 1_000,
            percentiles_us: [p50_us, p95_us, p95_us * 2],
            latency_bins: vec![0; LATENCY_BINS],
            throughput: Vec::new(),
            breakdown_us: None,
            from_intended_us: None,
        }
    }

    #[test]
    fn the_ladder_on_a_replicating_cluster_is_sync_with_at_least_200_messages() {
        let mut base = ProduceRequest::lab();
        base.mode = RunMode::Pipelined;
        let request = on_replicating_cluster(&base);
        assert_eq!((request.mode, request.count), (RunMode::Sync, MESSAGES));
        base.count = 1_000;
        assert_eq!(on_replicating_cluster(&base).count, 1_000, "more is kept");
        let acks: Vec<Acks> = pair(&request).iter().map(|r| r.settings.acks).collect();
        assert_eq!(acks, [Acks::One, Acks::All]);
    }

    #[test]
    fn acks_all_is_slower_only_when_both_its_median_and_its_tail_are() {
        let one = run(1, Acks::One, 1_000, 2_000, 0);
        assert_eq!(
            verdict(&one, &run(2, Acks::All, 2_000, 3_000, 0), 1),
            Verdict::Slower { p50: 2.0, p95: 1.5, attempt: 1 }
        );
        // Slower at the median, but not in the tail: try again, then say it did not show.
        let tail_alike = run(2, Acks::All, 2_000, 2_020, 0);
        assert_eq!(verdict(&one, &tail_alike, 1), Verdict::Again);
        assert_eq!(verdict(&one, &tail_alike, ATTEMPTS - 1), Verdict::Again);
        assert_eq!(verdict(&one, &tail_alike, ATTEMPTS), Verdict::NotShown { p50: 2.0, p95: 1.01 });
        // A run with failures compares nothing, whatever its latencies.
        assert_eq!(verdict(&one, &run(2, Acks::All, 9_000, 9_000, 200), 1), Verdict::Failed { one: 0, all: 200 });
    }

    #[test]
    fn the_runs_compared_are_acks_0_and_the_last_pair() {
        let runs = [
            run(4, Acks::Zero, 100, 200, 0),
            run(5, Acks::One, 1_000, 2_000, 0),
            run(6, Acks::All, 1_000, 2_000, 0),
            run(7, Acks::One, 1_000, 2_000, 0),
            run(8, Acks::All, 2_000, 4_000, 0),
        ];
        let refs: Vec<&Summary> = runs.iter().collect();
        let (one, all) = last_pair(&refs).unwrap();
        assert_eq!((one.run, all.run), (7, 8));
        assert_eq!(compared(&refs), [4, 7, 8]);
        let mut idempotent = run(9, Acks::All, 2_000, 4_000, 0);
        idempotent.request.settings.enable_idempotence = true;
        let mut with = refs.clone();
        with.push(&idempotent);
        assert_eq!(compared(&with), [4, 7, 8, 9], "the idempotent run is not the pair's acks=all");
    }
}
