//! Query-level rules: set operations, WITH, ORDER BY, OFFSET, SELECT clauses, FROM and joins.

use datafusion::sql::sqlparser::ast::{
    Distinct, Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, LimitClause, ObjectName,
    ObjectNamePart, OffsetRows, OrderByKind, Query, Select, SelectFlavor, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, Spanned, TableAlias,
    TableFactor, TableWithJoins, TopQuantity, Value, WildcardAdditionalOptions,
};
use datafusion::sql::sqlparser::keywords::Keyword;

use super::{not_adql, reserved, Checker};
use crate::error::{AdqlError, ErrorKind, Result};

/// Where an expression sits: conditions need predicates (ADQL 2.1 BNF `<search_condition>`),
/// everything else needs values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    Value,
    Condition,
}

impl Checker<'_> {
    pub(crate) fn query(&mut self, q: &Query, top_level: bool) -> Result<()> {
        if let Some(with) = &q.with {
            // ADQL 2.1 §4.4 (common-table): WITH only heads the whole query.
            if !top_level {
                return Err(not_adql(
                    with.with_token.0.span,
                    "WITH is only allowed at the start of the whole query (ADQL 2.1 §4.4)",
                ));
            }
            if with.recursive {
                return Err(not_adql(with.with_token.0.span, "WITH RECURSIVE is not ADQL"));
            }
            for cte in &with.cte_tables {
                self.regular_name(&cte.alias.name)?;
                if cte.materialized.is_some() || cte.from.is_some() {
                    return Err(not_adql(cte.alias.name.span, "MATERIALIZED/FROM in WITH is not ADQL"));
                }
                self.query(&cte.query, false)?;
            }
        }
        if q.fetch.is_some() {
            return Err(not_adql(self.keyword_span(Keyword::FETCH), "FETCH is not ADQL: use SELECT TOP n"));
        }
        if !q.locks.is_empty() {
            return Err(not_adql(self.keyword_span(Keyword::FOR), "FOR UPDATE/SHARE is not ADQL"));
        }
        if q.for_clause.is_some() || q.settings.is_some() || q.format_clause.is_some() || !q.pipe_operators.is_empty() {
            return Err(not_adql(q.span(), "vendor query clauses (FOR/SETTINGS/FORMAT/|>) are not ADQL"));
        }
        self.set_expr(&q.body)?;
        if let Some(ob) = &q.order_by {
            if ob.interpolate.is_some() {
                return Err(not_adql(self.keyword_span(Keyword::INTERPOLATE), "INTERPOLATE is not ADQL"));
            }
            match &ob.kind {
                OrderByKind::All(_) => {
                    return Err(not_adql(self.keyword_span(Keyword::ORDER), "ORDER BY ALL is not ADQL"))
                }
                OrderByKind::Expressions(exprs) => {
                    for o in exprs {
                        if o.options.nulls_first.is_some() {
                            return Err(not_adql(
                                self.keyword_span(Keyword::NULLS),
                                "NULLS FIRST/LAST is not ADQL",
                            ));
                        }
                        if o.with_fill.is_some() {
                            return Err(not_adql(o.expr.span(), "WITH FILL is not ADQL"));
                        }
                        self.expr(&o.expr, Ctx::Value)?;
                    }
                }
            }
        }
        if let Some(lc) = &q.limit_clause {
            match lc {
                LimitClause::LimitOffset { limit, offset, limit_by } => {
                    if limit.is_some() || !limit_by.is_empty() {
                        return Err(not_adql(
                            self.keyword_span(Keyword::LIMIT),
                            "LIMIT is not ADQL: use SELECT TOP n (ADQL 2.1 §2.2.2)",
                        ));
                    }
                    if let Some(off) = offset {
                        if off.rows != OffsetRows::None {
                            return Err(not_adql(off.value.span(), "OFFSET ... ROWS is not ADQL: write OFFSET n"));
                        }
                        // ADQL 2.1 §4.11: `OFFSET <unsigned_decimal>`.
                        if !is_unsigned_integer(&off.value) {
                            return Err(AdqlError::at_span(
                                ErrorKind::Syntax,
                                off.value.span(),
                                format!("OFFSET needs an unsigned integer, found '{}'", off.value),
                            ));
                        }
                    }
                }
                LimitClause::OffsetCommaLimit { .. } => {
                    return Err(not_adql(self.keyword_span(Keyword::LIMIT), "LIMIT is not ADQL: use SELECT TOP n"))
                }
            }
        }
        Ok(())
    }

    fn set_expr(&mut self, body: &SetExpr) -> Result<()> {
        match body {
            SetExpr::Select(s) => self.select(s),
            SetExpr::Query(q) => {
                if q.with.is_some() {
                    return Err(not_adql(
                        q.with.as_ref().map(|w| w.with_token.0.span).unwrap_or_else(|| q.span()),
                        "WITH is only allowed at the start of the whole query (ADQL 2.1 §4.4)",
                    ));
                }
                self.query(q, false)
            }
            SetExpr::SetOperation { op, set_quantifier, left, right } => {
                match op {
                    SetOperator::Union | SetOperator::Except | SetOperator::Intersect => {}
                    other => {
                        return Err(not_adql(body.span(), format!("set operator {other} is not ADQL")))
                    }
                }
                match set_quantifier {
                    SetQuantifier::None | SetQuantifier::All => {}
                    other => {
                        return Err(not_adql(body.span(), format!("{op} {other} is not ADQL: use {op} or {op} ALL")))
                    }
                }
                self.set_expr(left)?;
                self.set_expr(right)
            }
            other => Err(not_adql(other.span(), "only SELECT queries are ADQL")),
        }
    }

    fn select(&mut self, s: &Select) -> Result<()> {
        let sel = s.select_token.0.span;
        if !matches!(s.flavor, SelectFlavor::Standard) {
            return Err(not_adql(sel, "FROM-first SELECT is not ADQL"));
        }
        if !s.optimizer_hints.is_empty() || s.select_modifiers.is_some() || s.value_table_mode.is_some() {
            return Err(not_adql(sel, "SELECT modifiers are not ADQL"));
        }
        if let Some(Distinct::On(_)) = &s.distinct {
            return Err(not_adql(self.keyword_span(Keyword::ON), "DISTINCT ON is not ADQL"));
        }
        if let Some(top) = &s.top {
            if top.percent || top.with_ties {
                return Err(not_adql(self.keyword_span(Keyword::TOP), "TOP ... PERCENT/WITH TIES is not ADQL"));
            }
            if !matches!(top.quantity, Some(TopQuantity::Constant(_))) {
                return Err(AdqlError::at_span(
                    ErrorKind::Syntax,
                    self.keyword_span(Keyword::TOP),
                    "TOP needs an unsigned integer (ADQL 2.1 §2.2.2)",
                ));
            }
        }
        if s.exclude.is_some() {
            return Err(not_adql(sel, "EXCLUDE is not ADQL"));
        }
        if s.into.is_some() {
            return Err(not_adql(self.keyword_span(Keyword::INTO), "SELECT INTO is not ADQL"));
        }
        if !s.lateral_views.is_empty() || s.prewhere.is_some() || !s.connect_by.is_empty() {
            return Err(not_adql(sel, "LATERAL VIEW / PREWHERE / CONNECT BY are not ADQL"));
        }
        if !s.cluster_by.is_empty() || !s.distribute_by.is_empty() || !s.sort_by.is_empty() {
            return Err(not_adql(sel, "CLUSTER/DISTRIBUTE/SORT BY are not ADQL"));
        }
        if !s.named_window.is_empty() {
            return Err(not_adql(self.keyword_span(Keyword::WINDOW), "WINDOW is not ADQL"));
        }
        if s.qualify.is_some() {
            return Err(not_adql(self.keyword_span(Keyword::QUALIFY), "QUALIFY is not ADQL"));
        }
        if s.projection.is_empty() {
            return Err(AdqlError::at_span(ErrorKind::Syntax, sel, "SELECT needs at least one column"));
        }
        for item in &s.projection {
            self.select_item(item)?;
        }
        // ADQL 2.1 BNF `<table_expression> ::= <from_clause> ...`: FROM is mandatory.
        if s.from.is_empty() {
            let end = crate::parse::end_of_text_span(self.tokens);
            return Err(AdqlError::at_span(ErrorKind::Syntax, end, "FROM clause expected: ADQL queries always read from a table"));
        }
        for twj in &s.from {
            self.table_with_joins(twj)?;
        }
        if let Some(w) = &s.selection {
            self.expr(w, Ctx::Condition)?;
        }
        match &s.group_by {
            GroupByExpr::All(_) => {
                return Err(not_adql(self.keyword_span(Keyword::GROUP), "GROUP BY ALL is not ADQL"))
            }
            GroupByExpr::Expressions(exprs, modifiers) => {
                if !modifiers.is_empty() {
                    return Err(not_adql(self.keyword_span(Keyword::GROUP), "GROUP BY modifiers (ROLLUP/CUBE/...) are not ADQL"));
                }
                for e in exprs {
                    self.expr(e, Ctx::Value)?;
                }
            }
        }
        if let Some(h) = &s.having {
            self.expr(h, Ctx::Condition)?;
        }
        Ok(())
    }

    fn select_item(&mut self, item: &SelectItem) -> Result<()> {
        match item {
            SelectItem::UnnamedExpr(e) => self.expr(e, Ctx::Value),
            SelectItem::ExprWithAlias { expr, alias } => {
                self.expr(expr, Ctx::Value)?;
                self.regular_name(alias)
            }
            SelectItem::Wildcard(opts) => self.plain_wildcard(opts, item),
            SelectItem::QualifiedWildcard(kind, opts) => {
                self.plain_wildcard(opts, item)?;
                match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(name) => self.object_name(name, 3),
                    SelectItemQualifiedWildcardKind::Expr(e) => {
                        Err(not_adql(e.span(), "only table.* is ADQL, not expression.*"))
                    }
                }
            }
            SelectItem::ExprWithAliases { expr, .. } => {
                Err(not_adql(expr.span(), "multiple aliases for one column are not ADQL"))
            }
        }
    }

    fn plain_wildcard(&self, opts: &WildcardAdditionalOptions, item: &SelectItem) -> Result<()> {
        if opts.opt_ilike.is_some()
            || opts.opt_exclude.is_some()
            || opts.opt_except.is_some()
            || opts.opt_replace.is_some()
            || opts.opt_rename.is_some()
            || opts.opt_alias.is_some()
        {
            return Err(not_adql(item.span(), "* modifiers (EXCEPT/EXCLUDE/REPLACE/...) are not ADQL"));
        }
        Ok(())
    }

    fn table_with_joins(&mut self, twj: &TableWithJoins) -> Result<()> {
        self.table_factor(&twj.relation)?;
        for j in &twj.joins {
            if j.global {
                return Err(not_adql(j.relation.span(), "GLOBAL JOIN is not ADQL"));
            }
            self.table_factor(&j.relation)?;
            let constraint = match &j.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c) => c,
                JoinOperator::CrossJoin(c) => {
                    if !matches!(c, JoinConstraint::None) {
                        return Err(not_adql(j.relation.span(), "CROSS JOIN takes no condition"));
                    }
                    c
                }
                _ => {
                    return Err(not_adql(
                        j.relation.span(),
                        "this join type is not ADQL (use [NATURAL] [INNER|LEFT|RIGHT|FULL [OUTER]] JOIN)",
                    ))
                }
            };
            match constraint {
                JoinConstraint::On(e) => self.expr(e, Ctx::Condition)?,
                JoinConstraint::Using(cols) => {
                    for c in cols {
                        self.object_name(c, 1)?;
                    }
                }
                JoinConstraint::Natural | JoinConstraint::None => {}
            }
        }
        Ok(())
    }

    fn table_factor(&mut self, tf: &TableFactor) -> Result<()> {
        match tf {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality,
                partitions,
                json_path,
                sample,
                index_hints,
            } => {
                if args.is_some() {
                    return Err(not_adql(
                        name.span(),
                        format!("table functions such as {name}(...) are not ADQL"),
                    ));
                }
                if !with_hints.is_empty()
                    || version.is_some()
                    || *with_ordinality
                    || !partitions.is_empty()
                    || json_path.is_some()
                    || sample.is_some()
                    || !index_hints.is_empty()
                {
                    return Err(not_adql(name.span(), "table hints/versions/samples are not ADQL"));
                }
                // ADQL 2.1 BNF `<table_name> ::= [ <schema_name> <period> ] <identifier>` with
                // `<schema_name> ::= [ <catalog_name> <period> ] ...`: at most 3 parts.
                self.object_name(name, 3)?;
                self.table_alias(alias.as_ref())
            }
            TableFactor::Derived { lateral, subquery, alias, sample } => {
                if *lateral || sample.is_some() {
                    return Err(not_adql(subquery.span(), "LATERAL/TABLESAMPLE is not ADQL"));
                }
                self.query(subquery, false)?;
                // ADQL 2.1 BNF `<derived_table> <correlation_specification>`: the name is mandatory.
                if alias.is_none() {
                    let end = subquery.span().end;
                    return Err(AdqlError::new(
                        ErrorKind::Syntax,
                        end.line,
                        end.column + 1,
                        "a subquery in FROM needs a name: (SELECT ...) AS name",
                    ));
                }
                self.table_alias(alias.as_ref())
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                if let Some(a) = alias {
                    return Err(not_adql(a.name.span, "a parenthesised join cannot be given a name in ADQL"));
                }
                self.table_with_joins(table_with_joins)
            }
            other => Err(not_adql(other.span(), "this kind of FROM item is not ADQL")),
        }
    }

    fn table_alias(&mut self, alias: Option<&TableAlias>) -> Result<()> {
        if let Some(a) = alias {
            if !a.columns.is_empty() || a.at.is_some() {
                return Err(not_adql(a.name.span, "column lists in table aliases are not ADQL"));
            }
            self.regular_name(&a.name)?;
        }
        Ok(())
    }

    /// A multi-part name with at most `max_parts` identifier parts, none of them reserved.
    pub(crate) fn object_name(&mut self, name: &ObjectName, max_parts: usize) -> Result<()> {
        if name.0.len() > max_parts {
            return Err(AdqlError::at_span(
                ErrorKind::Syntax,
                name.span(),
                format!("'{name}' has too many parts (at most {max_parts} here)"),
            ));
        }
        for part in &name.0 {
            match part {
                ObjectNamePart::Identifier(id) => self.regular_name(id)?,
                ObjectNamePart::Function(_) => {
                    return Err(not_adql(name.span(), format!("'{name}' is not an ADQL name")))
                }
            }
        }
        Ok(())
    }

    /// ADQL 2.1 §2.1.3: reserved words must be delimited to be used as names.
    pub(crate) fn regular_name(&mut self, id: &Ident) -> Result<()> {
        if id.quote_style.is_none() && reserved::is_reserved(&id.value) {
            return Err(AdqlError::at_span(
                ErrorKind::Syntax,
                id.span,
                format!(
                    "'{}' is a reserved word in ADQL: write it as a delimited identifier, \"{}\"",
                    id.value, id.value
                ),
            ));
        }
        if id.quote_style.is_some() && id.value.is_empty() {
            return Err(AdqlError::at_span(ErrorKind::Syntax, id.span, "empty delimited identifier \"\""));
        }
        Ok(())
    }
}

/// `OFFSET` and `TOP` take `<unsigned_decimal>`: digits only.
pub(crate) fn is_unsigned_integer(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(&v.value, Value::Number(n, _) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())),
        _ => false,
    }
}
