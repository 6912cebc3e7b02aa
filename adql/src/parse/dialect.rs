//! The sqlparser dialect for ADQL 2.1.
//!
//! Everything not overridden keeps sqlparser's conservative defaults (no vendor extensions);
//! what the grammar must refuse beyond that is refused by `check`, where we can name the token.

use datafusion::sql::sqlparser::dialect::Dialect;

/// ADQL 2.1 (REC-ADQL-2.1-20231215) lexical rules on top of sqlparser.
#[derive(Debug, Default, Clone, Copy)]
pub struct AdqlDialect;

impl Dialect for AdqlDialect {
    /// ADQL 2.1 §2.1.1: `<regular_identifier> ::= <simple_Latin_letter>...`: a regular identifier
    /// starts with an ASCII letter (so `_weird_name` must be written `"_weird_name"`).
    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_ascii_alphabetic()
    }

    /// ... and continues with ASCII letters, digits or underscores.
    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_ascii_alphanumeric() || ch == '_'
    }

    /// ADQL 2.1 §2.1.2: only double quotes delimit identifiers (no backticks or brackets).
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '"'
    }

    /// ADQL writes `SELECT [ALL|DISTINCT] [TOP n]`, so TOP follows the set quantifier.
    fn supports_top_before_distinct(&self) -> bool {
        false
    }

    /// ADQL 2.1 §2.2: `TRUE`/`FALSE` boolean literals exist (`<boolean_literal>`).
    fn supports_boolean_literals(&self) -> bool {
        true
    }

    /// SQL-92 `<character string literal>`: `'abc' 'def'` separated by whitespace or comments
    /// is one literal `'abcdef'` (lyonetia `simpleunit.xml` relies on it across a comment).
    fn supports_string_literal_concatenation(&self) -> bool {
        true
    }

    /// A comment is `--` up to the end of the line; `--comment` with no space is fine
    /// (lyonetia `simpleunit.xml` has `select * from--comment bar`).
    fn requires_single_line_comment_whitespace(&self) -> bool {
        false
    }
}
