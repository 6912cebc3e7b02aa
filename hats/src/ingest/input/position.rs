//! Finding the right ascension and declination columns that HATS partitioning needs.
//!
//! An explicit name wins; otherwise the usual catalog spellings are tried case-insensitively
//! (Gaia `ra`/`dec`, VizieR `RAJ2000`/`DEJ2000` and `_RAJ2000`, `RA_ICRS`/`DE_ICRS`, ...), then
//! the UCD `pos.eq.ra;meta.main` / `pos.eq.dec;meta.main` (UCD1+ main position) when the format
//! carries UCDs.

use super::error::InputError;

/// Names tried for right ascension, in order of preference.
pub const RA_NAMES: &[&str] = &[
    "ra", "ra_icrs", "raj2000", "_raj2000", "ra_j2000", "ra2000", "ra_deg", "radeg", "ra_icrs_deg",
    "ra_obs", "alpha", "alpha_j2000",
];
/// Names tried for declination, in order of preference.
pub const DEC_NAMES: &[&str] = &[
    "dec", "de", "dec_icrs", "de_icrs", "dej2000", "_dej2000", "decj2000", "dec_j2000", "dec2000",
    "de2000", "dec_deg", "decdeg", "dec_icrs_deg", "dec_obs", "delta", "delta_j2000",
];

/// The columns holding the position, with their 0-based indexes in the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionColumns {
    /// Right ascension column name (degrees).
    pub ra: String,
    /// Declination column name (degrees).
    pub dec: String,
    /// 0-based index of `ra` in the reader's schema.
    pub ra_index: usize,
    /// 0-based index of `dec` in the reader's schema.
    pub dec_index: usize,
}

/// A column as seen by position detection: its name and UCD, if any.
pub(crate) struct Candidate<'a> {
    pub name: &'a str,
    pub ucd: Option<&'a str>,
}

/// Finds ra/dec among `columns`. `Ok(None)` only when `required` is false and nothing matched.
pub(crate) fn find_position(
    file: &str,
    columns: &[Candidate<'_>],
    ra_option: Option<&str>,
    dec_option: Option<&str>,
    required: bool,
) -> Result<Option<PositionColumns>, InputError> {
    let ra = find_axis(columns, ra_option, RA_NAMES, "pos.eq.ra");
    let dec = find_axis(columns, dec_option, DEC_NAMES, "pos.eq.dec");
    match (ra, dec) {
        (Some(ra_index), Some(dec_index)) => Ok(Some(PositionColumns {
            ra: columns[ra_index].name.to_string(),
            dec: columns[dec_index].name.to_string(),
            ra_index,
            dec_index,
        })),
        // An explicitly named column that is missing is always an error: the user asked for it.
        (ra, dec) if required || (ra.is_none() && ra_option.is_some()) || (dec.is_none() && dec_option.is_some()) => {
            let (axis, option, names, ucd) = if ra.is_none() {
                ("ra", ra_option, RA_NAMES, "pos.eq.ra")
            } else {
                ("dec", dec_option, DEC_NAMES, "pos.eq.dec")
            };
            let how = match option {
                Some(name) => format!("column '{name}' (given explicitly) not found"),
                None => format!(
                    "tried names {} (case-insensitive) and UCD {ucd};meta.main",
                    names.join(", ")
                ),
            };
            let available = columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
            Err(InputError::MissingPositionColumn { file: file.to_string(), axis, how, available })
        }
        _ => Ok(None),
    }
}

fn find_axis(
    columns: &[Candidate<'_>],
    option: Option<&str>,
    names: &[&str],
    ucd: &str,
) -> Option<usize> {
    if let Some(wanted) = option {
        return columns
            .iter()
            .position(|c| c.name == wanted)
            .or_else(|| columns.iter().position(|c| c.name.eq_ignore_ascii_case(wanted)));
    }
    for name in names {
        if let Some(i) = columns.iter().position(|c| c.name.eq_ignore_ascii_case(name)) {
            return Some(i);
        }
    }
    let main = format!("{ucd};meta.main");
    columns
        .iter()
        .position(|c| c.ucd.is_some_and(|u| u.eq_ignore_ascii_case(&main)))
}
