//! A class across two playground processes on one Kafka cluster (`playground cluster`,
//! and Apache Kafka when `cargo xtask test` gives one): each server's trainees in the
//! instructor's view on the other, a name unique across both, a broadcast to every page,
//! and a server that stops leaving the class.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::process::{Running, start};
use crate::common::{Client, connect_to, http};
use shared::problem::Problem;
use shared::protocol::{ClassView, Command as PageCommand, Event, ProduceRequest};

const TOKEN: &str = "class-token-0123456789";

/// A playground server of the class on `bootstrap`; its address.
fn server(bootstrap: &str) -> (Running, SocketAddr) {
    let args = [
        "--bootstrap-servers",
        bootstrap,
        "--listen",
        "127.0.0.1:0",
        "--static-dir",
        "/nonexistent",
        "--instructor-token",
        TOKEN,
        "--class-topic",
        "playground.class",
    ];
    let (process, url) = start(&args, "Kafka Producer Playground is ready: http://");
    let addr = url.split('/').next().unwrap().parse().unwrap();
    (process, addr)
}

/// Asks for `name` on `page`: the name it got, or why not.
async fn join(page: &mut Client, name: &str) -> Result<String, Problem> {
    page.send(&PageCommand::Join { name: name.into() }).await;
    loop {
        match page.next_within(Duration::from_secs(20)).await {
            Event::Joined { name, .. } => return Ok(name),
            Event::Error(e) => return Err(e.problem),
            _ => {}
        }
    }
}

/// A trainee's page on `addr`, joined as `name`.
async fn trainee(addr: SocketAddr, name: &str) -> Client {
    let mut page = connect_to(addr).await;
    assert_eq!(join(&mut page, name).await.as_deref(), Ok(name));
    page
}

/// The class as the instructor's view on `addr` shows it, once `ready` says so (within
/// 15 s).
async fn class_on(addr: SocketAddr, ready: impl Fn(&ClassView) -> bool) -> ClassView {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = http("GET", &format!("http://{addr}/api/instructor"), Some(TOKEN), None).await;
        assert_eq!(status, 200, "{body}");
        let view: ClassView = serde_json::from_str(&body).unwrap();
        if ready(&view) {
            return view;
        }
        assert!(Instant::now() < deadline, "the class never showed as expected: {view:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn names(view: &ClassView) -> Vec<String> {
    let mut names: Vec<String> = view.trainees.iter().filter_map(|t| t.name.clone()).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_cluster_are_one_class() {
    let (_cluster, bootstrap) = start(&["cluster"], "bootstrap.servers=");
    one_class_across_two_servers(&bootstrap).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Apache Kafka: `cargo xtask test` runs it"]
async fn two_servers_on_apache_kafka_are_one_class() {
    let bootstrap =
        std::env::var("PLAYGROUND_TEST_KAFKA").expect("PLAYGROUND_TEST_KAFKA: run this through `cargo xtask test`");
    one_class_across_two_servers(&bootstrap).await;
}

/// Two servers of one class on `bootstrap`: each one's trainees in the other's
/// instructor's view, a name unique across both, a broadcast to both, renames, and a
/// server that stops leaving the class.
async fn one_class_across_two_servers(bootstrap: &str) {
    let (_a, a) = server(bootstrap);
    let (b_process, b) = server(bootstrap);

    let mut alice = trainee(a, "alice").await;
    let mut bob = trainee(b, "bob").await;
    // The instructor's view on either server shows both, each with their server.
    let on_a = class_on(a, |v| names(v) == ["alice", "bob"]).await;
    assert_eq!(on_a.servers.len(), 2, "{:?}", on_a.servers);
    let server_of = |view: &ClassView, name: &str| {
        view.trainees.iter().find(|t| t.name.as_deref() == Some(name)).and_then(|t| t.server.clone()).unwrap()
    };
    assert_ne!(server_of(&on_a, "alice"), server_of(&on_a, "bob"), "each on their own server");
    assert_eq!(on_a.servers[0], server_of(&on_a, "alice"), "this server first");
    let on_b = class_on(b, |v| names(v) == ["alice", "bob"]).await;
    assert_eq!(server_of(&on_b, "bob"), server_of(&on_a, "bob"));

    // A name is unique across the servers, whatever its case.
    let mut carol = connect_to(b).await;
    let refused = join(&mut carol, "Alice").await;
    assert!(matches!(refused, Err(Problem::NameTaken { .. })), "alice's name given twice: {refused:?}");

    // A broadcast on one server reaches the pages of both.
    let body = r#"{"text": "Break until 10:30"}"#;
    assert_eq!(http("POST", &format!("http://{a}/api/instructor/broadcast"), Some(TOKEN), Some(body)).await.0, 200);
    for page in [&mut alice, &mut bob] {
        loop {
            if let Event::Broadcast { text } = page.next_within(Duration::from_secs(15)).await {
                assert_eq!(text, "Break until 10:30");
                break;
            }
        }
    }

    // Alice renames herself twice: her earlier names are free across the class; a name
    // her server does not give (past its 3 names a session) keeps her last one held.
    for name in ["alice2", "alice3"] {
        assert_eq!(join(&mut alice, name).await.as_deref(), Ok(name));
    }
    let refused = join(&mut alice, "alice4").await;
    assert!(matches!(refused, Err(Problem::Limit { .. })), "{refused:?}");
    let mut dave = connect_to(b).await;
    let refused = join(&mut dave, "alice3").await;
    assert!(matches!(refused, Err(Problem::NameTaken { .. })), "alice3 is still hers: {refused:?}");
    let _dave = trainee(b, "alice").await;

    // Bob's server stops: he leaves the class on alice's server, and his name is free.
    let pid = b_process.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    class_on(a, |v| names(v) == ["alice3"] && v.servers.len() == 1).await;
    let _bob_again = trainee(a, "bob").await;
    drop(b_process);
}

/// Starts `playground` with `args`, logging at the info level to a pipe that is read only
/// up to the first line that starts with `prefix`, and never again: a reader that stopped
/// (a paused terminal, a full pipe). Returns it and that line, without the prefix.
fn start_unread(args: &[&str], prefix: &str) -> (Running, String) {
    use std::io::BufRead;
    let child = Command::new(env!("CARGO_BIN_EXE_playground"))
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("playground starts");
    let mut running = Running(child);
    let mut out = std::io::BufReader::new(running.0.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "playground {args:?} ended before printing {prefix}");
        if let Some(rest) = line.trim().strip_prefix(prefix) {
            // Kept open and never read again.
            std::mem::forget(out);
            return (running, rest.trim().to_owned());
        }
    }
}

/// The server's log goes to a reader that stopped reading (a paused terminal, a pipe
/// nobody drains): the trainees' runs go on, and the server still answers.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_whose_log_nobody_reads_keeps_serving_its_trainees() {
    let args = ["--listen", "127.0.0.1:0", "--static-dir", "/nonexistent"];
    let (_server, url) = start_unread(&args, "Kafka Producer Playground is ready: http://");
    let addr: SocketAddr = url.split('/').next().unwrap().parse().unwrap();
    let mut page = connect_to(addr).await;
    // The lab's sync loop logs two lines a message: 400 messages are over 100 KB of log,
    // past what a pipe holds (64 KB) once nobody reads it.
    let request = ProduceRequest { count: 400, ..ProduceRequest::lab() };
    page.send(&PageCommand::Produce(request)).await;
    // Within a minute in all (a run stalled on its log still sends its figures).
    let events = tokio::time::timeout(Duration::from_secs(60), page.until_finished(Duration::from_secs(60)))
        .await
        .expect("the run went on while nobody read the log");
    let finished = events.iter().find_map(|e| match e {
        Event::RunFinished(f) => Some(f.clone()),
        _ => None,
    });
    let finished = finished.expect("the run finished");
    assert_eq!((finished.sent, finished.delivered, finished.failed), (400, 400, 0));
    let (status, _) = http("GET", &format!("http://{addr}/api/health"), None, None).await;
    assert_eq!(status, 200, "the server still answers");
}
