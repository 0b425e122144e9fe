//! Rust with rdkafka: a `main` that builds with the crates its first line names.

use std::fmt::Write as _;

use shared::protocol::ProduceRequest;
use shared::template::Part;

use super::parts;

/// A Rust string literal of `text`, every character that needs it escaped.
fn rust_literal(text: &str) -> String {
    format!("{text:?}")
}

/// Literal text inside a Rust `format!("...")`: braces doubled, then escaped (so that
/// an escape such as `\u{1b}` keeps its own braces).
fn in_rust_format(text: &str) -> String {
    let literal = rust_literal(&text.replace('{', "{{").replace('}', "}}"));
    literal[1..literal.len() - 1].to_owned()
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

pub(super) fn rust(request: &ProduceRequest, bootstrap: &str) -> String {
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
