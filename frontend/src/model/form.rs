//! The form as the trainee typed it, kept as text so a half-typed number is not lost:
//! [`Form::request`] turns it into a [`ProduceRequest`] or names each field at fault, and
//! the preview says where the first messages would go.

use std::collections::BTreeMap;

use shared::lab;
use shared::partitioner::predict;
use shared::problem::Problem;
use shared::protocol::{CircuitBreaker, HeaderTemplate, ProduceRequest, Record, RunMode, lab_headers};
use shared::settings::{FieldError, Partitioner, Preset, ProducerSettings};
use shared::template::{Template, TemplateEnv, literal};

/// The form as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// The settings that are not typed as text.
    pub settings: ProducerSettings,
    /// The numeric settings as typed, by librdkafka name, so a half-typed number is kept.
    pub numbers: BTreeMap<&'static str, String>,
    /// Whether messages get a key.
    pub keyed: bool,
    /// The key template.
    pub key_template: String,
    /// The value template.
    pub value_template: String,
    /// Each message's headers: name and value template.
    pub headers: Vec<(String, String)>,
    /// How many messages, as typed.
    pub count: String,
    /// Sync or pipelined.
    pub mode: RunMode,
    /// Messages per second, as typed; empty for as fast as the mode goes.
    pub rate: String,
    /// Whether the run has a circuit breaker (Exercise 6).
    pub circuit: bool,
    /// The circuit breaker's failures in a row, as typed.
    pub circuit_threshold: String,
    /// How long the circuit stays open, in ms, as typed.
    pub circuit_open_ms: String,
}

impl Default for Form {
    /// The lab's Program.cs.
    fn default() -> Self {
        let mut form = Self {
            settings: ProducerSettings::default(),
            numbers: BTreeMap::new(),
            // `ProducerBuilder<Null, string>`: the lab's messages have no key.
            keyed: false,
            key_template: lab::KEY_TEMPLATE.to_owned(),
            value_template: lab::VALUE_TEMPLATE.to_owned(),
            headers: lab_headers().into_iter().map(|h| (h.name, h.value)).collect(),
            count: lab::COUNT.to_string(),
            mode: RunMode::Sync,
            rate: String::new(),
            circuit: false,
            circuit_threshold: CircuitBreaker::default().failure_threshold.to_string(),
            circuit_open_ms: CircuitBreaker::default().open_ms.to_string(),
        };
        form.apply_preset(Preset::LabBasic);
        form
    }
}

fn whole_number(field: &str, text: &str, errors: &mut Vec<FieldError>) -> u32 {
    match text.trim().parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            errors.push(FieldError::new(
                field,
                Problem::NotANumber { field: field.to_owned(), got: text.trim().to_owned() },
            ));
            0
        }
    }
}

impl Form {
    /// The form that sends `request` (a shared scenario).
    pub fn from_request(request: &ProduceRequest) -> Self {
        let mut form = Self {
            settings: request.settings.clone(),
            numbers: BTreeMap::new(),
            keyed: request.key_template.is_some(),
            key_template: request.key_template.clone().unwrap_or_else(|| lab::KEY_TEMPLATE.to_owned()),
            value_template: request.value_template.clone(),
            headers: request.headers.iter().map(|h| (h.name.clone(), h.value.clone())).collect(),
            count: request.count.to_string(),
            mode: request.mode,
            rate: request.rate.map(|r| r.to_string()).unwrap_or_default(),
            circuit: request.circuit_breaker.is_some(),
            circuit_threshold: request.circuit_breaker.unwrap_or_default().failure_threshold.to_string(),
            circuit_open_ms: request.circuit_breaker.unwrap_or_default().open_ms.to_string(),
        };
        form.fill_numbers();
        form
    }

    /// Puts a preset's settings in the form; templates and count stay.
    pub fn apply_preset(&mut self, preset: Preset) {
        self.set_settings(preset.settings());
    }

    /// Puts `settings` in the form, numbers as text included.
    pub fn set_settings(&mut self, settings: ProducerSettings) {
        self.settings = settings;
        self.fill_numbers();
    }

    /// This form, set to send `record` once more as it was read back: its key, value and
    /// headers with their braces made literal, one message (Resend and Edit as new).
    pub fn for_record(&self, record: &Record) -> Form {
        let mut form = self.clone();
        form.keyed = record.key.is_some();
        if let Some(key) = &record.key {
            form.key_template = literal(key);
        }
        form.value_template = literal(record.value.as_deref().unwrap_or_default());
        form.headers = record.headers.iter().map(|(n, v)| (n.clone(), literal(v))).collect();
        form.count = "1".into();
        form
    }

    /// What differs in `after` from this form, field by field, in the page's order: each
    /// field's element id (where the page scrolls to and highlights it) and its name as
    /// Kafka or the lab says it. A lab set-up says with it what it changed.
    pub fn changed_fields(&self, after: &Form) -> Vec<(String, String)> {
        let mut changed = Vec::new();
        let mut field = |differs: bool, id: String, name: &str| {
            if differs {
                changed.push((id, name.to_owned()));
            }
        };
        let (s, a) = (&self.settings, &after.settings);
        field(s.client_id != a.client_id, "client-id".into(), "client.id");
        field(s.acks != a.acks, format!("acks-{}", a.acks.as_str()), "acks");
        field(s.enable_idempotence != a.enable_idempotence, "enable-idempotence".into(), "enable.idempotence");
        for (bound, _) in a.numbers() {
            field(
                self.numbers.get(bound.name) != after.numbers.get(bound.name),
                bound.name.replace('.', "-"),
                bound.name,
            );
        }
        field(s.compression_type != a.compression_type, "compression-type".into(), "compression.type");
        field(s.partitioner != a.partitioner, "partitioner".into(), "partitioner");
        field(self.keyed != after.keyed, "keyed".into(), "key");
        field(after.keyed && self.key_template != after.key_template, "key-template".into(), "key");
        field(self.value_template != after.value_template, "value-template".into(), "value");
        let first_header = (0..after.headers.len()).find(|&n| self.headers.get(n) != after.headers.get(n));
        let removed = after.headers.len() < self.headers.len();
        field(
            first_header.is_some() || removed,
            first_header.map_or_else(|| "add-header".into(), |n| format!("header-name-{n}")),
            "headers",
        );
        field(self.count != after.count, "count".into(), "count");
        field(self.mode != after.mode, format!("mode-{}", after.mode.as_str()), "mode");
        field(self.rate != after.rate, "rate".into(), "rate");
        let breaker =
            (&self.circuit_threshold, &self.circuit_open_ms) != (&after.circuit_threshold, &after.circuit_open_ms);
        field(self.circuit != after.circuit || (after.circuit && breaker), "circuit".into(), "circuit breaker");
        changed.dedup_by(|a, b| a.1 == b.1);
        changed
    }

    /// The numeric fields' text, from the settings.
    fn fill_numbers(&mut self) {
        self.numbers = self.settings.numbers().iter().map(|(b, v)| (b.name, v.to_string())).collect();
    }

    /// The request this form describes, or every field at fault.
    pub fn request(&self) -> Result<ProduceRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut settings = self.settings.clone();
        settings.client_id = settings.client_id.trim().to_owned();
        for (bound, _) in ProducerSettings::default().numbers() {
            let text = self.numbers.get(bound.name).map_or("", String::as_str);
            let value = whole_number(bound.name, text, &mut errors);
            settings.set_number(bound.name, value);
        }
        let count = whole_number("count", &self.count, &mut errors);
        let rate = (!self.rate.trim().is_empty()).then(|| whole_number("rate", &self.rate, &mut errors));
        let circuit_breaker = self.circuit.then(|| CircuitBreaker {
            failure_threshold: whole_number("failure_threshold", &self.circuit_threshold, &mut errors),
            open_ms: whole_number("open_ms", &self.circuit_open_ms, &mut errors),
        });
        let request = ProduceRequest {
            topic: lab::TOPIC.to_owned(),
            count,
            settings,
            key_template: self.keyed.then(|| self.key_template.clone()),
            value_template: self.value_template.clone(),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| HeaderTemplate { name: name.clone(), value: value.clone() })
                .collect(),
            partition: None,
            mode: self.mode,
            rate,
            circuit_breaker,
        };
        // A field that is not a number is reported once, not again as out of bounds.
        for e in request.validate() {
            if !errors.iter().any(|known| known.field == e.field) {
                errors.push(e);
            }
        }
        if errors.is_empty() { Ok(request) } else { Err(errors) }
    }

    /// The first `n` messages as they would be sent, with the partition librdkafka's
    /// chosen partitioner and Java's default would give each key.
    pub fn preview(&self, n: u64, partitions: u32, env: &mut impl TemplateEnv) -> Result<Vec<PreviewRow>, Problem> {
        let parse = |name: &str, t: &str| {
            Template::parse(t).map_err(|problem| Problem::Template { field: name.to_owned(), problem })
        };
        let key = if self.keyed { Some(parse("key", &self.key_template)?) } else { None };
        let value = parse("value", &self.value_template)?;
        let headers = self
            .headers
            .iter()
            .map(|(name, t)| Ok((name.clone(), parse(name, t)?)))
            .collect::<Result<Vec<_>, Problem>>()?;
        Ok((1..=n)
            .map(|seq| {
                let key = key.as_ref().map(|t| t.render(seq, env));
                let bytes = key.as_deref().map(str::as_bytes);
                PreviewRow {
                    seq,
                    partition: predict(self.settings.partitioner, bytes, partitions),
                    java_partition: predict(Partitioner::Murmur2Random, bytes, partitions),
                    value: value.render(seq, env),
                    headers: headers.iter().map(|(name, t)| (name.clone(), t.render(seq, env))).collect(),
                    key,
                }
            })
            .collect())
    }

    /// The problem with `field`, if any, for the page to show beside it.
    pub fn error_for(&self, field: &str) -> Option<Problem> {
        self.request().err()?.into_iter().find(|e| e.field == field).map(|e| e.problem)
    }
}

/// A message of the preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewRow {
    /// Its number.
    pub seq: u64,
    /// Its key.
    pub key: Option<String>,
    /// Its value.
    pub value: String,
    /// Its headers.
    pub headers: Vec<(String, String)>,
    /// Where the chosen partitioner sends it; `None` when the key does not decide.
    pub partition: Option<u32>,
    /// Where Java's default partitioner (murmur2) would send it.
    pub java_partition: Option<u32>,
}
