//! Java with Apache Kafka's own client, kafka-clients.

use std::fmt::Write as _;

use shared::protocol::{ProduceRequest, RunMode};
use shared::settings::{Partitioner, ProducerSettings};
use shared::template::Part;

use super::parts;

/// A Java string literal. Java reads `\\uXXXX` before it reads literals, so a
/// `\\u000a` would end the line: line ends and other controls are octal escapes, and
/// only what is not ASCII is a `\\u` escape (which then stands for a letter, never a
/// quote, a backslash or a line end).
pub(super) fn java_literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

/// A Java expression building a template's text: literals and calls joined by `+`.
fn java_string(template: &str) -> String {
    let mut pieces = Vec::new();
    for part in parts(template) {
        pieces.push(match part {
            Part::Text(t) => java_literal(&t),
            Part::Index { width: 0 } => "i".to_owned(),
            Part::Index { width } => format!("String.format(\"%0{width}d\", i)"),
            Part::Now => "Instant.now().truncatedTo(ChronoUnit.MILLIS)".to_owned(),
            Part::Uuid => "UUID.randomUUID()".to_owned(),
            Part::Rand { min, max } => format!("ThreadLocalRandom.current().nextLong({min}L, {max}L + 1)"),
            Part::Scaled { step, base } => format!("(i * {step}L + ({base}L))"),
        });
    }
    // `"" +` makes it a String whatever the first piece is.
    match pieces.as_slice() {
        [] => "\"\"".to_owned(),
        [only] if only.starts_with('"') => only.clone(),
        _ => format!("\"\" + {}", pieces.join(" + ")),
    }
}

/// The producer settings as Java names them, each `config.put` line, with what differs
/// from librdkafka said in a comment.
fn java_settings(out: &mut String, s: &ProducerSettings, bootstrap: &str) {
    let mut put = |name: &str, value: String| {
        let _ = writeln!(out, "        config.put(\"{name}\", {});", java_literal(&value));
    };
    put("bootstrap.servers", bootstrap.to_owned());
    put("client.id", s.client_id.clone());
    put("acks", s.acks.as_str().to_owned());
    put("enable.idempotence", s.enable_idempotence.to_string());
    put("max.in.flight.requests.per.connection", s.max_in_flight.to_string());
    // librdkafka's message.send.max.retries.
    put("retries", s.message_send_max_retries.to_string());
    put("retry.backoff.ms", s.retry_backoff_ms.to_string());
    put("retry.backoff.max.ms", s.retry_backoff_max_ms.to_string());
    put("request.timeout.ms", s.request_timeout_ms.to_string());
    put("linger.ms", s.linger_ms.to_string());
    put("batch.size", s.batch_size.to_string());
    put("compression.type", s.compression_type.as_str().to_owned());
    // Java refuses a delivery.timeout.ms under linger.ms + request.timeout.ms.
    let floor = u64::from(s.linger_ms) + u64::from(s.request_timeout_ms);
    let delivery_timeout = u64::from(s.message_timeout_ms).max(floor);
    put("delivery.timeout.ms", delivery_timeout.to_string());
    put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer".to_owned());
    put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer".to_owned());
    let _ =
        writeln!(out, "        // delivery.timeout.ms is librdkafka's message.timeout.ms ({}).", s.message_timeout_ms);
    if delivery_timeout > u64::from(s.message_timeout_ms) {
        let _ = writeln!(
            out,
            "        // Java wants it at least linger.ms + request.timeout.ms: raised to {delivery_timeout}."
        );
    }
    let _ = writeln!(out, "        // batch.size is per partition in Java, per request in librdkafka.");
    let _ = writeln!(out, "        // batch.num.messages ({}) has no Java equivalent.", s.batch_num_messages);
    let partitioner = match s.partitioner {
        Partitioner::Murmur2Random | Partitioner::Murmur2 => {
            "        // partitioner: Java's default hashes keys with murmur2, as librdkafka's murmur2 does."
        }
        Partitioner::Random => "        // partitioner: random has no Java equivalent but a custom Partitioner.",
        _ => {
            "        // partitioner: Java has no CRC32 or FNV-1a partitioner: keys land on other partitions than with librdkafka."
        }
    };
    let _ = writeln!(out, "{partitioner}");
}

/// A Java program shaped like the lab's Program.cs, with Apache Kafka's own client.
pub(super) fn java(request: &ProduceRequest, bootstrap: &str) -> String {
    let pipelined = request.mode == RunMode::Pipelined;
    let mut out = String::new();
    let _ = writeln!(out, "// LabProducer.java, with org.apache.kafka:kafka-clients 4 (and slf4j) on the class path:");
    let _ = writeln!(out, "//   java -cp 'libs/*' LabProducer.java");
    let _ = writeln!(out, "import java.nio.charset.StandardCharsets;");
    let _ = writeln!(out, "import java.time.Instant;\nimport java.time.temporal.ChronoUnit;");
    let _ = writeln!(out, "import java.util.Properties;\nimport java.util.UUID;");
    let _ = writeln!(out, "import java.util.concurrent.ExecutionException;");
    let _ = writeln!(out, "import java.util.concurrent.ThreadLocalRandom;");
    let _ = writeln!(out, "import java.util.concurrent.atomic.AtomicInteger;");
    let _ = writeln!(out, "import org.apache.kafka.clients.producer.KafkaProducer;");
    let _ = writeln!(out, "import org.apache.kafka.clients.producer.ProducerRecord;");
    let _ = writeln!(out, "import org.apache.kafka.clients.producer.RecordMetadata;\n");
    let _ = writeln!(out, "public class LabProducer {{");
    let _ = writeln!(out, "    public static void main(String[] args) throws InterruptedException {{");
    let _ = writeln!(out, "        Properties config = new Properties();");
    java_settings(&mut out, &request.settings, bootstrap);
    let _ = writeln!(out, "        // Confluent.Kafka's error and log handlers: Java's client logs through SLF4J.\n");
    let _ = writeln!(out, "        String topic = {};", java_literal(&request.topic));
    let partition = request.partition.map_or("null".to_owned(), |p| p.to_string());
    let _ = writeln!(out, "        Integer partition = {partition};");
    let _ = writeln!(
        out,
        "        AtomicInteger delivered = new AtomicInteger();\n        AtomicInteger failed = new AtomicInteger();"
    );
    let started = format!("Producer started. Connecting to {bootstrap}...");
    let _ = writeln!(out, "        System.out.println({});", java_literal(&started));
    let _ = writeln!(out, "        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {{");
    let _ = writeln!(out, "            for (int i = 1; i <= {}; i++) {{", request.count);
    let key = request.key_template.as_deref().map_or("null".to_owned(), java_string);
    let _ = writeln!(out, "                String key = {key};");
    let _ = writeln!(out, "                String value = {};", java_string(&request.value_template));
    let _ = writeln!(
        out,
        "                ProducerRecord<String, String> record = new ProducerRecord<>(topic, partition, key, value);"
    );
    for h in &request.headers {
        let _ = writeln!(
            out,
            "                record.headers().add({}, ({}).getBytes(StandardCharsets.UTF_8));",
            java_literal(&h.name),
            java_string(&h.value)
        );
    }
    let _ = writeln!(out, "                System.out.println(\"Sending message \" + i + \": \" + value);");
    let delivered_line = java_literal("\u{2713} Message ");
    let failed_line = java_literal("\u{2717} Message ");
    let arrow = java_literal(" delivered \u{2192} Topic ");
    if pipelined {
        let _ = writeln!(out, "                int n = i;");
        let _ = writeln!(out, "                producer.send(record, (m, e) -> {{");
        let _ = writeln!(out, "                    if (e == null) {{");
        let _ = writeln!(out, "                        delivered.incrementAndGet();");
        let _ = writeln!(
            out,
            "                        System.out.println({delivered_line} + n + {arrow} + m.topic() + \", Partition \" + m.partition() + \", Offset \" + m.offset());"
        );
        let _ = writeln!(out, "                    }} else {{");
        let _ = writeln!(out, "                        failed.incrementAndGet();");
        let _ = writeln!(out, "                        System.out.println({failed_line} + n + \" failed: \" + e);");
        let _ = writeln!(out, "                    }}\n                }});");
    } else {
        let _ = writeln!(out, "                try {{");
        let _ = writeln!(out, "                    RecordMetadata m = producer.send(record).get();");
        let _ = writeln!(out, "                    delivered.incrementAndGet();");
        let _ = writeln!(
            out,
            "                    System.out.println({delivered_line} + i + {arrow} + m.topic() + \", Partition \" + m.partition() + \", Offset \" + m.offset());"
        );
        let _ = writeln!(out, "                }} catch (ExecutionException e) {{");
        let _ = writeln!(out, "                    failed.incrementAndGet();");
        let _ =
            writeln!(out, "                    System.out.println({failed_line} + i + \" failed: \" + e.getCause());");
        let _ = writeln!(out, "                }}");
    }
    let _ = writeln!(out, "            }}");
    let _ = writeln!(out, "            System.out.println(\"Flushing pending messages...\");");
    let _ = writeln!(out, "            producer.flush();\n        }}");
    let _ =
        writeln!(out, "        System.out.println(delivered.get() + \" delivered, \" + failed.get() + \" failed.\");");
    let _ = writeln!(out, "        System.out.println(\"Producer closed gracefully.\");");
    let _ = writeln!(out, "        System.exit(failed.get() == 0 ? 0 : 1);");
    let _ = writeln!(out, "    }}\n}}");
    out
}
