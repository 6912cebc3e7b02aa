//! IVOA UDF catalog string functions: `ivo_hasword(haystack, needle)` and
//! `ivo_nocasematch(value, pattern)` (INTEGER 1/0, NULL if an argument is NULL).

use super::args::{finish, rows, StrArg};
use datafusion::arrow::array::Int32Array;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use std::sync::Arc;

super::measures::simple_udf!(HasWordUdf, "`ivo_hasword(haystack, needle)`: 1 if needle occurs in haystack as (a sequence of) whole words, case-insensitively.");
super::measures::simple_udf!(NoCaseMatchUdf, "`ivo_nocasematch(value, pattern)`: 1 if value matches the SQL LIKE pattern, case-insensitively.");

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether `needle`'s words occur consecutively among `haystack`'s words (case-insensitive).
///
/// The UDF catalog leaves the word definition to the implementation ("like a full-text
/// search"); we split on non-alphanumerics, which also makes multi-word needles phrase matches.
pub fn has_word(haystack: &str, needle: &str) -> bool {
    let h = words(haystack);
    let n = words(needle);
    !n.is_empty() && h.windows(n.len()).any(|w| w == n.as_slice())
}

/// SQL LIKE (`%` any run, `_` one character), case-insensitive; `\` escapes the next character.
pub fn like_nocase(value: &str, pattern: &str) -> bool {
    let v: Vec<char> = value.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    // Iterative matcher with backtracking to the last '%'.
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < v.len() {
        if j < p.len() && p[j] == '\\' && j + 1 < p.len() {
            if v[i] == p[j + 1] {
                i += 1;
                j += 2;
                continue;
            }
        } else if j < p.len() && p[j] == '%' {
            star = Some((j, i));
            j += 1;
            continue;
        } else if j < p.len() && (p[j] == '_' || p[j] == v[i]) {
            i += 1;
            j += 1;
            continue;
        }
        match star {
            Some((sj, si)) => {
                j = sj + 1;
                i = si + 1;
                star = Some((sj, si + 1));
            }
            None => return false,
        }
    }
    while j < p.len() && p[j] == '%' {
        j += 1;
    }
    j == p.len()
}

fn two_strings(name: &str, t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() == 2 && t.iter().all(|x| super::args::is_string(x) || x.is_null()) {
        Ok(vec![DataType::Utf8, DataType::Utf8])
    } else {
        plan_err!("{name} expects two strings")
    }
}

fn run(args: ScalarFunctionArgs, f: fn(&str, &str) -> bool) -> Result<ColumnarValue> {
    let (n, all_scalar) = rows(&args.args, args.number_rows);
    let a = StrArg::new(&args.args[0])?;
    let b = StrArg::new(&args.args[1])?;
    let out: Int32Array = (0..n).map(|i| Some(f(a.get(i)?, b.get(i)?) as i32)).collect();
    finish(Arc::new(out), all_scalar)
}

impl ScalarUDFImpl for HasWordUdf {
    fn name(&self) -> &str {
        "ivo_hasword"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        two_strings("ivo_hasword", t)
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        run(args, has_word)
    }
}

impl ScalarUDFImpl for NoCaseMatchUdf {
    fn name(&self) -> &str {
        "ivo_nocasematch"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        two_strings("ivo_nocasematch", t)
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        run(args, like_nocase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_like() {
        assert!(has_word("The Gaia DR3 catalog", "gaia"));
        assert!(has_word("The Gaia DR3 catalog", "GAIA dr3"));
        assert!(!has_word("Gaiadr3", "gaia"));
        assert!(!has_word("abc", ""));
        assert!(like_nocase("Gaia DR3", "gaia%"));
        assert!(like_nocase("Gaia DR3", "%dr_"));
        assert!(!like_nocase("Gaia DR3", "%dr"));
        assert!(like_nocase("100%", "100\\%"));
        assert!(!like_nocase("1000", "100\\%"));
        assert!(like_nocase("", "%"));
        assert!(like_nocase("abcabd", "%ab_"));
    }
}
