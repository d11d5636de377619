//! Keeping webhooks off internal networks (SSRF): which URLs and addresses an endpoint may use.
//!
//! A URL is checked when it is registered (its literal address, or every address its host
//! resolves to now) and again at every delivery: the HTTP client resolves hosts through
//! [`PublicOnly`], which drops internal addresses, so a name that later resolves to one (DNS
//! rebinding) reaches nothing. Redirects are not followed.

use crate::error::{ApiError, ApiResult};
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Whether an address is reachable on the public internet: not loopback, private (RFC 1918,
/// unique-local), link-local, shared (CGNAT), unspecified, broadcast, multicast, documentation
/// or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local fec0::/10
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b // NAT64 to any IPv4
                || v6 == Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// Parses and checks an endpoint URL: http or https, a host, no credentials, and (unless
/// `allow_private`) no internal address, literal or resolved now.
pub async fn check_url(url: &str, allow_private: bool) -> ApiResult<Url> {
    let url = url.trim();
    if url.is_empty() || url.len() > MAX_URL_LEN {
        return Err(ApiError::bad_input(format!(
            "url must have 1 to {MAX_URL_LEN} characters"
        )));
    }
    let parsed =
        Url::parse(url).map_err(|e| ApiError::bad_input(format!("url is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ApiError::bad_input("url must be http or https"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ApiError::bad_input("url must not carry credentials"));
    }
    let Some(host) = parsed.host() else {
        return Err(ApiError::bad_input("url must name a host"));
    };
    if allow_private {
        return Ok(parsed);
    }
    let refused = |what: &str| {
        ApiError::bad_input(format!(
            "url points at {what}, a loopback, private or link-local address; webhooks go to public addresses only"
        ))
    };
    let port = parsed.port_or_known_default().unwrap_or(443);
    match host {
        url::Host::Ipv4(v4) if !is_public(IpAddr::V4(v4)) => return Err(refused(&v4.to_string())),
        url::Host::Ipv6(v6) if !is_public(IpAddr::V6(v6)) => return Err(refused(&v6.to_string())),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => {}
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return Err(refused(&name));
            }
            // A name that does not resolve now may later; it is checked again at delivery.
            let resolved: Vec<SocketAddr> =
                match tokio::net::lookup_host((name.as_str(), port)).await {
                    Ok(addrs) => addrs.collect(),
                    Err(_) => Vec::new(),
                };
            if let Some(addr) = resolved.iter().find(|a| !is_public(a.ip())) {
                return Err(refused(&format!("{name} ({})", addr.ip())));
            }
        }
    }
    Ok(parsed)
}

/// Whether a literal-address URL may be posted to now (names go through [`PublicOnly`]).
pub fn literal_allowed(url: &Url, allow_private: bool) -> bool {
    allow_private
        || match url.host() {
            Some(url::Host::Ipv4(v4)) => is_public(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => is_public(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => true,
            None => false,
        }
}

/// The delivery client's resolver: the system's, minus internal addresses (unless allowed).
#[derive(Debug)]
pub struct PublicOnly {
    /// The server's webhook settings, read at every resolution.
    pub settings: super::Webhooks,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.settings.allow_private();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().expect("an address")), "{ip}");
        }
        assert!(is_public("93.184.216.34".parse().expect("an address")));
        assert!(is_public("2a00:1450::1".parse().expect("an address")));
    }
}
