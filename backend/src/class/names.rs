//! Trainee names: what a name may be (letters of any one script, digits, spaces and a
//! few marks, bounded; nothing invisible or controlling), when two names are the same
//! name (case, accents and look-alike letters aside, so that a Cyrillic "а" cannot pass
//! for a Latin "a"), and the topic a name gets (ASCII, as Kafka wants topic names).

use shared::problem::{Limit, Problem};
use shared::protocol::MAX_NAME_LEN;
use unicode_normalization::UnicodeNormalization;
use unicode_security::MixedScript;

use super::Class;

/// Names one session may take: a trainee may correct a typo or two, not create topics
/// in a loop.
pub const NAMES_PER_SESSION: u32 = 3;

/// Marks a name may hold besides letters, digits and single spaces: "Jean-Luc",
/// "O'Brien", "M. Dupont", "zoe_b".
const MARKS: [char; 5] = ['-', '_', '\'', '’', '.'];

/// The name as the class keeps it: NFC (an accent typed as a combining mark is the
/// same name as the precomposed letter), trimmed, runs of spaces as one.
pub fn tidy(name: &str) -> String {
    let name: String = name.nfc().collect();
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why `name` (tidied) cannot be a trainee's name, if it cannot.
pub fn name_error(name: &str) -> Option<Problem> {
    let invalid = || Problem::NameInvalid { name: name.chars().take(MAX_NAME_LEN + 8).collect(), max: MAX_NAME_LEN };
    let length = name.chars().count();
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || MARKS.contains(&c);
    if !(1..=MAX_NAME_LEN).contains(&length)
        || name != tidy(name)
        || !name.chars().all(allowed)
        || !name.chars().any(char::is_alphanumeric)
    {
        return Some(invalid());
    }
    (!name.is_single_script()).then(|| Problem::NameMixedScripts { name: name.to_owned() })
}

/// What two names must not share: the lowercased name's confusable skeleton (UTS #39),
/// so "Alice", "alice" and "Аlice" with a Cyrillic "А" are one name.
pub fn sameness(name: &str) -> String {
    // Lowercased first (the skeleton maps "I" to "l", so "Ian" and "ian" would differ),
    // and after (a skeleton may hold capitals).
    unicode_security::skeleton(&name.to_lowercase()).collect::<String>().to_lowercase()
}

/// The part of a trainee's topic that comes from their name: transliterated to ASCII
/// ("Zoé" is `zoe`, "Jean Dupont" `jean-dupont`, "小明" `xiao-ming`), lowercase, with
/// `-` between words. Two names with one suffix are one name too.
pub fn topic_suffix(name: &str) -> String {
    let ascii = deunicode::deunicode(name).to_lowercase();
    let mut suffix = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            suffix.push(c);
        } else if !suffix.is_empty() && !suffix.ends_with('-') {
            suffix.push('-');
        }
    }
    let suffix = suffix.trim_end_matches('-');
    // A letter with no transliteration: its code point, so the topic is still the name's own.
    if suffix.is_empty() { name.chars().map(|c| format!("u{:x}", c as u32)).collect() } else { suffix.to_owned() }
}

/// A trainee's own topic on a server with a topic per trainee.
pub fn trainee_topic(name: &str) -> String {
    format!("{}.{}", shared::lab::TOPIC, topic_suffix(name))
}

/// Whether `a` and `b` are the same name to the class: one sameness or one topic.
pub fn same_name(a: &str, b: &str) -> bool {
    sameness(a) == sameness(b) || topic_suffix(a) == topic_suffix(b)
}

impl Class {
    /// Gives session `id` the trainee's `name`: refused when it cannot be a name, another
    /// session has it (one waiting for its page too: its topic is not handed to someone
    /// else), the session took [`NAMES_PER_SESSION`] names already, or with a topic per
    /// trainee the server gave out all its topics. Returns the trainee's own topic.
    pub fn name(&self, id: u64, name: &str) -> Result<Option<String>, Problem> {
        if let Some(problem) = name_error(name) {
            return Err(problem);
        }
        let mut entries = self.entries();
        // Case, accents and look-alike letters aside: the other trainee's name is said.
        let taken =
            entries.iter().find_map(|(other, e)| e.name.as_deref().filter(|n| *other != id && same_name(n, name)));
        if let Some(taken) = taken {
            return Err(Problem::NameTaken { name: taken.to_owned() });
        }
        let Some(entry) = entries.get_mut(&id) else { return Err(Problem::NameNeeded) };
        // The same name again is no new name: a page sends it on every connection.
        let new_name = entry.name.as_deref() != Some(name);
        if new_name && entry.names >= NAMES_PER_SESSION {
            let got = u64::from(entry.names) + 1;
            return Err(Problem::Limit { limit: Limit::NamesPerSession, max: NAMES_PER_SESSION.into(), got });
        }
        let topic = self.topic_per_trainee.then(|| trainee_topic(name));
        if let Some(topic) = &topic {
            self.give_topic(topic)?;
        }
        if new_name {
            entry.names += 1;
        }
        entry.name = Some(name.to_owned());
        entry.topic = topic.clone();
        Ok(topic)
    }

    /// Gives out `topic` (again, or as one more within the server's bound).
    fn give_topic(&self, topic: &str) -> Result<(), Problem> {
        let mut topics = self.trainee_topics.lock().unwrap_or_else(|e| e.into_inner());
        if topics.contains(topic) {
            return Ok(());
        }
        if topics.len() >= self.max_trainee_topics {
            let (max, got) = (self.max_trainee_topics as u64, topics.len() as u64 + 1);
            return Err(Problem::Limit { limit: Limit::TraineeTopics, max, got });
        }
        topics.insert(topic.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_with_spaces_and_accents_are_names() {
        for name in ["Zoé", "Jean Dupont", "Jean-Luc O'Brien", "Ана", "小明", "さくら", "Ελένη", "alice_2", "M. Dupont"]
        {
            assert_eq!(name_error(name), None, "{name}");
        }
        let longest: String = "é".repeat(MAX_NAME_LEN);
        assert_eq!(name_error(&longest), None, "the bound counts letters, not bytes");
    }

    #[test]
    fn empty_long_invisible_and_controlling_names_are_refused() {
        let too_long = "a".repeat(MAX_NAME_LEN + 1);
        for name in
            ["", " ", "--", &too_long, "a\u{0}b", "a\nb", "zo\u{200b}e", "ab\u{202e}cd", "a\u{ad}b", "x<y", "a  b"]
        {
            assert!(matches!(name_error(name), Some(Problem::NameInvalid { .. })), "{name:?}");
        }
    }

    #[test]
    fn a_name_mixing_scripts_is_refused() {
        // A Cyrillic "А" (U+0410) among Latin letters.
        assert!(matches!(name_error("\u{410}lice"), Some(Problem::NameMixedScripts { .. })));
        assert!(matches!(name_error("pаypal"), Some(Problem::NameMixedScripts { .. })));
    }

    #[test]
    fn tidy_makes_one_spelling_of_a_name() {
        assert_eq!(tidy("  Jean   Dupont "), "Jean Dupont");
        assert_eq!(tidy("Zoe\u{301}"), "Zoé", "a combining accent is the precomposed letter");
    }

    #[test]
    fn names_that_look_alike_or_share_a_topic_are_the_same_name() {
        assert!(same_name("alice", "Alice"));
        // All Cyrillic, looking like Latin "aoe": one script, but one skeleton.
        assert!(same_name("аое", "aoe"));
        assert!(same_name("Zoé", "zoe"), "one topic, orders.created.zoe");
        assert!(!same_name("Zoé", "Zoey"));
        assert!(!same_name("alice", "bob"));
    }

    #[test]
    fn any_name_is_refused_or_makes_a_valid_topic() {
        // Every character up to U+3100 once, in names of one to three letters.
        for c in (0..0x3100_u32).filter_map(char::from_u32) {
            for name in [c.to_string(), format!("a{c}"), format!("{c}{c}b")] {
                let name = tidy(&name);
                match name_error(&name) {
                    None => assert_eq!(shared::protocol::topic_error(&trainee_topic(&name)), None, "{name:?}"),
                    Some(problem) => assert!(!problem.to_string().is_empty()),
                }
            }
        }
    }

    #[test]
    fn a_topic_is_the_name_in_ascii() {
        assert_eq!(trainee_topic("alice"), "orders.created.alice");
        assert_eq!(trainee_topic("Zoé"), "orders.created.zoe");
        assert_eq!(trainee_topic("Jean Dupont"), "orders.created.jean-dupont");
        assert_eq!(trainee_topic("Jean-Luc O'Brien"), "orders.created.jean-luc-o-brien");
        let han = trainee_topic("小明");
        assert!(han.starts_with("orders.created.") && han.len() > "orders.created.".len(), "{han}");
        for name in ["Zoé", "小明", "Ελένη", "M. Dupont", "x_y"] {
            assert_eq!(shared::protocol::topic_error(&trainee_topic(name)), None, "{name}");
        }
    }
}
