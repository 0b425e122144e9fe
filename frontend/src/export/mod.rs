//! The current settings and send loop as code to take home: C# with Confluent.Kafka (the
//! lab's Program.cs), Rust with rdkafka, Java with kafka-clients, and kcat.
//!
//! Plain functions of a [`ProduceRequest`], so they are tested natively; one file per
//! language, the helpers they share here.

mod csharp;
mod java;
mod kcat;
mod rust;

use shared::protocol::ProduceRequest;
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
        Language::CSharp => csharp::csharp(request, bootstrap),
        Language::Rust => rust::rust(request, bootstrap),
        Language::Java => java::java(request, bootstrap),
        Language::Kcat => kcat::kcat(request, bootstrap),
    }
}

fn parts(template: &str) -> Vec<Part> {
    // The page exports valid requests only; an invalid template exports as text.
    Template::parse(template).map(|t| t.parts().to_vec()).unwrap_or_else(|_| vec![Part::Text(template.to_owned())])
}

fn pascal(name: &str) -> String {
    name.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect()
}

#[cfg(test)]
mod tests {
    use shared::protocol::RunMode;
    use shared::settings::ProducerSettings;

    use super::java::java_literal;
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
