//! A class on one server, over real WebSockets: the limits (told in `hello`, each refused
//! by name while the connection goes on), a flooding client cut off, sessions that cannot
//! touch each other's runs, and sessions that leave nothing behind.

use crate::common;

use std::time::Duration;

use crate::common::TestServer;
use shared::problem::{Lang, Limit, Problem};
use shared::protocol::{Command, Event, Limits, ProduceRequest};

fn limit(limit: Limit, max: u64, got: u64) -> Problem {
    Problem::Limit { limit, max, got }
}

async fn refused(client: &mut common::Client) -> shared::protocol::ErrorEvent {
    loop {
        match client.next().await {
            Event::Error(e) => return e,
            Event::RunStarted { .. } => panic!("a run started beyond a limit"),
            _ => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_limit_is_announced_and_refuses_with_its_name() {
    let limits = Limits {
        sessions: 2,
        messages_per_run: 100,
        message_bytes: 2_000,
        rate: Some(50),
        frame_bytes: 10_000,
        ..Limits::default()
    };
    let server = TestServer::start_limited(limits).await;
    let mut client = server.connect().await;
    let Event::Hello(hello) = client.next().await else { panic!("hello") };
    assert_eq!(hello.limits, limits, "the page knows the limits before it sends");
    assert!(matches!(client.next().await, Event::Cluster(_)));

    client.send(&Command::Produce(ProduceRequest { count: 101, ..ProduceRequest::lab() })).await;
    let e = refused(&mut client).await;
    assert_eq!(e.problem, limit(Limit::MessagesPerRun, 100, 101));
    assert_eq!(e.fields[0].field, "count", "the page marks the field");
    assert!(e.problem.text(Lang::Fr).contains("au plus 100 messages par envoi"));

    client.send(&Command::Produce(ProduceRequest { rate: Some(51), ..ProduceRequest::lab() })).await;
    assert_eq!(refused(&mut client).await.problem, limit(Limit::Rate, 50, 51));

    let big = ProduceRequest { value_template: "x".repeat(3_000), ..ProduceRequest::lab() };
    client.send(&Command::Produce(big)).await;
    let e = refused(&mut client).await;
    assert!(
        matches!(&e.problem, Problem::Limit { limit, max: 2_000, got } if *limit == Limit::MessageBytes && *got > 3_000)
    );

    // A frame over the limit: an error, and the socket still works.
    client.send_text(&format!("{{\"type\":\"stop\",\"pad\":\"{}\"}}", "x".repeat(20_000))).await;
    assert!(
        matches!(refused(&mut client).await.problem, Problem::Limit { ref limit, max: 10_000, .. } if *limit == Limit::FrameBytes)
    );

    // Within the limits a run goes, at most at the session's rate: 20 messages at 50/s.
    client.send(&Command::Produce(ProduceRequest { count: 20, ..ProduceRequest::lab() })).await;
    let events = client.until_finished(Duration::from_secs(30)).await;
    let Some(Event::RunFinished(finished)) = events.last() else { unreachable!() };
    assert_eq!(finished.delivered, 20);
    assert!(finished.elapsed_ms >= 350, "paced at 50 msgs/s: {} ms", finished.elapsed_ms);

    // Two sessions at once, not three: the third is told why, then closed.
    let mut second = server.connect().await;
    assert!(matches!(second.next().await, Event::Hello(_)), "the second session opens");
    let mut third = server.connect().await;
    let e = refused(&mut third).await;
    assert_eq!(e.problem, limit(Limit::Sessions, 2, 3));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_floods_is_cut_off_with_a_reason() {
    let server = TestServer::start().await;
    let mut client = server.connect().await;
    for _ in 0..300 {
        client.send_text("{\"type\":\"stop\"}").await;
    }
    let reason = client.close_reason(Duration::from_secs(10)).await.unwrap_or_default();
    assert!(reason.contains("frames per second"), "close reason: {reason:?}");
    // Others are not affected.
    let mut other = server.connect().await;
    assert!(matches!(other.next().await, Event::Hello(_)));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sessions_cannot_see_or_stop_each_others_runs() {
    let server = TestServer::start().await;
    let mut alice = server.connect().await;
    let mut bob = server.connect().await;
    for client in [&mut alice, &mut bob] {
        assert!(matches!(client.next().await, Event::Hello(_)));
    }
    alice.send(&Command::Produce(ProduceRequest { count: 20, rate: Some(20), ..ProduceRequest::lab() })).await;
    // Alice's run is on.
    while !matches!(alice.next().await, Event::RunStarted { .. }) {}
    bob.send(&Command::Stop).await;
    assert_eq!(refused(&mut bob).await.problem, Problem::NoRun, "Bob has no run to stop");
    let events = alice.until_finished(Duration::from_secs(30)).await;
    let Some(Event::RunFinished(finished)) = events.last() else { unreachable!() };
    assert!(!finished.stopped && finished.delivered == 20, "Alice's run went to its end: {finished:?}");
    // Bob heard nothing of it.
    let heard = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            match bob.next_raw_within(Duration::from_secs(5)).await {
                Event::RunStarted { .. } | Event::Delivered(_) | Event::Stats(_) | Event::RunFinished(_) => {
                    return true;
                }
                _ => continue,
            }
        }
    })
    .await;
    assert!(heard.is_err(), "Bob received Alice's run");
    server.stop().await;
}
