//! docs/protocol.md stays true: every JSON example in it is a message the code reads,
//! and every message type has an example. The lists of types are not typed here: they
//! come from the enums' derive (see [`variants`]), so a new `Command`, `Fault` or `Event`
//! variant without an example fails this test.
#![allow(missing_docs)]

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use shared::protocol::{Command, Event, Fault, Health};
use strum::VariantNames;

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

/// Every `type` a `"type"`-tagged enum declares, from its derive (`strum::VariantNames`),
/// each checked to be one serde reads: a name serde does not know would fail here.
fn variants<T: VariantNames + DeserializeOwned>() -> BTreeSet<String> {
    for name in T::VARIANTS {
        let error = serde_json::from_value::<T>(serde_json::json!({ "type": name })).err().map(|e| e.to_string());
        assert!(
            !error.as_deref().unwrap_or_default().contains("unknown variant"),
            "{name} is not a type serde reads: {error:?}"
        );
    }
    T::VARIANTS.iter().map(|v| (*v).to_owned()).collect()
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
    let examples = examples();
    let type_of = |e: &serde_json::Value| e.get("type")?.as_str().map(str::to_owned);
    let documented: BTreeSet<String> = examples.iter().filter_map(type_of).collect();
    let faults: BTreeSet<String> = examples.iter().filter_map(|e| type_of(e.get("fault")?)).collect();
    let (commands, events) = (variants::<Command>(), variants::<Event>());
    assert!(commands.contains("produce") && commands.contains("fault"), "{commands:?}");
    assert!(events.contains("delivered") && events.contains("batch"), "{events:?}");
    for t in commands.iter().chain(&events) {
        assert!(documented.contains(t), "docs/protocol.md has no example of {t}");
    }
    for t in &variants::<Fault>() {
        assert!(faults.contains(t), "docs/protocol.md has no example of the fault {t}");
    }
    assert_eq!(documented.len(), commands.len() + events.len(), "documented: {documented:?}");
}
