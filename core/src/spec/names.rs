//! Syntax checks for names, label keys and values, as the API server applies them.

/// A DNS-1123 label: at most 63 of `[a-z0-9-]`, starting and ending alphanumeric. Namespace
/// names are labels.
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A DNS-1123 subdomain: at most 253 characters, dot-separated labels of `[a-z0-9-]`. Pod and
/// policy names are subdomains.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// The name part of a qualified name or a label value: at most 63 of `[A-Za-z0-9_.-]`,
/// starting and ending alphanumeric (a label value may also be empty).
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A label key: `[prefix/]name`, with a DNS-1123 subdomain prefix.
pub fn is_label_key(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => is_dns1123_subdomain(prefix) && is_qualified_name_part(name),
        None => is_qualified_name_part(s),
    }
}

/// A label value: empty, or at most 63 of `[A-Za-z0-9_.-]` starting and ending alphanumeric.
pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_qualified_name_part(s)
}

/// An IANA service name, as named ports must be: 1–15 of `[a-z0-9-]`, at least one letter, no
/// leading, trailing or doubled `-`.
pub fn is_iana_svc_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 15
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.iter().any(|c| c.is_ascii_lowercase())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys() {
        assert!(is_label_key("app"));
        assert!(is_label_key("kubernetes.io/metadata.name"));
        assert!(is_label_key("app.kubernetes.io/name"));
        assert!(!is_label_key(""));
        assert!(!is_label_key("-app"));
        assert!(!is_label_key("a/b/c"));
        assert!(!is_label_key("Bad_Prefix/x"));
        assert!(!is_label_key(&"a".repeat(64)));
    }

    #[test]
    fn label_values() {
        assert!(is_label_value(""));
        assert!(is_label_value("v1.2_3-x"));
        assert!(!is_label_value("has space"));
        assert!(!is_label_value("-x"));
    }

    #[test]
    fn service_names() {
        assert!(is_iana_svc_name("http"));
        assert!(is_iana_svc_name("serve-80-tcp"));
        assert!(!is_iana_svc_name("80"));
        assert!(!is_iana_svc_name("a--b"));
        assert!(!is_iana_svc_name("HTTP"));
        assert!(!is_iana_svc_name("abcdefghijklmnop"));
    }

    #[test]
    fn dns_names() {
        assert!(is_dns1123_label("kube-system"));
        assert!(!is_dns1123_label("Kube"));
        assert!(is_dns1123_subdomain("web-1.example"));
        assert!(!is_dns1123_subdomain("web..x"));
    }
}
