//! "Did you mean ...?" suggestions by edit distance (Levenshtein, case-insensitive).

/// Levenshtein distance between two strings, compared case-insensitively.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to three candidates close to `name`, best first. "Close" scales with the length of the name
/// (a third of it, at least 2 edits), and a candidate whose last dotted part matches exactly is
/// always proposed (`gaia_source` → `gaiadr3.gaia_source`).
pub fn suggest<'a, I>(name: &str, candidates: I) -> Vec<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (name.chars().count() / 3).max(2);
    let lname = name.to_lowercase();
    let mut scored: Vec<(usize, String)> = candidates
        .into_iter()
        .filter_map(|c| {
            let last = c.rsplit('.').next().unwrap_or(c);
            let d = edit_distance(name, c).min(edit_distance(&lname, last));
            (d <= limit && c != name).then(|| (d, c.to_string()))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Renders suggestions as a message suffix: `; did you mean 'a' or 'b'?` (empty if none).
pub fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean '{one}'?"),
        many => {
            let quoted: Vec<String> = many.iter().map(|s| format!("'{s}'")).collect();
            format!("; did you mean one of {}?", quoted.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_exact() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("PARALLAX", "parallax"), 0);
        assert_eq!(edit_distance("paralax", "parallax"), 1);
    }

    #[test]
    fn suggests_close_names_only() {
        let cands = ["parallax", "parallax_error", "pmra", "pmdec", "ra", "dec"];
        assert_eq!(suggest("paralax", cands), vec!["parallax".to_string()]);
        assert!(suggest("zzzzzzzz", cands).is_empty());
        assert_eq!(suggest("Parallax", cands), vec!["parallax".to_string()]);
        assert_eq!(
            suggest("gaia_source", ["gaiadr3.gaia_source", "tap_schema.tables"]),
            vec!["gaiadr3.gaia_source".to_string()]
        );
    }
}
