//! The core's folders depend on each other in one order only (docs/ARCHITECTURE.md):
//!
//! `spec` → `input` → `reference` → `explain` → `engine` → `report` → `analysis`
//!
//! A module may use the folders before its own, never one after it. This test reads the sources
//! and fails naming the file and the `crate::` path that points the wrong way. Names re-exported
//! at the crate root (`crate::Engine`) count as the folder they come from.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The dependency order of the top-level modules of `core/src`.
const ORDER: [&str; 7] = ["spec", "input", "reference", "explain", "engine", "report", "analysis"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file, without comments (doc links may point anywhere).
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).filter(|l| !l.trim().is_empty())
}

/// Root names (`Engine`, `raw`, `Diagnostic`, ...) → the top-level module they are re-exported
/// from, read from the `pub use` lines of lib.rs.
fn root_names() -> BTreeMap<String, String> {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut names = BTreeMap::new();
    let text: String = code_lines(&lib).collect::<Vec<_>>().join("\n");
    for statement in text.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else { continue };
        let rest = rest.trim();
        let folder = rest.split("::").next().unwrap().to_string();
        let items = match rest.find('{') {
            Some(open) => &rest[open + 1..rest.rfind('}').unwrap()],
            None => rest.rsplit("::").next().unwrap(),
        };
        for item in items.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            names.insert(item.rsplit(' ').next().unwrap().to_string(), folder.clone());
        }
    }
    names
}

/// The top-level modules a line names through `crate::`.
fn named_modules<'a>(line: &'a str, roots: &'a BTreeMap<String, String>) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices("crate::") {
        let rest = &line[i + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap().split(',').collect(),
            None => vec![rest],
        };
        for name in names {
            let name: String = name.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name.is_empty() {
                continue;
            }
            let module = if ORDER.contains(&name.as_str()) { Some(name.clone()) } else { roots.get(&name).cloned() };
            if let Some(module) = module {
                out.push((module, line));
            }
        }
    }
    out
}

#[test]
fn folders_depend_only_on_earlier_folders() {
    let roots = root_names();
    assert!(roots.get("Engine").is_some_and(|m| m == "engine"), "lib.rs re-exports not read: {roots:?}");
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for file in &files {
        let relative = file.strip_prefix(src()).unwrap();
        let top = relative.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
        let Some(rank) = ORDER.iter().position(|&m| m == top) else {
            assert_eq!(top, "lib", "{} is outside the folders of {ORDER:?}", relative.display());
            continue;
        };
        checked += 1;
        let text = fs::read_to_string(file).unwrap();
        for line in code_lines(&text) {
            for (module, line) in named_modules(line, &roots) {
                let target = ORDER.iter().position(|&m| m == module).unwrap();
                if target > rank {
                    wrong.push(format!("{}: uses {module}: {}", relative.display(), line.trim()));
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} files read");
    assert!(wrong.is_empty(), "dependencies against the order {ORDER:?}:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_a_wrong_way_dependency() {
    let roots = root_names();
    let named = named_modules("use crate::{Engine, Cluster};", &roots);
    let modules: Vec<&str> = named.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(modules, ["engine", "spec"]);
    assert_eq!(named_modules("use crate::report::ports_json;", &roots)[0].0, "report");
}
