//! Which table a column reference of a SELECT belongs to: enough name resolution for the spatial
//! rewrite to know that `POINT(ra, dec)` is the position of a HEALPix-indexed table, and under
//! which qualifier to name its `_healpix_29` column.

use datafusion::sql::sqlparser::ast::{Expr, Ident, Select, TableFactor, TableWithJoins};

use super::snapshot::{ident_matches, PlanningSnapshot, TableInfo};

/// One FROM item visible in a SELECT.
#[derive(Debug, Clone)]
pub struct ScopeItem {
    /// The name columns are qualified with: the alias, else the table's last name part.
    pub qualifier: Ident,
    /// The snapshot's entry; `None` for derived tables and CTEs (columns unknown).
    pub table: Option<TableInfo>,
    /// All name parts of the table (for `schema.table.column` references).
    pub full_name: Vec<Ident>,
}

/// The FROM items of one SELECT.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Items in FROM order, joins flattened.
    pub items: Vec<ScopeItem>,
}

impl Scope {
    /// Builds the scope of a SELECT.
    pub fn of_select(select: &Select, snapshot: &PlanningSnapshot) -> Scope {
        let mut scope = Scope::default();
        for twj in &select.from {
            scope.add_table_with_joins(twj, snapshot);
        }
        scope
    }

    fn add_table_with_joins(&mut self, twj: &TableWithJoins, snapshot: &PlanningSnapshot) {
        self.add_factor(&twj.relation, snapshot);
        for j in &twj.joins {
            self.add_factor(&j.relation, snapshot);
        }
    }

    fn add_factor(&mut self, tf: &TableFactor, snapshot: &PlanningSnapshot) {
        match tf {
            TableFactor::Table { name, alias, .. } => {
                let parts: Vec<Ident> = name.0.iter().filter_map(|p| p.as_ident().cloned()).collect();
                let Some(last) = parts.last().cloned() else { return };
                let qualifier = alias.as_ref().map(|a| a.name.clone()).unwrap_or(last);
                let full_name = if alias.is_some() { vec![] } else { parts };
                self.items.push(ScopeItem { qualifier, table: snapshot.table(name).cloned(), full_name });
            }
            TableFactor::Derived { alias, .. } => {
                if let Some(a) = alias {
                    self.items.push(ScopeItem { qualifier: a.name.clone(), table: None, full_name: vec![] });
                }
            }
            TableFactor::NestedJoin { table_with_joins, .. } => self.add_table_with_joins(table_with_joins, snapshot),
            _ => {}
        }
    }

    /// Resolves a column reference to (item index, column name as in the schema). `None` when
    /// unknown or ambiguous; a scope containing items of unknown columns makes unqualified
    /// references ambiguous unless only one item exists.
    pub fn resolve_column(&self, e: &Expr) -> Option<(usize, String)> {
        match e {
            Expr::Nested(inner) => self.resolve_column(inner),
            Expr::Identifier(col) => {
                let mut found = None;
                for (i, item) in self.items.iter().enumerate() {
                    match &item.table {
                        Some(t) => {
                            if let Some(c) = t.column(col) {
                                if found.is_some() {
                                    return None;
                                }
                                found = Some((i, c));
                            }
                        }
                        None => return None,
                    }
                }
                found
            }
            Expr::CompoundIdentifier(ids) if ids.len() >= 2 => {
                let (col, quals) = ids.split_last()?;
                let idx = self.items.iter().position(|item| {
                    if quals.len() == 1 {
                        ident_eq(&quals[0], &item.qualifier)
                    } else {
                        item.full_name.len() >= quals.len()
                            && item.full_name[item.full_name.len() - quals.len()..]
                                .iter()
                                .zip(quals)
                                .all(|(a, b)| ident_eq(a, b))
                    }
                })?;
                let c = self.items[idx].table.as_ref()?.column(col)?;
                Some((idx, c))
            }
            _ => None,
        }
    }
}

fn ident_eq(a: &Ident, b: &Ident) -> bool {
    match (a.quote_style.is_some(), b.quote_style.is_some()) {
        (false, false) => a.value.eq_ignore_ascii_case(&b.value),
        _ => ident_matches(a, &b.value) || ident_matches(b, &a.value),
    }
}
