//! Places counted in all and by client address, under two caps: the class's sessions
//! and the server's HTTP connections are both held this way, so that a burst cannot take
//! more than there are and one address cannot take them all.

use std::collections::HashMap;
use std::net::IpAddr;

/// The caps a place is taken under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// Places in all.
    pub total: u32,
    /// Places of one address.
    pub per_address: u32,
}

/// Which cap a place was refused under, and how many were taken then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Full {
    /// Every place is taken: `taken` of them.
    Total {
        /// Places taken.
        taken: u32,
    },
    /// The address has `taken` places, its most.
    Address {
        /// Places the address has.
        taken: u32,
    },
}

/// Places taken, in all and by address (an address with none is not kept: a scan of
/// many addresses leaves nothing behind).
#[derive(Debug, Default)]
pub struct Occupancy {
    total: u32,
    by_address: HashMap<IpAddr, u32>,
}

impl Occupancy {
    /// Takes a place for `address` within `caps`, or says which cap is reached.
    pub fn take(&mut self, address: IpAddr, caps: Caps) -> Result<(), Full> {
        let of_address = self.by_address.get(&address).copied().unwrap_or(0);
        if self.total >= caps.total {
            return Err(Full::Total { taken: self.total });
        }
        if of_address >= caps.per_address {
            return Err(Full::Address { taken: of_address });
        }
        self.total += 1;
        self.by_address.insert(address, of_address + 1);
        Ok(())
    }

    /// Gives back a place of `address`.
    pub fn give_back(&mut self, address: IpAddr) {
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.by_address.get_mut(&address) {
            *n -= 1;
            if *n == 0 {
                self.by_address.remove(&address);
            }
        }
    }

    /// Places taken now.
    pub fn taken(&self) -> u32 {
        self.total
    }

    /// Addresses holding a place now.
    pub fn addresses(&self) -> usize {
        self.by_address.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_past_its_share_is_refused_and_others_still_come_in() {
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let caps = Caps { total: 3, per_address: 2 };
        let mut occupancy = Occupancy::default();
        assert_eq!((occupancy.take(a, caps), occupancy.take(a, caps)), (Ok(()), Ok(())));
        assert_eq!(occupancy.take(a, caps), Err(Full::Address { taken: 2 }));
        assert_eq!(occupancy.take(b, caps), Ok(()));
        assert_eq!(occupancy.take(b, caps), Err(Full::Total { taken: 3 }));
        occupancy.give_back(a);
        occupancy.give_back(a);
        assert_eq!((occupancy.taken(), occupancy.addresses()), (1, 1), "an address with no place is forgotten");
        assert_eq!(occupancy.take(a, caps), Ok(()));
    }
}
