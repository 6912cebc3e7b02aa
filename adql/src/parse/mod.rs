//! ADQL text → sqlparser AST: tokenize with [`AdqlDialect`], screen tokens, parse exactly one
//! statement, and turn every sqlparser error into an [`AdqlError`] with a position.

mod dialect;
mod limits;
mod tokens;

pub use dialect::AdqlDialect;
pub use limits::InputLimits;

use datafusion::sql::sqlparser::ast::Statement;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Tokenizer};

use crate::error::{AdqlError, ErrorKind, Result};

/// Nesting bound for the recursive-descent parser: deep enough for any real query, low enough
/// that a hostile `((((...` can never overflow the stack (see the proptest target).
const RECURSION_LIMIT: usize = 64;

/// A parsed statement together with the significant tokens it came from (used to find the
/// position of keywords, such as `LIMIT`, that the AST does not keep).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The single statement of the text.
    pub statement: Statement,
    /// All tokens, whitespace and comments included, after screening.
    pub tokens: Vec<TokenWithSpan>,
}

/// Parse one ADQL statement within the default [`InputLimits`].
pub fn parse(text: &str) -> Result<Parsed> {
    parse_within(text, &InputLimits::default())
}

/// Parse one ADQL statement; text over `limits` is refused before the parser sees it.
pub fn parse_within(text: &str, limits: &InputLimits) -> Result<Parsed> {
    limits::check_length(text, limits)?;
    let dialect = AdqlDialect;
    let tokens = Tokenizer::new(&dialect, text)
        .with_unescape(true)
        .tokenize_with_location()
        .map_err(|e| {
            AdqlError::at_location(ErrorKind::Syntax, e.location, clean_message(&e.message))
        })?;
    let tokens = tokens::screen_tokens(tokens)?;
    limits::check_tokens(&tokens, limits)?;
    let first = first_significant(&tokens);
    if first.is_none() {
        return Err(AdqlError::new(ErrorKind::Syntax, 1, 1, "empty query: expected SELECT"));
    }
    let mut parser = Parser::new(&dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(tokens.clone());
    let mut statements =
        parser.parse_statements().map_err(|e| parser_error(&e, text, &tokens))?;
    if statements.len() != 1 {
        let at = first.map(|t| t.span).unwrap_or(Span::empty());
        return Err(AdqlError::at_span(
            ErrorKind::NotAdql,
            at,
            format!("exactly one SELECT statement is expected, found {}", statements.len()),
        ));
    }
    let statement = statements.remove(0);
    Ok(Parsed { statement, tokens })
}

fn first_significant(tokens: &[TokenWithSpan]) -> Option<&TokenWithSpan> {
    tokens.iter().find(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
}

/// sqlparser appends ` at Line: L, Column: C` to its messages; we move that into our fields.
fn parser_error(e: &ParserError, text: &str, tokens: &[TokenWithSpan]) -> AdqlError {
    let raw = match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => {
            let at = first_significant(tokens).map(|t| t.span.start).unwrap_or(Location::new(1, 1));
            return AdqlError::at_location(
                ErrorKind::Syntax,
                at,
                "query is nested too deeply to be parsed",
            );
        }
    };
    let (message, loc) = split_location(&raw);
    let loc = match loc {
        Some(l) if l.line > 0 => l,
        // sqlparser reports EOF at 0:0: the problem is the end of the text.
        _ => end_of_text(text),
    };
    let message = message.replace("found: EOF", "found: end of query");
    AdqlError::at_location(ErrorKind::Syntax, loc, clean_message(&message))
}

fn clean_message(m: &str) -> String {
    let (m, _) = split_location(m);
    let m = m.trim();
    m.strip_prefix("sql parser error: ").unwrap_or(m).to_string()
}

fn split_location(m: &str) -> (String, Option<Location>) {
    if let Some(idx) = m.rfind(" at Line: ") {
        let tail = &m[idx + " at Line: ".len()..];
        let mut parts = tail.split(", Column: ");
        let line = parts.next().and_then(|s| s.trim().parse::<u64>().ok());
        let col = parts.next().and_then(|s| {
            s.trim().trim_end_matches(|c: char| !c.is_ascii_digit()).parse::<u64>().ok()
        });
        if let (Some(line), Some(col)) = (line, col) {
            return (m[..idx].to_string(), Some(Location::new(line, col)));
        }
    }
    (m.to_string(), None)
}

/// Position just after the last non-whitespace character.
pub(crate) fn end_of_text(text: &str) -> Location {
    let trimmed = text.trim_end();
    let mut line = 1u64;
    let mut col = 1u64;
    for ch in trimmed.chars() {
        if ch == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    Location::new(line, col)
}

/// An empty-width span at the end of the last significant token.
pub(crate) fn end_of_text_span(tokens: &[TokenWithSpan]) -> Span {
    tokens
        .iter()
        .rev()
        .find(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .map(|t| Span::new(t.span.end, t.span.end))
        .unwrap_or(Span::empty())
}
