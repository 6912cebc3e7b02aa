//! Bounded input: queries over the length, token or depth limit are refused before anything
//! recursive sees them, with a message naming the limit; queries at the limit go through the
//! whole front end (check, rewrite, DataFusion planning) without exhausting the stack.

use std::sync::Arc;

use adql::{ErrorKind, InputLimits};
use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;

/// The UDF session with a one-row table `t(one)`.
fn session() -> SessionContext {
    let ctx = adql::session_with_udfs();
    let column: ArrayRef = Arc::new(Int64Array::from(vec![1]));
    let batch = RecordBatch::try_from_iter(vec![("one", column)]).expect("batch");
    ctx.register_batch("t", batch).expect("register t");
    ctx
}

fn chain(terms: usize) -> String {
    format!("SELECT {} AS x FROM TAP_SCHEMA.tables", vec!["1"; terms].join("+"))
}

#[test]
fn a_ten_thousand_term_chain_is_refused_naming_the_limit() {
    let q = chain(10_000);
    assert!(q.len() < 21_000, "a 20 KB request");
    let err = adql::check_syntax(&q).expect_err("over the depth limit");
    assert_eq!(err.kind, ErrorKind::Limit, "{err}");
    assert!(err.message.contains("max_query_depth") && err.message.contains("500"), "{err}");
    // Reported where the limit was crossed: the 500th '+' is at column 8 + 2*499 + 1.
    assert_eq!((err.line, err.column), (1, 8 + 2 * 499 + 1), "{err}");
}

#[test]
fn length_and_token_limits_name_themselves() {
    let long = format!("SELECT source_id FROM g WHERE source_id IN ({})", vec!["123456789"; 30_000].join(","));
    let err = adql::check_syntax(&long).expect_err("over the byte limit");
    assert_eq!(err.kind, ErrorKind::Limit);
    assert!(err.message.contains("max_query_bytes") && err.message.contains(&long.len().to_string()), "{err}");

    let limits = InputLimits { max_bytes: 1 << 20, ..InputLimits::default() };
    let err = adql::check_syntax_within(&long, &limits).expect_err("over the token limit");
    assert_eq!(err.kind, ErrorKind::Limit);
    assert!(err.message.contains("max_query_tokens") && err.message.contains("50000"), "{err}");
}

/// Plans `q` within `limits` on the `t(one)` session, on a thread with the query threads' stack
/// (as the server does), reporting the planning time; `Err` carries the planning error.
fn plan_on_query_stack(q: String, limits: InputLimits) -> Result<(), String> {
    let handle = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            runtime.block_on(async {
                let ctx = session();
                let t0 = std::time::Instant::now();
                let planned = adql::plan_within(&q, &ctx, &limits).await;
                // Reported, not asserted (tests never assert wall-clock times).
                println!("planned a {} byte query in {:?}", q.len(), t0.elapsed());
                planned.map(|_| ()).map_err(|e| e.to_string())
            })
        })
        .expect("thread");
    match handle.join() {
        Ok(result) => result,
        Err(_) => Err("planning panicked".to_string()),
    }
}

/// The deepest chain the default limit lets through is checked, rewritten and planned.
#[test]
fn a_chain_at_the_depth_limit_plans() {
    let limits = InputLimits::default();
    let q = format!("SELECT {} AS x FROM t", vec!["one"; limits.max_depth].join("+"));
    assert_eq!(plan_on_query_stack(q, limits), Ok(()));
}

/// A query of a whole MiB (a long IN list, the largest body the service accepts) plans when the
/// limits are raised to fit it.
#[test]
fn a_one_mebibyte_in_list_plans_when_the_limits_allow_it() {
    let ids: Vec<String> = (0..100_000u64).map(|i| (4_000_000_000_000 + i).to_string()).collect();
    let q = format!("SELECT one FROM t WHERE one IN ({})", ids.join(","));
    assert!(q.len() > 1_000_000, "{}", q.len());
    let limits = InputLimits { max_bytes: 2 << 20, max_tokens: 300_000, max_depth: 500 };
    assert_eq!(plan_on_query_stack(q, limits), Ok(()));
}
