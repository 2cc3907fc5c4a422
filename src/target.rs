//! Talking to a server under test (`replay --target`, `parity`, `fixtures pull`): one HTTP client,
//! over HTTPS when the URL says so, that verifies certificates against the platform's trust store
//! plus an optional CA (`--ca-cert`), or not at all (`--insecure`); and failures a user can act on,
//! each in one line instead of a chain of library errors.
//!
//! The platform's certificates are read here, for a target's client only: reading them costs tens
//! of milliseconds, which every other client of the crate (tests, the in-process servers) does not
//! need to pay.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a connection (TCP and TLS handshake) may take before the target counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How certificates of an HTTPS target are checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls {
    /// A PEM file of one or more CA certificates trusted besides the platform's own.
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate (with a warning from the command line).
    pub insecure: bool,
}

/// Why a client for the target could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot read the CA certificate {path}: {source}")]
    ReadCa {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no PEM certificate (expected \"-----BEGIN CERTIFICATE-----\" blocks): {problem}")]
    BadCa { path: PathBuf, problem: String },
    #[error("cannot set up the HTTP client: {0}")]
    Build(String),
}

/// What `--insecure` prints on stderr.
pub const INSECURE_WARNING: &str = "xxb-mock: warning: --insecure: the target's TLS certificate is not verified; anyone between here and the target can read and change what is sent";

/// The HTTP client every command uses to reach a target.
pub fn client(tls: &Tls) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(CONNECT_TIMEOUT);
    // Certificates the platform cannot parse are skipped, as browsers skip them.
    for der in rustls_native_certs::load_native_certs().certs {
        if let Ok(certificate) = reqwest::Certificate::from_der(&der) {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if let Some(path) = &tls.ca_cert {
        for certificate in ca_certificates(path)? {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if tls.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| ClientError::Build(e.to_string()))
}

fn ca_certificates(path: &Path) -> Result<Vec<reqwest::Certificate>, ClientError> {
    let pem = std::fs::read(path).map_err(|source| ClientError::ReadCa {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |problem: String| ClientError::BadCa {
        path: path.to_path_buf(),
        problem,
    };
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(bad("no certificate block found".into()));
    }
    let certificates =
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| bad(e.to_string()))?;
    if certificates.is_empty() {
        return Err(bad("no certificate block found".into()));
    }
    Ok(certificates)
}

/// One line that says why a request to the target failed, and what to do about it.
pub fn describe(error: &reqwest::Error) -> String {
    let url = error
        .url()
        .map(|u| format!("{}://{}", u.scheme(), u.authority()))
        .unwrap_or_else(|| "the target".into());
    if let Some(tls) = rustls_error(error) {
        return match tls {
            rustls::Error::InvalidCertificate(problem) => format!(
                "the TLS certificate of {url} was refused: {}; give --ca-cert FILE (the PEM of the CA that signed it), or --insecure to skip verification",
                certificate_problem(problem)
            ),
            other => format!(
                "the TLS handshake with {url} failed ({other}); is it an HTTPS server, and is the URL's scheme right?"
            ),
        };
    }
    if error.is_timeout() {
        return format!("{url} did not answer in time");
    }
    if error.is_connect() {
        return format!("cannot connect to {url}: {}", innermost(error));
    }
    format!("the request to {url} failed: {}", innermost(error))
}

/// The rustls error somewhere in `error`'s chain.
fn rustls_error<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e rustls::Error> {
    let mut link = Some(error);
    while let Some(current) = link {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        link = next(current);
    }
    None
}

/// The error that caused `error`. An `io::Error` that wraps another error answers `source()`
/// with *that* error's source, skipping it (and TLS errors travel inside `io::Error`s, sometimes
/// two deep), so the wrapped error itself is taken instead.
fn next<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e (dyn StdError + 'static)> {
    match error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => Some(inner as &(dyn StdError + 'static)),
        None => error.source(),
    }
}

fn certificate_problem(problem: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match problem {
        C::UnknownIssuer => {
            "it is signed by an authority this machine does not trust (self-signed, or an internal CA)"
                .into()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it is not valid for this host name".into()
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
        C::Revoked => "it has been revoked".into(),
        other => format!("{other:?}"),
    }
}

/// The last error of the chain, which usually says what actually happened.
fn innermost(error: &(dyn StdError + 'static)) -> String {
    let mut last = error;
    while let Some(cause) = next(last) {
        last = cause;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_refused_by_name() {
        let path = std::env::temp_dir().join(format!("xxb-mock-ca-{}.pem", std::process::id()));
        std::fs::write(&path, "not a certificate\n").unwrap();
        let e = client(&Tls {
            ca_cert: Some(path.clone()),
            insecure: false,
        })
        .unwrap_err();
        assert!(
            matches!(&e, ClientError::BadCa { path: p, .. } if p == &path),
            "{e}"
        );
        let _ = std::fs::remove_file(&path);
        let e = client(&Tls {
            ca_cert: Some(path.clone()),
            insecure: false,
        })
        .unwrap_err();
        assert!(matches!(e, ClientError::ReadCa { .. }), "{e}");
    }
}
