//! Wrong secrets (instructor tokens, class codes), counted by client address: past a
//! few a minute, that address is told to wait, so a secret cannot be guessed at network
//! speed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong instructor tokens an address may send in [`WINDOW`].
pub const WRONG_TOKENS: u32 = 20;

/// Wrong class codes an address may send in [`WINDOW`]: more than tokens, since a
/// classroom behind one NAT shares an address and a trainee may mistype; 60 a minute
/// against 31^8 codes is still nothing.
pub const WRONG_CODES: u32 = 60;

/// How long wrong tokens are remembered.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Addresses remembered at most: past it the one whose count started longest ago is
/// forgotten (a flood of addresses cannot grow the server, nor wipe the others' counts;
/// an IPv6 client counts by its /64, see `address::counted`).
const ADDRESSES: usize = 10_000;

/// Wrong secrets by address: how many, since when.
pub struct Guesses {
    /// Wrong ones an address may send in [`WINDOW`].
    per_window: u32,
    by_address: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Guesses {
    /// No wrong secret yet; `per_window` allowed to an address in a minute.
    pub fn new(per_window: u32) -> Self {
        Self { per_window, by_address: Mutex::default() }
    }

    /// Wrong ones an address may send in a minute.
    pub fn per_window(&self) -> u32 {
        self.per_window
    }

    fn by_address(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (u32, Instant)>> {
        self.by_address.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `address` may try a token at `now`.
    pub fn may_try(&self, address: IpAddr, now: Instant) -> bool {
        self.by_address()
            .get(&address)
            .is_none_or(|(wrong, since)| *wrong < self.per_window || now.duration_since(*since) >= WINDOW)
    }

    /// `address` sent a wrong token at `now`.
    pub fn wrong(&self, address: IpAddr, now: Instant) {
        let mut by_address = self.by_address();
        if by_address.len() >= ADDRESSES && !by_address.contains_key(&address) {
            by_address.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
            let oldest = by_address.iter().min_by_key(|(_, (_, since))| *since).map(|(a, _)| *a);
            if let (true, Some(oldest)) = (by_address.len() >= ADDRESSES, oldest) {
                by_address.remove(&oldest);
            }
        }
        let entry = by_address.entry(address).or_insert((0, now));
        if now.duration_since(entry.1) >= WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_that_guesses_waits_a_minute_and_others_do_not() {
        let guesses = Guesses::new(WRONG_TOKENS);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t = Instant::now();
        for _ in 0..WRONG_TOKENS {
            assert!(guesses.may_try(a, t));
            guesses.wrong(a, t);
        }
        assert!(!guesses.may_try(a, t + Duration::from_secs(59)), "too many wrong in a minute");
        assert!(guesses.may_try(b, t), "another address is not held up");
        assert!(guesses.may_try(a, t + WINDOW), "a minute later it may try again");
        guesses.wrong(a, t + WINDOW);
        assert!(guesses.may_try(a, t + WINDOW), "its count started again");
    }

    #[test]
    fn a_flood_of_addresses_does_not_wipe_a_guessers_count() {
        let guesses = Guesses::new(WRONG_TOKENS);
        let t = Instant::now();
        let guesser: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..WRONG_TOKENS {
            guesses.wrong(guesser, t + Duration::from_secs(1));
        }
        // The first of many addresses, each with one wrong guess, is older than the guesser.
        for n in 0..ADDRESSES as u32 + 10 {
            guesses.wrong(IpAddr::from((0x0a01_0000 + n).to_be_bytes()), t + Duration::from_millis(u64::from(n % 2)));
        }
        assert!(guesses.by_address().len() <= ADDRESSES);
        assert!(!guesses.may_try(guesser, t + Duration::from_secs(2)), "the guesser still waits");
    }
}
