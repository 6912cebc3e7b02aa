//! Bounds on the size of a query, checked before anything recursive sees it.
//!
//! sqlparser builds operator chains (`1+1+...+1`, `a OR b OR ...`, `... UNION ...`) in a loop, so
//! its recursion limit does not see them; the AST it returns is then as deep as the chain is long,
//! and the checker, the rewrite, DataFusion's planner and even `Drop` of the AST recurse over it. A
//! 20 KB query could overflow a thread's stack and abort the process. So the text is measured
//! here, iteratively, on the token stream: its length, its number of tokens and an upper bound of
//! the expression depth of the tree it will parse to. Everything after parsing may then recurse:
//! its depth is at most [`InputLimits::max_depth`] AST levels (the engine's query threads run with
//! a stack sized for that, and a test runs a query at the limit through the whole pipeline).

use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::error::{AdqlError, ErrorKind, Result};

/// Limits on one query's text. The defaults let every real query through (the longest real-world
/// ADQL we know is a few KB with a 100-vertex polygon; an IN list of 10,000 source_ids is about
/// 200 KB and 20,000 tokens) and keep planning well under a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// Longest query text, in bytes (UTF-8).
    pub max_bytes: usize,
    /// Most significant tokens (words, numbers, strings, operators, punctuation).
    pub max_tokens: usize,
    /// Deepest expression nesting, counted as described at [`expression_depth_bound`].
    pub max_depth: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits { max_bytes: 256 * 1024, max_tokens: 50_000, max_depth: 500 }
    }
}

/// Refuses text longer than `limits.max_bytes`; done before tokenising so a huge body costs
/// nothing more than its length.
pub(crate) fn check_length(text: &str, limits: &InputLimits) -> Result<()> {
    if text.len() > limits.max_bytes {
        return Err(AdqlError::new(
            ErrorKind::Limit,
            1,
            1,
            format!(
                "the query is {} bytes long; this service accepts at most {} bytes (max_query_bytes): \
                 upload long lists as a table (TAP UPLOAD) instead",
                text.len(),
                limits.max_bytes
            ),
        ));
    }
    Ok(())
}

fn significant(t: &TokenWithSpan) -> bool {
    !matches!(t.token, Token::Whitespace(_) | Token::EOF)
}

/// Tokens that put what follows one level deeper in the tree sqlparser builds: every binary and
/// unary operator, and the keywords that head or join sub-expressions.
fn deepens(token: &Token) -> bool {
    match token {
        Token::Plus
        | Token::Minus
        | Token::Mul
        | Token::Div
        | Token::StringConcat
        | Token::Eq
        | Token::Neq
        | Token::Lt
        | Token::Gt
        | Token::LtEq
        | Token::GtEq => true,
        Token::Word(w) if w.quote_style.is_none() => matches!(
            w.keyword,
            Keyword::AND
                | Keyword::OR
                | Keyword::NOT
                | Keyword::IS
                | Keyword::BETWEEN
                | Keyword::LIKE
                | Keyword::ILIKE
                | Keyword::IN
                | Keyword::CASE
                | Keyword::WHEN
                | Keyword::THEN
                | Keyword::ELSE
                | Keyword::EXISTS
        ),
        _ => false,
    }
}

/// Set operators chain whole queries (`q UNION q UNION ...` is left-deep), so they deepen the
/// enclosing group rather than one item of it.
fn is_set_operator(token: &Token) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none()
        && matches!(w.keyword, Keyword::UNION | Keyword::INTERSECT | Keyword::EXCEPT))
}

/// Tokens after which a new, independent expression starts (a select item, a clause).
fn separates(token: &Token) -> bool {
    match token {
        Token::Comma => true,
        Token::Word(w) if w.quote_style.is_none() => matches!(
            w.keyword,
            Keyword::SELECT
                | Keyword::FROM
                | Keyword::WHERE
                | Keyword::GROUP
                | Keyword::HAVING
                | Keyword::ORDER
                | Keyword::ON
                | Keyword::JOIN
                | Keyword::WITH
        ),
        _ => false,
    }
}

/// One parenthesised group being read.
#[derive(Default)]
struct Group {
    /// Set operators seen in this group.
    set_operators: usize,
    /// Deepening tokens in the current item of this group.
    item: usize,
}

/// Checks the token count and the expression-depth bound. The bound: the tokens are read once;
/// each `(` opens a group and each `)` closes one; within a group, every operator or operator
/// keyword deepens the current item and every separator (comma, clause keyword) starts a new one;
/// set operators deepen the group. The depth at a token is the sum, over the groups enclosing it,
/// of `1 + set operators + deepening tokens of the current item`. Every level of the AST below a
/// node needs a parenthesis or an operator token between them, so no AST path is deeper than the
/// largest depth reached. Overcounting is deliberate and cheap (`a=1 OR b=2` counts 3 for a
/// tree of depth 2); the default limit leaves room for it.
pub(crate) fn check_tokens(tokens: &[TokenWithSpan], limits: &InputLimits) -> Result<()> {
    let count = tokens.iter().filter(|t| significant(t)).count();
    if count > limits.max_tokens {
        return Err(AdqlError::new(
            ErrorKind::Limit,
            1,
            1,
            format!(
                "the query has {count} tokens; this service accepts at most {} (max_query_tokens): \
                 upload long lists as a table (TAP UPLOAD) instead",
                limits.max_tokens
            ),
        ));
    }
    let mut groups: Vec<Group> = vec![Group::default()];
    // Depth contributed by the enclosing groups, so each token costs O(1).
    let mut outer_depth = 0usize;
    for t in tokens.iter().filter(|t| significant(t)) {
        match &t.token {
            Token::LParen => {
                let current = groups.last().map(|g| 1 + g.set_operators + g.item).unwrap_or(0);
                outer_depth += current;
                groups.push(Group::default());
            }
            Token::RParen => {
                if groups.len() > 1 {
                    groups.pop();
                    let parent = groups.last().map(|g| 1 + g.set_operators + g.item).unwrap_or(0);
                    outer_depth = outer_depth.saturating_sub(parent);
                }
            }
            tok => {
                if let Some(g) = groups.last_mut() {
                    if is_set_operator(tok) {
                        g.set_operators += 1;
                        g.item = 0;
                    } else if separates(tok) {
                        g.item = 0;
                    } else if deepens(tok) {
                        g.item += 1;
                    }
                }
            }
        }
        let depth = outer_depth + groups.last().map(|g| 1 + g.set_operators + g.item).unwrap_or(0);
        if depth > limits.max_depth {
            return Err(AdqlError::at_span(
                ErrorKind::Limit,
                t.span,
                format!(
                    "the query nests expressions more than {} levels deep here (operators, \
                     parentheses and set operations each add a level; max_query_depth): use IN (...) \
                     for long lists of alternatives, or split the query",
                    limits.max_depth
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::AdqlDialect;
    use datafusion::sql::sqlparser::tokenizer::Tokenizer;

    fn depth_ok(sql: &str, max_depth: usize) -> bool {
        let tokens = match Tokenizer::new(&AdqlDialect, sql).tokenize_with_location() {
            Ok(t) => t,
            Err(e) => panic!("tokenize {sql}: {e}"),
        };
        check_tokens(&tokens, &InputLimits { max_depth, ..InputLimits::default() }).is_ok()
    }

    #[test]
    fn a_flat_chain_is_as_deep_as_it_is_long() {
        let chain = |n: usize| format!("SELECT {} AS x FROM t", vec!["1"; n].join("+"));
        // n terms: n-1 operators plus the group itself.
        assert!(depth_ok(&chain(10), 10));
        assert!(!depth_ok(&chain(11), 10));
    }

    #[test]
    fn lists_and_clauses_do_not_add_up() {
        let in_list = format!("SELECT a FROM t WHERE a IN ({})", (0..5000).map(|i| i.to_string()).collect::<Vec<_>>().join(", "));
        assert!(depth_ok(&in_list, 5));
        let polygon = format!("SELECT a FROM t WHERE 1 = CONTAINS(POINT(ra, dec), POLYGON({}))", vec!["1.5"; 200].join(", "));
        assert!(depth_ok(&polygon, 8));
        assert!(depth_ok("SELECT a+1, b+1, c+1 FROM t WHERE x > 1 GROUP BY a ORDER BY b", 3));
    }

    #[test]
    fn parentheses_and_set_operations_nest() {
        // Two groups of one level each around a group with one operator.
        assert!(depth_ok("SELECT ((1+1)) FROM t", 4));
        assert!(!depth_ok("SELECT ((1+1)) FROM t", 3));
        let unions = vec!["SELECT 1 FROM t"; 20].join(" UNION ");
        assert!(depth_ok(&unions, 21));
        assert!(!depth_ok(&unions, 19));
    }

    #[test]
    fn the_length_limit_is_checked_on_bytes() {
        let limits = InputLimits { max_bytes: 10, ..InputLimits::default() };
        assert!(check_length("SELECT 1", &limits).is_ok());
        let err = check_length("SELECT ünïcödé", &limits).expect_err("too long");
        assert_eq!(err.kind, ErrorKind::Limit);
        assert!(err.message.contains("max_query_bytes"), "{}", err.message);
    }
}
