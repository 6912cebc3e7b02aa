//! Token-level screening: ADQL 2.1 §2.1 has a small set of delimiters. sqlparser's tokenizer knows
//! many more (`::`, `==`, `[`, `$1`, `/* */`, `E'..'`, ...); refusing them here, before parsing,
//! lets us name the exact token and its position instead of surfacing a confusing parse later.

use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

use crate::error::{AdqlError, ErrorKind, Result};

/// Refuse any token that cannot appear in ADQL 2.1. A single trailing `;` is tolerated (and
/// dropped) because many clients append one; anything after it, or a second `;`, is refused.
pub fn screen_tokens(tokens: Vec<TokenWithSpan>) -> Result<Vec<TokenWithSpan>> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut semicolon: Option<TokenWithSpan> = None;
    for tok in tokens {
        let significant = !matches!(
            tok.token,
            Token::Whitespace(
                Whitespace::Space | Whitespace::Newline | Whitespace::Tab | Whitespace::SingleLineComment { .. }
            ) | Token::EOF
        );
        if let Some(semi) = &semicolon {
            if significant {
                return Err(AdqlError::at_span(
                    ErrorKind::NotAdql,
                    semi.span,
                    "only one ADQL query is allowed: found text after ';'",
                ));
            }
        }
        let refusal: Option<String> = match &tok.token {
            Token::Word(_)
            | Token::Number(_, _)
            | Token::SingleQuotedString(_)
            | Token::Comma
            | Token::Eq
            | Token::Neq
            | Token::Lt
            | Token::Gt
            | Token::LtEq
            | Token::GtEq
            | Token::Plus
            | Token::Minus
            | Token::Mul
            | Token::Div
            | Token::StringConcat
            | Token::LParen
            | Token::RParen
            | Token::Period
            | Token::EOF => None,
            Token::Whitespace(ws) => match ws {
                Whitespace::SingleLineComment { prefix, .. } if prefix.starts_with("--") => None,
                Whitespace::SingleLineComment { prefix, .. } => {
                    Some(format!("'{prefix}' comments are not ADQL (ADQL 2.1 §2.1.4: use --)"))
                }
                Whitespace::MultiLineComment(_) => {
                    Some("/* */ comments are not ADQL (ADQL 2.1 §2.1.4: use --)".to_string())
                }
                _ => None,
            },
            Token::SemiColon => {
                semicolon = Some(tok.clone());
                continue;
            }
            Token::DoubleEq => Some("'==' is not ADQL: use '='".to_string()),
            Token::DoubleColon => {
                Some("'::' casts are not ADQL: use CAST(expr AS type) (ADQL 2.1 §4.9)".to_string())
            }
            Token::Mod => Some("'%' is not an ADQL operator: use MOD(x, y)".to_string()),
            Token::Ampersand | Token::Pipe | Token::Caret | Token::Tilde | Token::ShiftLeft | Token::ShiftRight => {
                Some(format!(
                    "'{}' is not ADQL: bitwise operators were removed from ADQL 2.1 before the Recommendation",
                    tok.token
                ))
            }
            Token::Char(c) if *c == '_' || c.is_alphabetic() => {
                let message = format!(
                    "a regular identifier must start with an ASCII letter and contain only letters, digits and '_' (ADQL 2.1 §2.1.1): found '{c}'; write the name in double quotes"
                );
                return Err(AdqlError::at_span(ErrorKind::Syntax, tok.span, message));
            }
            Token::Placeholder(p) => Some(format!("placeholder '{p}' is not ADQL")),
            Token::DoubleQuotedString(s) => Some(format!("\"{s}\" is not a valid ADQL token")),
            Token::NationalStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
            | Token::DollarQuotedString(_)
            | Token::SingleQuotedByteStringLiteral(_)
            | Token::DoubleQuotedByteStringLiteral(_)
            | Token::SingleQuotedRawStringLiteral(_)
            | Token::DoubleQuotedRawStringLiteral(_) => Some(format!(
                "string literal {} is not ADQL: ADQL 2.1 §2.2 has only '...' strings",
                tok.token
            )),
            other => Some(format!("'{other}' is not ADQL")),
        };
        if let Some(message) = refusal {
            return Err(AdqlError::at_span(ErrorKind::NotAdql, tok.span, message));
        }
        out.push(tok);
    }
    Ok(out)
}
