//! Opening an input file: transparent gzip (detected by magic bytes, not by name), and a peek at
//! the first bytes of the decompressed content so the format can be chosen by content.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use super::error::{InputError, Location};

/// Large reads amortise the decompressor and syscall cost; still a bounded, small buffer.
const READ_BUFFER: usize = 256 * 1024;
/// How much of the content is looked at to choose the format.
const SNIFF_LEN: usize = 512;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A byte stream positioned at the start of the (decompressed) content.
pub(crate) struct Source {
    /// The name used in error messages.
    pub name: String,
    /// The content, buffered.
    pub reader: Box<dyn BufRead + Send>,
    /// The first bytes of the content (also still readable through `reader`).
    pub head: Vec<u8>,
    /// Whether the file was gzip-compressed (decoder errors then become [`InputError::Gzip`]).
    pub compressed: bool,
}

impl Source {
    /// Opens `path`, decompressing if it starts with the gzip magic.
    pub fn open(path: &Path) -> Result<Source, InputError> {
        let name = path.display().to_string();
        let file = File::open(path)
            .map_err(|source| InputError::Io { location: Location::file(&name), source })?;
        Source::from_reader(&name, file)
    }

    /// Wraps any byte stream (e.g. an HTTP upload body), decompressing gzip content.
    pub fn from_reader(name: &str, reader: impl Read + Send + 'static) -> Result<Source, InputError> {
        let mut raw = BufReader::with_capacity(READ_BUFFER, reader);
        let magic = {
            let buf = raw
                .fill_buf()
                .map_err(|source| InputError::Io { location: Location::file(name), source })?;
            buf.len() >= 2 && buf[..2] == GZIP_MAGIC
        };
        let (content, compressed): (Box<dyn Read + Send>, bool) = if magic {
            (Box::new(MultiGzDecoder::new(raw)), true)
        } else {
            (Box::new(raw), false)
        };
        Source::with_head(name, content, compressed)
    }

    fn with_head(
        name: &str,
        mut content: Box<dyn Read + Send>,
        compressed: bool,
    ) -> Result<Source, InputError> {
        let mut head = vec![0u8; SNIFF_LEN];
        let mut filled = 0;
        while filled < SNIFF_LEN {
            match content.read(&mut head[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(name, compressed, Some(1), e)),
            }
        }
        head.truncate(filled);
        let reader = BufReader::with_capacity(READ_BUFFER, Cursor::new(head.clone()).chain(content));
        Ok(Source { name: name.to_string(), reader: Box::new(reader), head, compressed })
    }
}

/// Maps a read error to [`InputError::Gzip`] when it comes from the decompressor.
pub(crate) fn io_error(
    name: &str,
    compressed: bool,
    line: Option<u64>,
    source: std::io::Error,
) -> InputError {
    let location = Location { file: name.to_string(), line, column: None };
    // flate2 reports corrupt or truncated streams as InvalidInput / InvalidData / UnexpectedEof.
    let decoder_kind = matches!(
        source.kind(),
        std::io::ErrorKind::InvalidInput
            | std::io::ErrorKind::InvalidData
            | std::io::ErrorKind::UnexpectedEof
    );
    if compressed && decoder_kind {
        InputError::Gzip { location, source }
    } else {
        InputError::Io { location, source }
    }
}

/// Whether the head looks like an ECSV file (ECSV 1.0: the first line is `# %ECSV <version>`).
pub(crate) fn is_ecsv(head: &[u8]) -> bool {
    strip_bom(head).starts_with(b"# %ECSV")
}

/// Whether the head looks like XML (a VOTable): first non-blank character `<`.
pub(crate) fn is_xml(head: &[u8]) -> bool {
    strip_bom(head).iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// Whether the head is the Parquet magic `PAR1`.
pub(crate) fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

fn strip_bom(head: &[u8]) -> &[u8] {
    head.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(head)
}
