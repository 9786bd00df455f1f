//! The one entry every face uses: inputs and settings in, a validated [`Cluster`] or a
//! compiled [`Engine`] out. It strings together the loader ([`crate::k8s::Loader`]), validation
//! and the [`Compiler`] (hence its place in `engine/`), so that the command line, Python, wasm
//! and C load alike.

use std::string::String;

use crate::k8s::{LoadOptions, Loader};
use crate::{Cluster, Compiler, Engine, Error, Options, Source};

/// How to load and evaluate: what a face's options say. `Config::default()` is what every face
/// does without options (strict, the default limits, self traffic allowed, ipBlocks matching
/// pod IPs, namespace `default`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Strictness, the size cap and the [`Limits`](crate::Limits).
    pub load: LoadOptions,
    /// The evaluation options (S9, S12).
    pub options: Options,
    /// The namespace of objects that name none (`None`: `default`).
    pub default_namespace: Option<String>,
}

/// Loads and validates every source together. Warnings (objects skipped, pods left out) are in
/// [`Cluster::warnings`]; an error lists every problem of every source.
pub fn load<'a>(sources: impl IntoIterator<Item = &'a Source>, config: &Config) -> Result<Cluster, Error> {
    let mut loader = Loader::new(config.load).with_default_namespace(config.default_namespace.clone());
    for source in sources {
        match source {
            Source::Path(path) => loader.add_path(path),
            Source::Text { text, origin } => loader.add_str(text, origin),
            Source::Bytes { bytes, origin } => loader.add_bytes(bytes, origin),
            Source::Stdin => loader.add_reader(std::io::stdin().lock(), "<stdin>"),
        }
    }
    loader.finish()
}

/// [`load`], then compiles under `config.options`. The cluster, with its warnings, is
/// [`Engine::cluster`].
pub fn load_and_compile<'a>(sources: impl IntoIterator<Item = &'a Source>, config: &Config) -> Result<Engine, Error> {
    let cluster = load(sources, config)?;
    Ok(Compiler::new().options(config.options).compile(&cluster))
}
