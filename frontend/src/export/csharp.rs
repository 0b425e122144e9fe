//! C# with Confluent.Kafka, shaped like the lab's Program.cs.

use std::fmt::Write as _;

use shared::protocol::{ProduceRequest, RunMode};
use shared::settings::Acks;
use shared::template::Part;

use super::{parts, pascal};

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

/// Literal text inside a C# `$"..."` (escaped, braces doubled).
fn in_csharp_format(text: &str) -> String {
    csharp_escaped(text).replace('{', "{{").replace('}', "}}")
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

pub(super) fn csharp(request: &ProduceRequest, bootstrap: &str) -> String {
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
