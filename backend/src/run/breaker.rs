//! The lab's Exercise 6: a circuit breaker around the producer.
//!
//! Closed, it counts delivery failures in a row; at the threshold it opens and the run
//! fails each message at once (`CircuitOpen`) instead of handing it to librdkafka, where it
//! would wait message.timeout.ms for a broker that is not there. After the open duration
//! one trial message goes through (half-open): delivered closes the circuit, failed opens
//! it again. Time is passed in, so the states are tested without sleeping.

use std::time::{Duration, Instant};

use shared::protocol::{CircuitBreaker, CircuitState};

/// What the breaker says of the next message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// Send it.
    Send,
    /// Send it as the half-open trial: its outcome alone decides.
    Trial,
    /// Fail it at once, unsent.
    Refuse,
}

/// A breaker's state and counters.
#[derive(Debug)]
pub struct Breaker {
    settings: CircuitBreaker,
    state: CircuitState,
    failures: u32,
    opened_at: Option<Instant>,
    trial_in_flight: bool,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(settings: CircuitBreaker) -> Self {
        Self { settings, state: CircuitState::Closed, failures: 0, opened_at: None, trial_in_flight: false }
    }

    /// The state now.
    pub fn state(&self) -> CircuitState {
        self.state
    }

    /// Failures in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// What to do with the next message at `now`; the new state if it changed.
    pub fn admit(&mut self, now: Instant) -> (Admit, Option<CircuitState>) {
        match self.state {
            CircuitState::Closed => (Admit::Send, None),
            CircuitState::Open => {
                let open_for = Duration::from_millis(self.settings.open_ms.into());
                if self.opened_at.is_some_and(|at| now.duration_since(at) >= open_for) {
                    self.state = CircuitState::HalfOpen;
                    self.trial_in_flight = true;
                    (Admit::Trial, Some(CircuitState::HalfOpen))
                } else {
                    (Admit::Refuse, None)
                }
            }
            // One trial at a time: the others fail until it has its outcome.
            CircuitState::HalfOpen if self.trial_in_flight => (Admit::Refuse, None),
            CircuitState::HalfOpen => {
                self.trial_in_flight = true;
                (Admit::Trial, None)
            }
        }
    }

    /// Counts a message's outcome at `now` (`trial`: it was the half-open trial); the new
    /// state if it changed. While half-open only the trial decides: a message sent before
    /// the circuit opened and ending now says nothing of the brokers now. Late outcomes do
    /// not move an open circuit either.
    pub fn outcome(&mut self, delivered: bool, trial: bool, now: Instant) -> Option<CircuitState> {
        match (self.state, delivered) {
            (CircuitState::Closed, true) => {
                self.failures = 0;
                None
            }
            (CircuitState::Closed, false) => {
                self.failures += 1;
                (self.failures >= self.settings.failure_threshold).then(|| self.open(now))
            }
            (CircuitState::HalfOpen, _) if !trial => None,
            (CircuitState::HalfOpen, true) => {
                self.failures = 0;
                self.trial_in_flight = false;
                self.state = CircuitState::Closed;
                Some(CircuitState::Closed)
            }
            (CircuitState::HalfOpen, false) => {
                self.failures += 1;
                Some(self.open(now))
            }
            (CircuitState::Open, _) => None,
        }
    }

    fn open(&mut self, now: Instant) -> CircuitState {
        self.state = CircuitState::Open;
        self.opened_at = Some(now);
        self.trial_in_flight = false;
        CircuitState::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> (Breaker, Instant) {
        (Breaker::new(CircuitBreaker { failure_threshold: 3, open_ms: 1000 }), Instant::now())
    }

    #[test]
    fn closed_until_the_threshold_of_failures_in_a_row() {
        let (mut b, t) = breaker();
        assert_eq!(b.outcome(false, false, t), None);
        assert_eq!(b.outcome(false, false, t), None);
        assert_eq!(b.outcome(true, false, t), None, "a delivery resets the count");
        assert_eq!(b.failures(), 0);
        assert_eq!(b.outcome(false, false, t), None);
        assert_eq!(b.outcome(false, false, t), None);
        assert_eq!(b.outcome(false, false, t), Some(CircuitState::Open));
        assert_eq!(b.admit(t), (Admit::Refuse, None), "open: fail at once");
    }

    #[test]
    fn open_lets_one_trial_through_after_the_open_duration() {
        let (mut b, t) = breaker();
        (0..3).for_each(|_| {
            b.outcome(false, false, t);
        });
        assert_eq!(b.admit(t + Duration::from_millis(999)), (Admit::Refuse, None));
        assert_eq!(b.admit(t + Duration::from_millis(1000)), (Admit::Trial, Some(CircuitState::HalfOpen)));
        assert_eq!(b.admit(t + Duration::from_millis(1001)), (Admit::Refuse, None), "one trial at a time");
        assert_eq!(b.outcome(false, false, t), None, "a message sent before it opened does not decide");
        assert_eq!(b.outcome(true, true, t), Some(CircuitState::Closed));
        assert_eq!(b.admit(t), (Admit::Send, None));
    }

    #[test]
    fn a_failed_trial_opens_it_again_for_a_full_duration() {
        let (mut b, t) = breaker();
        (0..3).for_each(|_| {
            b.outcome(false, false, t);
        });
        let trial = t + Duration::from_secs(1);
        assert_eq!(b.admit(trial).1, Some(CircuitState::HalfOpen));
        let failed = trial + Duration::from_millis(500);
        assert_eq!(b.outcome(false, true, failed), Some(CircuitState::Open));
        assert_eq!(b.admit(failed + Duration::from_millis(999)), (Admit::Refuse, None));
        assert_eq!(b.admit(failed + Duration::from_millis(1000)).1, Some(CircuitState::HalfOpen));
    }

    #[test]
    fn late_outcomes_do_not_move_an_open_circuit() {
        let (mut b, t) = breaker();
        (0..3).for_each(|_| {
            b.outcome(false, false, t);
        });
        assert_eq!(b.outcome(true, false, t), None);
        assert_eq!(b.state(), CircuitState::Open);
    }
}
