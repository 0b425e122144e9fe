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

/// The key the page offers when a trainee gives messages one: the order id, so one
/// order always lands on one partition. The lab itself sends none
/// (`ProducerBuilder<Null, string>`), so the sticky partitioner places its messages.
pub const KEY_TEMPLATE: &str = "ORD-{i:04}";

/// The lab's order as its expected log shows it (`{"orderId": "ORD-0001", "timestamp":
/// "...", "amount": 110}`, amounts 110, 120, ...), with placeholders (see
/// [`crate::template`]).
pub const VALUE_TEMPLATE: &str = r#"{"orderId": "ORD-{i:04}", "timestamp": "{now}", "amount": {i*10+100}}"#;

/// The lab's `ClientId`.
pub const CLIENT_ID: &str = "dotnet-basic-producer";

/// Exercise 4's `ClientId`.
pub const IDEMPOTENT_CLIENT_ID: &str = "dotnet-idempotent-producer";

/// Exercise 5's `ClientId`.
pub const OPTIMIZED_CLIENT_ID: &str = "dotnet-optimized-producer";

/// Messages Exercise 5 sends with each configuration.
pub const PERFORMANCE_COUNT: u32 = 1000;

/// Header carrying a fresh UUID per message, to follow one order across services.
pub const HEADER_CORRELATION_ID: &str = "correlation-id";

/// Header naming the application that produced the message.
pub const HEADER_SOURCE: &str = "source";

/// Value of the `source` header, the lab's.
pub const SOURCE: &str = "dotnet-producer";
