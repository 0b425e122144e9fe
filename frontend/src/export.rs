//! The current settings and send loop as code to take home: C# with Confluent.Kafka (the
//! lab's Program.cs), Rust with rdkafka, Java producer properties, and kcat.
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
    /// A Java producer's properties.
    JavaProperties,
    /// A kcat command line.
    Kcat,
}

impl Language {
    /// Every language, in the order of the page's tabs.
    pub const ALL: [Language; 4] = [Language::CSharp, Language::Rust, Language::JavaProperties, Language::Kcat];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Language::CSharp => "C# (Confluent.Kafka)",
            Language::Rust => "Rust (rdkafka)",
            Language::JavaProperties => "Java properties",
            Language::Kcat => "kcat",
        }
    }

    /// A short id for the page's elements.
    pub fn id(self) -> &'static str {
        match self {
            Language::CSharp => "csharp",
            Language::Rust => "rust",
            Language::JavaProperties => "java",
            Language::Kcat => "kcat",
        }
    }
}

/// `request` as code in `language`, for a cluster at `bootstrap`.
pub fn export(language: Language, request: &ProduceRequest, bootstrap: &str) -> String {
    match language {
        Language::CSharp => csharp(request, bootstrap),
        Language::Rust => rust(request, bootstrap),
        Language::JavaProperties => java(&request.settings, bootstrap),
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
    let _ = writeln!(out, "// Cargo.toml: rdkafka = \"0.39\", tokio, uuid (v4), rand, chrono");
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
        "        let record = FutureRecord::to({}).payload(&value).headers(headers);",
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
        "            Ok(d) => println!(\"✓ Message {{i}} delivered → Partition {{}}, Offset {{}}\", d.partition, d.offset),"
    );
    let _ = writeln!(out, "            Err((e, _)) => eprintln!(\"✗ Message {{i}} failed: {{e}}\"),");
    let _ = writeln!(out, "        }}\n    }}");
    let _ = writeln!(out, "    producer.flush(Duration::from_secs(10))?;");
    let _ = writeln!(out, "    Ok(())\n}}");
    out
}

fn java(s: &ProducerSettings, bootstrap: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Java producer properties for the same settings.");
    let _ = writeln!(out, "bootstrap.servers={}", properties_value(bootstrap));
    let _ = writeln!(out, "client.id={}", properties_value(&s.client_id));
    let _ = writeln!(out, "acks={}", s.acks.as_str());
    let _ = writeln!(out, "enable.idempotence={}", s.enable_idempotence);
    let _ = writeln!(out, "max.in.flight.requests.per.connection={}", s.max_in_flight);
    let _ = writeln!(out, "# librdkafka's message.send.max.retries");
    let _ = writeln!(out, "retries={}", s.message_send_max_retries);
    let _ = writeln!(out, "retry.backoff.ms={}", s.retry_backoff_ms);
    let _ = writeln!(out, "retry.backoff.max.ms={}", s.retry_backoff_max_ms);
    let _ = writeln!(out, "request.timeout.ms={}", s.request_timeout_ms);
    let _ = writeln!(out, "# librdkafka's message.timeout.ms (Java wants it >= linger.ms + request.timeout.ms)");
    let _ = writeln!(out, "delivery.timeout.ms={}", s.message_timeout_ms);
    let _ = writeln!(out, "linger.ms={}", s.linger_ms);
    let _ = writeln!(out, "# per partition in Java; librdkafka's is per request (Java's default is 16384)");
    let _ = writeln!(out, "batch.size={}", s.batch_size);
    let _ = writeln!(out, "compression.type={}", s.compression_type.as_str());
    let _ = writeln!(out, "# batch.num.messages ({}) has no Java equivalent", s.batch_num_messages);
    let partitioner = match s.partitioner {
        Partitioner::Murmur2Random | Partitioner::Murmur2 => {
            "# partitioner: Java's default already hashes keys with murmur2, as murmur2_random does"
        }
        Partitioner::Random => "# partitioner: random has no Java equivalent but a custom Partitioner",
        _ => {
            "# partitioner: Java has no CRC32/FNV-1a partitioner; keys will land on other partitions than with librdkafka"
        }
    };
    let _ = writeln!(out, "{partitioner}");
    let _ = writeln!(out, "key.serializer=org.apache.kafka.common.serialization.StringSerializer");
    let _ = writeln!(out, "value.serializer=org.apache.kafka.common.serialization.StringSerializer");
    out
}

/// A Java properties value: backslashes, line ends and a leading space escaped.
fn properties_value(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r");
    match escaped.strip_prefix(' ') {
        Some(rest) => format!("\\ {rest}"),
        None => escaped,
    }
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
    fn java_renames_what_java_names_otherwise() {
        let code = export(Language::JavaProperties, &lab(), "b:9092");
        assert!(code.contains("retries=3\n"));
        assert!(code.contains("delivery.timeout.ms=300000\n"));
        assert!(code.contains("no CRC32"), "consistent_random has no Java twin");
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
        let java = export(Language::JavaProperties, &ProduceRequest::lab(), " b:9092\nx=y");
        assert!(java.contains("bootstrap.servers=\\ b:9092\\nx=y\n"), "{java}");
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
