//! The `xxb-mock` binary: the command line (`cli`), over the library like any other user of it, and
//! how scripts learn that a server is up (`readiness`: the ready file and the health probe).

mod cli;
mod readiness;

fn main() -> std::process::ExitCode {
    cli::main()
}
