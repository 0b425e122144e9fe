//! The server's open HTTP connections, counted in all and by client address: past
//! either cap a new connection is closed at once, so that neither a flood of sockets nor
//! one address can take every file descriptor (a WebSocket leaves this count once
//! upgraded: its session holds a place of its own).

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::occupancy::{Caps, Full, Occupancy};

/// The most connections at once, and from one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// In all.
    pub max: u32,
    /// From one client address.
    pub per_address: u32,
}

impl Default for ConnectionLimits {
    /// 1,024 in all, 256 from one address: a class of 30 behind one NAT opens about 7
    /// each (a browser's 6 to a host, and the page's WebSocket while it upgrades), and a
    /// server's 250 sessions' producers hold about 3,000 descriptors more.
    fn default() -> Self {
        Self { max: 1024, per_address: 256 }
    }
}

/// Why a connection was closed at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The server has its most connections.
    Full,
    /// This address has its most connections.
    AddressFull,
}

/// The open connections.
#[derive(Debug)]
pub struct Connections {
    caps: Caps,
    open: Mutex<Occupancy>,
    refused_full: AtomicU64,
    refused_address: AtomicU64,
}

/// One open connection, counted until it is dropped.
#[derive(Debug)]
pub struct Connection {
    connections: Arc<Connections>,
    address: IpAddr,
}

impl Connections {
    /// No connection yet, within `limits`.
    pub fn new(limits: ConnectionLimits) -> Arc<Self> {
        Arc::new(Self {
            caps: Caps { total: limits.max, per_address: limits.per_address },
            open: Mutex::default(),
            refused_full: AtomicU64::new(0),
            refused_address: AtomicU64::new(0),
        })
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Occupancy> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a connection from `address`, or says why it is refused.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Result<Connection, Refusal> {
        let taken = self.open().take(address, self.caps);
        let (refusal, count) = match taken {
            Ok(()) => return Ok(Connection { connections: Arc::clone(self), address }),
            Err(Full::Total { .. }) => (Refusal::Full, &self.refused_full),
            Err(Full::Address { .. }) => (Refusal::AddressFull, &self.refused_address),
        };
        count.fetch_add(1, Ordering::Relaxed);
        Err(refusal)
    }

    /// Connections open now.
    pub fn now(&self) -> u32 {
        self.open().taken()
    }

    /// Connections refused since the start: server full, then address full.
    pub fn refused(&self) -> (u64, u64) {
        (self.refused_full.load(Ordering::Relaxed), self.refused_address.load(Ordering::Relaxed))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.connections.open().give_back(self.address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn an_address_past_its_share_is_refused_and_others_still_come_in() {
        let connections = Connections::new(ConnectionLimits { max: 4, per_address: 2 });
        let a1 = connections.admit(ip(1)).unwrap();
        let _a2 = connections.admit(ip(1)).unwrap();
        assert_eq!(connections.admit(ip(1)).unwrap_err(), Refusal::AddressFull);
        let _b1 = connections.admit(ip(2)).unwrap();
        drop(a1);
        assert!(connections.admit(ip(1)).is_ok(), "a closed connection gives its place back");
        assert_eq!(connections.refused(), (0, 1));
    }

    #[test]
    fn the_server_past_its_most_refuses_everyone_until_one_closes() {
        let connections = Connections::new(ConnectionLimits { max: 2, per_address: 2 });
        let held: Vec<_> = (1..=2).map(|n| connections.admit(ip(n)).unwrap()).collect();
        assert_eq!(connections.admit(ip(3)).unwrap_err(), Refusal::Full);
        assert_eq!(connections.now(), 2);
        drop(held);
        assert_eq!(connections.now(), 0);
        assert_eq!(connections.open().addresses(), 0, "nothing kept of closed addresses");
        assert!(connections.admit(ip(3)).is_ok());
        assert_eq!(connections.refused(), (1, 0));
    }
}
