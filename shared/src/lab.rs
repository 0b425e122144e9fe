//! LAB 1.2A's names and defaults, so the page, the server and the tests say the same.

/// The lab's topic.
pub const TOPIC: &str = "orders.created";

/// Partitions of the lab's topic.
pub const PARTITIONS: i32 = 6;

/// Replication factor of the lab's topic (one replica per broker).
pub const REPLICATION_FACTOR: i32 = 3;

/// Brokers in the embedded cluster.
pub const BROKERS: i32 = 3;

/// How many orders the lab sends.
pub const COUNT: u32 = 10;

/// The lab's key: the order id, so one order always lands on one partition.
pub const KEY_TEMPLATE: &str = "ORD-{i:04}";

/// The lab's order, as JSON with placeholders (see [`crate::template`]).
pub const VALUE_TEMPLATE: &str =
    r#"{"orderId":"ORD-{i:04}","customerId":"CUST-{rand:1-50}","amount":{rand:10-500}.00,"timestamp":"{now}"}"#;

/// Header carrying a fresh UUID per message, to follow one order across services.
pub const HEADER_CORRELATION_ID: &str = "correlation-id";

/// Header naming the application that produced the message.
pub const HEADER_SOURCE: &str = "source";

/// Value of the `source` header.
pub const SOURCE: &str = "kafka-producer-playground";
