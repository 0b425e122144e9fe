//! Exercise 6: a circuit breaker around the producer.

use shared::problem::Text;
use shared::protocol::{CircuitState, ErrorName, Fault};
use shared::settings::ProducerSettings;

use super::{Finding, Parts, Setup, Verdict, Words, judged, need, no_kafka_faults, runs, set_up_label};
use crate::model::{Form, Page};

/// The exercise's card: its words and set-ups.
pub(super) const WORDS: Words = Words {
    title: Text { en: "Circuit breaker", fr: "Disjoncteur (circuit breaker)" },
    instructions: Text {
        en: "Set up sends 5 messages a second for 40 s through a circuit breaker (3 failures open it for 3 s). Send, take all brokers down, wait for it to open, bring them back up, and watch it close. Then Check.",
        fr: "Préparer envoie 5 messages par seconde pendant 40 s à travers un disjoncteur (3 échecs l'ouvrent pour 3 s). Envoyez, arrêtez tous les brokers, attendez qu'il s'ouvre, redémarrez-les et regardez-le se refermer. Puis Vérifier.",
    },
    setups: &[Setup::Circuit],
    on_kafka: None,
};

/// The exercise's set-ups and check at work.
pub(super) const PARTS: Parts = Parts { label: set_up_label, set_up, kafka_faults: no_kafka_faults, check };

/// 5 messages a second for 40 s through a breaker that 3 failures open for 3 s; a 2 s
/// timeout, so that failures come soon once the brokers are down.
fn set_up(_: Setup, form: &mut Form, settings: &mut ProducerSettings, _: &mut Vec<Fault>, _: &str) -> u32 {
    settings.message_timeout_ms = 2_000;
    form.circuit = true;
    form.circuit_threshold = "3".into();
    form.circuit_open_ms = "3000".into();
    form.rate = "5".into();
    200
}

/// Judges the exercise from this page's session.
fn check(page: &Page) -> Verdict {
    let Some(run) = runs(page, |_, q| q.circuit_breaker.is_some()).next() else {
        return need(
            "Send with the circuit breaker first (Set up).",
            "Envoyez d'abord avec le disjoncteur (Préparer).",
        );
    };
    let changes: Vec<(CircuitState, u64)> = run.circuit.iter().map(|c| (c.state, c.at_ms)).collect();
    let fast =
        run.rows.iter().filter(|r| r.failure.as_ref().is_some_and(|(e, _)| *e == ErrorName::CircuitOpen)).count();
    let timed_out =
        run.rows.iter().filter(|r| r.failure.as_ref().is_some_and(|(e, _)| *e == ErrorName::MessageTimedOut)).count();
    let opened = changes.iter().position(|(s, _)| *s == CircuitState::Open);
    let closed_after = opened.is_some_and(|at| changes[at..].iter().any(|(s, _)| *s == CircuitState::Closed));
    let mut findings = vec![Finding::Circuit { changes, fast, timed_out }];
    if opened.is_none() {
        findings.push(Finding::NeedRun(Text {
            en: "The circuit never opened: take all brokers down while the run goes on.",
            fr: "Le disjoncteur ne s'est jamais ouvert : arrêtez tous les brokers pendant l'envoi.",
        }));
    } else if !closed_after {
        findings.push(Finding::NeedRun(Text {
            en: "It opened but never closed: bring the brokers back up so that a trial message gets through.",
            fr: "Il s'est ouvert sans se refermer : redémarrez les brokers pour qu'un message d'essai passe.",
        }));
    }
    judged(closed_after, findings)
}
