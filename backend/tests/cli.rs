//! `playground produce`: the lab's console program, headless, on the embedded cluster.

use std::process::Command;

fn produce(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_playground"))
        .arg("produce")
        .args(args)
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .env_remove("RUST_LOG")
        .output()
        .expect("playground runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn ten_orders_print_ten_delivery_lines_and_exit_zero() {
    let (ok, out) = produce(&["--count", "10"]);
    assert!(ok, "{out}");
    assert!(out.contains("Producer started. Connecting to 127.0.0.1:"), "{out}");
    for n in 1..=10 {
        assert!(out.contains(&format!("Sending message {n}: {{\"orderId\":\"ORD-{n:04}\"")), "message {n}: {out}");
        assert!(out.contains(&format!("✓ Message {n} delivered → Topic orders.created, Partition ")), "{n}: {out}");
    }
    assert_eq!(out.matches("delivered →").count(), 10);
    assert!(out.contains("Flushing pending messages..."));
    assert!(out.contains("Producer closed gracefully."));
    assert!(out.contains("10 sent, 10 delivered, 0 failed"));
}

#[test]
fn with_every_broker_down_each_message_fails_and_the_exit_code_says_so() {
    let (ok, out) = produce(&["--count", "3", "--brokers-down", "--message-timeout-ms", "2000"]);
    assert!(!ok, "{out}");
    assert_eq!(out.matches("failed: MessageTimedOut").count(), 3, "{out}");
    assert!(out.contains("3 sent, 0 delivered, 3 failed"), "{out}");
}

#[test]
fn bad_settings_are_refused_before_connecting() {
    let (ok, out) = produce(&["--acks", "1", "--idempotence"]);
    assert!(!ok);
    assert!(out.contains("enable.idempotence needs acks=all"), "{out}");
    assert!(!out.contains("Producer started"), "{out}");
}
