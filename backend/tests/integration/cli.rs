//! The `playground` command: `produce` (the lab's console program, headless, on the embedded
//! cluster), and the server's start: the trainees' link it prints, the flags it refuses.

use std::process::Command;

use crate::common::process;

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
        // The lab's value: {"orderId": "ORD-0001", "timestamp": "...", "amount": 110}.
        let sending = format!("Sending message {n}: {{\"orderId\": \"ORD-{n:04}\", \"timestamp\": \"");
        assert!(out.contains(&sending), "message {n}: {out}");
        assert!(out.contains(&format!("\"amount\": {}}}", 100 + 10 * n)), "message {n}'s amount: {out}");
        let delivered = format!("✓ Message {n} delivered → Topic: orders.created, Partition: ");
        let line = out.lines().find(|l| l.contains(&delivered)).unwrap_or_else(|| panic!("{n}: {out}"));
        // `..., Offset: 0, Timestamp: 2026-02-05 11:30:00`, as in the lab's expected log.
        let stamp = line.rsplit_once("Timestamp: ").expect("a timestamp").1;
        assert!(stamp.len() == 19 && stamp.as_bytes()[10] == b' ' && stamp.as_bytes()[13] == b':', "{line}");
    }
    assert_eq!(out.matches("delivered →").count(), 10);
    let order = ["All messages sent successfully!", "Flushing pending messages...", "Producer closed gracefully."];
    let at: Vec<usize> = order.iter().map(|l| out.find(l).unwrap_or_else(|| panic!("no {l}: {out}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "in the lab's order: {out}");
    assert!(out.contains("10 sent, 10 delivered, 0 failed"));
}

#[test]
fn on_a_cluster_of_its_own_ten_orders_are_delivered_and_an_unknown_topic_is_refused() {
    // `--bootstrap-servers`: the topic is asked of the cluster by the run's own producer.
    let (_cluster, bootstrap) = process::start(&["cluster"], "bootstrap.servers=");
    let (ok, out) = produce(&["--bootstrap-servers", &bootstrap, "--count", "10"]);
    assert!(ok, "{out}");
    assert_eq!(out.matches("delivered → Topic: orders.created").count(), 10, "{out}");
    assert!(out.contains("10 sent, 10 delivered, 0 failed"), "{out}");
    let (ok, out) = produce(&["--bootstrap-servers", &bootstrap, "--topic", "orders.missing", "--count", "1"]);
    assert!(!ok, "{out}");
    assert!(out.contains("topic orders.missing does not exist on this cluster (it has: orders.created"), "{out}");
    assert!(!out.contains("Sending message 1"), "nothing sent: {out}");
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

/// Starts the server with `args` and returns the line that says it is ready (then
/// stops it), or what it printed when it exited instead.
fn ready_line(args: &[&str]) -> Result<String, String> {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_playground"))
        .args(["--static-dir", "/nonexistent"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let ready = stdout.lines().map_while(Result::ok).find(|l| l.contains("is ready"));
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    ready.ok_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn beyond_loopback_the_trainees_link_carries_a_class_code_and_a_short_one_is_refused() {
    let open = ready_line(&["--listen", "0.0.0.0:0"]).unwrap();
    assert!(open.contains("/?class=") && open.contains("(class code "), "{open}");
    let local = ready_line(&["--listen", "127.0.0.1:0"]).unwrap();
    assert!(!local.contains("class"), "this machine only: no code: {local}");
    let chosen = ready_line(&["--listen", "127.0.0.1:0", "--class-code", "Kafka-Lab"]).unwrap();
    assert!(chosen.contains("?class=kafka-lab"), "{chosen}");
    let short = ready_line(&["--listen", "0.0.0.0:0", "--class-code", "abc"]).unwrap_err();
    assert!(short.contains("6 to 64"), "{short}");
    let half_tls = ready_line(&["--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent/cert.pem"]).unwrap_err();
    assert!(half_tls.contains("--tls-key"), "{half_tls}");
}

#[test]
fn produce_on_local_kafka_is_refused_with_the_way_to_do_it() {
    // Nothing is started: the error comes before any cluster.
    let (ok, out) = produce(&["--local-kafka", "/nonexistent", "--count", "1"]);
    assert!(!ok, "{out}");
    assert!(out.contains("playground cluster --local-kafka DIR"), "{out}");
    assert!(!out.contains("delivered"), "no message was sent: {out}");
}
