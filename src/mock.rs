//! The library API for Rust test suites: start an xxb-mock in the test's own tokio runtime, point the
//! application at [`MockServer::uri`], then ask what arrived, wait for it, arm faults, reset, or
//! replay scenarios. Everything is in process: no HTTP round trip to inspect.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use xxb_mock::{Filter, MockServer};
//! use std::time::Duration;
//!
//! let server = MockServer::start().await;
//! let url = format!("{}/x.php?{}", server.uri(), server.sign("m=im&f=sendNotification&code=myAppCode"));
//! let body = r#"{"users":["zhangsan"],"title":"构建成功","contentType":"text","sender":{"id":"ci","name":"CI","avatar":"https://ci/logo.png"}}"#;
//! reqwest::Client::new().post(url).body(body).send().await.unwrap();
//!
//! let arrived = server.wait_for(Filter::new().user("zhangsan"), 1, Duration::from_secs(5)).await.unwrap();
//! assert_eq!(arrived[0].title, "构建成功");
//! # });
//! ```
//!
//! The chat daemon's direct API is served by the same server ([`MockServer::xxd_uri`],
//! [`MockServer::sign_xxd`]):
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use xxb_mock::{Api, Filter, MockServer};
//! use std::time::Duration;
//!
//! let server = MockServer::start().await;
//! let url = format!("{}{}", server.xxd_uri(), server.sign_xxd("/im/sendNotification?code=myAppCode"));
//! let body = r#"{"users":[3],"title":"部署完成","sender":{"id":"cd","displayName":"CD","avatar":"https://cd/logo.png"}}"#;
//! reqwest::Client::new().post(url).body(body).send().await.unwrap();
//!
//! let arrived = server.wait_for(Filter::new().user(3).api(Api::Xxd), 1, Duration::from_secs(5)).await.unwrap();
//! assert_eq!(arrived[0].sender["displayName"], "CD");
//! # });
//! ```

use crate::config::{Config, ValidationMode};
use crate::domain::{Api, AppCode, JournalEntry, MessageKind, Notification, WaitExplanation};
use crate::emulator::{Emulator, ResetScope};
use crate::faults::{Fault, FaultSpec};
use crate::fixtures::FixtureSource;
use crate::mysql::Charset;
use crate::scenario::{self, ScenarioResult};
use crate::startup::{Server, StartError};
use crate::store::{DbLocation, JournalFilter, NotificationFilter, StoreError};
use crate::xxb::lang::Lang;
use crate::xxb::token;
use actix_web::dev::ServerHandle;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What can go wrong talking to a [`MockServer`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the mock could not start: {0}")]
    Start(#[from] StartError),
    #[error("the mock's store failed: {0}")]
    Store(#[from] StoreError),
    /// [`MockServer::wait_for`] ran out of time; the explanation says how many matched and lists
    /// the requests that stored no matching notification, with their findings (the same
    /// explanation `/__inspect/wait` answers as JSON).
    #[error("{0}")]
    Timeout(Box<WaitExplanation>),
    #[error("{0}")]
    Scenario(#[from] scenario::LoadError),
}

/// Which notifications to look at: every field left unset matches everything.
///
/// ```
/// use xxb_mock::Filter;
/// let filter = Filter::new().user("zhangsan").title("构建");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    inner: NotificationFilter,
}

impl Filter {
    /// Every notification.
    pub fn new() -> Self {
        Filter {
            inner: NotificationFilter {
                limit: crate::inspect::MAX_LIMIT,
                ..NotificationFilter::default()
            },
        }
    }

    /// Notifications with this recipient (an id or an account).
    pub fn user(mut self, user: impl ToString) -> Self {
        self.inner.user = Some(user.to_string());
        self
    }

    /// Notifications stored under this gid (`notification` for the notification centre).
    pub fn gid(mut self, gid: impl Into<String>) -> Self {
        self.inner.gid = Some(gid.into());
        self
    }

    /// `sendNotification` (`MessageKind::Notification`) or `sendChatMessage` (`MessageKind::Chat`).
    pub fn kind(mut self, kind: MessageKind) -> Self {
        self.inner.kind = Some(kind);
        self
    }

    /// Notifications sent by this application.
    pub fn app(mut self, code: impl Into<String>) -> Self {
        self.inner.app = Some(code.into());
        self
    }

    /// Notifications whose title contains this text.
    pub fn title(mut self, part: impl Into<String>) -> Self {
        self.inner.title = Some(part.into());
        self
    }

    /// Notifications sent through this API (`/x.php`, or the direct API `/im/...`).
    pub fn api(mut self, api: Api) -> Self {
        self.inner.api = Some(api);
        self
    }
}

/// Configures a [`MockServer`]: one method per `serve` option.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use xxb_mock::{Lang, MockServer, ValidationMode};
/// let server = MockServer::builder().validation(ValidationMode::Faithful).lang(Lang::En).start().await;
/// assert!(server.uri().starts_with("http://127.0.0.1:"));
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    config: Config,
}

impl Builder {
    /// The address to listen on (default `127.0.0.1`); the port is always a free one.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.config.host = host.into();
        self
    }

    /// Keep state in this SQLite file instead of memory.
    pub fn db(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.db = DbLocation::File(path.into());
        self
    }

    /// Load fixtures from this directory instead of the embedded defaults.
    pub fn fixtures(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.fixtures = FixtureSource::Directory(dir.into());
        self
    }

    /// When the [`db`](Builder::db) was seeded with other fixtures, empty it and seed these
    /// (otherwise the server refuses to start on it).
    pub fn reseed(mut self, reseed: bool) -> Self {
        self.config.reseed = reseed;
        self
    }

    /// The default language of answers.
    pub fn lang(mut self, lang: Lang) -> Self {
        self.config.lang = lang;
        self
    }

    pub fn validation(mut self, mode: ValidationMode) -> Self {
        self.config.validation = mode;
        self
    }

    /// Also listen on a second free port, serving the same application: for a client configured
    /// with one base URL for `/x.php` and another for the direct API ([`MockServer::xxd_uri`]).
    pub fn separate_xxd_port(mut self, separate: bool) -> Self {
        self.config.xxd_port = separate.then_some(0);
        self
    }

    /// The character set of the emulated tables (default `utf8`, which stores characters above
    /// U+FFFF as `????`; `utf8mb4` keeps them, as newer XXB releases do).
    pub fn charset(mut self, charset: Charset) -> Self {
        self.config.charset = charset;
        self
    }

    /// Require `Authorization: Bearer <token>` on `/__inspect`.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.config.admin_token = Some(token.into());
        self
    }

    /// Follow a scenario (`serve --scenario`).
    pub fn scenario(mut self, path: impl AsRef<Path>) -> Result<Self, Error> {
        self.config.scenario = Some(Box::new(scenario::load_file(path.as_ref())?));
        Ok(self)
    }

    /// Starts the server; panics with the reason when it cannot (a test helper's contract).
    pub async fn start(self) -> MockServer {
        match self.try_start().await {
            Ok(server) => server,
            Err(e) => panic!("{e}"),
        }
    }

    /// Starts the server.
    pub async fn try_start(self) -> Result<MockServer, Error> {
        let mut config = self.config;
        config.port = 0;
        let server = Server::build(config).await?;
        let uri = server.url();
        let xxd_uri = server.xxd_url();
        let emulator = server.emulator();
        let handle = server.handle();
        tokio::spawn(server.run_until_stopped());
        let signer = emulator
            .fixtures()
            .apps
            .iter()
            .find(|a| a.key.is_some())
            .map(|a| (a.code.clone(), a.key.clone().unwrap_or_default()))
            .unwrap_or_default();
        Ok(MockServer {
            uri,
            xxd_uri,
            emulator,
            handle,
            app_code: signer.0,
            app_key: signer.1,
        })
    }
}

/// A running xxb-mock, stopped when dropped.
pub struct MockServer {
    uri: String,
    xxd_uri: String,
    emulator: Arc<Emulator>,
    handle: ServerHandle,
    app_code: AppCode,
    app_key: String,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl MockServer {
    /// Starts a server with the defaults: embedded fixtures, in memory, strict, a free port on
    /// 127.0.0.1.
    pub async fn start() -> MockServer {
        MockServer::builder().start().await
    }

    /// A [`Builder`] with the defaults.
    pub fn builder() -> Builder {
        Builder {
            config: Config::default(),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        self.uri.clone()
    }

    /// The base URL of the chat daemon's direct API (`/im/...`): [`MockServer::uri`], or the second
    /// port's with [`Builder::separate_xxd_port`].
    pub fn xxd_uri(&self) -> String {
        self.xxd_uri.clone()
    }

    /// The code of the application that signs (the first one with a key: `myAppCode` by default).
    pub fn app_code(&self) -> &str {
        &self.app_code
    }

    /// That application's key.
    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    /// `query` with `&token=...` appended, signed with the application's key as the server checks it.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let server = xxb_mock::MockServer::start().await;
    /// assert_eq!(
    ///     server.sign("m=im&f=getGroupChats&code=myAppCode"),
    ///     "m=im&f=getGroupChats&code=myAppCode&token=07a22de5b9c287eaaf5c04320fe48aba"
    /// );
    /// # });
    /// ```
    pub fn sign(&self, query: &str) -> String {
        format!(
            "{query}&token={}",
            token::token_for_query(query, &self.app_key)
        )
    }

    /// A request target of the direct API (`/im/getChatGroups?code=myAppCode`, or a whole URL)
    /// with `token=...` appended or replaced, signed with the application's key as the direct API's
    /// guide documents (the path and the query sorted by name).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let server = xxb_mock::MockServer::start().await;
    /// assert_eq!(
    ///     server.sign_xxd("/im/getChatGroups?code=myAppCode"),
    ///     "/im/getChatGroups?code=myAppCode&token=a722c984dba5175fe85024841b8a8ddb"
    /// );
    /// # });
    /// ```
    pub fn sign_xxd(&self, target: &str) -> String {
        crate::xxd::signature::sign_url(target, &self.app_key)
    }

    /// Every stored notification, oldest first.
    pub async fn notifications(&self) -> Result<Vec<Notification>, Error> {
        self.notifications_matching(Filter::new()).await
    }

    /// The stored notifications that match `filter`, oldest first.
    pub async fn notifications_matching(&self, filter: Filter) -> Result<Vec<Notification>, Error> {
        Ok(self.emulator.all_notifications(filter.inner).await?)
    }

    /// Waits until at least `count` notifications match `filter`, woken by the writes themselves.
    /// On time-out the error ([`Error::Timeout`]) says how many matched and lists the requests that
    /// stored no matching notification, with their findings, which are usually the reason.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let server = xxb_mock::MockServer::start().await;
    /// let error = server.wait_for(xxb_mock::Filter::new(), 1, Duration::from_millis(10)).await.unwrap_err();
    /// assert!(error.to_string().contains("0 of 1 arrived"));
    /// # });
    /// ```
    pub async fn wait_for(
        &self,
        filter: Filter,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Notification>, Error> {
        let waited = self
            .emulator
            .wait_for(filter.inner.clone(), count, timeout)
            .await?;
        match waited.explanation {
            None => self.notifications_matching(filter).await,
            Some(explanation) => Err(Error::Timeout(Box::new(explanation))),
        }
    }

    /// The journal: every request to the emulated API, oldest first.
    pub async fn requests(&self) -> Result<Vec<JournalEntry>, Error> {
        let every = JournalFilter {
            limit: crate::inspect::MAX_LIMIT,
            ..JournalFilter::default()
        };
        Ok(self.emulator.all_requests(every).await?)
    }

    /// Back to the fixtures: notifications, journal and faults emptied.
    pub async fn reset(&self) -> Result<(), Error> {
        self.emulator.reset(ResetScope::Everything).await?;
        Ok(())
    }

    /// Arms a fault: the next calls it names get its answer.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use xxb_mock::{FaultSpec, Respond};
    /// let server = xxb_mock::MockServer::start().await;
    /// server.arm_fault(FaultSpec {
    ///     method: Some("sendNotification".into()),
    ///     app: None,
    ///     times: Some(1),
    ///     respond: Respond::Status { status: 502, body: None },
    /// });
    /// # });
    /// ```
    pub fn arm_fault(&self, spec: FaultSpec) -> Fault {
        self.emulator.arm(spec)
    }

    pub fn clear_faults(&self) {
        self.emulator.clear_faults();
    }

    /// Applies a change to the organisation (users, chats, applications).
    pub async fn apply(&self, change: crate::domain::Change) -> Result<(), Error> {
        self.emulator.apply(change).await?;
        Ok(())
    }

    /// Replays a scenario file (or a directory of them) against this server.
    pub async fn replay(&self, path: impl AsRef<Path>) -> Result<Vec<ScenarioResult>, Error> {
        let scenarios = scenario::load(&[path.as_ref().to_path_buf()])?;
        Ok(scenario::run_all(&scenarios, Some(&self.uri)).await)
    }
}
