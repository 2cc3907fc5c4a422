//! The caller's address and an application's IP allow-list, as the real server reads them.
//!
//! The address is the connection's, overridden by `X-Forwarded-For`, overridden by `Client-IP`: a
//! client can claim any address (deliberately reproduced; a finding says so). An allow-list is `*`,
//! one address, a comma-separated list of rules, a range `a.b.c.d-e.f.g.h`, a wildcard `192.168.1.*`
//! (or `192.168.*`, `192.*`), or CIDR `10.0.0.0/8`.

use std::net::Ipv4Addr;

/// Where the caller's address was taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddressSource {
    Connection,
    XForwardedFor,
    ClientIp,
}

/// The address the server checks, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerAddress {
    pub ip: String,
    pub source: AddressSource,
}

impl CallerAddress {
    /// `REMOTE_ADDR`, then a non-empty `X-Forwarded-For`, then a non-empty `Client-IP`, each
    /// overriding the one before.
    pub fn resolve(remote: &str, forwarded_for: Option<&[u8]>, client_ip: Option<&[u8]>) -> Self {
        let header = |h: Option<&[u8]>| {
            h.map(|v| String::from_utf8_lossy(v).into_owned())
                .filter(|v| !v.is_empty() && v != "0")
        };
        if let Some(ip) = header(client_ip) {
            return CallerAddress {
                ip,
                source: AddressSource::ClientIp,
            };
        }
        if let Some(ip) = header(forwarded_for) {
            return CallerAddress {
                ip,
                source: AddressSource::XForwardedFor,
            };
        }
        CallerAddress {
            ip: remote.to_string(),
            source: AddressSource::Connection,
        }
    }
}

/// Whether `ip` passes the allow-list `rules`.
pub fn allows(rules: &str, ip: &str) -> bool {
    rules
        .split(',')
        .map(str::trim)
        .any(|rule| rule_allows(rule, ip.trim()))
}

fn rule_allows(rule: &str, ip: &str) -> bool {
    if rule == "*" || rule == ip {
        return true;
    }
    let Some(addr) = ipv4(ip) else {
        return false;
    };
    if let Some((low, high)) = rule.split_once('-') {
        return match (ipv4(low.trim()), ipv4(high.trim())) {
            (Some(low), Some(high)) => low <= addr && addr <= high,
            _ => false,
        };
    }
    if let Some(prefix) = rule.strip_suffix('*') {
        let wanted: Vec<&str> = prefix
            .trim_end_matches('.')
            .split('.')
            .filter(|p| !p.is_empty())
            .collect();
        let octets = addr.to_be_bytes();
        return wanted.len() < 4
            && wanted
                .iter()
                .zip(octets)
                .all(|(want, octet)| want.parse::<u8>() == Ok(octet));
    }
    if let Some((net, bits)) = rule.split_once('/') {
        let (Some(net), Ok(bits)) = (ipv4(net.trim()), bits.trim().parse::<u32>()) else {
            return false;
        };
        if bits > 32 {
            return false;
        }
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        return addr & mask == net & mask;
    }
    false
}

fn ipv4(s: &str) -> Option<u32> {
    s.parse::<Ipv4Addr>().ok().map(u32::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_rule_kind() {
        assert!(allows("*", "8.8.8.8"));
        assert!(allows("*", "::1"));
        assert!(allows("127.0.0.1", "127.0.0.1"));
        assert!(!allows("127.0.0.1", "127.0.0.2"));
        assert!(allows("1.1.1.1,127.0.0.1", "127.0.0.1"));
        assert!(allows("10.0.0.1-10.0.0.9", "10.0.0.9"));
        assert!(!allows("10.0.0.1-10.0.0.9", "10.0.0.10"));
        assert!(allows("192.168.1.*", "192.168.1.255"));
        assert!(!allows("192.168.1.*", "192.168.2.1"));
        assert!(allows("192.168.*", "192.168.2.1"));
        assert!(allows("192.*", "192.1.2.3"));
        assert!(!allows("192.*", "193.1.2.3"));
        assert!(allows("10.0.0.0/8", "10.255.0.1"));
        assert!(!allows("10.0.0.0/8", "11.0.0.1"));
        assert!(allows("0.0.0.0/0", "11.0.0.1"));
        assert!(allows("127.0.0.1/32", "127.0.0.1"));
        assert!(!allows("127.0.0.1/33", "127.0.0.1"));
        assert!(!allows("", "127.0.0.1"));
        assert!(!allows("10.0.0.0/8", "::1"));
    }

    #[test]
    fn headers_override_the_connection_in_order() {
        let c = CallerAddress::resolve("127.0.0.1", Some(b"1.2.3.4"), Some(b"5.6.7.8"));
        assert_eq!(
            c,
            CallerAddress {
                ip: "5.6.7.8".into(),
                source: AddressSource::ClientIp
            }
        );
        let c = CallerAddress::resolve("127.0.0.1", Some(b"1.2.3.4"), Some(b""));
        assert_eq!(c.source, AddressSource::XForwardedFor);
        let c = CallerAddress::resolve("127.0.0.1", None, None);
        assert_eq!(c.ip, "127.0.0.1");
    }

    /// A rule of an allow-list, as a model: its text and whether it lets `ip` through, decided on
    /// octets and bit strings rather than on integers.
    #[derive(Clone, Debug)]
    enum Rule {
        Anyone,
        Exact([u8; 4]),
        Range([u8; 4], [u8; 4]),
        Wildcard(Vec<u8>),
        Cidr([u8; 4], u32),
    }

    fn dotted(a: [u8; 4]) -> String {
        a.map(|o| o.to_string()).join(".")
    }

    fn bits(a: [u8; 4]) -> String {
        a.iter().map(|o| format!("{o:08b}")).collect()
    }

    impl Rule {
        fn text(&self) -> String {
            match self {
                Rule::Anyone => "*".to_string(),
                Rule::Exact(a) => dotted(*a),
                Rule::Range(low, high) => format!("{}-{}", dotted(*low), dotted(*high)),
                Rule::Wildcard(prefix) => {
                    let octets: Vec<String> = prefix.iter().map(u8::to_string).collect();
                    format!("{}.*", octets.join("."))
                }
                Rule::Cidr(net, n) => format!("{}/{n}", dotted(*net)),
            }
        }

        fn lets_through(&self, ip: [u8; 4]) -> bool {
            match self {
                Rule::Anyone => true,
                Rule::Exact(a) => *a == ip,
                // Octet arrays compare lexicographically, which is address order.
                Rule::Range(low, high) => *low <= ip && ip <= *high,
                Rule::Wildcard(prefix) => ip.starts_with(prefix),
                Rule::Cidr(net, n) => bits(*net)[..*n as usize] == bits(ip)[..*n as usize],
            }
        }
    }

    /// An address like `ip` with at most one octet changed, so rules land near the address.
    fn near(ip: [u8; 4]) -> impl Strategy<Value = [u8; 4]> {
        (0..4usize, any::<u8>(), 0..3u8).prop_map(move |(i, v, how)| {
            let mut a = ip;
            match how {
                0 => {}
                1 => a[i] = v,
                _ => a[i] = a[i].wrapping_add(v % 3).wrapping_sub(1),
            }
            a
        })
    }

    fn rule(ip: [u8; 4]) -> impl Strategy<Value = Rule> {
        prop_oneof![
            1 => Just(Rule::Anyone),
            3 => near(ip).prop_map(Rule::Exact),
            3 => (near(ip), near(ip)).prop_map(|(a, b)| Rule::Range(a.min(b), a.max(b))),
            1 => (near(ip), near(ip)).prop_map(|(a, b)| Rule::Range(a.max(b), a.min(b))),
            3 => (near(ip), 1..4usize).prop_map(|(a, n)| Rule::Wildcard(a[..n].to_vec())),
            3 => (near(ip), 0..=32u32).prop_map(|(a, n)| Rule::Cidr(a, n)),
        ]
    }

    fn case() -> impl Strategy<Value = ([u8; 4], Vec<Rule>, Vec<String>)> {
        any::<[u8; 4]>().prop_flat_map(|ip| {
            (
                Just(ip),
                proptest::collection::vec(rule(ip), 1..4),
                proptest::collection::vec("[ ]{0,2}", 4),
            )
        })
    }

    proptest! {
        /// An IPv4 address passes a list exactly when one of its rules, modelled on octets and
        /// bit strings, lets it through; spaces around rules and the address do not matter.
        #[test]
        fn an_address_passes_when_one_rule_lets_it_through((ip, rules, pads) in case()) {
            let list: Vec<String> = rules.iter().enumerate().map(|(i, r)| format!("{}{}{}", pads[i % 4], r.text(), pads[(i + 1) % 4])).collect();
            let list = list.join(",");
            let expected = rules.iter().any(|r| r.lets_through(ip));
            let address = format!("{}{}", dotted(ip), pads[3]);
            prop_assert_eq!(allows(&list, &address), expected, "{} against {}", address, list);
        }

        /// Anything that is not an IPv4 address passes only `*` or a rule equal to it.
        #[test]
        fn a_non_ipv4_address_passes_only_star_or_itself(
            ip in "[0-9a-f:.]{0,20}".prop_filter("not IPv4", |s| s.trim().parse::<Ipv4Addr>().is_err()),
            rules in proptest::collection::vec("[0-9.*/ -]{0,16}", 1..4),
        ) {
            let list = rules.join(",");
            let expected = rules.iter().any(|r| r.trim() == "*" || r.trim() == ip.trim());
            prop_assert_eq!(allows(&list, &ip), expected, "{} against {}", ip, list);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn allows() {
        use crate::xxb::ip::allows;
        assert!(allows("10.0.0.0/8, 192.168.1.*", "192.168.1.20"));
        assert!(!allows("10.0.0.0/8", "11.0.0.1"));
    }
}
