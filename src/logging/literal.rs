//! The Python expressions that `args` and `kwargs` of a `[handler_NAME]` section hold.
//!
//! Python's `logging.config.fileConfig` passes these values to `eval`. caravan reads the subset
//! that logging configurations use: strings, whole numbers and their products (as in
//! `10*1024*1024`), `True`, `False`, `None`, the names `sys.stderr` and `sys.stdout`, tuples and
//! dicts. Anything else is an error that names the position.

use std::fmt;

/// A value of a Python expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    /// A dotted name such as `sys.stderr`.
    Name(String),
    Tuple(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

impl Literal {
    /// Name of the value's Python type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Literal::Str(_) => "a string",
            Literal::Int(_) => "a whole number",
            Literal::Bool(_) => "a boolean",
            Literal::None => "None",
            Literal::Name(_) => "a name",
            Literal::Tuple(_) => "a tuple",
            Literal::Dict(_) => "a dict",
        }
    }
}

impl fmt::Display for Literal {
    /// Writes the value as Python's `repr` would.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(text) => write!(formatter, "'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
            Literal::Int(number) => write!(formatter, "{number}"),
            Literal::Bool(true) => formatter.write_str("True"),
            Literal::Bool(false) => formatter.write_str("False"),
            Literal::None => formatter.write_str("None"),
            Literal::Name(name) => formatter.write_str(name),
            Literal::Tuple(items) => {
                let items: Vec<String> = items.iter().map(Literal::to_string).collect();
                match items.as_slice() {
                    [one] => write!(formatter, "({one},)"),
                    _ => write!(formatter, "({})", items.join(", ")),
                }
            }
            Literal::Dict(entries) => {
                let entries: Vec<String> = entries.iter().map(|(key, value)| format!("{key}: {value}")).collect();
                write!(formatter, "{{{}}}", entries.join(", "))
            }
        }
    }
}

/// A Python expression that caravan cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} at character {position}")]
pub struct LiteralError {
    pub problem: String,
    /// Position of the problem, counted in characters from 1.
    pub position: usize,
}

/// Parses one Python expression, such as `('/var/log/caravan.log', 'a', 10*1024*1024, 5)`.
pub fn parse(text: &str) -> Result<Literal, LiteralError> {
    let mut parser = Parser {
        characters: text.chars().collect(),
        position: 0,
    };

    let value = parser.expression()?;
    parser.skip_whitespace();
    if parser.position < parser.characters.len() {
        return Err(parser.error("unexpected text after the expression"));
    }
    Ok(value)
}

struct Parser {
    characters: Vec<char>,
    position: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.characters.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    fn error(&self, problem: impl Into<String>) -> LiteralError {
        LiteralError {
            problem: problem.into(),
            position: self.position + 1,
        }
    }

    /// Reads a product of atoms: `a * b * c`, where every factor is a whole number.
    fn expression(&mut self) -> Result<Literal, LiteralError> {
        let first = self.atom()?;
        self.skip_whitespace();
        if self.peek() != Some('*') {
            return Ok(first);
        }

        let Literal::Int(mut product) = first else {
            return Err(self.error(format!("cannot multiply {}", first.type_name())));
        };
        while self.peek() == Some('*') {
            self.position += 1;
            let factor = self.atom()?;
            let Literal::Int(factor) = factor else {
                return Err(self.error(format!("cannot multiply by {}", factor.type_name())));
            };
            product = product
                .checked_mul(factor)
                .ok_or_else(|| self.error("the product is too large"))?;
            self.skip_whitespace();
        }
        Ok(Literal::Int(product))
    }

    fn atom(&mut self) -> Result<Literal, LiteralError> {
        self.skip_whitespace();
        match self.peek() {
            None => Err(self.error("expected a value, found the end of the text")),
            Some('(') => self.tuple(),
            Some('{') => self.dict(),
            Some('\'' | '"') => self.string(false),
            Some('-') => {
                self.position += 1;
                match self.atom()? {
                    Literal::Int(number) => Ok(Literal::Int(-number)),
                    other => Err(self.error(format!("cannot negate {}", other.type_name()))),
                }
            }
            Some(character) if character.is_ascii_digit() => self.integer(),
            Some(character) if character.is_alphabetic() || character == '_' => self.name_or_string(),
            Some(character) => Err(self.error(format!("unexpected '{character}'"))),
        }
    }

    /// Reads `(`, values separated by commas, and `)`. One value without a comma is not a tuple,
    /// as in Python.
    fn tuple(&mut self) -> Result<Literal, LiteralError> {
        self.position += 1;
        let mut items = Vec::new();
        let mut trailing_comma = false;

        loop {
            self.skip_whitespace();
            if self.peek() == Some(')') {
                self.position += 1;
                break;
            }
            items.push(self.expression()?);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => {
                    self.position += 1;
                    trailing_comma = true;
                }
                Some(')') => {
                    self.position += 1;
                    trailing_comma = false;
                    break;
                }
                _ => return Err(self.error("expected ',' or ')'")),
            }
        }

        if items.len() == 1 && !trailing_comma {
            return Ok(items.remove(0));
        }
        Ok(Literal::Tuple(items))
    }

    fn dict(&mut self) -> Result<Literal, LiteralError> {
        self.position += 1;
        let mut entries = Vec::new();

        loop {
            self.skip_whitespace();
            if self.peek() == Some('}') {
                self.position += 1;
                break;
            }
            let key = self.expression()?;
            self.skip_whitespace();
            if self.peek() != Some(':') {
                return Err(self.error("expected ':' after the dict key"));
            }
            self.position += 1;
            let value = self.expression()?;
            entries.push((key, value));

            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.position += 1,
                Some('}') => {
                    self.position += 1;
                    break;
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
        Ok(Literal::Dict(entries))
    }

    fn integer(&mut self) -> Result<Literal, LiteralError> {
        let start = self.position;
        while self
            .peek()
            .is_some_and(|character| character.is_ascii_alphanumeric() || character == '_' || character == '.')
        {
            self.position += 1;
        }

        let text: String = self.characters[start..self.position]
            .iter()
            .filter(|&&character| character != '_')
            .collect();
        text.parse::<i64>().map(Literal::Int).map_err(|_| LiteralError {
            problem: format!("invalid whole number '{text}'"),
            position: start + 1,
        })
    }

    /// Reads `True`, `False`, `None`, a dotted name, or a string with a prefix such as `r'…'`.
    fn name_or_string(&mut self) -> Result<Literal, LiteralError> {
        let start = self.position;
        while self
            .peek()
            .is_some_and(|character| character.is_alphanumeric() || character == '_' || character == '.')
        {
            self.position += 1;
        }
        let word: String = self.characters[start..self.position].iter().collect();

        if matches!(self.peek(), Some('\'' | '"')) {
            return match word.as_str() {
                "r" | "R" => self.string(true),
                "u" | "U" => self.string(false),
                _ => Err(LiteralError {
                    problem: format!("unsupported string prefix '{word}'"),
                    position: start + 1,
                }),
            };
        }

        Ok(match word.as_str() {
            "True" => Literal::Bool(true),
            "False" => Literal::Bool(false),
            "None" => Literal::None,
            _ => Literal::Name(word),
        })
    }

    /// Reads a string in single or double quotes. Without `raw`, backslash escapes are decoded as
    /// Python decodes them, and an escape Python does not know keeps its backslash, as in Python.
    fn string(&mut self, raw: bool) -> Result<Literal, LiteralError> {
        let quote = self.peek().unwrap_or('\'');
        let start = self.position;
        self.position += 1;
        let mut text = String::new();

        loop {
            let Some(character) = self.peek() else {
                return Err(LiteralError {
                    problem: "unclosed string".to_string(),
                    position: start + 1,
                });
            };
            self.position += 1;
            if character == quote {
                return Ok(Literal::Str(text));
            }
            if character != '\\' {
                text.push(character);
                continue;
            }

            let Some(escaped) = self.peek() else {
                continue;
            };
            self.position += 1;
            if raw {
                text.push('\\');
                text.push(escaped);
                continue;
            }
            match escaped {
                '\\' | '\'' | '"' => text.push(escaped),
                'n' => text.push('\n'),
                't' => text.push('\t'),
                'r' => text.push('\r'),
                'a' => text.push('\u{7}'),
                'b' => text.push('\u{8}'),
                'f' => text.push('\u{c}'),
                'v' => text.push('\u{b}'),
                // A backslash at the end of a line continues the string on the next one.
                '\n' => {}
                '0'..='7' => text.push(self.octal_escape(escaped)?),
                'x' => text.push(self.hex_escape('x', 2)?),
                'u' => text.push(self.hex_escape('u', 4)?),
                'U' => text.push(self.hex_escape('U', 8)?),
                'N' => return Err(self.error("\\N{...} escapes are not supported; write the character itself")),
                other => {
                    text.push('\\');
                    text.push(other);
                }
            }
        }
    }

    /// Reads the rest of an octal escape such as `\101`, whose first digit is `first`. An octal
    /// escape has up to three digits.
    fn octal_escape(&mut self, first: char) -> Result<char, LiteralError> {
        let mut code = first.to_digit(8).unwrap_or(0);
        for _ in 0..2 {
            let Some(digit) = self.peek().and_then(|character| character.to_digit(8)) else {
                break;
            };
            code = code * 8 + digit;
            self.position += 1;
        }
        // Three octal digits reach at most 0o777, which is a valid character.
        char::from_u32(code).ok_or_else(|| self.error(format!("invalid octal escape {code:o}")))
    }

    /// Reads the `digits` hexadecimal digits of a `\x`, `\u` or `\U` escape, as Python requires.
    fn hex_escape(&mut self, letter: char, digits: usize) -> Result<char, LiteralError> {
        let start = self.position;
        let hex: String = self.characters.iter().skip(start).take(digits).collect();
        if hex.len() != digits || !hex.chars().all(|character| character.is_ascii_hexdigit()) {
            return Err(self.error(format!(
                "truncated \\{letter} escape: it needs {digits} hexadecimal digits"
            )));
        }
        self.position += digits;

        let code = u32::from_str_radix(&hex, 16).unwrap_or(u32::MAX);
        char::from_u32(code).ok_or_else(|| LiteralError {
            problem: format!("\\{letter}{hex} is not a valid character"),
            position: start + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(text: &str) -> Literal {
        Literal::Str(text.to_string())
    }

    #[test]
    fn parse_pyramid_rotating_args() {
        let value = parse("('/var/log/caravan/caravan.log', 'a', 10485760, 5)").unwrap();

        assert_eq!(
            value,
            Literal::Tuple(vec![
                string("/var/log/caravan/caravan.log"),
                string("a"),
                Literal::Int(10_485_760),
                Literal::Int(5),
            ])
        );
    }

    #[test]
    fn parse_values() {
        let cases = [
            ("()", Literal::Tuple(vec![])),
            (
                "(sys.stderr,)",
                Literal::Tuple(vec![Literal::Name("sys.stderr".to_string())]),
            ),
            ("('x')", string("x")),
            ("10*1024*1024", Literal::Int(10_485_760)),
            ("1_000", Literal::Int(1000)),
            ("-3", Literal::Int(-3)),
            ("True", Literal::Bool(true)),
            ("None", Literal::None),
            ("\"a\\tb\"", string("a\tb")),
            ("'it\\'s'", string("it's")),
            ("r'C:\\logs'", string("C:\\logs")),
            ("'\\d'", string("\\d")),
            ("'\\x41\\u00e9\\U0001F600'", string("A\u{e9}\u{1f600}")),
            ("'\\101\\0\\7\\1234'", string("A\0\u{7}S4")),
            ("'\\a\\b\\f\\v'", string("\u{7}\u{8}\u{c}\u{b}")),
            ("'a\\\nb'", string("ab")),
            ("r'\\x41'", string("\\x41")),
            (
                "{'maxBytes': 1024, \"backupCount\": 3,}",
                Literal::Dict(vec![
                    (string("maxBytes"), Literal::Int(1024)),
                    (string("backupCount"), Literal::Int(3)),
                ]),
            ),
            (
                " ( 'a' , ( 1 , 2 ) ) ",
                Literal::Tuple(vec![
                    string("a"),
                    Literal::Tuple(vec![Literal::Int(1), Literal::Int(2)]),
                ]),
            ),
        ];

        for (text, expected) in cases {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn parse_errors_name_the_position() {
        let cases = [
            ("('a' 'b')", "expected ',' or ')' at character 6"),
            ("('a'", "expected ',' or ')' at character 5"),
            ("'open", "unclosed string at character 1"),
            ("(1, 2))", "unexpected text after the expression at character 7"),
            ("1.5", "invalid whole number '1.5' at character 1"),
            ("'a' * 2", "cannot multiply a string at character 5"),
            ("99999999999*99999999999", "the product is too large at character 24"),
            ("{'a' 1}", "expected ':' after the dict key at character 6"),
            ("", "expected a value, found the end of the text at character 1"),
            ("[1]", "unexpected '[' at character 1"),
            ("b'x'", "unsupported string prefix 'b' at character 1"),
            (
                "'\\x4'",
                "truncated \\x escape: it needs 2 hexadecimal digits at character 4",
            ),
            (
                "'\\u12g4'",
                "truncated \\u escape: it needs 4 hexadecimal digits at character 4",
            ),
            ("'\\UFFFFFFFF'", "\\UFFFFFFFF is not a valid character at character 4"),
            (
                "'\\N{DASH}'",
                "\\N{...} escapes are not supported; write the character itself at character 4",
            ),
        ];

        for (text, message) in cases {
            let error = parse(text).expect_err(text);
            assert_eq!(error.to_string(), message, "{text}");
        }
    }

    #[test]
    fn display_is_python_repr() {
        let value = parse("('a\\'b', 1, (2,), {'k': None}, sys.stdout, True)").unwrap();

        assert_eq!(value.to_string(), "('a\\'b', 1, (2,), {'k': None}, sys.stdout, True)");
    }
}
