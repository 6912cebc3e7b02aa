//! `RESPONSEFORMAT` values (TAP 1.1 §2.7.1, DALI 1.1 §3.3.5) and the formats they select.

use std::fmt;
use std::str::FromStr;

use super::OutputError;

/// A result serialisation this service can stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// VOTable 1.4 with `<TABLEDATA>` (the TAP default).
    VoTableTableData,
    /// VOTable 1.4 with `<BINARY2>` base64 stream.
    VoTableBinary2,
    /// Parquet with VOParquet 1.0 metadata.
    Parquet,
    /// RFC 4180 CSV with a header line.
    Csv,
    /// IANA `text/tab-separated-values` with a header line.
    Tsv,
}

/// One row of the TAPRegExt `outputFormat` listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatDescription {
    /// The format.
    pub format: OutputFormat,
    /// Canonical media type (TAPRegExt `mime`, HTTP `Content-Type`).
    pub mime: &'static str,
    /// Short names also accepted (TAPRegExt `alias`).
    pub aliases: &'static [&'static str],
}

const VOTABLE_MIME: &str = "application/x-votable+xml";

static FORMATS: [FormatDescription; 5] = [
    FormatDescription {
        format: OutputFormat::VoTableTableData,
        mime: VOTABLE_MIME,
        aliases: &["votable", "votable/td", "text/xml"],
    },
    FormatDescription {
        format: OutputFormat::VoTableBinary2,
        mime: "application/x-votable+xml;serialization=BINARY2",
        aliases: &["votable/b2", "votableb2", "binary2"],
    },
    FormatDescription {
        format: OutputFormat::Parquet,
        mime: "application/vnd.apache.parquet",
        aliases: &["parquet", "application/x-parquet"],
    },
    FormatDescription {
        format: OutputFormat::Csv,
        mime: "text/csv;header=present",
        aliases: &["csv", "text/csv"],
    },
    FormatDescription {
        format: OutputFormat::Tsv,
        mime: "text/tab-separated-values",
        aliases: &["tsv"],
    },
];

/// Every format with its media type and aliases, in the order the capabilities document lists them.
pub fn all_formats() -> &'static [FormatDescription] {
    &FORMATS
}

impl OutputFormat {
    /// Parses a `RESPONSEFORMAT`/`FORMAT` value. Media types are matched case-insensitively with
    /// their parameters (`serialization`, `header`, `charset`); short names case-insensitively.
    pub fn parse(value: &str) -> Result<Self, OutputError> {
        parse_value(value).ok_or_else(|| OutputError::UnknownFormat {
            value: value.to_string(),
            accepted: accepted_values(),
        })
    }

    /// The `Content-Type` of the document.
    pub fn media_type(&self) -> &'static str {
        self.description().mime
    }

    /// File-name extension (without dot) for results stored by the async job runner.
    pub fn extension(&self) -> &'static str {
        match self {
            OutputFormat::VoTableTableData | OutputFormat::VoTableBinary2 => "vot",
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
            OutputFormat::Tsv => "tsv",
        }
    }

    /// Short names accepted for this format.
    pub fn aliases(&self) -> &'static [&'static str] {
        self.description().aliases
    }

    /// True for the two VOTable serialisations (they can report errors in-band).
    pub fn is_votable(&self) -> bool {
        matches!(self, OutputFormat::VoTableTableData | OutputFormat::VoTableBinary2)
    }

    fn description(&self) -> &'static FormatDescription {
        // FORMATS holds one entry per variant, in declaration order.
        &FORMATS[*self as usize]
    }
}

impl Default for OutputFormat {
    /// TAP 1.1 §2.7.1: VOTable is the default output format.
    fn default() -> Self {
        OutputFormat::VoTableTableData
    }
}

impl FromStr for OutputFormat {
    type Err = OutputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OutputFormat::parse(s)
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.media_type())
    }
}

fn accepted_values() -> String {
    let mut all: Vec<&str> = Vec::new();
    for d in &FORMATS {
        all.push(d.mime);
        all.extend_from_slice(d.aliases);
    }
    all.push("application/x-votable+xml;serialization=TABLEDATA");
    all.join(", ")
}

fn parse_value(value: &str) -> Option<OutputFormat> {
    let lower = value.trim().to_ascii_lowercase();
    let mut parts = lower.split(';').map(str::trim);
    let base = parts.next().unwrap_or("");
    let mut serialization: Option<&str> = None;
    let mut header: Option<&str> = None;
    for param in parts.filter(|p| !p.is_empty()) {
        let (key, val) = param.split_once('=')?;
        let val = val.trim().trim_matches('"');
        match key.trim() {
            "serialization" => serialization = Some(val),
            "header" => header = Some(val),
            // RFC 6838 charset: we only ever write UTF-8, and only a UTF-8 request makes sense.
            "charset" if val == "utf-8" => {}
            _ => return None,
        }
    }
    let format = match base {
        "votable" | "votable/td" | "text/xml" | "application/x-votable+xml" | "application/xml"
        | "text/x-votable+xml" => match serialization {
            None | Some("tabledata") | Some("td") => OutputFormat::VoTableTableData,
            Some("binary2") | Some("b2") => OutputFormat::VoTableBinary2,
            _ => return None,
        },
        "votable/b2" | "votableb2" | "binary2" | "votable/binary2" => OutputFormat::VoTableBinary2,
        "parquet" | "application/vnd.apache.parquet" | "application/x-parquet" => {
            OutputFormat::Parquet
        }
        // We always write the header line; `header=absent` cannot be honoured.
        "csv" | "text/csv" => OutputFormat::Csv,
        "tsv" | "text/tab-separated-values" | "text/tsv" => OutputFormat::Tsv,
        _ => return None,
    };
    let params_fit = match format {
        OutputFormat::Csv | OutputFormat::Tsv => serialization.is_none() && header != Some("absent"),
        OutputFormat::VoTableTableData | OutputFormat::VoTableBinary2 => header.is_none(),
        OutputFormat::Parquet => serialization.is_none() && header.is_none(),
    };
    params_fit.then_some(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_to_its_format() {
        for d in all_formats() {
            assert_eq!(OutputFormat::parse(d.mime).ok(), Some(d.format), "{}", d.mime);
            for a in d.aliases {
                assert_eq!(OutputFormat::parse(a).ok(), Some(d.format), "{a}");
            }
        }
    }

    #[test]
    fn media_type_parameters_select_the_serialisation() {
        use OutputFormat::*;
        let cases = [
            ("application/x-votable+xml;serialization=TABLEDATA", VoTableTableData),
            ("application/x-votable+xml; serialization=binary2", VoTableBinary2),
            ("APPLICATION/X-VOTABLE+XML;SERIALIZATION=BINARY2", VoTableBinary2),
            ("text/csv;header=present", Csv),
            ("text/csv; charset=UTF-8", Csv),
            ("VOTable", VoTableTableData),
            (" csv ", Csv),
        ];
        for (v, f) in cases {
            assert_eq!(OutputFormat::parse(v).ok(), Some(f), "{v}");
        }
    }

    #[test]
    fn unknown_values_name_the_accepted_ones() {
        for bad in [
            "fits",
            "application/x-votable+xml;serialization=BINARY",
            "text/csv;header=absent",
            "",
        ] {
            let err = OutputFormat::parse(bad).expect_err(bad).to_string();
            assert!(err.contains("text/csv;header=present"), "{err}");
            assert!(err.contains("application/vnd.apache.parquet"), "{err}");
        }
    }

    #[test]
    fn description_table_is_in_variant_order() {
        for (i, d) in all_formats().iter().enumerate() {
            assert_eq!(d.format as usize, i);
        }
    }
}
