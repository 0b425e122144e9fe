//! The producer settings a trainee may change: typed fields with bounds.
//!
//! The browser never sends a raw librdkafka property. Each field here is serialized under
//! its librdkafka name (`client.id`, `acks`, ...), unknown keys are refused by serde
//! (`deny_unknown_fields`), and [`ProducerSettings::validate`] checks every bound before
//! the server builds a client. The server alone maps these fields to properties.

use serde::{Deserialize, Serialize};

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
    /// What it does, in one line.
    pub doc: &'static str,
}

impl Bound {
    fn check(&self, value: u64, errors: &mut Vec<FieldError>) {
        if value < self.min || value > self.max {
            errors.push(FieldError {
                field: self.name.to_owned(),
                message: format!(
                    "{} must be between {} and {}, got {}",
                    self.name, self.min, self.max, value
                ),
            });
        }
    }
}

/// Bounds of `message.send.max.retries` (librdkafka accepts 0 to 2147483647).
pub const RETRIES: Bound = Bound {
    name: "message.send.max.retries",
    dotnet: "MessageSendMaxRetries",
    min: 0,
    max: 2_147_483_647,
    doc: "How many times librdkafka retries a failed produce request before the message fails.",
};

/// Bounds of `retry.backoff.ms`.
pub const RETRY_BACKOFF_MS: Bound = Bound {
    name: "retry.backoff.ms",
    dotnet: "RetryBackoffMs",
    min: 1,
    max: 300_000,
    doc: "How long to wait before the first retry; later retries back off exponentially.",
};

/// Bounds of `request.timeout.ms`.
pub const REQUEST_TIMEOUT_MS: Bound = Bound {
    name: "request.timeout.ms",
    dotnet: "RequestTimeoutMs",
    min: 1,
    max: 900_000,
    doc: "How long the producer waits for the broker's answer to one produce request.",
};

/// Bounds of `message.timeout.ms` (0 means no limit in librdkafka; we refuse it so
/// that every message ends with an outcome).
pub const MESSAGE_TIMEOUT_MS: Bound = Bound {
    name: "message.timeout.ms",
    dotnet: "MessageTimeoutMs",
    min: 1,
    max: 900_000,
    doc: "The delivery timeout: how long a message may take, retries included, before it fails.",
};

/// Longest accepted `client.id`.
pub const CLIENT_ID_MAX_LEN: usize = 255;

/// The lab's producer configuration, as typed fields.
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
    /// `message.send.max.retries`: see [`RETRIES`].
    #[serde(rename = "message.send.max.retries")]
    pub message_send_max_retries: u32,
    /// `retry.backoff.ms`: see [`RETRY_BACKOFF_MS`].
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u32,
    /// `request.timeout.ms`: see [`REQUEST_TIMEOUT_MS`].
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u32,
    /// `message.timeout.ms`: see [`MESSAGE_TIMEOUT_MS`].
    #[serde(rename = "message.timeout.ms")]
    pub message_timeout_ms: u32,
}

impl Default for ProducerSettings {
    /// The lab's Program.cs: acks=all, 3 retries, 100 ms backoff, 30 s request timeout.
    fn default() -> Self {
        Self {
            client_id: "lab-producer".to_owned(),
            acks: Acks::All,
            message_send_max_retries: 3,
            retry_backoff_ms: 100,
            request_timeout_ms: 30_000,
            message_timeout_ms: 30_000,
        }
    }
}

/// One setting that is out of bounds, named so the page can mark the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's JSON key (its librdkafka name), or `count`, `value_template`, ...
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl ProducerSettings {
    /// Every bound that is broken, field by field; empty when the settings are usable.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let id_ok = !self.client_id.is_empty()
            && self.client_id.len() <= CLIENT_ID_MAX_LEN
            && self
                .client_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !id_ok {
            errors.push(FieldError {
                field: "client.id".to_owned(),
                message: format!(
                    "client.id must be 1 to {CLIENT_ID_MAX_LEN} letters, digits, '.', '_' or '-'"
                ),
            });
        }
        RETRIES.check(self.message_send_max_retries.into(), &mut errors);
        RETRY_BACKOFF_MS.check(self.retry_backoff_ms.into(), &mut errors);
        REQUEST_TIMEOUT_MS.check(self.request_timeout_ms.into(), &mut errors);
        MESSAGE_TIMEOUT_MS.check(self.message_timeout_ms.into(), &mut errors);
        errors
    }

    /// The numeric settings with their bounds, in the order the page shows them.
    pub const BOUNDS: [Bound; 4] = [
        RETRIES,
        RETRY_BACKOFF_MS,
        REQUEST_TIMEOUT_MS,
        MESSAGE_TIMEOUT_MS,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_labs_and_valid() {
        let s = ProducerSettings::default();
        assert_eq!(s.acks, Acks::All);
        assert_eq!(s.message_send_max_retries, 3);
        assert!(s.validate().is_empty());
    }

    #[test]
    fn json_uses_librdkafka_names_and_fills_defaults() {
        let s: ProducerSettings =
            serde_json::from_str(r#"{"acks":"1","message.send.max.retries":7}"#).unwrap();
        assert_eq!(s.acks, Acks::One);
        assert_eq!(s.message_send_max_retries, 7);
        assert_eq!(s.client_id, "lab-producer");
        let json = serde_json::to_value(ProducerSettings::default()).unwrap();
        assert_eq!(json["acks"], "all");
        assert_eq!(json["client.id"], "lab-producer");
    }

    #[test]
    fn raw_properties_are_refused() {
        for key in [
            "plugin.library.paths",
            "bootstrap.servers",
            "sasl.kerberos.kinit.cmd",
        ] {
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
        assert_eq!(
            fields,
            ["client.id", "retry.backoff.ms", "request.timeout.ms"]
        );
    }

    #[test]
    fn unknown_acks_is_refused() {
        assert!(serde_json::from_str::<ProducerSettings>(r#"{"acks":"2"}"#).is_err());
    }
}
