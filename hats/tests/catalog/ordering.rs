//! `_healpix_29` ordering declared on the scan: only for catalogs whose files say they are sorted
//! by it, and then a sort on the index costs no sort in the plan and gives the same rows.

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::physical_plan::{collect, displayable};

use crate::support::*;

/// The plan of `sql` as text, and its first column as i64 values.
async fn plan_and_values(ctx: &datafusion::prelude::SessionContext, sql: &str) -> (String, Vec<i64>) {
    let plan = ctx.sql(sql).await.expect("plan").create_physical_plan().await.expect("physical plan");
    let text = displayable(plan.as_ref()).indent(true).to_string();
    let batches = collect(plan, ctx.task_ctx()).await.expect("run");
    let values = batches.iter().flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec()).collect();
    (text, values)
}

#[tokio::test]
async fn a_sorted_catalog_needs_no_sort_on_the_index_and_an_unmarked_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    // Small partitions at several orders: the index order crosses partitions of different depth.
    synthetic_catalog(&out, 40_000, 1_500);
    let query = "SELECT _healpix_29 FROM t ORDER BY _healpix_29";
    let (ctx, table) = session_with(&out);
    let catalog = table.catalog();
    assert!(catalog.partitions.iter().all(|p| p.files.len() == 1), "one file per partition");
    let file = &catalog.partitions[0].files[0].0;
    let meta = datafusion::parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&std::fs::File::open(file).expect("open"))
        .expect("footer");
    let declared = meta.row_groups()[0].sorting_columns().cloned();
    assert!(catalog.row_groups().sorted_by_index(), "astrotap's own files say they are sorted: {declared:?}");
    let (plan, sorted) = plan_and_values(&ctx, query).await;
    assert!(!plan.contains("SortExec"), "the declared order makes the sort a merge:\n{plan}");
    assert_eq!(sorted.len(), 40_000);
    assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "rows in index order");

    // Without `_metadata` nothing says the files are sorted: the plan sorts, with the same answer.
    std::fs::remove_file(out.join("dataset/_metadata")).expect("remove _metadata");
    let (ctx, table) = session_with(&out);
    assert!(!table.catalog().sorted_by_index());
    let (plan, values) = plan_and_values(&ctx, query).await;
    assert!(plan.contains("SortExec"), "{plan}");
    assert_eq!(values, sorted);
}
