//! `hats.properties`: the catalog's key=value description (IVOA HiPS-style properties file).
//!
//! Keys and their order follow `hats` 0.11 (`hats/catalog/dataset/table_properties.py`):
//! `obs_collection`, `dataproduct_type`, `hats_nrows`, `hats_col_ra`, `hats_col_dec`,
//! `hats_col_healpix`, `hats_col_healpix_order`, `hats_max_rows`, ... Older catalogs name the file
//! `properties`; we read either and write both, as hats-import does.

use crate::healpix;
use std::path::Path;

use crate::error::{HatsError, Result};

/// File name written by hats >= 0.5.
pub const FILE_NAME: &str = "hats.properties";
/// Legacy file name, still written alongside by hats-import and read as a fallback.
pub const LEGACY_FILE_NAME: &str = "properties";

/// The parsed properties, keeping the file's key order so a rewrite is stable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties {
    entries: Vec<(String, String)>,
}

impl Properties {
    /// Properties for a new object catalog with the keys hats requires.
    pub fn new_object_catalog(name: &str, ra_col: &str, dec_col: &str, nrows: u64) -> Self {
        let mut p = Properties::default();
        p.set("obs_collection", name);
        p.set("dataproduct_type", "object");
        p.set("hats_nrows", nrows.to_string());
        p.set(healpix::RA_COLUMN_KEY, ra_col);
        p.set(healpix::DEC_COLUMN_KEY, dec_col);
        p.set(healpix::INDEX_COLUMN_KEY, healpix::INDEX_COLUMN);
        p.set(healpix::INDEX_ORDER_KEY, healpix::INDEX_ORDER.to_string());
        p.set("hats_npix_suffix", ".parquet");
        p
    }

    /// Parses the text of a properties file (`#` comments, `key=value` or `key = value`).
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut p = Properties::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(HatsError::layout(
                    path,
                    format!("line {}: expected key=value, found {line:?}", i + 1),
                ));
            };
            p.set(k.trim(), v.trim());
        }
        Ok(p)
    }

    /// Reads `hats.properties`, or the legacy `properties`, from a catalog root.
    pub fn read_dir(root: &Path) -> Result<Self> {
        for name in [FILE_NAME, LEGACY_FILE_NAME] {
            let path = root.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => return Properties::parse(&text, &path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(HatsError::io(path, e)),
            }
        }
        Err(HatsError::layout(root, format!("not a HATS catalog: neither {FILE_NAME} nor {LEGACY_FILE_NAME} found")))
    }

    /// Writes `hats.properties` and the legacy `properties` (same content, as hats-import does).
    pub fn write_dir(&self, root: &Path) -> Result<()> {
        let text = self.to_text();
        for name in [FILE_NAME, LEGACY_FILE_NAME] {
            let path = root.join(name);
            std::fs::write(&path, &text).map_err(|e| HatsError::io(path, e))?;
        }
        Ok(())
    }

    /// The file text.
    pub fn to_text(&self) -> String {
        let mut s = String::from("#HATS catalog\n");
        for (k, v) in &self.entries {
            s.push_str(k);
            s.push('=');
            s.push_str(v);
            s.push('\n');
        }
        s
    }

    /// Sets (or replaces in place) a key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key.to_string(), value)),
        }
    }

    /// The raw value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// All entries in file order.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// `obs_collection`: the catalog's name.
    pub fn name(&self) -> Option<&str> {
        self.get("obs_collection")
    }
    /// `hats_nrows`.
    pub fn nrows(&self) -> Option<u64> {
        self.get("hats_nrows").and_then(|v| v.parse().ok())
    }
    /// `hats_col_ra`.
    pub fn ra_column(&self) -> Option<&str> {
        self.get(healpix::RA_COLUMN_KEY)
    }
    /// `hats_col_dec`.
    pub fn dec_column(&self) -> Option<&str> {
        self.get(healpix::DEC_COLUMN_KEY)
    }
    /// `hats_max_rows`.
    pub fn max_rows(&self) -> Option<u64> {
        self.get("hats_max_rows").and_then(|v| v.parse().ok())
    }
    /// `dataproduct_type` (`object`, `source`, `margin`, `association`, `index`, `map`).
    pub fn dataproduct_type(&self) -> Option<&str> {
        self.get("dataproduct_type")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hats_import_output_and_round_trips() {
        let text = "#HATS catalog\nobs_collection=ref\ndataproduct_type=object\nhats_nrows=5000\n\
                    hats_col_ra=ra\nhats_col_dec=dec\nhats_max_rows = 1000\n";
        let p = Properties::parse(text, Path::new("x")).unwrap();
        assert_eq!(p.name(), Some("ref"));
        assert_eq!(p.nrows(), Some(5000));
        assert_eq!(p.max_rows(), Some(1000));
        assert_eq!(p.ra_column(), Some("ra"));
        let again = Properties::parse(&p.to_text(), Path::new("x")).unwrap();
        assert_eq!(again, p);
    }

    #[test]
    fn rejects_garbage_with_line_number() {
        let err = Properties::parse("a=1\nnot a property\n", Path::new("cat/hats.properties")).unwrap_err();
        assert!(err.to_string().contains("cat/hats.properties: line 2"), "{err}");
    }

    #[test]
    fn reads_legacy_file_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("properties"), "obs_collection=old\n").unwrap();
        assert_eq!(Properties::read_dir(dir.path()).unwrap().name(), Some("old"));
        let missing = tempfile::tempdir().unwrap();
        assert!(Properties::read_dir(missing.path()).unwrap_err().to_string().contains("not a HATS catalog"));
    }
}
