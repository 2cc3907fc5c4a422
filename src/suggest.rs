//! Did-you-mean: the known word nearest to a misspelt one, for every message that refuses or flags
//! a name (scenario keys, finding codes, user accounts).

/// The candidate nearest to `word` by Damerau-Levenshtein distance (a swap of two neighbours counts
/// once), when it is at most `max_distance` edits away; the first of equally near ones.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max_distance: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= max_distance)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn a_swap_is_one_edit() {
        let accounts = ["admin", "zhangsan", "lisi"];
        assert_eq!(closest("zhangsna", accounts, 1), Some("zhangsan"));
        assert_eq!(closest("adimn", accounts, 1), Some("admin"));
    }

    #[test]
    fn nothing_beyond_the_distance() {
        assert_eq!(closest("nobody", ["admin", "zhangsan", "lisi"], 2), None);
        assert_eq!(closest("x", [], 3), None);
    }

    #[test]
    fn the_first_of_equally_near_ones() {
        assert_eq!(closest("ab", ["ac", "ad"], 1), Some("ac"));
        assert_eq!(closest("ad", ["ac", "ad"], 1), Some("ad"));
    }
}
