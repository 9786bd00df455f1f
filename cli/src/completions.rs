//! `netpol completions SHELL` and `netpol man DIR`: shell completion scripts (clap_complete)
//! and man pages (clap_mangen), both made from the same command definition as `--help`, so
//! they list every subcommand and flag there is.

use std::path::PathBuf;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;

use crate::{output, Cli, Outcome};

/// Shells with completion scripts.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CompletionShell {
    /// `source <(netpol completions bash)`, or save it in bash-completion's directory.
    Bash,
    /// Save as `_netpol` in a directory of `$fpath`.
    Zsh,
    /// Save in `~/.config/fish/completions/netpol.fish`.
    Fish,
    /// `netpol completions powershell | Out-String | Invoke-Expression`.
    Powershell,
    /// Elvish: `eval (netpol completions elvish | slurp)`.
    Elvish,
}

/// Arguments of `netpol completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: CompletionShell,
}

/// Arguments of `netpol man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// The directory to write `netpol.1` and `netpol-<subcommand>.1` into (made if missing).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// Prints the completion script for `args.shell`; `bin_name` is the command completed.
pub fn completions(args: CompletionsArgs, bin_name: &str) -> Outcome {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
        CompletionShell::Elvish => Shell::Elvish,
    };
    // kubectl completes its plugins itself; the script completes the binary's own name.
    let name = bin_name.replace(' ', "-");
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), name, &mut script);
    output::write_with(|out| out.write_all(&script), Outcome::Ok)
}

/// Writes a man page for `netpol` and one for every subcommand (nested ones joined by `-`).
pub fn man(args: ManArgs) -> Outcome {
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        output::error(format_args!("cannot make {}: {e}", args.dir.display()));
        return Outcome::BadInput;
    }
    let mut written = Vec::new();
    let mut pending = vec![(String::from("netpol"), Cli::command())];
    while let Some((name, command)) = pending.pop() {
        let command = command.name(name.clone()).bin_name(name.replace('-', " "));
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            pending.push((format!("{name}-{}", sub.get_name()), sub.clone()));
        }
        let path = args.dir.join(format!("{name}.1"));
        let mut page = Vec::new();
        let rendered = clap_mangen::Man::new(command).render(&mut page).and_then(|()| std::fs::write(&path, &page));
        if let Err(e) = rendered {
            output::error(format_args!("cannot write {}: {e}", path.display()));
            return Outcome::BadInput;
        }
        written.push(path.display().to_string());
    }
    written.sort();
    output::print(&format!("{}\n", written.join("\n")), Outcome::Ok)
}
