//! The page's exports, taken home: the Java program compiled with Apache Kafka's own
//! kafka-clients and run against Apache Kafka, then every message it says it delivered
//! read back with kcat at its partition and offset.
//!
//! Needs Apache Kafka (`PLAYGROUND_TEST_KAFKA`, its bootstrap servers) and the jars Maven
//! fetched (`PLAYGROUND_KAFKA_DIR`, holding `libs/`): `cargo xtask test` gives both.

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

#[test]
#[ignore = "needs Apache Kafka and its jars: `cargo xtask test` runs it"]
fn the_java_export_compiles_with_kafka_clients_and_delivers_what_it_says_on_apache_kafka() {
    let (bootstrap, libs) = kafka();

    // The lab's first state: 10 keyless JSON orders, sync, acks=all, its two headers.
    let lab = ProduceRequest::lab();
    let output = compile_and_run_java(&lab, &bootstrap, &libs, &scratch("lab"));
    assert!(output.contains("10 delivered, 0 failed."), "{output}");
    let delivered = deliveries(&output);
    assert_eq!(delivered.iter().map(|d| d.0).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>(), "{output}");
    for (n, partition, offset) in &delivered {
        let record = read_back(&bootstrap, &lab.topic, *partition, *offset);
        let order = format!("{{\"orderId\": \"ORD-{n:04}\"");
        assert!(record.starts_with(&format!("|{order}")), "message {n}, keyless, read back: {record}");
        assert!(record.contains("correlation-id=") && record.contains("source="), "the lab's headers: {record}");
    }

    // Keyed, with a header of the trainee's, pipelined, idempotent and compressed.
    let keyed = ProduceRequest {
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
    };
    let output = compile_and_run_java(&keyed, &bootstrap, &libs, &scratch("keyed"));
    assert!(output.contains("12 delivered, 0 failed."), "{output}");
    let delivered = deliveries(&output);
    assert_eq!(delivered.len(), 12, "{output}");
    for (n, partition, offset) in &delivered {
        let record = read_back(&bootstrap, &keyed.topic, *partition, *offset);
        let expected = format!("ORD-{n:04}|Zoé's order {n}: {} €|x-trainee=Zoé \"{n}\"", n * 10 + 100);
        assert_eq!(record.trim_end(), expected, "message {n}, read back at {partition}/{offset}");
    }
}
