//! Which pages and host names the server answers on `/ws` and `/api`: its own.
//!
//! Two attacks from another site, both stopped here before a session exists:
//! - a page of another origin opening `ws://127.0.0.1:3000/ws` (a browser lets any page
//!   open a WebSocket anywhere, and says where it comes from in `Origin`), refused unless
//!   its origin is this server's own (the same host and port as `Host`) or one the
//!   instructor allowed (`--public-url`, `--allowed-origin`);
//! - DNS rebinding: a page of `rebind.evil.example` whose name later resolves to
//!   127.0.0.1 is same-origin with itself, but its requests carry `Host:
//!   rebind.evil.example`, which is none of this server's names.
//!
//! A request without `Origin` comes from a program, not a page (browsers always send it
//! on a WebSocket handshake and on cross-origin requests), so it is answered: another
//! site cannot make a browser leave it out.

use std::net::IpAddr;

use shared::problem::Problem;

/// The host names and origins the server answers.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    /// Host names, lowercase, without port: besides IP literals and `localhost`, the
    /// machine's own name and those of `--public-url` and `--allowed-origin`.
    names: Vec<String>,
    /// Origins allowed whatever `Host` says (`https://class.example`), lowercase: behind a
    /// reverse proxy that rewrites `Host`.
    origins: Vec<String>,
}

impl Origins {
    /// This machine's names: `localhost`, its host name, and any IP literal.
    pub fn own() -> Self {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .map(|name| name.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let names = ["localhost".to_owned(), hostname].into_iter().filter(|n| !n.is_empty()).collect();
        Self { names, origins: Vec::new() }
    }

    /// Also answers pages of `origin` (`https://class.example`, or `https://class.example:8443`):
    /// its host name as a `Host`, and the origin itself whatever `Host` says. `None` when
    /// it is not an origin.
    pub fn allow(mut self, origin: &str) -> Option<Self> {
        let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        let (scheme, authority) = origin.split_once("://")?;
        if !matches!(scheme, "http" | "https") || authority.is_empty() || authority.contains('/') {
            return None;
        }
        self.names.push(host_name(authority).to_owned());
        self.origins.push(origin);
        Some(self)
    }

    /// Whether a request with these `Host` and `Origin` headers is answered, or why not.
    pub fn check(&self, host: Option<&str>, origin: Option<&str>) -> Result<(), Problem> {
        let refused = || Problem::OriginRefused {
            origin: origin.unwrap_or("").chars().take(100).collect(),
            host: host.unwrap_or("").chars().take(100).collect(),
        };
        let host = host.map(str::to_ascii_lowercase).ok_or_else(refused)?;
        if !self.is_own_name(host_name(&host)) {
            return Err(refused());
        }
        let Some(origin) = origin.map(str::to_ascii_lowercase) else { return Ok(()) };
        if self.origins.contains(&origin) {
            return Ok(());
        }
        // Same origin: the page was served by this host and port.
        match origin.split_once("://") {
            Some(("http" | "https", authority)) if authority == host => Ok(()),
            _ => Err(refused()),
        }
    }

    fn is_own_name(&self, name: &str) -> bool {
        let literal = name.trim_start_matches('[').trim_end_matches(']');
        literal.parse::<IpAddr>().is_ok() || self.names.iter().any(|n| n == name)
    }
}

/// The host name of `host[:port]` (`[::1]:3000` gives `[::1]`).
fn host_name(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.rsplit_once(':').map_or(authority, |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Origins {
        Origins { names: vec!["localhost".into(), "trainer-laptop".into()], origins: Vec::new() }
    }

    #[test]
    fn the_servers_own_pages_and_programs_are_answered() {
        let o = origins();
        assert_eq!(o.check(Some("127.0.0.1:3000"), Some("http://127.0.0.1:3000")), Ok(()));
        assert_eq!(o.check(Some("localhost:3000"), Some("http://localhost:3000")), Ok(()));
        assert_eq!(o.check(Some("[::1]:3000"), Some("http://[::1]:3000")), Ok(()));
        assert_eq!(o.check(Some("Trainer-Laptop:3000"), Some("http://trainer-laptop:3000")), Ok(()));
        assert_eq!(o.check(Some("192.168.1.20:3000"), Some("http://192.168.1.20:3000")), Ok(()));
        assert_eq!(o.check(Some("127.0.0.1:3000"), None), Ok(()), "a program sends no Origin");
    }

    #[test]
    fn another_sites_page_is_refused() {
        let o = origins();
        let refused = |host: &str, origin: Option<&str>| o.check(Some(host), origin).is_err();
        assert!(refused("127.0.0.1:3000", Some("http://evil.example")));
        assert!(refused("127.0.0.1:3000", Some("null")));
        assert!(refused("127.0.0.1:3000", Some("http://127.0.0.1:8080")), "another port is another origin");
        assert!(refused("127.0.0.1:3000", Some("http://localhost:3000")), "another name is another origin");
        assert!(refused("rebind.evil.example:3000", Some("http://rebind.evil.example:3000")), "DNS rebinding");
        assert!(refused("rebind.evil.example:3000", None));
        assert!(o.check(None, None).is_err(), "no Host at all");
        let Err(Problem::OriginRefused { origin, host }) = o.check(Some("127.0.0.1:3000"), Some("http://evil.example"))
        else {
            panic!("not refused")
        };
        assert_eq!((origin.as_str(), host.as_str()), ("http://evil.example", "127.0.0.1:3000"));
    }

    #[test]
    fn the_instructor_adds_the_address_trainees_use() {
        let o = origins().allow("https://Class.Example/").unwrap();
        assert_eq!(o.check(Some("class.example"), Some("https://class.example")), Ok(()));
        // Behind a proxy that rewrites Host to the playground's own address.
        assert_eq!(o.check(Some("127.0.0.1:3000"), Some("https://class.example")), Ok(()));
        assert!(o.check(Some("class.example"), Some("https://evil.example")).is_err());
        assert!(origins().allow("class.example").is_none(), "not an origin");
        assert!(origins().allow("ftp://class.example").is_none());
        assert!(origins().allow("https://class.example/path").is_none());
    }
}
