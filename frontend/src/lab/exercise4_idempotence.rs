//! Exercise 4: idempotence through retriable errors, and the lab's claim about a second send.

use std::collections::BTreeSet;

use shared::problem::Text;
use shared::protocol::{Fault, ProduceError, Record, RunMode};
use shared::settings::{Preset, ProducerSettings};

use super::{
    Finding, Parts, RUN_HEADER, Setup, Verdict, Words, judged, need, read_back_command, records_of, runs, totals,
};
use crate::model::{Form, Page, Run};

/// The exercise's card: its words and set-ups.
pub(super) const WORDS: Words = Words {
    title: Text { en: "Idempotence", fr: "Idempotence" },
    instructions: Text {
        en: "A: without idempotence, set up and send (300 messages to one partition in small batches, through 50 ms of latency and 3 injected NOT_ENOUGH_REPLICAS). B: the same with idempotence. C: the lab says that sending the same message twice with idempotence writes it once: set up C and press Send twice. Then Check.",
        fr: "A : sans idempotence, préparez et envoyez (300 messages vers une partition en petits batchs, 50 ms de latence et 3 NOT_ENOUGH_REPLICAS injectées). B : pareil avec idempotence. C : le lab dit qu'envoyer deux fois le même message avec idempotence l'écrit une fois : préparez C et appuyez deux fois sur Envoyer. Puis Vérifier.",
    },
    setups: &[Setup::IdempotenceOff, Setup::IdempotenceOn, Setup::SendTwice],
    on_kafka: Some(Text {
        en: "On Apache Kafka, A and B lose one produce request and one produce response at the partition's leader instead (a proxy in front of each broker drops them and cuts the connection): the retries are real, and the check reads the partition back.",
        fr: "Sur Apache Kafka, A et B perdent plutôt une requête produce et une réponse produce chez le leader de la partition (un proxy devant chaque broker les supprime et coupe la connexion) : les retries sont réels, et la vérification relit la partition.",
    }),
};

/// The exercise's set-ups and check at work.
pub(super) const PARTS: Parts = Parts { label, set_up, kafka_faults, check };

/// The key Exercise 4's runs use, so they all land on one partition.
pub const IDEMPOTENCE_KEY: &str = "ORD-IDEMPOTENCE";
/// The key of Exercise 4's "send it twice", the lab's.
pub const TWICE_KEY: &str = "customer-123";
/// The header carrying each message's number, to read the order back.
pub const SEQ_HEADER: &str = "seq";

/// The buttons' labels.
fn label(setup: Setup) -> Text {
    match setup {
        Setup::IdempotenceOff => Text { en: "Set up A (off)", fr: "Préparer A (sans)" },
        Setup::IdempotenceOn => Text { en: "Set up B (on)", fr: "Préparer B (avec)" },
        _ => Text { en: "Set up C (twice)", fr: "Préparer C (deux fois)" },
    }
}

/// A and B: 300 keyed messages, pipelined in small batches, through 50 ms of latency
/// and 3 injected NOT_ENOUGH_REPLICAS; C: the lab's message once, with idempotence.
/// Each message numbered and stamped, to read the order back.
fn set_up(setup: Setup, form: &mut Form, settings: &mut ProducerSettings, faults: &mut Vec<Fault>, stamp: &str) -> u32 {
    let count = if setup == Setup::SendTwice {
        *settings = Preset::Idempotent.settings();
        form.keyed = true;
        form.key_template = TWICE_KEY.to_owned();
        // The lab's message, once (its loop sends it with attempt 1, then 2).
        form.value_template = r#"{"orderId": "ORD-123", "attempt": {i}}"#.to_owned();
        faults.push(Fault::ResetFaults);
        1
    } else {
        if setup == Setup::IdempotenceOn {
            *settings = Preset::Idempotent.settings();
        }
        // Small batches, so that many requests are in flight when an error comes back.
        settings.linger_ms = 1;
        settings.batch_num_messages = 10;
        form.keyed = true;
        form.key_template = IDEMPOTENCE_KEY.to_owned();
        form.mode = RunMode::Pipelined;
        // Retried batches overtake later ones only when requests wait on the wire.
        faults.push(Fault::ResetFaults);
        faults.push(Fault::SetRoundTripTime { broker: None, ms: 50 });
        faults.push(Fault::InjectErrors { error: ProduceError::NotEnoughReplicas, count: 3 });
        300
    };
    form.headers.push((SEQ_HEADER.to_owned(), "{i}".to_owned()));
    form.headers.push((RUN_HEADER.to_owned(), shared::template::literal(stamp)));
    count
}

/// On Apache Kafka started by the playground, at `leader` (the leader of the partition
/// the key goes to): for A and B, one produce request lost before the leader sees it and
/// one response lost after it wrote the batch, each with its connection, as a network cut
/// would; for C, every fault reset.
fn kafka_faults(setup: Setup, leader: i32) -> Vec<Fault> {
    match setup {
        Setup::IdempotenceOff | Setup::IdempotenceOn => vec![
            Fault::ResetFaults,
            Fault::LoseProduceRequests { broker: leader, count: 1 },
            Fault::LoseProduceResponses { broker: leader, count: 1 },
        ],
        _ => vec![Fault::ResetFaults],
    }
}

/// Judges the exercise from this page's session.
fn check(page: &Page) -> Verdict {
    let step = |on: bool| {
        runs(page, move |r, q| {
            q.key_template.as_deref() == Some(IDEMPOTENCE_KEY)
                && q.settings.enable_idempotence == on
                && totals(r).0 > 0
                && q.headers.iter().any(|h| h.name == SEQ_HEADER)
        })
        .next()
    };
    let (off, on) = (step(false), step(true));
    let twice: Vec<&Run> = runs(page, |r, q| {
        q.key_template.as_deref() == Some(TWICE_KEY) && q.settings.enable_idempotence && totals(r).0 > 0
    })
    .take(2)
    .collect();
    let (Some(off), Some(on)) = (off, on) else {
        return need("Do steps A and B first.", "Faites d'abord les étapes A et B.");
    };
    if twice.len() < 2 {
        return need(
            "Do step C: send the same message twice.",
            "Faites l'étape C : envoyez deux fois le même message.",
        );
    }
    let mut wanted = vec![off, on];
    wanted.extend(&twice);
    let tag = format!("ex4:{}", wanted.iter().map(|r| r.run.to_string()).collect::<Vec<_>>().join(","));
    let Some(read) = page.reads.get(&tag) else {
        return read_back_command(&tag, &wanted)
            .map_or_else(|| need("Send first.", "Envoyez d'abord."), Verdict::ReadBack);
    };
    let mut findings = Vec::new();
    let mut on_clean = false;
    for (run, idempotence) in [(off, false), (on, true)] {
        let records = records_of(run, &read.records);
        let (duplicates, reordered) = order_of(&records);
        if idempotence {
            on_clean = duplicates == 0 && reordered == 0 && records.len() as u64 == u64::from(run.count);
        }
        findings.push(Finding::Order { idempotence, records: records.len(), duplicates, reordered });
    }
    // Both runs' spans may hold both records: each offset once.
    let offsets: Vec<i64> = (twice.iter())
        .flat_map(|run| records_of(run, &read.records))
        .filter(|r| r.key.as_deref() == Some(TWICE_KEY))
        .map(|r| r.offset)
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .collect();
    let written_twice = offsets.len() >= 2;
    findings.push(Finding::SentTwice { offsets });
    judged(on_clean && written_twice, findings)
}

/// Duplicates and out-of-order messages among records in offset order, by their `seq`.
pub(super) fn order_of(records: &[&Record]) -> (usize, usize) {
    let mut seen = BTreeSet::new();
    let (mut duplicates, mut reordered, mut highest) = (0, 0, 0u64);
    for record in records {
        let Some(seq) = record.headers.iter().find(|(n, _)| n == SEQ_HEADER).and_then(|(_, v)| v.parse::<u64>().ok())
        else {
            continue;
        };
        if !seen.insert(seq) {
            duplicates += 1;
        } else if seq < highest {
            reordered += 1;
        }
        highest = highest.max(seq);
    }
    (duplicates, reordered)
}
