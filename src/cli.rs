//! The command line: arguments parsed into a raw form by clap, turned once into a [`Config`], and
//! the commands run. Every `serve` flag also reads an `XXB_MOCK_*` environment variable.

use crate::readiness;
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use xxb_mock::parity;
use xxb_mock::remote::{self as target, Observed, Remote, Tls, NOT_REVEALED};
use xxb_mock::scenario::{self, report, report::Format};
use xxb_mock::sign as token;
use xxb_mock::{
    Api, BasePath, Charset, Config, DbLocation, FixtureSource, Fixtures, Lang, Retain, Server,
    ValidationMode,
};

/// A faithful, strict, inspectable test double of the XXB (喧喧) server's integration API.
#[derive(Debug, Parser)]
#[command(name = "xxb-mock", version = env!("XXB_MOCK_VERSION"), about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the emulated APIs (/x.php and the direct API /im/...) and the inspection API (/__inspect).
    Serve(ServeArgs),
    /// Run scenario scripts against a fresh in-process server or a target, and report.
    Replay(ReplayArgs),
    /// Print the token the server expects for a query.
    Token(TokenArgs),
    /// Print a URL with its token parameter appended or replaced.
    Sign(SignArgs),
    /// Check that a server answers: exit 0 when /__inspect/health says ok, 1 otherwise.
    Health(HealthArgs),
    /// Work with fixture directories.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
    /// Compare a server's answers with xxb-mock's (faithful mode, configured like it), probe by
    /// probe. Non-destructive unless --allow-writes.
    Parity(ParityArgs),
}

/// How the certificate of an HTTPS target is checked.
#[derive(Debug, clap::Args)]
pub struct TlsArgs {
    /// A PEM file of CA certificates to trust besides the platform's (an internal CA, or the
    /// server's self-signed certificate).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify the target's TLS certificate (a warning is printed).
    #[arg(long)]
    pub insecure: bool,
}

impl TlsArgs {
    /// The client for a target, after the `--insecure` warning; exit status 2 when it cannot be made.
    fn client(&self) -> Result<reqwest::Client, ExitCode> {
        if self.insecure {
            eprintln!("{}", target::INSECURE_WARNING);
        }
        target::client(&Tls {
            ca_cert: self.ca_cert.clone(),
            insecure: self.insecure,
        })
        .map_err(|e| {
            eprintln!("xxb-mock: {e}");
            ExitCode::from(2)
        })
    }
}

/// A server under test and the application that signs calls to it.
#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// The server: http(s)://HOST[:PORT][/PREFIX], where PREFIX/x.php is its entry.
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// The application's code.
    #[arg(long, env = "XXB_MOCK_CODE")]
    pub code: String,
    /// The application's key.
    #[arg(long, env = "XXB_MOCK_KEY", hide_env_values = true)]
    pub key: String,
    /// The API to talk to: x.php (the XXB server), or xxd (the chat daemon's direct API, /im/...,
    /// the target being the daemon's URL).
    #[arg(long, value_enum, default_value_t = Api::XPhp)]
    pub api: Api,
    #[command(flatten)]
    pub tls: TlsArgs,
}

impl TargetArgs {
    fn remote(&self) -> Result<Remote, ExitCode> {
        Ok(Remote {
            client: self.tls.client()?,
            url: self.target.trim_end_matches('/').to_string(),
            code: self.code.clone(),
            key: self.key.clone(),
            api: self.api,
        })
    }
}

#[derive(Debug, clap::Args)]
pub struct ParityArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Also send one notification and one chat message (stored by the target) and compare.
    #[arg(long, requires = "user")]
    pub allow_writes: bool,
    /// The user (id) the writes go to.
    #[arg(long, requires = "allow_writes")]
    pub user: Option<i64>,
    /// The chat the chat message goes to (default: the first listed group of --user).
    #[arg(long, requires = "allow_writes")]
    pub gid: Option<String>,
    /// The report's format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: parity::report::Format,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "XXB_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "XXB_MOCK_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Also listen on this port (the chat daemon's is 11443), serving the same application: for
    /// clients configured with one base URL for /x.php and another for the direct API (/im/...).
    /// 0 picks a free one.
    #[arg(long, env = "XXB_MOCK_XXD_PORT")]
    pub xxd_port: Option<u16>,
    /// SQLite database file (WAL); state survives restarts. Default: a private scratch file,
    /// removed when the server stops.
    #[arg(long, env = "XXB_MOCK_DB")]
    pub db: Option<PathBuf>,
    /// Fixture directory (users.json, groups.json, apps.json). Default: the embedded fixtures.
    #[arg(long, env = "XXB_MOCK_FIXTURES")]
    pub fixtures: Option<PathBuf>,
    /// When --db was seeded with other fixtures, empty it and seed these (otherwise refuse to start).
    #[arg(long, env = "XXB_MOCK_RESEED")]
    pub reseed: bool,
    /// Default language of answers when Accept-Language names none of the five.
    #[arg(long, env = "XXB_MOCK_LANG", value_enum, default_value_t = Lang::ZhCn)]
    pub lang: Lang,
    /// strict rejects what the real server would mishandle; faithful is exactly the real server.
    #[arg(long, env = "XXB_MOCK_VALIDATION", value_enum, default_value_t = ValidationMode::Strict)]
    pub validation: ValidationMode,
    /// The character set of the emulated tables: utf8 (ZenTao 18.8 to 18.12) stores characters
    /// above U+FFFF as ????; utf8mb4 (newer releases) keeps them.
    #[arg(long, env = "XXB_MOCK_CHARSET", value_enum, default_value_t = Charset::Utf8)]
    pub charset: Charset,
    /// Serve the API under this prefix, as a reverse proxy publishes it (/xxb: /xxb/x.php).
    #[arg(long, env = "XXB_MOCK_BASE_PATH")]
    pub base_path: Option<String>,
    /// Require `Authorization: Bearer TOKEN` on /__inspect (the emulated API is unaffected).
    #[arg(long, env = "XXB_MOCK_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// A host name `/__inspect` and `/__ui` also answer to (repeatable; bound to loopback they answer
    /// only to localhost, 127.0.0.1 and [::1] otherwise)
    #[arg(
        long = "allowed-host",
        env = "XXB_MOCK_ALLOWED_HOST",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// Keep at most this many journal entries, and as many notifications, trimming the oldest;
    /// `unlimited` keeps everything
    #[arg(
        long,
        env = "XXB_MOCK_RETAIN",
        value_name = "N|unlimited",
        default_value = "100000"
    )]
    pub retain: Retain,
    /// Answer 408 when a request body makes no progress for this long
    #[arg(long, env = "XXB_MOCK_BODY_TIMEOUT_MS", default_value_t = 10_000)]
    pub body_timeout_ms: u64,
    /// Follow a scenario: its fixtures, its faults and state changes, and the calls it expects
    /// (progress at GET /__inspect/scenario).
    #[arg(long, env = "XXB_MOCK_SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// Once listening, write the URL to this file (atomically); removed at start and on exit.
    #[arg(long, env = "XXB_MOCK_READY_FILE")]
    pub ready_file: Option<PathBuf>,
    /// How log lines are written on stderr: one line of text, or one JSON object, per event
    #[arg(long, env = "XXB_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// No line per request on stderr (warnings and errors only)
    #[arg(long, env = "XXB_MOCK_QUIET")]
    pub quiet: bool,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct HealthArgs {
    /// The server's URL. Default: http://127.0.0.1:PORT, with serve's XXB_MOCK_HOST (unless it
    /// binds every address) and XXB_MOCK_PORT (else 8080).
    #[arg(long)]
    pub url: Option<String>,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Scenario files, or directories of them (*.yaml, *.yml, *.json).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Run against this server (another xxb-mock, or a real XXB server) instead of a fresh in-process one.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// With --target: sign every call with this application instead of the scenario's.
    #[arg(long, env = "XXB_MOCK_CODE", requires = "key")]
    pub code: Option<String>,
    /// With --target: the key of --code.
    #[arg(long, env = "XXB_MOCK_KEY", hide_env_values = true, requires = "code")]
    pub key: Option<String>,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// The report's format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also write a JUnit XML report to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

impl ServeArgs {
    /// The validated configuration.
    pub fn config(&self) -> Result<Config, String> {
        let scenario = match &self.scenario {
            None => None,
            Some(path) => Some(Box::new(
                scenario::load_file(path).map_err(|e| e.to_string())?,
            )),
        };
        Ok(Config {
            host: self.host.clone(),
            port: self.port,
            xxd_port: self.xxd_port,
            db: self.db.clone().map_or(DbLocation::Memory, DbLocation::File),
            fixtures: self
                .fixtures
                .clone()
                .map_or(FixtureSource::Embedded, FixtureSource::Directory),
            lang: self.lang,
            validation: self.validation,
            reseed: self.reseed,
            charset: self.charset,
            base_path: match &self.base_path {
                Some(raw) => BasePath::parse(raw)?,
                None => None,
            },
            admin_token: self.admin_token.clone().filter(|t| !t.is_empty()),
            retain: self.retain,
            allowed_hosts: self.allowed_hosts.clone(),
            body_timeout: std::time::Duration::from_millis(self.body_timeout_ms),
            scenario,
        })
    }
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// The application's secret key.
    #[arg(long)]
    pub key: String,
    /// The API whose signature to compute: x.php signs the query as sent, xxd (the direct API)
    /// the path and the query sorted by name.
    #[arg(long, value_enum, default_value_t = Api::XPhp)]
    pub api: Api,
    /// With --code: print the time-mode token md5(code + key + time) instead (x.php only).
    #[arg(long, requires = "code", conflicts_with = "api")]
    pub time: Option<String>,
    /// The application code, for --time.
    #[arg(long, requires = "time")]
    pub code: Option<String>,
    /// The query, e.g. 'm=im&f=getGroupChats&code=myAppCode' (a `token` in it is ignored); with
    /// --api xxd the path and query, e.g. '/im/getChatGroups?code=myAppCode', or a whole URL.
    pub query: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The application's secret key.
    #[arg(long)]
    pub key: String,
    /// The API whose signature to append: x.php or xxd (the direct API, /im/...).
    #[arg(long, value_enum, default_value_t = Api::XPhp)]
    pub api: Api,
    /// The URL or query to sign (with --api xxd, a URL or PATH?QUERY).
    pub url: String,
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Check a fixture directory and print what it holds.
    Check { dir: PathBuf },
    /// Write a fixture directory from a server's own lookups (its groups, their members, and
    /// every user in a chat), so tests can use its organisation's shape.
    Pull {
        #[command(flatten)]
        target: TargetArgs,
        /// The directory to write users.json, groups.json and apps.json into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    run(Cli::parse())
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => serve(&args),
        Command::Replay(args) => replay(&args),
        Command::Health(args) => health(&args),
        Command::Token(args) => {
            let printed = match (&args.time, &args.code, &args.query) {
                (Some(time), Some(code), _) => {
                    token::time_token(code.as_bytes(), &args.key, time.as_bytes())
                }
                (_, _, Some(target)) if args.api == Api::Xxd => {
                    token::xxd::token_for(target, &args.key)
                }
                (_, _, Some(query)) => token::token_for_query(query, &args.key),
                _ => {
                    eprintln!(
                        "xxb-mock token: give a QUERY, or --time and --code for a time-mode token"
                    );
                    return ExitCode::from(2);
                }
            };
            println!("{printed}");
            ExitCode::SUCCESS
        }
        Command::Sign(args) => {
            let signed = match args.api {
                Api::XPhp => token::sign_url(&args.url, &args.key),
                Api::Xxd => token::xxd::sign_url(&args.url, &args.key),
            };
            println!("{signed}");
            ExitCode::SUCCESS
        }
        Command::Parity(args) => run_parity(&args),
        Command::Fixtures {
            command: FixturesCommand::Pull { target, out },
        } => pull(&target, &out),
        Command::Fixtures {
            command: FixturesCommand::Check { dir },
        } => match Fixtures::load(&FixtureSource::Directory(dir)) {
            Ok(f) => {
                println!(
                    "ok: {} users, {} chats, {} applications",
                    f.users.len(),
                    f.chats.len(),
                    f.apps.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("xxb-mock: {e}");
                ExitCode::from(2)
            }
        },
    }
}

/// `replay`: exit 0 when every scenario passed, 1 when any failed, 2 on usage or parse errors and
/// when the target cannot be reached.
fn replay(args: &ReplayArgs) -> ExitCode {
    let scenarios = match scenario::load(&args.paths) {
        Ok(scenarios) => scenarios,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let target = match &args.target {
        None => None,
        Some(url) => Some(scenario::Target {
            url: url.trim_end_matches('/').to_string(),
            client: match args.tls.client() {
                Ok(client) => client,
                Err(code) => return code,
            },
            app: args.code.clone().zip(args.key.clone()),
        }),
    };
    let results = actix_web::rt::System::new().block_on(async {
        if let Some(target) = &target {
            // Any HTTP answer will do: a server that cannot be reached fails every scenario alike.
            let probe = format!("{}/__inspect/health", target.url);
            if let Err(e) = target.client.get(probe).send().await {
                return Err(target::describe(&e));
            }
        }
        Ok(scenario::replay(&scenarios, target.as_ref()).await)
    });
    let results = match results {
        Ok(results) => results,
        Err(e) => {
            eprintln!("xxb-mock replay: {e}");
            return ExitCode::from(2);
        }
    };
    let color = args.format == Format::Text && std::io::stdout().is_terminal();
    print!("{}", report::render(args.format, &results, color));
    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, report::junit::render(&results)) {
            eprintln!("xxb-mock: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if results.iter().all(scenario::ScenarioResult::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `parity`: exit 0 when every probe agrees, 1 when any differs, 2 on usage or connection errors.
fn run_parity(args: &ParityArgs) -> ExitCode {
    let remote = match args.target.remote() {
        Ok(remote) => remote,
        Err(code) => return code,
    };
    let options = parity::Options {
        remote,
        writes: args.user.map(|user| parity::Writes {
            user,
            gid: args.gid.clone(),
        }),
    };
    let report = match actix_web::rt::System::new().block_on(parity::run(&options)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("xxb-mock parity: {e}");
            return ExitCode::from(2);
        }
    };
    let color = args.format == parity::report::Format::Text && std::io::stdout().is_terminal();
    print!("{}", parity::report::render(args.format, &report, color));
    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, parity::report::junit::render(&report)) {
            eprintln!("xxb-mock: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if report.agrees() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `fixtures pull`: exit 0 when the directory was written, 2 otherwise.
fn pull(args: &TargetArgs, out: &std::path::Path) -> ExitCode {
    let fail = |message: String| {
        eprintln!("xxb-mock fixtures pull: {message}");
        ExitCode::from(2)
    };
    let files = ["users.json", "groups.json", "apps.json"];
    if let Some(existing) = files.iter().find(|f| out.join(f).exists()) {
        return fail(format!(
            "{} already exists; remove it or choose another --out",
            out.join(existing).display()
        ));
    }
    let remote = match args.remote() {
        Ok(remote) => remote,
        Err(code) => return code,
    };
    let observed = match actix_web::rt::System::new().block_on(Observed::read(&remote)) {
        Ok(observed) => observed,
        Err(e) => return fail(e.to_string()),
    };
    let (users, groups, apps) = observed.fixtures(&args.code, &args.key);
    if let Err(e) = std::fs::create_dir_all(out) {
        return fail(format!("cannot create {}: {e}", out.display()));
    }
    for (file, value) in files.iter().zip([&users, &groups, &apps]) {
        let text = serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(out.join(file), text) {
            return fail(format!("cannot write {}: {e}", out.join(file).display()));
        }
    }
    let count = |v: &serde_json::Value| v.as_array().map_or(0, Vec::len);
    println!(
        "wrote {}: {} users, {} chats, 1 application, from {}",
        out.display(),
        count(&users),
        count(&groups),
        remote.url
    );
    println!("the API does not reveal:");
    for line in NOT_REVEALED {
        println!("  - {line}");
    }
    for note in &observed.notes {
        println!("note: {note}");
    }
    ExitCode::SUCCESS
}

/// `health`: exit 0 when the server answers, 1 with one line on stderr saying why not.
fn health(args: &HealthArgs) -> ExitCode {
    let url = args.url.clone().unwrap_or_else(|| {
        readiness::local_url(
            std::env::var("XXB_MOCK_HOST").ok().as_deref(),
            std::env::var("XXB_MOCK_PORT").ok().as_deref(),
        )
    });
    let timeout = std::time::Duration::try_from_secs_f64(args.timeout)
        .unwrap_or(std::time::Duration::from_secs(5));
    match actix_web::rt::System::new().block_on(readiness::probe(&url, timeout)) {
        Ok(version) => {
            println!("ok: xxb-mock {version} at {url}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xxb-mock health: {e}");
            ExitCode::from(1)
        }
    }
}

fn serve(args: &ServeArgs) -> ExitCode {
    init_tracing(args.log_format, args.quiet);
    if let Some(path) = &args.ready_file {
        if let Err(e) = readiness::remove_ready_file(path) {
            eprintln!("xxb-mock: cannot remove the old {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let config = match args.config() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("xxb-mock: {e}");
            return ExitCode::from(2);
        }
    };
    if !config.binds_loopback() && config.admin_token.is_none() {
        eprintln!(
            "xxb-mock: listening beyond loopback ({}) without --admin-token: anyone who can reach this \
             address can read and change /__inspect; consider --admin-token",
            config.host
        );
    }
    actix_web::rt::System::new().block_on(async move {
        let server = match Server::build(config).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("xxb-mock: {e}");
                return ExitCode::from(2);
            }
        };
        let stop_signal = on_stop_signal();
        if let Some(path) = &args.ready_file {
            if let Err(e) = readiness::write_ready_file(path, &server.url()) {
                eprintln!("xxb-mock: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "xxb-mock listening on {}", server.url());
        if server.xxd_port().is_some() {
            let _ = writeln!(
                stdout,
                "xxb-mock also listening on {} (the same server, for the direct API /im/...)",
                server.xxd_url()
            );
        }
        let _ = stdout.flush();
        let handle = server.handle();
        let emulator = server.emulator();
        let closing = server.emulator();
        actix_web::rt::spawn(async move {
            stop_signal.await;
            emulator.announcer().stop_streams();
            handle.stop(true).await;
        });
        let stopped = server.run_until_stopped().await;
        // Whatever still holds the emulator, the default's scratch files go before the process does.
        closing.close();
        if let Some(path) = &args.ready_file {
            let _ = readiness::remove_ready_file(path);
        }
        match stopped {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xxb-mock: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Completes on SIGINT or SIGTERM. The handlers are installed when this is called, not when it is
/// first polled: a signal sent the moment the server announces itself must stop it cleanly, not
/// kill it.
#[cfg(unix)]
fn on_stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// Completes on Ctrl-C (Windows has no SIGTERM).
#[cfg(not(unix))]
fn on_stop_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Log lines on stderr: `RUST_LOG` if set; otherwise warnings, and one line per request unless
/// `quiet`. Colour only on a terminal, and never with `NO_COLOR` set.
fn init_tracing(format: LogFormat, quiet: bool) {
    let default = if quiet {
        "warn"
    } else {
        "warn,xxb_mock::request=info"
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(args: &[&str]) -> Result<Config, String> {
        let cli = Cli::try_parse_from(["xxb-mock", "serve"].iter().chain(args))
            .map_err(|e| e.to_string())?;
        match cli.command {
            Command::Serve(serve) => serve.config(),
            other => Err(format!("not serve: {other:?}")),
        }
    }

    #[test]
    fn lang_and_validation_take_their_names() {
        let config = serve(&["--lang", "zh-tw", "--validation", "faithful"]).unwrap();
        assert_eq!(
            (config.lang, config.validation),
            (Lang::ZhTw, ValidationMode::Faithful)
        );
        let config = serve(&["--lang", "en"]).unwrap();
        assert_eq!(
            (config.lang, config.validation),
            (Lang::En, ValidationMode::Strict)
        );
    }

    #[test]
    fn the_defaults_are_zh_cn_and_strict() {
        let config = serve(&[]).unwrap();
        assert_eq!(
            (config.lang, config.validation),
            (Lang::ZhCn, ValidationMode::Strict)
        );
    }

    #[test]
    fn retain_takes_a_number_or_unlimited_and_keeps_100000_by_default() {
        assert_eq!(serve(&[]).unwrap().retain, Retain::Limit(100_000));
        assert_eq!(serve(&["--retain", "5"]).unwrap().retain, Retain::Limit(5));
        assert_eq!(
            serve(&["--retain", "unlimited"]).unwrap().retain,
            Retain::Unlimited
        );
        let e = serve(&["--retain", "lots"]).unwrap_err();
        assert!(e.contains("nor `unlimited`"), "{e}");
    }

    #[test]
    fn other_values_are_refused_with_the_possible_ones() {
        let e = serve(&["--lang", "en-US"]).unwrap_err();
        assert!(
            e.contains("[possible values: zh-cn, zh-tw, en, de, fr]"),
            "{e}"
        );
        let e = serve(&["--validation", "lenient"]).unwrap_err();
        assert!(e.contains("[possible values: strict, faithful]"), "{e}");
    }
}
