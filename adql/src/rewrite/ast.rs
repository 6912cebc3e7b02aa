//! Small constructors for synthesised AST nodes (they carry empty spans: errors about them are
//! mapped back to the user's text by name, see `plan::errors`).

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, UnaryOperator, Value,
};

/// `name(args...)`.
pub fn call(name: &str, args: Vec<Expr>) -> Expr {
    call_ident(Ident::new(name), args)
}

/// `"name"(args...)`: a call of a function whose name is not a regular identifier (the
/// per-query range filters' names summarise their ranges).
pub fn call_delimited(name: &str, args: Vec<Expr>) -> Expr {
    call_ident(Ident::with_quote('"', name), args)
}

fn call_ident(name: Ident, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![name]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args.into_iter().map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e))).collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// An integer literal.
pub fn int(v: u64) -> Expr {
    Expr::Value(Value::Number(v.to_string(), false).with_empty_span())
}

/// A float literal that reads back as exactly `v` (Rust prints the shortest round-trip form,
/// never an exponent); a negative value as a unary minus, which the spatial rule's constant folding
/// understands.
pub fn number(v: f64) -> Expr {
    let lit = Expr::Value(Value::Number(v.abs().to_string(), false).with_empty_span());
    if v.is_sign_negative() && v != 0.0 {
        Expr::UnaryOp { op: UnaryOperator::Minus, expr: Box::new(lit) }
    } else {
        lit
    }
}

/// `left op right`.
pub fn binary(left: Expr, op: BinaryOperator, right: Expr) -> Expr {
    Expr::BinaryOp { left: Box::new(left), op, right: Box::new(right) }
}

/// `(e)`.
pub fn nested(e: Expr) -> Expr {
    Expr::Nested(Box::new(e))
}

/// `NOT (e)`.
pub fn not(e: Expr) -> Expr {
    Expr::UnaryOp { op: UnaryOperator::Not, expr: Box::new(nested(e)) }
}
