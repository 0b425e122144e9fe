//! The script's steps, each given what the page would see and the time.

use shared::protocol::{BrokerState, Delivered, Event, Failed, Persistence, Record, RunFinished};

use super::*;
use crate::model::Page;

fn broker(id: i32, running: bool) -> BrokerState {
    BrokerState {
        id,
        up: running,
        rtt_ms: 0,
        process: Some(if running { BrokerProcess::Running } else { BrokerProcess::Stopped }),
    }
}

fn cluster(leader: i32, in_sync: usize, down: Option<i32>) -> ClusterState {
    ClusterState {
        faults: Some(shared::protocol::FaultKind::Process),
        brokers: (1..=3).map(|id| broker(id, Some(id) != down)).collect(),
        leaders: vec![leader; 6],
        isr: vec![(1..=in_sync as i32).collect(); 6],
        injected: None,
        ..ClusterState::default()
    }
}

/// A page that ran `request` and got `outcomes` (offset, or failed).
fn page_after(request: ProduceRequest, outcomes: &[Option<i64>]) -> Page {
    let mut page = Page { sent: Some(request.clone()), ..Page::default() };
    let topic = request.topic.clone();
    page.apply(Event::RunStarted { run: 1, topic: topic.clone(), count: request.count, mode: request.mode });
    for (i, outcome) in outcomes.iter().enumerate() {
        let seq = i as u64 + 1;
        page.apply(match outcome {
            Some(offset) => Event::Delivered(Delivered {
                run: 1,
                seq,
                key: None,
                topic: topic.clone(),
                partition: PARTITION,
                offset: Some(*offset),
                timestamp_ms: 0,
                log_append_time_ms: None,
                latency_us: 1_000,
                reported_us: 0,
            }),
            None => Event::Failed(Failed {
                run: 1,
                seq,
                key: None,
                error: "MessageTimedOut".into(),
                message: "timed out".into(),
                retriable: true,
                persistence: Persistence::PossiblyPersisted,
                latency_us: 1_000,
            }),
        });
    }
    let delivered = outcomes.iter().filter(|o| o.is_some()).count() as u64;
    let sent = outcomes.len() as u64;
    let failed = sent - delivered;
    page.apply(Event::RunFinished(RunFinished { run: 1, sent, delivered, failed, elapsed_ms: 10, stopped: false }));
    page
}

fn look(script: &mut AcksLoss, now_ms: f64, cluster: &ClusterState, page: Option<&Page>) -> Vec<Action> {
    let empty = BTreeMap::new();
    script.step(&Seen {
        now_ms,
        cluster: Some(cluster),
        run: page.and_then(|p| p.run.as_ref()),
        running: false,
        reads: page.map_or(&empty, |p| &p.reads),
    })
}

fn produced(actions: &[Action]) -> ProduceRequest {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Produce(r) => Some(r.clone()),
            Action::Send(_) => None,
        })
        .expect("a run")
}

/// One attempt from the start: the leader is broker 2; `acked` messages are
/// acknowledged at offsets from 1; the read-back finds `kept` of them.
fn attempt(script: &mut AcksLoss, t: &mut f64, acked: usize, kept: usize) {
    let whole = cluster(2, 3, None);
    let warm_up = produced(&look(script, *t, &whole, None));
    assert_eq!((warm_up.count, warm_up.partition), (1, Some(PARTITION)));
    *t += 100.0;
    let warmed = page_after(warm_up, &[Some(0)]);
    let frozen = look(script, *t, &whole, Some(&warmed));
    assert_eq!(
        frozen,
        [
            Action::Send(Command::from(Fault::PauseBroker { broker: 1 })),
            Action::Send(Command::from(Fault::PauseBroker { broker: 3 })),
        ],
        "both followers frozen first"
    );
    assert!(look(script, *t + SETTLE_MS - 1.0, &whole, Some(&warmed)).is_empty(), "their last fetch expires");
    *t += SETTLE_MS;
    let run = produced(&look(script, *t, &whole, Some(&warmed)));
    assert_eq!(run.count, MESSAGES);
    let outcomes: Vec<Option<i64>> = (0..MESSAGES as usize).map(|i| (i < acked).then_some(i as i64 + 1)).collect();
    let page = page_after(run.clone(), &outcomes);
    *t += 50.0;
    let crash = look(script, *t, &whole, Some(&page));
    assert_eq!(crash[0], Action::Send(Command::from(Fault::StopBroker { broker: 2, how: Shutdown::Crash })));
    assert_eq!(crash.len(), 3, "the leader crashed, both followers resumed: {crash:?}");
    *t += 100.0;
    assert!(look(script, *t, &cluster(2, 1, Some(2)), Some(&page)).is_empty(), "not before a follower leads");
    let restart = look(script, *t, &cluster(3, 2, Some(2)), Some(&page));
    assert_eq!(restart, [Action::Send(Command::from(Fault::StartBroker { broker: 2 }))]);
    *t += 10_000.0;
    assert!(look(script, *t, &cluster(3, 2, None), Some(&page)).is_empty(), "not before it is back in sync");
    let read = look(script, *t, &cluster(3, 3, None), Some(&page));
    if acked == 0 {
        assert!(read.is_empty(), "nothing acknowledged, nothing to read back");
        return;
    }
    let Some(Action::Send(Command::Consume { from, tag: Some(tag), .. })) = read.first() else {
        panic!("a read-back: {read:?}")
    };
    assert_eq!(from, &[StartAt { partition: PARTITION, offset: 1, until: Some(acked as i64 + 1) }]);
    let mut page = page;
    // The kept ones, then records of another run at the offsets of the lost ones (a
    // later run's, written after the truncation): not the acknowledged messages.
    let records = (1..=acked)
        .map(|seq| Record {
            partition: PARTITION,
            offset: seq as i64,
            key: None,
            value: Some(if seq <= kept { script.value(&seq.to_string()) } else { format!("other-{seq}") }),
            headers: Vec::new(),
            timestamp_ms: None,
            timestamp_type: None,
        })
        .collect();
    page.apply(Event::Records(Records { tag: Some(tag.clone()), topic: run.topic, records, truncated: false }));
    *t += 100.0;
    assert!(look(script, *t, &cluster(3, 3, None), Some(&page)).is_empty());
}

#[test]
fn acks_1_is_tried_until_it_loses_then_acks_all_once() {
    let mut t = 0.0;
    let mut script = AcksLoss::new("orders.created", "t1", t);
    // acks=1, first attempt: every acknowledged message survived.
    attempt(&mut script, &mut t, 200, 200);
    assert_eq!((script.acks, script.attempt, &script.phase), (Acks::One, 2, &Phase::InSync));
    // Second: the 200 acknowledged are gone, and it moves on to acks=all.
    attempt(&mut script, &mut t, 200, 0);
    let lost = &script.attempts[1].lost;
    assert_eq!((lost.len(), lost[0], lost[199]), (200, (1, 1), (200, 200)));
    assert_eq!((script.acks, script.attempt), (Acks::All, 1));
    assert_eq!(script.acks_one().map(|a| a.number), Some(2), "the attempt that showed it");
    // acks=all: all 200 read back.
    attempt(&mut script, &mut t, 200, 200);
    assert_eq!(script.phase, Phase::Done);
    assert_eq!(script.acks_all().map(|a| (a.acked.len(), a.lost.len())), Some((200, 0)));
}

#[test]
fn acks_1_stops_after_its_attempts_and_another_runs_record_at_an_offset_counts_as_lost() {
    let mut t = 0.0;
    let mut script = AcksLoss::new("orders.created", "t2", t);
    for _ in 0..ATTEMPTS {
        attempt(&mut script, &mut t, 3, 3);
    }
    assert_eq!((script.acks, script.attempts.len()), (Acks::All, 3), "three attempts of acks=1 that lost nothing");
    // acks=all, with 5 acknowledged: the read-back finds 2 of them, and other
    // records at offsets 3 to 5.
    attempt(&mut script, &mut t, 5, 2);
    let lost = &script.acks_all().expect("acks=all's attempt").lost;
    assert_eq!(lost, &[(3, 3), (4, 4), (5, 5)]);
    assert_eq!(offset_ranges(lost.iter().map(|l| l.1)), "3–5");
    assert_eq!(offset_ranges([7, 1, 2, 3, 9, 8, 5]), "1–3, 5, 7–9");
}

#[test]
fn the_run_waits_for_a_whole_cluster_and_a_stuck_one_gives_up_with_faults_reset() {
    let mut script = AcksLoss::new("orders.created", "t4", 0.0);
    assert!(look(&mut script, 1_000.0, &cluster(2, 2, None), None).is_empty(), "an ISR short of a replica");
    let reset = look(&mut script, IN_SYNC_MS + 1.0, &cluster(2, 2, None), None);
    assert_eq!(reset, [Action::Send(Command::from(Fault::ResetFaults))]);
    assert_eq!(script.phase, Phase::GaveUp(Stuck::NotInSync));
    assert!(!script.going());
}

#[test]
fn the_leader_is_crashed_after_the_frozen_time_when_nothing_is_acknowledged() {
    let mut script = AcksLoss::new("orders.created", "t5", 0.0);
    script.acks = Acks::All;
    let whole = cluster(1, 3, None);
    let warm_up = produced(&look(&mut script, 0.0, &whole, None));
    assert!(warm_up.settings.enable_idempotence, "acks=all's attempt is idempotent");
    let warmed = page_after(warm_up, &[Some(0)]);
    assert_eq!(look(&mut script, 10.0, &whole, Some(&warmed)).len(), 2, "the followers frozen");
    let run = produced(&look(&mut script, 10.0 + SETTLE_MS, &whole, Some(&warmed)));
    // The run goes on, nothing acknowledged (the followers are frozen).
    let mut page = Page { sent: Some(run), ..Page::default() };
    page.apply(Event::RunStarted { run: 2, topic: "orders.created".into(), count: MESSAGES, mode: RunMode::Pipelined });
    let seen =
        |now_ms| Seen { now_ms, cluster: Some(&whole), run: page.run.as_ref(), running: true, reads: &page.reads };
    let sent_at = 10.0 + SETTLE_MS;
    assert!(script.step(&seen(sent_at + FROZEN_MS - 1.0)).is_empty());
    let crash = script.step(&seen(sent_at + FROZEN_MS));
    assert_eq!(crash[0], Action::Send(Command::from(Fault::StopBroker { broker: 1, how: Shutdown::Crash })));
}
