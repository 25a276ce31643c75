//! Searching the procedures in force, forgiving the way people write: with or without diacritics,
//! "i" or "y" in the syllables that take either ("kí"/"ký", "lí"/"lý", "qui"/"quy"), one typo per
//! word, everyday words ("sổ đỏ", "giấy khai sinh") through a table of synonyms the catalogue keeper
//! edits, and filler words ("xin", "làm", "thủ tục") that need not match. Folding and ranking happen
//! here, in Rust, so every backend returns the same results in the same order.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::org::{Unit, UnitLevel};
use crate::procedure::{OnlineLevel, Procedure};
use crate::text::fold_vi;

/// Search filters, all optional.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub field: Option<String>,
    pub level: Option<UnitLevel>,
    /// Only procedures this unit applies.
    pub unit: Option<Unit>,
    /// Only procedures offered online (partly or fully).
    pub online: bool,
}

/// Words people search with and the words the catalogue uses for them. An empty `means` marks
/// filler: the words may be left out of the search ("xin", "làm", "thủ tục").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Synonym {
    pub words: String,
    pub means: String,
}

/// The table shipped with the program, used until the catalogue keeper imports one
/// (`motcua catalogue synonyms import`).
const SHIPPED: &str = include_str!("search_synonyms.tsv");

/// A table as text, as `parse_synonyms` reads it back.
pub fn synonyms_text(list: &[Synonym]) -> String {
    list.iter()
        .map(|s| format!("{}\t{}\n", s.words, s.means))
        .collect()
}

/// The shipped table: one `words<TAB>means` per line; `#` starts a comment.
pub fn shipped_synonyms() -> Vec<Synonym> {
    parse_synonyms(SHIPPED).unwrap_or_default()
}

/// Reads a synonym table (`words<TAB>means` or `words,means` per line, `#` comments, blank
/// lines ignored); the 1-based line of the first bad one otherwise.
pub fn parse_synonyms(text: &str) -> Result<Vec<Synonym>, (usize, crate::msg::Msg)> {
    let mut out = vec![];
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (words, means) = line
            .split_once('\t')
            .or_else(|| line.split_once(','))
            .unwrap_or((line, ""));
        let (words, means) = (crate::text::clean(words), crate::text::clean(means));
        if words.is_empty() || keys(&fold_vi(&words)).is_empty() {
            return Err((
                n + 1,
                crate::msg::Msg::new(
                    "thiếu từ cần tìm trước dấu tab hoặc dấu phẩy",
                    "the words searched for are missing before the tab or comma",
                ),
            ));
        }
        if means.contains('\t') || words.chars().chain(means.chars()).any(char::is_control) {
            return Err((
                n + 1,
                crate::msg::Msg::new(
                    "mỗi dòng chỉ có hai cột: từ cần tìm và nghĩa",
                    "each line has two columns only: the words and their meaning",
                ),
            ));
        }
        if words.chars().count() > 100 || means.chars().count() > 200 {
            return Err((
                n + 1,
                crate::msg::Msg::new(
                    "từ tìm tối đa 100 ký tự, nghĩa tối đa 200 ký tự",
                    "words at most 100 characters, their meaning at most 200",
                ),
            ));
        }
        out.push(Synonym { words, means });
    }
    Ok(out)
}

/// The search key of a folded word: a syllable whose only vowel is "y" after its initial
/// consonants is written with "i" as often as with "y" ("ky"/"ki", "ly"/"li", "my"/"mi", and
/// "quy"/"qui", where the "u" belongs to "qu"), so both are keyed with "i". "tuy", "thuy", "tay"
/// and "yen" keep their "y": there it is part of a longer vowel.
fn key(word: &str) -> String {
    let Some(stem) = word.strip_suffix('y') else {
        return word.to_owned();
    };
    let onset = stem.strip_prefix("qu").unwrap_or(stem);
    if !stem.is_empty()
        && onset
            .chars()
            .all(|c| c.is_alphabetic() && !"aeiouy".contains(c))
    {
        format!("{stem}i")
    } else {
        word.to_owned()
    }
}

/// The keyed words of folded text.
fn keys(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(key)
        .collect()
}

/// One edit apart (a letter changed, added, dropped, or two neighbours swapped)?
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => {
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match diff.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        1 => {
            let first = (0..short.len())
                .find(|&i| short[i] != long[i])
                .unwrap_or(short.len());
            short[first..] == long[first + 1..]
        }
        _ => false,
    }
}

/// Shortest word that may carry a typo: shorter words are too alike ("an", "ai", "ao").
const TYPO_MIN_CHARS: usize = 4;

struct Entry {
    name_words: Vec<String>,
    /// The name's keyed words joined by spaces, for whole-phrase bonuses.
    name: String,
    field_words: Vec<String>,
    field: String,
    code: String,
}

/// A synonym ready to apply: keyed words and their replacement.
struct Rule {
    words: Vec<String>,
    means: Vec<String>,
}

/// How one query word may match: exactly, as the typed beginning of the last word, or with one typo.
struct Token {
    word: String,
    last: bool,
    /// Words of the catalogue one edit away.
    near: HashSet<String>,
    /// A filler word (from the synonyms table): it may match nothing.
    optional: bool,
}

/// An in-memory index over the procedures in force.
pub struct SearchIndex {
    procedures: Vec<Procedure>,
    entries: Vec<Entry>,
    rules: Vec<Rule>,
    /// Every keyed word of every name and field.
    vocabulary: HashSet<String>,
}

impl SearchIndex {
    /// An index with the shipped synonyms.
    pub fn new(procedures: Vec<Procedure>) -> SearchIndex {
        SearchIndex::with_synonyms(procedures, &shipped_synonyms())
    }

    pub fn with_synonyms(procedures: Vec<Procedure>, synonyms: &[Synonym]) -> SearchIndex {
        let entries: Vec<Entry> = procedures
            .iter()
            .map(|p| {
                let name_words = keys(&fold_vi(&p.spec.name));
                let field_words = keys(&fold_vi(&p.spec.field));
                Entry {
                    name: name_words.join(" "),
                    field: field_words.join(" "),
                    name_words,
                    field_words,
                    code: fold_vi(&p.spec.code),
                }
            })
            .collect();
        let vocabulary = entries
            .iter()
            .flat_map(|e| e.name_words.iter().chain(&e.field_words).cloned())
            .collect();
        let rules = synonyms
            .iter()
            .map(|s| Rule {
                words: keys(&fold_vi(&s.words)),
                means: keys(&fold_vi(&s.means)),
            })
            .filter(|r| !r.words.is_empty())
            .collect();
        SearchIndex {
            procedures,
            entries,
            rules,
            vocabulary,
        }
    }

    pub fn len(&self) -> usize {
        self.procedures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty()
    }

    /// The query's words (codes keep their dots), at most 12.
    fn words(query: &str) -> Vec<String> {
        fold_vi(query)
            .split(|c: char| !(c.is_alphanumeric() || c == '.'))
            .map(|w| w.trim_matches('.'))
            .filter(|w| !w.is_empty())
            .take(12)
            .map(key)
            .collect()
    }

    /// The query as typed, and once more with every synonym that occurs in it replaced (filler
    /// left out), when that changes anything. The second reading ranks one point lower.
    fn readings(&self, words: &[String]) -> Vec<(Vec<String>, u32)> {
        let mut out = vec![(words.to_vec(), 0)];
        let mut replaced: Vec<String> = vec![];
        let mut changed = false;
        let mut i = 0;
        'outer: while i < words.len() {
            // The longest rule matching here wins.
            let mut best: Option<&Rule> = None;
            for r in &self.rules {
                if words[i..].starts_with(&r.words)
                    && best.is_none_or(|b| r.words.len() > b.words.len())
                {
                    best = Some(r);
                }
            }
            if let Some(r) = best {
                replaced.extend(r.means.iter().cloned());
                i += r.words.len();
                changed = true;
                continue 'outer;
            }
            replaced.push(words[i].clone());
            i += 1;
        }
        if changed && !replaced.is_empty() {
            out.push((replaced, 1));
        }
        out
    }

    fn tokens(&self, words: &[String]) -> Vec<Token> {
        let filler: HashSet<&str> = self
            .rules
            .iter()
            .filter(|r| r.means.is_empty() && r.words.len() == 1)
            .map(|r| r.words[0].as_str())
            .collect();
        let all_filler = words.iter().all(|w| filler.contains(w.as_str()));
        words
            .iter()
            .enumerate()
            .map(|(i, w)| Token {
                near: if w.chars().count() >= TYPO_MIN_CHARS && !w.contains('.') {
                    self.vocabulary
                        .iter()
                        .filter(|v| one_edit(w, v))
                        .cloned()
                        .collect()
                } else {
                    HashSet::new()
                },
                optional: !all_filler && filler.contains(w.as_str()),
                last: i + 1 == words.len(),
                word: w.clone(),
            })
            .collect()
    }

    /// Points for an entry matching the tokens; None when a required word matches nothing (or,
    /// with `relaxed`, when fewer than half of them match).
    fn score(e: &Entry, tokens: &[Token], phrase: &str, relaxed: bool) -> Option<u32> {
        let mut score = 0;
        let mut matched = 0;
        let mut required = 0;
        for t in tokens {
            let w = t.word.as_str();
            let hit = if e.code == w || e.code.starts_with(w) && w.contains('.') {
                6
            } else if e.name_words.iter().any(|n| n == w) {
                3
            } else if t.last && e.name_words.iter().any(|n| n.starts_with(w)) {
                2
            } else if e
                .field_words
                .iter()
                .any(|f| f == w || (t.last && f.starts_with(w)))
                || e.name_words.iter().any(|n| t.near.contains(n))
            {
                // In the field's name, or one typo away from a word of the procedure's name.
                1
            } else {
                0
            };
            if !t.optional {
                required += 1;
            }
            if hit > 0 {
                matched += 1;
                score += hit;
            } else if !t.optional && !relaxed {
                return None;
            }
        }
        if relaxed && (matched == 0 || matched * 2 < required.max(1)) {
            return None;
        }
        if !phrase.is_empty() {
            if phrase.contains(' ') && e.name.contains(phrase) {
                score += 5;
            }
            if e.name.starts_with(phrase) {
                score += 3;
            }
        }
        Some(score)
    }

    fn passes(&self, i: usize, e: &Entry, filter: &SearchFilter, field: Option<&str>) -> bool {
        let p = &self.procedures[i];
        field.is_none_or(|f| e.field == f)
            && filter.level.is_none_or(|l| p.spec.level == l)
            && filter
                .unit
                .as_ref()
                .is_none_or(|u| p.spec.applies_to.applies(u))
            && (!filter.online || p.spec.channels.online != OnlineLevel::None)
    }

    fn ranked(&self, query: &str, filter: &SearchFilter, relaxed: bool) -> Vec<&Procedure> {
        let words = Self::words(query);
        // Each reading's tokens and the phrase of its required words, made once per query.
        let readings: Vec<(Vec<Token>, String, u32)> = self
            .readings(&words)
            .into_iter()
            .map(|(w, penalty)| {
                let tokens = self.tokens(&w);
                let phrase = tokens
                    .iter()
                    .filter(|t| !t.optional)
                    .map(|t| t.word.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                (tokens, phrase, penalty)
            })
            .collect();
        let field = filter.field.as_deref().map(|f| keys(&fold_vi(f)).join(" "));
        let mut hits: Vec<(u32, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(i, e)| self.passes(*i, e, filter, field.as_deref()))
            .filter_map(|(i, e)| {
                if words.is_empty() {
                    return Some((0, i));
                }
                readings
                    .iter()
                    .filter_map(|(tokens, phrase, penalty)| {
                        Self::score(e, tokens, phrase, relaxed).map(|s| s.saturating_sub(*penalty))
                    })
                    .max()
                    .map(|s| (s, i))
            })
            .collect();
        hits.sort_by(|a, b| {
            let (ea, eb) = (&self.entries[a.1], &self.entries[b.1]);
            b.0.cmp(&a.0)
                .then_with(|| {
                    if words.is_empty() {
                        ea.field.cmp(&eb.field)
                    } else {
                        std::cmp::Ordering::Equal
                    }
                })
                .then_with(|| ea.name.len().cmp(&eb.name.len()))
                .then_with(|| ea.code.cmp(&eb.code))
        });
        hits.into_iter().map(|(_, i)| &self.procedures[i]).collect()
    }

    /// Ranked search: every word of the query must match (the last one as a prefix; a word of four
    /// letters or more with one typo; filler words need not); the best first. An empty query lists
    /// everything that passes the filters, by field then name.
    pub fn search(&self, query: &str, filter: &SearchFilter) -> Vec<&Procedure> {
        self.ranked(query, filter, false)
    }

    /// When a search finds nothing: the procedures whose names share at least half of the query's
    /// words, the closest first (at most `limit`).
    pub fn suggest(&self, query: &str, filter: &SearchFilter, limit: usize) -> Vec<&Procedure> {
        if Self::words(query).is_empty() {
            return vec![];
        }
        let mut out = self.ranked(query, filter, true);
        out.truncate(limit);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i_and_y_share_a_key_only_where_vietnamese_writes_either() {
        for (a, b) in [
            ("ky", "ki"),
            ("ly", "li"),
            ("my", "mi"),
            ("quy", "qui"),
            ("thy", "thi"),
        ] {
            assert_eq!(key(a), key(b), "{a} {b}");
        }
        for (a, b) in [
            ("tay", "tai"),
            ("tuy", "tui"),
            ("thuy", "thui"),
            ("may", "mai"),
        ] {
            assert_ne!(key(a), key(b), "{a} {b}");
        }
        assert_eq!(key("yen"), "yen");
        assert_eq!(key("y"), "y");
    }

    #[test]
    fn one_edit_is_one_change_addition_removal_or_swap() {
        assert!(one_edit("khai", "khia"));
        assert!(one_edit("sinh", "sin"));
        assert!(one_edit("sinh", "sinhh"));
        assert!(one_edit("sinh", "sanh"));
        assert!(!one_edit("sinh", "sinh"));
        assert!(!one_edit("sinh", "snih2"));
        assert!(!one_edit("khai", "kiha"));
        assert!(!one_edit("dang", "dan ky"));
    }

    #[test]
    fn the_shipped_table_reads_and_a_bad_line_is_named() {
        assert!(shipped_synonyms().len() >= 10);
        let err = parse_synonyms("so do\tgiay chung nhan\n,chung thuc\n").unwrap_err();
        assert_eq!(err.0, 2);
    }
}
