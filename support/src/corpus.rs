//! The case corpus of `core/testdata/` (format: `core/testdata/README.md`), read into typed
//! cases: every face of netpol runs the same cases through its own harness.
//!
//! Reading is strict: a case that misses a required key, or has one of the wrong type, panics
//! with the file and case named, so a typo in the corpus cannot silently drop a check.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::{Cluster, Diagnostic, Family, FamilyVerdicts, Options, Protocol, SelfTraffic};
use serde_json::Value;

/// `core/testdata/`.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("support/ is inside the repository").join("core/testdata")
}

/// A YAML file of the corpus, as JSON values (booleans only as `true`/`false`).
fn parse_yaml(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str_with_options(&text, serde_saphyr::options! { strict_booleans: true })
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The objects of one parsed document: a `List`'s items, or the object itself.
fn objects_of(doc: Value) -> Vec<Value> {
    match doc {
        Value::Object(ref o) if o.get("kind").and_then(Value::as_str) == Some("List") => {
            o.get("items").and_then(Value::as_array).cloned().unwrap_or_default()
        }
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Every case in the `*.yaml` files of `testdata()/dir`, in file order, each with the name of
/// the file it came from.
fn raw_cases(dir: &str) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = fs::read_dir(testdata().join(dir))
        .unwrap_or_else(|e| panic!("{}: {e}", testdata().join(dir).display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let doc = parse_yaml(&file);
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for case in doc["cases"].as_array().unwrap_or_else(|| panic!("{name}: no `cases` list")) {
            out.push((name.clone(), case.clone()));
        }
    }
    out
}

/// The valid cases (`cases/*.yaml`): clusters with expected verdicts.
pub fn valid_cases() -> Vec<Case> {
    raw_cases("cases").into_iter().map(|(file, case)| Case::parse(file, &case)).collect()
}

/// The invalid cases (`invalid/*.yaml`): inputs with the errors strict loading must report.
pub fn invalid_cases() -> Vec<InvalidCase> {
    raw_cases("invalid").into_iter().map(|(file, case)| InvalidCase::parse(file, &case)).collect()
}

/// What a case loads: a model of `models/`, literal text, objects; in that order.
#[derive(Clone, Debug)]
pub struct Input {
    pub model: Option<String>,
    pub raw: Option<String>,
    pub objects: Option<Vec<Value>>,
}

impl Input {
    fn parse(at: &str, case: &Value) -> Input {
        let text = |key: &str| {
            case.get(key).map(|v| v.as_str().unwrap_or_else(|| panic!("{at}: {key} is not a string")).to_string())
        };
        let objects =
            case.get("objects").map(|v| v.as_array().unwrap_or_else(|| panic!("{at}: objects is not a list")));
        Input { model: text("model"), raw: text("raw"), objects: objects.cloned() }
    }

    /// `models/<model>.yaml`.
    pub fn model_path(&self) -> Option<PathBuf> {
        self.model.as_ref().map(|m| testdata().join("models").join(format!("{m}.yaml")))
    }

    /// Loads the model (from its file), the text and the objects with `strictness`.
    pub fn load(&self, strictness: Strictness) -> Result<Cluster, netpol::Error> {
        let mut loader = Loader::new(LoadOptions { strictness, ..LoadOptions::default() });
        if let Some(path) = self.model_path() {
            loader.add_path(&path);
        }
        if let Some(raw) = &self.raw {
            loader.add_str(raw, "raw");
        }
        if let Some(objects) = &self.objects {
            loader.add_objects(objects.clone(), "objects");
        }
        loader.finish()
    }

    /// The model's objects and then the case's, for a face that takes one document; `None` for
    /// a case given as literal text.
    pub fn items(&self) -> Option<Vec<Value>> {
        if self.raw.is_some() {
            return None;
        }
        let mut items = self.model_path().map(|p| objects_of(parse_yaml(&p))).unwrap_or_default();
        items.extend(self.objects.iter().flatten().cloned());
        Some(items)
    }
}

/// The fields every case has: where it comes from, its name, the rules it cites and its input.
fn common(file: &str, case: &Value) -> (String, Vec<String>, Input) {
    let name = case["name"].as_str().unwrap_or_else(|| panic!("{file}: a case without a name")).to_string();
    let rules =
        case.get("rules").map(|r| r.as_array().unwrap_or_else(|| panic!("{file}: {name}: rules is not a list")));
    let rules = rules
        .into_iter()
        .flatten()
        .map(|r| r.as_str().unwrap_or_else(|| panic!("{file}: {name}: rule {r} is not a string")).to_string())
        .collect();
    let input = Input::parse(&format!("{file}: {name}"), case);
    (name, rules, input)
}

/// A valid case: a cluster, options and expected verdicts.
#[derive(Clone, Debug)]
pub struct Case {
    /// The corpus file (`cases/<file>`).
    pub file: String,
    /// Unique across the corpus.
    pub name: String,
    /// The rules of DESIGN §2 it exercises.
    pub rules: Vec<String>,
    pub input: Input,
    pub options: Options,
    /// How the case loads: strict unless its options say `strictness: lenient` (a case about
    /// what lenient mode keeps, such as rules that fail closed, S15.8).
    pub strictness: Strictness,
    pub expect: Vec<Expectation>,
}

impl Case {
    fn parse(file: String, case: &Value) -> Case {
        let (name, rules, input) = common(&file, case);
        let at = format!("{file}: {name}");
        let expect = case["expect"].as_array().unwrap_or_else(|| panic!("{at}: no expect list"));
        let expect = expect.iter().map(|e| Expectation::parse(&at, e)).collect();
        let strictness = match case["options"].get("strictness").map(|v| v.as_str()) {
            None | Some(Some("strict")) => Strictness::Strict,
            Some(Some("lenient")) => Strictness::Lenient,
            Some(other) => panic!("{at}: unknown strictness {other:?} (strict, lenient)"),
        };
        Case { options: options(&at, &case["options"]), strictness, file, name, rules, input, expect }
    }

    /// Every ordered pair of `pods` (qualified names, in the cluster's order) with the verdict
    /// `matrix` expects for it; a pod to itself is allowed whatever the cells say under
    /// [`SelfTraffic::Allow`].
    pub fn matrix_cells(&self, matrix: &Matrix, pods: &[String]) -> Vec<(usize, usize, bool)> {
        let mut out = Vec::with_capacity(pods.len() * pods.len());
        for (s, src) in pods.iter().enumerate() {
            for (d, dst) in pods.iter().enumerate() {
                let self_allowed = s == d && self.options.self_traffic == SelfTraffic::Allow;
                out.push((s, d, self_allowed || matrix.expected(src, dst)));
            }
        }
        out
    }
}

fn options(at: &str, o: &Value) -> Options {
    let mut options = Options::default();
    match o.get("self_traffic").map(|v| (v.as_str(), v)) {
        None | Some((Some("allow"), _)) => {}
        Some((Some("evaluate"), _)) => options.self_traffic = SelfTraffic::Evaluate,
        Some((_, other)) => panic!("{at}: unknown self_traffic {other} (allow, evaluate)"),
    }
    if let Some(b) = o.get("ip_block_matches_pods") {
        options.ip_block_matches_pods =
            b.as_bool().unwrap_or_else(|| panic!("{at}: ip_block_matches_pods is not a boolean"));
    }
    if let Some(t) = o.get("tie") {
        let text = t.as_str().unwrap_or_else(|| panic!("{at}: tie is not a string"));
        options.tie = text.parse().unwrap_or_else(|e| panic!("{at}: tie {text:?}: {e}"));
    }
    options
}

/// One entry of a case's `expect`.
#[derive(Clone, Debug)]
pub enum Expectation {
    Matrix(Matrix),
    Check(Check),
}

impl Expectation {
    fn parse(at: &str, e: &Value) -> Expectation {
        if let Some(m) = e.get("matrix") {
            let default = e["default"].as_bool().unwrap_or_else(|| panic!("{at}: matrix without default"));
            let cells = e["cells"].as_array().into_iter().flatten();
            let cells = cells
                .map(|c| {
                    let text = |key: &str| {
                        c[key].as_str().unwrap_or_else(|| panic!("{at}: matrix cell without {key}: {c}")).to_string()
                    };
                    let allowed = c["allowed"].as_bool().unwrap_or_else(|| panic!("{at}: matrix cell without allowed"));
                    Cell { from: text("from"), to: text("to"), allowed }
                })
                .collect();
            Expectation::Matrix(Matrix { port: port(&m["port"]), protocol: protocol(&m["protocol"]), default, cells })
        } else {
            let text = |key: &str| e[key].as_str().unwrap_or_else(|| panic!("{at}: check without {key}")).to_string();
            Expectation::Check(Check {
                from: text("from"),
                to: text("to"),
                port: port(&e["port"]),
                protocol: protocol(&e["protocol"]),
                allowed: e["allowed"].as_bool().unwrap_or_else(|| panic!("{at}: check without allowed")),
                families: e.get("families").map(|f| families(at, f)),
            })
        }
    }
}

/// A truth table over every ordered pod pair on one port: `default`, then `cells` in order
/// (a later cell wins).
#[derive(Clone, Debug)]
pub struct Matrix {
    pub port: u16,
    pub protocol: Protocol,
    pub default: bool,
    pub cells: Vec<Cell>,
}

impl Matrix {
    /// What the table says for `src -> dst` (qualified pod names), self traffic aside.
    pub fn expected(&self, src: &str, dst: &str) -> bool {
        let mut expected = self.default;
        for cell in &self.cells {
            if covers(&cell.from, src) && covers(&cell.to, dst) {
                expected = cell.allowed;
            }
        }
        expected
    }
}

/// One line of a matrix: patterns `*`, `ns/*`, `*/pod` or `ns/pod`.
#[derive(Clone, Debug)]
pub struct Cell {
    pub from: String,
    pub to: String,
    pub allowed: bool,
}

/// A single check: `from`/`to` are `ns/name` or an IP address.
#[derive(Clone, Debug)]
pub struct Check {
    pub from: String,
    pub to: String,
    pub port: u16,
    pub protocol: Protocol,
    pub allowed: bool,
    /// The verdict in each family both ends share, exactly (S9a), when the case gives them.
    pub families: Option<FamilyVerdicts>,
}

/// Whether `pattern` (`*`, `ns/*`, `*/pod`, `ns/pod`) covers `pod` (`ns/name`).
pub fn covers(pattern: &str, pod: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (pns, pname) = pattern.split_once('/').unwrap_or_else(|| panic!("bad pattern {pattern}"));
    let (ns, name) = pod.split_once('/').unwrap();
    (pns == "*" || pns == ns) && (pname == "*" || pname == name)
}

/// TCP when absent.
fn protocol(v: &Value) -> Protocol {
    v.as_str().map_or(Protocol::Tcp, |p| Protocol::parse(p).unwrap_or_else(|| panic!("bad protocol {p}")))
}

fn port(v: &Value) -> u16 {
    v.as_u64().and_then(|p| u16::try_from(p).ok()).unwrap_or_else(|| panic!("bad port {v}"))
}

/// A check's `families`: `{ipv4: bool, ipv6: bool}`, only the shared ones, `{}` for none.
fn families(at: &str, v: &Value) -> FamilyVerdicts {
    let map = v.as_object().unwrap_or_else(|| panic!("{at}: families is not a map: {v}"));
    let mut out = FamilyVerdicts::default();
    for (key, allowed) in map {
        let family = Family::ALL.into_iter().find(|f| f.key() == key);
        let family = family.unwrap_or_else(|| panic!("{at}: unknown family {key} (ipv4, ipv6)"));
        out.set(family, Some(allowed.as_bool().unwrap_or_else(|| panic!("{at}: families.{key} is not a boolean"))));
    }
    out
}

/// An invalid case: an input the API server would reject, with the errors expected.
#[derive(Clone, Debug)]
pub struct InvalidCase {
    /// The corpus file (`invalid/<file>`).
    pub file: String,
    pub name: String,
    pub rules: Vec<String>,
    pub input: Input,
    /// Strict loading fails with (at least) these; lenient loading warns with them.
    pub errors: Vec<ExpectedError>,
    /// Lenient loading fails too (the input is not readable at all).
    pub lenient_fails: bool,
}

impl InvalidCase {
    fn parse(file: String, case: &Value) -> InvalidCase {
        let (name, rules, input) = common(&file, case);
        let errors = case["errors"].as_array().unwrap_or_else(|| panic!("{file}: {name}: no errors list"));
        let errors = errors
            .iter()
            .map(|e| ExpectedError {
                object: e["object"].as_str().map(String::from),
                field: e["field"].as_str().map(String::from),
                message: e["message"].as_str().map(String::from),
            })
            .collect();
        let lenient_fails = case["lenient_fails"].as_bool() == Some(true);
        InvalidCase { file, name, rules, input, errors, lenient_fails }
    }
}

/// An expected diagnostic: each given part must match (the object's qualified name exactly,
/// the field exactly, the message as a substring).
#[derive(Clone, Debug)]
pub struct ExpectedError {
    pub object: Option<String>,
    pub field: Option<String>,
    pub message: Option<String>,
}

impl ExpectedError {
    pub fn matches(&self, d: &Diagnostic) -> bool {
        let object_ok = self.object.as_ref().is_none_or(|o| d.object().is_some_and(|x| x.qualified_name() == *o));
        let field_ok = self.field.as_ref().is_none_or(|f| d.field() == f);
        let message_ok = self.message.as_ref().is_none_or(|m| d.message().contains(m.as_str()));
        object_ok && field_ok && message_ok
    }
}

impl fmt::Display for ExpectedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [("object", &self.object), ("field", &self.field), ("message", &self.message)];
        let parts: Vec<String> = parts.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v:?}"))).collect();
        write!(f, "{{{}}}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_cover_pods() {
        assert!(covers("*", "x/a"));
        assert!(covers("x/*", "x/a") && !covers("x/*", "y/a"));
        assert!(covers("*/a", "y/a") && !covers("*/a", "y/b"));
        assert!(covers("x/a", "x/a") && !covers("x/a", "x/b"));
    }

    #[test]
    fn a_later_cell_wins() {
        let cell = |from: &str, to: &str, allowed| Cell { from: from.into(), to: to.into(), allowed };
        let m = Matrix {
            port: 80,
            protocol: Protocol::Tcp,
            default: true,
            cells: vec![cell("*", "x/*", false), cell("y/*", "x/a", true)],
        };
        assert!(m.expected("y/b", "x/a") && !m.expected("z/b", "x/a") && !m.expected("y/b", "x/b"));
        assert!(m.expected("x/a", "y/a"));
    }
}
