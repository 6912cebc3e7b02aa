//! Where things live inside a HATS catalog directory, and `partition_info.csv`.
//!
//! `dataset/Norder=K/Dir=D/Npix=N.parquet` with `D = (N / 10000) * 10000`: the `Dir` level keeps
//! directories small for deep orders (hats `pixel_directory`). hats also allows a pixel to be a
//! directory of Parquet files (`Npix=N/` with any `*.parquet` inside), which we accept when reading.

use std::path::{Path, PathBuf};

use crate::error::{HatsError, Result};

/// The sub-directory holding the Parquet dataset.
pub const DATASET_DIR: &str = "dataset";
/// Partition list file name.
pub const PARTITION_INFO: &str = "partition_info.csv";

/// One HATS partition: a HEALPix pixel at some order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pixel {
    /// HEALPix order (depth).
    pub order: u8,
    /// NESTED pixel index at that order.
    pub npix: u64,
}

impl Pixel {
    /// Creates a pixel.
    pub fn new(order: u8, npix: u64) -> Self {
        Pixel { order, npix }
    }

    /// The `Dir=` value: the pixel index rounded down to a multiple of 10,000.
    pub fn dir(&self) -> u64 {
        (self.npix / 10_000) * 10_000
    }

    /// Directory of this pixel's order and Dir, relative to the catalog root.
    pub fn dir_path(&self) -> PathBuf {
        PathBuf::from(DATASET_DIR)
            .join(format!("Norder={}", self.order))
            .join(format!("Dir={}", self.dir()))
    }

    /// The single-file path of this pixel, relative to the catalog root.
    pub fn file_path(&self) -> PathBuf {
        self.dir_path().join(format!("Npix={}.parquet", self.npix))
    }

    /// The order-29 index range the pixel covers.
    pub fn range29(&self) -> std::ops::Range<u64> {
        crate::healpix::pixel_range29(self.order, self.npix)
    }
}

/// Finds the Parquet files of one pixel: `Npix=N.parquet`, or the files in directory `Npix=N/`.
pub fn pixel_files(root: &Path, pixel: &Pixel) -> Result<Vec<PathBuf>> {
    let file = root.join(pixel.file_path());
    if file.is_file() {
        return Ok(vec![file]);
    }
    let dir = root.join(pixel.dir_path()).join(format!("Npix={}", pixel.npix));
    if dir.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| HatsError::io(&dir, e))? {
            let path = entry.map_err(|e| HatsError::io(&dir, e))?.path();
            if path.extension().is_some_and(|e| e == "parquet") {
                files.push(path);
            }
        }
        files.sort();
        if !files.is_empty() {
            return Ok(files);
        }
    }
    Err(HatsError::layout(root, format!(
        "partition Norder={} Npix={} is listed but neither {} nor a non-empty Npix={}/ directory exists",
        pixel.order, pixel.npix, file.display(), pixel.npix
    )))
}

/// Reads `partition_info.csv` (columns `Norder`, `Npix`; other columns, such as the `Dir` and
/// `num_rows` of older hats versions, are ignored).
pub fn read_partition_info(root: &Path) -> Result<Vec<Pixel>> {
    let path = root.join(PARTITION_INFO);
    let text = std::fs::read_to_string(&path).map_err(|e| HatsError::io(&path, e))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(HatsError::layout(&path, "empty file"));
    };
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |name: &str| {
        cols.iter().position(|c| *c == name).ok_or_else(|| {
            HatsError::layout(&path, format!("header {header:?} lacks the {name} column"))
        })
    };
    let (io, ip) = (find("Norder")?, find("Npix")?);
    let mut pixels = Vec::new();
    for (i, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parse = |idx: usize, name: &str| -> Result<u64> {
            fields.get(idx).and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| {
                HatsError::layout(&path, format!("line {}: bad {name} value in {line:?}", i + 1))
            })
        };
        let order = parse(io, "Norder")?;
        if order > 29 {
            return Err(HatsError::layout(&path, format!("line {}: Norder {order} > 29", i + 1)));
        }
        let npix = parse(ip, "Npix")?;
        if npix >= crate::healpix::npix(order as u8) {
            return Err(HatsError::layout(&path, format!("line {}: Npix {npix} out of range for order {order}", i + 1)));
        }
        pixels.push(Pixel::new(order as u8, npix));
    }
    pixels.sort();
    Ok(pixels)
}

/// Writes `partition_info.csv` as hats 0.11 does: `Norder,Npix`, sorted by order then pixel.
pub fn write_partition_info(root: &Path, pixels: &[Pixel]) -> Result<()> {
    let mut sorted = pixels.to_vec();
    sorted.sort();
    let mut s = String::from("Norder,Npix\n");
    for p in sorted {
        s.push_str(&format!("{},{}\n", p.order, p.npix));
    }
    let path = root.join(PARTITION_INFO);
    std::fs::write(&path, s).map_err(|e| HatsError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_hats_naming() {
        assert_eq!(Pixel::new(0, 11).file_path(), PathBuf::from("dataset/Norder=0/Dir=0/Npix=11.parquet"));
        assert_eq!(Pixel::new(7, 123_456).file_path(), PathBuf::from("dataset/Norder=7/Dir=120000/Npix=123456.parquet"));
    }

    #[test]
    fn partition_info_round_trip_and_legacy_columns() {
        let dir = tempfile::tempdir().unwrap();
        let pixels = vec![Pixel::new(2, 5), Pixel::new(1, 3), Pixel::new(2, 4)];
        write_partition_info(dir.path(), &pixels).unwrap();
        let text = std::fs::read_to_string(dir.path().join(PARTITION_INFO)).unwrap();
        assert_eq!(text, "Norder,Npix\n1,3\n2,4\n2,5\n");
        assert_eq!(read_partition_info(dir.path()).unwrap(), vec![Pixel::new(1, 3), Pixel::new(2, 4), Pixel::new(2, 5)]);
        std::fs::write(dir.path().join(PARTITION_INFO), "Norder,Dir,Npix,num_rows\n3,0,17,10\n").unwrap();
        assert_eq!(read_partition_info(dir.path()).unwrap(), vec![Pixel::new(3, 17)]);
    }

    #[test]
    fn partition_info_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PARTITION_INFO), "Norder,Npix\n1,3\n1,x\n").unwrap();
        let e = read_partition_info(dir.path()).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("Npix"), "{e}");
        std::fs::write(dir.path().join(PARTITION_INFO), "Norder,Npix\n0,12\n").unwrap();
        assert!(read_partition_info(dir.path()).unwrap_err().to_string().contains("out of range"));
        std::fs::write(dir.path().join(PARTITION_INFO), "order,pix\n0,1\n").unwrap();
        assert!(read_partition_info(dir.path()).unwrap_err().to_string().contains("lacks the Norder"));
    }

    #[test]
    fn pixel_directory_form_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = Pixel::new(1, 7);
        let pdir = dir.path().join(p.dir_path()).join("Npix=7");
        std::fs::create_dir_all(&pdir).unwrap();
        std::fs::write(pdir.join("b.parquet"), b"").unwrap();
        std::fs::write(pdir.join("a.parquet"), b"").unwrap();
        std::fs::write(pdir.join("notes.txt"), b"").unwrap();
        let files = pixel_files(dir.path(), &p).unwrap();
        assert_eq!(files.len(), 2);
        assert!(files[0].ends_with("a.parquet"));
        assert!(pixel_files(dir.path(), &Pixel::new(1, 8)).is_err());
    }
}
