//! The real rdkafka producer: built from typed settings, driven the lab's way.
//!
//! [`client_config`] is the one place where the page's typed settings become librdkafka
//! properties; nothing from the browser is passed through as a raw property.
//! [`run_sync`] is the lab's loop: send one message, await its delivery report, report
//! it, send the next.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::{Rng, SeedableRng};
use rdkafka::ClientConfig;
use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use shared::lab;
use shared::protocol::{Delivered, Event, Failed, ProduceRequest, RunFinished};
use shared::settings::ProducerSettings;
use shared::template::{Template, TemplateEnv};
use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

/// The producer's client context: librdkafka's log and error callbacks (the lab's
/// `SetLogHandler` and `SetErrorHandler`) go to the server's log.
#[derive(Clone, Debug, Default)]
pub struct LabContext;

impl ClientContext for LabContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => error!(target: "librdkafka", "{fac}: {message}"),
            RDKafkaLogLevel::Warning => warn!(target: "librdkafka", "{fac}: {message}"),
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                info!(target: "librdkafka", "{fac}: {message}")
            }
            RDKafkaLogLevel::Debug => debug!(target: "librdkafka", "{fac}: {message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        error!(target: "librdkafka", "Kafka error: {error}: {reason}");
    }
}

/// A producer as the playground uses it.
pub type LabProducer = FutureProducer<LabContext>;

/// The librdkafka properties for `settings`: the only mapping from the page's fields to
/// properties. `bootstrap` comes from the server's command line, never from a browser.
pub fn client_config(settings: &ProducerSettings, bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("client.id", &settings.client_id)
        .set("acks", settings.acks.as_str())
        .set(
            "message.send.max.retries",
            settings.message_send_max_retries.to_string(),
        )
        .set("retry.backoff.ms", settings.retry_backoff_ms.to_string())
        .set(
            "request.timeout.ms",
            settings.request_timeout_ms.to_string(),
        )
        .set(
            "message.timeout.ms",
            settings.message_timeout_ms.to_string(),
        );
    config
}

/// Builds a producer for validated `settings`.
pub fn build(settings: &ProducerSettings, bootstrap: &str) -> Result<LabProducer, KafkaError> {
    info!("Producer started. Connecting to {bootstrap}...");
    client_config(settings, bootstrap).create_with_context(LabContext)
}

/// Waits up to `timeout` for every message in flight to get its delivery report.
pub async fn flush(producer: &LabProducer, timeout: Duration) -> Result<(), KafkaError> {
    info!("Flushing pending messages...");
    let producer = producer.clone();
    tokio::task::spawn_blocking(move || producer.flush(timeout))
        .await
        .unwrap_or(Err(KafkaError::Canceled))
}

/// Values for `{now}`, `{uuid}` and `{rand:..}` from the system clock and a real RNG.
pub struct ServerEnv<R: Rng>(pub R);

impl<R: Rng> TemplateEnv for ServerEnv<R> {
    fn now_ms(&mut self) -> i64 {
        now_ms()
    }
    fn random_bytes(&mut self) -> [u8; 16] {
        self.0.random()
    }
    fn random_in(&mut self, min: i64, max: i64) -> i64 {
        self.0.random_range(min..=max)
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// librdkafka's name for an error, such as `MessageTimedOut`, for the page to show and
/// explain.
pub fn error_name(error: &KafkaError) -> String {
    match error.rdkafka_error_code() {
        Some(code) => format!("{code:?}"),
        None => match error {
            KafkaError::Canceled => "Canceled".to_owned(),
            other => format!("{other:?}")
                .split(['(', ' '])
                .next()
                .unwrap_or("Unknown")
                .to_owned(),
        },
    }
}

/// The templates of a request, parsed once for the whole run.
struct Templates {
    key: Option<Template>,
    value: Template,
}

impl Templates {
    fn parse(request: &ProduceRequest) -> Result<Self, String> {
        let key = match &request.key_template {
            Some(t) => Some(Template::parse(t).map_err(|e| format!("key_template: {e}"))?),
            None => None,
        };
        let value =
            Template::parse(&request.value_template).map_err(|e| format!("value_template: {e}"))?;
        Ok(Self { key, value })
    }
}

/// Runs `request` the lab's way: each message is sent and its delivery report awaited
/// before the next, and reported on `events` as `delivered` or `failed`. `stop` ends the
/// run early: no new message is sent, the one in flight still gets its outcome. Ends
/// with a flush; the caller sends the returned totals.
pub async fn run_sync(
    producer: &LabProducer,
    run: u64,
    request: &ProduceRequest,
    stop: &AtomicBool,
    events: &mpsc::Sender<Event>,
) -> RunFinished {
    let started = Instant::now();
    let mut totals = RunFinished {
        run,
        sent: 0,
        delivered: 0,
        failed: 0,
        elapsed_ms: 0,
        stopped: false,
    };
    let templates = match Templates::parse(request) {
        Ok(t) => t,
        // The session validates first; this keeps the function honest on its own.
        Err(message) => {
            let _ = events
                .send(Event::Error(shared::protocol::ErrorEvent::new(message)))
                .await;
            return totals;
        }
    };
    // ThreadRng is !Send and this future moves between threads.
    let mut env = ServerEnv(rand::rngs::StdRng::from_os_rng());
    for seq in 1..=u64::from(request.count) {
        if stop.load(Ordering::Relaxed) {
            totals.stopped = true;
            break;
        }
        let key = templates.key.as_ref().map(|t| t.render(seq, &mut env));
        let value = templates.value.render(seq, &mut env);
        let correlation_id = shared::template::uuid_v4(env.random_bytes());
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: lab::HEADER_CORRELATION_ID,
                value: Some(correlation_id.as_str()),
            })
            .insert(Header {
                key: lab::HEADER_SOURCE,
                value: Some(lab::SOURCE),
            });
        let timestamp_ms = now_ms();
        let mut record = FutureRecord::to(&request.topic)
            .payload(&value)
            .headers(headers)
            .timestamp(timestamp_ms);
        if let Some(key) = &key {
            record = record.key(key);
        }
        info!("Sending message {seq}: {value}");
        totals.sent += 1;
        let sent_at = Instant::now();
        let outcome = match producer.send_result(record) {
            Ok(delivery) => match delivery.await {
                Ok(Ok(d)) => Ok(d),
                Ok(Err((e, _message))) => Err(e),
                Err(_canceled) => Err(KafkaError::Canceled),
            },
            Err((e, _record)) => Err(e),
        };
        let latency_us = sent_at.elapsed().as_micros() as u64;
        let event = match outcome {
            Ok(d) => {
                totals.delivered += 1;
                // With acks=0 the broker does not answer, so librdkafka has no offset.
                let offset = (d.offset >= 0).then_some(d.offset);
                info!(
                    "✓ Message {seq} delivered → Topic {}, Partition {}, Offset {}",
                    request.topic,
                    d.partition,
                    offset.map_or_else(|| "unknown (acks=0)".to_owned(), |o| o.to_string())
                );
                Event::Delivered(Delivered {
                    run,
                    seq,
                    key,
                    topic: request.topic.clone(),
                    partition: d.partition,
                    offset,
                    timestamp_ms,
                    latency_us,
                })
            }
            Err(e) => {
                totals.failed += 1;
                warn!("✗ Message {seq} failed: {e}");
                Event::Failed(Failed {
                    run,
                    seq,
                    key,
                    error: error_name(&e),
                    message: describe(&e),
                    latency_us,
                })
            }
        };
        if events.send(event).await.is_err() {
            // The page is gone: the session is closing, stop sending.
            totals.stopped = true;
            break;
        }
    }
    let flush_timeout = Duration::from_millis(request.settings.message_timeout_ms.into());
    if let Err(e) = flush(producer, flush_timeout).await {
        warn!("Flush did not finish: {e}");
    }
    totals.elapsed_ms = started.elapsed().as_millis() as u64;
    totals
}

/// An error in plain words: librdkafka's own description where it has one.
fn describe(error: &KafkaError) -> String {
    match error.rdkafka_error_code() {
        Some(RDKafkaErrorCode::MessageTimedOut) => {
            "the message was not delivered within message.timeout.ms (is a broker down?)".to_owned()
        }
        Some(RDKafkaErrorCode::QueueFull) => {
            "the producer's local queue is full; wait for deliveries or slow down".to_owned()
        }
        Some(code) => code.to_string(),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::settings::Acks;

    #[test]
    fn config_maps_typed_settings_and_nothing_else() {
        let settings = ProducerSettings {
            acks: Acks::One,
            message_send_max_retries: 5,
            ..Default::default()
        };
        let config = client_config(&settings, "127.0.0.1:9092");
        assert_eq!(config.get("acks"), Some("1"));
        assert_eq!(config.get("message.send.max.retries"), Some("5"));
        assert_eq!(config.get("bootstrap.servers"), Some("127.0.0.1:9092"));
        let mut keys: Vec<_> = config.config_map().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "acks",
                "bootstrap.servers",
                "client.id",
                "message.send.max.retries",
                "message.timeout.ms",
                "request.timeout.ms",
                "retry.backoff.ms"
            ]
        );
    }

    #[test]
    fn error_names_are_librdkafkas() {
        let e = KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut);
        assert_eq!(error_name(&e), "MessageTimedOut");
        assert!(describe(&e).contains("message.timeout.ms"));
        assert_eq!(error_name(&KafkaError::Canceled), "Canceled");
    }
}
