//! Captures: a value a call step takes from its answer (`capture: {gid: "$.data[0]~"}`), and the
//! `${gid}` references later steps make to it. They let a scenario use what the server itself
//! answered (its first group, that group's first member) instead of a fixture's literal, so the
//! same file holds against servers with different data.
//!
//! A path starts at `$`, the answer's JSON; `.name` takes a key, `[n]` takes the n-th element of
//! an array or the n-th entry of an object (in the answer's order), and a final `~` takes that
//! entry's key instead of its value. A string that is exactly `${name}` becomes the captured
//! value itself (a number stays a number); inside other text it becomes its text. `$${` writes a
//! literal `${`.

use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// Where a captured value lies in an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerPath {
    text: String,
    segments: Vec<Segment>,
    /// A final `~`: the key of the entry reached, not its value.
    key: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl fmt::Display for AnswerPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AnswerPath {
    /// Reads a path; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<AnswerPath, String> {
        let Some(mut rest) = text.strip_prefix('$') else {
            return Err(format!(
                "a path starts at `$` (the answer), as in `$.data[0]~`, not {text:?}"
            ));
        };
        let mut segments = Vec::new();
        let mut key = false;
        while !rest.is_empty() {
            if key {
                return Err(format!("`~` ends a path: {text:?}"));
            }
            if let Some(after) = rest.strip_prefix('~') {
                if segments.is_empty() {
                    return Err(format!(
                        "`~` takes the key of an entry: `$.data[0]~`, not {text:?}"
                    ));
                }
                key = true;
                rest = after;
            } else if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[', '~']).unwrap_or(after.len());
                if end == 0 {
                    return Err(format!("an empty key in {text:?}"));
                }
                segments.push(Segment::Key(after[..end].to_string()));
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after
                    .find(']')
                    .ok_or_else(|| format!("an unclosed `[` in {text:?}"))?;
                let index = after[..end]
                    .parse()
                    .map_err(|_| format!("`[{}]` is not a position in {text:?}", &after[..end]))?;
                segments.push(Segment::Index(index));
                rest = &after[end + 1..];
            } else {
                return Err(format!(
                    "expected `.key`, `[n]` or `~` at {rest:?} in {text:?}"
                ));
            }
        }
        Ok(AnswerPath {
            text: text.to_string(),
            segments,
            key,
        })
    }

    /// The value (or key) the path reaches in `answer`, or why there is none.
    pub fn find(&self, answer: &Value) -> Result<Value, String> {
        let mut at = answer;
        let mut key = None;
        for segment in &self.segments {
            let next = match (segment, at) {
                (Segment::Key(name), Value::Object(map)) => {
                    map.get(name).map(|v| (Some(name.clone()), v))
                }
                (Segment::Index(i), Value::Array(items)) => {
                    items.get(*i).map(|v| (Some(i.to_string()), v))
                }
                (Segment::Index(i), Value::Object(map)) => {
                    map.iter().nth(*i).map(|(k, v)| (Some(k.clone()), v))
                }
                _ => None,
            };
            let Some((name, value)) = next else {
                return Err(format!("the answer has nothing at {}", self.text));
            };
            key = name;
            at = value;
        }
        Ok(if self.key {
            Value::String(key.unwrap_or_default())
        } else {
            at.clone()
        })
    }
}

/// The values captured so far in one run, by name; `None` for a name whose step did not capture
/// (skipped or failed), with the reason.
#[derive(Clone, Debug, Default)]
pub struct Captured(HashMap<String, Result<Value, String>>);

impl Captured {
    pub fn set(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_string(), Ok(value));
    }

    /// Records that `name` was not captured, and why.
    pub fn missing(&mut self, name: &str, why: String) {
        self.0.insert(name.to_string(), Err(why));
    }

    fn get(&self, name: &str) -> Result<&Value, String> {
        match self.0.get(name) {
            Some(Ok(value)) => Ok(value),
            Some(Err(why)) => Err(format!("`${{{name}}}` was not captured: {why}")),
            None => Err(format!("`${{{name}}}` was not captured")),
        }
    }

    /// `text` with its references replaced by their text.
    pub fn text(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        for piece in pieces(text) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Reference(name) => match self.get(name)? {
                    Value::String(s) => out.push_str(s),
                    other => out.push_str(&other.to_string()),
                },
            }
        }
        Ok(out)
    }

    /// `value` with the references in its strings replaced; a string that is one reference
    /// becomes the captured value itself.
    pub fn value(&self, value: &Value) -> Result<Value, String> {
        Ok(match value {
            Value::String(s) => match pieces(s).as_slice() {
                [Piece::Reference(name)] => self.get(name)?.clone(),
                _ => Value::String(self.text(s)?),
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.value(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((self.text(k)?, self.value(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
}

#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    Reference(&'a str),
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `text` cut into literal text and `${name}` references (`$${` is a literal `${`).
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        if rest[..at].ends_with('$') {
            out.push(Piece::Text(&rest[..at]));
            out.push(Piece::Text("{"));
            rest = &rest[at + 2..];
            continue;
        }
        match rest[at + 2..].find('}') {
            Some(end) if is_name(&rest[at + 2..at + 2 + end]) => {
                if at > 0 {
                    out.push(Piece::Text(&rest[..at]));
                }
                out.push(Piece::Reference(&rest[at + 2..at + 2 + end]));
                rest = &rest[at + 3 + end..];
            }
            _ => {
                out.push(Piece::Text(&rest[..at + 2]));
                rest = &rest[at + 2..];
            }
        }
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The names `text` references.
pub fn references(text: &str) -> Vec<&str> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Reference(name) => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}

/// Whether `name` can be captured (and referenced as `${name}`).
pub fn valid_name(name: &str) -> bool {
    is_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(path: &str, answer: Value) -> Result<Value, String> {
        AnswerPath::parse(path).unwrap().find(&answer)
    }

    #[test]
    fn paths_reach_keys_values_and_positions() {
        let groups =
            json!({"result": "success", "data": {"30683aea": "第四期", "81c6ba89": "研发部"}});
        assert_eq!(find("$.data[0]~", groups.clone()), Ok(json!("30683aea")));
        assert_eq!(find("$.data[1]", groups.clone()), Ok(json!("研发部")));
        assert_eq!(find("$.data.81c6ba89", groups.clone()), Ok(json!("研发部")));
        assert_eq!(find("$.result", groups.clone()), Ok(json!("success")));
        assert_eq!(find("$", json!([1])), Ok(json!([1])));
        assert_eq!(
            find("$.items[1].seq", json!({"items": [{"seq": 4}, {"seq": 7}]})),
            Ok(json!(7))
        );
        // PHP's empty map is `[]`: nothing at its first position.
        assert!(find("$.data[0]~", json!({"data": []}))
            .unwrap_err()
            .contains("$.data[0]~"));
        assert!(find("$.data.x", json!({"data": "text"})).is_err());
    }

    #[test]
    fn bad_paths_say_why() {
        for bad in ["data[0]", "$.", "$[x]", "$[0", "$~", "$.a~.b", "$a"] {
            assert!(AnswerPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_keep_the_type_of_a_whole_value() {
        let mut captured = Captured::default();
        captured.set("gid", json!("30683aea"));
        captured.set("uid", json!(3));
        assert_eq!(
            captured.value(
                &json!({"users": ["${uid}"], "gid": "${gid}", "title": "to ${uid} in ${gid}"})
            ),
            Ok(json!({"users": [3], "gid": "30683aea", "title": "to 3 in 30683aea"}))
        );
        assert_eq!(
            captured.text("$${gid} costs $5"),
            Ok("${gid} costs $5".into())
        );
        assert_eq!(captured.text("${not a name}"), Ok("${not a name}".into()));
        captured.missing("later", "step 2 was skipped".into());
        assert_eq!(
            captured.text("${later}"),
            Err("`${later}` was not captured: step 2 was skipped".into())
        );
    }

    #[test]
    fn references_are_found_in_text() {
        assert_eq!(references("a ${x} b ${y_2} $${z} ${}"), ["x", "y_2"]);
        assert!(references("plain").is_empty());
    }
}
