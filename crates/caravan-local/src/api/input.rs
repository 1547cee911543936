//! Reading request members with the constraints of the SWF service model.
//!
//! The readers collect every constraint violation (a missing required member, a length, a range, an
//! enum value) and [`Input::finish`] turns them into one ValidationException that lists them all, in
//! the message style of SWF's Coral framework:
//! `1 validation error detected: Value null at 'domain' failed to satisfy constraint: Member must not be null`.
//! A member of the wrong JSON type stops reading at once with a SerializationException. A JSON `null`
//! counts as a missing member, and members the model does not know are ignored.
//!
//! A required member that is missing reads as an empty value, so a handler must call `finish` before it
//! uses what it read.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::json::canonical;
use crate::model::values::{Millis, millis_from_seconds};

/// Allowed length of a string or list, inclusive.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Length {
    pub(crate) min: usize,
    pub(crate) max: usize,
}

impl Length {
    pub(crate) const fn new(min: usize, max: usize) -> Length {
        Length { min, max }
    }
}

/// The members of a request body or of a structure inside it.
pub(crate) struct Input {
    members: Map<String, Value>,
    /// Path of this structure in the request, ending in `.` unless it is the body itself.
    path: String,
    /// False for a required structure that is missing; reading it then records nothing more.
    present: bool,
    violations: Rc<RefCell<Vec<String>>>,
}

impl Input {
    /// Parses a request body. An empty body counts as `{}`.
    pub(crate) fn parse(body: &[u8]) -> Result<Input, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Input::root(Map::new()));
        }

        let value: Value = serde_json::from_slice(body)
            .map_err(|error| ApiError::Serialization(format!("The request body is not valid JSON: {error}")))?;
        match value {
            Value::Object(members) => Ok(Input::root(members)),
            other => Err(ApiError::Serialization(format!(
                "The request body must be a JSON object, but it is {}",
                describe(&other)
            ))),
        }
    }

    fn root(members: Map<String, Value>) -> Input {
        Input {
            members,
            path: String::new(),
            present: true,
            violations: Rc::default(),
        }
    }

    fn child(&self, members: Map<String, Value>, path: String, present: bool) -> Input {
        Input {
            members,
            path,
            present,
            violations: Rc::clone(&self.violations),
        }
    }

    /// Returns the request's members other than `nextPageToken` in a canonical form, which binds a page
    /// token to the request that made it. Call it before reading any member.
    pub(crate) fn fingerprint(&self) -> String {
        let mut members = self.members.clone();
        members.remove("nextPageToken");
        canonical(&Value::Object(members))
    }

    /// Records a violation of the member `name` of this structure; `shown` is the value as the message
    /// shows it.
    pub(crate) fn reject(&self, name: &str, shown: &str, constraint: &str) {
        if self.present {
            let path = &self.path;
            self.violations.borrow_mut().push(format!(
                "Value {shown} at '{path}{name}' failed to satisfy constraint: {constraint}"
            ));
        }
    }

    /// Records a violation of a string member.
    pub(crate) fn reject_string(&self, name: &str, value: &str, constraint: &str) {
        self.reject(name, &format!("'{value}'"), constraint);
    }

    fn missing(&self, name: &str) {
        self.reject(name, "null", "Member must not be null");
    }

    /// Ends reading: returns a ValidationException listing every violation recorded in the request.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        let violations = self.violations.borrow();
        match violations.len() {
            0 => Ok(()),
            1 => Err(ApiError::Validation(format!(
                "1 validation error detected: {}",
                violations[0]
            ))),
            count => Err(ApiError::Validation(format!(
                "{count} validation errors detected: {}",
                violations.join("; ")
            ))),
        }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        match self.members.remove(name) {
            None | Some(Value::Null) => None,
            Some(value) => Some(value),
        }
    }

    fn wrong_type(&self, name: &str, expected: &str, found: &Value) -> ApiError {
        ApiError::Serialization(format!(
            "Expected {expected} at '{}{name}', but found {}",
            self.path,
            describe(found)
        ))
    }

    pub(crate) fn string(&mut self, name: &str, length: Length) -> Result<Option<String>, ApiError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let Value::String(text) = value else {
            return Err(self.wrong_type(name, "a string", &value));
        };

        self.check_length(name, &text, length);
        Ok(Some(text))
    }

    /// Reads a required string; a missing one reads as empty and is recorded.
    pub(crate) fn required_string(&mut self, name: &str, length: Length) -> Result<String, ApiError> {
        let text = self.string(name, length)?;
        if text.is_none() {
            self.missing(name);
        }
        Ok(text.unwrap_or_default())
    }

    fn check_length(&self, name: &str, text: &str, length: Length) {
        let characters = text.chars().count();
        if characters < length.min {
            self.reject_string(
                name,
                text,
                &format!("Member must have length greater than or equal to {}", length.min),
            );
        }
        if characters > length.max {
            self.reject_string(
                name,
                text,
                &format!("Member must have length less than or equal to {}", length.max),
            );
        }
    }

    /// Reads a string that must be one of `allowed`.
    pub(crate) fn enumeration(
        &mut self,
        name: &str,
        allowed: &[&'static str],
    ) -> Result<Option<&'static str>, ApiError> {
        let Some(text) = self.string(name, Length::new(0, usize::MAX))? else {
            return Ok(None);
        };
        Ok(self.check_enumeration(name, &text, allowed))
    }

    pub(crate) fn required_enumeration(
        &mut self,
        name: &str,
        allowed: &[&'static str],
    ) -> Result<&'static str, ApiError> {
        let Some(text) = self.string(name, Length::new(0, usize::MAX))? else {
            self.missing(name);
            return Ok("");
        };
        Ok(self.check_enumeration(name, &text, allowed).unwrap_or(""))
    }

    fn check_enumeration(&self, name: &str, text: &str, allowed: &[&'static str]) -> Option<&'static str> {
        let value = allowed.iter().copied().find(|candidate| *candidate == text);
        if value.is_none() {
            let set = allowed.join(", ");
            self.reject_string(name, text, &format!("Member must satisfy enum value set: [{set}]"));
        }
        value
    }

    /// Reads an integer within `min..=max`.
    pub(crate) fn integer(&mut self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let number = match &value {
            Value::Number(number) => number.as_i64().or_else(|| {
                number
                    .as_f64()
                    .filter(|float| float.fract() == 0.0)
                    .map(|float| float as i64)
            }),
            _ => None,
        };
        let Some(number) = number else {
            return Err(self.wrong_type(name, "an integer", &value));
        };

        if number < min {
            self.reject(
                name,
                &format!("'{number}'"),
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
        if number > max {
            self.reject(
                name,
                &format!("'{number}'"),
                &format!("Member must have value less than or equal to {max}"),
            );
        }
        Ok(Some(number))
    }

    pub(crate) fn boolean(&mut self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(flag)),
            Some(other) => Err(self.wrong_type(name, "a boolean", &other)),
        }
    }

    /// Reads a timestamp sent as epoch seconds, an integer or a fraction.
    pub(crate) fn timestamp(&mut self, name: &str) -> Result<Option<Millis>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Number(number)) => match number.as_f64() {
                Some(seconds) => Ok(Some(millis_from_seconds(seconds))),
                None => Err(ApiError::Serialization(format!(
                    "Timestamp at '{}{name}' is out of range",
                    self.path
                ))),
            },
            Some(other) => Err(self.wrong_type(name, "a timestamp in epoch seconds", &other)),
        }
    }

    pub(crate) fn required_timestamp(&mut self, name: &str) -> Result<Millis, ApiError> {
        let value = self.timestamp(name)?;
        if value.is_none() {
            self.missing(name);
        }
        Ok(value.unwrap_or(0))
    }

    /// Reads a structure.
    pub(crate) fn object(&mut self, name: &str) -> Result<Option<Input>, ApiError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let Value::Object(members) = value else {
            return Err(self.wrong_type(name, "a JSON object", &value));
        };
        let path = format!("{}{name}.", self.path);
        Ok(Some(self.child(members, path, self.present)))
    }

    /// Reads a required structure. A missing one is recorded once, and reads from it record nothing.
    pub(crate) fn required_object(&mut self, name: &str) -> Result<Input, ApiError> {
        if let Some(object) = self.object(name)? {
            return Ok(object);
        }
        self.missing(name);
        let path = format!("{}{name}.", self.path);
        Ok(self.child(Map::new(), path, false))
    }

    /// Reads a structure whose members are all optional; a missing one reads as empty.
    pub(crate) fn object_or_empty(&mut self, name: &str) -> Result<Input, ApiError> {
        if let Some(object) = self.object(name)? {
            return Ok(object);
        }
        let path = format!("{}{name}.", self.path);
        Ok(self.child(Map::new(), path, self.present))
    }

    fn list(&mut self, name: &str, max_items: Option<usize>) -> Result<Option<Vec<Value>>, ApiError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(self.wrong_type(name, "a JSON array", &value));
        };

        if let Some(max) = max_items.filter(|max| items.len() > *max) {
            let shown: Vec<String> = items.iter().map(show_item).collect();
            let shown = format!("'[{}]'", shown.join(", "));
            self.reject(
                name,
                &shown,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
        Ok(Some(items))
    }

    /// Reads a list of strings, each within `item_length`.
    pub(crate) fn string_list(
        &mut self,
        name: &str,
        max_items: Option<usize>,
        item_length: Length,
    ) -> Result<Option<Vec<String>>, ApiError> {
        let Some(items) = self.list(name, max_items)? else {
            return Ok(None);
        };

        let mut strings = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let member = format!("{name}.{}.member", index + 1);
            let Value::String(text) = item else {
                return Err(self.wrong_type(&member, "a string", &item));
            };
            self.check_length(&member, &text, item_length);
            strings.push(text);
        }
        Ok(Some(strings))
    }

    /// Reads a list of structures; each element's path is `name.N.member` with N counted from 1.
    pub(crate) fn object_list(&mut self, name: &str, max_items: Option<usize>) -> Result<Option<Vec<Input>>, ApiError> {
        let Some(items) = self.list(name, max_items)? else {
            return Ok(None);
        };

        let mut objects = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let member = format!("{name}.{}.member", index + 1);
            let Value::Object(members) = item else {
                return Err(self.wrong_type(&member, "a JSON object", &item));
            };
            let path = format!("{}{member}.", self.path);
            objects.push(self.child(members, path, self.present));
        }
        Ok(Some(objects))
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn show_item(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(body: &str) -> Input {
        Input::parse(body.as_bytes()).expect("test body is a JSON object")
    }

    fn message(result: Result<(), ApiError>) -> String {
        match result {
            Err(ApiError::Validation(message)) => message,
            other => panic!("expected a ValidationException, got {other:?}"),
        }
    }

    #[test]
    fn missing_required_member_has_coral_message() {
        let mut request = input("{}");

        let domain = request.required_string("domain", Length::new(1, 256)).unwrap();

        assert_eq!(domain, "");
        assert_eq!(
            message(request.finish()),
            "1 validation error detected: Value null at 'domain' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn violations_are_collected_and_counted() {
        let mut request = input(r#"{"name": "", "version": "x"}"#);

        request.required_string("domain", Length::new(1, 256)).unwrap();
        request.required_string("name", Length::new(1, 256)).unwrap();
        request.required_string("version", Length::new(1, 64)).unwrap();

        let text = message(request.finish());
        assert!(text.starts_with("2 validation errors detected: "), "{text}");
        assert!(text.contains(
            "Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
        ));
    }

    #[test]
    fn nested_list_paths_count_from_one() {
        let mut request = input(r#"{"decisions": [{"a": 1}, {"attributes": {}}]}"#);

        let mut decisions = request.object_list("decisions", None).unwrap().unwrap();
        let mut attributes = decisions[1].required_object("attributes").unwrap();
        attributes.required_string("timerId", Length::new(1, 256)).unwrap();

        assert_eq!(
            message(request.finish()),
            "1 validation error detected: Value null at 'decisions.2.member.attributes.timerId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn missing_required_object_is_reported_once() {
        let mut request = input("{}");

        let mut workflow_type = request.required_object("workflowType").unwrap();
        workflow_type.required_string("name", Length::new(1, 256)).unwrap();

        let text = message(request.finish());
        assert!(
            text.starts_with("1 validation error detected: Value null at 'workflowType'"),
            "{text}"
        );
    }

    #[test]
    fn wrong_type_is_a_serialization_error() {
        let mut request = input(r#"{"domain": 5}"#);

        let result = request.required_string("domain", Length::new(1, 256));

        assert!(matches!(result, Err(ApiError::Serialization(_))));
    }

    #[test]
    fn enum_violation_lists_allowed_values() {
        let mut request = input(r#"{"registrationStatus": "GONE"}"#);

        request
            .required_enumeration("registrationStatus", &["REGISTERED", "DEPRECATED"])
            .unwrap();

        assert_eq!(
            message(request.finish()),
            "1 validation error detected: Value 'GONE' at 'registrationStatus' failed to satisfy constraint: \
             Member must satisfy enum value set: [REGISTERED, DEPRECATED]"
        );
    }

    #[test]
    fn list_length_and_items_are_checked() {
        let mut request = input(r#"{"tagList": ["a", "b", "c", "d", "e", "f"]}"#);

        request.string_list("tagList", Some(5), Length::new(0, 256)).unwrap();

        let text = message(request.finish());
        assert!(text.contains("Value '[a, b, c, d, e, f]' at 'tagList'"), "{text}");
        assert!(
            text.contains("Member must have length less than or equal to 5"),
            "{text}"
        );
    }

    #[test]
    fn integer_range_is_checked() {
        let mut request = input(r#"{"maximumPageSize": 1001}"#);

        request.integer("maximumPageSize", 0, 1000).unwrap();

        assert!(message(request.finish()).contains("Member must have value less than or equal to 1000"));
    }

    #[test]
    fn body_must_be_an_object() {
        assert!(matches!(Input::parse(b"[1]"), Err(ApiError::Serialization(_))));
        assert!(matches!(Input::parse(b"{not json"), Err(ApiError::Serialization(_))));
        assert!(Input::parse(b"").is_ok());
    }

    #[test]
    fn null_counts_as_missing() {
        let mut request = input(r#"{"description": null}"#);

        assert_eq!(request.string("description", Length::new(0, 1024)).unwrap(), None);
        assert!(request.finish().is_ok());
    }

    #[test]
    fn fingerprint_ignores_page_token_and_member_order() {
        let first = input(r#"{"domain": "d", "nextPageToken": "x", "reverseOrder": true}"#);
        let second = input(r#"{"reverseOrder": true, "domain": "d"}"#);

        assert_eq!(first.fingerprint(), second.fingerprint());
    }
}
