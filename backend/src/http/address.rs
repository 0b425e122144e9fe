//! A client's address as the server counts it (sessions and connections per address,
//! wrong secrets per address): an IPv6 client by its /64, since one host gets a whole
//! /64 and could otherwise take a fresh address per try; behind a reverse proxy the
//! server was told to trust, the address the proxy saw (`X-Forwarded-For`), since every
//! trainee would otherwise be the proxy.

use std::net::{IpAddr, Ipv6Addr};

use axum::http::HeaderMap;

/// `ip` as counted: an IPv4 address as itself (an IPv4-mapped IPv6 one too), an IPv6
/// address as its /64 network.
pub fn counted(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

/// The client of a request that came from `peer`: the last address of
/// `X-Forwarded-For` (the one the nearest proxy added) when `peer` is one of the
/// `trusted` proxies, else `peer`; counted as [`counted`] says.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let forwarded = || {
        let header = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
        header.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
    };
    let client = if trusted.contains(&counted(peer)) || trusted.contains(&peer) { forwarded() } else { None };
    counted(client.unwrap_or(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", forwarded.parse().unwrap());
        headers
    }

    #[test]
    fn an_ipv6_host_is_one_client_whatever_address_of_its_64_it_takes() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(counted(a), counted(b));
        assert_ne!(counted(a), counted(other));
        assert_eq!(counted("::ffff:10.0.0.7".parse().unwrap()), "10.0.0.7".parse::<IpAddr>().unwrap());
        assert_eq!(counted("10.0.0.7".parse().unwrap()), "10.0.0.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let stranger: IpAddr = "203.0.113.5".parse().unwrap();
        // A client may send its own X-Forwarded-For; the proxy appends the address it saw.
        let sent = headers("10.9.9.9, 198.51.100.7");
        assert_eq!(client_of(proxy, &sent, &[proxy]), "198.51.100.7".parse::<IpAddr>().unwrap());
        assert_eq!(client_of(stranger, &sent, &[proxy]), stranger, "not a trusted proxy: its own address");
        assert_eq!(client_of(proxy, &sent, &[]), proxy, "no proxy trusted by default");
        assert_eq!(client_of(proxy, &headers("not an address"), &[proxy]), proxy);
        assert_eq!(client_of(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
