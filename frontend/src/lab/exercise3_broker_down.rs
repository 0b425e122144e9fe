//! Exercise 3: every broker down, and what bounds the failure.

use std::collections::BTreeMap;

use shared::problem::Text;
use shared::protocol::{ErrorName, Fault};
use shared::settings::ProducerSettings;

use super::{Finding, Parts, Setup, Verdict, Words, judged, need, no_kafka_faults, runs, set_up_label, totals};
use crate::model::{Form, Page};

/// The exercise's card: its words and set-ups.
pub(super) const WORDS: Words = Words {
    title: Text { en: "A broker goes down", fr: "Un broker tombe" },
    instructions: Text {
        en: "Set up sends 3 messages with message.timeout.ms 5000. Take all brokers down (Cluster panel), send, then Check; bring the brokers back up after.",
        fr: "Préparer envoie 3 messages avec message.timeout.ms 5000. Arrêtez tous les brokers (panneau Cluster), envoyez, puis Vérifier ; redémarrez les brokers ensuite.",
    },
    setups: &[Setup::BrokerDown],
    on_kafka: None,
};

/// The exercise's set-ups and check at work.
pub(super) const PARTS: Parts = Parts { label: set_up_label, set_up, kafka_faults: no_kafka_faults, check };

/// 3 messages with a 5 s timeout: each fails soon once every broker is down.
fn set_up(_: Setup, _: &mut Form, settings: &mut ProducerSettings, _: &mut Vec<Fault>, _: &str) -> u32 {
    settings.message_timeout_ms = 5_000;
    3
}

/// Judges the exercise from this page's session.
fn check(page: &Page) -> Verdict {
    let Some(run) = runs(page, |r, _| totals(r).1 > 0 && !r.rows.is_empty()).next() else {
        return need(
            "No message has failed yet: take all brokers down, then send.",
            "Aucun message n'a encore échoué : arrêtez tous les brokers, puis envoyez.",
        );
    };
    let request = run.request.as_ref().expect("kept runs have their request");
    let failures: Vec<_> = run.rows.iter().filter_map(|r| r.failure.as_ref().map(|(e, _)| (e, r.latency_us))).collect();
    let mut errors: BTreeMap<ErrorName, usize> = BTreeMap::new();
    for (e, _) in &failures {
        *errors.entry((*e).clone()).or_default() += 1;
    }
    let min_ms = failures.iter().map(|f| f.1).min().unwrap_or(0) / 1000;
    let max_ms = failures.iter().map(|f| f.1).max().unwrap_or(0) / 1000;
    // The "no retries" answer holds when every failure timed out waiting for a broker,
    // with no circuit breaker and no injected error in between.
    let all_timed_out = errors.len() == 1 && errors.contains_key(&ErrorName::MessageTimedOut);
    let finished = run.finished.as_ref().expect("kept runs are finished");
    let mut findings = vec![Finding::Failures {
        failed: finished.failed,
        sent: finished.sent,
        errors: errors.into_iter().collect(),
        min_ms,
        max_ms,
    }];
    if all_timed_out && request.circuit_breaker.is_none() {
        findings.push(Finding::Bounded {
            timeout_ms: request.settings.message_timeout_ms,
            retries: request.settings.message_send_max_retries,
            backoff_ms: request.settings.retry_backoff_ms,
            max_ms,
        });
    } else {
        findings.push(Finding::NeedRun(Text {
            en: "For the lab's question, take every broker down and send without a circuit breaker: each message then fails by MessageTimedOut.",
            fr: "Pour la question du lab, arrêtez tous les brokers et envoyez sans disjoncteur : chaque message échoue alors en MessageTimedOut.",
        }));
    }
    judged(all_timed_out, findings)
}
