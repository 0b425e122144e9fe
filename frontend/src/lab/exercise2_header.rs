//! Exercise 2: a custom header, read back from the topic.

use shared::lab;
use shared::problem::Text;
use shared::protocol::Fault;
use shared::settings::ProducerSettings;

use super::{
    Finding, Parts, Setup, Verdict, Words, judged, need, no_kafka_faults, read_back_command, records_at, runs,
    set_up_label, totals,
};
use crate::model::{Form, Page};

/// The exercise's card: its words and set-ups.
pub(super) const WORDS: Words = Words {
    title: Text { en: "A custom header", fr: "Un en-tête personnalisé" },
    instructions: Text {
        en: "Add a header environment with the value dev to the messages (Headers, Add header), send, then Check: the messages are read back from the topic.",
        fr: "Ajoutez aux messages un en-tête environment de valeur dev (En-têtes, Ajouter un en-tête), envoyez, puis Vérifier : les messages sont relus depuis le topic.",
    },
    setups: &[],
    on_kafka: None,
};

/// The exercise's set-ups and check at work.
pub(super) const PARTS: Parts = Parts { label: set_up_label, set_up, kafka_faults: no_kafka_faults, check };

/// No set-up: the trainee adds the header to the lab's form.
fn set_up(_: Setup, _: &mut Form, _: &mut ProducerSettings, _: &mut Vec<Fault>, _: &str) -> u32 {
    lab::COUNT
}

/// Judges the exercise from this page's session.
fn check(page: &Page) -> Verdict {
    let Some(run) = runs(page, |r, _| totals(r).0 > 0 && !r.rows.is_empty()).next() else {
        return need("Send messages first.", "Envoyez d'abord des messages.");
    };
    let tag = format!("ex2:{}", run.run);
    let Some(read) = page.reads.get(&tag) else {
        return read_back_command(&tag, &[run])
            .map_or_else(|| need("Send messages first.", "Envoyez d'abord des messages."), Verdict::ReadBack);
    };
    let records = records_at(run, &read.records);
    let with = records.iter().filter(|r| r.headers.iter().any(|(n, v)| n == "environment" && v == "dev")).count();
    judged(with > 0 && with == records.len(), vec![Finding::HeaderRead { with, total: records.len() }])
}
