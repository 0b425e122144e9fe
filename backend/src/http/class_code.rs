//! The class's code: on a server that anyone on the network reaches, only trainees who
//! were given the link (or the code) get a session. Random per start, or chosen with
//! `--class-code`; short enough to read aloud, and compared case-insensitively, in
//! constant time.

use rand::Rng;

/// The letters of a random code: no `0`/`o`, `1`/`l`/`i`, which are misread aloud.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A random code's length: 31^8, about 8.5e11 codes, against 60 guesses a minute from
/// an address (`guesses::WRONG_CODES`).
const RANDOM_LEN: usize = 8;

/// The shortest code chosen with `--class-code`.
pub const MIN_LEN: usize = 6;

/// The longest code.
const MAX_LEN: usize = 64;

/// A class's code, lowercase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassCode(String);

impl ClassCode {
    /// A random code.
    pub fn random() -> Self {
        let mut rng = rand::rng();
        Self((0..RANDOM_LEN).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect())
    }

    /// The instructor's own code: 6 to 64 letters, digits, `-` or `_` (it goes in a
    /// link), or why not.
    pub fn chosen(code: &str) -> Result<Self, String> {
        let fits = (MIN_LEN..=MAX_LEN).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if fits {
            Ok(Self(code.to_ascii_lowercase()))
        } else {
            Err(format!("a class code has {MIN_LEN} to {MAX_LEN} letters, digits, '-' or '_'"))
        }
    }

    /// The code, as trainees type it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is this code, whatever its case.
    pub fn is(&self, given: &str) -> bool {
        super::security::same_secret(given.to_ascii_lowercase().as_bytes(), self.0.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_code_is_eight_unambiguous_letters_and_differs_each_start() {
        let (a, b) = (ClassCode::random(), ClassCode::random());
        assert_eq!(a.as_str().len(), RANDOM_LEN);
        assert!(a.as_str().bytes().all(|c| ALPHABET.contains(&c)), "{}", a.as_str());
        assert_ne!(a, b);
    }

    #[test]
    fn a_code_matches_whatever_its_case_and_nothing_else() {
        let code = ClassCode::chosen("Kafka-Lab_2026").unwrap();
        assert!(code.is("kafka-lab_2026") && code.is("KAFKA-LAB_2026"));
        assert!(!code.is("kafka-lab_202") && !code.is("kafka-lab_20266") && !code.is(""));
    }

    #[test]
    fn a_chosen_code_is_refused_when_short_or_unfit_for_a_link() {
        assert!(ClassCode::chosen("abc12").is_err(), "5 letters");
        assert!(ClassCode::chosen("abc 123").is_err(), "a space");
        assert!(ClassCode::chosen("abc&x=1").is_err(), "breaks the link");
        assert!(ClassCode::chosen(&"a".repeat(65)).is_err());
        assert!(ClassCode::chosen("abc123").is_ok());
    }
}
