//! The producer settings a trainee may change: typed fields with bounds.
//!
//! The browser never sends a raw librdkafka property. Each field here is serialized under
//! its librdkafka name (`client.id`, `acks`, ...), unknown keys are refused by serde
//! (`deny_unknown_fields`), and [`ProducerSettings::validate`] checks every bound before
//! the server builds a client. The server alone maps these fields to properties.

use serde::{Deserialize, Serialize};

use crate::problem::{Lang, Problem, Text};

/// How many brokers must have a message before the producer counts it as delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Acks {
    /// acks=0: fire and forget; the broker sends no response, so there is no offset.
    #[serde(rename = "0")]
    Zero,
    /// acks=1: the partition leader wrote it.
    #[serde(rename = "1")]
    One,
    /// acks=all: every in-sync replica has it (the lab's choice).
    #[default]
    #[serde(rename = "all")]
    All,
}

impl Acks {
    /// The value librdkafka and Confluent.Kafka take (`0`, `1`, `all`).
    pub fn as_str(self) -> &'static str {
        match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        }
    }

    /// Every level, in the order the page lists them.
    pub const ALL: [Acks; 3] = [Acks::Zero, Acks::One, Acks::All];
}

/// A numeric setting's name, bounds, default and one-line explanation, shared by the
/// server's validation and the page's form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    /// The librdkafka property name, also the JSON key.
    pub name: &'static str,
    /// The Confluent.Kafka (.NET) `ProducerConfig` property, as in the lab's Program.cs.
    pub dotnet: &'static str,
    /// Smallest accepted value.
    pub min: u64,
    /// Largest accepted value.
    pub max: u64,
    /// What it does, in one line, in each language.
    pub doc: Text,
}

impl Bound {
    fn check(&self, value: u64, errors: &mut Vec<FieldError>) {
        if value < self.min || value > self.max {
            errors.push(FieldError::new(
                self.name,
                Problem::OutOfRange {
                    field: self.name.to_owned(),
                    min: self.min as i64,
                    max: self.max as i64,
                    got: value as i64,
                },
            ));
        }
    }
}

/// Bounds of `max.in.flight.requests.per.connection`.
pub const MAX_IN_FLIGHT: Bound = Bound {
    name: "max.in.flight.requests.per.connection",
    dotnet: "MaxInFlight",
    min: 1,
    max: 1_000_000,
    doc: Text {
        en: "How many produce requests may wait for an answer on one broker connection; at most 5 with idempotence.",
        fr: "Combien de requêtes produce peuvent attendre une réponse sur une connexion à un broker ; 5 au plus avec l'idempotence.",
    },
};

/// Bounds of `message.send.max.retries` (librdkafka accepts 0 to 2147483647).
pub const RETRIES: Bound = Bound {
    name: "message.send.max.retries",
    dotnet: "MessageSendMaxRetries",
    min: 0,
    max: 2_147_483_647,
    doc: Text {
        en: "How many times librdkafka retries a failed produce request before the message fails.",
        fr: "Combien de fois librdkafka renvoie une requête produce échouée avant que le message échoue.",
    },
};

/// Bounds of `retry.backoff.ms`.
pub const RETRY_BACKOFF_MS: Bound = Bound {
    name: "retry.backoff.ms",
    dotnet: "RetryBackoffMs",
    min: 1,
    max: 300_000,
    doc: Text {
        en: "How long to wait before the first retry; later retries back off exponentially.",
        fr: "L'attente avant la première nouvelle tentative ; les suivantes attendent de plus en plus (backoff exponentiel).",
    },
};

/// Bounds of `retry.backoff.max.ms`.
pub const RETRY_BACKOFF_MAX_MS: Bound = Bound {
    name: "retry.backoff.max.ms",
    dotnet: "RetryBackoffMaxMs",
    min: 1,
    max: 300_000,
    doc: Text {
        en: "The longest wait between retries, however many there were.",
        fr: "L'attente la plus longue entre deux tentatives, quel que soit leur nombre.",
    },
};

/// Bounds of `request.timeout.ms`.
pub const REQUEST_TIMEOUT_MS: Bound = Bound {
    name: "request.timeout.ms",
    dotnet: "RequestTimeoutMs",
    min: 1,
    max: 900_000,
    doc: Text {
        en: "How long the producer waits for the broker's answer to one produce request.",
        fr: "Combien de temps le producer attend la réponse du broker à une requête produce.",
    },
};

/// Bounds of `message.timeout.ms` (0 means no limit in librdkafka; we refuse it so
/// that every message ends with an outcome).
pub const MESSAGE_TIMEOUT_MS: Bound = Bound {
    name: "message.timeout.ms",
    dotnet: "MessageTimeoutMs",
    min: 1,
    max: 900_000,
    doc: Text {
        en: "The delivery timeout: how long a message may take, retries included, before it fails. The lab leaves librdkafka's default, 300000 (5 minutes): with every broker down, a message waits that long before it fails, so Exercise 3's set-up uses 5000.",
        fr: "Le délai de livraison : le temps qu'un message peut prendre, tentatives comprises, avant d'échouer. Le lab garde la valeur par défaut de librdkafka, 300000 (5 minutes) : brokers arrêtés, un message attend tout ce temps avant d'échouer ; la préparation de l'exercice 3 met donc 5000.",
    },
};

/// Bounds of `linger.ms`.
pub const LINGER_MS: Bound = Bound {
    name: "linger.ms",
    dotnet: "LingerMs",
    min: 0,
    max: 900_000,
    doc: Text {
        en: "How long to wait for more messages before sending a batch: more latency, bigger batches.",
        fr: "Combien de temps attendre d'autres messages avant d'envoyer un batch : plus de latence, des batchs plus gros.",
    },
};

/// Bounds of `batch.size` (librdkafka goes to 2 GiB; 10 MB is plenty and keeps a
/// shared server's memory safe).
pub const BATCH_SIZE: Bound = Bound {
    name: "batch.size",
    dotnet: "BatchSize",
    min: 1,
    max: 10_000_000,
    doc: Text {
        en: "The largest batch in bytes sent to one partition in one request.",
        fr: "Le plus gros batch, en octets, envoyé à une partition en une requête.",
    },
};

/// Bounds of `batch.num.messages`.
pub const BATCH_NUM_MESSAGES: Bound = Bound {
    name: "batch.num.messages",
    dotnet: "BatchNumMessages",
    min: 1,
    max: 1_000_000,
    doc: Text { en: "The most messages in one batch.", fr: "Le nombre maximal de messages dans un batch." },
};

/// Bounds of `sticky.partitioning.linger.ms`.
pub const STICKY_LINGER_MS: Bound = Bound {
    name: "sticky.partitioning.linger.ms",
    dotnet: "StickyPartitioningLingerMs",
    min: 0,
    max: 900_000,
    doc: Text {
        en: "How long keyless messages stick to one partition before moving to another; 0 spreads each message.",
        fr: "Combien de temps les messages sans clé restent sur une partition avant de passer à une autre ; 0 répartit chaque message.",
    },
};

/// Longest accepted `client.id`.
pub const CLIENT_ID_MAX_LEN: usize = 255;

/// Largest `max.in.flight.requests.per.connection` with idempotence.
pub const IDEMPOTENT_MAX_IN_FLIGHT: u32 = 5;

/// `compression.type`: how batches are compressed on the wire and on disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// No compression.
    #[default]
    None,
    /// gzip: small, slow.
    Gzip,
    /// snappy: fast, moderate ratio (the lab's Exercise 5).
    Snappy,
    /// lz4: fast, moderate ratio.
    Lz4,
    /// zstd: good ratio at good speed.
    Zstd,
}

impl Compression {
    /// Every codec, in the order the page lists them.
    pub const ALL: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    /// librdkafka's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

/// `partitioner`: how a message's partition is chosen when none is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Partitioner {
    /// Any partition at random, key or not.
    Random,
    /// CRC32 of the key; keyless messages all go to one partition.
    Consistent,
    /// CRC32 of the key; keyless messages spread (librdkafka's and .NET's default).
    #[default]
    ConsistentRandom,
    /// Java's murmur2 of the key; keyless messages all go to one partition.
    Murmur2,
    /// Java's murmur2 of the key; keyless messages spread (same partitions as Java).
    Murmur2Random,
    /// FNV-1a of the key; keyless messages all go to one partition.
    Fnv1a,
    /// FNV-1a of the key; keyless messages spread.
    Fnv1aRandom,
}

impl Partitioner {
    /// Every partitioner, in the order the page lists them.
    pub const ALL: [Partitioner; 7] = [
        Partitioner::ConsistentRandom,
        Partitioner::Murmur2Random,
        Partitioner::Random,
        Partitioner::Consistent,
        Partitioner::Murmur2,
        Partitioner::Fnv1a,
        Partitioner::Fnv1aRandom,
    ];

    /// librdkafka's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Partitioner::Random => "random",
            Partitioner::Consistent => "consistent",
            Partitioner::ConsistentRandom => "consistent_random",
            Partitioner::Murmur2 => "murmur2",
            Partitioner::Murmur2Random => "murmur2_random",
            Partitioner::Fnv1a => "fnv1a",
            Partitioner::Fnv1aRandom => "fnv1a_random",
        }
    }
}

/// A producer configuration as typed fields: the lab's, and the exercises' variations.
///
/// Missing fields take the lab's defaults; unknown fields are an error.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProducerSettings {
    /// `client.id`: the name brokers log and quota this producer under.
    #[serde(rename = "client.id")]
    pub client_id: String,
    /// `acks`: how many replicas must have a message before it counts as delivered.
    pub acks: Acks,
    /// `enable.idempotence`: the broker drops the duplicates of the producer's own retries.
    #[serde(rename = "enable.idempotence")]
    pub enable_idempotence: bool,
    /// `max.in.flight.requests.per.connection`: see [`MAX_IN_FLIGHT`].
    #[serde(rename = "max.in.flight.requests.per.connection")]
    pub max_in_flight: u32,
    /// `message.send.max.retries`: see [`RETRIES`].
    #[serde(rename = "message.send.max.retries")]
    pub message_send_max_retries: u32,
    /// `retry.backoff.ms`: see [`RETRY_BACKOFF_MS`].
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u32,
    /// `retry.backoff.max.ms`: see [`RETRY_BACKOFF_MAX_MS`].
    #[serde(rename = "retry.backoff.max.ms")]
    pub retry_backoff_max_ms: u32,
    /// `request.timeout.ms`: see [`REQUEST_TIMEOUT_MS`].
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u32,
    /// `message.timeout.ms`: see [`MESSAGE_TIMEOUT_MS`].
    #[serde(rename = "message.timeout.ms")]
    pub message_timeout_ms: u32,
    /// `linger.ms`: see [`LINGER_MS`].
    #[serde(rename = "linger.ms")]
    pub linger_ms: u32,
    /// `batch.size`: see [`BATCH_SIZE`].
    #[serde(rename = "batch.size")]
    pub batch_size: u32,
    /// `batch.num.messages`: see [`BATCH_NUM_MESSAGES`].
    #[serde(rename = "batch.num.messages")]
    pub batch_num_messages: u32,
    /// `compression.type`.
    #[serde(rename = "compression.type")]
    pub compression_type: Compression,
    /// `partitioner`.
    pub partitioner: Partitioner,
    /// `sticky.partitioning.linger.ms`: see [`STICKY_LINGER_MS`].
    #[serde(rename = "sticky.partitioning.linger.ms")]
    pub sticky_partitioning_linger_ms: u32,
}

impl Default for ProducerSettings {
    /// The lab's Program.cs: acks=all, 3 retries, 1 s backoff, a 30 s request timeout,
    /// and librdkafka's defaults for the rest (its 5 minutes of message.timeout.ms too).
    fn default() -> Self {
        Self {
            client_id: crate::lab::CLIENT_ID.to_owned(),
            acks: Acks::All,
            enable_idempotence: false,
            max_in_flight: 1_000_000,
            message_send_max_retries: 3,
            retry_backoff_ms: 1000,
            retry_backoff_max_ms: 1000,
            request_timeout_ms: 30_000,
            message_timeout_ms: 300_000,
            linger_ms: 5,
            batch_size: 1_000_000,
            batch_num_messages: 10_000,
            compression_type: Compression::None,
            partitioner: Partitioner::ConsistentRandom,
            sticky_partitioning_linger_ms: 10,
        }
    }
}

/// One setting that is out of bounds, named so the page can mark the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's JSON key (its librdkafka name), or `count`, `value_template`, ...
    pub field: String,
    /// What is wrong, in plain English words (the page shows `problem` in its language).
    pub message: String,
    /// What is wrong, as a code with parameters.
    pub problem: Problem,
}

impl FieldError {
    /// An error about `field`.
    pub fn new(field: &str, problem: Problem) -> Self {
        Self { field: field.to_owned(), message: problem.text(Lang::En), problem }
    }
}

impl ProducerSettings {
    /// Every rule that is broken, field by field, as librdkafka would refuse it, but
    /// before any client is created; empty when the settings are usable.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let id_ok = !self.client_id.is_empty()
            && self.client_id.len() <= CLIENT_ID_MAX_LEN
            && self.client_id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !id_ok {
            errors.push(FieldError::new("client.id", Problem::ClientId { max: CLIENT_ID_MAX_LEN }));
        }
        for (bound, value) in self.numbers() {
            bound.check(value.into(), &mut errors);
        }
        let unbroken = |errors: &Vec<FieldError>, field: &str| !errors.iter().any(|e| e.field == field);
        if self.enable_idempotence {
            if self.acks != Acks::All {
                errors.push(FieldError::new("acks", Problem::IdempotenceNeedsAcksAll));
            }
            if self.max_in_flight > IDEMPOTENT_MAX_IN_FLIGHT && unbroken(&errors, MAX_IN_FLIGHT.name) {
                errors.push(FieldError::new(
                    MAX_IN_FLIGHT.name,
                    Problem::IdempotenceMaxInFlight { max: IDEMPOTENT_MAX_IN_FLIGHT, got: self.max_in_flight },
                ));
            }
            if self.message_send_max_retries == 0 {
                errors.push(FieldError::new(RETRIES.name, Problem::IdempotenceNeedsRetries));
            }
        }
        if self.retry_backoff_max_ms < self.retry_backoff_ms
            && unbroken(&errors, RETRY_BACKOFF_MS.name)
            && unbroken(&errors, RETRY_BACKOFF_MAX_MS.name)
        {
            errors.push(FieldError::new(
                RETRY_BACKOFF_MAX_MS.name,
                Problem::BackoffMaxBelowBackoff { max: self.retry_backoff_max_ms, backoff: self.retry_backoff_ms },
            ));
        }
        if self.message_timeout_ms <= self.linger_ms
            && unbroken(&errors, MESSAGE_TIMEOUT_MS.name)
            && unbroken(&errors, LINGER_MS.name)
        {
            errors.push(FieldError::new(
                MESSAGE_TIMEOUT_MS.name,
                Problem::TimeoutNotAboveLinger { timeout: self.message_timeout_ms, linger: self.linger_ms },
            ));
        }
        errors
    }

    /// Sets the numeric setting named `name` (its librdkafka name); false if there is none.
    pub fn set_number(&mut self, name: &str, value: u32) -> bool {
        let field = match name {
            n if n == MAX_IN_FLIGHT.name => &mut self.max_in_flight,
            n if n == RETRIES.name => &mut self.message_send_max_retries,
            n if n == RETRY_BACKOFF_MS.name => &mut self.retry_backoff_ms,
            n if n == RETRY_BACKOFF_MAX_MS.name => &mut self.retry_backoff_max_ms,
            n if n == REQUEST_TIMEOUT_MS.name => &mut self.request_timeout_ms,
            n if n == MESSAGE_TIMEOUT_MS.name => &mut self.message_timeout_ms,
            n if n == LINGER_MS.name => &mut self.linger_ms,
            n if n == BATCH_SIZE.name => &mut self.batch_size,
            n if n == BATCH_NUM_MESSAGES.name => &mut self.batch_num_messages,
            n if n == STICKY_LINGER_MS.name => &mut self.sticky_partitioning_linger_ms,
            _ => return false,
        };
        *field = value;
        true
    }

    /// The numeric settings with their bounds and values, in the order the page shows them.
    pub fn numbers(&self) -> [(Bound, u32); 10] {
        [
            (MAX_IN_FLIGHT, self.max_in_flight),
            (RETRIES, self.message_send_max_retries),
            (RETRY_BACKOFF_MS, self.retry_backoff_ms),
            (RETRY_BACKOFF_MAX_MS, self.retry_backoff_max_ms),
            (REQUEST_TIMEOUT_MS, self.request_timeout_ms),
            (MESSAGE_TIMEOUT_MS, self.message_timeout_ms),
            (LINGER_MS, self.linger_ms),
            (BATCH_SIZE, self.batch_size),
            (BATCH_NUM_MESSAGES, self.batch_num_messages),
            (STICKY_LINGER_MS, self.sticky_partitioning_linger_ms),
        ]
    }
}

/// Ready-made configurations from the lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The lab's Program.cs.
    LabBasic,
    /// Exercise 4: idempotence on (acks=all and at most 5 requests in flight follow).
    Idempotent,
    /// Exercise 5: batch.size 32768, linger.ms 5, snappy compression.
    Optimized,
}

impl Preset {
    /// Every preset, in the order the page lists them.
    pub const ALL: [Preset; 3] = [Preset::LabBasic, Preset::Idempotent, Preset::Optimized];

    /// The preset's settings.
    pub fn settings(self) -> ProducerSettings {
        let lab = ProducerSettings::default();
        match self {
            Preset::LabBasic => lab,
            Preset::Idempotent => ProducerSettings {
                client_id: crate::lab::IDEMPOTENT_CLIENT_ID.to_owned(),
                enable_idempotence: true,
                acks: Acks::All,
                max_in_flight: IDEMPOTENT_MAX_IN_FLIGHT,
                ..lab
            },
            Preset::Optimized => {
                let client_id = crate::lab::OPTIMIZED_CLIENT_ID.to_owned();
                ProducerSettings {
                    client_id,
                    batch_size: 32_768,
                    linger_ms: 5,
                    compression_type: Compression::Snappy,
                    ..lab
                }
            }
        }
    }

    /// What the preset is, in one line.
    pub fn doc(self) -> Text {
        match self {
            Preset::LabBasic => Text {
                en: "The lab's Program.cs: acks=all, 3 retries, librdkafka's defaults otherwise.",
                fr: "Le Program.cs du lab : acks=all, 3 tentatives, sinon les valeurs par défaut de librdkafka.",
            },
            Preset::Idempotent => Text {
                en: "Exercise 4: enable.idempotence=true, acks=all, max.in.flight=5.",
                fr: "Exercice 4 : enable.idempotence=true, acks=all, max.in.flight=5.",
            },
            Preset::Optimized => Text {
                en: "Exercise 5: batch.size=32768, linger.ms=5, compression snappy.",
                fr: "Exercice 5 : batch.size=32768, linger.ms=5, compression snappy.",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_labs_program_cs_field_by_field_and_valid() {
        // LAB 1.2A's ProducerConfig: ClientId, Acks, MessageSendMaxRetries,
        // RetryBackoffMs, RequestTimeoutMs; librdkafka's defaults for the rest.
        let s = ProducerSettings::default();
        assert_eq!(s.client_id, "dotnet-basic-producer");
        assert_eq!(s.acks, Acks::All);
        assert_eq!(s.message_send_max_retries, 3);
        assert_eq!(s.retry_backoff_ms, 1000);
        assert_eq!(s.request_timeout_ms, 30_000);
        assert_eq!(s.message_timeout_ms, 300_000, "librdkafka's default: the lab does not set it");
        assert_eq!((s.linger_ms, s.batch_size, s.batch_num_messages), (5, 1_000_000, 10_000));
        assert_eq!((s.enable_idempotence, s.compression_type), (false, Compression::None));
        assert_eq!(s.partitioner, Partitioner::ConsistentRandom, "Confluent.Kafka's default");
        assert!(s.validate().is_empty());
        let idempotent = Preset::Idempotent.settings();
        assert_eq!((idempotent.client_id.as_str(), idempotent.max_in_flight), ("dotnet-idempotent-producer", 5));
        let optimized = Preset::Optimized.settings();
        assert_eq!(optimized.client_id, "dotnet-optimized-producer");
        assert_eq!(
            (optimized.batch_size, optimized.linger_ms, optimized.compression_type),
            (32_768, 5, Compression::Snappy)
        );
    }

    #[test]
    fn json_uses_librdkafka_names_and_fills_defaults() {
        let s: ProducerSettings = serde_json::from_str(r#"{"acks":"1","message.send.max.retries":7}"#).unwrap();
        assert_eq!(s.acks, Acks::One);
        assert_eq!(s.message_send_max_retries, 7);
        assert_eq!(s.client_id, "dotnet-basic-producer");
        let json = serde_json::to_value(ProducerSettings::default()).unwrap();
        assert_eq!(json["acks"], "all");
        assert_eq!(json["client.id"], "dotnet-basic-producer");
    }

    #[test]
    fn raw_properties_are_refused() {
        for key in ["plugin.library.paths", "bootstrap.servers", "sasl.kerberos.kinit.cmd"] {
            let json = format!(r#"{{"{key}":"x"}}"#);
            let err = serde_json::from_str::<ProducerSettings>(&json).unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    #[test]
    fn out_of_bounds_fields_are_named() {
        let s = ProducerSettings {
            client_id: "bad id; rm -rf".into(),
            retry_backoff_ms: 0,
            request_timeout_ms: 1_000_000,
            ..ProducerSettings::default()
        };
        let fields: Vec<_> = s.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["client.id", "retry.backoff.ms", "request.timeout.ms"]);
    }

    #[test]
    fn idempotence_follows_librdkafkas_rules() {
        let s = ProducerSettings { enable_idempotence: true, acks: Acks::One, ..Default::default() };
        let errors = s.validate();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["acks", "max.in.flight.requests.per.connection"]);
        assert_eq!(errors[0].message, "enable.idempotence needs acks=all");
        let s = ProducerSettings { message_send_max_retries: 0, ..Preset::Idempotent.settings() };
        assert_eq!(s.validate()[0].field, "message.send.max.retries");
    }

    #[test]
    fn cross_field_rules_name_one_field() {
        let s = ProducerSettings { retry_backoff_ms: 2000, retry_backoff_max_ms: 1000, ..Default::default() };
        assert_eq!(s.validate()[0].field, "retry.backoff.max.ms");
        let s = ProducerSettings { linger_ms: 500, message_timeout_ms: 500, ..Default::default() };
        let errors = s.validate();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "message.timeout.ms (500) must be greater than linger.ms (500)");
    }

    #[test]
    fn presets_are_valid_and_say_what_the_lab_says() {
        for preset in Preset::ALL {
            assert!(preset.settings().validate().is_empty(), "{preset:?}");
        }
        let optimized = Preset::Optimized.settings();
        assert_eq!((optimized.batch_size, optimized.linger_ms), (32_768, 5));
        assert_eq!(optimized.compression_type, Compression::Snappy);
        assert!(Preset::Idempotent.settings().enable_idempotence);
    }

    #[test]
    fn enums_use_librdkafkas_names() {
        for p in Partitioner::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        for c in Compression::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }

    #[test]
    fn every_number_can_be_set_by_its_name() {
        let mut s = ProducerSettings::default();
        for (n, (bound, _)) in ProducerSettings::default().numbers().into_iter().enumerate() {
            assert!(s.set_number(bound.name, 1000 + n as u32), "{}", bound.name);
        }
        let values: Vec<u32> = s.numbers().iter().map(|(_, v)| *v).collect();
        assert_eq!(values, (1000..1010).collect::<Vec<u32>>());
        assert!(!s.set_number("plugin.library.paths", 1));
    }

    #[test]
    fn unknown_acks_is_refused() {
        assert!(serde_json::from_str::<ProducerSettings>(r#"{"acks":"2"}"#).is_err());
    }
}
