//! Whatever a page (or anyone with a WebSocket) sends, the server's decoder, validation and
//! templates answer without panicking: property tests over arbitrary text and JSON.
#![allow(missing_docs)]

use proptest::prelude::*;
use serde_json::Value;
use shared::protocol::{Command, ProduceRequest};
use shared::template::{Template, TemplateEnv};

/// A fixed environment for renders.
struct Fixed(u64);

impl TemplateEnv for Fixed {
    fn now_ms(&mut self) -> i64 {
        self.0 as i64
    }
    fn random_bytes(&mut self) -> [u8; 16] {
        [self.0 as u8; 16]
    }
    fn random_in(&mut self, min: i64, max: i64) -> i64 {
        min.saturating_add((max.saturating_sub(min)) / 2)
    }
}

/// JSON of any shape, leaning towards the protocol's own keys and values.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("type".to_owned()),
        Just("topic".to_owned()),
        Just("count".to_owned()),
        Just("settings".to_owned()),
        Just("value_template".to_owned()),
        Just("key_template".to_owned()),
        Just("headers".to_owned()),
        Just("rate".to_owned()),
        Just("circuit_breaker".to_owned()),
        Just("from".to_owned()),
        Just("linger.ms".to_owned()),
        Just("acks".to_owned()),
        "[a-z._]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just("produce".to_owned()),
            Just("consume".to_owned()),
            Just("fetch".to_owned()),
            Just("all".to_owned()),
            Just("{i}".to_owned()),
            ".{0,40}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_decoded_or_refused(text in ".{0,300}") {
        let _ = serde_json::from_str::<Command>(&text);
    }

    #[test]
    fn any_json_is_decoded_or_refused_and_a_request_validates(mut value in json()) {
        // Half the time, make it a produce command so that validation is reached.
        if let Value::Object(fields) = &mut value {
            fields.insert("type".into(), Value::from("produce"));
            fields.entry("topic").or_insert(Value::from("orders.created"));
            fields.entry("count").or_insert(Value::from(1));
            fields.entry("value_template").or_insert(Value::from("{i}"));
        }
        if let Ok(Command::Produce(request)) = serde_json::from_value::<Command>(value.clone()) {
            let _ = request.validate();
        }
        if let Ok(request) = serde_json::from_value::<ProduceRequest>(value) {
            let _ = request.validate();
        }
    }

    #[test]
    fn any_template_parses_or_says_why_and_renders(source in "[{}a-z0-9:_-]{0,40}|.{0,60}", i in any::<u64>()) {
        match Template::parse(&source) {
            Ok(template) => {
                let _ = template.render(i, &mut Fixed(i));
            }
            Err(problem) => prop_assert!(!problem.to_string().is_empty()),
        }
    }
}
