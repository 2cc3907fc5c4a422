//! The `xxb-mock` binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    xxb_mock::cli::main()
}
