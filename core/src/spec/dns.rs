//! The cluster DNS pods as kubeadm, EKS, GKE and AKS deploy them (CoreDNS or kube-dns): the one
//! default that the audit's DNS checks, the suggested `allow-dns` policies and the CLI share.

/// The namespace of the cluster DNS pods.
pub const DNS_NAMESPACE: &str = "kube-system";

/// The label (key, value) of the cluster DNS pods.
pub const DNS_LABEL: (&str, &str) = ("k8s-app", "kube-dns");

/// [`DNS_LABEL`] as `key=value`, the form the CLI's `--dns-selector` takes.
pub const DNS_SELECTOR: &str = "k8s-app=kube-dns";

#[cfg(test)]
mod tests {
    #[test]
    fn the_selector_text_is_the_label() {
        assert_eq!(super::DNS_SELECTOR, alloc::format!("{}={}", super::DNS_LABEL.0, super::DNS_LABEL.1));
    }
}
