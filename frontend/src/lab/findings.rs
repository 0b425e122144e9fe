//! What the exercises' checks found, worded in both languages: a sentence for the trainee
//! and a few words for the instructor's grid. Each finding names its exercise's figures.

use shared::problem::{Lang, Text};
use shared::protocol::{CircuitState, ErrorName, FailedCheck, MAX_ANSWER_LEN, RunMode};
use shared::settings::Partitioner;

use crate::t;

/// What a check found, worded in both languages.
#[derive(Clone, Debug, PartialEq)]
pub enum Finding {
    /// No run fits the exercise yet.
    NeedRun(Text),
    /// Messages per partition.
    Spread {
        /// Delivered per partition.
        counts: Vec<u64>,
    },
    /// Keyed messages: where the partitioner put them against the prediction, and Java.
    Keyed {
        /// The partitioner.
        partitioner: Partitioner,
        /// Deliveries where the preview said.
        as_predicted: usize,
        /// Deliveries with a key.
        keyed: usize,
        /// Keys Java's murmur2 would put elsewhere.
        java_elsewhere: usize,
    },
    /// Keyless messages and the sticky partitioner.
    Keyless {
        /// `sticky.partitioning.linger.ms`.
        sticky_ms: u32,
        /// Partitions that got messages.
        used: usize,
    },
    /// Read back: how many carry the header.
    HeaderRead {
        /// With `environment=dev`.
        with: usize,
        /// Read back in all.
        total: usize,
    },
    /// The failures of a run with brokers down.
    Failures {
        /// Failed messages.
        failed: u64,
        /// Sent.
        sent: u64,
        /// Error names and how many of each.
        errors: Vec<(ErrorName, usize)>,
        /// Fastest failure, ms.
        min_ms: u64,
        /// Slowest, ms.
        max_ms: u64,
    },
    /// How the wait was bounded, from the run's settings.
    Bounded {
        /// `message.timeout.ms`.
        timeout_ms: u32,
        /// `message.send.max.retries`.
        retries: u32,
        /// `retry.backoff.ms`.
        backoff_ms: u32,
        /// The slowest failure, ms.
        max_ms: u64,
    },
    /// A run's messages read back in offset order.
    Order {
        /// Exercise 4's step.
        idempotence: bool,
        /// Records read back.
        records: usize,
        /// Messages written more than once.
        duplicates: usize,
        /// Messages written after a later one.
        reordered: usize,
    },
    /// The lab's claim: the same message sent twice with idempotence.
    SentTwice {
        /// The offsets it was written at.
        offsets: Vec<i64>,
    },
    /// A run of the performance comparison.
    Throughput {
        /// The lab's settings or the optimized preset.
        optimized: bool,
        /// Sync or pipelined.
        mode: RunMode,
        /// Messages per second.
        msgs_per_sec: f64,
        /// Median latency, µs.
        p50_us: u64,
        /// 99th percentile, µs.
        p99_us: u64,
    },
    /// Optimized against the lab's, same mode, against the lab's 2 to 5.
    Ratio {
        /// Sync or pipelined.
        mode: RunMode,
        /// Optimized / lab.
        ratio: f64,
    },
    /// The circuit's changes.
    Circuit {
        /// States and when.
        changes: Vec<(CircuitState, u64)>,
        /// Messages failed at once, not sent.
        fast: usize,
        /// Messages that timed out.
        timed_out: usize,
    },
}

/// A run mode in `lang`.
fn mode_name(mode: RunMode, lang: Lang) -> String {
    match mode {
        RunMode::Sync => t!(lang; "sync", "sync"),
        RunMode::Pipelined => t!(lang; "pipelined", "pipeline"),
    }
}

impl Finding {
    /// The finding in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Finding::NeedRun(text) => text.get(lang).to_owned(),
            Finding::Spread { counts } => {
                let total: u64 = counts.iter().sum();
                let list = counts.iter().enumerate().map(|(p, n)| format!("P{p} {n}")).collect::<Vec<_>>().join(", ");
                let (min, max) = (counts.iter().min().unwrap_or(&0), counts.iter().max().unwrap_or(&0));
                let even = total as f64 / counts.len().max(1) as f64;
                t!(lang; "Spread of {total} messages: {list}. From {min} to {max} a partition, against {even:.1} if even.", "Répartition de {total} messages : {list}. De {min} à {max} par partition, pour {even:.1} si c'était égal.")
            }
            Finding::Keyed { partitioner, as_predicted, keyed, java_elsewhere } => {
                let p = partitioner.as_str();
                t!(lang; "With a key, the partition is a hash of the key ({p}): {as_predicted} of {keyed} messages went where the preview computed beforehand. \
                         So the spread follows the keys, not a round robin. Java's producer (murmur2) would have put {java_elsewhere} elsewhere: \
                         librdkafka, and so .NET, hashes with CRC32 unless partitioner=murmur2_random.", "Avec une clé, la partition est un hachage de la clé ({p}) : {as_predicted} messages sur {keyed} sont allés où l'aperçu l'avait calculé, d'avance. \
                         La répartition suit donc les clés, pas un tourniquet. Le producer Java (murmur2) en aurait placé {java_elsewhere} ailleurs : \
                         librdkafka, donc .NET, hache en CRC32 sauf avec partitioner=murmur2_random.")
            }
            Finding::Keyless { sticky_ms, used } => {
                t!(lang; "Without a key, librdkafka sticks to one partition for sticky.partitioning.linger.ms ({sticky_ms} ms) to fill a batch, then moves on: \
                         here {used} partition(s) got messages. A quick burst can land in a single partition.", "Sans clé, librdkafka colle à une partition pendant sticky.partitioning.linger.ms ({sticky_ms} ms) pour remplir un batch, puis change : \
                         ici {used} partition(s) ont reçu des messages. Une rafale rapide peut tomber dans une seule partition.")
            }
            Finding::HeaderRead { with, total } => {
                t!(lang; "Read back from the topic: {with} of {total} message(s) carry environment=dev.", "Relu depuis le topic : {with} message(s) sur {total} portent environment=dev.")
            }
            Finding::Failures { failed, sent, errors, min_ms, max_ms } => {
                let names = errors.iter().map(|(e, n)| format!("{e} ×{n}")).collect::<Vec<_>>().join(", ");
                t!(lang; "{failed} of {sent} message(s) failed ({names}), each after {min_ms} to {max_ms} ms.", "{failed} message(s) sur {sent} en échec ({names}), chacun après {min_ms} à {max_ms} ms.")
            }
            Finding::Bounded { timeout_ms, retries, backoff_ms, max_ms } => {
                t!(lang; "How many retries before the final failure? Here, none: with no broker to answer, librdkafka never sent a request, \
                         so message.send.max.retries ({retries}) and retry.backoff.ms ({backoff_ms}) played no part. The message waits in the queue \
                         until message.timeout.ms ({timeout_ms} ms; seen: {max_ms} ms at most), then fails with MessageTimedOut. Retries count only \
                         when a broker answers with a retriable error, and always within message.timeout.ms (delivery.timeout.ms in Java).", "Combien de tentatives avant l'échec final ? Ici, aucune : sans broker pour répondre, librdkafka n'a jamais envoyé de requête, \
                         donc message.send.max.retries ({retries}) et retry.backoff.ms ({backoff_ms}) n'ont pas servi. Le message attend dans la file \
                         jusqu'à message.timeout.ms ({timeout_ms} ms ; vu : {max_ms} ms au plus), puis échoue en MessageTimedOut. Les tentatives ne \
                         comptent que si un broker répond une erreur réessayable, et toujours dans la limite de message.timeout.ms (delivery.timeout.ms en Java).")
            }
            Finding::Order { idempotence, records, duplicates, reordered } => {
                let step = if *idempotence { "B" } else { "A" };
                let with = if *idempotence {
                    t!(lang; "with idempotence", "avec idempotence")
                } else {
                    t!(lang; "without idempotence", "sans idempotence")
                };
                let lucky = !idempotence && duplicates + reordered == 0;
                let mut text = t!(lang; "{step}, {with}: {records} messages read back, {duplicates} duplicate(s), {reordered} out of order.", "{step}, {with} : {records} messages relus, {duplicates} doublon(s), {reordered} hors d'ordre.");
                if lucky {
                    text += &t!(lang; " This time the retried batches landed in order: send A again.", " Cette fois, les batchs réessayés sont arrivés dans l'ordre : renvoyez A.");
                }
                text
            }
            Finding::SentTwice { offsets } => {
                let list = offsets.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                t!(lang; "C: the same message sent twice with idempotence is written at offsets {list}. The lab is wrong here: idempotence \
                         drops duplicates of the producer's own retries (same producer id, same sequence number), not a second send by the \
                         application, which gets a new number. That takes a business key and an idempotent consumer.", "C : le même message envoyé deux fois avec idempotence est écrit aux offsets {list}. Le lab se trompe : l'idempotence \
                         écarte les doublons des propres tentatives du producer (même producer id, même numéro de séquence), pas un second \
                         envoi de l'application, qui reçoit un nouveau numéro. Pour cela, il faut une clé métier et un consumer idempotent.")
            }
            Finding::Throughput { optimized, mode, msgs_per_sec, p50_us, p99_us } => {
                let who = if *optimized {
                    t!(lang; "Optimized", "Optimisé")
                } else {
                    t!(lang; "Lab settings", "Réglages du lab")
                };
                let (p50, p99, m) = (*p50_us as f64 / 1000.0, *p99_us as f64 / 1000.0, mode_name(*mode, lang));
                t!(lang; "{who}, {m}: {msgs_per_sec:.0} msgs/s, p50 {p50:.2} ms, p99 {p99:.2} ms", "{who}, {m} : {msgs_per_sec:.0} msgs/s, p50 {p50:.2} ms, p99 {p99:.2} ms")
            }
            Finding::Ratio { mode, ratio } => {
                let within = (2.0..=5.0).contains(ratio);
                let m = mode_name(*mode, lang);
                if within {
                    t!(lang; "In {m}, optimized is {ratio:.1}× the lab's throughput: within the lab's 2 to 5×.", "En {m}, l'optimisé fait {ratio:.1}× le débit du lab : dans les 2 à 5× du lab.")
                } else {
                    t!(lang; "In {m}, optimized is {ratio:.1}× the lab's throughput, not the lab's 2 to 5×. librdkafka already batches (its \
                         linger.ms default is 5 ms and batch.size 1 MB), and this cluster answers from memory on the same machine, so \
                         batching and snappy matter little here; on a real network the difference grows. Sync or pipelined matters more.", "En {m}, l'optimisé fait {ratio:.1}× le débit du lab, pas les 2 à 5× du lab. librdkafka regroupe déjà (linger.ms \
                         vaut 5 ms par défaut et batch.size 1 Mo), et ce cluster répond depuis la mémoire, sur la même machine : batchs et \
                         snappy pèsent peu ici ; sur un vrai réseau l'écart grandit. Sync ou pipeline compte davantage.")
                }
            }
            Finding::Circuit { changes, fast, timed_out } => {
                let name = |s: &CircuitState| match s {
                    CircuitState::Closed => t!(lang; "closed", "fermé"),
                    CircuitState::Open => t!(lang; "open", "ouvert"),
                    CircuitState::HalfOpen => t!(lang; "half-open", "semi-ouvert"),
                };
                let list = changes
                    .iter()
                    .map(|(s, ms)| format!("{} {:.1} s", name(s), *ms as f64 / 1000.0))
                    .collect::<Vec<_>>()
                    .join(" → ");
                t!(lang; "Circuit: {list}. {timed_out} message(s) timed out to open it; {fast} failed at once, without waiting for a missing broker.", "Disjoncteur : {list}. {timed_out} message(s) ont expiré pour l'ouvrir ; {fast} ont échoué aussitôt, sans attendre un broker absent.")
            }
        }
    }
}

impl Finding {
    /// The finding in a few words, for a cell of the instructor's grid.
    pub fn short(&self, lang: Lang) -> String {
        match self {
            Finding::NeedRun(text) => text.get(lang).to_owned(),
            Finding::Spread { counts } => {
                counts.iter().enumerate().map(|(p, n)| format!("P{p} {n}")).collect::<Vec<_>>().join(", ")
            }
            Finding::Keyed { as_predicted, keyed, .. } => {
                t!(lang; "{as_predicted} of {keyed} where predicted", "{as_predicted} sur {keyed} où prévu")
            }
            Finding::Keyless { used, .. } => t!(lang; "{used} partition(s) used", "{used} partition(s) utilisée(s)"),
            Finding::HeaderRead { with, total } => {
                t!(lang; "{with} of {total} with environment=dev", "{with} sur {total} avec environment=dev")
            }
            Finding::Failures { failed, sent, .. } => {
                t!(lang; "{failed} of {sent} failed", "{failed} sur {sent} en échec")
            }
            Finding::Bounded { timeout_ms, max_ms, .. } => {
                t!(lang; "failed within {max_ms} ms (timeout {timeout_ms} ms)", "échec en {max_ms} ms au plus (timeout {timeout_ms} ms)")
            }
            Finding::Order { idempotence, duplicates, reordered, .. } => {
                let step = if *idempotence { "B" } else { "A" };
                t!(lang; "{step}: {duplicates} duplicate(s), {reordered} out of order", "{step} : {duplicates} doublon(s), {reordered} hors d'ordre")
            }
            Finding::SentTwice { offsets } => {
                let list = offsets.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                t!(lang; "sent twice: offsets {list}", "envoyé deux fois : offsets {list}")
            }
            Finding::Throughput { mode, msgs_per_sec, .. } => {
                let m = mode_name(*mode, lang);
                t!(lang; "{m}: {msgs_per_sec:.0} msgs/s", "{m} : {msgs_per_sec:.0} msgs/s")
            }
            Finding::Ratio { mode, ratio } => {
                let m = mode_name(*mode, lang);
                t!(lang; "{m}: ×{ratio:.1}", "{m} : ×{ratio:.1}")
            }
            Finding::Circuit { changes, .. } => {
                let states = changes.len();
                t!(lang; "circuit: {states} change(s)", "disjoncteur : {states} changement(s)")
            }
        }
    }
}

/// A failed check's short answer in both languages: its findings in a few words each,
/// cut to what the protocol carries.
pub fn short_answer(id: String, findings: &[Finding]) -> FailedCheck {
    let join = |lang: Lang| clip(&findings.iter().map(|f| f.short(lang)).collect::<Vec<_>>().join(" · "));
    FailedCheck { id, en: join(Lang::En), fr: join(Lang::Fr) }
}

/// `text` within [`MAX_ANSWER_LEN`] bytes, cut at a character with an ellipsis.
fn clip(text: &str) -> String {
    if text.len() <= MAX_ANSWER_LEN {
        return text.to_owned();
    }
    let mut end = MAX_ANSWER_LEN - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
