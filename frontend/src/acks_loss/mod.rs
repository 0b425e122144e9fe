//! The acks=1 loss experiment, on Apache Kafka started by the playground: a partition's
//! leader acknowledges a run while both its followers are frozen, then crashes; a
//! follower, which never had those messages, is elected, and the old leader truncates its
//! log to the new one's when it comes back. The read-back then names the acknowledged
//! offsets that are gone. The same with acks=all loses none: nothing is acknowledged
//! until the replicas have it, and the producer retries on the new leader.
//!
//! A script of plain steps: [`AcksLoss::step`] is given what the page sees (the cluster's
//! metadata, the run, the records read back) and the time, and says what to send next.
//! The trainee's own run and read-back are the evidence; nothing here is modelled.

use std::collections::BTreeMap;

use shared::protocol::{
    BrokerProcess, ClusterState, Command, Fault, ProduceRequest, Records, RunMode, Shutdown, StartAt,
};
use shared::settings::{Acks, ProducerSettings};

use crate::model::Run;

/// The partition the experiment sends to.
pub const PARTITION: i32 = 0;

/// Messages each attempt sends.
pub const MESSAGES: u32 = 200;

/// Attempts of acks=1 before saying the loss did not show: it depends on timing.
pub const ATTEMPTS: u32 = 3;

/// How long the run goes on with the followers frozen before the leader is crashed: the
/// controller fences a broker whose heartbeats stop for 9 s (`broker.session.timeout.ms`),
/// after which a frozen follower could no longer be elected.
pub const FROZEN_MS: f64 = 7_000.0;

/// How long the followers stay frozen before the run: a follower's last fetch request,
/// sent before it froze, waits at the leader for up to `replica.fetch.wait.max.ms` (500
/// ms) and would be answered with the run's first messages, which would then wait in the
/// frozen follower's socket and reach it when it resumes. Measured here: sent at once, the
/// run survived the crash in 2 attempts of 3.
pub const SETTLE_MS: f64 = 1_500.0;

/// Longest wait for every replica to be in sync, before an attempt and after a restart
/// (a broker's JVM starts, then catches up).
const IN_SYNC_MS: f64 = 120_000.0;

/// Longest wait for the run to end and a follower to lead after the crash: acks=all's
/// messages are retried for up to their `message.timeout.ms` (120 s).
const FAILOVER_MS: f64 = 150_000.0;

/// Longest wait for a one-message run or a read-back.
const ANSWER_MS: f64 = 60_000.0;

/// Where the script is.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Waiting for every broker to run and every replica to be in sync.
    InSync,
    /// One message with the attempt's settings, so that the producer is connected to
    /// the leader and the run starts at once.
    WarmUp,
    /// The followers frozen (SIGSTOP), for [`SETTLE_MS`] before the run.
    Pausing,
    /// The run sent to the leader alone: until it ends or [`FROZEN_MS`].
    Frozen,
    /// The leader crashed (SIGKILL) and the followers resumed: until the run has ended
    /// and a follower leads the partition.
    Failover,
    /// The old leader started again: until it is back in sync (it truncates its log to
    /// the new leader's first).
    Rejoin,
    /// The partition read back from the first acknowledged offset.
    ReadBack,
    /// Both acks levels measured.
    Done,
    /// Something did not happen in time; the faults were reset.
    GaveUp(Stuck),
}

/// What did not happen in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stuck {
    /// The replicas did not all come in sync.
    NotInSync,
    /// The one-message run before the faults was not delivered.
    WarmUpFailed,
    /// No follower was elected, or the run did not end.
    NoFailover,
    /// The read-back did not answer.
    NoReadBack,
    /// The trainee stopped it.
    Stopped,
}

/// What the script asks the page to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Send a command.
    Send(Command),
    /// Start a run (the page shows it as any other).
    Produce(ProduceRequest),
}

/// One attempt's evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    /// acks=1 or acks=all.
    pub acks: Acks,
    /// Its number, from 1, within its acks level.
    pub number: u32,
    /// The broker that led the partition and was crashed.
    pub leader: i32,
    /// Messages sent.
    pub sent: u32,
    /// Messages that failed (their delivery report said so).
    pub failed: usize,
    /// Acknowledged messages: number in the run and offset.
    pub acked: Vec<(u64, i64)>,
    /// Of those, the ones the read-back did not find at their offset.
    pub lost: Vec<(u64, i64)>,
}

/// What the page sees, each time the script looks.
pub struct Seen<'a> {
    /// Now, in milliseconds.
    pub now_ms: f64,
    /// The cluster's last state.
    pub cluster: Option<&'a ClusterState>,
    /// The page's current or last run.
    pub run: Option<&'a Run>,
    /// Whether a run is going on.
    pub running: bool,
    /// Records read back, by tag.
    pub reads: &'a BTreeMap<String, Records>,
}

/// The experiment: where it is and what it found.
#[derive(Clone, Debug, PartialEq)]
pub struct AcksLoss {
    /// Where it is.
    pub phase: Phase,
    /// When the phase began, ms.
    since_ms: f64,
    /// The acks level being measured.
    pub acks: Acks,
    /// The attempt at this level, from 1.
    pub attempt: u32,
    /// Tells this experiment's messages from any earlier ones on the partition.
    token: String,
    /// The topic.
    topic: String,
    /// The partition's leader, crashed in this attempt.
    pub leader: i32,
    /// Its followers, frozen in this attempt.
    pub followers: Vec<i32>,
    /// Every attempt so far.
    pub attempts: Vec<Attempt>,
}

/// Whether every broker runs and every partition has all its replicas in sync.
fn all_in_sync(cluster: &ClusterState) -> bool {
    !cluster.isr.is_empty()
        && cluster.brokers.iter().all(|b| b.up && b.process.is_none_or(|p| p == BrokerProcess::Running))
        && cluster.isr.iter().all(|isr| isr.len() == cluster.brokers.len())
}

/// The attempt's settings: the lab's, with acks as measured. acks=1 waits up to a minute
/// for the leader; acks=all is idempotent and retries for two minutes, so that its
/// messages reach the new leader, in order and once.
pub fn settings(acks: Acks) -> ProducerSettings {
    match acks {
        Acks::All => ProducerSettings {
            acks: Acks::All,
            enable_idempotence: true,
            max_in_flight: 5,
            message_send_max_retries: 1_000,
            message_timeout_ms: 120_000,
            ..ProducerSettings::default()
        },
        acks => ProducerSettings { acks, message_timeout_ms: 60_000, ..ProducerSettings::default() },
    }
}

/// `acks=1` or `acks=all`.
pub fn acks_name(acks: Acks) -> &'static str {
    match acks {
        Acks::Zero => "acks=0",
        Acks::One => "acks=1",
        Acks::All => "acks=all",
    }
}

/// Offsets as ranges: `1–3, 7`.
pub fn offset_ranges(offsets: impl IntoIterator<Item = i64>) -> String {
    let mut offsets: Vec<i64> = offsets.into_iter().collect();
    offsets.sort_unstable();
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for o in offsets {
        match ranges.last_mut() {
            Some((_, end)) if o == *end + 1 => *end = o,
            Some((_, end)) if o == *end => {}
            _ => ranges.push((o, o)),
        }
    }
    let shown: Vec<String> =
        ranges.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}–{b}") }).collect();
    shown.join(", ")
}

impl AcksLoss {
    /// A new experiment on `topic`, told apart from earlier ones by `token` (the time it
    /// began will do).
    pub fn new(topic: &str, token: &str, now_ms: f64) -> Self {
        Self {
            phase: Phase::InSync,
            since_ms: now_ms,
            acks: Acks::One,
            attempt: 1,
            token: token.to_owned(),
            topic: topic.to_owned(),
            leader: -1,
            followers: Vec::new(),
            attempts: Vec::new(),
        }
    }

    /// Whether it is still going.
    pub fn going(&self) -> bool {
        !matches!(self.phase, Phase::Done | Phase::GaveUp(_))
    }

    /// The value of message `i` of this attempt's run (`{i}` in a template).
    fn value(&self, i: &str) -> String {
        format!(
            "{{\"experiment\":\"acks-loss\",\"run\":\"{} #{} {}\",\"order\":{i}}}",
            acks_name(self.acks),
            self.attempt,
            self.token
        )
    }

    /// The run of this attempt: `count` messages to the partition, pipelined.
    fn request(&self, count: u32) -> ProduceRequest {
        ProduceRequest {
            topic: self.topic.clone(),
            count,
            partition: Some(PARTITION),
            mode: RunMode::Pipelined,
            settings: settings(self.acks),
            value_template: self.value(if count == 1 { "0" } else { "{i}" }),
            ..ProduceRequest::lab()
        }
    }

    /// The tag of this attempt's read-back.
    fn tag(&self) -> String {
        format!("acks-loss {} #{} {}", acks_name(self.acks), self.attempt, self.token)
    }

    /// The page's run, if it is this attempt's run of `count` messages and it ended.
    fn finished<'a>(&self, seen: &Seen<'a>, count: u32) -> Option<&'a Run> {
        let run = seen.run?;
        let ours = run.request.as_ref().is_some_and(|r| *r == self.request(count));
        (ours && run.finished.is_some()).then_some(run)
    }

    fn enter(&mut self, phase: Phase, now_ms: f64) {
        self.phase = phase;
        self.since_ms = now_ms;
    }

    /// Gives up: every fault reset, so the cluster is whole again.
    fn give_up(&mut self, stuck: Stuck, now_ms: f64) -> Vec<Action> {
        self.enter(Phase::GaveUp(stuck), now_ms);
        vec![Action::Send(Command::from(Fault::ResetFaults))]
    }

    /// Stops the experiment where it is, every fault reset.
    pub fn stop(&mut self, now_ms: f64) -> Vec<Action> {
        self.give_up(Stuck::Stopped, now_ms)
    }

    /// One look at the page: what to send now, if anything.
    pub fn step(&mut self, seen: &Seen<'_>) -> Vec<Action> {
        let now = seen.now_ms;
        let waited = now - self.since_ms;
        match self.phase {
            Phase::InSync => {
                let Some(cluster) = seen.cluster.filter(|c| all_in_sync(c)) else {
                    return if waited > IN_SYNC_MS { self.give_up(Stuck::NotInSync, now) } else { Vec::new() };
                };
                if seen.running {
                    return Vec::new();
                }
                let Some(&leader) = cluster.leaders.get(PARTITION as usize) else { return Vec::new() };
                self.leader = leader;
                self.followers = cluster.brokers.iter().map(|b| b.id).filter(|id| *id != leader).collect();
                self.enter(Phase::WarmUp, now);
                vec![Action::Produce(self.request(1))]
            }
            Phase::WarmUp => match self.finished(seen, 1) {
                Some(run) if run.delivered() == 1 => {
                    self.enter(Phase::Pausing, now);
                    (self.followers.iter())
                        .map(|&broker| Action::Send(Command::from(Fault::PauseBroker { broker })))
                        .collect()
                }
                Some(_) => self.give_up(Stuck::WarmUpFailed, now),
                None if waited > ANSWER_MS => self.give_up(Stuck::WarmUpFailed, now),
                None => Vec::new(),
            },
            Phase::Pausing if waited < SETTLE_MS => Vec::new(),
            Phase::Pausing => {
                self.enter(Phase::Frozen, now);
                vec![Action::Produce(self.request(MESSAGES))]
            }
            Phase::Frozen => {
                if self.finished(seen, MESSAGES).is_none() && waited < FROZEN_MS {
                    return Vec::new();
                }
                let crash = Fault::StopBroker { broker: self.leader, how: Shutdown::Crash };
                let mut actions = vec![Action::Send(Command::from(crash))];
                actions.extend(
                    (self.followers.iter()).map(|&broker| Action::Send(Command::from(Fault::ResumeBroker { broker }))),
                );
                self.enter(Phase::Failover, now);
                actions
            }
            Phase::Failover => {
                let led_by_a_follower = seen
                    .cluster
                    .and_then(|c| c.leaders.get(PARTITION as usize))
                    .is_some_and(|l| *l != self.leader && self.followers.contains(l));
                match self.finished(seen, MESSAGES) {
                    Some(run) if led_by_a_follower => {
                        let acked: Vec<(u64, i64)> = (run.rows.iter())
                            .filter(|r| r.failure.is_none())
                            .filter_map(|r| Some((r.seq, r.offset?)))
                            .collect();
                        self.attempts.push(Attempt {
                            acks: self.acks,
                            number: self.attempt,
                            leader: self.leader,
                            sent: MESSAGES,
                            failed: run.failed(),
                            acked,
                            lost: Vec::new(),
                        });
                        self.enter(Phase::Rejoin, now);
                        vec![Action::Send(Command::from(Fault::StartBroker { broker: self.leader }))]
                    }
                    _ if waited > FAILOVER_MS => self.give_up(Stuck::NoFailover, now),
                    _ => Vec::new(),
                }
            }
            Phase::Rejoin => {
                if !seen.cluster.is_some_and(all_in_sync) {
                    return if waited > IN_SYNC_MS { self.give_up(Stuck::NotInSync, now) } else { Vec::new() };
                }
                let acked = self.attempts.last().map(|a| a.acked.clone()).unwrap_or_default();
                let (Some(first), Some(last)) = (acked.iter().map(|a| a.1).min(), acked.iter().map(|a| a.1).max())
                else {
                    return self.next(now);
                };
                self.enter(Phase::ReadBack, now);
                let from = vec![StartAt { partition: PARTITION, offset: first, until: Some(last + 1) }];
                let read =
                    Command::Consume { topic: self.topic.clone(), max: MESSAGES * 2, from, tag: Some(self.tag()) };
                vec![Action::Send(read)]
            }
            Phase::ReadBack => match seen.reads.get(&self.tag()) {
                Some(records) => {
                    let found: BTreeMap<i64, &str> = (records.records.iter())
                        .filter(|r| r.partition == PARTITION)
                        .map(|r| (r.offset, r.value.as_deref().unwrap_or("")))
                        .collect();
                    let acked = self.attempts.last().map(|a| a.acked.as_slice()).unwrap_or_default();
                    let lost = (acked.iter())
                        .filter(|(seq, offset)| found.get(offset).is_none_or(|v| *v != self.value(&seq.to_string())))
                        .copied()
                        .collect();
                    if let Some(attempt) = self.attempts.last_mut() {
                        attempt.lost = lost;
                    }
                    self.next(now)
                }
                None if waited > ANSWER_MS => self.give_up(Stuck::NoReadBack, now),
                None => Vec::new(),
            },
            Phase::Done | Phase::GaveUp(_) => Vec::new(),
        }
    }

    /// After an attempt: acks=1 again while it lost nothing (up to [`ATTEMPTS`]), then
    /// acks=all once, then done.
    fn next(&mut self, now: f64) -> Vec<Action> {
        let lost_some = self.attempts.last().is_some_and(|a| !a.lost.is_empty());
        match self.acks {
            Acks::One if !lost_some && self.attempt < ATTEMPTS => self.attempt += 1,
            Acks::One => {
                self.acks = Acks::All;
                self.attempt = 1;
            }
            _ => {
                self.enter(Phase::Done, now);
                return Vec::new();
            }
        }
        self.enter(Phase::InSync, now);
        Vec::new()
    }

    /// The acks=1 attempt that shows the loss, or the last one.
    pub fn acks_one(&self) -> Option<&Attempt> {
        let ones = || self.attempts.iter().filter(|a| a.acks == Acks::One);
        ones().find(|a| !a.lost.is_empty()).or_else(|| ones().next_back())
    }

    /// The acks=all attempt.
    pub fn acks_all(&self) -> Option<&Attempt> {
        self.attempts.iter().find(|a| a.acks == Acks::All)
    }
}

#[cfg(test)]
mod tests;
