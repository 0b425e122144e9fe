//! The page's exports, taken home, for the lab's first state and for a keyed, headed,
//! idempotent and compressed scenario:
//! - Java, compiled with Apache Kafka's own kafka-clients, and Rust, built with cargo
//!   against the crates its first line names, each run against Apache Kafka; every
//!   message they say they delivered is read back with kcat at its partition and offset;
//! - kcat's loop run by bash, and the records it added read back;
//! - C#, parsed by tree-sitter's C# grammar (no .NET SDK comes from this machine's
//!   registries), so that a syntax error in the export fails here.
//!
//! Needs Apache Kafka (`PLAYGROUND_TEST_KAFKA`, its bootstrap servers), the jars Maven
//! fetched (`PLAYGROUND_KAFKA_DIR`, holding `libs/`) and a Python with tree-sitter
//! (`PLAYGROUND_CSHARP_PYTHON`): `cargo xtask test` gives all three.

use std::path::{Path, PathBuf};
use std::process::Command;

use frontend::export::{Language, export};
use shared::protocol::{HeaderTemplate, ProduceRequest, RunMode};
use shared::settings::{Compression, ProducerSettings};

/// The cluster and the jars, from `cargo xtask test`.
fn kafka() -> (String, PathBuf) {
    let bootstrap = std::env::var("PLAYGROUND_TEST_KAFKA").expect("PLAYGROUND_TEST_KAFKA: Apache Kafka's bootstrap");
    let dir = std::env::var("PLAYGROUND_KAFKA_DIR").expect("PLAYGROUND_KAFKA_DIR: the folder holding libs/");
    (bootstrap, PathBuf::from(dir).join("libs"))
}

/// A folder of this test's own, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("playground-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(command: &mut Command) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{command:?} failed: {}\n{stdout}\n{stderr}", out.status);
    stdout.into_owned()
}

/// Compiles the Java export of `request` with javac and runs it; its output.
fn compile_and_run_java(request: &ProduceRequest, bootstrap: &str, libs: &Path, dir: &Path) -> String {
    let source = export(Language::Java, request, bootstrap);
    std::fs::write(dir.join("LabProducer.java"), &source).unwrap();
    let class_path = format!("{}/*", libs.display());
    run(Command::new("javac")
        .args(["-encoding", "UTF-8", "-cp", &class_path, "-d"])
        .arg(dir)
        .arg(dir.join("LabProducer.java")));
    let class_path = format!("{}:{}/*", dir.display(), libs.display());
    run(Command::new("java").args([
        "-Dfile.encoding=UTF-8",
        "-Dstdout.encoding=UTF-8",
        "-cp",
        &class_path,
        "LabProducer",
    ]))
}

/// Each `delivered` line of the program's output: message number, partition, offset.
fn deliveries(output: &str) -> Vec<(u64, i32, i64)> {
    output
        .lines()
        .filter(|l| l.contains(" delivered "))
        .map(|line| {
            let number = |after: &str, until: &str| {
                let rest = &line[line.find(after).unwrap_or_else(|| panic!("{after:?} in {line:?}")) + after.len()..];
                rest[..rest.find(until).unwrap_or(rest.len())].trim().to_owned()
            };
            let n = number("Message ", " delivered").parse().unwrap();
            (n, number("Partition ", ",").parse().unwrap(), number("Offset ", "\n").parse().unwrap())
        })
        .collect()
}

/// The record at `partition`/`offset` as kcat reads it: key, value and headers.
fn read_back(bootstrap: &str, topic: &str, partition: i32, offset: i64) -> String {
    run(Command::new("kcat").args([
        "-C",
        "-b",
        bootstrap,
        "-t",
        topic,
        "-p",
        &partition.to_string(),
        "-o",
        &offset.to_string(),
        "-c",
        "1",
        "-e",
        "-f",
        "%k|%s|%h\\n",
    ]))
}

/// The lab's first state: 10 keyless JSON orders, sync, acks=all, its two headers.
fn lab() -> ProduceRequest {
    ProduceRequest::lab()
}

/// Keyed, with a header of the trainee's, pipelined, idempotent and compressed.
fn keyed() -> ProduceRequest {
    ProduceRequest {
        count: 12,
        key_template: Some("ORD-{i:04}".into()),
        value_template: "Zoé's order {i}: {i*10+100} €".into(),
        headers: vec![HeaderTemplate { name: "x-trainee".into(), value: "Zoé \"{i}\"".into() }],
        mode: RunMode::Pipelined,
        settings: ProducerSettings {
            enable_idempotence: true,
            max_in_flight: 5,
            compression_type: Compression::Snappy,
            ..ProducerSettings::default()
        },
        ..ProduceRequest::lab()
    }
}

/// What the keyed scenario's message `n` reads back as: key, value, header.
fn keyed_record(n: u64) -> String {
    format!("ORD-{n:04}|Zoé's order {n}: {} €|x-trainee=Zoé \"{n}\"", n * 10 + 100)
}

/// Checks a program's output for the lab's state: 10 delivered, each read back keyless
/// with the lab's order and headers.
fn assert_lab_delivered(output: &str, bootstrap: &str) {
    assert!(output.contains("10 delivered, 0 failed."), "{output}");
    let delivered = deliveries(output);
    assert_eq!(delivered.iter().map(|d| d.0).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>(), "{output}");
    for (n, partition, offset) in &delivered {
        let record = read_back(bootstrap, &lab().topic, *partition, *offset);
        let order = format!("{{\"orderId\": \"ORD-{n:04}\"");
        assert!(record.starts_with(&format!("|{order}")), "message {n}, keyless, read back: {record}");
        assert!(record.contains("correlation-id=") && record.contains("source="), "the lab's headers: {record}");
    }
}

/// Checks a program's output for the keyed scenario: 12 delivered, each read back.
fn assert_keyed_delivered(output: &str, bootstrap: &str) {
    assert!(output.contains("12 delivered, 0 failed."), "{output}");
    let delivered = deliveries(output);
    assert_eq!(delivered.len(), 12, "{output}");
    for (n, partition, offset) in &delivered {
        let record = read_back(bootstrap, &keyed().topic, *partition, *offset);
        assert_eq!(record.trim_end(), keyed_record(*n), "message {n}, read back at {partition}/{offset}");
    }
}

#[test]
#[ignore = "needs Apache Kafka and its jars: `cargo xtask test` runs it"]
fn the_java_export_compiles_with_kafka_clients_and_delivers_what_it_says_on_apache_kafka() {
    let (bootstrap, libs) = kafka();

    let output = compile_and_run_java(&lab(), &bootstrap, &libs, &scratch("lab"));
    assert_lab_delivered(&output, &bootstrap);
    let output = compile_and_run_java(&keyed(), &bootstrap, &libs, &scratch("keyed"));
    assert_keyed_delivered(&output, &bootstrap);
}

/// The workspace's folder, where the Rust export's project and its build are kept
/// between runs.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The `[dependencies]` of the crates the Rust export's first line names (`// Cargo.toml:
/// rdkafka = "0.39", tokio (macros, rt-multi-thread), …`), so that a crate missing from
/// that line fails the build here as it would at home.
fn dependencies(source: &str) -> String {
    let line = source.lines().next().unwrap_or_default();
    let named = line.strip_prefix("// Cargo.toml: ").unwrap_or_else(|| panic!("no crates named on {line:?}"));
    let (mut items, mut item, mut depth) = (Vec::new(), String::new(), 0);
    for c in named.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items.push(item);
    let mut toml = String::from("[dependencies]\n");
    for item in items.iter().map(|i| i.trim()) {
        let name: String = item.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        let rest = item[name.len()..].trim();
        let line = if let Some(version) = rest.strip_prefix('=') {
            format!("{name} = {}\n", version.trim())
        } else if let Some(features) = rest.strip_prefix('(').and_then(|f| f.strip_suffix(')')) {
            let features: Vec<String> = features.split(',').map(|f| format!("{:?}", f.trim())).collect();
            format!("{name} = {{ version = \"*\", features = [{}] }}\n", features.join(", "))
        } else {
            assert!(rest.is_empty(), "{item:?} on {line:?}");
            format!("{name} = \"*\"\n")
        };
        toml.push_str(&line);
    }
    toml
}

#[test]
#[ignore = "needs Apache Kafka and crates.io: `cargo xtask test` runs it"]
fn the_rust_export_builds_with_the_crates_it_names_and_delivers_what_it_says_on_apache_kafka() {
    let (bootstrap, _) = kafka();
    let project = workspace().join("target/export-rust");
    let bins = project.join("src/bin");
    std::fs::create_dir_all(&bins).unwrap();
    let (lab_source, keyed_source) =
        (export(Language::Rust, &lab(), &bootstrap), export(Language::Rust, &keyed(), &bootstrap));
    assert_eq!(dependencies(&lab_source), dependencies(&keyed_source), "one first line for every program");
    std::fs::write(bins.join("lab.rs"), &lab_source).unwrap();
    std::fs::write(bins.join("keyed.rs"), &keyed_source).unwrap();
    // Its own workspace, with this one's lock: the versions tested here.
    let manifest = format!(
        "[package]\nname = \"export\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n{}",
        dependencies(&lab_source)
    );
    std::fs::write(project.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = project.join("target");
    run(Command::new(&cargo).current_dir(&project).env("CARGO_TARGET_DIR", &target).args(["build", "--bins"]));

    let output = run(&mut Command::new(target.join("debug/lab")));
    assert_lab_delivered(&output, &bootstrap);
    let output = run(&mut Command::new(target.join("debug/keyed")));
    assert_keyed_delivered(&output, &bootstrap);
}

/// Each partition's end offset of `topic` (its first `partitions`), as kcat queries it.
fn end_offsets(bootstrap: &str, topic: &str, partitions: i32) -> Vec<i64> {
    let mut args = vec!["-Q".to_owned(), "-b".to_owned(), bootstrap.to_owned()];
    for p in 0..partitions {
        args.extend(["-t".to_owned(), format!("{topic}:{p}:-1")]);
    }
    let out = run(Command::new("kcat").args(&args));
    (0..partitions)
        .map(|p| {
            let at = format!("{topic} [{p}] offset ");
            let line = out.lines().find(|l| l.starts_with(&at)).unwrap_or_else(|| panic!("{at:?} in {out}"));
            line[at.len()..].trim().parse().unwrap()
        })
        .collect()
}

/// Runs the kcat export of `request` with bash; the records it added, as kcat reads
/// them back (key|value|headers), partition by partition.
fn run_kcat_export(request: &ProduceRequest, bootstrap: &str) -> Vec<String> {
    let before = end_offsets(bootstrap, &request.topic, 6);
    let script = scratch("kcat").join("produce.sh");
    std::fs::write(&script, export(Language::Kcat, request, bootstrap)).unwrap();
    run(Command::new("bash").args(["-euo", "pipefail"]).arg(&script));
    let mut records = Vec::new();
    for (partition, offset) in before.iter().enumerate() {
        let out = run(Command::new("kcat").args([
            "-C",
            "-b",
            bootstrap,
            "-t",
            &request.topic,
            "-p",
            &partition.to_string(),
            "-o",
            &offset.to_string(),
            "-e",
            "-q",
            "-f",
            "%k|%s|%h\\n",
        ]));
        records.extend(out.lines().map(str::to_owned));
    }
    records
}

#[test]
#[ignore = "needs Apache Kafka and kcat: `cargo xtask test` runs it"]
fn the_kcat_export_run_by_bash_adds_exactly_its_messages_on_apache_kafka() {
    let (bootstrap, _) = kafka();

    let records = run_kcat_export(&lab(), &bootstrap);
    assert_eq!(records.len(), 10, "{records:#?}");
    for n in 1..=10 {
        let order = format!("|{{\"orderId\": \"ORD-{n:04}\"");
        let found: Vec<&String> = records.iter().filter(|r| r.starts_with(&order)).collect();
        assert_eq!(found.len(), 1, "message {n} once, keyless: {records:#?}");
        assert!(found[0].contains("correlation-id=") && found[0].contains("source="), "{}", found[0]);
    }

    let mut records = run_kcat_export(&keyed(), &bootstrap);
    records.sort();
    let mut expected: Vec<String> = (1..=12).map(keyed_record).collect();
    expected.sort();
    assert_eq!(records, expected);
}

/// Parses `sources` with tree-sitter's C# grammar; the parser's complaints, if any.
fn parse_csharp(sources: &[(&str, String)]) -> Result<(), String> {
    let python = std::env::var("PLAYGROUND_CSHARP_PYTHON")
        .expect("PLAYGROUND_CSHARP_PYTHON: a Python with tree-sitter and tree-sitter-c-sharp");
    let dir = scratch("csharp");
    let mut command = Command::new(python);
    command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse_csharp.py"));
    for (name, source) in sources {
        std::fs::write(dir.join(name), source).unwrap();
        command.arg(dir.join(name));
    }
    let out = command.output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() { Ok(()) } else { Err(said) }
}

#[test]
#[ignore = "needs tree-sitter's C# grammar: `cargo xtask test` runs it"]
fn the_csharp_export_parses_as_csharp_and_a_missing_semicolon_would_not() {
    let lab_source = export(Language::CSharp, &lab(), "localhost:9092");
    let keyed_source = export(Language::CSharp, &keyed(), "localhost:9092");
    parse_csharp(&[("Lab.cs", lab_source.clone()), ("Keyed.cs", keyed_source)]).unwrap();
    // The check can fail: the same program with its first statement's end taken away.
    let broken = lab_source.replacen(";\n", "\n", 1);
    let said = parse_csharp(&[("Broken.cs", broken)]).expect_err("a program without a ';' parses");
    assert!(said.contains("Broken.cs:"), "{said}");
}
