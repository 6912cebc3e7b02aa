//! Job identifiers: 128 bits from the operating system's RNG, written in lowercase RFC 4648 base32.
//!
//! Ids are capabilities for anonymous users (whoever knows the URL can fetch the results), so
//! they must be unguessable: 128 random bits, never a counter or a timestamp.

use std::fmt;

use crate::error::UwsError;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Random bits in a job id.
pub const JOB_ID_BITS: usize = 128;
/// Characters in a job id: ceil(128 / 5).
pub const JOB_ID_LEN: usize = JOB_ID_BITS.div_ceil(5);

/// A job identifier: a legal URI path segment (UWS 1.1 §2.2) of 26 characters `[a-z2-7]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

impl JobId {
    /// Draws a new id from the OS RNG.
    pub fn random() -> Result<Self, UwsError> {
        let mut bytes = [0u8; JOB_ID_BITS / 8];
        getrandom::fill(&mut bytes).map_err(|e| UwsError::Random(e.to_string()))?;
        Ok(JobId(encode_base32(&bytes)))
    }

    /// Accepts a client-supplied id only if it has the exact shape of ids we issue, so that
    /// anything else is a plain "not found" and never reaches the store or the file system.
    pub fn parse(s: &str) -> Result<Self, UwsError> {
        let well_formed = s.len() == JOB_ID_LEN
            && s.bytes().all(|b| ALPHABET.contains(&b))
            // 26 * 5 = 130 bits: the last character carries only 3 bits, the two low bits are 0.
            && s.bytes().last().and_then(|b| ALPHABET.iter().position(|&a| a == b)).is_some_and(|v| v & 0b11 == 0);
        if well_formed {
            Ok(JobId(s.to_owned()))
        } else {
            Err(UwsError::NotFound(s.to_owned()))
        }
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 4648 §6 base32 without padding, lowercase (ids end up in URLs and file names).
fn encode_base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(5));
    let mut acc: u32 = 0;
    let mut nbits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        nbits += 8;
        while nbits >= 5 {
            nbits -= 5;
            out.push(char::from(ALPHABET[((acc >> nbits) & 31) as usize]));
        }
    }
    if nbits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - nbits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn base32_matches_rfc4648_test_vectors() {
        // RFC 4648 §10, lowercased and without padding.
        assert_eq!(encode_base32(b""), "");
        assert_eq!(encode_base32(b"f"), "my");
        assert_eq!(encode_base32(b"fo"), "mzxq");
        assert_eq!(encode_base32(b"foo"), "mzxw6");
        assert_eq!(encode_base32(b"foob"), "mzxw6yq");
        assert_eq!(encode_base32(b"fooba"), "mzxw6ytb");
        assert_eq!(encode_base32(b"foobar"), "mzxw6ytboi");
    }

    #[test]
    fn ids_have_the_documented_shape_and_parse_back() {
        for _ in 0..100 {
            let id = JobId::random().unwrap();
            assert_eq!(id.as_str().len(), 26);
            assert!(id.as_str().bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)));
            assert_eq!(JobId::parse(id.as_str()).unwrap(), id);
        }
        for bad in ["", "abc", "../../etc/passwd", "AAAAAAAAAAAAAAAAAAAAAAAAAA", "aaaaaaaaaaaaaaaaaaaaaaaaab"] {
            assert!(matches!(JobId::parse(bad), Err(UwsError::NotFound(_))), "{bad}");
        }
    }

    /// Entropy check: decode 2000 ids back to bits; every one of the 128 bit positions must be
    /// set in roughly half of them (binomial n=2000, p=1/2: sd 22, bounds are > 6 sd) and no id
    /// repeats.
    #[test]
    fn ids_carry_128_uniform_bits() {
        let n = 2000;
        let mut ones = [0usize; 130];
        let mut seen = HashSet::new();
        for _ in 0..n {
            let id = JobId::random().unwrap();
            assert!(seen.insert(id.clone()));
            for (i, c) in id.as_str().bytes().enumerate() {
                let v = ALPHABET.iter().position(|&a| a == c).unwrap();
                for bit in 0..5 {
                    if v & (1 << (4 - bit)) != 0 {
                        ones[i * 5 + bit] += 1;
                    }
                }
            }
        }
        for (pos, &count) in ones.iter().enumerate().take(128) {
            assert!((860..=1140).contains(&count), "bit {pos} set {count}/{n} times");
        }
        assert_eq!(ones[128] + ones[129], 0, "padding bits must be zero");
    }
}
