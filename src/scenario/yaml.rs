//! YAML read into a tree that remembers where each node starts (line and column), so every error
//! about a scenario can point at its source. Scalars are typed as YAML 1.2's core schema does
//! (`true`, `null`, `12`, `1.5` when plain; quoted ones are strings). JSON is valid YAML.

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A position in a source file, 1-based.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A YAML node and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: NodeValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Scalar(Value),
    Seq(Vec<Node>),
    /// Keys with their positions, in order.
    Map(Vec<(String, Pos, Node)>),
}

impl Node {
    /// The node as JSON (positions dropped).
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Scalar(v) => v.clone(),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, _, v)| (k.clone(), v.to_json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    pub fn as_map(&self) -> Option<&[(String, Pos, Node)]> {
        match &self.value {
            NodeValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// A scalar as text, whatever its type (`12` is "12").
    pub fn as_text(&self) -> Option<String> {
        match &self.value {
            NodeValue::Scalar(Value::String(s)) => Some(s.clone()),
            NodeValue::Scalar(Value::Null) => None,
            NodeValue::Scalar(v) => Some(v.to_string()),
            _ => None,
        }
    }
}

/// A YAML syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

fn pos(mark: Marker) -> Pos {
    Pos {
        line: mark.line(),
        col: mark.col() + 1,
    }
}

/// Builds the tree from the parser's events.
#[derive(Default)]
struct Builder {
    stack: Vec<(Pos, Partial)>,
    done: Option<Node>,
    error: Option<SyntaxError>,
}

enum Partial {
    Seq(Vec<Node>),
    Map(Vec<(String, Pos, Node)>, Option<(String, Pos)>),
}

impl Builder {
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.done = Some(node),
            Some((_, Partial::Seq(items))) => items.push(node),
            Some((_, Partial::Map(entries, key))) => match key.take() {
                Some((k, at)) => entries.push((k, at, node)),
                None => match &node.value {
                    NodeValue::Scalar(v) => {
                        let text = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        *key = Some((text, node.pos));
                    }
                    _ => {
                        self.error.get_or_insert(SyntaxError {
                            pos: node.pos,
                            message: "a mapping key must be a scalar".into(),
                        });
                    }
                },
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let at = pos(mark);
        match event {
            Event::Scalar(text, style, _, _) => {
                let value = if style == TScalarStyle::Plain {
                    plain(&text)
                } else {
                    Value::String(text)
                };
                self.push(Node {
                    pos: at,
                    value: NodeValue::Scalar(value),
                });
            }
            Event::SequenceStart(..) => self.stack.push((at, Partial::Seq(Vec::new()))),
            Event::MappingStart(..) => self.stack.push((at, Partial::Map(Vec::new(), None))),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((start, partial)) = self.stack.pop() {
                    let value = match partial {
                        Partial::Seq(items) => NodeValue::Seq(items),
                        Partial::Map(entries, _) => NodeValue::Map(entries),
                    };
                    self.push(Node { pos: start, value });
                }
            }
            Event::Alias(_) => {
                self.error.get_or_insert(SyntaxError {
                    pos: at,
                    message: "aliases (*name) are not supported in scenarios".into(),
                });
            }
            _ => {}
        }
    }
}

/// YAML 1.2 core schema for plain scalars.
fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && text.bytes().any(|b| b.is_ascii_digit());
    if numeric {
        if let Ok(n) = text.parse::<i64>() {
            return Value::Number(n.into());
        }
        if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(text.to_string())
}

/// Parses one YAML document.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|e| SyntaxError {
        pos: pos(*e.marker()),
        message: e.info().to_string(),
    })?;
    if let Some(error) = builder.error {
        return Err(error);
    }
    builder.done.ok_or(SyntaxError {
        pos: Pos { line: 1, col: 1 },
        message: "the file is empty".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_scalars_and_positions() {
        let node = parse("a: 1\nb: '1'\nc: [true, ~, 1.5, x]\nd:\n  e: 张三\n").unwrap();
        assert_eq!(
            node.to_json(),
            json!({"a": 1, "b": "1", "c": [true, null, 1.5, "x"], "d": {"e": "张三"}})
        );
        let entries = node.as_map().unwrap();
        assert_eq!(entries[1].1, Pos { line: 2, col: 1 });
        assert_eq!(entries[3].2.as_map().unwrap()[0].1, Pos { line: 5, col: 3 });
    }

    #[test]
    fn json_is_yaml() {
        let node = parse(r#"{"name": "x", "steps": [{"call": "getGroupChats"}]}"#).unwrap();
        assert_eq!(
            node.to_json(),
            json!({"name": "x", "steps": [{"call": "getGroupChats"}]})
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let error = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(error.pos.line >= 1, "{error:?}");
        assert!(parse("").is_err());
    }
}
