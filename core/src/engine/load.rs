//! The one entry every face uses: inputs and settings in, a validated [`Cluster`] or a
//! compiled [`Engine`] out. It strings together the loader ([`crate::k8s::Loader`]), validation
//! and the [`Compiler`] (hence its place in `engine/`), so that the command line, Python, wasm
//! and C load alike.

use std::string::String;
use std::vec::Vec;

use crate::k8s::{LoadOptions, Loader, SourceMap};
use crate::{Cluster, Compiler, Diagnostic, Engine, Error, Live, Options, Source};

/// How to load and evaluate: what a face's options say. `Config::default()` is what every face
/// does without options (strict, the default limits, self traffic allowed, ipBlocks matching
/// pod IPs, namespace `default`, an input without objects refused).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Strictness, the size cap and the [`Limits`](crate::Limits).
    pub load: LoadOptions,
    /// The evaluation options (S9, S12).
    pub options: Options,
    /// The namespace of objects that name none (`None`: `default`).
    pub default_namespace: Option<String>,
    /// Whether a source without any object (an empty file, directory or stream) loads, as part
    /// of an empty cluster; by default it is an error naming the source, since an empty cluster
    /// allows everything.
    pub allow_empty: bool,
    /// What `domainNames` peers of cluster policies resolve to (S15.6; empty: unknown, they
    /// match nothing): see [`parse_dns_map`](crate::k8s::parse_dns_map).
    pub dns: crate::spec::DnsMap,
}

/// Loads and validates every source together. Warnings (objects skipped, pods left out) are in
/// [`Cluster::warnings`]; an error lists every problem of every source. Standard input can be
/// read once: a second [`Source::Stdin`] is an error.
pub fn load<'a>(sources: impl IntoIterator<Item = &'a Source>, config: &Config) -> Result<Cluster, Error> {
    let loader = Loader::new(config.load).with_default_namespace(config.default_namespace.clone());
    read(loader, sources, config)?.finish().map(|cluster| cluster.with_dns(config.dns.clone()))
}

/// [`load`], keeping the input texts and where each object is in them: for reports that point
/// at lines of the input (SARIF). It holds the texts, so it costs their size in memory.
pub fn load_with_sources<'a>(
    sources: impl IntoIterator<Item = &'a Source>,
    config: &Config,
) -> Result<(Cluster, SourceMap), Error> {
    let loader = Loader::new(config.load).with_default_namespace(config.default_namespace.clone()).keep_sources();
    let (cluster, map) = read(loader, sources, config)?.finish_with_sources()?;
    Ok((cluster.with_dns(config.dns.clone()), map))
}

/// Adds every source to `loader`; standard input can be read once.
fn read<'a>(
    mut loader: Loader,
    sources: impl IntoIterator<Item = &'a Source>,
    config: &Config,
) -> Result<Loader, Error> {
    let sources: Vec<&Source> = sources.into_iter().collect();
    if sources.iter().filter(|s| s.is_stdin()).count() > 1 {
        let message = "standard input (`-`) given more than once: it can be read once only";
        return Err(Error::single(Diagnostic::new(None, "", message).with_origin(Some("<stdin>"))));
    }
    for source in sources {
        let mark = loader.mark();
        match source {
            Source::Path(path) => loader.add_path(path),
            Source::Text { text, origin } => loader.add_str(text, origin),
            Source::Bytes { bytes, origin } => loader.add_bytes(bytes, origin),
            Source::Stdin => loader.add_reader(std::io::stdin().lock(), "<stdin>"),
        }
        if !config.allow_empty {
            loader.refuse_empty_since(mark, &source.origin());
        }
    }
    Ok(loader)
}

impl Config {
    /// The compiler this configuration asks for: its options, within the `compile-bytes` limit.
    pub fn compiler(&self) -> Compiler {
        Compiler::new().options(self.options).max_bytes(self.load.limits.max_compile_bytes)
    }
}

/// [`load`], then compiles under `config.options`, within the `compile-bytes` limit
/// ([`Compiler::try_compile_owned`]). The cluster, with its warnings, is [`Engine::cluster`].
pub fn load_and_compile<'a>(sources: impl IntoIterator<Item = &'a Source>, config: &Config) -> Result<Engine, Error> {
    config.compiler().try_compile_owned(load(sources, config)?)
}

/// [`load`], then starts a [`Live`] engine from the cluster with [`Config::compiler`].
pub fn load_live<'a>(sources: impl IntoIterator<Item = &'a Source>, config: &Config) -> Result<Live, Error> {
    Live::new(config.compiler(), load(sources, config)?)
}
