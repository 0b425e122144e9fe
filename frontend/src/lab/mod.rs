//! LAB 1.2A as guided, self-checking scenarios: the validation checklist and the six
//! exercises, judged from what really happened in this page's session.
//!
//! Plain Rust over [`Page`], so every check is tested natively. A check that needs the
//! topic read back asks for it ([`Verdict::ReadBack`]) with a tag naming its run; the page
//! sends the `consume` and the check judges again when the records come.
//!
//! One file per exercise holds its words, its set-ups and its check (`exercise4_idempotence.rs`
//! is Exercise 4 whole); `checklist`, `quiz` and `progress` are the rest of the lab's card,
//! `findings` words what the checks found.

mod checklist;
mod exercise1_spread;
mod exercise2_header;
mod exercise3_broker_down;
mod exercise4_idempotence;
mod exercise5_performance;
mod exercise6_circuit_breaker;
mod findings;
mod progress;
mod quiz;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use shared::lab;
use shared::problem::Text;
use shared::protocol::{Command, Fault, ProduceRequest, Record, StartAt};
use shared::settings::ProducerSettings;

pub use checklist::{Tick, ticks, verify, verify_tag};
pub use exercise4_idempotence::{IDEMPOTENCE_KEY, SEQ_HEADER, TWICE_KEY};
pub use findings::{Finding, short_answer};
pub use progress::Progress;
pub use quiz::{QUIZ, Question};

use crate::model::{Form, Page, Run};

/// The lab's six exercises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exercise {
    /// 1: 50 messages and their spread over the partitions.
    Spread,
    /// 2: a custom header, read back.
    Header,
    /// 3: brokers down, and how the failure is bounded.
    BrokerDown,
    /// 4: idempotence through retriable errors, and the lab's claim about it.
    Idempotence,
    /// 5: throughput, the lab's settings against the optimized ones.
    Performance,
    /// 6: a circuit breaker around the producer.
    CircuitBreaker,
}

impl Exercise {
    /// The exercises in the lab's order.
    pub const ALL: [Exercise; 6] = [
        Exercise::Spread,
        Exercise::Header,
        Exercise::BrokerDown,
        Exercise::Idempotence,
        Exercise::Performance,
        Exercise::CircuitBreaker,
    ];

    /// Its id in the instructor's view: `exercise:` and its serde name.
    pub fn id(self) -> String {
        let name = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        format!("exercise:{name}")
    }

    /// Its number in the lab.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// Its title.
    pub fn title(self) -> Text {
        self.words().title
    }

    /// What to do.
    pub fn instructions(self) -> Text {
        self.words().instructions
    }

    /// The set-ups a card offers: a label and what it does to the form, with the fault
    /// commands it sends (embedded cluster only).
    pub fn setups(self) -> &'static [Setup] {
        self.words().setups
    }

    /// What differs on Apache Kafka started by the playground, if anything.
    pub fn on_kafka(self) -> Option<Text> {
        self.words().on_kafka
    }

    /// Its card, from its file.
    fn words(self) -> &'static Words {
        match self {
            Exercise::Spread => &exercise1_spread::WORDS,
            Exercise::Header => &exercise2_header::WORDS,
            Exercise::BrokerDown => &exercise3_broker_down::WORDS,
            Exercise::Idempotence => &exercise4_idempotence::WORDS,
            Exercise::Performance => &exercise5_performance::WORDS,
            Exercise::CircuitBreaker => &exercise6_circuit_breaker::WORDS,
        }
    }

    /// Its set-ups and check at work, from its file.
    fn parts(self) -> &'static Parts {
        match self {
            Exercise::Spread => &exercise1_spread::PARTS,
            Exercise::Header => &exercise2_header::PARTS,
            Exercise::BrokerDown => &exercise3_broker_down::PARTS,
            Exercise::Idempotence => &exercise4_idempotence::PARTS,
            Exercise::Performance => &exercise5_performance::PARTS,
            Exercise::CircuitBreaker => &exercise6_circuit_breaker::PARTS,
        }
    }
}

/// An exercise's card, from its file: data only, so that a page showing the cards (the
/// instructor's) does not link the checks.
struct Words {
    /// Its title.
    title: Text,
    /// What to do.
    instructions: Text,
    /// Its set-ups, in the card's order.
    setups: &'static [Setup],
    /// What differs on Apache Kafka started by the playground, if anything.
    on_kafka: Option<Text>,
}

/// An exercise's set-ups and check at work, from its file.
struct Parts {
    /// A set-up's button label.
    label: fn(Setup) -> Text,
    /// A set-up's changes to the lab's form and settings, its faults; the message count.
    set_up: fn(Setup, &mut Form, &mut ProducerSettings, &mut Vec<Fault>, &str) -> u32,
    /// A set-up's faults on Apache Kafka started by the playground, at the key's leader.
    kafka_faults: fn(Setup, i32) -> Vec<Fault>,
    /// Judges the exercise from this page's session.
    check: fn(&Page) -> Verdict,
}

/// The label of an exercise's only set-up.
fn set_up_label(_: Setup) -> Text {
    Text { en: "Set up", fr: "Préparer" }
}

/// No fault on Apache Kafka: the exercise's own faults are the trainee's to set.
fn no_kafka_faults(_: Setup, _: i32) -> Vec<Fault> {
    Vec::new()
}

/// The header a set-up stamps on its messages, unique to the page and the moment, so that
/// a read back on a shared topic keeps this trainee's records and no one else's.
pub const RUN_HEADER: &str = "lab-run";

/// A ready-made form for a step of an exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// Exercise 1: 50 of the lab's orders.
    Spread,
    /// Exercise 3: 3 messages, 5 s timeout.
    BrokerDown,
    /// Exercise 4 A.
    IdempotenceOff,
    /// Exercise 4 B.
    IdempotenceOn,
    /// Exercise 4 C.
    SendTwice,
    /// Exercise 5: the lab's settings, sync.
    LabSync,
    /// Exercise 5: optimized, sync.
    OptimizedSync,
    /// Exercise 5: the lab's settings, pipelined.
    LabPipelined,
    /// Exercise 5: optimized, pipelined.
    OptimizedPipelined,
    /// Exercise 6.
    Circuit,
}

impl Setup {
    /// The exercise it sets up.
    pub fn exercise(self) -> Exercise {
        match self {
            Setup::Spread => Exercise::Spread,
            Setup::BrokerDown => Exercise::BrokerDown,
            Setup::IdempotenceOff | Setup::IdempotenceOn | Setup::SendTwice => Exercise::Idempotence,
            Setup::LabSync | Setup::OptimizedSync | Setup::LabPipelined | Setup::OptimizedPipelined => {
                Exercise::Performance
            }
            Setup::Circuit => Exercise::CircuitBreaker,
        }
    }

    /// The button's label.
    pub fn label(self) -> Text {
        (self.exercise().parts().label)(self)
    }

    /// The form for this step, from the lab's, and the faults to switch on first; `stamp`
    /// is unique to this page and moment (see [`RUN_HEADER`]).
    pub fn apply(self, stamp: &str) -> (Form, Vec<Fault>) {
        let (mut form, mut faults, mut settings) = (Form::default(), Vec::new(), ProducerSettings::default());
        let count = (self.exercise().parts().set_up)(self, &mut form, &mut settings, &mut faults, stamp);
        form.set_settings(settings);
        form.count = count.to_string();
        let form = Form::from_request(&form.request().expect("a set-up is a valid request"));
        (form, faults)
    }

    /// On Apache Kafka started by the playground, the faults of this step instead of the
    /// mock's, at `leader` (the leader of the partition its key goes to).
    pub fn kafka_faults(self, leader: i32) -> Vec<Fault> {
        (self.exercise().parts().kafka_faults)(self, leader)
    }
}

/// A check's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The records this check needs: send this command, then judge again.
    ReadBack(Command),
    /// Judged: whether it passes, and what was found.
    Judged {
        /// Passed.
        passed: bool,
        /// What was found, in order.
        findings: Vec<Finding>,
    },
}

fn judged(passed: bool, findings: Vec<Finding>) -> Verdict {
    Verdict::Judged { passed, findings }
}

fn need(en: &'static str, fr: &'static str) -> Verdict {
    judged(false, vec![Finding::NeedRun(Text { en, fr })])
}

/// Finished runs, newest first, that pass `keep`.
fn runs<'a>(page: &'a Page, keep: impl Fn(&Run, &ProduceRequest) -> bool + 'a) -> impl Iterator<Item = &'a Run> + 'a {
    page.history.iter().rev().filter(move |r| r.finished.is_some() && r.request.as_ref().is_some_and(|q| keep(r, q)))
}

/// Per partition, the first and last offset `runs` were delivered at; for a run stamped
/// with [`RUN_HEADER`], from its message count earlier. A batch written whose response
/// was lost is reported at its retry's offset, and its first write lies before that,
/// maybe before every offset the run was reported at (on Apache Kafka, a lost response
/// with the connection wrote batches 2 to 4 at offsets 0 to 29 and reported them at 40
/// to 69): at most its message count earlier, and told from other runs by the stamp.
fn spans(runs: &[&Run]) -> BTreeMap<i32, (i64, i64)> {
    let mut span: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for run in runs {
        let stamped = run.request.as_ref().is_some_and(|q| header_of(q, RUN_HEADER).is_some());
        let back = if stamped { i64::from(run.count) } else { 0 };
        for row in &run.rows {
            if let (Some(p), Some(o)) = (row.partition, row.offset) {
                let e = span.entry(p).or_insert(((o - back).max(0), o));
                *e = (e.0.min((o - back).max(0)), e.1.max(o));
            }
        }
    }
    span
}

/// The `consume` that reads back `runs`' delivered messages: only their partitions, from
/// the first to the last offset they were delivered at (see [`spans`]), tagged so the
/// answer comes back to this question.
fn read_back_command(tag: &str, runs: &[&Run]) -> Option<Command> {
    let span = spans(runs);
    (!span.is_empty()).then(|| Command::Consume {
        topic: lab::TOPIC.to_owned(),
        max: shared::protocol::MAX_CONSUME,
        from: span
            .into_iter()
            .map(|(partition, (first, last))| StartAt { partition, offset: first, until: Some(last + 1) })
            .collect(),
        tag: Some(tag.to_owned()),
    })
}

/// The records of `run` exactly: those at the partitions and offsets it was delivered at.
fn records_at<'a>(run: &Run, records: &'a [Record]) -> Vec<&'a Record> {
    let delivered: BTreeSet<(i32, i64)> = run.rows.iter().filter_map(|r| Some((r.partition?, r.offset?))).collect();
    records.iter().filter(|r| delivered.contains(&(r.partition, r.offset))).collect()
}

/// The value of `name` among a request's headers.
fn header_of<'a>(request: &'a ProduceRequest, name: &str) -> Option<&'a str> {
    request.headers.iter().find(|h| h.name == name).map(|h| h.value.as_str())
}

/// The records of a set-up's `run` among `records`: within the span it was delivered in,
/// with its [`RUN_HEADER`] stamp; duplicates a retry wrote, which no report names, too.
fn records_of<'a>(run: &Run, records: &'a [Record]) -> Vec<&'a Record> {
    let span = spans(&[run]);
    // The stamp as sent: the template is a literal, its braces doubled.
    let stamp =
        run.request.as_ref().and_then(|q| header_of(q, RUN_HEADER)).map(|t| t.replace("{{", "{").replace("}}", "}"));
    records
        .iter()
        .filter(|r| span.get(&r.partition).is_some_and(|(lo, hi)| (*lo..=*hi).contains(&r.offset)))
        .filter(|r| stamp.as_ref().is_none_or(|s| r.headers.iter().any(|(n, v)| n == RUN_HEADER && v == s)))
        .collect()
}

/// A finished run's delivered and failed totals (exact, whatever rows were kept).
fn totals(run: &Run) -> (u64, u64) {
    run.finished.as_ref().map_or((0, 0), |f| (f.delivered, f.failed))
}

/// Judges `exercise` from this page's session.
pub fn check(exercise: Exercise, page: &Page) -> Verdict {
    (exercise.parts().check)(page)
}
