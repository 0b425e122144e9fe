//! The lab's checks judged from runs as the server reports them.

use shared::problem::Lang;
use shared::protocol::{
    CircuitBreaker, CircuitChange, CircuitState, Delivered, Event, Failed, MAX_ANSWER_LEN, Persistence, Records,
    RunFinished, RunMode, RunStats,
};

use super::exercise4_idempotence::order_of;
use super::*;

/// Runs `request` into `page` as the server reports it: `outcomes` per message, a
/// partition and offset for a delivery, an error name for a failure.
/// A message's outcome: delivered at (partition, offset), or failed with an error name
/// after so many milliseconds.
type Outcome = Result<(i32, i64), (&'static str, u64)>;

fn run(page: &mut Page, request: ProduceRequest, outcomes: &[Outcome]) -> u64 {
    let run = page.history.len() as u64 + 1;
    page.sent = Some(request.clone());
    let count = outcomes.len() as u32;
    page.apply(Event::RunStarted { run, topic: lab::TOPIC.into(), count, mode: request.mode });
    let (mut delivered, mut failed) = (0, 0);
    for (n, outcome) in outcomes.iter().enumerate() {
        let seq = n as u64 + 1;
        let key = request.key_template.as_ref().map(|_| format!("ORD-{seq:04}"));
        page.apply(match outcome {
            Ok((partition, offset)) => {
                delivered += 1;
                Event::Delivered(Delivered {
                    run,
                    seq,
                    key,
                    topic: lab::TOPIC.into(),
                    partition: *partition,
                    offset: Some(*offset),
                    timestamp_ms: 0,
                    log_append_time_ms: None,
                    latency_us: 5_000,
                    reported_us: 0,
                })
            }
            Err((error, latency_ms)) => {
                failed += 1;
                Event::Failed(Failed {
                    run,
                    seq,
                    key,
                    error: (*error).into(),
                    message: String::new(),
                    retriable: true,
                    persistence: Persistence::NotPersisted,
                    latency_us: latency_ms * 1000,
                })
            }
        });
    }
    page.apply(Event::Stats(RunStats { run, delivered, failed, sent: delivered + failed, ..RunStats::default() }));
    page.apply(Event::RunFinished(RunFinished {
        run,
        sent: delivered + failed,
        delivered,
        failed,
        elapsed_ms: 100,
        stopped: false,
    }));
    run
}

fn record(partition: i32, offset: i64, headers: &[(&str, &str)]) -> Record {
    Record {
        partition,
        offset,
        key: Some(TWICE_KEY.into()),
        value: None,
        headers: headers.iter().map(|(n, v)| ((*n).into(), (*v).into())).collect(),
        timestamp_ms: None,
        timestamp_type: None,
    }
}

fn answer(page: &mut Page, command: Command, records: Vec<Record>) {
    let Command::Consume { tag, .. } = command else { panic!("a read back") };
    page.apply(Event::Records(Records { tag, topic: lab::TOPIC.into(), records, truncated: false }));
}

fn lab_run() -> ProduceRequest {
    ProduceRequest::lab()
}

#[test]
fn the_labs_ten_orders_tick_the_checklist_and_verify_reads_them_back() {
    let mut page = Page::default();
    assert!(ticks(&page).is_empty(), "nothing before a run");
    let outcomes: Vec<_> = (0..10).map(|n| Ok((n % 6, i64::from(n / 6)))).collect();
    run(&mut page, lab_run(), &outcomes);
    let got = ticks(&page);
    for tick in [Tick::Connected, Tick::TenSent, Tick::Flushed, Tick::PartitionOffset] {
        assert!(got.contains(&tick), "{tick:?}");
    }
    assert!(!got.contains(&Tick::Verified), "not before reading back");
    let command = verify(&page).unwrap();
    let Command::Consume { from, .. } = &command else { panic!() };
    assert_eq!(from.len(), 6, "from each partition's first offset");
    let mut records: Vec<_> = (0..10).map(|n| record(n % 6, i64::from(n / 6), &[])).collect();
    answer(&mut page, command.clone(), records.split_off(1));
    assert!(!ticks(&page).contains(&Tick::Verified), "one message missing: not verified");
    let records: Vec<_> = (0..10).map(|n| record(n % 6, i64::from(n / 6), &[])).collect();
    answer(&mut page, command, records);
    assert!(ticks(&page).contains(&Tick::Verified));
}

#[test]
fn a_failed_run_does_not_tick_connected_or_ten_sent() {
    let mut page = Page::default();
    run(&mut page, lab_run(), &[Err(("MessageTimedOut", 5000)); 10]);
    let got = ticks(&page);
    assert!(!got.contains(&Tick::Connected) && !got.contains(&Tick::TenSent));
}

#[test]
fn the_header_check_reads_back_and_tells_a_missing_header() {
    let mut page = Page::default();
    run(&mut page, lab_run(), &[Ok((2, 40)), Ok((2, 41))]);
    let Verdict::ReadBack(command) = check(Exercise::Header, &page) else { panic!("reads back first") };
    let Command::Consume { from, tag, .. } = &command else { panic!() };
    assert_eq!(from, &[StartAt { partition: 2, offset: 40, until: Some(42) }], "only the run's own span");
    assert_eq!(tag.as_deref(), Some("ex2:1"));
    answer(&mut page, command, vec![record(2, 40, &[("source", "x")]), record(2, 41, &[])]);
    let Verdict::Judged { passed, findings } = check(Exercise::Header, &page) else { panic!() };
    assert!(!passed, "no environment header: told so");
    assert_eq!(findings, [Finding::HeaderRead { with: 0, total: 2 }]);
    assert!(findings[0].text(Lang::Fr).contains("0 message(s) sur 2"));

    run(&mut page, lab_run(), &[Ok((2, 42))]);
    let Verdict::ReadBack(command) = check(Exercise::Header, &page) else { panic!() };
    answer(&mut page, command, vec![record(2, 42, &[("environment", "dev")])]);
    assert!(matches!(check(Exercise::Header, &page), Verdict::Judged { passed: true, .. }));
}

#[test]
fn brokers_down_is_answered_from_the_runs_own_failures() {
    let mut page = Page::default();
    assert!(matches!(check(Exercise::BrokerDown, &page), Verdict::Judged { passed: false, .. }));
    let (form, _) = Setup::BrokerDown.apply("test-stamp");
    run(&mut page, form.request().unwrap(), &[Err(("MessageTimedOut", 5_012)); 3]);
    let Verdict::Judged { passed, findings } = check(Exercise::BrokerDown, &page) else { panic!() };
    assert!(passed);
    let text = findings[1].text(Lang::En);
    assert!(text.contains("message.timeout.ms (5000 ms; seen: 5012 ms"), "{text}");
    assert!(findings[1].text(Lang::Fr).contains("aucune"), "the French says none too");
}

#[test]
fn a_long_run_kept_without_its_rows_is_judged_by_its_totals() {
    let mut page = Page::default();
    let outcomes: Vec<_> = (0..crate::model::HISTORY_ROWS as i64 + 1).map(|o| Ok((0, o))).collect();
    run(&mut page, lab_run(), &outcomes);
    assert!(page.history[0].rows.is_empty(), "rows dropped past the cap");
    assert!(matches!(check(Exercise::BrokerDown, &page), Verdict::Judged { passed: false, .. }), "not a failed run");
    assert!(verify(&page).is_none(), "nothing to read back without rows");
    let Verdict::Judged { passed, .. } = check(Exercise::Spread, &page) else { panic!() };
    assert!(passed, "its totals say 5001 delivered");
}

#[test]
fn order_counts_duplicates_and_messages_written_after_a_later_one() {
    let seqs = ["1", "2", "4", "3", "5", "5"];
    let records: Vec<_> = seqs.iter().enumerate().map(|(o, s)| record(0, o as i64, &[(SEQ_HEADER, s)])).collect();
    let refs: Vec<&Record> = records.iter().collect();
    assert_eq!(order_of(&refs), (1, 1));
}

#[test]
fn on_apache_kafka_idempotence_set_ups_lose_a_request_and_a_response_at_the_leader() {
    let faults = Setup::IdempotenceOff.kafka_faults(2);
    assert_eq!(
        faults,
        [
            Fault::ResetFaults,
            Fault::LoseProduceRequests { broker: 2, count: 1 },
            Fault::LoseProduceResponses { broker: 2, count: 1 },
        ]
    );
    assert_eq!(Setup::IdempotenceOn.kafka_faults(3)[2], Fault::LoseProduceResponses { broker: 3, count: 1 });
    assert!(
        Setup::IdempotenceOff.apply("s").1.iter().all(|f| f.kind() != Some(shared::protocol::FaultKind::Process)),
        "the embedded cluster's set-up has the mock's faults"
    );
    assert!(Exercise::Idempotence.on_kafka().is_some() && Exercise::Spread.on_kafka().is_none());
}

#[test]
fn idempotence_passes_on_a_clean_b_and_the_same_message_written_twice() {
    let mut page = Page::default();
    let (a, _) = Setup::IdempotenceOff.apply("a");
    let (b, _) = Setup::IdempotenceOn.apply("b");
    let (c, _) = Setup::SendTwice.apply("c");
    let a_run: Vec<_> = (0..3).map(|o| Ok((1, o))).collect();
    let b_run: Vec<_> = [3, 5, 6].into_iter().map(|o| Ok((1, o))).collect();
    run(&mut page, ProduceRequest { count: 3, ..a.request().unwrap() }, &a_run);
    run(&mut page, ProduceRequest { count: 3, ..b.request().unwrap() }, &b_run);
    assert!(matches!(check(Exercise::Idempotence, &page), Verdict::Judged { passed: false, .. }), "C is missing");
    run(&mut page, c.request().unwrap(), &[Ok((4, 7))]);
    run(&mut page, c.request().unwrap(), &[Ok((4, 8))]);
    let Verdict::ReadBack(command) = check(Exercise::Idempotence, &page) else { panic!() };
    let seq = |o: i64, s: &str, stamp: &str| record(1, o, &[(SEQ_HEADER, s), (RUN_HEADER, stamp)]);
    // A reordered (3 before 2); B in order, with another trainee's record in between
    // (not stamped by this page: left out); C at two offsets.
    let records = vec![
        seq(0, "1", "a"),
        seq(1, "3", "a"),
        seq(2, "2", "a"),
        seq(3, "1", "b"),
        record(1, 4, &[(SEQ_HEADER, "1")]),
        seq(5, "2", "b"),
        seq(6, "3", "b"),
        record(4, 7, &[(RUN_HEADER, "c")]),
        record(4, 8, &[(RUN_HEADER, "c")]),
    ];
    answer(&mut page, command, records);
    let Verdict::Judged { passed, findings } = check(Exercise::Idempotence, &page) else { panic!() };
    assert!(passed, "{findings:?}");
    assert_eq!(findings[0], Finding::Order { idempotence: false, records: 3, duplicates: 0, reordered: 1 });
    assert_eq!(findings[1], Finding::Order { idempotence: true, records: 3, duplicates: 0, reordered: 0 });
    assert_eq!(findings[2], Finding::SentTwice { offsets: vec![7, 8] });
    assert!(findings[2].text(Lang::En).contains("The lab is wrong"));
}

#[test]
fn a_first_write_before_every_reported_offset_counts_as_a_duplicate() {
    // On Apache Kafka: the response of batch 2 (messages 2 and 3) lost with the
    // connection; batch 1's request lost. The broker wrote 2, 3 at offsets 10 and 11;
    // the retries wrote 1, 2, 3 at 12 to 14, and the reports name only those.
    let mut page = Page::default();
    let (a, _) = Setup::IdempotenceOff.apply("a");
    let a_run: Vec<_> = (12..15).map(|o| Ok((1, o))).collect();
    run(&mut page, ProduceRequest { count: 3, ..a.request().unwrap() }, &a_run);
    let command = read_back_command("t", &[page.history.last().unwrap()]).unwrap();
    let Command::Consume { from, .. } = command else { panic!() };
    assert_eq!(from, [StartAt { partition: 1, offset: 9, until: Some(15) }], "from 3 (the count) earlier");
    let seq = |o: i64, s: &str| record(1, o, &[(SEQ_HEADER, s), (RUN_HEADER, "a")]);
    let records =
        vec![record(1, 9, &[(SEQ_HEADER, "1")]), seq(10, "2"), seq(11, "3"), seq(12, "1"), seq(13, "2"), seq(14, "3")];
    let kept = records_of(page.history.last().unwrap(), &records);
    assert_eq!(kept.len(), 5, "another run's record at 9 left out");
    assert_eq!(order_of(&kept), (2, 1), "2 duplicates, 1 out of order");
}

#[test]
fn performance_compares_the_same_count_in_the_same_mode() {
    let mut page = Page::default();
    let (lab_sync, _) = Setup::LabSync.apply("test-stamp");
    let (opt_sync, _) = Setup::OptimizedSync.apply("test-stamp");
    let ok: Vec<_> = (0..4).map(|o| Ok((0, o))).collect();
    run(&mut page, ProduceRequest { count: 4, ..lab_sync.request().unwrap() }, &ok);
    assert!(matches!(check(Exercise::Performance, &page), Verdict::Judged { passed: false, .. }));
    run(&mut page, ProduceRequest { count: 4, ..opt_sync.request().unwrap() }, &ok);
    let Verdict::Judged { passed, findings } = check(Exercise::Performance, &page) else { panic!() };
    assert!(passed);
    assert!(findings.iter().any(|f| matches!(f, Finding::Ratio { mode: RunMode::Sync, .. })));
}

#[test]
fn the_circuit_passes_once_it_opened_and_closed_again() {
    let mut page = Page::default();
    let (form, _) = Setup::Circuit.apply("test-stamp");
    let change = |state, at_ms| Event::Circuit(CircuitChange { run: 1, state, failures: 3, at_ms });
    page.sent = Some(form.request().unwrap());
    page.apply(Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 2, mode: RunMode::Sync });
    page.apply(change(CircuitState::Open, 6000));
    page.apply(Event::RunFinished(RunFinished {
        run: 1,
        sent: 0,
        delivered: 0,
        failed: 0,
        elapsed_ms: 1,
        stopped: true,
    }));
    let Verdict::Judged { passed, findings } = check(Exercise::CircuitBreaker, &page) else { panic!() };
    assert!(!passed, "opened but never closed");
    assert!(findings[1].text(Lang::En).contains("bring the brokers back up"));

    page.sent = Some(form.request().unwrap());
    page.apply(Event::RunStarted { run: 2, topic: lab::TOPIC.into(), count: 2, mode: RunMode::Sync });
    for (state, at) in [(CircuitState::Open, 6000), (CircuitState::HalfOpen, 9000), (CircuitState::Closed, 9100)] {
        page.apply(Event::Circuit(CircuitChange { run: 2, state, failures: 3, at_ms: at }));
    }
    page.apply(Event::RunFinished(RunFinished {
        run: 2,
        sent: 0,
        delivered: 0,
        failed: 0,
        elapsed_ms: 1,
        stopped: false,
    }));
    let Verdict::Judged { passed, findings } = check(Exercise::CircuitBreaker, &page) else { panic!() };
    assert!(passed);
    assert!(findings[0].text(Lang::Fr).contains("ouvert 6.0 s → semi-ouvert 9.0 s → fermé 9.1 s"));
}

#[test]
fn every_setup_is_a_valid_request() {
    for exercise in Exercise::ALL {
        for setup in exercise.setups() {
            let (form, _) = setup.apply("test-stamp");
            assert!(form.request().is_ok(), "{setup:?}");
        }
    }
    let (circuit, _) = Setup::Circuit.apply("test-stamp");
    assert_eq!(
        circuit.request().unwrap().circuit_breaker,
        Some(CircuitBreaker { failure_threshold: 3, open_ms: 3000 })
    );
}

#[test]
fn progress_survives_as_json_and_the_quiz_ticks_only_when_all_right() {
    let mut progress = Progress { quiz: vec![Some(1), Some(1), Some(2)], ..Progress::default() };
    progress.earn(&Page::default());
    assert!(!progress.ticks.contains(&Tick::Quiz));
    progress.quiz[2] = Some(0);
    progress.pass(Exercise::Performance);
    assert!(progress.earn(&Page::default()));
    assert!(progress.ticks.contains(&Tick::Quiz) && progress.ticks.contains(&Tick::Bonus));
    let json = serde_json::to_string(&progress).unwrap();
    assert_eq!(serde_json::from_str::<Progress>(&json).unwrap(), progress);
}

#[test]
fn a_failed_check_is_kept_with_its_short_answer_until_it_passes() {
    let mut page = Page::default();
    let mut progress = Progress::default();
    // Exercise 3 checked before any run: tried, and why it did not pass.
    let Verdict::Judged { passed: false, findings } = check(Exercise::BrokerDown, &page) else { panic!() };
    progress.fail(Exercise::BrokerDown, &findings);
    let failed = progress.failed_checks();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, "exercise:broker_down");
    assert!(!failed[0].en.is_empty() && failed[0].en != failed[0].fr, "{failed:?}");
    // A run of 10 with failures: connected and ten_sent were tried and not earned.
    let mut outcomes = vec![Ok((0, 0)); 7];
    outcomes.extend([Err(("MessageTimedOut", 5_000)); 3]);
    run(&mut page, lab_run(), &outcomes);
    assert!(progress.earn(&page));
    let ids: Vec<String> = progress.failed_checks().into_iter().map(|f| f.id).collect();
    assert_eq!(ids, ["connected", "exercise:broker_down", "ten_sent"]);
    assert_eq!(progress.failed["ten_sent"].en, "3 of 10 failed");
    assert_eq!(progress.failed["ten_sent"].fr, "3 sur 10 en échec");
    // Ten delivered: both earned, no longer failed; the exercise passes from its runs.
    run(&mut page, lab_run(), &[Ok((1, 0)); 10]);
    progress.earn(&page);
    let (form, _) = Setup::BrokerDown.apply("test-stamp");
    run(&mut page, form.request().unwrap(), &[Err(("MessageTimedOut", 5_012)); 3]);
    progress.pass(Exercise::BrokerDown);
    progress.earn(&page);
    assert!(progress.failed.is_empty(), "{:?}", progress.failed);
    // The quiz answered with one wrong.
    progress.quiz = vec![Some(1), Some(0), Some(0)];
    progress.earn(&page);
    assert_eq!(progress.failed["quiz"].en, "2 of 3 right");
}

#[test]
fn a_short_answer_is_cut_to_what_the_protocol_carries() {
    let findings = vec![Finding::SentTwice { offsets: (0..200).collect() }];
    let answer = short_answer("exercise:idempotence".into(), &findings);
    assert!(answer.en.len() <= MAX_ANSWER_LEN && answer.en.ends_with('…'), "{}", answer.en);
    assert!(answer.fr.starts_with("envoyé deux fois : offsets 0, 1, 2"));
}
