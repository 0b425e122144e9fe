//! What a message passes before it goes to Kafka: the run's circuit breaker (Exercise 6)
//! and the server's limit of messages in flight across every session.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shared::protocol::{CircuitBreaker, CircuitState};

use super::breaker::{Admit, Breaker};

/// Messages in flight (`--max-in-flight` across every session, or one session's share of
/// it, `--max-in-flight-per-session`): each message holds a place from its send to its
/// delivery report, so a class of pipelined runs cannot queue more than this in the
/// server's memory, and one trainee whose messages wait for a broker that is down cannot
/// hold every place; past it, sends wait. A counter, not a semaphore: taking and giving
/// back a place is one atomic operation on the hot path (a semaphore's lock, taken from
/// two threads per message, cost the throughput).
pub struct InFlightLimit {
    max: u64,
    now: AtomicU64,
    peak: AtomicU64,
    /// Sends waiting for a place: only then does a delivery wake them.
    waiting: AtomicU64,
    freed: tokio::sync::Notify,
    /// The limit this one is a share of: a place here is a place there too.
    whole: Option<Arc<InFlightLimit>>,
}

/// One message's place under the [`InFlightLimit`], given back when it is dropped.
pub struct InFlightTicket {
    limit: Arc<InFlightLimit>,
}

/// The limit a send found full: its most places, and whether it is the whole server's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full {
    /// Its places.
    pub max: u64,
    /// True for the whole server's limit, false for the session's share of it.
    pub whole: bool,
}

impl InFlightLimit {
    /// A limit of `max` messages in flight.
    pub fn new(max: u32) -> Arc<Self> {
        Self::with_whole(max, None)
    }

    /// A share of `whole`: at most `max` of its places.
    pub fn share_of(whole: &Arc<Self>, max: u32) -> Arc<Self> {
        Self::with_whole(max, Some(Arc::clone(whole)))
    }

    fn with_whole(max: u32, whole: Option<Arc<Self>>) -> Arc<Self> {
        Arc::new(Self {
            max: u64::from(max.max(1)),
            now: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            waiting: AtomicU64::new(0),
            freed: tokio::sync::Notify::new(),
            whole,
        })
    }

    /// The most messages in flight.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Messages in flight now.
    pub fn now(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }

    /// The most messages that were in flight at once.
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// A place here only, if there is one.
    fn take_here(&self) -> bool {
        let taken = self.now.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < self.max).then_some(n + 1));
        let Ok(before) = taken else { return false };
        self.peak.fetch_max(before + 1, Ordering::Relaxed);
        true
    }

    /// Gives a place back here only, and wakes a send waiting for one.
    fn give_back_here(&self) {
        // SeqCst with the waiter's side: either it sees the place, or this sees it waiting.
        self.now.fetch_sub(1, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.freed.notify_one();
        }
    }

    /// A place now (here and in the whole limit), or the limit that is full.
    fn try_place(self: &Arc<Self>) -> Result<InFlightTicket, &Self> {
        if !self.take_here() {
            return Err(self);
        }
        if let Some(whole) = &self.whole
            && !whole.take_here()
        {
            self.give_back_here();
            return Err(whole);
        }
        Ok(InFlightTicket { limit: Arc::clone(self) })
    }

    /// A place now, if there is one.
    pub fn try_take(self: &Arc<Self>) -> Option<InFlightTicket> {
        self.try_place().ok()
    }

    /// A place, once a delivery report frees one.
    pub async fn take(self: &Arc<Self>) -> InFlightTicket {
        loop {
            let full = match self.try_place() {
                Ok(ticket) => return ticket,
                Err(full) => full,
            };
            // Counted as waiting until dropped: also when this future is dropped while
            // parked (a run looks every 100 ms whether it was stopped), or deliveries
            // would go on notifying a waiter that left.
            let _waiting = Waiting::on(full);
            let freed = full.freed.notified();
            tokio::pin!(freed);
            // Registered before the second look: a place freed in between wakes it.
            freed.as_mut().enable();
            let ticket = self.try_place().ok();
            if ticket.is_none() {
                freed.await;
            }
            if let Some(ticket) = ticket {
                return ticket;
            }
        }
    }
}

/// A send counted as waiting on a limit, until dropped.
struct Waiting<'a>(&'a InFlightLimit);

impl<'a> Waiting<'a> {
    fn on(limit: &'a InFlightLimit) -> Self {
        limit.waiting.fetch_add(1, Ordering::SeqCst);
        Self(limit)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drop for InFlightTicket {
    fn drop(&mut self) {
        self.limit.give_back_here();
        if let Some(whole) = &self.limit.whole {
            whole.give_back_here();
        }
    }
}

/// What the gate says of the next message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Send it; `trial`: as the half-open circuit's one trial, whose outcome alone decides.
    Send {
        /// The half-open trial.
        trial: bool,
    },
    /// Fail it at once, unsent: the circuit is open after `failures` failures in a row.
    CircuitOpen {
        /// Failures in a row.
        failures: u32,
    },
}

/// A change of the circuit's state, for the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitChanged {
    /// The new state.
    pub state: CircuitState,
    /// Failures in a row when it changed.
    pub failures: u32,
}

/// A place under the in-flight limit, as [`Gate::place`] found it.
pub struct Place {
    /// The place, given back with the message's delivery report; `None` without a limit.
    pub ticket: Option<InFlightTicket>,
    /// True when the run had to wait for it.
    pub waited: bool,
    /// The limit that was full, the first time this run waits: the page is told once.
    pub first_wait: Option<Full>,
}

impl Place {
    /// A place taken without waiting (`None` without a limit).
    fn at_once(ticket: Option<InFlightTicket>) -> Self {
        Self { ticket, waited: false, first_wait: None }
    }
}

/// The run was stopped while waiting for a place.
#[derive(Debug, PartialEq, Eq)]
pub struct Stopped;

/// A run's circuit breaker, if it has one, and its share of the in-flight limit.
pub struct Gate {
    /// Touched by the send loop and by librdkafka's delivery thread.
    breaker: Option<Mutex<Breaker>>,
    in_flight: Option<Arc<InFlightLimit>>,
    /// Whether the page was told that the run waits for the in-flight limit.
    told_limit: AtomicBool,
}

/// How often a run waiting for a place looks whether it was stopped.
const STOP_CHECK: Duration = Duration::from_millis(100);

impl Gate {
    /// A gate with the run's circuit breaker settings and the session's share of the
    /// server's in-flight limit.
    pub fn new(breaker: Option<CircuitBreaker>, in_flight: Option<Arc<InFlightLimit>>) -> Self {
        Self { breaker: breaker.map(|b| Mutex::new(Breaker::new(b))), in_flight, told_limit: AtomicBool::new(false) }
    }

    fn breaker(&self) -> Option<std::sync::MutexGuard<'_, Breaker>> {
        self.breaker.as_ref().map(|b| b.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// What to do with the next message, the time being `now()`; the circuit's change,
    /// if any. Without a breaker the clock is not read: a clock read per message is a
    /// cost at a million messages a second.
    pub fn admit(&self, now: impl FnOnce() -> Instant) -> (Admission, Option<CircuitChanged>) {
        let Some(mut breaker) = self.breaker() else { return (Admission::Send { trial: false }, None) };
        let (admit, change) = breaker.admit(now());
        let failures = breaker.failures();
        let admission = match admit {
            Admit::Send => Admission::Send { trial: false },
            Admit::Trial => Admission::Send { trial: true },
            Admit::Refuse => Admission::CircuitOpen { failures },
        };
        (admission, change.map(|state| CircuitChanged { state, failures }))
    }

    /// Tells the circuit breaker how a message ended, the time being `now()` (read only
    /// with a breaker); the circuit's change, if any.
    pub fn outcome(&self, delivered: bool, trial: bool, now: impl FnOnce() -> Instant) -> Option<CircuitChanged> {
        let mut breaker = self.breaker()?;
        let state = breaker.outcome(delivered, trial, now())?;
        Some(CircuitChanged { state, failures: breaker.failures() })
    }

    /// The circuit's state, when the run has a breaker.
    pub fn circuit(&self) -> Option<CircuitState> {
        self.breaker().map(|b| b.state())
    }

    /// A place under the in-flight limit for the next message, if there is one now.
    pub fn place_now(&self) -> Option<Place> {
        let Some(limit) = &self.in_flight else { return Some(Place::at_once(None)) };
        limit.try_take().map(|ticket| Place::at_once(Some(ticket)))
    }

    /// A place under the in-flight limit for the next message: at once when there is
    /// one; else waits for deliveries, looking every 100 ms whether `stop` was set.
    pub async fn place(&self, stop: &AtomicBool) -> Result<Place, Stopped> {
        let Some(limit) = &self.in_flight else { return Ok(Place::at_once(None)) };
        let full = match limit.try_place() {
            Ok(ticket) => return Ok(Place::at_once(Some(ticket))),
            Err(full) => Full { max: full.max, whole: full.whole.is_none() },
        };
        let first_wait = (!self.told_limit.swap(true, Ordering::Relaxed)).then_some(full);
        loop {
            match tokio::time::timeout(STOP_CHECK, limit.take()).await {
                Ok(ticket) => return Ok(Place { ticket: Some(ticket), waited: true, first_wait }),
                Err(_) if stop.load(Ordering::Relaxed) => return Err(Stopped),
                Err(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_breaker_every_message_is_sent() {
        let gate = Gate::new(None, None);
        let no_clock = || -> Instant { panic!("the clock is read without a breaker") };
        assert_eq!(gate.admit(no_clock), (Admission::Send { trial: false }, None));
        assert_eq!(gate.outcome(false, false, no_clock), None);
        assert_eq!(gate.circuit(), None);
    }

    #[test]
    fn the_breaker_opens_refuses_then_lets_a_trial_through() {
        let gate = Gate::new(Some(CircuitBreaker { failure_threshold: 2, open_ms: 1000 }), None);
        let t = Instant::now();
        assert_eq!(gate.outcome(false, false, || t), None);
        let opened = gate.outcome(false, false, || t);
        assert_eq!(opened, Some(CircuitChanged { state: CircuitState::Open, failures: 2 }));
        assert_eq!(gate.admit(|| t + Duration::from_millis(999)).0, Admission::CircuitOpen { failures: 2 });
        let (admission, change) = gate.admit(|| t + Duration::from_millis(1000));
        assert_eq!(admission, Admission::Send { trial: true });
        assert_eq!(change.map(|c| c.state), Some(CircuitState::HalfOpen));
        let closed = gate.outcome(true, true, || t + Duration::from_millis(1100));
        assert_eq!(closed, Some(CircuitChanged { state: CircuitState::Closed, failures: 0 }));
    }

    #[test]
    fn the_in_flight_limit_counts_places_and_its_peak() {
        let limit = InFlightLimit::new(2);
        let a = limit.try_take().unwrap();
        let b = limit.try_take().unwrap();
        assert!(limit.try_take().is_none(), "two places only");
        drop(a);
        assert_eq!((limit.now(), limit.peak()), (1, 2));
        drop(b);
        assert_eq!(limit.now(), 0);
    }

    #[test]
    fn a_share_holds_its_places_in_the_whole_limit_too() {
        let whole = InFlightLimit::new(3);
        let alice = InFlightLimit::share_of(&whole, 2);
        let bob = InFlightLimit::share_of(&whole, 2);
        let a1 = alice.try_take().unwrap();
        let _a2 = alice.try_take().unwrap();
        assert!(alice.try_take().is_none(), "Alice's share is two");
        assert_eq!(alice.try_place().err().map(|f| f.whole.is_none()), Some(false), "her share is what is full");
        let _b1 = bob.try_take().unwrap();
        assert_eq!(whole.now(), 3);
        assert_eq!(bob.try_place().err().map(|f| f.whole.is_none()), Some(true), "then the server's limit is full");
        assert_eq!(bob.now(), 1, "a place refused by the whole limit is given back to the share");
        drop(a1);
        assert_eq!((alice.now(), whole.now()), (1, 2));
        assert!(bob.try_take().is_some(), "a place Alice gave back is Bob's to take");
    }

    #[tokio::test]
    async fn a_send_waiting_on_the_whole_limit_is_woken_by_another_session() {
        let whole = InFlightLimit::new(1);
        let alice = InFlightLimit::share_of(&whole, 1);
        let bob = InFlightLimit::share_of(&whole, 1);
        let held = alice.try_take().unwrap();
        let waiting = tokio::spawn(async move { bob.take().await.limit.now() });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "Bob waits while Alice holds the server's only place");
        drop(held);
        let bob_now = tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("woken").unwrap();
        assert_eq!(bob_now, 1);
    }

    #[tokio::test]
    async fn a_wait_given_up_is_no_longer_counted_as_waiting() {
        let limit = InFlightLimit::new(1);
        let _held = limit.try_take().unwrap();
        for _ in 0..3 {
            assert!(tokio::time::timeout(Duration::from_millis(10), limit.take()).await.is_err());
        }
        assert_eq!(limit.waiting.load(Ordering::SeqCst), 0, "deliveries do not notify waiters that left");
    }

    #[tokio::test]
    async fn a_run_waiting_for_a_place_is_told_once_and_can_be_stopped() {
        let limit = InFlightLimit::new(1);
        let gate = Gate::new(None, Some(Arc::clone(&limit)));
        let stop = AtomicBool::new(false);
        let first = gate.place(&stop).await.unwrap();
        assert!(!first.waited && first.first_wait.is_none());
        let freed = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(first);
        });
        let second = gate.place(&stop).await.unwrap();
        assert!(second.waited);
        assert_eq!(second.first_wait, Some(Full { max: 1, whole: true }), "told of the limit the first time it waits");
        freed.await.unwrap();
        stop.store(true, Ordering::Relaxed);
        assert!(gate.place(&stop).await.is_err(), "stopped while waiting");
        drop(second);
        let third = gate.place(&stop).await.unwrap();
        assert_eq!(third.first_wait, None);
    }
}
