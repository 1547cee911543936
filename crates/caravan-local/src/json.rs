//! Building JSON objects for responses and history events.
//!
//! SWF omits unset members instead of sending `null`, so the builder has a setter that skips `None`.

use serde_json::{Map, Value, json};

/// A JSON object under construction.
#[derive(Debug, Default)]
pub(crate) struct Obj(Map<String, Value>);

impl Obj {
    pub(crate) fn new() -> Obj {
        Obj(Map::new())
    }

    pub(crate) fn set(mut self, key: &str, value: impl Into<Value>) -> Obj {
        self.0.insert(key.to_string(), value.into());
        self
    }

    /// Sets `key` only when `value` is present.
    pub(crate) fn set_opt<T: Into<Value>>(self, key: &str, value: Option<T>) -> Obj {
        match value {
            Some(value) => self.set(key, value),
            None => self,
        }
    }

    pub(crate) fn into_map(self) -> Map<String, Value> {
        self.0
    }

    pub(crate) fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// Builds a `TaskList` structure.
pub(crate) fn task_list(name: &str) -> Value {
    json!({ "name": name })
}

/// Builds a `WorkflowExecution` structure.
pub(crate) fn workflow_execution(workflow_id: &str, run_id: &str) -> Value {
    json!({ "workflowId": workflow_id, "runId": run_id })
}

/// Serializes `value` with object keys sorted, so that equal requests give equal text whatever order
/// their members arrived in.
pub(crate) fn canonical(value: &Value) -> String {
    let mut text = String::new();
    write_canonical(value, &mut text);
    text
}

fn write_canonical(value: &Value, text: &mut String) {
    match value {
        Value::Object(members) => {
            let mut keys: Vec<&String> = members.keys().collect();
            keys.sort();
            text.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    text.push(',');
                }
                text.push_str(&Value::from(key.as_str()).to_string());
                text.push(':');
                write_canonical(&members[key], text);
            }
            text.push('}');
        }
        Value::Array(items) => {
            text.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    text.push(',');
                }
                write_canonical(item, text);
            }
            text.push(']');
        }
        scalar => text.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_opt_skips_none() {
        let object = Obj::new()
            .set("a", 1)
            .set_opt("b", None::<String>)
            .set_opt("c", Some("x"))
            .into_value();

        assert_eq!(object, json!({ "a": 1, "c": "x" }));
    }

    #[test]
    fn canonical_sorts_keys_at_every_level() {
        let first: Value = serde_json::from_str(r#"{"b": {"y": 1, "x": [2, {"q": 1, "p": 0}]}, "a": "s"}"#).unwrap();
        let second: Value = serde_json::from_str(r#"{"a": "s", "b": {"x": [2, {"p": 0, "q": 1}], "y": 1}}"#).unwrap();

        assert_eq!(canonical(&first), canonical(&second));
        assert_eq!(canonical(&first), r#"{"a":"s","b":{"x":[2,{"p":0,"q":1}],"y":1}}"#);
    }
}
