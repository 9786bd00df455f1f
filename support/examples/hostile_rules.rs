//! Writes [`netpol_test_support::hostile::rules_excepts_ports`] to stdout:
//! `cargo run -p netpol-test-support --example hostile_rules -- RULES [shared|own] > FILE`.

fn main() {
    let mut args = std::env::args().skip(1);
    let rules: usize = args.next().and_then(|n| n.parse().ok()).expect("usage: hostile_rules RULES [shared|own]");
    let shared = args.next().is_none_or(|s| s == "shared");
    print!("{}", netpol_test_support::hostile::rules_excepts_ports(rules, shared));
}
