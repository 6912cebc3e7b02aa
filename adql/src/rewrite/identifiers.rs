//! ADQL 2.1 §2.1.2: regular identifiers are case-insensitive, delimited identifiers are
//! case-sensitive. Our schemas are lower case, so regular identifiers are folded to lower case
//! and delimited ones are kept verbatim (with their quotes, so DataFusion keeps them too).

use datafusion::sql::sqlparser::ast::{Expr, Ident, ObjectName, ObjectNamePart};

use super::catalogue::Catalogue;

/// Folds a regular identifier to lower case.
pub fn fold(id: &mut Ident) {
    if id.quote_style.is_none() {
        id.value = id.value.to_ascii_lowercase();
    }
}

/// Folds every regular part of a name.
pub fn fold_name(name: &mut ObjectName) {
    for p in name.0.iter_mut() {
        if let ObjectNamePart::Identifier(id) = p {
            fold(id);
        }
    }
}

/// Folds the identifiers an expression node itself holds (children are visited separately).
pub fn fold_expr(e: &mut Expr) {
    match e {
        Expr::Identifier(id) => fold(id),
        Expr::CompoundIdentifier(ids) => ids.iter_mut().for_each(fold),
        Expr::Function(f) => fold_name(&mut f.name),
        _ => {}
    }
}

/// As [`fold_expr`], but a regular column name that exists in the catalogue only with another
/// case (`RAJ2000` in an uploaded table) becomes that exact, delimited name.
pub fn fold_expr_in(e: &mut Expr, cat: &Catalogue) {
    let column = match e {
        Expr::Identifier(id) => Some(id),
        Expr::CompoundIdentifier(ids) => ids.last_mut(),
        _ => None,
    };
    if let Some(id) = column {
        if id.quote_style.is_none() {
            if let Some(exact) = cat.column_spelling(&id.value) {
                id.value = exact;
                id.quote_style = Some('"');
            }
        }
    }
    fold_expr(e);
}
