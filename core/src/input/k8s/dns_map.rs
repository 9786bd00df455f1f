//! The DNS data `domainNames` peers (S15.6) resolve against: a YAML or JSON map of name to
//! addresses, as `dig` or the cluster's resolvers would answer.
//!
//! ```yaml
//! api.example.com: [192.0.2.10, 2001:db8::10]
//! www.example.org: 198.51.100.7
//! ```

use std::collections::BTreeMap;
use std::format;
use std::net::IpAddr;
use std::string::String;
use std::vec;
use std::vec::Vec;

use serde::Deserialize;

use crate::spec::DnsMap;

/// One name's addresses: one address or a list.
#[derive(Deserialize)]
#[serde(untagged)]
enum Addresses {
    One(String),
    Many(Vec<String>),
}

/// Reads a DNS map from YAML or JSON text (`origin` names it in errors): a mapping of domain
/// names to an address or a list of addresses. Every problem is named with its name and value.
pub fn parse_dns_map(text: &str, origin: &str) -> Result<DnsMap, String> {
    let map: BTreeMap<String, Addresses> = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("{origin}: not a JSON map of names to addresses: {e}"))?
    } else if text.trim().is_empty() {
        BTreeMap::new()
    } else {
        serde_saphyr::from_str(text).map_err(|e| format!("{origin}: not a YAML map of names to addresses: {e}"))?
    };
    let mut entries = Vec::with_capacity(map.len());
    let mut problems = Vec::new();
    for (name, addresses) in map {
        let texts = match addresses {
            Addresses::One(a) => vec![a],
            Addresses::Many(list) => list,
        };
        let mut ips = Vec::with_capacity(texts.len());
        for text in texts {
            match text.parse::<IpAddr>() {
                Ok(ip) => ips.push(ip),
                Err(_) => problems.push(format!("{origin}: {name}: {text:?} is not an IP address")),
            }
        }
        entries.push((name, ips));
    }
    if problems.is_empty() {
        Ok(DnsMap::new(entries))
    } else {
        Err(problems.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_dns_map;

    #[test]
    fn yaml_and_json_maps_of_names_to_addresses() {
        let map =
            parse_dns_map("api.example.com: [192.0.2.10, 2001:db8::10]\nwww.example.org: 198.51.100.7\n", "dns.yaml")
                .unwrap();
        assert_eq!(map.entries().len(), 2);
        assert_eq!(map.resolve("*.example.com").count(), 2);
        let json = parse_dns_map(r#"{"a.example": ["192.0.2.1"]}"#, "dns.json").unwrap();
        assert_eq!(json.resolve("a.example").next(), Some("192.0.2.1".parse().unwrap()));
        let e = parse_dns_map("a.example: [nope]\n", "dns.yaml").unwrap_err();
        assert_eq!(e, "dns.yaml: a.example: \"nope\" is not an IP address");
        assert!(parse_dns_map("- a\n- b\n", "dns.yaml").is_err());
    }
}
