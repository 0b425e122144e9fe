//! Exercise 1: 50 messages and how they spread over the partitions.

use shared::problem::Text;
use shared::protocol::Fault;
use shared::settings::{Partitioner, ProducerSettings};

use super::{Finding, Parts, Setup, Verdict, Words, judged, need, no_kafka_faults, runs, set_up_label, totals};
use crate::model::Form;
use crate::model::Page;

/// The exercise's card: its words and set-ups.
pub(super) const WORDS: Words = Words {
    title: Text { en: "50 messages: the partition spread", fr: "50 messages : la répartition" },
    instructions: Text {
        en: "Set up sends 50 orders. Send, look at the partition lanes, then Check: how evenly did they spread, and why?",
        fr: "Préparer envoie 50 commandes. Envoyez, regardez les partitions, puis Vérifier : sont-elles bien réparties, et pourquoi ?",
    },
    setups: &[Setup::Spread],
    on_kafka: None,
};

/// The exercise's set-ups and check at work.
pub(super) const PARTS: Parts = Parts { label: set_up_label, set_up, kafka_faults: no_kafka_faults, check };

/// 50 of the lab's orders.
fn set_up(_: Setup, _: &mut Form, _: &mut ProducerSettings, _: &mut Vec<Fault>, _: &str) -> u32 {
    50
}

/// Judges the exercise from this page's session.
fn check(page: &Page) -> Verdict {
    let Some(run) = runs(page, |r, _| totals(r).0 >= 50).next() else {
        return need("Send at least 50 messages first (Set up).", "Envoyez d'abord au moins 50 messages (Préparer).");
    };
    let request = run.request.as_ref().expect("kept runs have their request");
    let counts = run.per_partition();
    let mut findings = vec![Finding::Spread { counts: counts.clone() }];
    if request.key_template.is_some() && request.partition.is_none() {
        let partitions = counts.len() as u32;
        let keyed: Vec<_> = run.rows.iter().filter(|r| r.key.is_some() && r.partition.is_some()).collect();
        // Against this run's own partitioner, whatever the form says now.
        let as_predicted =
            keyed.iter().filter(|r| r.as_predicted(request.settings.partitioner, partitions) == Some(true)).count();
        let java_elsewhere =
            keyed.iter().filter(|r| r.as_predicted(Partitioner::Murmur2Random, partitions) != Some(true)).count();
        findings.push(Finding::Keyed {
            partitioner: request.settings.partitioner,
            as_predicted,
            keyed: keyed.len(),
            java_elsewhere,
        });
    } else {
        findings.push(Finding::Keyless {
            sticky_ms: request.settings.sticky_partitioning_linger_ms,
            used: counts.iter().filter(|n| **n > 0).count(),
        });
    }
    judged(true, findings)
}
