//! The page's state as plain Rust, so its logic is tested with ordinary `#[test]`s.
//!
//! [`Form`] is what the trainee typed, kept as text so a half-typed number is not lost;
//! [`Form::request`] turns it into a [`ProduceRequest`] or names each field at fault.
//! [`Page`] is what the server told; [`Page::apply`] folds one [`Event`] into it.

use std::collections::BTreeMap;

use shared::lab;
use shared::partitioner::predict;
use shared::problem::Problem;
use shared::protocol::{
    CircuitBreaker, CircuitChange, ClusterState, Delivered, ErrorEvent, ErrorName, Event, Failed, HeaderTemplate,
    Hello, LogLine, Persistence, ProduceRequest, ProducerStats, Record, Records, RunFinished, RunMode, RunStats,
    lab_headers,
};
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

/// Bins of the latency histogram, log-spaced from 10 µs to 100 s.
pub const LATENCY_BINS: usize = 28;

/// Cells a partition's lane draws; past this it says how many more there are.
pub const CELLS_PER_LANE: usize = 120;

/// Where a latency in microseconds sits on the histogram's log scale: 0 at 10 µs, 1 at
/// 100 s.
pub fn latency_scale(latency_us: u64) -> f64 {
    ((latency_us.max(10) as f64).log10() - 1.0) / 7.0
}

/// The histogram bin of a latency in microseconds.
pub fn latency_bin(latency_us: u64) -> usize {
    ((latency_scale(latency_us) * LATENCY_BINS as f64) as usize).min(LATENCY_BINS - 1)
}

/// Points a chart keeps: past this, every other point goes, so a long run still fits.
pub const SERIES_POINTS: usize = 400;

/// A run's figures at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Since the run started, in milliseconds.
    pub elapsed_ms: u64,
    /// Outcomes per second since the previous point.
    pub msgs_per_sec: f64,
    /// Median latency so far, in microseconds.
    pub p50_us: u64,
    /// 99th percentile latency so far, in microseconds.
    pub p99_us: u64,
}

/// One message's outcome, as a row of the delivery table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Its number in the run.
    pub seq: u64,
    /// Its key.
    pub key: Option<String>,
    /// Its partition, when delivered.
    pub partition: Option<i32>,
    /// Its offset, when delivered with acks 1 or all.
    pub offset: Option<i64>,
    /// Delivery latency in microseconds.
    pub latency_us: u64,
    /// `None` when delivered; the error name and its words when failed.
    pub failure: Option<(ErrorName, String)>,
    /// The producer's CreateTime, when delivered.
    pub timestamp_ms: Option<i64>,
    /// The broker's LogAppendTime, when it reported one (synthetic on the mock).
    pub log_append_time_ms: Option<i64>,
    /// For a failure: whether retrying could cure it, and whether it may be written.
    pub failure_detail: Option<(bool, Persistence)>,
}

/// Which rows the delivery table shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this partition.
    pub partition: Option<i32>,
    /// Only delivered (`Some(true)`) or only failed (`Some(false)`).
    pub delivered: Option<bool>,
}

impl Filter {
    /// Whether `row` passes.
    pub fn keeps(&self, row: &Row) -> bool {
        self.partition.is_none_or(|p| row.partition == Some(p))
            && self.delivered.is_none_or(|d| row.failure.is_none() == d)
    }
}

impl Row {
    /// Whether this delivered row is where `partitioner` puts its key among `partitions`:
    /// `None` when the key does not decide (no key, a random partitioner, not delivered).
    pub fn as_predicted(&self, partitioner: Partitioner, partitions: u32) -> Option<bool> {
        let predicted = predict(partitioner, self.key.as_deref().map(str::as_bytes), partitions)?;
        Some(self.partition? as u32 == predicted)
    }
}

impl Run {
    /// The rows passing `filter`, `start` to `start + len`, and how many pass in all:
    /// what a virtualized table draws.
    pub fn window(&self, filter: Filter, start: usize, len: usize) -> (usize, Vec<Row>) {
        if filter == Filter::default() {
            let rows = self.rows.iter().skip(start).take(len).cloned().collect();
            return (self.rows.len(), rows);
        }
        let mut total = 0;
        let mut rows = Vec::with_capacity(len);
        for row in self.rows.iter().filter(|r| filter.keeps(r)) {
            if total >= start && rows.len() < len {
                rows.push(row.clone());
            }
            total += 1;
        }
        (total, rows)
    }
}

/// The run on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The run's number in this session.
    pub run: u64,
    /// How many messages it sends.
    pub count: u32,
    /// Outcomes so far, in order of arrival.
    pub rows: Vec<Row>,
    /// Delivered messages per partition.
    pub per_partition: Vec<u64>,
    /// The latest figures from the server.
    pub stats: Option<RunStats>,
    /// The run's figures over time, for the charts; at most [`SERIES_POINTS`].
    pub series: Vec<Point>,
    /// Delivered rows by latency bin, kept as rows arrive (see [`latency_bin`]).
    pub latency_bins: [u32; LATENCY_BINS],
    /// Per partition, the first [`CELLS_PER_LANE`] delivered rows: offset and key colour.
    pub lane_cells: Vec<Vec<(Option<i64>, Option<u32>)>>,
    /// Rows that are deliveries (the rest are failures), counted as they arrive.
    pub delivered_rows: usize,
    /// The totals, once it is over.
    pub finished: Option<RunFinished>,
    /// What this page asked for, when this page started it.
    pub request: Option<ProduceRequest>,
    /// Its circuit breaker's changes, in order.
    pub circuit: Vec<CircuitChange>,
    /// When, in the run's time, the last outcome came.
    pub last_outcome_ms: u64,
}

impl Default for Run {
    fn default() -> Self {
        Self {
            run: 0,
            count: 0,
            rows: Vec::new(),
            per_partition: Vec::new(),
            stats: None,
            series: Vec::new(),
            latency_bins: [0; LATENCY_BINS],
            lane_cells: Vec::new(),
            delivered_rows: 0,
            finished: None,
            request: None,
            circuit: Vec::new(),
            last_outcome_ms: 0,
        }
    }
}

impl Run {
    /// Messages delivered so far.
    pub fn delivered(&self) -> usize {
        self.delivered_rows
    }

    /// Messages failed so far, among the rows kept.
    pub fn failed(&self) -> usize {
        self.rows.len().saturating_sub(self.delivered())
    }

    /// Messages with an outcome so far: the server's exact count, which a page that came
    /// back mid-run (a reload) has where it missed the rows before.
    pub fn outcomes(&self) -> usize {
        let counted = self.stats.as_ref().map_or(0, |s| (s.delivered + s.failed) as usize);
        counted.max(self.rows.len())
    }

    /// About how many seconds the run has left: the time its outcomes took so far on
    /// average, times the messages left, less the time since the last outcome, so that
    /// between two outcomes (a sync run whose messages each wait for a timeout) it counts
    /// down, not up. None before the first outcome and once finished.
    pub fn seconds_left(&self) -> Option<f64> {
        let stats = self.stats.as_ref()?;
        let done = stats.delivered + stats.failed;
        let left = u64::from(self.count).saturating_sub(done);
        if self.finished.is_some() || left == 0 || done == 0 {
            return None;
        }
        let per_outcome_ms = self.last_outcome_ms as f64 / done as f64;
        let since_ms = stats.elapsed_ms.saturating_sub(self.last_outcome_ms) as f64;
        Some(((left as f64 * per_outcome_ms - since_ms) / 1000.0).max(0.0))
    }

    /// Keeps the latest figures and adds a point to the series.
    fn record(&mut self, stats: RunStats) {
        let (before_ms, before) = self.stats.as_ref().map_or((0, 0), |s| (s.elapsed_ms, s.delivered + s.failed));
        let outcomes = stats.delivered + stats.failed;
        if outcomes > before {
            self.last_outcome_ms = stats.elapsed_ms;
        }
        let span_ms = stats.elapsed_ms.saturating_sub(before_ms);
        if span_ms > 0 {
            self.series.push(Point {
                elapsed_ms: stats.elapsed_ms,
                msgs_per_sec: outcomes.saturating_sub(before) as f64 * 1000.0 / span_ms as f64,
                p50_us: stats.p50_us,
                p99_us: stats.p99_us,
            });
            if self.series.len() > SERIES_POINTS {
                // Halve the resolution rather than forget the start of the run.
                let mut keep = false;
                self.series.retain(|_| {
                    keep = !keep;
                    keep
                });
            }
        }
        self.stats = Some(stats);
    }

    /// Delivered messages per partition: the server's exact counts once they come,
    /// which stay right when only a sample of rows is sent.
    pub fn per_partition(&self) -> Vec<u64> {
        match &self.stats {
            Some(stats) if stats.delivered >= self.delivered_rows as u64 => {
                let mut counts = stats.per_partition.clone();
                counts.resize(counts.len().max(self.per_partition.len()), 0);
                counts
            }
            _ => self.per_partition.clone(),
        }
    }
}

/// The state of the WebSocket to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Opening, for the first time or again.
    Connecting,
    /// Open.
    Open,
    /// Closed; the page tries again shortly.
    Closed,
    /// Refused until the trainee gives the class's code.
    CodeNeeded,
    /// The session went on on another connection of this page's key (another tab): this
    /// one does not reconnect, so that the two do not take it from each other.
    Elsewhere,
}

/// What the server told the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// The cluster, from `hello`.
    pub hello: Option<Hello>,
    /// The current or last run.
    pub run: Option<Run>,
    /// The last error the server sent, until the next run starts.
    pub error: Option<ErrorEvent>,
    /// The last [`LOG_LINES`] lines of librdkafka's log.
    pub logs: Vec<LogLine>,
    /// Brokers and faults.
    pub cluster: Option<ClusterState>,
    /// librdkafka's latest statistics of this session's producer.
    pub producer_stats: Option<ProducerStats>,
    /// The last records read back.
    pub records: Option<Records>,
    /// The last request this page sent, to check each delivery against its prediction.
    pub sent: Option<ProduceRequest>,
    /// The last [`HISTORY_RUNS`] finished runs, newest last: what the lab's checks judge.
    pub history: Vec<Run>,
    /// Records read back for a question (a `consume` with a tag), by tag.
    pub reads: BTreeMap<String, Records>,
    /// Counts finished runs and answered questions: what the lab's checks watch.
    pub revision: u64,
    /// The name the server knows the trainee by, and their own topic if they have one.
    pub joined: Option<(String, Option<String>)>,
    /// The instructor's last message to the class, until dismissed.
    pub broadcast: Option<String>,
    /// How many times the instructor started this trainee's lab progress again: the lab
    /// panel clears its progress when this changes.
    pub progress_resets: u32,
    /// The last [`crate::compare::KEPT`] finished runs this page started, to compare.
    pub summaries: Vec<crate::compare::Summary>,
}

/// Finished runs the page remembers.
pub const HISTORY_RUNS: usize = 12;

/// Rows a remembered run keeps; a longer run keeps its figures only.
pub const HISTORY_ROWS: usize = 5_000;

/// Log lines the page keeps.
pub const LOG_LINES: usize = 200;

impl Page {
    /// Partitions of the lab's topic, as the cluster said (the lab's 6 until it does).
    pub fn partitions(&self) -> usize {
        self.hello
            .as_ref()
            .and_then(|h| h.topics.iter().find(|t| t.name == lab::TOPIC))
            .map_or(lab::PARTITIONS as usize, |t| t.partitions.max(0) as usize)
    }

    /// Whether a delivered row went where the preview said: `None` when the key does
    /// not decide the partition.
    pub fn as_predicted(&self, row: &Row) -> Option<bool> {
        let sent = self.sent.as_ref()?;
        row.as_predicted(sent.settings.partitioner, u32::try_from(self.partitions()).ok()?)
    }

    /// True while a run is on and not finished.
    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.finished.is_none())
    }

    /// Folds one event from the server into the page.
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Hello(hello) => self.hello(hello),
            Event::RunStarted { run, .. } if self.run.as_ref().is_some_and(|r| r.run == run) => {
                // The server telling a page that came back about the run it shows already.
            }
            Event::RunStarted { run, count, .. } => {
                self.error = None;
                self.run = Some(Run {
                    run,
                    count,
                    per_partition: vec![0; self.partitions()],
                    request: self.sent.clone(),
                    ..Run::default()
                });
            }
            Event::Delivered(d) => {
                if let Some(run) = self.run.as_mut().filter(|r| r.run == d.run) {
                    run.add_delivered(d);
                }
            }
            Event::Failed(f) => {
                if let Some(run) = self.run.as_mut().filter(|r| r.run == f.run) {
                    run.add_failed(f);
                }
            }
            Event::RunFinished(totals) => self.run_finished(totals),
            Event::Stats(stats) => {
                if let Some(run) = self.run.as_mut().filter(|r| r.run == stats.run) {
                    run.record(stats);
                }
            }
            Event::Log(line) => {
                if self.logs.len() == LOG_LINES {
                    self.logs.remove(0);
                }
                self.logs.push(line);
            }
            Event::Error(e) => self.error = Some(e),
            Event::Cluster(state) => self.cluster = Some(state),
            Event::ProducerStats(stats) => {
                // The first statistics after a run cover its last second: where its
                // latency went.
                if let Some(last) = self.summaries.last_mut().filter(|s| s.breakdown_us.is_none()) {
                    last.breakdown_us = Some(crate::compare::breakdown(&stats));
                }
                self.producer_stats = Some(stats);
            }
            Event::Records(records) => match records.tag.clone() {
                Some(tag) => {
                    self.reads.insert(tag, records);
                    self.revision += 1;
                }
                None => self.records = Some(records),
            },
            Event::Circuit(change) => {
                if let Some(run) = self.run.as_mut().filter(|r| r.run == change.run) {
                    run.circuit.push(change);
                }
            }
            Event::Joined { name, topic } => {
                // A name refused before is answered now: its error goes.
                if self.error.as_ref().is_some_and(|e| e.fields.iter().any(|f| f.field == "name")) {
                    self.error = None;
                }
                self.joined = Some((name, topic));
            }
            Event::Broadcast { text } => self.broadcast = Some(text),
            Event::ProgressReset => self.progress_resets += 1,
            Event::Batch { events } => {
                for event in events {
                    self.apply(event);
                }
            }
        }
    }

    /// A connection's first event.
    fn hello(&mut self, hello: Hello) {
        // A new session counts its runs from 1 again; a session found again after a
        // dropped connection keeps what this page knows of it.
        if !hello.resumed {
            self.history.clear();
            self.reads.clear();
            self.joined = None;
            self.run = None;
        }
        self.revision += 1;
        self.hello = Some(hello);
    }

    /// The run's end: kept in the history (without its rows when it had many), once,
    /// even when a page that came back is told again.
    fn run_finished(&mut self, totals: RunFinished) {
        let Some(run) = self.run.as_mut().filter(|r| r.run == totals.run && r.finished.is_none()) else { return };
        run.finished = Some(totals);
        if let Some(summary) = crate::compare::Summary::of(run) {
            if self.summaries.len() == crate::compare::KEPT {
                self.summaries.remove(0);
            }
            self.summaries.push(summary);
        }
        let mut kept = run.clone();
        if kept.rows.len() > HISTORY_ROWS {
            kept.rows = Vec::new();
            kept.delivered_rows = 0;
        }
        kept.series = Vec::new();
        kept.lane_cells = Vec::new();
        if self.history.len() == HISTORY_RUNS {
            self.history.remove(0);
        }
        self.history.push(kept);
        self.revision += 1;
    }
}

impl Run {
    /// A delivery report of a delivered message: its row, and the counts kept as rows
    /// arrive, so that drawing never walks every row.
    fn add_delivered(&mut self, d: Delivered) {
        if let Ok(p) = usize::try_from(d.partition) {
            if p >= self.per_partition.len() {
                self.per_partition.resize(p + 1, 0);
            }
            self.per_partition[p] += 1;
            if p >= self.lane_cells.len() {
                self.lane_cells.resize(p + 1, Vec::new());
            }
            if self.lane_cells[p].len() < CELLS_PER_LANE {
                self.lane_cells[p].push((d.offset, d.key.as_deref().map(key_hue)));
            }
        }
        self.delivered_rows += 1;
        self.latency_bins[latency_bin(d.latency_us)] += 1;
        self.rows.push(Row {
            seq: d.seq,
            key: d.key,
            partition: Some(d.partition),
            offset: d.offset,
            latency_us: d.latency_us,
            failure: None,
            timestamp_ms: Some(d.timestamp_ms),
            log_append_time_ms: d.log_append_time_ms,
            failure_detail: None,
        });
    }

    /// A delivery report of a failed message: its row.
    fn add_failed(&mut self, f: Failed) {
        self.rows.push(Row {
            seq: f.seq,
            key: f.key,
            partition: None,
            offset: None,
            latency_us: f.latency_us,
            failure: Some((f.error, f.message)),
            timestamp_ms: None,
            log_append_time_ms: None,
            failure_detail: Some((f.retriable, f.persistence)),
        });
    }
}

/// A colour for a key (a hue, 0 to 359), the same on every page: FNV-1a of its bytes.
pub fn key_hue(key: &str) -> u32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash % 360
}

/// A latency in microseconds as milliseconds for people: `4.21 ms`.
pub fn format_latency(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::protocol::{Delivered, Failed};

    #[test]
    fn default_form_is_the_labs_valid_request() {
        let request = Form::default().request().unwrap();
        assert_eq!(request, ProduceRequest::lab());
    }

    #[test]
    fn a_set_up_names_what_it_changed_where_the_page_shows_it() {
        let before = Form::default();
        assert!(before.changed_fields(&before).is_empty());
        let mut after = before.clone();
        after.count = "50".into();
        after.keyed = true;
        after.mode = RunMode::Pipelined;
        after.numbers.insert("linger.ms", "50".into());
        after.settings.linger_ms = 50;
        after.headers.push(("x-trainee".into(), "me".into()));
        let changed = before.changed_fields(&after);
        let names: Vec<&str> = changed.iter().map(|(_, name)| name.as_str()).collect();
        assert_eq!(names, ["linger.ms", "key", "headers", "count", "mode"]);
        let ids: Vec<&str> = changed.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["linger-ms", "keyed", "header-name-2", "count", "mode-pipelined"]);
    }

    #[test]
    fn the_time_left_counts_down_between_outcomes_that_each_wait_for_a_timeout() {
        // Three sync messages, each failing after about 5 s.
        let mut run = Run { count: 3, ..Run::default() };
        let stats = |failed, elapsed_ms| RunStats { failed, elapsed_ms, ..RunStats::default() };
        run.record(stats(0, 2_000));
        assert_eq!(run.seconds_left(), None, "nothing to go by before the first outcome");
        run.record(stats(1, 5_000));
        assert_eq!(run.seconds_left(), Some(10.0));
        run.record(stats(1, 8_000));
        assert_eq!(run.seconds_left(), Some(7.0), "down, not up, while the next one waits");
        run.record(stats(2, 10_000));
        assert_eq!(run.seconds_left(), Some(5.0));
        run.record(stats(2, 16_000));
        assert_eq!(run.seconds_left(), Some(0.0), "late: any moment now, never negative");
    }

    #[test]
    fn a_page_back_mid_run_counts_the_outcomes_it_did_not_see() {
        let mut page = Page::default();
        page.apply(Event::RunStarted { run: 1, topic: "orders.created".into(), count: 100, mode: RunMode::Sync });
        page.apply(Event::Stats(RunStats { run: 1, sent: 27, delivered: 26, failed: 1, ..RunStats::default() }));
        assert_eq!(page.run.as_ref().unwrap().outcomes(), 27, "the server's count, not the rows seen since");
    }

    #[test]
    fn typos_are_named_once_per_field() {
        let mut form = Form { count: "0".into(), ..Form::default() };
        form.numbers.insert("message.send.max.retries", "three".into());
        form.numbers.insert("retry.backoff.ms", "0".into());
        let errors = form.request().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["message.send.max.retries", "retry.backoff.ms", "count"]);
        assert!(form.error_for("message.send.max.retries").unwrap().to_string().contains("whole number"));
        assert!(form.error_for("client.id").is_none());
    }

    #[test]
    fn presets_fill_the_form_and_keep_the_templates() {
        let mut form = Form { value_template: "x".into(), ..Form::default() };
        form.apply_preset(Preset::Optimized);
        let request = form.request().unwrap();
        assert_eq!(request.settings, Preset::Optimized.settings());
        assert_eq!(request.value_template, "x");
        assert_eq!(form.numbers["batch.size"], "32768");
    }

    struct Fixed;
    impl TemplateEnv for Fixed {
        fn now_ms(&mut self) -> i64 {
            0
        }
        fn random_bytes(&mut self) -> [u8; 16] {
            [0; 16]
        }
        fn random_in(&mut self, min: i64, _: i64) -> i64 {
            min
        }
    }

    #[test]
    fn preview_renders_and_predicts_both_partitioners() {
        let keyed = Form { keyed: true, ..Form::default() };
        let rows = keyed.preview(3, 6, &mut Fixed).unwrap();
        assert_eq!(rows[0].key.as_deref(), Some("ORD-0001"));
        assert!(rows[2].value.contains("ORD-0003"));
        assert_eq!(rows[0].headers[1], ("source".to_owned(), "dotnet-producer".to_owned()));
        for row in &rows {
            let key = row.key.as_deref().unwrap().as_bytes();
            assert_eq!(row.partition, Some(shared::partitioner::crc32(key) % 6));
            assert_eq!(row.java_partition, Some((shared::partitioner::murmur2(key) & 0x7fff_ffff) % 6));
        }
        let keyless = Form::default().preview(1, 6, &mut Fixed).unwrap();
        assert_eq!(keyless[0].key, None, "the lab's messages have no key");
        assert_eq!(keyless[0].partition, None, "sticky: not predictable");
    }

    #[test]
    fn the_first_state_is_the_labs_program_cs() {
        let request = Form::default().request().unwrap();
        assert_eq!(request, ProduceRequest::lab(), "the page's first run is the lab's");
        assert_eq!(request.key_template, None, "ProducerBuilder<Null, string>");
        assert_eq!((request.count, request.mode, request.topic.as_str()), (10, RunMode::Sync, "orders.created"));
        let value = request.value_template.replace("{now}", "2026-02-05T11:30:00Z").replace("{i:04}", "0001");
        assert_eq!(
            value.replace("{i*10+100}", "110"),
            r#"{"orderId": "ORD-0001", "timestamp": "2026-02-05T11:30:00Z", "amount": 110}"#
        );
        let headers: Vec<_> = request.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
        assert_eq!(headers, [("correlation-id", "{uuid}"), ("source", "dotnet-producer")]);
        assert_eq!(request.settings, ProducerSettings::default());
    }

    #[test]
    fn a_shared_request_comes_back_as_the_same_form() {
        let mut form = Form { count: "50".into(), keyed: false, mode: RunMode::Pipelined, ..Form::default() };
        form.apply_preset(Preset::Idempotent);
        form.headers.push(("environment".into(), "dev".into()));
        let request = form.request().unwrap();
        let back = Form::from_request(&request);
        assert_eq!(back.request().unwrap(), request);
    }

    #[test]
    fn stats_make_a_bounded_series_of_rates() {
        let mut page = Page::default();
        page.apply(Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 1_000_000, mode: RunMode::Pipelined });
        for n in 1..=1000u64 {
            page.apply(Event::Stats(RunStats {
                run: 1,
                delivered: n * 500,
                elapsed_ms: n * 50,
                p50_us: 100,
                p99_us: 900,
                ..RunStats::default()
            }));
        }
        let series = &page.run.as_ref().unwrap().series;
        assert!(series.len() <= SERIES_POINTS, "{}", series.len());
        assert_eq!(series[0].elapsed_ms, 50, "the start of the run is kept");
        assert!(series.iter().all(|p| (p.msgs_per_sec - 10_000.0).abs() < 1e-6), "500 per 50 ms is 10,000/s");
    }

    #[test]
    fn the_table_window_filters_then_slices() {
        let mut page = Page::default();
        page.apply(Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 100, mode: RunMode::Sync });
        for seq in 1..=100 {
            page.apply(delivered(1, seq, (seq % 6) as i32));
        }
        let run = page.run.as_ref().unwrap();
        let (total, rows) = run.window(Filter::default(), 90, 20);
        assert_eq!((total, rows.len(), rows[0].seq), (100, 10, 91));
        let only_p2 = Filter { partition: Some(2), ..Filter::default() };
        let (total, rows) = run.window(only_p2, 0, 5);
        assert_eq!(total, 17);
        assert!(rows.iter().all(|r| r.partition == Some(2)));
        let failed = Filter { delivered: Some(false), ..Filter::default() };
        assert_eq!(run.window(failed, 0, 5).0, 0);
    }

    #[test]
    fn a_record_read_back_sends_again_as_it_was() {
        let record = Record {
            partition: 0,
            offset: 7,
            key: Some("ORD-{i}".into()),
            value: Some(r#"{"orderId":"ORD-0002"}"#.into()),
            headers: vec![("correlation-id".into(), "abc".into())],
            timestamp_ms: None,
            timestamp_type: None,
        };
        let request = Form::default().for_record(&record).request().unwrap();
        assert_eq!(request.count, 1);
        assert_eq!(
            Template::parse(&request.value_template).unwrap().render(9, &mut Fixed),
            r#"{"orderId":"ORD-0002"}"#
        );
        assert_eq!(Template::parse(request.key_template.as_deref().unwrap()).unwrap().render(9, &mut Fixed), "ORD-{i}");
        assert_eq!(request.headers[0].value, "abc");
    }

    #[test]
    fn unkeyed_form_sends_no_key() {
        let form = Form { keyed: false, ..Form::default() };
        assert_eq!(form.request().unwrap().key_template, None);
    }

    #[test]
    fn a_join_answered_clears_the_name_refused_before_it() {
        let mut page = Page::default();
        let refused = shared::problem::Problem::NameTaken { name: "Zoé".into() };
        page.apply(Event::Error(shared::protocol::ErrorEvent::at_field("name", refused)));
        page.apply(Event::Joined { name: "Zoé B".into(), topic: None });
        assert_eq!(page.error, None);
        assert_eq!(page.joined, Some(("Zoé B".into(), None)));
    }

    fn delivered(run: u64, seq: u64, partition: i32) -> Event {
        Event::Delivered(Delivered {
            run,
            seq,
            key: None,
            topic: lab::TOPIC.into(),
            partition,
            offset: Some(seq as i64),
            timestamp_ms: 0,
            log_append_time_ms: None,
            latency_us: 1500,
            reported_us: 0,
        })
    }

    #[test]
    fn deliveries_fill_rows_and_partition_counts() {
        let mut page = Page::default();
        page.apply(Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 3, mode: RunMode::Sync });
        assert!(page.running());
        page.apply(delivered(1, 1, 4));
        page.apply(delivered(1, 2, 4));
        page.apply(Event::Failed(Failed {
            run: 1,
            seq: 3,
            key: None,
            error: "MessageTimedOut".into(),
            message: "timed out".into(),
            retriable: true,
            persistence: shared::protocol::Persistence::PossiblyPersisted,
            latency_us: 2_000_000,
        }));
        page.apply(delivered(7, 9, 0)); // another run's straggler is ignored
        let run = page.run.as_ref().unwrap();
        assert_eq!(run.per_partition, [0, 0, 0, 0, 2, 0]);
        assert_eq!(run.lane_cells[4], [(Some(1), None), (Some(2), None)]);
        assert_eq!(run.latency_bins.iter().sum::<u32>(), 2, "1.5 ms twice");
        assert_eq!(run.latency_bins[latency_bin(1500)], 2);
        assert_eq!((run.delivered(), run.failed()), (2, 1));
        page.apply(Event::RunFinished(RunFinished {
            run: 1,
            sent: 3,
            delivered: 2,
            failed: 1,
            elapsed_ms: 10,
            stopped: false,
        }));
        assert!(!page.running());
    }

    #[test]
    fn a_batch_applies_in_order() {
        let mut page = Page::default();
        page.apply(Event::Batch {
            events: vec![
                Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 2, mode: RunMode::Pipelined },
                delivered(1, 1, 0),
                delivered(1, 2, 5),
            ],
        });
        assert_eq!(page.run.unwrap().per_partition, [1, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn a_page_that_comes_back_keeps_its_run_and_a_new_session_starts_afresh() {
        let hello = |resumed: bool| {
            Event::Hello(shared::protocol::Hello {
                protocol: shared::protocol::PROTOCOL_VERSION,
                mode: shared::protocol::ClusterMode::Embedded,
                bootstrap_servers: "127.0.0.1:9092".into(),
                brokers: Vec::new(),
                topics: Vec::new(),
                limits: shared::protocol::Limits::default(),
                session: "0123456789abcdef0123456789abcdef".into(),
                resumed,
                topic_per_trainee: false,
            })
        };
        let finished = Event::RunFinished(RunFinished {
            run: 1,
            sent: 2,
            delivered: 2,
            failed: 0,
            elapsed_ms: 10,
            stopped: false,
        });
        let started = || Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 2, mode: RunMode::Sync };
        let mut page = Page::default();
        page.apply(hello(false));
        page.apply(started());
        page.apply(delivered(1, 1, 0));
        // The connection drops and comes back: the server tells the run again.
        page.apply(hello(true));
        page.apply(started());
        page.apply(delivered(1, 2, 1));
        page.apply(finished.clone());
        page.apply(finished.clone());
        assert_eq!(page.run.as_ref().unwrap().rows.len(), 2, "the rows seen before the drop are kept");
        assert_eq!(page.history.len(), 1, "a run told to have ended twice ends once");
        // A new session (the server restarted): its run 1 is another run.
        page.apply(hello(false));
        assert!(page.run.is_none() && page.history.is_empty());
        page.apply(started());
        assert!(page.running(), "the new session's run 1 is shown");
    }

    #[test]
    fn a_new_run_clears_the_last_error() {
        let mut page = Page::default();
        page.apply(Event::Error(ErrorEvent::new(Problem::NoRun)));
        assert!(page.error.is_some());
        page.apply(Event::RunStarted { run: 2, topic: lab::TOPIC.into(), count: 1, mode: RunMode::Sync });
        assert!(page.error.is_none());
    }

    #[test]
    fn latency_reads_in_milliseconds() {
        assert_eq!(format_latency(4213), "4.21 ms");
    }
}
