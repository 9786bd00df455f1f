//! Diagnostics: what was wrong with the input, naming the object and the field.
//!
//! Every problem the loader or the validator finds becomes a [`Diagnostic`]. In strict mode the
//! problems are returned together as an [`Error`]; in lenient mode the rejected objects are
//! skipped and the same diagnostics become warnings on the [`Cluster`](crate::Cluster). Nothing is
//! dropped silently: a skipped policy changes isolation, so the caller always hears of it.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The kind of Kubernetes object a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A `v1/Namespace`.
    Namespace,
    /// A `v1/Pod`.
    Pod,
    /// A `networking.k8s.io/v1/NetworkPolicy`.
    NetworkPolicy,
    /// A `policy.networking.k8s.io/v1alpha2/ClusterNetworkPolicy` (cluster-scoped).
    ClusterNetworkPolicy,
    /// A `policy.networking.k8s.io/v1alpha1/AdminNetworkPolicy` (cluster-scoped).
    AdminNetworkPolicy,
    /// A `policy.networking.k8s.io/v1alpha1/BaselineAdminNetworkPolicy` (cluster-scoped).
    BaselineAdminNetworkPolicy,
    /// A `v1/Node` (cluster-scoped).
    Node,
    /// A whole input document, before its kind is known.
    Document,
}

impl ObjectKind {
    /// The Kubernetes `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Namespace => "Namespace",
            ObjectKind::Pod => "Pod",
            ObjectKind::NetworkPolicy => "NetworkPolicy",
            ObjectKind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
            ObjectKind::AdminNetworkPolicy => "AdminNetworkPolicy",
            ObjectKind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
            ObjectKind::Node => "Node",
            ObjectKind::Document => "document",
        }
    }
}

/// Names one object of the input: kind plus `namespace/name` (or just `name`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    kind: ObjectKind,
    namespace: Option<String>,
    name: String,
}

impl ObjectRef {
    /// A reference to a namespaced object.
    pub fn namespaced(kind: ObjectKind, namespace: &str, name: &str) -> ObjectRef {
        ObjectRef { kind, namespace: Some(namespace.into()), name: name.into() }
    }

    /// A reference to a cluster-scoped object (a namespace) or a document.
    pub fn cluster_scoped(kind: ObjectKind, name: &str) -> ObjectRef {
        ObjectRef { kind, namespace: None, name: name.into() }
    }

    /// The object's kind.
    pub fn kind(&self) -> ObjectKind {
        self.kind
    }

    /// The object's namespace, for namespaced objects.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `namespace/name` for namespaced objects, `name` otherwise.
    pub fn qualified_name(&self) -> String {
        match &self.namespace {
            Some(ns) => alloc::format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind.as_str(), self.name),
            None => write!(f, "{} {}", self.kind.as_str(), self.name),
        }
    }
}

/// One problem found in the input: where (origin, object, field path) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    // Boxed: diagnostics travel in `Result`s on every loader path and should stay one word.
    inner: Box<DiagnosticInner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct DiagnosticInner {
    origin: Option<String>,
    object: Option<ObjectRef>,
    field: String,
    message: String,
    line: Option<u32>,
}

impl Diagnostic {
    /// A problem with `field` (a path such as `spec.ingress[0].from[1].ipBlock.cidr`) of `object`.
    pub fn new(object: Option<ObjectRef>, field: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            inner: Box::new(DiagnosticInner {
                origin: None,
                object,
                field: field.into(),
                message: message.into(),
                line: None,
            }),
        }
    }

    /// Sets where the object came from (a file name and document number, `<stdin>`, ...).
    pub fn with_origin(mut self, origin: Option<&str>) -> Diagnostic {
        if self.inner.origin.is_none() {
            self.inner.origin = origin.map(String::from);
        }
        self
    }

    /// Sets the line (1-based) of the problem in its origin's text, unless one is set already.
    pub fn with_line(mut self, line: Option<u32>) -> Diagnostic {
        if self.inner.line.is_none() {
            self.inner.line = line;
        }
        self
    }

    /// The same problem with another message (such as a note that the object was skipped).
    pub fn with_message(mut self, message: impl Into<String>) -> Diagnostic {
        self.inner.message = message.into();
        self
    }

    /// Sets the line after the fact (the loader places problems on lines once it is done).
    #[cfg(feature = "k8s")]
    pub(crate) fn set_line(&mut self, line: u32) {
        self.inner.line = Some(line);
    }

    /// The line (1-based) in the origin's text: of the field when it could be found there, else
    /// of the object. `None` for objects that were not read from text (or that no text places,
    /// such as an assumed namespace) and for problems with the input as a whole.
    pub fn line(&self) -> Option<u32> {
        self.inner.line
    }

    /// Where the object came from, if known.
    pub fn origin(&self) -> Option<&str> {
        self.inner.origin.as_deref()
    }

    /// The object the problem is about, if it could be identified.
    pub fn object(&self) -> Option<&ObjectRef> {
        self.inner.object.as_ref()
    }

    /// The field path inside the object, empty when the problem is about the object as a whole.
    pub fn field(&self) -> &str {
        &self.inner.field
    }

    /// What is wrong, in one sentence.
    pub fn message(&self) -> &str {
        &self.inner.message
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.inner;
        if let Some(origin) = &d.origin {
            write!(f, "{origin}: ")?;
        }
        if let Some(object) = &d.object {
            write!(f, "{object}: ")?;
        }
        if !d.field.is_empty() {
            write!(f, "{}: ", d.field)?;
        }
        f.write_str(&d.message)
    }
}

/// Input that cannot be turned into a [`Cluster`](crate::Cluster): every problem found, not just
/// the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    diagnostics: Vec<Diagnostic>,
}

impl Error {
    /// An error made of the given problems (at least one).
    pub fn new(diagnostics: Vec<Diagnostic>) -> Error {
        debug_assert!(!diagnostics.is_empty());
        Error { diagnostics }
    }

    /// An error made of a single problem.
    pub fn single(diagnostic: Diagnostic) -> Error {
        Error { diagnostics: alloc::vec![diagnostic] }
    }

    /// Every problem found.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.diagnostics.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems in the input:", many.len())?;
                for d in many {
                    write!(f, "\n  {d}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
