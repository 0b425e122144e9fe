//! The protocol's JSON shapes and bounds.

use super::*;
use crate::problem::{Lang, Problem};

#[test]
fn commands_are_tagged_by_type() {
    let json = serde_json::to_value(Command::Produce(ProduceRequest::lab())).unwrap();
    assert_eq!(json["type"], "produce");
    assert_eq!(json["topic"], "orders.created");
    assert_eq!(json["settings"]["acks"], "all");
    let back: Command = serde_json::from_value(json).unwrap();
    assert_eq!(back, Command::Produce(ProduceRequest::lab()));
    assert_eq!(serde_json::from_str::<Command>(r#"{"type":"stop"}"#).unwrap(), Command::Stop);
}

#[test]
fn unknown_fields_and_types_are_refused() {
    let extra = r#"{"type":"produce","topic":"t","count":1,"value_template":"x","linger":5}"#;
    assert!(serde_json::from_str::<Command>(extra).unwrap_err().to_string().contains("linger"));
    let raw = r#"{"type":"produce","topic":"t","count":1,"value_template":"x","settings":{"plugin.library.paths":"/tmp/x.so"}}"#;
    assert!(serde_json::from_str::<Command>(raw).is_err());
    assert!(serde_json::from_str::<Command>(r#"{"type":"format_disk"}"#).is_err());
}

#[test]
fn lab_request_is_valid_and_bad_one_names_fields() {
    assert!(ProduceRequest::lab().validate().is_empty());
    let bad = ProduceRequest {
        topic: "orders created".into(),
        count: 0,
        key_template: Some("{nope}".into()),
        ..ProduceRequest::lab()
    };
    let fields: Vec<_> = bad.validate().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["count", "topic", "key_template"]);
}

#[test]
fn lab_request_has_the_labs_headers_and_bad_headers_are_named() {
    let lab = ProduceRequest::lab();
    let names: Vec<_> = lab.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["correlation-id", "source"]);
    let bad = ProduceRequest {
        headers: vec![HeaderTemplate { name: "environment".into(), value: "{env}".into() }],
        partition: Some(-1),
        rate: Some(0),
        ..ProduceRequest::lab()
    };
    let fields: Vec<_> = bad.validate().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["partition", "rate", "headers[0]"]);
    let json = r#"{"type":"produce","topic":"t","count":1,"value_template":"x"}"#;
    let Command::Produce(r) = serde_json::from_str(json).unwrap() else { unreachable!() };
    assert_eq!((r.headers, r.mode, r.rate), (lab_headers(), RunMode::Sync, None));
}

#[test]
fn error_names_travel_as_librdkafkas_strings_and_are_worded_in_both_languages() {
    // Every variant but Other is in NAMED: the match is exhaustive, and each index is
    // where the variant stands in NAMED.
    let index = |name: &ErrorName| match name {
        ErrorName::MessageTimedOut => Some(0),
        ErrorName::QueueFull => Some(1),
        ErrorName::CircuitOpen => Some(2),
        ErrorName::PurgeQueue => Some(3),
        ErrorName::PurgeInflight => Some(4),
        ErrorName::MessageSizeTooLarge => Some(5),
        ErrorName::UnknownTopicOrPartition => Some(6),
        ErrorName::NotEnoughReplicas => Some(7),
        ErrorName::Other(_) => None,
    };
    for (n, name) in ErrorName::NAMED.iter().enumerate() {
        assert_eq!(index(name), Some(n));
        let json = serde_json::to_string(name).unwrap();
        assert_eq!(json, format!("\"{}\"", name.as_str()));
        assert_eq!(&serde_json::from_str::<ErrorName>(&json).unwrap(), name);
        if matches!(name, ErrorName::PurgeQueue | ErrorName::PurgeInflight) {
            continue;
        }
        let (en, fr) = (name.words(Lang::En).unwrap(), name.words(Lang::Fr).unwrap());
        assert!(!en.is_empty() && !fr.is_empty() && en != fr, "{name}");
    }
    let other: ErrorName = serde_json::from_str("\"BrokerTransportFailure\"").unwrap();
    assert_eq!(other, ErrorName::Other("BrokerTransportFailure".into()));
    assert_eq!(other, "BrokerTransportFailure");
    assert_eq!(other.words(Lang::Fr), None);
    assert_eq!(ErrorName::CircuitOpen, CIRCUIT_OPEN);
}

#[test]
fn faults_are_commands_of_their_own() {
    let fault = Command::Fault { fault: Fault::BrokerDown { broker: Some(2) } };
    let json = serde_json::to_string(&fault).unwrap();
    assert_eq!(json, r#"{"type":"fault","fault":{"type":"broker_down","broker":2}}"#);
    assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), fault);
    let not_a_fault = r#"{"type":"fault","fault":{"type":"stop"}}"#;
    assert!(serde_json::from_str::<Command>(not_a_fault).unwrap_err().to_string().contains("stop"));
}

#[test]
fn batches_nest_events() {
    let batch = Event::Batch {
        events: vec![
            Event::Error(ErrorEvent::new(Problem::NoRun)),
            Event::Error(ErrorEvent::new(Problem::RunInProgress)),
        ],
    };
    let json = serde_json::to_string(&batch).unwrap();
    assert!(json.starts_with(r#"{"type":"batch","events":[{"type":"error""#), "{json}");
    assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), batch);
}

#[test]
fn events_are_tagged_by_type() {
    let e = Event::Delivered(Delivered {
        run: 1,
        seq: 1,
        key: None,
        topic: "orders.created".into(),
        partition: 3,
        offset: Some(0),
        timestamp_ms: 1,
        log_append_time_ms: None,
        latency_us: 900,
        reported_us: 0,
    });
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["type"], "delivered");
    assert_eq!(json["partition"], 3);
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), e);
}
