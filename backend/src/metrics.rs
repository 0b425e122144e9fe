//! What `/metrics` tells the operator of a class server, in the Prometheus text format
//! (OpenMetrics, which Prometheus scrapes): sessions connected and away, runs, messages
//! sent, delivered and failed, in flight, read-backs, connections, and every refusal by
//! its reason. The counts the class cannot read off its sessions are kept here; the rest
//! is read at each scrape.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use shared::problem::Problem;

/// The content type of [`render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Counts kept as they happen.
#[derive(Debug, Default)]
pub struct Counts {
    /// Runs started.
    runs: AtomicU64,
    /// Totals of runs no session shows any more (replaced by a newer run, or their
    /// session ended): sent, delivered, failed.
    ended: Mutex<[u64; 3]>,
    /// Problems told to pages and clients, by reason.
    refusals: Mutex<BTreeMap<String, u64>>,
    /// Read-backs accepted and not yet answered, across sessions.
    read_backs: AtomicU64,
    /// librdkafka producers open, across sessions.
    producers: AtomicU64,
}

impl Counts {
    /// A run started.
    pub fn run_started(&self) {
        self.runs.fetch_add(1, Ordering::Relaxed);
    }

    /// A run that no session shows any more ended with these totals.
    pub fn run_ended(&self, sent: u64, delivered: u64, failed: u64) {
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        for (total, n) in ended.iter_mut().zip([sent, delivered, failed]) {
            *total += n;
        }
    }

    /// `problem` was told to a page or a client.
    pub fn refused(&self, problem: &Problem) {
        let reason = reason(problem);
        *self.refusals.lock().unwrap_or_else(|e| e.into_inner()).entry(reason).or_default() += 1;
    }

    /// A read-back was accepted (`true`) or answered (`false`).
    pub fn read_back(&self, accepted: bool) {
        if accepted {
            self.read_backs.fetch_add(1, Ordering::Relaxed);
        } else {
            self.read_backs.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// A session built a producer (`true`) or closed one (`false`).
    pub fn producer(&self, opened: bool) {
        if opened {
            self.producers.fetch_add(1, Ordering::Relaxed);
        } else {
            self.producers.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// librdkafka producers open now.
    pub fn producers(&self) -> u64 {
        self.producers.load(Ordering::Relaxed)
    }

    /// Runs started, and the totals of runs that ended out of sight.
    pub fn runs(&self) -> (u64, [u64; 3]) {
        (self.runs.load(Ordering::Relaxed), *self.ended.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Read-backs accepted and not yet answered.
    pub fn read_backs(&self) -> u64 {
        self.read_backs.load(Ordering::Relaxed)
    }

    /// Refusals by reason.
    pub fn refusals(&self) -> Vec<(String, u64)> {
        self.refusals.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(r, n)| (r.clone(), *n)).collect()
    }
}

/// A problem's reason as a label: its code, and for a limit the limit's name
/// (`limit:sessions`). The server names every limit, so the labels are a fixed few.
fn reason(problem: &Problem) -> String {
    if let Problem::Limit { limit, .. } = problem {
        return format!("limit:{limit}");
    }
    let json = serde_json::to_value(problem).unwrap_or_default();
    json.get("code").and_then(|c| c.as_str()).unwrap_or("unknown").to_owned()
}

/// The server at one scrape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Sessions whose page is connected.
    pub sessions_connected: u64,
    /// Sessions waiting for their page to come back.
    pub sessions_away: u64,
    /// Runs started.
    pub runs: u64,
    /// Messages sent, delivered and failed, across every run.
    pub messages: [u64; 3],
    /// Messages in flight now, and the most allowed.
    pub in_flight: (u64, u64),
    /// Read-backs accepted and not yet answered.
    pub read_backs: u64,
    /// HTTP connections open now.
    pub connections: u64,
    /// librdkafka producers open now.
    pub producers: u64,
    /// Refusals by reason: the problems told, and connections closed at once.
    pub refusals: Vec<(String, u64)>,
}

/// `snapshot` in the OpenMetrics text format.
pub fn render(snapshot: &Snapshot) -> String {
    let mut registry = Registry::with_prefix("playground");
    let sessions = Family::<Vec<(String, String)>, Gauge>::default();
    for (state, n) in [("connected", snapshot.sessions_connected), ("away", snapshot.sessions_away)] {
        sessions.get_or_create(&vec![("state".into(), state.into())]).set(n as i64);
    }
    registry.register("sessions", "Sessions, by whether their page is connected", sessions);
    let runs = Counter::<u64>::default();
    runs.inc_by(snapshot.runs);
    registry.register("runs", "Runs started", runs);
    let messages = Family::<Vec<(String, String)>, Counter>::default();
    for (outcome, n) in ["sent", "delivered", "failed"].into_iter().zip(snapshot.messages) {
        messages.get_or_create(&vec![("outcome".into(), outcome.into())]).inc_by(n);
    }
    registry.register("messages", "Messages sent, and their outcomes", messages);
    for (name, help, value) in [
        ("in_flight", "Messages sent with no outcome yet", snapshot.in_flight.0),
        ("in_flight_max", "The most messages in flight (--max-in-flight)", snapshot.in_flight.1),
        ("read_backs", "Read-backs (consume, fetch) running or waiting", snapshot.read_backs),
        ("connections", "HTTP connections open", snapshot.connections),
        ("producers", "librdkafka producers open: one per session that ran, until it is idle", snapshot.producers),
    ] {
        let gauge = Gauge::<i64>::default();
        gauge.set(value as i64);
        registry.register(name, help, gauge);
    }
    let refusals = Family::<Vec<(String, String)>, Counter>::default();
    for (reason, n) in &snapshot.refusals {
        refusals.get_or_create(&vec![("reason".into(), reason.clone())]).inc_by(*n);
    }
    registry.register("refusals", "Requests and commands refused, by reason", refusals);
    let mut text = String::new();
    // Writing to a String does not fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_counted_by_its_code_and_a_limit_by_its_name() {
        let counts = Counts::default();
        counts.refused(&Problem::ClassCode { given: true });
        counts.refused(&Problem::ClassCode { given: false });
        counts.refused(&Problem::Limit { limit: shared::problem::Limit::Sessions, max: 1, got: 2 });
        assert_eq!(counts.refusals(), [("class_code".to_owned(), 2), ("limit:sessions".to_owned(), 1)]);
    }

    #[test]
    fn ended_runs_add_up() {
        let counts = Counts::default();
        counts.run_started();
        counts.run_started();
        counts.run_ended(10, 9, 1);
        counts.run_ended(5, 5, 0);
        assert_eq!(counts.runs(), (2, [15, 14, 1]));
    }

    #[test]
    fn the_text_has_every_figure_with_its_labels() {
        let snapshot = Snapshot {
            sessions_connected: 3,
            sessions_away: 1,
            runs: 7,
            messages: [100, 98, 2],
            in_flight: (5, 200_000),
            read_backs: 2,
            connections: 9,
            producers: 4,
            refusals: vec![("limit:sessions".into(), 4)],
        };
        let text = render(&snapshot);
        for line in [
            "# TYPE playground_sessions gauge",
            "playground_sessions{state=\"connected\"} 3",
            "playground_sessions{state=\"away\"} 1",
            "playground_runs_total 7",
            "playground_messages_total{outcome=\"delivered\"} 98",
            "playground_messages_total{outcome=\"failed\"} 2",
            "playground_in_flight 5",
            "playground_in_flight_max 200000",
            "playground_read_backs 2",
            "playground_connections 9",
            "playground_producers 4",
            "playground_refusals_total{reason=\"limit:sessions\"} 4",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
    }
}
