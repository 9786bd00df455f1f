//! Kubernetes input: YAML and JSON text, files, directories and streams, as `kubectl` prints them.
//!
//! Accepts single objects, multi-document YAML streams (empty documents and a trailing `---`
//! included), concatenated JSON objects, and `kind: List` / `*List` objects with `items`.
//! Namespaces, Pods and NetworkPolicies are read through the k8s-openapi types (so wrong field
//! types are reported with their path); so are Deployments, StatefulSets, DaemonSets,
//! ReplicaSets, Jobs and CronJobs, each of which, given without pods of its own, counts as one
//! representative pod of its template named `kind/name` (`deployment/api`), and real pods are
//! matched to their workloads (owner references, the controllers' naming and labels, the
//! workloads' selectors). Every other kind is counted and skipped. The result is a
//! [`RawCluster`] that [`RawCluster::validate`] turns into a [`Cluster`].
//!
//! Diagnostics about objects read from text get a [`line`](Diagnostic::line): the loader keeps
//! the texts and each object's place, and when it is done finds the line of each problem's field
//! (`locate`); parse errors carry the parser's line.

mod admin;
mod block;
mod convert;
mod decode;
mod dns_map;
mod events;
mod locate;
mod sources;
mod split;
mod watch;
mod workloads;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::format;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;

use serde_json::Value;

pub use dns_map::parse_dns_map;
pub use sources::{SourceLine, SourceMap};
pub use watch::{EventType, WatchItem, WatchStream};

use crate::limits::Limits;
use crate::raw::{RawCluster, Strictness};
use crate::{Cluster, Diagnostic, Error};

/// Default cap on the bytes of one input (file, stream or string): 2 GiB, room for a
/// `kubectl get -o json` dump of about 80,000 pods (about 24 KB each, managedFields and all).
pub const DEFAULT_MAX_INPUT_BYTES: usize = 2 << 30;

/// How to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Strict fails on any object the API server would reject; lenient skips and reports it.
    pub strictness: Strictness,
    /// Inputs larger than this are refused with an error (they are not read further).
    pub max_input_bytes: usize,
    /// Caps on objects, nesting, alias expansion and the size of each object (see [`Limits`]).
    pub limits: Limits,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            strictness: Strictness::Strict,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            limits: Limits::default(),
        }
    }
}

/// Gathers objects from any number of inputs, then validates them together.
#[derive(Debug, Default)]
pub struct Loader {
    options: LoadOptions,
    raw: RawCluster,
    errors: Vec<Diagnostic>,
    skipped_kinds: BTreeMap<String, usize>,
    /// Objects read so far, for `limits.max_objects`.
    objects: usize,
    /// Objects read so far other than Lists, for [`Loader::refuse_empty_since`].
    read: usize,
    workloads: Vec<workloads::WorkloadObject>,
    default_namespace: Option<String>,
    /// The texts objects were read from (JSON or not), kept to place diagnostics on lines.
    texts: Vec<(String, bool)>,
    /// Per object read from a text: its origin, the text and where in it the object is.
    places: Vec<(String, usize, locate::Place)>,
    /// Per text in `texts`: its origin (a file's path as given).
    text_origins: Vec<String>,
    /// Whether to keep, past the load, where each object is ([`Loader::keep_sources`]).
    keep_sources: bool,
    /// With `keep_sources`: per object of a kind read (`NetworkPolicy shop/web`), its text and
    /// place.
    object_places: Vec<(String, usize, locate::Place)>,
    /// Errors past the first [`MAX_REPORTED`]: counted, not kept (a flood of bad objects would
    /// otherwise hold a diagnostic each).
    unreported: usize,
}

/// How far a [`Loader`] has read: see [`Loader::mark`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    read: usize,
    errors: usize,
}

/// The most diagnostics of one load placed on lines: placing walks their texts again and holds
/// the tree of each object asked about, so a pathological input with very many problems stays
/// fast (the rest keep `line() == None`).
const MAX_PLACED: usize = 1_000;

/// The most errors one load reports; past it, the rest are counted in one last diagnostic.
const MAX_REPORTED: usize = 1_000;

impl Loader {
    /// A loader with `options`.
    pub fn new(options: LoadOptions) -> Loader {
        Loader { options, ..Loader::default() }
    }

    /// The namespace of pods, policies and workloads that name none (instead of `default`).
    pub fn with_default_namespace(mut self, namespace: Option<String>) -> Loader {
        self.default_namespace = namespace;
        self
    }

    /// Keeps the texts and where each object is in them past the load, for
    /// [`Loader::finish_with_sources`].
    pub fn keep_sources(mut self) -> Loader {
        self.keep_sources = true;
        self
    }

    /// Records an error; past [`MAX_REPORTED`] it is only counted.
    fn error(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
        self.cap_errors();
    }

    /// Keeps the first [`MAX_REPORTED`] errors, counting the rest.
    fn cap_errors(&mut self) {
        if self.errors.len() > MAX_REPORTED {
            self.unreported += self.errors.len() - MAX_REPORTED;
            self.errors.truncate(MAX_REPORTED);
        }
    }

    /// Where the loader is now, for [`Loader::refuse_empty_since`].
    pub fn mark(&self) -> Mark {
        Mark { read: self.read, errors: self.errors.len() + self.unreported }
    }

    /// Fails the load, naming `origin`, when nothing was added since `mark`: neither an object
    /// (a List's items count, the List does not) nor a problem. So an empty file, an empty
    /// directory, `/dev/null` or a closed stream is an error rather than an empty cluster,
    /// which would allow everything.
    pub fn refuse_empty_since(&mut self, mark: Mark, origin: &str) {
        if self.mark() == mark {
            let message = "no Kubernetes objects: the input is empty (allow it with the allow_empty option, \
                           `--allow-empty`, if an empty cluster is meant)";
            self.error(Diagnostic::new(None, "", message).with_origin(Some(origin)));
        }
    }

    /// Adds the objects in `text` (YAML or JSON); `origin` names it in diagnostics.
    pub fn add_str(&mut self, text: &str, origin: &str) {
        self.add_text(Cow::Borrowed(text), origin);
    }

    /// Adds the objects in `text`, which is kept (without a copy when owned) to place
    /// diagnostics on lines.
    fn add_text(&mut self, text: Cow<'_, str>, origin: &str) {
        if text.len() > self.options.max_input_bytes {
            self.too_large(origin, text.len());
            return;
        }
        let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let json = trimmed.starts_with('{') || trimmed.starts_with('[');
        let documents = if json {
            // serde_json counts lines from where `trimmed` starts.
            let skipped = text[..text.len() - trimmed.len()].matches('\n').count() as u32;
            parse_json(trimmed, &self.options.limits).map_err(|(m, line)| (m, line.map(|l| l + skipped)))
        } else {
            parse_yaml(&text, &self.options.limits)
        };
        match documents {
            Ok(docs) => {
                use decode::Node;
                let index = self.texts.len();
                let places = self.places.len();
                // A top-level JSON array's entries are documents each, read one by one.
                let count: usize = docs
                    .iter()
                    .map(|doc| match doc {
                        Node::Array(items) if json => items.len(),
                        _ => 1,
                    })
                    .sum();
                let at = |n: usize| if count > 1 { format!("{origin} (document {n})") } else { origin.to_string() };
                let mut n = 0;
                for (document, doc) in docs.into_iter().enumerate() {
                    match doc {
                        Node::Array(items) if json => {
                            for (i, item) in items.into_iter().enumerate() {
                                let item = if matches!(item, Node::Array(_)) { Node::NotAnObject } else { item };
                                let steps = Vec::from([locate::Step::Index(i)]);
                                n += 1;
                                self.add_node(item, &at(n), Some((index, locate::Place { document, steps })));
                            }
                        }
                        doc => {
                            n += 1;
                            let place = locate::Place { document, steps: Vec::new() };
                            self.add_node(doc, &at(n), Some((index, place)));
                        }
                    }
                }
                if self.places.len() > places {
                    self.texts.push((text.into_owned(), json));
                    self.text_origins.push(origin.to_string());
                }
            }
            Err((message, line)) => {
                self.error(Diagnostic::new(None, "", message).with_origin(Some(origin)).with_line(line))
            }
        }
    }

    /// Adds the objects in `bytes`, which must be UTF-8.
    pub fn add_bytes(&mut self, bytes: &[u8], origin: &str) {
        if bytes.len() > self.options.max_input_bytes {
            self.too_large(origin, bytes.len());
            return;
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.add_str(text, origin),
            Err(e) => self.not_utf8(bytes, e, origin),
        }
    }

    fn not_utf8(&mut self, bytes: &[u8], e: std::str::Utf8Error, origin: &str) {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        self.error(
            Diagnostic::new(None, "", format!("not UTF-8 text (invalid byte at line {line}, offset {offset})"))
                .with_origin(Some(origin))
                .with_line(u32::try_from(line).ok()),
        )
    }

    /// Adds everything readable from `reader` (such as stdin), up to the size limit.
    pub fn add_reader(&mut self, reader: impl Read, origin: &str) {
        self.add_reader_sized(reader, origin, 0);
    }

    /// [`Loader::add_reader`], with room made for `expected` bytes up front (a file's size), so
    /// that a large input is not copied as its buffer grows.
    fn add_reader_sized(&mut self, reader: impl Read, origin: &str, expected: usize) {
        let limit = self.options.max_input_bytes as u64 + 1;
        let mut bytes = Vec::with_capacity(expected.min(limit as usize));
        match reader.take(limit).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() > self.options.max_input_bytes => self.too_large(origin, bytes.len()),
            Ok(_) => match String::from_utf8(bytes) {
                Ok(text) => self.add_text(Cow::Owned(text), origin),
                Err(e) => self.not_utf8(e.as_bytes(), e.utf8_error(), origin),
            },
            Err(e) => self.error(Diagnostic::new(None, "", format!("cannot read: {e}")).with_origin(Some(origin))),
        }
    }

    /// Adds a file, or every `*.yaml`, `*.yml` and `*.json` file under a directory (recursively,
    /// in name order). Symlinks are followed, but each directory is read once (by its canonical
    /// path), so a symlink loop ends; in a directory, entries that are not regular files (FIFOs,
    /// sockets, devices) are skipped with a warning, as reading them could block forever. A
    /// path given itself is read whatever it is (`<(kubectl get ...)` is a pipe).
    pub fn add_path(&mut self, path: &Path) {
        self.add_path_once(path, &mut BTreeSet::new());
    }

    fn add_path_once(&mut self, path: &Path, directories: &mut BTreeSet<PathBuf>) {
        let origin = path.display().to_string();
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.error(Diagnostic::new(None, "", format!("cannot read: {e}")).with_origin(Some(&origin)));
                return;
            }
        };
        if meta.is_dir() {
            let canonical = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            if !directories.insert(canonical.clone()) {
                let message =
                    format!("skipped: the directory {} is read already (a symlink leads to it)", canonical.display());
                self.raw.warnings.push(Diagnostic::new(None, "", message).with_origin(Some(&origin)));
                return;
            }
            let entries = match fs::read_dir(path) {
                Ok(rd) => rd.collect::<Result<Vec<_>, _>>(),
                Err(e) => Err(e),
            };
            match entries {
                Ok(mut entries) => {
                    entries.sort_by_key(|e| e.file_name());
                    for entry in entries {
                        let p = entry.path();
                        let is_input = p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
                        match fs::metadata(&p) {
                            Ok(m) if m.is_dir() => self.add_path_once(&p, directories),
                            Ok(m) if is_input && !m.is_file() => {
                                let message = "skipped: not a regular file (a FIFO, socket or device)";
                                let origin = p.display().to_string();
                                self.raw.warnings.push(Diagnostic::new(None, "", message).with_origin(Some(&origin)));
                            }
                            _ if is_input => self.add_path_once(&p, directories),
                            _ => {}
                        }
                    }
                }
                Err(e) => self
                    .errors
                    .push(Diagnostic::new(None, "", format!("cannot list directory: {e}")).with_origin(Some(&origin))),
            }
            return;
        }
        if meta.len() > self.options.max_input_bytes as u64 {
            self.too_large(&origin, meta.len() as usize);
            return;
        }
        match fs::File::open(path) {
            Ok(f) => self.add_reader_sized(f, &origin, meta.len() as usize + 1),
            Err(e) => self.error(Diagnostic::new(None, "", format!("cannot read: {e}")).with_origin(Some(&origin))),
        }
    }

    /// Adds already-parsed objects (what `yaml.safe_load_all` or a client's `to_dict()` give).
    pub fn add_objects(&mut self, objects: Vec<Value>, origin: &str) {
        for (i, object) in objects.into_iter().enumerate() {
            self.add_node(decode::Node::from_value(object), &format!("{origin}[{i}]"), None);
        }
    }

    fn too_large(&mut self, origin: &str, size: usize) {
        self.error(
            Diagnostic::new(
                None,
                "",
                format!(
                    "input is {size} bytes, over the limit of {} bytes (raise it with the max_input_bytes option)",
                    self.options.max_input_bytes
                ),
            )
            .with_origin(Some(origin)),
        );
    }

    /// Adds one document or List item; `place` is where it is in which of `texts`, for lines.
    fn add_node(&mut self, node: decode::Node, origin: &str, place: Option<(usize, locate::Place)>) {
        use decode::Node;
        if matches!(node, Node::Empty) {
            return; // An empty document.
        }
        self.objects += 1;
        let max = self.options.limits.max_objects;
        if self.objects > max {
            if self.objects == max + 1 {
                let message = Limits::over(self.objects, "objects or more", max, "objects");
                self.error(
                    Diagnostic::new(None, "", format!("{message}; the rest is not read")).with_origin(Some(origin)),
                );
            }
            return;
        }
        let remember = |loader: &mut Loader| {
            if let Some((text, place)) = &place {
                loader.places.push((origin.to_string(), *text, place.clone()));
            }
        };
        // Where a problem with the whole object is to be placed: only while problems are still
        // reported, so that a flood of bad objects holds nothing per object.
        let remember_problem = |loader: &mut Loader| {
            if loader.errors.len() < MAX_REPORTED {
                remember(loader);
            }
        };
        let object = match node {
            Node::Empty => return,
            Node::List(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    let item_place = place.as_ref().map(|(text, p)| {
                        let mut p = p.clone();
                        p.steps.extend([locate::Step::Key("items"), locate::Step::Index(i)]);
                        (*text, p)
                    });
                    self.add_node(item, &format!("{origin} items[{i}]"), item_place);
                }
                return;
            }
            Node::NotAnObject | Node::Array(_) => {
                remember_problem(self);
                self.error(
                    Diagnostic::new(None, "kind", "not a Kubernetes object: not an object").with_origin(Some(origin)),
                );
                return;
            }
            Node::Kindless => {
                remember_problem(self);
                self.error(
                    Diagnostic::new(None, "kind", "not a Kubernetes object: an object without `kind`")
                        .with_origin(Some(origin)),
                );
                return;
            }
            Node::Skipped(kind) => {
                self.read += 1;
                *self.skipped_kinds.entry(kind).or_default() += 1;
                return;
            }
            Node::Object(Err(problem)) => {
                self.read += 1;
                remember_problem(self);
                let diagnostic =
                    Diagnostic::new(problem.object, problem.field, problem.message).with_origin(Some(origin));
                self.options.strictness.reject([diagnostic], &mut self.errors, &mut self.raw.warnings);
                self.cap_errors();
                return;
            }
            Node::Object(Ok(object)) => *object,
        };
        // Of a kind read: `Node::Object` holds no other (see `decode::kept_kind`).
        let kind = object.kind.clone().unwrap_or_default();
        self.read += 1;
        // Objects of the kinds read may have problems to place on lines.
        remember(self);
        let reference = || convert::reference(&kind, &object.meta);
        let mut problems = Vec::new();
        match convert::check_api_version(&kind, object.api_version.as_deref()) {
            Ok(None) => {}
            Ok(Some(warning)) => self
                .raw
                .warnings
                .push(Diagnostic::new(Some(reference()), "apiVersion", warning).with_origin(Some(origin))),
            Err(problem) => {
                problems.push(Diagnostic::new(Some(reference()), "apiVersion", problem).with_origin(Some(origin)))
            }
        }
        let mut unknown = object.unknown.clone();
        let reference = reference();
        if self.keep_sources {
            if let Some((text, place)) = &place {
                let key = match (&object.meta.namespace, &self.default_namespace, reference.namespace()) {
                    // No namespace given: the one `--namespace` names, as the validator does.
                    (None, Some(default), Some(_)) => format!("{kind} {default}/{}", reference.name()),
                    _ => reference.to_string(),
                };
                self.object_places.push((key, *text, place.clone()));
            }
        }
        let result = if !problems.is_empty() {
            Ok(())
        } else {
            match (kind.as_str(), object.body) {
                ("Namespace", _) => {
                    let meta = object.meta;
                    self.raw.namespaces.push(convert::namespace(&meta, origin));
                    Ok(())
                }
                ("Pod", decode::Body::Pod { spec, status }) => {
                    convert::pod(object.meta, spec.as_ref(), status, origin).map(|p| self.raw.pods.push(p))
                }
                ("Pod", _) => convert::pod(object.meta, None, None, origin).map(|p| self.raw.pods.push(p)),
                ("NetworkPolicy", body) => {
                    convert::policy(object.meta, body, origin).map(|p| self.raw.policies.push(p))
                }
                ("Node", body) => {
                    let status = match body {
                        decode::Body::Node { status } => status,
                        _ => None,
                    };
                    self.raw.nodes.push(admin::node(&object.meta, status, origin));
                    Ok(())
                }
                (k, body) if admin::is_cluster_policy(k) => {
                    let spec = match body {
                        decode::Body::ClusterPolicy { spec } => spec,
                        _ => None,
                    };
                    self.raw.cluster_policies.push(admin::cluster_policy(k, object.meta, spec, origin, &mut unknown));
                    Ok(())
                }
                (k, body) => {
                    let spec = match body {
                        decode::Body::Workload { spec } => spec,
                        _ => None,
                    };
                    match workloads::workload(k, object.meta, spec, origin, &mut unknown) {
                        Ok(Some(w)) => {
                            self.workloads.push(w);
                            Ok(())
                        }
                        Ok(None) => {
                            // No pod template: nothing to make a pod of.
                            *self.skipped_kinds.entry(kind.clone()).or_default() += 1;
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
            }
        };
        if let Err(problem) = result {
            problems.push(problem);
        }
        self.options.strictness.reject(problems, &mut self.errors, &mut self.raw.warnings);
        self.cap_errors();
        for field in unknown {
            let hint = field.suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            let message = format!("unknown field `{}`{hint}", field.path.rsplit('.').next().unwrap_or(&field.path));
            let diagnostic = Diagnostic::new(Some(reference.clone()), field.path, message).with_origin(Some(origin));
            match self.options.strictness {
                Strictness::Strict => self.error(diagnostic),
                Strictness::Lenient => {
                    let message = format!("{} (ignored: lenient mode)", diagnostic.message());
                    self.raw.warnings.push(diagnostic.with_message(message));
                }
            }
        }
    }

    /// Validates everything added and builds the cluster. Input that could not be read or
    /// parsed always fails (what it held is unknown); objects the API server would reject fail
    /// in strict mode and are skipped with a warning in lenient mode.
    pub fn finish(self) -> Result<Cluster, Error> {
        self.finish_with_sources().map(|(cluster, _)| cluster)
    }

    /// [`Loader::finish`], with where each object is in the input texts; the [`SourceMap`] is
    /// empty unless [`Loader::keep_sources`] was asked for.
    pub fn finish_with_sources(mut self) -> Result<(Cluster, SourceMap), Error> {
        if !self.skipped_kinds.is_empty() {
            let total: usize = self.skipped_kinds.values().sum();
            let list = self.skipped_kinds.iter().map(|(k, n)| format!("{k} ({n})")).collect::<Vec<_>>().join(", ");
            self.raw.warnings.push(Diagnostic::new(
                None,
                "",
                format!("skipped {} of kinds netpol does not read: {list}", crate::spec::plural(total, "object")),
            ));
        }
        let objects = core::mem::take(&mut self.workloads);
        workloads::resolve(&mut self.raw, objects, self.default_namespace.as_deref());
        let validated = core::mem::take(&mut self.raw).validate_with(self.options.strictness, &self.options.limits);
        let mut cluster = match validated {
            Ok(cluster) => Some(cluster),
            Err(e) => {
                self.errors.extend(e.diagnostics().iter().cloned());
                self.cap_errors();
                None
            }
        };
        let mut errors = core::mem::take(&mut self.errors);
        if self.unreported > 0 {
            // A flood of bad objects (2,000,000 `{}` printed a million lines): the first ones, and
            // how many more.
            errors.push(Diagnostic::new(
                None,
                "",
                format!(
                    "{} not shown (the first {MAX_REPORTED} are above)",
                    crate::spec::plural(self.unreported, "more problem")
                ),
            ));
        }
        let warnings = cluster.as_mut().map(Cluster::warnings_mut).unwrap_or_default();
        self.place_lines(errors.iter_mut().chain(warnings.iter_mut()));
        match cluster {
            Some(cluster) if errors.is_empty() => Ok((cluster, self.source_map())),
            _ => Err(Error::new(errors)),
        }
    }

    /// The texts and the objects' places, when kept.
    fn source_map(self) -> SourceMap {
        if !self.keep_sources {
            return SourceMap::default();
        }
        let texts = self.text_origins.into_iter().zip(self.texts).map(|(o, (t, json))| (o, t, json)).collect();
        let mut objects = std::collections::HashMap::with_capacity(self.object_places.len());
        for (key, text, place) in self.object_places {
            objects.entry(key).or_insert((text, place));
        }
        SourceMap { texts, objects }
    }

    /// Sets the line of each diagnostic about an object read from text (the first
    /// [`MAX_PLACED`]): of its field when the field is in the text, else of the object.
    fn place_lines<'d>(&self, diagnostics: impl Iterator<Item = &'d mut Diagnostic>) {
        // Problems with an input as a whole (parse errors) carry their own line, if any.
        let wanted: Vec<&mut Diagnostic> = diagnostics
            .filter(|d| d.line().is_none() && (d.object().is_some() || !d.field().is_empty()) && d.origin().is_some())
            .collect();
        if self.places.is_empty() || wanted.is_empty() {
            return;
        }
        // An origin given to two objects (one name passed with two inputs) places neither.
        let mut by_origin: BTreeMap<&str, Option<usize>> = BTreeMap::new();
        for (i, (origin, ..)) in self.places.iter().enumerate() {
            by_origin.entry(origin).and_modify(|p| *p = None).or_insert(Some(i));
        }
        let mut by_text: BTreeMap<usize, Vec<(&mut Diagnostic, usize)>> = BTreeMap::new();
        let placeable = wanted.into_iter().filter_map(|d| match d.origin().and_then(|o| by_origin.get(o)) {
            Some(&Some(p)) => Some((d, p)),
            _ => None,
        });
        for (d, p) in placeable.take(MAX_PLACED) {
            by_text.entry(self.places[p].1).or_default().push((d, p));
        }
        for (text, diagnostics) in by_text {
            let (source, json) = &self.texts[text];
            let requests: Vec<(&locate::Place, &str)> =
                diagnostics.iter().map(|(d, p)| (&self.places[*p].2, d.field())).collect();
            let lines = locate::lines(source, *json, &requests);
            for ((d, _), line) in diagnostics.into_iter().zip(lines) {
                if let Some(line) = line {
                    d.set_line(line);
                }
            }
        }
    }
}

/// A parse error's message and line.
type ParseError = (String, Option<u32>);

/// The YAML reader's options for `len` bytes of text. Its budget is scaled with the input, so
/// that large real dumps pass, while alias expansion cannot blow up (`limits.max_alias_events`):
/// every node, event and document of plain YAML takes at least two bytes of input, and its
/// scalars are at most the input (a 150,000-pod dump holds more than the reader's default of
/// 64 MiB of scalars).
fn yaml_options(len: usize, limits: &Limits) -> serde_saphyr::Options {
    let per_byte = len / 2;
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: per_byte.max(1_000_000),
            max_nodes: per_byte.max(250_000),
            max_documents: per_byte.max(1_024),
            max_total_scalar_bytes: len.max(64 << 20),
            max_depth: limits.depth(),
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: limits.max_alias_events,
        },
        // YAML 1.2 booleans only: `y`, `on` and `no` are strings (label values such as `ns: y`).
        strict_booleans: true,
    }
}

/// The documents of a YAML stream (empty ones left out), each with its place: decoded as they
/// are parsed, or, when that fails, parsed into values and each object decoded on its own, so
/// that every problem is named with its object and field.
fn parse_yaml(text: &str, limits: &Limits) -> Result<Vec<decode::Node>, ParseError> {
    let options = yaml_options(text.len(), limits);
    // The streaming decode refuses a repeated key wherever it reads one (derived structs,
    // label maps, the object's own keys), and skips the rest unread: the parser need not
    // remember every key of every mapping it skips.
    // First the fast reader, for the YAML it reads exactly as serde-saphyr does (`events`), a
    // large List on two threads (`split`); on anything else, serde-saphyr.
    if let Some(documents) = split::documents(text, limits.depth(), node_budget(limits)) {
        return Ok(documents);
    }
    if let Ok(documents) =
        decode::with_node_budget(node_budget(limits), || events::documents::<decode::Node>(text, limits.depth()))
    {
        return Ok(documents);
    }
    let mut streaming = options.clone();
    streaming.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    let fast = decode::with_node_budget(node_budget(limits), || {
        serde_saphyr::from_multiple_with_options::<decode::Node>(text, streaming)
    });
    match fast {
        Ok(documents) => return Ok(documents),
        Err(e) => {
            let line = e.location().and_then(|l| u32::try_from(l.line()).ok()).filter(|&l| l > 0);
            if let Some(refused) = without_fallback(&e.to_string(), text.len(), limits) {
                return Err((refused, line));
            }
        }
    }
    let documents = serde_saphyr::from_multiple_with_options::<Value>(text, options).map_err(|e| {
        let line = e.location().and_then(|l| u32::try_from(l.line()).ok()).filter(|&l| l > 0);
        let e = e.to_string();
        let hint = if e.contains("alias replay") {
            format!(" (the `alias-events` limit is {})", limits.max_alias_events)
        } else if e.contains("Depth") || e.contains("nesting") {
            format!(" (the `depth` limit is {})", limits.depth())
        } else {
            String::new()
        };
        (format!("malformed YAML: {e}{hint}"), line)
    })?;
    Ok(documents.into_iter().map(decode::Node::from_value).collect())
}

/// The values of a JSON stream (a top-level array's entries each one), each with its place:
/// decoded as they are parsed, or, when that fails, as [`parse_yaml`] does.
fn parse_json(text: &str, limits: &Limits) -> Result<Vec<decode::Node>, ParseError> {
    if nesting(text.as_bytes()) <= limits.depth() {
        let stream = serde_json::Deserializer::from_str(text).into_iter::<decode::Node>();
        match decode::with_node_budget(node_budget(limits), || stream.collect::<Result<Vec<_>, _>>()) {
            Ok(nodes) => return Ok(nodes),
            Err(e) => {
                let line = u32::try_from(e.line()).ok().filter(|&l| l > 0);
                if let Some(refused) = without_fallback(&e.to_string(), text.len(), limits) {
                    return Err((refused, line));
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<decode::UniqueKeys>();
    loop {
        // Where the next value begins, for the line of a problem with it as a whole.
        let start = stream.byte_offset();
        let start = start + text[start..].len() - text[start..].trim_start().len();
        let Some(item) = stream.next() else { break };
        match item {
            Ok(decode::UniqueKeys(v)) if depth(&v) > limits.depth() => {
                let (n, max) = (depth(&v), limits.depth());
                let message =
                    format!("JSON nested {n} deep: over the limit of {max} (raise it with the `depth` limit)");
                let line = text[..start].matches('\n').count() + 1;
                return Err((message, u32::try_from(line).ok()));
            }
            Ok(decode::UniqueKeys(v)) => out.push(decode::Node::from_value(v)),
            Err(e) => return Err((format!("malformed JSON: {e}"), u32::try_from(e.line()).ok().filter(|&l| l > 0))),
        }
    }
    Ok(out)
}

/// Inputs up to this size that the streaming decode refuses are decoded again as values, to
/// name every problem with its object and field; larger ones report the first problem only,
/// as holding them whole as values could take ten times their size in memory.
const MAX_FALLBACK_BYTES: usize = 32 << 20;

/// The most documents, List items and array entries one input may hold: twice the `objects`
/// limit (empty documents and scalars count here, not as objects).
fn node_budget(limits: &Limits) -> usize {
    limits.max_objects.saturating_mul(2).saturating_add(16)
}

/// The error to report for a failed streaming decode without falling back to values: when it
/// is over the node budget, or the input is too large to hold as values.
fn without_fallback(error: &str, size: usize, limits: &Limits) -> Option<String> {
    if error.contains(decode::OVER_NODE_BUDGET) {
        let max = node_budget(limits);
        return Some(format!(
            "more than {max} documents, List items and array entries: over twice the limit of {} objects (raise it with the `objects` limit)",
            limits.max_objects
        ));
    }
    (size > MAX_FALLBACK_BYTES).then(|| {
        format!("{error} (the input is over {} MiB, so only its first problem is reported)", MAX_FALLBACK_BYTES >> 20)
    })
}

/// How deeply arrays and objects nest in JSON text (strings skipped), in one pass over its
/// bytes; stops counting past [`Limits::MAX_DEPTH`]. Text that is not JSON gets some count:
/// the parser that follows reports it.
fn nesting(text: &[u8]) -> usize {
    let (mut depth, mut deepest, mut at) = (0usize, 0usize, 0usize);
    while let Some(found) = memchr::memchr3(b'"', b'{', b'[', &text[at..]) {
        // Closers between here and there.
        let closers = memchr::memchr2_iter(b'}', b']', &text[at..at + found]).count();
        depth = depth.saturating_sub(closers);
        at += found;
        if text[at] == b'"' {
            // Past the string: to the next quote not escaped.
            at += 1;
            loop {
                let Some(end) = memchr::memchr2(b'"', b'\\', &text[at..]) else { return deepest };
                at += end;
                if text[at] == b'\\' {
                    at += 2;
                } else {
                    at += 1;
                    break;
                }
            }
            continue;
        }
        depth += 1;
        deepest = deepest.max(depth);
        if deepest > Limits::MAX_DEPTH {
            return deepest;
        }
        at += 1;
    }
    deepest
}

/// How deeply arrays and objects nest in `value` (a scalar is 0), without recursion.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = Vec::from([(value, 0)]);
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|c| (c, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|c| (c, d + 1))),
            _ => continue,
        }
        deepest = deepest.max(d + 1);
    }
    deepest
}

impl Cluster {
    /// Loads a cluster from YAML or JSON text in strict mode.
    pub fn from_yaml_str(text: &str) -> Result<Cluster, Error> {
        let mut loader = Loader::new(LoadOptions::default());
        loader.add_str(text, "<input>");
        loader.finish()
    }

    /// Loads a cluster from parsed Kubernetes objects in strict mode.
    pub fn from_objects(objects: Vec<Value>) -> Result<Cluster, Error> {
        let mut loader = Loader::new(LoadOptions::default());
        loader.add_objects(objects, "<objects>");
        loader.finish()
    }
}

#[cfg(test)]
mod tests {
    /// Plain YAML of any size fits the reader's budget: every count it keeps is at most half
    /// the input's bytes, its scalars at most all of them (issue 18: a 111 MB, 150,000-pod dump
    /// was refused for holding more than 64 MiB of scalars).
    #[test]
    fn yaml_budget_grows_with_the_input() {
        let limits = crate::Limits::default();
        for len in [0, 1 << 20, 111_184_735, 2 << 30] {
            let budget = super::yaml_options(len, &limits).budget.expect("a budget is set");
            assert!(budget.max_total_scalar_bytes >= len, "{len}: scalars");
            for (what, max) in [("events", budget.max_events), ("nodes", budget.max_nodes)] {
                assert!(max >= len / 2, "{len}: {what}");
            }
            assert_eq!(budget.max_depth, limits.depth());
        }
    }

    #[test]
    fn nesting_skips_strings_and_escapes() {
        assert_eq!(super::nesting(br#"{"a": [1, {"b": "}]\"[{"}], "c": [[]]}"#), 3);
        assert_eq!(super::nesting(br#"[[["\\"], "[[["]]"#), 3);
        assert_eq!(super::nesting(b"{}{}[]"), 1);
        assert_eq!(super::nesting(b""), 0);
        assert_eq!(super::nesting(br#"{"unterminated": "[[["#), 1);
    }
}
