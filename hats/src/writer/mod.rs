//! The partitioning writer: any [`BatchSource`] in, a complete HATS catalog out.
//!
//! Three passes, each streaming with bounded memory: (1) count rows per pixel at the mapping order
//! and validate coordinates, (2) route every row to its partition (spilling to Arrow IPC), (3) per
//! partition, sort by `_healpix_29` and write `Npix=N.parquet` with small row groups so Parquet
//! statistics prune inside files too. Everything is written into a temporary sibling directory
//! that is renamed into place only at the very end: an interrupted ingest never leaves a
//! catalog that looks complete.

pub mod fits;
pub mod plan;
pub mod progress;
pub mod spill;

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{cast, concat_batches, sort_to_indices, take_record_batch};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::metadata::{FileMetaData, ParquetMetaData, ParquetMetaDataBuilder, ParquetMetaDataWriter};
use datafusion::parquet::file::metadata::SortingColumn;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::error::{HatsError, Result};
use crate::healpix::{healpix29, INDEX_COLUMN};
use crate::layout::{write_partition_info, Pixel, DATASET_DIR};
use crate::properties::Properties;
use crate::source::BatchSource;
use plan::{plan_partitions, Histogram, PartitionLookup};
use progress::Silent;

pub use progress::Progress;

/// How to build the catalog.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// `obs_collection`: the catalog's name.
    pub name: String,
    /// Right-ascension column (degrees).
    pub ra_column: String,
    /// Declination column (degrees).
    pub dec_column: String,
    /// Pixel threshold: partitions are split until they hold at most this many rows.
    pub max_rows: u64,
    /// Order of the count map used to plan partitions (hats-import's `highest_healpix_order`);
    /// also the order of `skymap.fits`.
    pub mapping_order: u8,
    /// Rows per Parquet row group (small groups make row-group pruning effective).
    pub row_group_rows: usize,
    /// Rows held in memory in pass 2 before spilling.
    pub spill_budget_rows: usize,
    /// Where to report progress through the passes (nowhere when `None`).
    pub progress: Option<Arc<dyn Progress>>,
    /// Replace an existing catalog at the output path.
    pub overwrite: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            name: "catalog".into(),
            ra_column: "ra".into(),
            dec_column: "dec".into(),
            max_rows: 1_000_000,
            mapping_order: 10,
            row_group_rows: 20_000,
            spill_budget_rows: 500_000,
            progress: None,
            overwrite: false,
        }
    }
}

/// What an ingest produced.
#[derive(Debug, Clone)]
pub struct WriteSummary {
    /// The catalog directory.
    pub path: PathBuf,
    /// Rows written.
    pub rows: u64,
    /// Partitions (files) written.
    pub partitions: Vec<(Pixel, u64)>,
    /// Bytes of Parquet data written.
    pub bytes: u64,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl std::fmt::Display for WriteSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let orders: std::collections::BTreeSet<u8> = self.partitions.iter().map(|(p, _)| p.order).collect();
        write!(
            f,
            "{}: {} rows in {} partitions (orders {:?}), {:.1} MB, {:.1} s ({:.0} rows/s)",
            self.path.display(),
            self.rows,
            self.partitions.len(),
            orders,
            self.bytes as f64 / 1e6,
            self.seconds,
            self.rows as f64 / self.seconds.max(1e-9)
        )
    }
}

/// Builds a HATS catalog at `out` from `source`.
pub fn write_catalog(source: &dyn BatchSource, out: &Path, opts: &WriteOptions) -> Result<WriteSummary> {
    let t0 = Instant::now();
    if opts.max_rows == 0 {
        return Err(HatsError::Ingest("max_rows must be positive".into()));
    }
    if out.exists() && !opts.overwrite {
        return Err(HatsError::Ingest(format!("{} already exists (choose another output or allow overwrite)", out.display())));
    }
    let in_schema = source.schema();
    let (ra_idx, dec_idx) = coordinate_columns(&in_schema, opts, &source.describe())?;
    let keep: Vec<usize> = (0..in_schema.fields().len()).filter(|&i| in_schema.field(i).name() != INDEX_COLUMN).collect();
    let out_schema = output_schema(&in_schema, &keep);

    let tmp = temp_sibling(out)?;
    let result = (|| {
        // Pass 1: the count map.
        let progress: &dyn Progress = opts.progress.as_deref().unwrap_or(&Silent);
        progress.start("counting", source.total_rows_hint());
        let mut hist = Histogram::new(opts.mapping_order);
        let mut row_base = 0u64;
        for batch in source.open()? {
            let batch = batch?;
            for h in positions(&batch, ra_idx, dec_idx, row_base, opts, &source.describe())? {
                hist.add(h);
            }
            row_base += batch.num_rows() as u64;
            progress.advance(batch.num_rows() as u64);
        }
        progress.finish();
        let partitions = plan_partitions(&hist, opts.max_rows);
        let lookup = PartitionLookup::new(&partitions);

        // Pass 2: route rows to partitions.
        progress.start("partitioning", Some(row_base));
        let mut spill = spill::Spill::new(&tmp.join("_spill"), out_schema.clone(), partitions.len(), opts.spill_budget_rows)?;
        let mut seen = 0u64;
        for batch in source.open()? {
            let batch = batch?;
            let h29 = positions(&batch, ra_idx, dec_idx, seen, opts, &source.describe())?;
            route(&batch, &keep, &out_schema, &h29, &lookup, &mut spill, seen)?;
            seen += batch.num_rows() as u64;
            progress.advance(batch.num_rows() as u64);
        }
        progress.finish();
        if seen != row_base {
            return Err(HatsError::Ingest(format!("{} changed between passes ({row_base} then {seen} rows)", source.describe())));
        }
        spill.flush()?;

        // Pass 3: sorted Parquet files plus the catalog metadata.
        progress.start("writing", Some(partitions.len() as u64));
        let mut metas = Vec::with_capacity(partitions.len());
        let mut bytes = 0u64;
        for (i, (pixel, _)) in partitions.iter().enumerate() {
            let batches = spill.take_partition(i)?;
            let path = tmp.join(pixel.file_path());
            let meta = write_partition(&path, &out_schema, &batches, opts)?;
            bytes += std::fs::metadata(&path).map_err(|e| HatsError::io(&path, e))?.len();
            metas.push((*pixel, meta));
            progress.advance(1);
        }
        progress.finish();
        std::fs::remove_dir_all(tmp.join("_spill")).map_err(|e| HatsError::io(tmp.join("_spill"), e))?;
        write_dataset_metadata(&tmp, &out_schema, &metas)?;
        write_partition_info(&tmp, &partitions.iter().map(|(p, _)| *p).collect::<Vec<_>>())?;
        fits::write_count_map(&tmp.join("skymap.fits"), &hist)?;
        fits::write_count_map(&tmp.join("point_map.fits"), &hist)?;
        let mut props = Properties::new_object_catalog(&opts.name, &opts.ra_column, &opts.dec_column, row_base);
        props.set("hats_skymap_order", opts.mapping_order.to_string());
        props.set("hats_max_rows", opts.max_rows.to_string());
        props.set("hats_estsize", (bytes / 1024).to_string());
        props.set("hats_builder", format!("astrotap v{}", env!("CARGO_PKG_VERSION")));
        props.set("hats_creation_date", utc_now_hats());
        props.set("hats_version", "v1.0");
        let max_order = partitions.iter().map(|(p, _)| p.order).max().unwrap_or(0);
        props.set("hats_order", max_order.to_string());
        props.write_dir(&tmp)?;
        Ok(WriteSummary { path: out.to_path_buf(), rows: row_base, partitions, bytes, seconds: 0.0 })
    })();
    match result {
        Ok(mut summary) => {
            if out.exists() {
                std::fs::remove_dir_all(out).map_err(|e| HatsError::io(out, e))?;
            }
            std::fs::rename(&tmp, out).map_err(|e| HatsError::io(out, e))?;
            summary.seconds = t0.elapsed().as_secs_f64();
            tracing::info!(target: "hats::ingest", "{summary}");
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

fn coordinate_columns(schema: &Schema, opts: &WriteOptions, what: &str) -> Result<(usize, usize)> {
    let find = |name: &str, role: &str| {
        let idx = schema.index_of(name).map_err(|_| {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            HatsError::Ingest(format!("{what}: no {role} column {name:?} (columns: {})", names.join(", ")))
        })?;
        let dt = schema.field(idx).data_type();
        if !dt.is_numeric() {
            return Err(HatsError::Ingest(format!("{what}: {role} column {name:?} is {dt}, not numeric")));
        }
        Ok(idx)
    };
    Ok((find(&opts.ra_column, "right ascension")?, find(&opts.dec_column, "declination")?))
}

fn output_schema(input: &Schema, keep: &[usize]) -> SchemaRef {
    let mut md = HashMap::new();
    md.insert("description".to_string(), "HEALPix order-29 NESTED index of (ra, dec): the HATS spatial index".to_string());
    md.insert("ucd".to_string(), "pos.healpix".to_string());
    let mut fields = vec![Arc::new(Field::new(INDEX_COLUMN, DataType::Int64, false).with_metadata(md))];
    fields.extend(keep.iter().map(|&i| Arc::new(input.field(i).clone())));
    Arc::new(Schema::new_with_metadata(fields, input.metadata().clone()))
}

/// Order-29 indices of a batch's rows, refusing null or out-of-range coordinates.
fn positions(batch: &RecordBatch, ra_idx: usize, dec_idx: usize, row_base: u64, opts: &WriteOptions, what: &str) -> Result<Vec<u64>> {
    let ra = cast(batch.column(ra_idx), &DataType::Float64)?;
    let dec = cast(batch.column(dec_idx), &DataType::Float64)?;
    let (ra, dec) = (ra.as_primitive::<Float64Type>(), dec.as_primitive::<Float64Type>());
    let mut out = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let bad = |col: &str, v: String| {
            HatsError::Ingest(format!("{what}: data row {}: column {col}: {v} is not a valid coordinate", row_base + i as u64 + 1))
        };
        if ra.is_null(i) {
            return Err(bad(&opts.ra_column, "null".into()));
        }
        if dec.is_null(i) {
            return Err(bad(&opts.dec_column, "null".into()));
        }
        let (r, d) = (ra.value(i), dec.value(i));
        match healpix29(r, d) {
            Some(h) => out.push(h),
            None => {
                let (col, v) = if r.is_finite() { (&opts.dec_column, d) } else { (&opts.ra_column, r) };
                return Err(bad(col, v.to_string()));
            }
        }
    }
    Ok(out)
}

fn route(
    batch: &RecordBatch,
    keep: &[usize],
    schema: &SchemaRef,
    h29: &[u64],
    lookup: &PartitionLookup,
    spill: &mut spill::Spill,
    row_base: u64,
) -> Result<()> {
    let mut columns: Vec<ArrayRef> = vec![Arc::new(Int64Array::from_iter_values(h29.iter().map(|&h| h as i64)))];
    columns.extend(keep.iter().map(|&i| batch.column(i).clone()));
    let full = RecordBatch::try_new(schema.clone(), columns)?;
    let mut by_part: HashMap<usize, Vec<u32>> = HashMap::new();
    for (row, &h) in h29.iter().enumerate() {
        let p = lookup.partition_of(h).ok_or_else(|| {
            HatsError::Ingest(format!("data row {}: position not seen in the counting pass (input changed?)", row_base + row as u64 + 1))
        })?;
        by_part.entry(p).or_default().push(row as u32);
    }
    let mut parts: Vec<_> = by_part.into_iter().collect();
    parts.sort_by_key(|(p, _)| *p);
    for (p, rows) in parts {
        spill.push(p, take_record_batch(&full, &UInt32Array::from(rows))?)?;
    }
    Ok(())
}

fn writer_properties(opts: &WriteOptions) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(opts.row_group_rows))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("astrotap v{}", env!("CARGO_PKG_VERSION")))
        // Said in every row group's metadata (and so in `_metadata`): rows are in `_healpix_29`
        // order (column 0, see `write_partition`), which lets the scan declare that ordering.
        .set_sorting_columns(Some(vec![SortingColumn { column_idx: 0, descending: false, nulls_first: false }]))
        .build()
}

fn write_partition(path: &Path, schema: &SchemaRef, batches: &[RecordBatch], opts: &WriteOptions) -> Result<ParquetMetaData> {
    let all = concat_batches(schema, batches)?;
    let order = sort_to_indices(all.column(0), None, None)?;
    let sorted = take_record_batch(&all, &order)?;
    drop(all);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| HatsError::io(dir, e))?;
    }
    let file = File::create(path).map_err(|e| HatsError::io(path, e))?;
    let mut w = ArrowWriter::try_new(file, schema.clone(), Some(writer_properties(opts)))?;
    w.write(&sorted)?;
    Ok(w.close()?)
}

/// `_common_metadata` (schema only) and `_metadata` (every row group of every file, with
/// `file_path` relative to `dataset/`), as pyarrow's `write_metadata` produces for hats.
fn write_dataset_metadata(root: &Path, schema: &SchemaRef, metas: &[(Pixel, ParquetMetaData)]) -> Result<()> {
    let dataset = root.join(DATASET_DIR);
    std::fs::create_dir_all(&dataset).map_err(|e| HatsError::io(&dataset, e))?;
    let common = dataset.join("_common_metadata");
    let file = File::create(&common).map_err(|e| HatsError::io(&common, e))?;
    let empty = ArrowWriter::try_new(file, schema.clone(), None)?;
    let template = empty.close()?;

    let mut row_groups = Vec::new();
    let mut num_rows = 0i64;
    for (pixel, meta) in metas {
        let rel = pixel.file_path();
        let rel = rel.strip_prefix(DATASET_DIR).unwrap_or(&rel).to_string_lossy().into_owned();
        num_rows += meta.file_metadata().num_rows();
        for rg in meta.row_groups() {
            let mut b = rg.clone().into_builder();
            let cols = b.take_columns().into_iter().map(|c| c.into_builder().set_file_path(rel.clone()).build()).collect::<std::result::Result<Vec<_>, _>>()?;
            row_groups.push(b.set_column_metadata(cols).build()?);
        }
    }
    let fm = template.file_metadata();
    let file_meta = FileMetaData::new(
        fm.version(),
        num_rows,
        fm.created_by().map(str::to_string),
        fm.key_value_metadata().cloned(),
        fm.schema_descr_ptr(),
        fm.column_orders().cloned(),
    );
    let merged = ParquetMetaDataBuilder::new(file_meta).set_row_groups(row_groups).build();
    let path = dataset.join("_metadata");
    let mut buf: Vec<u8> = b"PAR1".to_vec();
    ParquetMetaDataWriter::new(&mut buf, &merged).finish()?;
    std::fs::write(&path, buf).map_err(|e| HatsError::io(path, e))
}

fn temp_sibling(out: &Path) -> Result<PathBuf> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| HatsError::io(parent, e))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "catalog".into());
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| HatsError::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| HatsError::io(&tmp, e))?;
    Ok(tmp)
}

/// UTC now as hats writes `hats_creation_date` (`%Y-%m-%dT%H:%M%Z`, e.g. `2026-11-28T04:25UTC`).
fn utc_now_hats() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%MUTC").to_string()
}
