//! What a request to a path that runs no script probably meant. The real server's web server answers
//! such a path with its own 404 and the application never runs (observed for `/X.php`); the mock
//! answers the same, journals the request, and says which entry the client was most likely after:
//! the right script in another case, a reverse proxy's prefix, the chat daemon's `/im/...` API, or
//! the server's root.

use crate::config::BasePath;
use crate::routes::SCRIPTS;

/// The chat daemon's operations (`/im/<operation>`) and the `x.php` method that does the same.
const XXD_OPERATIONS: [(&str, &str); 4] = [
    ("getChatGroups", "getGroupChats"),
    ("getChatUsers", "getChatUsers"),
    ("sendNotification", "sendNotification"),
    ("sendChatMessage", "sendChatMessage"),
];

/// What a path that reached no entry probably meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Meant {
    /// `/`: the server's root, no entry at all (the mock sends browsers to `/__ui`).
    Root,
    /// An entry script named in another case (`/X.php`): `script` is the right path.
    Case { script: String },
    /// An entry script behind a prefix the mock does not serve (`/xxb/x.php`): a reverse proxy's.
    Prefix { prefix: String, script: String },
    /// An entry script without the `--base-path` prefix: `script` is the path with it.
    MissingBasePath { script: String },
    /// The chat daemon's direct API (`/im/<operation>`) behind a prefix or with more path (the
    /// mock serves `/im/<operation>` itself), with the `x.php` method that does the same, when the
    /// operation is one of the four.
    Xxd {
        operation: String,
        method: Option<&'static str>,
    },
    /// Nothing the mock recognises.
    Unknown,
}

/// What `path` (which runs no script under `base`) probably meant.
pub fn meant(path: &str, base: Option<&BasePath>) -> Meant {
    let base = base.map_or("", BasePath::as_str);
    if path.is_empty() || path == "/" {
        return Meant::Root;
    }
    let lower = path.to_ascii_lowercase();
    // A script, or a script continued by a path (`/X.php/`), in `candidate` form.
    let names = |candidate: &str, script: &str| {
        candidate == script
            || candidate
                .strip_prefix(script)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    for script in SCRIPTS {
        let full = format!("{base}{script}");
        if names(&lower, &full.to_ascii_lowercase()) {
            return Meant::Case { script: full };
        }
        if !base.is_empty() && names(&lower, script) {
            return Meant::MissingBasePath { script: full };
        }
    }
    for script in SCRIPTS {
        if let Some(at) = script_segment(&lower, script) {
            return Meant::Prefix {
                prefix: path[..at].to_string(),
                script: format!("{base}{script}"),
            };
        }
    }
    if let Some(at) = lower.find("/im/") {
        let operation = path[at + 4..].split('/').next().unwrap_or_default();
        let method = XXD_OPERATIONS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(operation))
            .map(|(_, method)| *method);
        return Meant::Xxd {
            operation: operation.to_string(),
            method,
        };
    }
    Meant::Unknown
}

/// Where `script` starts as a whole path segment of `path`, after a non-empty prefix.
fn script_segment(path: &str, script: &str) -> Option<usize> {
    path.match_indices(script)
        .map(|(at, _)| at)
        .find(|&at| at > 0 && matches!(path[at + script.len()..].chars().next(), None | Some('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(path: &str) -> Option<BasePath> {
        BasePath::parse(path).unwrap()
    }

    #[test]
    fn paths_and_what_they_meant() {
        let case = |s: &str| Meant::Case { script: s.into() };
        assert_eq!(meant("/", None), Meant::Root);
        assert_eq!(meant("/X.php", None), case("/x.php"));
        assert_eq!(meant("/X.PHP/", None), case("/x.php"));
        assert_eq!(meant("/API.php", None), case("/api.php"));
        assert_eq!(
            meant("/proxy/xxb/x.php", None),
            Meant::Prefix {
                prefix: "/proxy/xxb".into(),
                script: "/x.php".into()
            }
        );
        assert_eq!(
            meant("/im/getChatGroups", None),
            Meant::Xxd {
                operation: "getChatGroups".into(),
                method: Some("getGroupChats")
            }
        );
        assert_eq!(
            meant("/xxd/im/nope/x", None),
            Meant::Xxd {
                operation: "nope".into(),
                method: None
            }
        );
        assert_eq!(meant("/index.php", None), Meant::Unknown);
        assert_eq!(meant("/x.phpx", None), Meant::Unknown);
        assert_eq!(meant("/favicon.ico", None), Meant::Unknown);
    }

    #[test]
    fn under_a_base_path() {
        let xxb = base("/xxb");
        assert_eq!(
            meant("/x.php", xxb.as_ref()),
            Meant::MissingBasePath {
                script: "/xxb/x.php".into()
            }
        );
        assert_eq!(
            meant("/XXB/x.php", xxb.as_ref()),
            Meant::Case {
                script: "/xxb/x.php".into()
            }
        );
        assert_eq!(
            meant("/other/x.php", xxb.as_ref()),
            Meant::Prefix {
                prefix: "/other".into(),
                script: "/xxb/x.php".into()
            }
        );
    }
}
