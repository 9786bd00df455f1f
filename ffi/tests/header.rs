//! `include/netpol.h` is what cbindgen generates from the sources: regenerating must not change
//! it. `NETPOL_BLESS=1 cargo test -p netpol-ffi --test header` rewrites it after an API change.

use std::path::Path;

#[test]
fn header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let path = crate_dir.join("include/netpol.h");
    if std::env::var_os("NETPOL_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "ffi/include/netpol.h is stale: run NETPOL_BLESS=1 cargo test -p netpol-ffi --test header and commit it"
    );
}
