//! The current settings and send loop as code to take home: C# with Confluent.Kafka (the
//! lab's Program.cs), Rust with rdkafka, Java with kafka-clients, and kcat.
//!
//! Plain functions of a [`ProduceRequest`], so they are tested natively.

use std::fmt::Write as _;

use shared::protocol::{ProduceRequest, RunMode};
use shared::settings::{Acks, Compression, Partitioner, ProducerSettings};
use shared::template::{Part, Template};

/// The languages the page exports to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// C# with Confluent.Kafka, shaped like the lab's Program.cs.
    CSharp,
    /// Rust with rdkafka.
    Rust,
    /// Java with Apache Kafka's own client, kafka-clients.
    Java,
    /// A kcat command line.
    Kcat,
}

impl Language {
    /// Every language, in the order of the page's tabs.
    pub const ALL: [Language; 4] = [Language::CSharp, Language::Rust, Language::Java, Language::Kcat];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Language::CSharp => "C# (Confluent.Kafka)",
            Language::Rust => "Rust (rdkafka)",
            Language::Java => "Java (kafka-clients)",
            Language::Kcat => "kcat",
        }
    }

    /// A short id for the page's elements.
    pub fn id(self) -> &'static str {
        match self {
            Language::CSharp => "csharp",
            Language::Rust => "rust",
            Language::Java => "java",
            Language::Kcat => "kcat",
        }
    }
}

/// `request` as code in `language`, for a cluster at `bootstrap`.
pub fn export(language: Language, request: &ProduceRequest, bootstrap: &str) -> String {
    match language {
        Language::CSharp => csharp(request, bootstrap),
        Language::Rust => rust(request, bootstrap),
        Language::Java => java(request, bootstrap),
        Language::Kcat => kcat(request, bootstrap),
    }
}

fn parts(template: &str) -> Vec<Part> {
    // The page exports valid requests only; an invalid template exports as text.
    Template::parse(template).map(|t| t.parts().to_vec()).unwrap_or_else(|_| vec![Part::Text(template.to_owned())])
}

fn pascal(name: &str) -> String {
    name.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect()
}

/// Text inside a C# regular string literal: backslash, quote and control characters
/// escaped (a newline cannot stand in one).
fn csharp_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A C# string literal of `text`: `"..."`.
fn csharp_literal(text: &str) -> String {
    format!("\"{}\"", csharp_escaped(text))
}

/// A Rust string literal of `text`, every character that needs it escaped.
fn rust_literal(text: &str) -> String {
    format!("{text:?}")
}

/// Literal text inside a C# `$"..."` (escaped, braces doubled).
fn in_csharp_format(text: &str) -> String {
    csharp_escaped(text).replace('{', "{{").replace('}', "}}")
}

/// Literal text inside a Rust `format!("...")`: braces doubled, then escaped (so that
/// an escape such as `\u{1b}` keeps its own braces).
fn in_rust_format(text: &str) -> String {
    let literal = rust_literal(&text.replace('{', "{{").replace('}', "}}"));
    literal[1..literal.len() - 1].to_owned()
}

/// A C# interpolated string: `$"ORD-{i:D4}"`.
fn csharp_string(template: &str) -> String {
    let mut out = String::from("$\"");
    for part in parts(template) {
        match part {
            Part::Text(t) => out.push_str(&in_csharp_format(&t)),
            Part::Index { width: 0 } => out.push_str("{i}"),
            Part::Index { width } => {
                let _ = write!(out, "{{i:D{width}}}");
            }
            Part::Now => out.push_str("{DateTime.UtcNow:O}"),
            Part::Uuid => out.push_str("{Guid.NewGuid()}"),
            Part::Rand { min, max } => {
                let _ = write!(out, "{{Random.Shared.Next({min}, {})}}", max + 1);
            }
            Part::Scaled { step, base } => {
                let _ = write!(out, "{{i * {step} + ({base})}}");
            }
        }
    }
    out.push('"');
    out
}

fn csharp(request: &ProduceRequest, bootstrap: &str) -> String {
    let s = &request.settings;
    let acks = match s.acks {
        Acks::Zero => "Acks.None",
        Acks::One => "Acks.Leader",
        Acks::All => "Acks.All",
    };
    // The lab's `ProducerBuilder<Null, string>` when messages have no key.
    let key_type = if request.key_template.is_some() { "string" } else { "Null" };
    let mut out = String::new();
    let _ = writeln!(out, "using System.Text;\nusing Confluent.Kafka;\n");
    let _ = writeln!(out, "var config = new ProducerConfig\n{{");
    let _ = writeln!(out, "    BootstrapServers = {},", csharp_literal(bootstrap));
    let _ = writeln!(out, "    ClientId = {},", csharp_literal(&s.client_id));
    let _ = writeln!(out, "    Acks = {acks},");
    let _ = writeln!(out, "    EnableIdempotence = {},", s.enable_idempotence);
    for (bound, value) in s.numbers() {
        let _ = writeln!(out, "    {} = {value},", bound.dotnet);
    }
    let _ = writeln!(out, "    CompressionType = CompressionType.{},", pascal(s.compression_type.as_str()));
    let _ = writeln!(out, "    Partitioner = Partitioner.{},", pascal(s.partitioner.as_str()));
    let _ = writeln!(out, "}};\n");
    let _ = writeln!(out, "using var producer = new ProducerBuilder<{key_type}, string>(config)");
    let _ = writeln!(out, "    .SetErrorHandler((_, e) => Console.WriteLine($\"Error: {{e.Reason}}\"))");
    let _ = writeln!(out, "    .SetLogHandler((_, m) => Console.WriteLine($\"Log: {{m.Message}}\"))");
    let _ = writeln!(out, "    .Build();\n");
    let started = format!("Producer started. Connecting to {bootstrap}...");
    let _ = writeln!(out, "Console.WriteLine({});", csharp_literal(&started));
    let pipelined = request.mode == RunMode::Pipelined;
    if pipelined {
        let _ = writeln!(out, "var deliveries = new List<Task<DeliveryResult<{key_type}, string>>>();");
    }
    let _ = writeln!(out, "for (var i = 1; i <= {}; i++)\n{{", request.count);
    let _ = writeln!(out, "    var message = new Message<{key_type}, string>\n    {{");
    if let Some(key) = &request.key_template {
        let _ = writeln!(out, "        Key = {},", csharp_string(key));
    }
    let _ = writeln!(out, "        Value = {},", csharp_string(&request.value_template));
    let _ = writeln!(out, "        Headers = new Headers\n        {{");
    for h in &request.headers {
        let (name, value) = (csharp_literal(&h.name), csharp_string(&h.value));
        let _ = writeln!(out, "            {{ {name}, Encoding.UTF8.GetBytes({value}) }},");
    }
    let _ = writeln!(out, "        }},\n    }};");
    let _ = writeln!(out, "    Console.WriteLine($\"Sending message {{i}}: {{message.Value}}\");");
    let topic = csharp_literal(&request.topic);
    match request.partition {
        Some(p) if pipelined => {
            let _ = writeln!(
                out,
                "    deliveries.Add(producer.ProduceAsync(new TopicPartition({topic}, new Partition({p})), message));"
            );
        }
        None if pipelined => {
            let _ = writeln!(out, "    deliveries.Add(producer.ProduceAsync({topic}, message));");
        }
        Some(p) => {
            let _ = writeln!(
                out,
                "    var result = await producer.ProduceAsync(new TopicPartition({topic}, new Partition({p})), message);"
            );
        }
        None => {
            let _ = writeln!(out, "    var result = await producer.ProduceAsync({topic}, message);");
        }
    }
    if !pipelined {
        let _ = writeln!(
            out,
            "    Console.WriteLine($\"✓ Message {{i}} delivered → Topic {{result.Topic}}, Partition {{result.Partition.Value}}, Offset {{result.Offset.Value}}\");"
        );
    }
    let _ = writeln!(out, "}}");
    if pipelined {
        let _ = writeln!(out, "await Task.WhenAll(deliveries);");
    }
    let _ = writeln!(out, "\nConsole.WriteLine(\"Flushing pending messages...\");");
    let _ = writeln!(out, "producer.Flush(TimeSpan.FromSeconds(10));");
    let _ = writeln!(out, "Console.WriteLine(\"Producer closed gracefully.\");");
    out
}

/// A Rust `format!` call: the format string and its arguments.
fn rust_format(template: &str) -> String {
    let mut format = String::new();
    let mut args = Vec::new();
    for part in parts(template) {
        match part {
            Part::Text(t) => format.push_str(&in_rust_format(&t)),
            Part::Index { width: 0 } => format.push_str("{i}"),
            Part::Index { width } => {
                let _ = write!(format, "{{i:0{width}}}");
            }
            Part::Now => {
                format.push_str("{}");
                args.push("chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)".to_owned());
            }
            Part::Uuid => {
                format.push_str("{}");
                args.push("uuid::Uuid::new_v4()".to_owned());
            }
            Part::Rand { min, max } => {
                format.push_str("{}");
                args.push(format!("rand::random_range({min}..={max})"));
            }
            Part::Scaled { step, base } => {
                format.push_str("{}");
                args.push(format!("i as i64 * {step} + ({base})"));
            }
        }
    }
    if args.is_empty() {
        format!("format!(\"{format}\")")
    } else {
        format!("format!(\"{format}\", {})", args.join(", "))
    }
}

fn rust(request: &ProduceRequest, bootstrap: &str) -> String {
    let s = &request.settings;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Cargo.toml: rdkafka = \"0.39\", tokio (macros, rt-multi-thread), uuid (v4), rand = \"0.9\", chrono"
    );
    let _ = writeln!(out, "use std::time::Duration;\n");
    let _ = writeln!(out, "use rdkafka::ClientConfig;");
    let _ = writeln!(out, "use rdkafka::message::{{Header, OwnedHeaders}};");
    let _ = writeln!(out, "use rdkafka::producer::{{FutureProducer, FutureRecord, Producer}};\n");
    let _ = writeln!(out, "#[tokio::main]\nasync fn main() -> Result<(), Box<dyn std::error::Error>> {{");
    let _ = writeln!(out, "    let producer: FutureProducer = ClientConfig::new()");
    let _ = writeln!(out, "        .set(\"bootstrap.servers\", {})", rust_literal(bootstrap));
    let _ = writeln!(out, "        .set(\"client.id\", {})", rust_literal(&s.client_id));
    let _ = writeln!(out, "        .set(\"acks\", \"{}\")", s.acks.as_str());
    let _ = writeln!(out, "        .set(\"enable.idempotence\", \"{}\")", s.enable_idempotence);
    for (bound, value) in s.numbers() {
        let _ = writeln!(out, "        .set(\"{}\", \"{value}\")", bound.name);
    }
    let _ = writeln!(out, "        .set(\"compression.type\", \"{}\")", s.compression_type.as_str());
    let _ = writeln!(out, "        .set(\"partitioner\", \"{}\")", s.partitioner.as_str());
    let _ = writeln!(out, "        .create()?;\n");
    let _ = writeln!(out, "    let (mut delivered, mut failed) = (0u32, 0u32);");
    let _ = writeln!(out, "    for i in 1..={}u32 {{", request.count);
    if let Some(key) = &request.key_template {
        let _ = writeln!(out, "        let key = {};", rust_format(key));
    }
    let _ = writeln!(out, "        let value = {};", rust_format(&request.value_template));
    let _ = writeln!(out, "        let mut headers = OwnedHeaders::new();");
    for h in &request.headers {
        let _ = writeln!(out, "        let header = {};", rust_format(&h.value));
        let _ = writeln!(
            out,
            "        headers = headers.insert(Header {{ key: {}, value: Some(header.as_str()) }});",
            rust_literal(&h.name)
        );
    }
    let _ = writeln!(
        out,
        // Typed: a keyless record leaves its key type to be inferred, and nothing infers it.
        "        let record = FutureRecord::<String, String>::to({}).payload(&value).headers(headers);",
        rust_literal(&request.topic)
    );
    let mut record = String::from("record");
    if request.key_template.is_some() {
        record.push_str(".key(&key)");
    }
    if let Some(p) = request.partition {
        let _ = write!(record, ".partition({p})");
    }
    let _ = writeln!(out, "        match producer.send({record}, Duration::from_secs(5)).await {{");
    let _ = writeln!(
        out,
        "            Ok(d) => {{\n                delivered += 1;\n                println!(\"✓ Message {{i}} delivered → Partition {{}}, Offset {{}}\", d.partition, d.offset);\n            }}"
    );
    let _ = writeln!(
        out,
        "            Err((e, _)) => {{\n                failed += 1;\n                eprintln!(\"✗ Message {{i}} failed: {{e}}\");\n            }}"
    );
    let _ = writeln!(out, "        }}\n    }}");
    let _ = writeln!(out, "    producer.flush(Duration::from_secs(10))?;");
    let _ = writeln!(out, "    println!(\"{{delivered}} delivered, {{failed}} failed.\");");
    let _ = writeln!(out, "    if failed > 0 {{\n        std::process::exit(1);\n    }}");
    let _ = writeln!(out, "    Ok(())\n}}");
    out
}

/// A Java string literal. Java reads `\\uXXXX` before it reads literals, so a
/// `\\u000a` would end the line: line ends and other controls are octal escapes, and
/// only what is not ASCII is a `\\u` escape (which then stands for a letter, never a
/// quote, a backslash or a line end).
fn java_literal(text: &str) -> String {
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
fn java(request: &ProduceRequest, bootstrap: &str) -> String {
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

fn kcat(request: &ProduceRequest, bootstrap: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use shared::settings::Preset;

    fn lab() -> ProduceRequest {
        ProduceRequest::lab()
    }

    #[test]
    fn csharp_is_the_labs_program_with_these_settings() {
        let mut request = lab();
        request.settings = Preset::Optimized.settings();
        let lab_code = export(Language::CSharp, &request, "localhost:9092");
        assert!(lab_code.contains("new ProducerBuilder<Null, string>(config)"), "the lab's keyless producer");
        assert!(lab_code.contains("var message = new Message<Null, string>"), "{lab_code}");
        assert!(!lab_code.contains("Key ="));
        request.key_template = Some(shared::lab::KEY_TEMPLATE.into());
        let code = export(Language::CSharp, &request, "localhost:9092");
        assert!(code.contains("new ProducerBuilder<string, string>(config)"));
        for needle in [
            "BootstrapServers = \"localhost:9092\"",
            "Acks = Acks.All,",
            "MessageSendMaxRetries = 3,",
            "BatchSize = 32768,",
            "LingerMs = 5,",
            "CompressionType = CompressionType.Snappy,",
            "Partitioner = Partitioner.ConsistentRandom,",
            "Key = $\"ORD-{i:D4}\",",
            "{ \"correlation-id\", Encoding.UTF8.GetBytes($\"{Guid.NewGuid()}\") },",
            "await producer.ProduceAsync(\"orders.created\", message);",
            "producer.Flush(TimeSpan.FromSeconds(10));",
            "SetErrorHandler",
        ] {
            assert!(code.contains(needle), "{needle} not in\n{code}");
        }
        // The JSON's braces are doubled in an interpolated string.
        assert!(
            code.contains(r#"Value = $"{{\"orderId\": \"ORD-{i:D4}\", \"timestamp\": \"{DateTime.UtcNow:O}\""#),
            "{code}"
        );
        assert!(code.contains(r#"\"amount\": {i * 10 + (100)}}}""#), "the lab's amounts: {code}");
    }

    #[test]
    fn pipelined_csharp_awaits_all_at_the_end() {
        let request = ProduceRequest { mode: RunMode::Pipelined, ..lab() };
        let code = export(Language::CSharp, &request, "b:9092");
        assert!(code.contains("deliveries.Add(producer.ProduceAsync(\"orders.created\", message));"));
        assert!(code.contains("await Task.WhenAll(deliveries);"));
    }

    #[test]
    fn rust_formats_templates_with_arguments() {
        let keyed = ProduceRequest { key_template: Some(shared::lab::KEY_TEMPLATE.into()), ..lab() };
        let code = export(Language::Rust, &keyed, "b:9092");
        assert!(code.contains("let key = format!(\"ORD-{i:04}\");"), "{code}");
        assert!(code.contains(".set(\"linger.ms\", \"5\")"));
        assert!(code.contains("i as i64 * 10 + (100)"), "{code}");
        assert!(code.contains("record.key(&key)"));
    }

    #[test]
    fn java_is_the_labs_program_with_what_java_names_otherwise() {
        let code = export(Language::Java, &lab(), "b:9092");
        for needle in [
            "config.put(\"retries\", \"3\");",
            "config.put(\"delivery.timeout.ms\", \"300000\");",
            "no CRC32",
            "ProducerRecord<>(topic, partition, key, value)",
            "String key = null;",
            "Integer partition = null;",
            "RecordMetadata m = producer.send(record).get();",
            "producer.flush();",
            // The lab's JSON, its number padded and its amounts computed.
            r#"String value = "" + "{\"orderId\": \"ORD-" + String.format("%04d", i) + "\", \"timestamp\": \"" + Instant.now()"#,
            "(i * 10L + (100L))",
            r#"record.headers().add("correlation-id", ("" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));"#,
        ] {
            assert!(code.contains(needle), "{needle} not in\n{code}");
        }
        let short = ProduceRequest {
            settings: ProducerSettings { message_timeout_ms: 5_000, ..lab().settings },
            mode: RunMode::Pipelined,
            partition: Some(2),
            ..lab()
        };
        let code = export(Language::Java, &short, "b:9092");
        assert!(
            code.contains("config.put(\"delivery.timeout.ms\", \"30005\");"),
            "raised to linger + request timeout: {code}"
        );
        assert!(code.contains("raised to 30005"));
        assert!(code.contains("producer.send(record, (m, e) -> {"), "{code}");
        assert!(code.contains("Integer partition = 2;"));
    }

    #[test]
    fn java_literals_escape_what_java_reads_before_its_strings() {
        assert_eq!(java_literal("a\"b\\c"), r#""a\"b\\c""#);
        // A line end as \u000a would end the line before the literal is read.
        assert_eq!(java_literal("x\ny\u{1}\u{7f}"), r#""x\ny\001\177""#);
        assert_eq!(java_literal("Zoé ✓ 😀"), r#""Zo\u00e9 \u2713 \ud83d\ude00""#);
    }

    /// Names a shared link could carry to run a command when pasted.
    const HOSTILE: [&str; 6] = [
        "$(touch PWNED)",
        "`touch PWNED`",
        "x\"; touch PWNED; echo \"",
        "x'; touch PWNED; echo '",
        "line\ntouch PWNED",
        "!! {i} \\ {{}}",
    ];

    /// A request whose header names and values, key and value are hostile, as a shared
    /// link brings it (the link carries the request as JSON).
    fn hostile_request() -> ProduceRequest {
        let request = ProduceRequest {
            count: 2,
            key_template: Some("k-{i}-$(touch PWNED)".into()),
            value_template: "v `touch PWNED` $HOME".into(),
            headers: HOSTILE
                .iter()
                .map(|name| shared::protocol::HeaderTemplate { name: (*name).into(), value: format!("{name}={{i}}") })
                .collect(),
            ..lab()
        };
        serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap()
    }

    #[test]
    fn a_hostile_shared_link_runs_nothing_but_kcat() {
        let dir = std::env::temp_dir().join(format!("kcat-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A stand-in kcat: one line per argument, then what it read.
        let stand_in = dir.join("kcat");
        std::fs::write(
            &stand_in,
            "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done >> args\ncat >> args\n",
        )
        .unwrap();
        std::process::Command::new("chmod").arg("+x").arg(&stand_in).status().unwrap();
        let snippet = export(Language::Kcat, &hostile_request(), "127.0.0.1:9092");
        let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(&snippet)
            .current_dir(&dir)
            .env("PATH", &path)
            .env("HOME", "/home/trainee")
            .status()
            .unwrap();
        assert!(status.success(), "{snippet}");
        assert!(!dir.join("PWNED").exists(), "the snippet ran a command of the link:\n{snippet}");
        let args = std::fs::read_to_string(dir.join("args")).unwrap();
        for name in HOSTILE {
            // Each header reaches kcat as one argument: its name as written, its value the
            // template rendered (here, the name again and the message's number).
            let value = name.replace("{i}", "1").replace("{{}}", "{}");
            assert!(args.contains(&format!("[{name}={value}=1]")), "{name:?} not in\n{args}");
        }
        assert!(args.contains("[k-1-$(touch PWNED)]"), "{args}");
        assert!(args.contains("v `touch PWNED` $HOME\n"), "the value is sent as written:\n{args}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn hostile_names_stay_inside_their_string_literals() {
        let request = hostile_request();
        let csharp = export(Language::CSharp, &request, "b:9092");
        assert!(csharp.contains(r#"{ "x\"; touch PWNED; echo \"", "#), "{csharp}");
        assert!(csharp.contains(r#"{ "line\ntouch PWNED", "#), "a newline is escaped in C#:\n{csharp}");
        // The name is text; the value a template: `{i}` the number, `{{}}` a literal `{}`.
        assert!(csharp.contains(r#"{ "!! {i} \\ {{}}", Encoding.UTF8.GetBytes($"!! {i} \\ {{}}={i}") },"#), "{csharp}");
        let rust = export(Language::Rust, &request, "b:9092");
        assert!(rust.contains(r#"Header { key: "x\"; touch PWNED; echo \"", "#), "{rust}");
        assert!(rust.contains(r#"Header { key: "line\ntouch PWNED", "#), "{rust}");
        assert!(rust.contains(r#"format!("line\ntouch PWNED={i}")"#), "{rust}");
        let java = export(Language::Java, &request, " b:9092\nx=y");
        assert!(java.contains(r#"config.put("bootstrap.servers", " b:9092\nx=y");"#), "{java}");
        assert!(java.contains(r#"record.headers().add("x\"; touch PWNED; echo \"", "#), "{java}");
        assert!(
            java.contains(r#"record.headers().add("line\ntouch PWNED", ("" + "line\ntouch PWNED=" + i)"#),
            "{java}"
        );
    }

    #[test]
    fn kcat_loops_like_the_lab() {
        assert!(!export(Language::Kcat, &lab(), "b:9092").contains(" -k "), "the lab's messages have no key");
        let keyed = ProduceRequest { key_template: Some(shared::lab::KEY_TEMPLATE.into()), ..lab() };
        let code = export(Language::Kcat, &keyed, "b:9092");
        assert!(code.starts_with("# One kcat per message"));
        assert!(code.contains("for i in $(seq 1 10); do"));
        assert!(code.contains(r#"-k 'ORD-'"$(printf %04d "$i")""#), "{code}");
        assert!(code.contains(r#"-H 'correlation-id='"$(cat /proc/sys/kernel/random/uuid)""#), "{code}");
        assert!(code.contains("-X acks=all"));
        assert!(code.contains(r#""$(( i * 10 + (100) ))""#), "the lab's amounts: {code}");
    }
}
