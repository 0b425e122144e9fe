//! LAB 1.2A as guided, self-checking scenarios: the validation checklist and the six
//! exercises, judged from what really happened in this page's session.
//!
//! Plain Rust over [`Page`], so every check is tested natively. A check that needs the
//! topic read back asks for it ([`Verdict::ReadBack`]) with a tag naming its run; the page
//! sends the `consume` and the check judges again when the records come.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use shared::lab;
use shared::problem::{Lang, Text};
use shared::protocol::{
    CircuitState, Command, ErrorName, FailedCheck, Fault, MAX_ANSWER_LEN, ProduceError, ProduceRequest, Record,
    RunMode, StartAt,
};
use shared::settings::{Partitioner, Preset, ProducerSettings};

use crate::model::{Form, Page, Run};
use crate::t;

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

/// A quiz question: the question, its answers, and which one is right.
pub struct Question {
    /// The question.
    pub question: Text,
    /// The answers.
    pub answers: [Text; 3],
    /// The right answer's index.
    pub right: u8,
    /// Why, shown once answered.
    pub why: Text,
}

/// The quiz of the checklist's sixth item.
pub const QUIZ: [Question; 3] = [
    Question {
        question: Text {
            en: "With acks=all, when does the producer count a message as delivered?",
            fr: "Avec acks=all, quand le producer compte-t-il un message comme livré ?",
        },
        answers: [
            Text { en: "When the partition leader wrote it", fr: "Quand le leader de la partition l'a écrit" },
            Text { en: "When every in-sync replica has it", fr: "Quand chaque réplique synchronisée (ISR) l'a" },
            Text { en: "When a consumer read it", fr: "Quand un consumer l'a lu" },
        ],
        right: 1,
        why: Text {
            en: "acks=all waits for the in-sync replicas (at least min.insync.replicas); acks=1 for the leader only.",
            fr: "acks=all attend les répliques synchronisées (au moins min.insync.replicas) ; acks=1 le leader seul.",
        },
    },
    Question {
        question: Text {
            en: "What does awaiting ProduceAsync give you in Confluent.Kafka?",
            fr: "Que donne l'attente (await) de ProduceAsync dans Confluent.Kafka ?",
        },
        answers: [
            Text {
                en: "Nothing: it returns once the message is in the local queue",
                fr: "Rien : il rend la main dès que le message est dans la file locale",
            },
            Text {
                en: "A DeliveryResult, once the broker acknowledged the message as acks asks",
                fr: "Un DeliveryResult, une fois le message acquitté par le broker selon acks",
            },
            Text { en: "The number of messages still to send", fr: "Le nombre de messages restant à envoyer" },
        ],
        right: 1,
        why: Text {
            en: "The task completes with the delivery report: awaiting each one is the lab's synchronous loop.",
            fr: "La tâche se termine avec le rapport de livraison : attendre chacun, c'est la boucle synchrone du lab.",
        },
    },
    Question {
        question: Text {
            en: "What does a successful delivery result tell you?",
            fr: "Que vous apprend un résultat de livraison réussi ?",
        },
        answers: [
            Text {
                en: "The topic, partition and offset where the message was written, and its status",
                fr: "Le topic, la partition et l'offset où le message est écrit, et son statut",
            },
            Text { en: "The consumer group's lag", fr: "Le retard (lag) du groupe de consumers" },
            Text { en: "How many brokers the cluster has", fr: "Combien de brokers compte le cluster" },
        ],
        right: 0,
        why: Text {
            en: "Status Persisted, with TopicPartitionOffset: the offset exists only with acks 1 or all.",
            fr: "Statut Persisted, avec TopicPartitionOffset : l'offset n'existe qu'avec acks 1 ou all.",
        },
    },
];

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
        match self {
            Exercise::Spread => Text { en: "50 messages: the partition spread", fr: "50 messages : la répartition" },
            Exercise::Header => Text { en: "A custom header", fr: "Un en-tête personnalisé" },
            Exercise::BrokerDown => Text { en: "A broker goes down", fr: "Un broker tombe" },
            Exercise::Idempotence => Text { en: "Idempotence", fr: "Idempotence" },
            Exercise::Performance => Text { en: "Performance", fr: "Performance" },
            Exercise::CircuitBreaker => Text { en: "Circuit breaker", fr: "Disjoncteur (circuit breaker)" },
        }
    }

    /// What to do.
    pub fn instructions(self) -> Text {
        match self {
            Exercise::Spread => Text {
                en: "Set up sends 50 orders. Send, look at the partition lanes, then Check: how evenly did they spread, and why?",
                fr: "Préparer envoie 50 commandes. Envoyez, regardez les partitions, puis Vérifier : sont-elles bien réparties, et pourquoi ?",
            },
            Exercise::Header => Text {
                en: "Add a header environment with the value dev to the messages (Headers, Add header), send, then Check: the messages are read back from the topic.",
                fr: "Ajoutez aux messages un en-tête environment de valeur dev (En-têtes, Ajouter un en-tête), envoyez, puis Vérifier : les messages sont relus depuis le topic.",
            },
            Exercise::BrokerDown => Text {
                en: "Set up sends 3 messages with message.timeout.ms 5000. Take all brokers down (Cluster panel), send, then Check; bring the brokers back up after.",
                fr: "Préparer envoie 3 messages avec message.timeout.ms 5000. Arrêtez tous les brokers (panneau Cluster), envoyez, puis Vérifier ; redémarrez les brokers ensuite.",
            },
            Exercise::Idempotence => Text {
                en: "A: without idempotence, set up and send (300 messages to one partition in small batches, through 50 ms of latency and 3 injected NOT_ENOUGH_REPLICAS). B: the same with idempotence. C: the lab says that sending the same message twice with idempotence writes it once: set up C and press Send twice. Then Check.",
                fr: "A : sans idempotence, préparez et envoyez (300 messages vers une partition en petits batchs, 50 ms de latence et 3 NOT_ENOUGH_REPLICAS injectées). B : pareil avec idempotence. C : le lab dit qu'envoyer deux fois le même message avec idempotence l'écrit une fois : préparez C et appuyez deux fois sur Envoyer. Puis Vérifier.",
            },
            Exercise::Performance => Text {
                en: "Send the same 1000 messages with the lab's settings and with the optimized preset (batch.size 32768, linger.ms 5, snappy), sync and pipelined, then Check: the lab expects 2 to 5 times the throughput.",
                fr: "Envoyez les mêmes 1000 messages avec les réglages du lab et avec le préréglage optimisé (batch.size 32768, linger.ms 5, snappy), en sync et en pipeline, puis Vérifier : le lab attend 2 à 5 fois le débit.",
            },
            Exercise::CircuitBreaker => Text {
                en: "Set up sends 5 messages a second for 40 s through a circuit breaker (3 failures open it for 3 s). Send, take all brokers down, wait for it to open, bring them back up, and watch it close. Then Check.",
                fr: "Préparer envoie 5 messages par seconde pendant 40 s à travers un disjoncteur (3 échecs l'ouvrent pour 3 s). Envoyez, arrêtez tous les brokers, attendez qu'il s'ouvre, redémarrez-les et regardez-le se refermer. Puis Vérifier.",
            },
        }
    }

    /// The set-ups a card offers: a label and what it does to the form, with the fault
    /// commands it sends (embedded cluster only).
    pub fn setups(self) -> &'static [Setup] {
        match self {
            Exercise::Spread => &[Setup::Spread],
            Exercise::Header => &[],
            Exercise::BrokerDown => &[Setup::BrokerDown],
            Exercise::Idempotence => &[Setup::IdempotenceOff, Setup::IdempotenceOn, Setup::SendTwice],
            Exercise::Performance => {
                &[Setup::LabSync, Setup::OptimizedSync, Setup::LabPipelined, Setup::OptimizedPipelined]
            }
            Exercise::CircuitBreaker => &[Setup::Circuit],
        }
    }
}

/// The key Exercise 4's runs use, so they all land on one partition.
pub const IDEMPOTENCE_KEY: &str = "ORD-IDEMPOTENCE";
/// The key of Exercise 4's "send it twice", the lab's.
pub const TWICE_KEY: &str = "customer-123";
/// The header carrying each message's number, to read the order back.
pub const SEQ_HEADER: &str = "seq";
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
    /// The button's label.
    pub fn label(self) -> Text {
        match self {
            Setup::Spread | Setup::BrokerDown | Setup::Circuit => Text { en: "Set up", fr: "Préparer" },
            Setup::IdempotenceOff => Text { en: "Set up A (off)", fr: "Préparer A (sans)" },
            Setup::IdempotenceOn => Text { en: "Set up B (on)", fr: "Préparer B (avec)" },
            Setup::SendTwice => Text { en: "Set up C (twice)", fr: "Préparer C (deux fois)" },
            Setup::LabSync => Text { en: "Lab, sync", fr: "Lab, sync" },
            Setup::OptimizedSync => Text { en: "Optimized, sync", fr: "Optimisé, sync" },
            Setup::LabPipelined => Text { en: "Lab, pipelined", fr: "Lab, pipeline" },
            Setup::OptimizedPipelined => Text { en: "Optimized, pipelined", fr: "Optimisé, pipeline" },
        }
    }

    /// The form for this step, from the lab's, and the faults to switch on first; `stamp`
    /// is unique to this page and moment (see [`RUN_HEADER`]).
    pub fn apply(self, stamp: &str) -> (Form, Vec<Fault>) {
        let mut form = Form::default();
        let mut faults = Vec::new();
        let mut settings = ProducerSettings::default();
        let count = match self {
            Setup::Spread => 50,
            Setup::BrokerDown => {
                settings.message_timeout_ms = 5_000;
                3
            }
            Setup::IdempotenceOff | Setup::IdempotenceOn => {
                if self == Setup::IdempotenceOn {
                    settings = Preset::Idempotent.settings();
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
            }
            Setup::SendTwice => {
                settings = Preset::Idempotent.settings();
                form.keyed = true;
                form.key_template = TWICE_KEY.to_owned();
                // The lab's message, once (its loop sends it with attempt 1, then 2).
                form.value_template = r#"{"orderId": "ORD-123", "attempt": {i}}"#.to_owned();
                faults.push(Fault::ResetFaults);
                1
            }
            Setup::LabSync | Setup::OptimizedSync | Setup::LabPipelined | Setup::OptimizedPipelined => {
                if matches!(self, Setup::OptimizedSync | Setup::OptimizedPipelined) {
                    settings = Preset::Optimized.settings();
                }
                if matches!(self, Setup::LabPipelined | Setup::OptimizedPipelined) {
                    form.mode = RunMode::Pipelined;
                }
                faults.push(Fault::ResetFaults);
                lab::PERFORMANCE_COUNT
            }
            Setup::Circuit => {
                settings.message_timeout_ms = 2_000;
                form.circuit = true;
                form.circuit_threshold = "3".into();
                form.circuit_open_ms = "3000".into();
                form.rate = "5".into();
                200
            }
        };
        if matches!(self, Setup::IdempotenceOff | Setup::IdempotenceOn | Setup::SendTwice) {
            form.headers.push((SEQ_HEADER.to_owned(), "{i}".to_owned()));
            form.headers.push((RUN_HEADER.to_owned(), shared::template::literal(stamp)));
        }
        form.set_settings(settings);
        form.count = count.to_string();
        let form = Form::from_request(&form.request().expect("a set-up is a valid request"));
        (form, faults)
    }
}

impl Setup {
    /// On Apache Kafka started by the playground, the faults of this step instead of the
    /// mock's, at `leader` (the leader of the partition its key goes to): for A and B, one
    /// produce request lost before the leader sees it and one response lost after it wrote
    /// the batch, each with its connection, as a network cut would; for the others, every
    /// fault reset.
    pub fn kafka_faults(self, leader: i32) -> Vec<Fault> {
        match self {
            Setup::IdempotenceOff | Setup::IdempotenceOn => vec![
                Fault::ResetFaults,
                Fault::LoseProduceRequests { broker: leader, count: 1 },
                Fault::LoseProduceResponses { broker: leader, count: 1 },
            ],
            Setup::SendTwice
            | Setup::LabSync
            | Setup::OptimizedSync
            | Setup::LabPipelined
            | Setup::OptimizedPipelined => {
                vec![Fault::ResetFaults]
            }
            Setup::Spread | Setup::BrokerDown | Setup::Circuit => Vec::new(),
        }
    }
}

impl Exercise {
    /// What differs on Apache Kafka started by the playground, if anything.
    pub fn on_kafka(self) -> Option<Text> {
        match self {
            Exercise::Idempotence => Some(Text {
                en: "On Apache Kafka, A and B lose one produce request and one produce response at the partition's leader instead (a proxy in front of each broker drops them and cuts the connection): the retries are real, and the check reads the partition back.",
                fr: "Sur Apache Kafka, A et B perdent plutôt une requête produce et une réponse produce chez le leader de la partition (un proxy devant chaque broker les supprime et coupe la connexion) : les retries sont réels, et la vérification relit la partition.",
            }),
            _ => None,
        }
    }
}

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

/// Duplicates and out-of-order messages among records in offset order, by their `seq`.
fn order_of(records: &[&Record]) -> (usize, usize) {
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

/// Judges `exercise` from this page's session.
pub fn check(exercise: Exercise, page: &Page) -> Verdict {
    match exercise {
        Exercise::Spread => check_spread(page),
        Exercise::Header => check_header(page),
        Exercise::BrokerDown => check_broker_down(page),
        Exercise::Idempotence => check_idempotence(page),
        Exercise::Performance => check_performance(page),
        Exercise::CircuitBreaker => check_circuit(page),
    }
}

fn check_spread(page: &Page) -> Verdict {
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

fn check_header(page: &Page) -> Verdict {
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

fn check_broker_down(page: &Page) -> Verdict {
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

fn check_idempotence(page: &Page) -> Verdict {
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

fn check_performance(page: &Page) -> Verdict {
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

fn check_circuit(page: &Page) -> Verdict {
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
fn tick_tries(page: &Page, progress: &Progress) -> Vec<(Tick, FailedCheck)> {
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

/// What the browser keeps of a trainee's lab across reloads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Checklist items ticked.
    pub ticks: BTreeSet<Tick>,
    /// Exercises whose check passed.
    pub passed: BTreeSet<Exercise>,
    /// The quiz's answers, by question.
    pub quiz: Vec<Option<u8>>,
    /// Checks tried that did not pass (yet), by id, with their short answers.
    #[serde(default)]
    pub failed: BTreeMap<String, FailedCheck>,
}

impl Progress {
    /// What is done, as ids for the instructor's view: the ticks (`ten_sent`) and the
    /// exercises passed (`exercise:spread`).
    pub fn done_ids(&self) -> Vec<String> {
        let ticks = self.ticks.iter().map(|t| t.id());
        let passed = self.passed.iter().map(|e| e.id());
        ticks.chain(passed).collect()
    }

    /// What was tried and did not pass yet, for the instructor's view.
    pub fn failed_checks(&self) -> Vec<FailedCheck> {
        self.failed.values().cloned().collect()
    }

    /// Adds what the page shows now; true when something changed.
    pub fn earn(&mut self, page: &Page) -> bool {
        let before = (self.ticks.clone(), self.passed.len(), self.failed.clone());
        self.ticks.extend(ticks(page));
        if self.quiz_right() {
            self.ticks.insert(Tick::Quiz);
        }
        if self.passed.contains(&Exercise::Performance) {
            self.ticks.insert(Tick::Bonus);
        }
        for (tick, answer) in tick_tries(page, self) {
            if !self.ticks.contains(&tick) {
                self.failed.insert(tick.id(), answer);
            }
        }
        let done = self.done_ids();
        self.failed.retain(|id, _| !done.contains(id));
        before != (self.ticks.clone(), self.passed.len(), self.failed.clone())
    }

    /// Records a check of `exercise` that did not pass, with what it found.
    pub fn fail(&mut self, exercise: Exercise, findings: &[Finding]) {
        if !self.passed.contains(&exercise) {
            self.failed.insert(exercise.id(), short_answer(exercise.id(), findings));
        }
    }

    /// Whether every quiz answer is right.
    pub fn quiz_right(&self) -> bool {
        QUIZ.iter().enumerate().all(|(n, q)| self.quiz.get(n).copied().flatten() == Some(q.right))
    }

    /// Records an exercise that passed.
    pub fn pass(&mut self, exercise: Exercise) {
        self.passed.insert(exercise);
        self.failed.remove(&exercise.id());
        if exercise == Exercise::Performance {
            self.ticks.insert(Tick::Bonus);
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::protocol::{
        CircuitBreaker, CircuitChange, Delivered, Event, Failed, Persistence, Records, RunFinished, RunStats,
    };

    use super::*;

    /// Runs `request` into `page` as the server reports it: `outcomes` per message, a
    /// partition and offset for a delivery, an error name for a failure.
    /// A message's outcome: delivered at (partition, offset), or failed with an error name
    /// after so many milliseconds.
    type Outcome = Result<(i32, i64), (&'static str, u64)>;

    fn run(page: &mut Page, request: ProduceRequest, outcomes: &[Outcome]) -> u64 {
        let run = page.history.len() as u64 + 1;
        page.sent = Some(request.clone());
        let count = outcomes.len() as u32;
        page.apply(Event::RunStarted { run, topic: lab::TOPIC.into(), count, mode: request.mode });
        let (mut delivered, mut failed) = (0, 0);
        for (n, outcome) in outcomes.iter().enumerate() {
            let seq = n as u64 + 1;
            let key = request.key_template.as_ref().map(|_| format!("ORD-{seq:04}"));
            page.apply(match outcome {
                Ok((partition, offset)) => {
                    delivered += 1;
                    Event::Delivered(Delivered {
                        run,
                        seq,
                        key,
                        topic: lab::TOPIC.into(),
                        partition: *partition,
                        offset: Some(*offset),
                        timestamp_ms: 0,
                        log_append_time_ms: None,
                        latency_us: 5_000,
                        reported_us: 0,
                    })
                }
                Err((error, latency_ms)) => {
                    failed += 1;
                    Event::Failed(Failed {
                        run,
                        seq,
                        key,
                        error: (*error).into(),
                        message: String::new(),
                        retriable: true,
                        persistence: Persistence::NotPersisted,
                        latency_us: latency_ms * 1000,
                    })
                }
            });
        }
        page.apply(Event::Stats(RunStats { run, delivered, failed, sent: delivered + failed, ..RunStats::default() }));
        page.apply(Event::RunFinished(RunFinished {
            run,
            sent: delivered + failed,
            delivered,
            failed,
            elapsed_ms: 100,
            stopped: false,
        }));
        run
    }

    fn record(partition: i32, offset: i64, headers: &[(&str, &str)]) -> Record {
        Record {
            partition,
            offset,
            key: Some(TWICE_KEY.into()),
            value: None,
            headers: headers.iter().map(|(n, v)| ((*n).into(), (*v).into())).collect(),
            timestamp_ms: None,
            timestamp_type: None,
        }
    }

    fn answer(page: &mut Page, command: Command, records: Vec<Record>) {
        let Command::Consume { tag, .. } = command else { panic!("a read back") };
        page.apply(Event::Records(Records { tag, topic: lab::TOPIC.into(), records, truncated: false }));
    }

    fn lab_run() -> ProduceRequest {
        ProduceRequest::lab()
    }

    #[test]
    fn the_labs_ten_orders_tick_the_checklist_and_verify_reads_them_back() {
        let mut page = Page::default();
        assert!(ticks(&page).is_empty(), "nothing before a run");
        let outcomes: Vec<_> = (0..10).map(|n| Ok((n % 6, i64::from(n / 6)))).collect();
        run(&mut page, lab_run(), &outcomes);
        let got = ticks(&page);
        for tick in [Tick::Connected, Tick::TenSent, Tick::Flushed, Tick::PartitionOffset] {
            assert!(got.contains(&tick), "{tick:?}");
        }
        assert!(!got.contains(&Tick::Verified), "not before reading back");
        let command = verify(&page).unwrap();
        let Command::Consume { from, .. } = &command else { panic!() };
        assert_eq!(from.len(), 6, "from each partition's first offset");
        let mut records: Vec<_> = (0..10).map(|n| record(n % 6, i64::from(n / 6), &[])).collect();
        answer(&mut page, command.clone(), records.split_off(1));
        assert!(!ticks(&page).contains(&Tick::Verified), "one message missing: not verified");
        let records: Vec<_> = (0..10).map(|n| record(n % 6, i64::from(n / 6), &[])).collect();
        answer(&mut page, command, records);
        assert!(ticks(&page).contains(&Tick::Verified));
    }

    #[test]
    fn a_failed_run_does_not_tick_connected_or_ten_sent() {
        let mut page = Page::default();
        run(&mut page, lab_run(), &[Err(("MessageTimedOut", 5000)); 10]);
        let got = ticks(&page);
        assert!(!got.contains(&Tick::Connected) && !got.contains(&Tick::TenSent));
    }

    #[test]
    fn the_header_check_reads_back_and_tells_a_missing_header() {
        let mut page = Page::default();
        run(&mut page, lab_run(), &[Ok((2, 40)), Ok((2, 41))]);
        let Verdict::ReadBack(command) = check(Exercise::Header, &page) else { panic!("reads back first") };
        let Command::Consume { from, tag, .. } = &command else { panic!() };
        assert_eq!(from, &[StartAt { partition: 2, offset: 40, until: Some(42) }], "only the run's own span");
        assert_eq!(tag.as_deref(), Some("ex2:1"));
        answer(&mut page, command, vec![record(2, 40, &[("source", "x")]), record(2, 41, &[])]);
        let Verdict::Judged { passed, findings } = check(Exercise::Header, &page) else { panic!() };
        assert!(!passed, "no environment header: told so");
        assert_eq!(findings, [Finding::HeaderRead { with: 0, total: 2 }]);
        assert!(findings[0].text(Lang::Fr).contains("0 message(s) sur 2"));

        run(&mut page, lab_run(), &[Ok((2, 42))]);
        let Verdict::ReadBack(command) = check(Exercise::Header, &page) else { panic!() };
        answer(&mut page, command, vec![record(2, 42, &[("environment", "dev")])]);
        assert!(matches!(check(Exercise::Header, &page), Verdict::Judged { passed: true, .. }));
    }

    #[test]
    fn brokers_down_is_answered_from_the_runs_own_failures() {
        let mut page = Page::default();
        assert!(matches!(check(Exercise::BrokerDown, &page), Verdict::Judged { passed: false, .. }));
        let (form, _) = Setup::BrokerDown.apply("test-stamp");
        run(&mut page, form.request().unwrap(), &[Err(("MessageTimedOut", 5_012)); 3]);
        let Verdict::Judged { passed, findings } = check(Exercise::BrokerDown, &page) else { panic!() };
        assert!(passed);
        let text = findings[1].text(Lang::En);
        assert!(text.contains("message.timeout.ms (5000 ms; seen: 5012 ms"), "{text}");
        assert!(findings[1].text(Lang::Fr).contains("aucune"), "the French says none too");
    }

    #[test]
    fn a_long_run_kept_without_its_rows_is_judged_by_its_totals() {
        let mut page = Page::default();
        let outcomes: Vec<_> = (0..crate::model::HISTORY_ROWS as i64 + 1).map(|o| Ok((0, o))).collect();
        run(&mut page, lab_run(), &outcomes);
        assert!(page.history[0].rows.is_empty(), "rows dropped past the cap");
        assert!(
            matches!(check(Exercise::BrokerDown, &page), Verdict::Judged { passed: false, .. }),
            "not a failed run"
        );
        assert!(verify(&page).is_none(), "nothing to read back without rows");
        let Verdict::Judged { passed, .. } = check(Exercise::Spread, &page) else { panic!() };
        assert!(passed, "its totals say 5001 delivered");
    }

    #[test]
    fn order_counts_duplicates_and_messages_written_after_a_later_one() {
        let seqs = ["1", "2", "4", "3", "5", "5"];
        let records: Vec<_> = seqs.iter().enumerate().map(|(o, s)| record(0, o as i64, &[(SEQ_HEADER, s)])).collect();
        let refs: Vec<&Record> = records.iter().collect();
        assert_eq!(order_of(&refs), (1, 1));
    }

    #[test]
    fn on_apache_kafka_idempotence_set_ups_lose_a_request_and_a_response_at_the_leader() {
        let faults = Setup::IdempotenceOff.kafka_faults(2);
        assert_eq!(
            faults,
            [
                Fault::ResetFaults,
                Fault::LoseProduceRequests { broker: 2, count: 1 },
                Fault::LoseProduceResponses { broker: 2, count: 1 },
            ]
        );
        assert_eq!(Setup::IdempotenceOn.kafka_faults(3)[2], Fault::LoseProduceResponses { broker: 3, count: 1 });
        assert!(
            Setup::IdempotenceOff.apply("s").1.iter().all(|f| f.kind() != Some(shared::protocol::FaultKind::Process)),
            "the embedded cluster's set-up has the mock's faults"
        );
        assert!(Exercise::Idempotence.on_kafka().is_some() && Exercise::Spread.on_kafka().is_none());
    }

    #[test]
    fn idempotence_passes_on_a_clean_b_and_the_same_message_written_twice() {
        let mut page = Page::default();
        let (a, _) = Setup::IdempotenceOff.apply("a");
        let (b, _) = Setup::IdempotenceOn.apply("b");
        let (c, _) = Setup::SendTwice.apply("c");
        let a_run: Vec<_> = (0..3).map(|o| Ok((1, o))).collect();
        let b_run: Vec<_> = [3, 5, 6].into_iter().map(|o| Ok((1, o))).collect();
        run(&mut page, ProduceRequest { count: 3, ..a.request().unwrap() }, &a_run);
        run(&mut page, ProduceRequest { count: 3, ..b.request().unwrap() }, &b_run);
        assert!(matches!(check(Exercise::Idempotence, &page), Verdict::Judged { passed: false, .. }), "C is missing");
        run(&mut page, c.request().unwrap(), &[Ok((4, 7))]);
        run(&mut page, c.request().unwrap(), &[Ok((4, 8))]);
        let Verdict::ReadBack(command) = check(Exercise::Idempotence, &page) else { panic!() };
        let seq = |o: i64, s: &str, stamp: &str| record(1, o, &[(SEQ_HEADER, s), (RUN_HEADER, stamp)]);
        // A reordered (3 before 2); B in order, with another trainee's record in between
        // (not stamped by this page: left out); C at two offsets.
        let records = vec![
            seq(0, "1", "a"),
            seq(1, "3", "a"),
            seq(2, "2", "a"),
            seq(3, "1", "b"),
            record(1, 4, &[(SEQ_HEADER, "1")]),
            seq(5, "2", "b"),
            seq(6, "3", "b"),
            record(4, 7, &[(RUN_HEADER, "c")]),
            record(4, 8, &[(RUN_HEADER, "c")]),
        ];
        answer(&mut page, command, records);
        let Verdict::Judged { passed, findings } = check(Exercise::Idempotence, &page) else { panic!() };
        assert!(passed, "{findings:?}");
        assert_eq!(findings[0], Finding::Order { idempotence: false, records: 3, duplicates: 0, reordered: 1 });
        assert_eq!(findings[1], Finding::Order { idempotence: true, records: 3, duplicates: 0, reordered: 0 });
        assert_eq!(findings[2], Finding::SentTwice { offsets: vec![7, 8] });
        assert!(findings[2].text(Lang::En).contains("The lab is wrong"));
    }

    #[test]
    fn a_first_write_before_every_reported_offset_counts_as_a_duplicate() {
        // On Apache Kafka: the response of batch 2 (messages 2 and 3) lost with the
        // connection; batch 1's request lost. The broker wrote 2, 3 at offsets 10 and 11;
        // the retries wrote 1, 2, 3 at 12 to 14, and the reports name only those.
        let mut page = Page::default();
        let (a, _) = Setup::IdempotenceOff.apply("a");
        let a_run: Vec<_> = (12..15).map(|o| Ok((1, o))).collect();
        run(&mut page, ProduceRequest { count: 3, ..a.request().unwrap() }, &a_run);
        let command = read_back_command("t", &[page.history.last().unwrap()]).unwrap();
        let Command::Consume { from, .. } = command else { panic!() };
        assert_eq!(from, [StartAt { partition: 1, offset: 9, until: Some(15) }], "from 3 (the count) earlier");
        let seq = |o: i64, s: &str| record(1, o, &[(SEQ_HEADER, s), (RUN_HEADER, "a")]);
        let records = vec![
            record(1, 9, &[(SEQ_HEADER, "1")]),
            seq(10, "2"),
            seq(11, "3"),
            seq(12, "1"),
            seq(13, "2"),
            seq(14, "3"),
        ];
        let kept = records_of(page.history.last().unwrap(), &records);
        assert_eq!(kept.len(), 5, "another run's record at 9 left out");
        assert_eq!(order_of(&kept), (2, 1), "2 duplicates, 1 out of order");
    }

    #[test]
    fn performance_compares_the_same_count_in_the_same_mode() {
        let mut page = Page::default();
        let (lab_sync, _) = Setup::LabSync.apply("test-stamp");
        let (opt_sync, _) = Setup::OptimizedSync.apply("test-stamp");
        let ok: Vec<_> = (0..4).map(|o| Ok((0, o))).collect();
        run(&mut page, ProduceRequest { count: 4, ..lab_sync.request().unwrap() }, &ok);
        assert!(matches!(check(Exercise::Performance, &page), Verdict::Judged { passed: false, .. }));
        run(&mut page, ProduceRequest { count: 4, ..opt_sync.request().unwrap() }, &ok);
        let Verdict::Judged { passed, findings } = check(Exercise::Performance, &page) else { panic!() };
        assert!(passed);
        assert!(findings.iter().any(|f| matches!(f, Finding::Ratio { mode: RunMode::Sync, .. })));
    }

    #[test]
    fn the_circuit_passes_once_it_opened_and_closed_again() {
        let mut page = Page::default();
        let (form, _) = Setup::Circuit.apply("test-stamp");
        let change = |state, at_ms| Event::Circuit(CircuitChange { run: 1, state, failures: 3, at_ms });
        page.sent = Some(form.request().unwrap());
        page.apply(Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 2, mode: RunMode::Sync });
        page.apply(change(CircuitState::Open, 6000));
        page.apply(Event::RunFinished(RunFinished {
            run: 1,
            sent: 0,
            delivered: 0,
            failed: 0,
            elapsed_ms: 1,
            stopped: true,
        }));
        let Verdict::Judged { passed, findings } = check(Exercise::CircuitBreaker, &page) else { panic!() };
        assert!(!passed, "opened but never closed");
        assert!(findings[1].text(Lang::En).contains("bring the brokers back up"));

        page.sent = Some(form.request().unwrap());
        page.apply(Event::RunStarted { run: 2, topic: lab::TOPIC.into(), count: 2, mode: RunMode::Sync });
        for (state, at) in [(CircuitState::Open, 6000), (CircuitState::HalfOpen, 9000), (CircuitState::Closed, 9100)] {
            page.apply(Event::Circuit(CircuitChange { run: 2, state, failures: 3, at_ms: at }));
        }
        page.apply(Event::RunFinished(RunFinished {
            run: 2,
            sent: 0,
            delivered: 0,
            failed: 0,
            elapsed_ms: 1,
            stopped: false,
        }));
        let Verdict::Judged { passed, findings } = check(Exercise::CircuitBreaker, &page) else { panic!() };
        assert!(passed);
        assert!(findings[0].text(Lang::Fr).contains("ouvert 6.0 s → semi-ouvert 9.0 s → fermé 9.1 s"));
    }

    #[test]
    fn every_setup_is_a_valid_request() {
        for exercise in Exercise::ALL {
            for setup in exercise.setups() {
                let (form, _) = setup.apply("test-stamp");
                assert!(form.request().is_ok(), "{setup:?}");
            }
        }
        let (circuit, _) = Setup::Circuit.apply("test-stamp");
        assert_eq!(
            circuit.request().unwrap().circuit_breaker,
            Some(CircuitBreaker { failure_threshold: 3, open_ms: 3000 })
        );
    }

    #[test]
    fn progress_survives_as_json_and_the_quiz_ticks_only_when_all_right() {
        let mut progress = Progress { quiz: vec![Some(1), Some(1), Some(2)], ..Progress::default() };
        progress.earn(&Page::default());
        assert!(!progress.ticks.contains(&Tick::Quiz));
        progress.quiz[2] = Some(0);
        progress.pass(Exercise::Performance);
        assert!(progress.earn(&Page::default()));
        assert!(progress.ticks.contains(&Tick::Quiz) && progress.ticks.contains(&Tick::Bonus));
        let json = serde_json::to_string(&progress).unwrap();
        assert_eq!(serde_json::from_str::<Progress>(&json).unwrap(), progress);
    }

    #[test]
    fn a_failed_check_is_kept_with_its_short_answer_until_it_passes() {
        let mut page = Page::default();
        let mut progress = Progress::default();
        // Exercise 3 checked before any run: tried, and why it did not pass.
        let Verdict::Judged { passed: false, findings } = check(Exercise::BrokerDown, &page) else { panic!() };
        progress.fail(Exercise::BrokerDown, &findings);
        let failed = progress.failed_checks();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].id, "exercise:broker_down");
        assert!(!failed[0].en.is_empty() && failed[0].en != failed[0].fr, "{failed:?}");
        // A run of 10 with failures: connected and ten_sent were tried and not earned.
        let mut outcomes = vec![Ok((0, 0)); 7];
        outcomes.extend([Err(("MessageTimedOut", 5_000)); 3]);
        run(&mut page, lab_run(), &outcomes);
        assert!(progress.earn(&page));
        let ids: Vec<String> = progress.failed_checks().into_iter().map(|f| f.id).collect();
        assert_eq!(ids, ["connected", "exercise:broker_down", "ten_sent"]);
        assert_eq!(progress.failed["ten_sent"].en, "3 of 10 failed");
        assert_eq!(progress.failed["ten_sent"].fr, "3 sur 10 en échec");
        // Ten delivered: both earned, no longer failed; the exercise passes from its runs.
        run(&mut page, lab_run(), &[Ok((1, 0)); 10]);
        progress.earn(&page);
        let (form, _) = Setup::BrokerDown.apply("test-stamp");
        run(&mut page, form.request().unwrap(), &[Err(("MessageTimedOut", 5_012)); 3]);
        progress.pass(Exercise::BrokerDown);
        progress.earn(&page);
        assert!(progress.failed.is_empty(), "{:?}", progress.failed);
        // The quiz answered with one wrong.
        progress.quiz = vec![Some(1), Some(0), Some(0)];
        progress.earn(&page);
        assert_eq!(progress.failed["quiz"].en, "2 of 3 right");
    }

    #[test]
    fn a_short_answer_is_cut_to_what_the_protocol_carries() {
        let findings = vec![Finding::SentTwice { offsets: (0..200).collect() }];
        let answer = short_answer("exercise:idempotence".into(), &findings);
        assert!(answer.en.len() <= MAX_ANSWER_LEN && answer.en.ends_with('…'), "{}", answer.en);
        assert!(answer.fr.starts_with("envoyé deux fois : offsets 0, 1, 2"));
    }
}
