//! How scripts and orchestrators learn that a server is up: the ready file that `serve --ready-file`
//! writes once the port is bound, and the probe `xxb-mock health` that asks `/__inspect/health`
//! (the one inspection endpoint that needs no admin token; it reveals only status and version).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Writes `url` and a newline to `path` atomically: into a temporary file in the same directory,
/// renamed over `path`, so a reader sees either no file or the whole URL, never a part of it.
pub fn write_ready_file(path: &Path, url: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    writeln!(file, "{url}")?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Removes a ready file left by an earlier run, so that its URL is never taken for this run's.
pub fn remove_ready_file(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The address a local probe reaches a server at, from `serve`'s own settings (`XXB_MOCK_HOST`,
/// `XXB_MOCK_PORT`): a server bound to every address (`0.0.0.0`, `::`, as in a container) is
/// asked on loopback.
pub fn local_url(host: Option<&str>, port: Option<&str>) -> String {
    let host = match host.map(str::trim) {
        None | Some("" | "0.0.0.0") => "127.0.0.1".to_string(),
        Some("::" | "[::]") => "[::1]".to_string(),
        Some(h) if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
        Some(h) => h.to_string(),
    };
    let port = port
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("8080");
    format!("http://{host}:{port}")
}

/// Why a probe failed, in one line.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("no answer from {url} within {} s", timeout.as_secs_f64())]
    Timeout { url: String, timeout: Duration },
    #[error("cannot reach {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("{url} answered HTTP {status}, not an xxb-mock health answer")]
    Status { url: String, status: u16 },
    #[error("{url} answered {body:?}, not {{\"status\":\"ok\",...}}")]
    Body { url: String, body: String },
}

/// Asks `GET {base}/__inspect/health`; the version the server reports when it is up.
pub async fn probe(base: &str, timeout: Duration) -> Result<String, ProbeError> {
    let url = format!("{}/__inspect/health", base.trim_end_matches('/'));
    let unreachable = |cause: String| ProbeError::Unreachable {
        url: url.clone(),
        cause,
    };
    // No proxy: a probe asks the server itself, whatever HTTP_PROXY says.
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .map_err(|e| unreachable(deepest_cause(&e)))?;
    let response = client.get(&url).send().await.map_err(|e| {
        if e.is_timeout() {
            ProbeError::Timeout {
                url: url.clone(),
                timeout,
            }
        } else {
            unreachable(deepest_cause(&e))
        }
    })?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(ProbeError::Status { url, status });
    }
    let body = response
        .text()
        .await
        .map_err(|e| unreachable(deepest_cause(&e)))?;
    let answer: Option<serde_json::Value> = serde_json::from_str(&body).ok();
    match answer {
        Some(value) if value["status"] == "ok" => {
            Ok(value["version"].as_str().unwrap_or_default().to_string())
        }
        _ => Err(ProbeError::Body {
            url,
            body: body.chars().take(200).collect(),
        }),
    }
}

/// The innermost cause of an error ("Connection refused (os error 111)"), which says the most.
fn deepest_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_asks_loopback_when_the_server_binds_every_address() {
        assert_eq!(local_url(None, None), "http://127.0.0.1:8080");
        assert_eq!(
            local_url(Some("0.0.0.0"), Some("9000")),
            "http://127.0.0.1:9000"
        );
        assert_eq!(local_url(Some("::"), Some("80")), "http://[::1]:80");
        assert_eq!(local_url(Some("::1"), None), "http://[::1]:8080");
        assert_eq!(
            local_url(Some("192.0.2.7"), Some("81")),
            "http://192.0.2.7:81"
        );
    }

    #[test]
    fn a_ready_file_holds_the_url_and_nothing_else_is_left_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("xxb-mock.url");
        std::fs::write(&path, "http://stale:1\n").unwrap();
        write_ready_file(&path, "http://127.0.0.1:4242").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "http://127.0.0.1:4242\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("xxb-mock.url")]);
        remove_ready_file(&path).unwrap();
        remove_ready_file(&path).unwrap();
        assert!(!path.exists());
    }
}
