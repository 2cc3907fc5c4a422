//! The `xxb-mock` binary: the command line (`cli`), over the library like any other user of it, and
//! how scripts learn that a server is up (`readiness`: the ready file and the health probe).

mod cli;
mod readiness;

/// mimalloc serves every allocation of the server: Rust's, and (its `override` feature) SQLite's
/// and the C library's, through the same allocator; the C library's own is slower per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
