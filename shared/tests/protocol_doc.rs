//! docs/protocol.md stays true: every JSON example in it is a message the code reads,
//! and every message type has an example.
#![allow(missing_docs)]

use std::collections::BTreeSet;

use shared::protocol::{Command, Event, Health};

fn examples() -> Vec<serde_json::Value> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md")).unwrap();
    doc.split("```json\n")
        .skip(1)
        .map(|block| {
            let json = &block[..block.find("```").unwrap()];
            serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON: {json}: {e}"))
        })
        .collect()
}

#[test]
fn every_example_is_read_by_the_code() {
    for example in examples() {
        let ok = if example.get("status").is_some() {
            serde_json::from_value::<Health>(example.clone()).map(|_| ()).map_err(|e| e.to_string())
        } else {
            let as_command = serde_json::from_value::<Command>(example.clone());
            let as_event = serde_json::from_value::<Event>(example.clone());
            match (as_command, as_event) {
                (Ok(_), _) | (_, Ok(_)) => Ok(()),
                (Err(c), Err(e)) => Err(format!("as command: {c}; as event: {e}")),
            }
        };
        ok.unwrap_or_else(|e| panic!("docs/protocol.md example does not parse: {example}: {e}"));
    }
}

#[test]
fn every_message_type_has_an_example() {
    let documented: BTreeSet<String> =
        examples().iter().filter_map(|e| e.get("type")?.as_str().map(str::to_owned)).collect();
    let commands = [
        "produce",
        "stop",
        "consume",
        "fetch",
        "broker_down",
        "broker_up",
        "set_round_trip_time",
        "inject_errors",
        "move_partition_leader",
        "reset_faults",
        "join",
        "progress",
    ];
    let events = [
        "hello",
        "run_started",
        "delivered",
        "failed",
        "stats",
        "run_finished",
        "log",
        "error",
        "producer_stats",
        "cluster",
        "records",
        "circuit",
        "batch",
        "joined",
        "broadcast",
    ];
    for t in commands.iter().chain(&events) {
        assert!(documented.contains(*t), "docs/protocol.md has no example of {t}");
    }
    assert_eq!(documented.len(), commands.len() + events.len(), "documented: {documented:?}");
}
