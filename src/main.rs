//! The `xxb-mock` binary: the command line (`cli`), over the library like any other user of it.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
