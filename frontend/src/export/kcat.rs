//! A kcat command line, run by bash, looping like the lab.

use std::fmt::Write as _;

use shared::protocol::ProduceRequest;
use shared::settings::Compression;
use shared::template::Part;

use super::parts;

/// One shell word of fixed text, in single quotes: nothing in it is expanded (not `$`,
/// not a backquote, not bash's `!`); a single quote is closed, escaped and reopened.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// One shell word for a template: its text in single quotes, its dynamic parts (`$i`,
/// the date, a UUID, a random number) in double quotes beside it.
fn shell(template: &str) -> String {
    let mut out = String::new();
    for part in parts(template) {
        match part {
            Part::Text(t) => out.push_str(&shell_quoted(&t)),
            Part::Index { width: 0 } => out.push_str("\"$i\""),
            Part::Index { width } => {
                let _ = write!(out, "\"$(printf %0{width}d \"$i\")\"");
            }
            Part::Now => out.push_str("\"$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)\""),
            Part::Uuid => out.push_str("\"$(cat /proc/sys/kernel/random/uuid)\""),
            Part::Rand { min, max } => {
                let _ = write!(out, "\"$(( {min} + RANDOM % {} ))\"", max - min + 1);
            }
            Part::Scaled { step, base } => {
                let _ = write!(out, "\"$(( i * {step} + ({base}) ))\"");
            }
        }
    }
    if out.is_empty() { "''".to_owned() } else { out }
}

pub(super) fn kcat(request: &ProduceRequest, bootstrap: &str) -> String {
    let s = &request.settings;
    let mut out = String::new();
    let _ = writeln!(out, "# One kcat per message, like the lab's loop (each waits for its delivery).");
    let _ = writeln!(out, "for i in $(seq 1 {}); do", request.count);
    let (value, topic) = (shell(&request.value_template), shell_quoted(&request.topic));
    let _ = write!(out, "  printf '%s\\n' {value} | kcat -P -b {} -t {topic}", shell_quoted(bootstrap));
    if let Some(key) = &request.key_template {
        let _ = write!(out, " -k {}", shell(key));
    }
    if let Some(p) = request.partition {
        let _ = write!(out, " -p {p}");
    }
    for h in &request.headers {
        let _ = write!(out, " \\\n    -H {}{}", shell_quoted(&format!("{}=", h.name)), shell(&h.value));
    }
    let client_id = shell_quoted(&format!("client.id={}", s.client_id));
    let _ = write!(out, " \\\n    -X {client_id} -X acks={}", s.acks.as_str());
    let _ = write!(out, " -X enable.idempotence={}", s.enable_idempotence);
    let _ = write!(out, " \\\n    -X message.send.max.retries={}", s.message_send_max_retries);
    let _ = write!(out, " -X retry.backoff.ms={}", s.retry_backoff_ms);
    let _ = write!(out, " -X message.timeout.ms={}", s.message_timeout_ms);
    let _ = write!(out, " \\\n    -X linger.ms={} -X batch.size={}", s.linger_ms, s.batch_size);
    if s.compression_type != Compression::None {
        let _ = write!(out, " -X compression.codec={}", s.compression_type.as_str());
    }
    let _ = writeln!(out, " -X partitioner={}", s.partitioner.as_str());
    let _ = writeln!(out, "done");
    out
}
