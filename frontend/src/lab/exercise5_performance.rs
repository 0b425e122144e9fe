//! Exercise 5: throughput, the lab's settings against the optimized preset.

use std::collections::BTreeMap;

use shared::lab;
use shared::problem::Text;
use shared::protocol::{Fault, RunMode};
use shared::settings::{Preset, ProducerSettings};

use super::{Finding, Parts, Setup, Verdict, Words, judged, need, runs, totals};
use crate::model::{Form, Page, Run};

/// The exercise's card: its words and set-ups.
pub(super) const WORDS: Words = Words {
    title: Text { en: "Performance", fr: "Performance" },
    instructions: Text {
        en: "Send the same 1000 messages with the lab's settings and with the optimized preset (batch.size 32768, linger.ms 5, snappy), sync and pipelined, then Check: the lab expects 2 to 5 times the throughput.",
        fr: "Envoyez les mêmes 1000 messages avec les réglages du lab et avec le préréglage optimisé (batch.size 32768, linger.ms 5, snappy), en sync et en pipeline, puis Vérifier : le lab attend 2 à 5 fois le débit.",
    },
    setups: &[Setup::LabSync, Setup::OptimizedSync, Setup::LabPipelined, Setup::OptimizedPipelined],
    on_kafka: None,
};

/// The exercise's set-ups and check at work.
pub(super) const PARTS: Parts = Parts { label, set_up, kafka_faults, check };

/// The buttons' labels.
fn label(setup: Setup) -> Text {
    match setup {
        Setup::LabSync => Text { en: "Lab, sync", fr: "Lab, sync" },
        Setup::OptimizedSync => Text { en: "Optimized, sync", fr: "Optimisé, sync" },
        Setup::LabPipelined => Text { en: "Lab, pipelined", fr: "Lab, pipeline" },
        _ => Text { en: "Optimized, pipelined", fr: "Optimisé, pipeline" },
    }
}

/// The lab's 1000 messages, with the lab's settings or the optimized preset, sync or
/// pipelined, every fault reset.
fn set_up(setup: Setup, form: &mut Form, settings: &mut ProducerSettings, faults: &mut Vec<Fault>, _: &str) -> u32 {
    if matches!(setup, Setup::OptimizedSync | Setup::OptimizedPipelined) {
        *settings = Preset::Optimized.settings();
    }
    if matches!(setup, Setup::LabPipelined | Setup::OptimizedPipelined) {
        form.mode = RunMode::Pipelined;
    }
    faults.push(Fault::ResetFaults);
    lab::PERFORMANCE_COUNT
}

/// On Apache Kafka started by the playground: every fault reset.
fn kafka_faults(_: Setup, _: i32) -> Vec<Fault> {
    vec![Fault::ResetFaults]
}

/// Judges the exercise from this page's session.
fn check(page: &Page) -> Verdict {
    let optimized = Preset::Optimized.settings();
    let lab_settings = ProducerSettings::default();
    let Some(latest) = runs(page, |_, q| q.settings == optimized || q.settings == lab_settings).next() else {
        return need(
            "Send with the lab's settings and with the optimized preset first.",
            "Envoyez d'abord avec les réglages du lab et avec le préréglage optimisé.",
        );
    };
    let count = latest.count;
    let mut best: BTreeMap<(bool, u8), &Run> = BTreeMap::new();
    for run in runs(page, |r, q| {
        r.count == count && totals(r).1 == 0 && (q.settings == optimized || q.settings == lab_settings)
    }) {
        let q = run.request.as_ref().expect("kept runs have their request");
        best.entry((q.settings == optimized, q.mode as u8)).or_insert(run);
    }
    let rate = |r: &Run| {
        let f = r.finished.as_ref().expect("kept runs are finished");
        f.delivered as f64 * 1000.0 / f.elapsed_ms.max(1) as f64
    };
    let mut findings = Vec::new();
    for (&(is_optimized, _), run) in &best {
        let q = run.request.as_ref().expect("kept runs have their request");
        let stats = run.stats.clone().unwrap_or_default();
        findings.push(Finding::Throughput {
            optimized: is_optimized,
            mode: q.mode,
            msgs_per_sec: rate(run),
            p50_us: stats.p50_us,
            p99_us: stats.p99_us,
        });
    }
    let mut compared = false;
    for mode in [RunMode::Sync, RunMode::Pipelined] {
        if let (Some(lab), Some(opt)) = (best.get(&(false, mode as u8)), best.get(&(true, mode as u8))) {
            findings.push(Finding::Ratio { mode, ratio: rate(opt) / rate(lab).max(1e-9) });
            compared = true;
        }
    }
    if !compared {
        findings.push(Finding::NeedRun(Text {
            en: "Send the same count with both settings in the same mode to compare them.",
            fr: "Envoyez le même nombre avec les deux réglages dans le même mode pour les comparer.",
        }));
    }
    judged(compared, findings)
}
