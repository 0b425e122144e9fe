//! A class on one server, as its trainees and its instructor live it, over real
//! WebSockets and HTTP: a topic per trainee, the instructor's view behind its token,
//! broadcasts and class-wide faults, a dropped page finding its run again, and the
//! limit of messages in flight across the class.

use crate::common;
use rusty_fork::rusty_fork_test;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::{Client, TestServer, http};
use shared::problem::Problem;
use shared::protocol::{
    ClassView, ClusterState, Command, ErrorEvent, Event, Experiment, ExperimentResult, ExperimentRun, FailedCheck,
    Fault, Hello, Limits, ProduceRequest, RunMode, SetBy,
};

async fn hello(client: &mut Client) -> Hello {
    loop {
        if let Event::Hello(hello) = client.next().await {
            return hello;
        }
    }
}

/// The next error, skipping what else comes; fails if a run starts instead.
async fn refused(client: &mut Client) -> ErrorEvent {
    loop {
        match client.next().await {
            Event::Error(e) => return e,
            Event::RunStarted { .. } => panic!("a run started where it should have been refused"),
            _ => continue,
        }
    }
}

async fn joined(client: &mut Client, name: &str) -> Option<String> {
    client.send(&Command::Join { name: name.into() }).await;
    loop {
        match client.next().await {
            Event::Joined { name: got, topic } => {
                assert_eq!(got, name);
                return topic;
            }
            Event::Error(e) => panic!("{name} could not join: {}", e.message),
            _ => continue,
        }
    }
}

/// Each delivered message of one run: seq -> (topic, partition, offset).
async fn deliveries(client: &mut Client) -> BTreeMap<u64, (String, i32, i64)> {
    let mut seen = BTreeMap::new();
    for event in client.until_finished(Duration::from_secs(30)).await {
        if let Event::Delivered(d) = event {
            seen.insert(d.seq, (d.topic, d.partition, d.offset.expect("acks=all has offsets")));
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_topic_per_trainee_each_has_their_own_offsets() {
    let server = TestServer::start_configured(|s| s.with_topic_per_trainee(true)).await;
    let mut alice = server.connect().await;
    let mut bob = server.connect().await;
    assert!(hello(&mut alice).await.topic_per_trainee, "the page knows there is a topic per trainee");
    hello(&mut bob).await;

    // No name, no topic.
    alice.send(&Command::Produce(ProduceRequest::lab())).await;
    let e = refused(&mut alice).await;
    assert_eq!(e.problem, Problem::NameNeeded);

    assert_eq!(joined(&mut alice, "alice").await.as_deref(), Some("orders.created.alice"));
    bob.send(&Command::Join { name: "Alice".into() }).await;
    let e = refused(&mut bob).await;
    // Bob is told whose name his is too close to.
    assert_eq!(e.problem, Problem::NameTaken { name: "alice".into() });
    assert_eq!(e.fields[0].field, "name", "the page marks the name");
    bob.send(&Command::Join { name: "bob\u{202e}smith".into() }).await;
    assert!(matches!(refused(&mut bob).await.problem, Problem::NameInvalid { .. }));
    assert_eq!(joined(&mut bob, "bob").await.as_deref(), Some("orders.created.bob"));

    // The lab's 10 messages, keyed by order so that both land alike, to the lab's topic
    // name: each trainee's go to their own topic, and both start at offset 0 there.
    let keyed = ProduceRequest { key_template: Some(shared::lab::KEY_TEMPLATE.into()), ..ProduceRequest::lab() };
    alice.send(&Command::Produce(keyed.clone())).await;
    bob.send(&Command::Produce(keyed)).await;
    let (of_alice, of_bob) = (deliveries(&mut alice).await, deliveries(&mut bob).await);
    assert_eq!(of_alice.len(), 10);
    assert!(of_alice.values().all(|(topic, ..)| topic == "orders.created.alice"), "{of_alice:?}");
    assert!(of_bob.values().all(|(topic, ..)| topic == "orders.created.bob"), "{of_bob:?}");
    let places =
        |d: &BTreeMap<u64, (String, i32, i64)>| d.iter().map(|(s, (_, p, o))| (*s, *p, *o)).collect::<Vec<_>>();
    assert_eq!(places(&of_alice), places(&of_bob), "same keys, same partitions, and offsets of their own");
    let mut per_partition = BTreeMap::<i32, Vec<i64>>::new();
    for (_, p, o) in places(&of_alice) {
        per_partition.entry(p).or_default().push(o);
    }
    for offsets in per_partition.values() {
        assert_eq!(*offsets, (0..offsets.len() as i64).collect::<Vec<_>>(), "offsets from 0: {per_partition:?}");
    }
    // What Kafka holds: Alice's topic has her 10, the shared lab topic none of them.
    let read = common::consume_all(&server.bootstrap, "orders.created.alice", 6, 10, Duration::from_secs(10));
    assert_eq!(read.len(), 10);
    let shared_topic = common::consume_all(&server.bootstrap, "orders.created", 6, 1, Duration::from_secs(3));
    assert!(shared_topic.is_empty(), "nothing went to the shared topic");

    // Bob can neither write to nor read Alice's topic.
    let to_alice = ProduceRequest { topic: "orders.created.alice".into(), ..ProduceRequest::lab() };
    bob.send(&Command::Produce(to_alice)).await;
    let e = refused(&mut bob).await;
    let not_his = Problem::NotYourTopic { topic: "orders.created.alice".into(), own: "orders.created.bob".into() };
    assert_eq!(e.problem, not_his);
    bob.send(&Command::Consume { topic: "orders.created.alice".into(), max: 10, from: Vec::new(), tag: None }).await;
    assert_eq!(refused(&mut bob).await.problem, not_his);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_instructor_sees_the_class_broadcasts_and_switches_faults_and_a_wrong_token_gets_nothing() {
    let limits = Limits { trainee_faults: false, ..Limits::default() };
    let server = TestServer::start_configured(|s| {
        s.with_limits(limits).with_instructor_token("s3cret-class-token".into()).expect("a long token")
    })
    .await;
    let view = server.url("/api/instructor");
    let broadcast = server.url("/api/instructor/broadcast");
    let fault = server.url("/api/instructor/fault");
    let down = serde_json::to_string(&Fault::BrokerDown { broker: Some(2) }).unwrap();

    // Without the token, or with a wrong one: nothing is shown, sent or switched.
    for token in [None, Some("wrong"), Some("s3cret-class-toke"), Some("s3cret-class-token2")] {
        let (status, body) = http("GET", &view, token, None).await;
        assert_eq!(status, 401, "{token:?}: {body}");
        let e: ErrorEvent = serde_json::from_str(&body).unwrap();
        assert_eq!(e.problem, Problem::InstructorToken);
        assert!(!body.contains("trainees"));
        assert_eq!(http("POST", &broadcast, token, Some(r#"{"text":"hi"}"#)).await.0, 401);
        assert_eq!(http("POST", &fault, token, Some(&down)).await.0, 401);
    }

    let mut alice = server.connect().await;
    assert!(!hello(&mut alice).await.limits.trainee_faults, "the page knows faults are the instructor's");
    joined(&mut alice, "alice").await;
    alice.send(&Command::Produce(ProduceRequest { count: 5, ..ProduceRequest::lab() })).await;
    alice.until_finished(Duration::from_secs(30)).await;
    let failed =
        FailedCheck { id: "exercise:broker_down".into(), en: "0 of 5 failed".into(), fr: "0 sur 5 en échec".into() };
    alice
        .send(&Command::Progress { done: vec!["connected".into(), "sent-10".into()], failed: vec![failed.clone()] })
        .await;
    let run = |setting: &str| ExperimentRun {
        setting: setting.into(),
        sent: 5,
        delivered: 5,
        failed: 0,
        msgs_per_sec: 900.0,
        p50_us: 1000,
        p99_us: 2000,
    };
    let ladder = ExperimentResult {
        experiment: Experiment::AcksLadder,
        runs: vec![run("acks=0"), run("acks=1"), run("acks=all")],
    };
    alice.send(&Command::Experiment { result: ladder.clone() }).await;
    // Bounded: a result of more runs than any experiment has is not kept.
    let too_many = ExperimentResult { experiment: Experiment::Linger, runs: vec![run("linger.ms=0"); 5] };
    alice.send(&Command::Experiment { result: too_many }).await;
    let mut bob = server.connect().await;
    hello(&mut bob).await;

    // Alice's commands are read by her session's task, in order: wait for her ladder in
    // the view (her oversized result comes right behind it).
    let class =
        common::eventually("the view with both trainees and Alice's ladder", Duration::from_secs(5), async || {
            let (status, body) = http("GET", &view, Some("s3cret-class-token"), None).await;
            assert_eq!(status, 200, "{body}");
            let class: ClassView = serde_json::from_str(&body).unwrap();
            let has_ladder = class.trainees.iter().any(|t| !t.experiments.is_empty());
            (class.trainees.len() == 2 && has_ladder).then_some(class)
        })
        .await;
    assert_eq!(class.trainees.len(), 2);
    let a = class.trainees.iter().find(|t| t.name.as_deref() == Some("alice")).expect("alice in the class");
    assert!(a.connected);
    assert_eq!(a.runs, 1);
    assert_eq!(a.run.as_ref().map(|r| (r.sent, r.delivered, r.failed)), Some((5, 5, 0)));
    assert!(a.finished.as_ref().is_some_and(|f| f.delivered == 5 && !f.stopped));
    assert_eq!(a.done, ["connected", "sent-10"]);
    assert_eq!(a.failed, [failed], "what alice tried, with its short answer");
    assert_eq!(a.experiments, [ladder], "her acks ladder for the class comparison, and nothing oversized");
    let b = class.trainees.iter().find(|t| t.name.is_none()).expect("bob, no name yet");
    assert_eq!((b.runs, b.run.is_none()), (0, true));

    // A trainee cannot switch a fault on this server; the instructor can, for everyone.
    alice.send(&Command::from(Fault::BrokerDown { broker: None })).await;
    assert_eq!(refused(&mut alice).await.problem, Problem::FaultsByInstructor);
    let (status, body) = http("POST", &fault, Some("s3cret-class-token"), Some(&down)).await;
    assert_eq!(status, 200, "{body}");
    for page in [&mut alice, &mut bob] {
        loop {
            if let Event::Cluster(state) = page.next().await
                && state.brokers.iter().any(|b| b.id == 2 && !b.up)
            {
                break;
            }
        }
    }
    let (status, _) =
        http("POST", &fault, Some("s3cret-class-token"), Some(r#"{"type":"broker_down","broker":9}"#)).await;
    assert_eq!(status, 400, "no broker 9");

    // A broadcast reaches every page; an empty one is refused.
    let (status, body) =
        http("POST", &broadcast, Some("s3cret-class-token"), Some(r#"{"text":"Break until 10:30"}"#)).await;
    assert_eq!(status, 200, "{body}");
    for page in [&mut alice, &mut bob] {
        loop {
            if let Event::Broadcast { text } = page.next().await {
                assert_eq!(text, "Break until 10:30");
                break;
            }
        }
    }
    assert_eq!(http("POST", &broadcast, Some("s3cret-class-token"), Some(r#"{"text":"  "}"#)).await.0, 400);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_whose_new_socket_opens_before_the_old_one_closes_keeps_its_session() {
    let server = TestServer::start().await;
    let mut page = server.connect().await;
    let first = hello(&mut page).await;
    // A browser reloading may open the new socket before the server has read the old
    // one's close: here the new one is open first, then the old one goes.
    let mut reloaded = server.resume(&first.session).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(page);
    let again = hello(&mut reloaded).await;
    assert!(again.resumed, "the same session, not a new one");
    assert_eq!(again.session, first.session);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_back_on_a_new_connection_while_its_lost_one_still_looks_open_keeps_its_session() {
    let server = TestServer::start().await;
    let mut lost = server.connect().await;
    let first = hello(&mut lost).await;
    joined(&mut lost, "Zoé").await;
    lost.send(&Command::Produce(ProduceRequest { count: 5, ..ProduceRequest::lab() })).await;
    lost.until_finished(Duration::from_secs(30)).await;
    // A Wi-Fi drop: the old connection sends no close, and the server still holds it
    // when the page connects again with its key.
    let mut back = server.resume(&first.session).await;
    let again = hello(&mut back).await;
    assert!(again.resumed && again.session == first.session, "the same session: {again:?}");
    let mut name = None;
    let mut finished = None;
    while name.is_none() || finished.is_none() {
        match back.next().await {
            Event::Joined { name: n, .. } => name = Some(n),
            Event::RunFinished(end) => finished = Some(end),
            _ => {}
        }
    }
    assert_eq!(name.as_deref(), Some("Zoé"), "its name, not refused as taken");
    assert_eq!(finished.map(|f| f.delivered), Some(5), "its run");
    // The old connection is closed with the code that tells the page not to reconnect.
    assert_eq!(lost.close_code().await, Some(shared::protocol::CLOSE_SESSION_ELSEWHERE));
    // And the name is still the session's: another page cannot take it.
    let mut other = server.connect().await;
    other.send(&Command::Join { name: "zoe".into() }).await;
    assert!(matches!(refused(&mut other).await.problem, Problem::NameTaken { .. }));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_page_comes_back_to_its_run() {
    let server = TestServer::start().await;
    let mut page = server.connect().await;
    let first = hello(&mut page).await;
    assert!(!first.resumed && first.session.len() >= 32, "a new session with a key: {first:?}");
    // 40 messages at 20/s: two seconds, and the connection drops in the middle.
    page.send(&Command::Produce(ProduceRequest { count: 40, rate: Some(20), ..ProduceRequest::lab() })).await;
    loop {
        if let Event::Delivered(d) = page.next().await
            && d.seq >= 5
        {
            break;
        }
    }
    drop(page);
    // Away for a moment, while its run goes on (a step of the story, not a wait for a state).
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut page = server.resume(&first.session).await;
    let again = hello(&mut page).await;
    assert!(again.resumed, "the same session");
    assert_eq!(again.session, first.session);
    let events = page.until_finished(Duration::from_secs(30)).await;
    assert!(
        events.iter().any(|e| matches!(e, Event::RunStarted { run: 1, count: 40, .. })),
        "the page is told its run again"
    );
    let stats = events.iter().find_map(|e| if let Event::Stats(s) = e { Some(s.clone()) } else { None });
    assert!(stats.is_some_and(|s| s.run == 1 && s.sent >= 5), "the run's figures as they stand");
    let Some(Event::RunFinished(end)) = events.last() else { unreachable!() };
    assert_eq!((end.run, end.sent, end.delivered, end.failed, end.stopped), (1, 40, 40, 0, false), "{end:?}");

    // A reload after the end shows the finished run at once.
    drop(page);
    let mut page = server.resume(&first.session).await;
    assert!(hello(&mut page).await.resumed);
    let events = page.until_finished(Duration::from_secs(5)).await;
    assert!(events.iter().any(|e| matches!(e, Event::RunStarted { run: 1, count: 40, mode: RunMode::Sync, .. })));
    let Some(Event::RunFinished(end)) = events.last() else { unreachable!() };
    assert_eq!(end.delivered, 40);

    // A key that is not a waiting session's gets a new session.
    let mut stranger = server.resume("0123456789abcdef0123456789abcdef").await;
    let h = hello(&mut stranger).await;
    assert!(!h.resumed && h.session != first.session);
    // A page whose connection still looks open is taken over by a new connection with its
    // key (a lost Wi-Fi sends no close), after the reload's grace: the key is the page's
    // alone, and the old connection is told, so that a second tab does not take it back.
    let mut back = server.resume(&first.session).await;
    let h = hello(&mut back).await;
    assert!(h.resumed && h.session == first.session, "the session goes on on the new connection");
    assert_eq!(page.close_code().await, Some(shared::protocol::CLOSE_SESSION_ELSEWHERE));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_class_never_has_more_in_flight_than_its_limit_and_nothing_is_lost() {
    let limits = Limits { in_flight: 50, ..Limits::default() };
    let server = TestServer::start_configured(|s| {
        s.with_limits(limits).with_instructor_token("token-of-the-instructor".into()).expect("a long token")
    })
    .await;
    let mut pages = Vec::new();
    for _ in 0..2 {
        let mut page = server.connect().await;
        hello(&mut page).await;
        let request = ProduceRequest { count: 3_000, mode: RunMode::Pipelined, ..ProduceRequest::lab() };
        page.send(&Command::Produce(request)).await;
        pages.push(page);
    }
    for page in &mut pages {
        let events = page.until_finished(Duration::from_secs(60)).await;
        let told = events.iter().any(
            |e| matches!(e, Event::Log(l) if l.facility == "LIMIT" && l.message.contains("50 messages in flight")),
        );
        assert!(told, "the page is told why its sends wait");
        let Some(Event::RunFinished(end)) = events.last() else { unreachable!() };
        assert_eq!((end.sent, end.delivered, end.failed), (3_000, 3_000, 0), "{end:?}");
    }
    let (_, body) = http("GET", &server.url("/api/instructor"), Some("token-of-the-instructor"), None).await;
    let class: ClassView = serde_json::from_str(&body).unwrap();
    assert_eq!(class.in_flight, 0, "every place was given back");
    assert_eq!(class.in_flight_peak, 50, "the limit was reached and never passed");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_tell_the_operator_sessions_runs_outcomes_and_refusals() {
    let token = "token-of-the-instructor";
    let limits = Limits { messages_per_run: 50, ..Limits::default() };
    let server =
        TestServer::start_configured(|s| s.with_limits(limits).with_instructor_token(token.into()).unwrap()).await;
    let url = server.url("/metrics");
    assert_eq!(http("GET", &url, None, None).await.0, 401, "the figures need the instructor's token");

    let mut alice = server.connect().await;
    alice.send(&Command::Produce(ProduceRequest { count: 10, ..ProduceRequest::lab() })).await;
    alice.until_finished(Duration::from_secs(30)).await;
    // Every broker down: the second run's 3 messages fail.
    alice.send(&Command::from(Fault::BrokerDown { broker: None })).await;
    let failing = ProduceRequest {
        count: 3,
        settings: shared::settings::ProducerSettings {
            message_timeout_ms: 500,
            request_timeout_ms: 400,
            ..ProduceRequest::lab().settings
        },
        ..ProduceRequest::lab()
    };
    alice.send(&Command::Produce(failing)).await;
    alice.until_finished(Duration::from_secs(30)).await;
    alice.send(&Command::from(Fault::ResetFaults)).await;
    alice.send(&Command::Produce(ProduceRequest { count: 51, ..ProduceRequest::lab() })).await;
    loop {
        if let Event::Error(e) = alice.next().await {
            assert!(matches!(e.problem, Problem::Limit { .. }), "{e:?}");
            break;
        }
    }
    let mut bob = server.connect().await;
    let _ = bob.next().await;
    let other_site =
        common::http_with("GET", &server.url("/api/health"), &[("Origin", "http://evil.example")], None).await;
    assert_eq!(other_site.0, 403);

    // Bob's session counts once the server has opened it; the refused run once Alice's
    // session has read it.
    let text = common::eventually("the figures of both sessions", Duration::from_secs(5), async || {
        let (status, text) = http("GET", &url, Some(token), None).await;
        assert_eq!(status, 200, "{text}");
        let both = common::metric(&text, "playground_sessions{state=\"connected\"}") == Some(2.0);
        let refused =
            common::metric(&text, "playground_refusals_total{reason=\"limit:messages_per_run\"}") == Some(1.0);
        (both && refused).then_some(text)
    })
    .await;
    assert_eq!(common::metric(&text, "playground_sessions{state=\"connected\"}"), Some(2.0), "{text}");
    assert_eq!(common::metric(&text, "playground_runs_total"), Some(2.0), "the refused run is no run: {text}");
    assert_eq!(common::metric(&text, "playground_messages_total{outcome=\"sent\"}"), Some(13.0), "{text}");
    assert_eq!(common::metric(&text, "playground_messages_total{outcome=\"delivered\"}"), Some(10.0), "{text}");
    assert_eq!(common::metric(&text, "playground_messages_total{outcome=\"failed\"}"), Some(3.0), "{text}");
    assert_eq!(common::metric(&text, "playground_in_flight"), Some(0.0));
    assert_eq!(
        common::metric(&text, "playground_refusals_total{reason=\"limit:messages_per_run\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(common::metric(&text, "playground_refusals_total{reason=\"origin_refused\"}"), Some(1.0), "{text}");
    assert_eq!(common::metric(&text, "playground_refusals_total{reason=\"instructor_token\"}"), Some(1.0), "{text}");
    assert!(common::metric(&text, "playground_connections").is_some_and(|n| n >= 1.0), "{text}");

    // A session that ended keeps its runs in the totals.
    alice.close().await;
    let text = common::eventually("Alice's session ended", Duration::from_secs(5), async || {
        let (_, text) = http("GET", &url, Some(token), None).await;
        (common::metric(&text, "playground_sessions{state=\"connected\"}") == Some(1.0)).then_some(text)
    })
    .await;
    assert_eq!(common::metric(&text, "playground_messages_total{outcome=\"delivered\"}"), Some(10.0), "{text}");
    server.stop().await;
}

/// librdkafka's instance name of the producer that ran the run `client` just finished,
/// from the run's `producer_stats`.
async fn producer_of_run(client: &mut Client, request: ProduceRequest) -> String {
    client.send(&Command::Produce(request)).await;
    let mut name = None;
    for event in client.until_finished(Duration::from_secs(30)).await {
        if let Event::ProducerStats(stats) = event {
            name = Some(stats.producer);
        }
    }
    name.expect("a paced run of over a second has librdkafka's statistics")
}

/// `playground_producers` from `/metrics`.
async fn producers_open(url: &str, token: &str) -> u64 {
    let (_, body) = http("GET", url, Some(token), None).await;
    let line = body.lines().find(|l| l.starts_with("playground_producers ")).unwrap_or_else(|| panic!("{body}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_sessions_producer_is_closed_and_its_next_run_builds_another() {
    let token = "token-of-the-instructor";
    let server = TestServer::start_configured(|s| {
        s.with_producer_idle(Duration::from_millis(1500)).with_instructor_token(token.into()).unwrap()
    })
    .await;
    let url = server.url("/metrics");
    let mut alice = server.connect().await;
    let _idle_bob = server.connect().await;
    assert_eq!(producers_open(&url, token).await, 0, "connected trainees who have not run hold no producer");
    // Paced over a little more than a second, so that librdkafka's statistics come.
    let request = ProduceRequest { count: 12, rate: Some(10), ..ProduceRequest::lab() };
    let first = producer_of_run(&mut alice, request.clone()).await;
    assert_eq!(producers_open(&url, token).await, 1);
    // Run again at once: the same producer (no build, no metadata to learn again).
    let again = producer_of_run(&mut alice, request.clone()).await;
    assert_eq!(again, first, "reused within the idle time");
    // Idle for longer than 1.5 s: closed; the next run builds another.
    common::eventually("the idle producer closed", Duration::from_secs(10), async || {
        (producers_open(&url, token).await == 0).then_some(())
    })
    .await;
    let later = producer_of_run(&mut alice, request).await;
    assert_ne!(later, first, "a new producer after the idle time: {first} then {later}");
    assert_eq!(producers_open(&url, token).await, 1);
    server.stop().await;
}

/// The next cluster state that `want` accepts, skipping what else comes.
async fn cluster_until(client: &mut Client, want: impl Fn(&ClusterState) -> bool) -> ClusterState {
    loop {
        if let Event::Cluster(state) = client.next().await
            && want(&state)
        {
            return state;
        }
    }
}

/// A run's outcome counts: delivered, failed.
async fn outcome(client: &mut Client, request: ProduceRequest) -> (u64, u64) {
    client.send(&Command::Produce(request)).await;
    match client.until_finished(Duration::from_secs(30)).await.last() {
        Some(Event::RunFinished(end)) => (end.delivered, end.failed),
        other => panic!("no end: {other:?}"),
    }
}

/// Three messages that fail fast when no broker answers.
fn failing_fast() -> ProduceRequest {
    let settings = shared::settings::ProducerSettings {
        message_timeout_ms: 1_000,
        request_timeout_ms: 900,
        ..ProduceRequest::lab().settings
    };
    ProduceRequest { count: 3, settings, ..ProduceRequest::lab() }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trainees_fault_touches_only_their_runs_and_the_instructors_every_runs_and_stays() {
    let token = "s3cret-class-token";
    let server = TestServer::start_configured(|s| s.with_instructor_token(token.into()).expect("a long token")).await;
    let fault = server.url("/api/instructor/fault");
    let (mut alice, mut bob) = (server.connect().await, server.connect().await);
    joined(&mut alice, "alice").await;
    cluster_until(&mut bob, |s| !s.brokers.is_empty()).await;

    // Alice takes every broker down: her own cluster, her runs fail; Bob's do not.
    alice.send(&Command::from(Fault::BrokerDown { broker: None })).await;
    let own = cluster_until(&mut alice, |s| s.own.is_some() && s.brokers.iter().all(|b| !b.up)).await;
    assert_eq!(own.set_by, Some(SetBy::Trainee(Some("alice".into()))));
    let own_bootstrap = own.own.unwrap().bootstrap_servers;
    assert_ne!(own_bootstrap, server.bootstrap, "a cluster of her own");
    assert_eq!(outcome(&mut alice, failing_fast()).await, (0, 3), "her messages fail");
    assert_eq!(outcome(&mut bob, ProduceRequest { count: 5, ..ProduceRequest::lab() }).await, (5, 0), "not Bob's");

    // The instructor takes broker 2 down for the class: Bob's cluster and Alice's both.
    let (status, body) = http(
        "POST",
        &fault,
        Some(token),
        Some(&serde_json::to_string(&Fault::BrokerDown { broker: Some(2) }).unwrap()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let bobs = cluster_until(&mut bob, |s| s.brokers.iter().any(|b| b.id == 2 && !b.up)).await;
    assert_eq!(bobs.set_by, Some(SetBy::Instructor), "Bob's page says who");
    cluster_until(&mut alice, |s| s.own.as_ref().is_some_and(|o| o.instructor_brokers == [2])).await;

    // Alice brings every broker up: hers come back, the instructor's stays down, and she
    // is told why; resetting her faults does the same.
    for undo in [Fault::BrokerUp { broker: None }, Fault::ResetFaults] {
        alice.send(&Command::from(undo)).await;
        assert_eq!(refused(&mut alice).await.problem, Problem::InstructorFaultStays { brokers: vec![2] });
        let state = cluster_until(&mut alice, |s| s.brokers.iter().filter(|b| b.up).count() == 2).await;
        assert!(state.brokers.iter().any(|b| b.id == 2 && !b.up), "{state:?}");
    }
    // And the instructor's reset brings back every broker, for everyone.
    let (status, _) = http("POST", &fault, Some(token), Some(r#"{"type":"reset_faults"}"#)).await;
    assert_eq!(status, 200);
    cluster_until(&mut bob, |s| s.brokers.iter().all(|b| b.up)).await;
    cluster_until(&mut alice, |s| s.brokers.iter().all(|b| b.up)).await;
    assert_eq!(outcome(&mut alice, ProduceRequest { count: 5, ..ProduceRequest::lab() }).await, (5, 0));
    server.stop().await;
}

/// This process's threads (the server runs in it).
fn threads() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status.lines().find_map(|l| l.strip_prefix("Threads:")).unwrap().trim().parse().unwrap()
}

// It measures this process: alone in a process of its own.
rusty_fork_test! {
    #[test]
    fn fifty_trainees_each_with_every_broker_down_cost_no_one_else_a_run() {
        common::block_on(fifty_own_clusters());
    }
}

async fn fifty_own_clusters() {
    let server = TestServer::start().await;
    let mut bystander = server.connect().await;
    cluster_until(&mut bystander, |s| !s.brokers.is_empty()).await;
    let (rss, threads_before, started) = (common::rss_bytes(), threads(), std::time::Instant::now());
    let mut class = Vec::new();
    for _ in 0..50 {
        let mut trainee = server.connect().await;
        trainee.send(&Command::from(Fault::BrokerDown { broker: None })).await;
        cluster_until(&mut trainee, |s| s.own.is_some() && s.brokers.iter().all(|b| !b.up)).await;
        class.push(trainee);
    }
    let took = started.elapsed();
    let (grown, more_threads) = (common::rss_bytes().saturating_sub(rss), threads() - threads_before);
    eprintln!(
        "50 own clusters: started in {took:?}, {:.1} MB more resident memory ({:.2} MB each), {more_threads} more threads",
        grown as f64 / 1e6,
        grown as f64 / 50e6
    );
    // Every one of them down, the bystander's run is whole and quick.
    let started = std::time::Instant::now();
    assert_eq!(outcome(&mut bystander, ProduceRequest { count: 10, ..ProduceRequest::lab() }).await, (10, 0));
    eprintln!("the bystander's 10 messages took {:?}", started.elapsed());
    // And one of theirs fails, as it should.
    assert_eq!(outcome(&mut class[0], failing_fast()).await, (0, 3));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_instructor_renames_a_trainee_starts_their_progress_again_and_sees_their_last_errors() {
    let token = "s3cret-class-token";
    let server = TestServer::start_configured(|s| {
        s.with_instructor_token(token.into()).expect("a long token").with_topic_per_trainee(true)
    })
    .await;
    let (view, order) = (server.url("/api/instructor"), server.url("/api/instructor/trainee"));
    let mut alice = server.connect().await;
    assert_eq!(joined(&mut alice, "alcie").await.as_deref(), Some("orders.created.alcie"));
    alice.send(&Command::Progress { done: vec!["connected".into(), "sent-10".into()], failed: Vec::new() }).await;
    // A run refused: the instructor sees why.
    alice.send(&Command::Produce(ProduceRequest { count: 0, ..ProduceRequest::lab() })).await;
    refused(&mut alice).await;
    let (_, body) = http("GET", &view, Some(token), None).await;
    let class: ClassView = serde_json::from_str(&body).unwrap();
    let a = &class.trainees[0];
    assert_eq!(a.done.len(), 2);
    assert!(a.idle_secs.is_some_and(|s| s < 60), "{a:?}");
    assert!(matches!(a.errors.as_slice(), [Problem::OutOfRange { .. }]), "her last error: {:?}", a.errors);

    // A typo in her name, corrected by the instructor: her page is told, her topic follows.
    let rename = format!(r#"{{"id": {}, "change": {{"type": "rename", "name": "Alice"}}}}"#, a.id);
    assert_eq!(http("POST", &order, Some(token), Some(&rename)).await.0, 202);
    loop {
        if let Event::Joined { name, topic } = alice.next().await {
            assert_eq!((name.as_str(), topic.as_deref()), ("Alice", Some("orders.created.alice")));
            break;
        }
    }
    // Her lab progress starts again, on her page and in the grid.
    let reset = format!(r#"{{"id": {}, "change": {{"type": "reset_progress"}}}}"#, a.id);
    assert_eq!(http("POST", &order, Some(token), Some(&reset)).await.0, 202);
    loop {
        if alice.next().await == Event::ProgressReset {
            break;
        }
    }
    let (_, body) = http("GET", &view, Some(token), None).await;
    let class: ClassView = serde_json::from_str(&body).unwrap();
    assert_eq!((class.trainees[0].name.as_deref(), class.trainees[0].done.len()), (Some("Alice"), 0));
    // A bad name, or no such session: refused, with the reason.
    let bad = format!(r#"{{"id": {}, "change": {{"type": "rename", "name": "a<b>"}}}}"#, a.id);
    let (status, body) = http("POST", &order, Some(token), Some(&bad)).await;
    assert!(status == 400 && body.contains("name_invalid"), "{status} {body}");
    let (status, body) =
        http("POST", &order, Some(token), Some(r#"{"id": 999, "change": {"type": "reset_progress"}}"#)).await;
    assert!(status == 400 && body.contains("no_such_trainee"), "{status} {body}");
    server.stop().await;
}
