//! Checking that a parsed statement is ADQL 2.1 and nothing else: one SELECT, ADQL clauses,
//! ADQL operators and functions with the right arities, predicates where conditions go,
//! no reserved words as regular identifiers. Catalog-free (see `plan` for the catalog part).

pub mod cast;
pub(crate) mod expr;
pub mod functions;
mod query;
pub mod reserved;
pub mod suggest;

use datafusion::sql::sqlparser::ast::{Query, Statement};
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Span, Token, TokenWithSpan};

use crate::error::{AdqlError, ErrorKind, Result};
use crate::parse::{self, InputLimits};

/// A syntactically valid ADQL query: the sqlparser AST plus the text and tokens it came from.
#[derive(Debug, Clone)]
pub struct Ast {
    /// The query (ADQL allows nothing but a query).
    pub query: Query,
    /// The original ADQL text.
    pub text: String,
    pub(crate) tokens: Vec<TokenWithSpan>,
}

/// Parses and checks ADQL text without any catalog: grammar, ADQL-only constructs, function
/// names and arities, within the default [`InputLimits`]. Unknown *functions* are reported only
/// when nothing else is wrong, so that a caller can tell "bad syntax" from "function this service
/// lacks".
pub fn check_syntax(text: &str) -> Result<Ast> {
    check_syntax_within(text, &InputLimits::default())
}

/// As [`check_syntax`], refusing text over `limits` before it is parsed.
///
/// The function namespace is closed: ADQL's own functions ([`functions::ADQL_FUNCTIONS`]) and
/// the service's documented UDFs ([`crate::udf::UDF_SIGNATURES`], each advertised in TAPRegExt)
/// and nothing else. DataFusion's other built-ins (`version()`, `now()`, `repeat`...) exist in
/// the session only as rewrite targets and are "unknown function" to a query.
pub fn check_syntax_within(text: &str, limits: &InputLimits) -> Result<Ast> {
    let parsed = parse::parse_within(text, limits)?;
    let query = match parsed.statement {
        Statement::Query(q) => *q,
        other => {
            let what = statement_kind(&other);
            let at = parsed
                .tokens
                .iter()
                .find(|t| !matches!(t.token, Token::Whitespace(_)))
                .map(|t| t.span)
                .unwrap_or(Span::empty());
            return Err(AdqlError::at_span(
                ErrorKind::NotAdql,
                at,
                format!("{what} is not ADQL: only a SELECT query is allowed"),
            ));
        }
    };
    let mut checker = Checker { tokens: &parsed.tokens, deferred: None, known_fn: &functions::is_udf };
    checker.query(&query, true)?;
    if let Some(e) = checker.deferred {
        return Err(e);
    }
    Ok(Ast { query, text: text.to_string(), tokens: parsed.tokens })
}

fn statement_kind(s: &Statement) -> String {
    let text = s.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    match words.first() {
        Some(w) if w.eq_ignore_ascii_case("CREATE") || w.eq_ignore_ascii_case("DROP") || w.eq_ignore_ascii_case("ALTER") => {
            words.join(" ").to_uppercase()
        }
        Some(w) => w.to_uppercase(),
        None => "this statement".to_string(),
    }
}

/// Walks the AST; methods live in `query.rs` and `expr.rs`.
pub(crate) struct Checker<'a> {
    tokens: &'a [TokenWithSpan],
    /// First unknown-function error, reported only if nothing worse is found.
    deferred: Option<AdqlError>,
    known_fn: &'a dyn Fn(&str) -> bool,
}

impl Checker<'_> {
    /// Position of the first occurrence of a keyword (for clauses the AST keeps no span for).
    fn keyword_span(&self, kw: Keyword) -> Span {
        self.tokens
            .iter()
            .find(|t| matches!(&t.token, Token::Word(w) if w.keyword == kw && w.quote_style.is_none()))
            .map(|t| t.span)
            .unwrap_or(Span::empty())
    }

    /// Span of the function-like keyword heading an expression that sqlparser parses
    /// specially (`CEIL(x)`, `SUBSTRING(...)`, `CAST(...)`): its own span starts at the argument.
    fn head_span(&self, span: Span) -> Span {
        let Some(idx) = self.tokens.iter().position(|t| t.span.start == span.start) else { return span };
        let mut i = idx;
        let mut seen_paren = false;
        while i > 0 {
            i -= 1;
            match &self.tokens[i].token {
                Token::Whitespace(_) => continue,
                Token::LParen if !seen_paren => seen_paren = true,
                Token::Word(_) if seen_paren => return self.tokens[i].span,
                _ => break,
            }
        }
        span
    }

    fn defer(&mut self, e: AdqlError) {
        if self.deferred.is_none() {
            self.deferred = Some(e);
        }
    }
}

pub(crate) fn not_adql(span: Span, msg: impl Into<String>) -> AdqlError {
    AdqlError::at_span(ErrorKind::NotAdql, span, msg)
}
