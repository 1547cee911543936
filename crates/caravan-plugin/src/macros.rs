//! Declarative macros that turn the tables of SWF shapes into types.
//!
//! SWF has 54 history event types and 13 decision types. Each is listed once, in
//! `history/attributes.rs` or `decision/attributes.rs`, and these macros generate the
//! attribute structs, the enum over them and the code that maps an enum variant to its
//! wire member, so the lists are never written twice.

/// Defines an SWF enum: one variant per value in the botocore model, plus `Unknown` for a
/// value that a newer SWF may send. It is serialized as the plain SWF string.
macro_rules! swf_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $variant:ident = $wire:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( #[doc = concat!("`", $wire, "`")] $variant, )*
            /// A value this SDK does not know, kept exactly as SWF sent it.
            Unknown(String),
        }

        impl $name {
            /// Returns the value as SWF spells it on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

/// Defines a struct for an SWF attributes shape.
///
/// Required members become plain fields and optional members become `Option` fields that
/// are omitted from the JSON when `None`. Members this SDK does not know are collected in
/// `unknown_fields` and written back unchanged, so a newer SWF's additions survive a
/// deserialize-serialize round trip.
macro_rules! swf_struct {
    (
        $(#[$meta:meta])*
        $name:ident {
            required { $( $required:ident : $required_type:ty ),* $(,)? }
            optional { $( $optional:ident : $optional_type:ty ),* $(,)? }
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $( pub $required: $required_type, )*
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $optional: Option<$optional_type>,
            )*
            /// Members that this SDK does not know, kept so that they are serialized again.
            #[serde(flatten)]
            pub unknown_fields: ::serde_json::Map<String, ::serde_json::Value>,
        }
    };
}

/// Returns the wire name of the attributes member for a type name:
/// `("TimerFired", "EventAttributes")` gives `timerFiredEventAttributes`.
pub(crate) fn attributes_member(type_name: &str, suffix: &str) -> String {
    let mut member = String::with_capacity(type_name.len() + suffix.len());
    let mut chars = type_name.chars();
    if let Some(first) = chars.next() {
        member.extend(first.to_lowercase());
    }
    member.push_str(chars.as_str());
    member.push_str(suffix);
    member
}

/// Removes `name` from a JSON object and deserializes it as `T`.
pub(crate) fn take_member<T: serde::de::DeserializeOwned>(
    members: &mut serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<T, String> {
    let value = members.remove(name).ok_or_else(|| format!("missing member `{name}`"))?;

    serde_json::from_value(value).map_err(|error| format!("invalid member `{name}`: {error}"))
}

#[cfg(test)]
mod tests {
    use super::attributes_member;

    #[test]
    fn attributes_member_lowercases_first_letter() {
        assert_eq!(
            attributes_member("TimerFired", "EventAttributes"),
            "timerFiredEventAttributes"
        );
        assert_eq!(
            attributes_member("StartTimer", "DecisionAttributes"),
            "startTimerDecisionAttributes"
        );
        assert_eq!(attributes_member("", "EventAttributes"), "EventAttributes");
    }
}
