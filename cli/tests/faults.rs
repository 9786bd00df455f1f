//! Faulty input: each fault gives a clear message naming the file, object or field, and exit
//! code 2 (bad input); nothing is dropped silently. A namespace that is referenced but not
//! given is not a fault: it is assumed with its name label and reported (DESIGN S8).

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::{netpol, repo, scratch, stderr};

fn matrix(input: &Path) -> Output {
    netpol(&["matrix", input.to_str().unwrap(), "--port", "80"])
}

/// Exit code 2 and every `needle` in stderr.
fn assert_bad_input(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "no answer printed for bad input");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in:\n{err}");
    }
}

#[test]
fn truncated_yaml_and_json() {
    let dir = scratch("truncated");
    let example = fs::read_to_string(repo().join("examples/cluster.yaml")).unwrap();
    // Cut in the middle of a flow mapping: the parser sees the end of input inside it.
    let flow = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\n";
    let cut = dir.join("cut.yaml");
    fs::write(&cut, &flow[..flow.find("namespace").unwrap() + 4]).unwrap();
    assert_bad_input(&matrix(&cut), &[&format!("{}: malformed YAML", cut.display()), "line 3"]);
    // Cut in the middle of a block mapping: what remains parses, but the `kind: List` that
    // kubectl prints after the items is gone, and so is the last object's spec: either way the
    // file is refused, named.
    let policy = example.find("kind: NetworkPolicy").unwrap();
    let at = policy + example[policy..].find("spec:").unwrap();
    let cut = dir.join("cut-block.yaml");
    fs::write(&cut, &example[..at]).unwrap();
    let out = matrix(&cut);
    assert_bad_input(&out, &[&format!("{}: kind: not a Kubernetes object: an object without `kind`", cut.display())]);
    // JSON cut anywhere is malformed.
    let json = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}]}"#;
    let cut = dir.join("cut.json");
    fs::write(&cut, &json[..json.len() / 2]).unwrap();
    assert_bad_input(&matrix(&cut), &[&format!("{}: malformed JSON: EOF while parsing", cut.display())]);
}

#[test]
fn invalid_utf8() {
    let dir = scratch("utf8");
    let file = dir.join("latin1.yaml");
    fs::write(&file, b"apiVersion: v1\nkind: Namespace\nmetadata: {name: caf\xe9}\n").unwrap();
    assert_bad_input(
        &matrix(&file),
        &[&format!("{}: not UTF-8 text (invalid byte at line 3, offset 51)", file.display())],
    );
}

#[test]
fn directory_with_an_unreadable_entry() {
    let dir = scratch("unreadable");
    fs::copy(repo().join("examples/cluster.yaml"), dir.join("a-cluster.yaml")).unwrap();
    // A dangling symlink named like an input: it cannot be read, whoever runs the test.
    std::os::unix::fs::symlink(dir.join("gone.yaml"), dir.join("b-dangling.yaml")).unwrap();
    let out = matrix(&dir);
    assert_bad_input(
        &out,
        &[&format!("{}: cannot read: No such file or directory", dir.join("b-dangling.yaml").display())],
    );
    // A file without read permission. Root reads it anyway (chmod 000 does not stop root), so
    // this part runs only for other users; the symlink above covers root.
    let locked = dir.join("c-locked.yaml");
    fs::write(&locked, "kind: Namespace\nmetadata: {name: x}\n").unwrap();
    fs::remove_file(dir.join("b-dangling.yaml")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_err() {
        assert_bad_input(&matrix(&dir), &[&format!("{}: cannot read: Permission denied", locked.display())]);
    } else {
        eprintln!("running as root: chmod 000 does not stop reading; covered by the dangling symlink");
        assert_eq!(matrix(&dir).status.code(), Some(0));
    }
    // A directory that cannot be listed: a path under a regular file.
    let out = matrix(&dir.join("a-cluster.yaml").join("x"));
    assert_bad_input(&out, &["a-cluster.yaml/x: cannot read: Not a directory"]);
}

#[test]
fn policy_in_a_namespace_not_given_is_assumed_and_reported() {
    let dir = scratch("missing-ns");
    let file = dir.join("policy.yaml");
    fs::write(
        &file,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nstatus: {podIP: 10.0.0.1}\n---\n\
         apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-ghost, namespace: shop}\n\
         spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ghost}}\n",
    )
    .unwrap();
    // S8: the namespace of the pod and policy is assumed, with a warning; exit 0.
    let out = matrix(&file);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "warning: Namespace shop: not given; assumed with the single label kubernetes.io/metadata.name=shop"
        ),
        "{err}"
    );
    // The peer naming a namespace that is not there matches nothing: audit says so.
    let out = netpol(&["audit", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NP402") && text.contains("shop/from-ghost"), "{text}");
}

#[test]
fn duplicate_objects_with_conflicting_content() {
    let dir = scratch("duplicates");
    let one = dir.join("one.yaml");
    let two = dir.join("two.yaml");
    fs::write(&one, "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\n").unwrap();
    fs::write(&two, "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: api}}\n").unwrap();
    let out = netpol(&["matrix", one.to_str().unwrap(), two.to_str().unwrap(), "--port", "80"]);
    assert_bad_input(
        &out,
        &[&format!(
            "{}: Pod shop/web: metadata.name: given more than once with different content (first in {}): which one is meant?",
            two.display(),
            one.display()
        )],
    );
    // Lenient mode keeps the first and says so.
    let out = netpol(&["matrix", one.to_str().unwrap(), two.to_str().unwrap(), "--port", "80", "--lenient"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: ") && err.contains("(first in ") && err.contains("(object skipped: lenient mode)"),
        "{err}"
    );
}

#[test]
fn limits_on_the_command_line() {
    let example = repo().join("examples/cluster.yaml");
    let out = netpol(&["matrix", example.to_str().unwrap(), "--port", "80", "--limit", "objects=5"]);
    assert_bad_input(&out, &["6 objects or more: over the limit of 5 (raise it with the `objects` limit)"]);
    let out = netpol(&["matrix", example.to_str().unwrap(), "--port", "80", "--limit", "labels=1"]);
    assert_bad_input(&out, &["metadata.labels: 2 labels: over the limit of 1 (raise it with the `labels` limit)"]);
    let out = netpol(&["matrix", example.to_str().unwrap(), "--port", "80", "--limit", "widgets=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown limit \"widgets\""), "{}", stderr(&out));
}

#[test]
fn compile_memory_budget_on_the_command_line() {
    let example = repo().join("examples/cluster.yaml");
    let example = example.to_str().unwrap();
    let over = "over the limit of 1000 (raise it with the `compile-bytes` limit)";
    for flags in [["--max-memory", "1000"], ["--limit", "compile-bytes=1000"]] {
        let out = netpol(&["matrix", example, "--port", "80", flags[0], flags[1]]);
        assert_bad_input(&out, &["the compiled tables would take up to ", over]);
    }
    let out = netpol(&["matrix", example, "--port", "80", "--max-memory", "100000000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn misspelled_fields_fail_closed_and_lenient_warns() {
    // `form:` for `from:` would admit every peer; `exept:` would widen an ipBlock.
    let dir = scratch("misspelled");
    let example = fs::read_to_string(repo().join("examples/cluster.yaml")).unwrap();
    let file = dir.join("typo.yaml");
    let typo = example.replacen("from:", "form:", 1);
    assert_ne!(typo, example, "the example has a `from:` to misspell");
    fs::write(&file, &typo).unwrap();
    let line = typo[..typo.find("form:").unwrap()].matches('\n').count() + 1;
    let out = matrix(&file);
    assert_bad_input(&out, &[&format!("unknown field `form` (did you mean `from`?) (line {line})")]);
    let lenient = netpol(&["matrix", file.to_str().unwrap(), "--port", "80", "--lenient"]);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
    assert!(stderr(&lenient).contains("unknown field `form` (did you mean `from`?) (ignored: lenient mode)"));
    // JSON duplicate keys are refused like YAML's.
    let json = dir.join("dup.json");
    fs::write(&json, r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a", "labels": {"app": "a", "app": "b"}}}"#).unwrap();
    assert_bad_input(&matrix(&json), &["duplicate key `app`"]);
}
