//! The lab's validation checklist: its items, what ticks them from this page's session,
//! and the verify step that reads the last run back.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use shared::problem::Text;
use shared::protocol::{Command, FailedCheck};

use super::{Progress, QUIZ, read_back_command, totals};
use crate::model::Page;

/// An item of the lab's validation checklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tick {
    /// The producer connected and delivered without an error.
    Connected,
    /// A run of at least 10 messages, all delivered.
    TenSent,
    /// The messages were read back from the topic (the verify step).
    Verified,
    /// Every message of a run showed its partition and offset.
    PartitionOffset,
    /// A run ended with the producer flushed.
    Flushed,
    /// The quiz on acks, ProduceAsync and the delivery result, all right.
    Quiz,
    /// Bonus: the performance exercise passed.
    Bonus,
}

impl Tick {
    /// The checklist, in the lab's order.
    pub const ALL: [Tick; 7] =
        [Tick::Connected, Tick::TenSent, Tick::Verified, Tick::PartitionOffset, Tick::Flushed, Tick::Quiz, Tick::Bonus];

    /// Its id in the instructor's view: its serde name, such as `ten_sent`.
    pub fn id(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    /// The item as the lab words it.
    pub fn text(self) -> Text {
        match self {
            Tick::Connected => Text {
                en: "The producer connects to Kafka without error",
                fr: "Le producer se connecte à Kafka sans erreur",
            },
            Tick::TenSent => Text { en: "10 messages are sent", fr: "10 messages sont envoyés" },
            Tick::Verified => Text {
                en: "The messages are visible in the topic (verify)",
                fr: "Les messages sont visibles dans le topic (vérification)",
            },
            Tick::PartitionOffset => Text {
                en: "Partition and offset are shown for each message",
                fr: "Partition et offset sont affichés pour chaque message",
            },
            Tick::Flushed => Text {
                en: "The producer is flushed before closing",
                fr: "Le producer est vidé (Flush) avant la fermeture",
            },
            Tick::Quiz => Text {
                en: "You can explain acks, ProduceAsync and the delivery result (quiz)",
                fr: "Vous savez expliquer acks, ProduceAsync et le résultat de livraison (quiz)",
            },
            Tick::Bonus => Text {
                en: "Bonus: a performance exercise is done",
                fr: "Bonus : un exercice de performance est réalisé",
            },
        }
    }
}

/// The checklist items this session's events tick; a tick once earned stays.
pub fn ticks(page: &Page) -> BTreeSet<Tick> {
    let mut ticks = BTreeSet::new();
    for run in page.history.iter().filter(|r| r.request.is_some()) {
        let Some(f) = &run.finished else { continue };
        if f.delivered > 0 && f.failed == 0 {
            ticks.insert(Tick::Connected);
        }
        if f.delivered >= 10 && f.failed == 0 {
            ticks.insert(Tick::TenSent);
        }
        if !f.stopped && f.sent > 0 {
            ticks.insert(Tick::Flushed);
        }
        let all_shown = !run.rows.is_empty()
            && run.rows.len() as u64 == f.sent
            && run.rows.iter().all(|r| r.partition.is_some() && r.offset.is_some());
        if all_shown {
            ticks.insert(Tick::PartitionOffset);
        }
        if let Some(read) = page.reads.get(&verify_tag(run.run)) {
            let delivered: BTreeSet<(i32, i64)> =
                run.rows.iter().filter_map(|r| Some((r.partition?, r.offset?))).collect();
            let found: BTreeSet<(i32, i64)> = read.records.iter().map(|r| (r.partition, r.offset)).collect();
            if !delivered.is_empty() && delivered.is_subset(&found) {
                ticks.insert(Tick::Verified);
            }
        }
    }
    ticks
}

/// Checklist items tried and not (yet) earned, each with what came of the try: a run
/// that had failures, a read back that missed messages, a quiz not all right.
pub(super) fn tick_tries(page: &Page, progress: &Progress) -> Vec<(Tick, FailedCheck)> {
    let answer = |tick: Tick, en: String, fr: String| (tick, FailedCheck { id: tick.id(), en, fr });
    let mut tries = Vec::new();
    let last_failing = page.history.iter().rev().filter(|r| r.request.is_some()).find_map(|r| {
        let f = r.finished.as_ref()?;
        (f.failed > 0).then_some((f.failed, f.sent))
    });
    if let Some((failed, sent)) = last_failing {
        for tick in [Tick::Connected, Tick::TenSent] {
            let (en, fr) = (format!("{failed} of {sent} failed"), format!("{failed} sur {sent} en échec"));
            if tick == Tick::Connected || sent >= 10 {
                tries.push(answer(tick, en, fr));
            }
        }
    }
    let last_verify = page.history.iter().rev().find_map(|run| {
        let read = page.reads.get(&verify_tag(run.run))?;
        let delivered: BTreeSet<(i32, i64)> = run.rows.iter().filter_map(|r| Some((r.partition?, r.offset?))).collect();
        let found = read.records.iter().filter(|r| delivered.contains(&(r.partition, r.offset))).count();
        Some((found, delivered.len()))
    });
    if let Some((found, delivered)) = last_verify {
        let (en, fr) = (format!("{found} of {delivered} read back"), format!("{found} sur {delivered} relus"));
        tries.push(answer(Tick::Verified, en, fr));
    }
    let answered = progress.quiz.iter().filter(|a| a.is_some()).count();
    if answered == QUIZ.len() {
        let right = QUIZ.iter().enumerate().filter(|(n, q)| progress.quiz[*n] == Some(q.right)).count();
        let all = QUIZ.len();
        let (en, fr) = (format!("{right} of {all} right"), format!("{right} sur {all} justes"));
        tries.push(answer(Tick::Quiz, en, fr));
    }
    tries
}

/// The tag of the verify step's read back of `run`.
pub fn verify_tag(run: u64) -> String {
    format!("verify:{run}")
}

/// The verify step: read back the last run's messages.
pub fn verify(page: &Page) -> Option<Command> {
    let run = page.history.iter().rev().find(|r| !r.rows.is_empty() && totals(r).0 > 0)?;
    read_back_command(&verify_tag(run.run), &[run])
}
