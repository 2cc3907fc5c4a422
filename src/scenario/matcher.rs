//! Matching an answer against what a step expects: a subset match (every key given must match,
//! recursively; arrays by length and element; scalars by equality, a number never equal to a
//! string) or exact JSON equality, with each difference reported at its JSON path.

use serde_json::Value;

/// One difference between what was expected and what arrived.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Mismatch {
    /// `$.data.1`, `$.items[0].title`.
    pub path: String,
    pub expected: Value,
    /// `None` when the key is missing.
    pub actual: Option<Value>,
}

impl std::fmt::Display for Mismatch {
    /// `$.data.1: expected "张三", got (missing)`, as the reports show a difference.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.actual {
            Some(actual) => write!(f, "{}: expected {}, got {actual}", self.path, self.expected),
            None => write!(
                f,
                "{}: expected {}, got (missing)",
                self.path, self.expected
            ),
        }
    }
}

/// Every place where `actual` does not contain `expected`.
pub fn subset(expected: &Value, actual: &Value) -> Vec<Mismatch> {
    let mut found = Vec::new();
    walk(expected, Some(actual), "$".to_string(), &mut found);
    found
}

/// JSON equality, reported like [`subset`].
pub fn exact(expected: &Value, actual: &Value) -> Vec<Mismatch> {
    if expected == actual {
        return Vec::new();
    }
    let mut found = subset(expected, actual);
    // Keys the answer has that the expectation does not.
    extra_keys(expected, actual, "$".to_string(), &mut found);
    if found.is_empty() {
        found.push(Mismatch {
            path: "$".into(),
            expected: expected.clone(),
            actual: Some(actual.clone()),
        });
    }
    found
}

fn walk(expected: &Value, actual: Option<&Value>, path: String, found: &mut Vec<Mismatch>) {
    match (expected, actual) {
        (Value::Object(want), Some(Value::Object(have))) => {
            for (key, value) in want {
                walk(value, have.get(key), format!("{path}.{key}"), found);
            }
        }
        // An empty PHP array is `[]` even where a map is expected: `{}` expects it.
        (Value::Object(want), Some(Value::Array(have))) if want.is_empty() && have.is_empty() => {}
        (Value::Array(want), Some(Value::Array(have))) if want.len() == have.len() => {
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                walk(w, Some(h), format!("{path}[{i}]"), found);
            }
        }
        (want, have) if have == Some(want) => {}
        (want, have) => found.push(Mismatch {
            path,
            expected: want.clone(),
            actual: have.cloned(),
        }),
    }
}

fn extra_keys(expected: &Value, actual: &Value, path: String, found: &mut Vec<Mismatch>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, value) in have {
                match want.get(key) {
                    None => found.push(Mismatch {
                        path: format!("{path}.{key}"),
                        expected: Value::Null,
                        actual: Some(value.clone()),
                    }),
                    Some(w) => extra_keys(w, value, format!("{path}.{key}"), found),
                }
            }
        }
        (Value::Array(want), Value::Array(have)) if want.len() == have.len() => {
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                extra_keys(w, h, format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_rules() {
        let actual = json!({"result": "success", "data": {"1": "管理员", "3": "张三"}, "list": [1, {"a": 1, "b": 2}]});
        assert!(subset(&json!({"data": {"1": "管理员"}}), &actual).is_empty());
        assert!(subset(&json!({"list": [1, {"a": 1}]}), &actual).is_empty());
        assert_eq!(subset(&json!({"list": [1]}), &actual)[0].path, "$.list");
        assert_eq!(
            subset(&json!({"data": {"4": "李四"}}), &actual)[0].actual,
            None
        );
        assert_eq!(
            subset(&json!({"result": "fail"}), &actual)[0].path,
            "$.result"
        );
        assert!(subset(&json!({"data": {}}), &json!({"data": []})).is_empty());
    }

    #[test]
    fn exact_rules() {
        assert!(exact(&json!({"a": [1]}), &json!({"a": [1]})).is_empty());
        assert_eq!(
            exact(&json!({"a": 1}), &json!({"a": 1, "b": 2}))[0].path,
            "$.b"
        );
        assert!(!exact(&json!("1"), &json!(1)).is_empty());
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn subset() {
        use crate::scenario::matcher::subset;
        use serde_json::json;
        assert!(subset(
            &json!({"result": "success"}),
            &json!({"result": "success", "data": []})
        )
        .is_empty());
        assert_eq!(subset(&json!({"n": 1}), &json!({"n": "1"}))[0].path, "$.n");
    }
}
