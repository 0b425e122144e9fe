//! Key, value and header templates: literal text with placeholders.
//!
//! A `{` followed by a letter opens a placeholder, so JSON such as `{"orderId":"ORD-{i:04}"}`
//! needs no escaping; `{{` and `}}` stand for literal braces where that rule would bite.
//! Placeholders:
//! - `{i}`: the message number, from 1; `{i:04}` pads it with zeros to 4 digits.
//! - `{now}`: the time of sending, ISO 8601 UTC with milliseconds.
//! - `{uuid}`: a fresh random UUID.
//! - `{rand:MIN-MAX}`: a random integer from MIN to MAX inclusive.
//! - `{i*STEP+BASE}`: the message number times STEP plus BASE (`{i*10+100}`: 110, 120,
//!   ...; the lab's order amounts); `{i*STEP}` and `{i+BASE}` too.
//!
//! An unknown placeholder is an error, never silent text.

use std::fmt::Write as _;

/// One parsed piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// `{i}` (width 0) or `{i:0N}`.
    Index {
        /// Zero-padded width; 0 for none.
        width: usize,
    },
    /// `{now}`.
    Now,
    /// `{uuid}`.
    Uuid,
    /// `{rand:MIN-MAX}`.
    Rand {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// `{i*STEP+BASE}`.
    Scaled {
        /// What the number is multiplied by.
        step: i64,
        /// What is added then.
        base: i64,
    },
}

/// `i*STEP+BASE`, `i*STEP`, `i+BASE` or `i-BASE`, if `body` is one.
fn scaled(body: &str) -> Option<Part> {
    let rest = body.strip_prefix('i')?;
    let (step, rest) = match rest.strip_prefix('*') {
        Some(rest) => {
            let end = rest.find(['+', '-']).unwrap_or(rest.len());
            (rest[..end].parse().ok()?, &rest[end..])
        }
        None => (1, rest),
    };
    let base = match rest {
        "" => 0,
        signed if signed.starts_with('+') => signed[1..].parse().ok()?,
        signed => signed.parse().ok()?,
    };
    (rest.is_empty() || !rest[1..].is_empty()).then_some(Part::Scaled { step, base })
}

/// A parsed template, ready to render many times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

pub use crate::problem::{PLACEHOLDERS, TemplateProblem};

/// Where the random and time-dependent placeholders get their values: the server uses
/// the system clock and a real RNG, the page's preview uses the browser's.
pub trait TemplateEnv {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&mut self) -> i64;
    /// 16 random bytes, made into a version 4 UUID by [`Template::render`].
    fn random_bytes(&mut self) -> [u8; 16];
    /// A random integer in `min..=max`.
    fn random_in(&mut self, min: i64, max: i64) -> i64;
}

fn parse_placeholder(body: &str) -> Result<Part, TemplateProblem> {
    let placeholder = || body.to_owned();
    let (name, arg) = match body.split_once(':') {
        Some((name, arg)) => (name, Some(arg)),
        None => (body, None),
    };
    if let Some(part) = (name != "i").then(|| scaled(body)).flatten() {
        return Ok(part);
    }
    match (name, arg) {
        ("i", None) => Ok(Part::Index { width: 0 }),
        ("i", Some(arg)) => {
            let width: usize = arg
                .parse()
                .ok()
                .filter(|w| (1..=20).contains(w) && arg.starts_with('0'))
                .ok_or_else(|| TemplateProblem::Width { placeholder: placeholder() })?;
            Ok(Part::Index { width })
        }
        ("now", None) => Ok(Part::Now),
        ("uuid", None) => Ok(Part::Uuid),
        ("rand", Some(arg)) => {
            let bad = || TemplateProblem::Rand { placeholder: placeholder() };
            // MIN may be negative, so split at the first '-' after the first character.
            let cut = arg.get(1..).and_then(|rest| rest.find('-')).ok_or_else(bad)? + 1;
            let min: i64 = arg[..cut].parse().map_err(|_| bad())?;
            let max: i64 = arg[cut + 1..].parse().map_err(|_| bad())?;
            if min > max {
                return Err(TemplateProblem::RandOrder { placeholder: placeholder() });
            }
            Ok(Part::Rand { min, max })
        }
        _ => Err(TemplateProblem::Unknown { placeholder: placeholder() }),
    }
}

impl Template {
    /// Parses a template, refusing unknown or malformed placeholders.
    pub fn parse(source: &str) -> Result<Self, TemplateProblem> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("{{") || rest.starts_with("}}") {
                text.push(c);
                rest = &rest[2..];
            } else if c == '{' && rest[1..].starts_with(|n: char| n.is_ascii_alphabetic()) {
                let end = rest
                    .find('}')
                    .ok_or_else(|| TemplateProblem::Unclosed { start: rest.chars().take(12).collect() })?;
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(parse_placeholder(&rest[1..end])?);
                rest = &rest[end + 1..];
            } else {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Self { parts })
    }

    /// Renders message number `i` (from 1).
    pub fn render(&self, i: u64, env: &mut impl TemplateEnv) -> String {
        let mut out = String::new();
        self.render_into(i, env, &mut out);
        out
    }

    /// Renders message `i` into `out`, cleared first: a run reuses one buffer for all its
    /// messages (librdkafka copies what it is given).
    pub fn render_into(&self, i: u64, env: &mut impl TemplateEnv, out: &mut String) {
        out.clear();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Index { width } => push_decimal(out, i, *width),
                Part::Now => out.push_str(&iso8601(env.now_ms())),
                Part::Uuid => out.push_str(&uuid_v4(env.random_bytes())),
                Part::Rand { min, max } => {
                    let _ = write!(out, "{}", env.random_in(*min, *max));
                }
                Part::Scaled { step, base } => {
                    let _ = write!(out, "{}", (i as i64).saturating_mul(*step).saturating_add(*base));
                }
            }
        }
    }

    /// The template's pieces, for turning it into code in another language.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }
}

/// Writes `n` in decimal, zero-padded to `width` digits, as `{n:0width$}` would: a
/// pipelined run renders a million of these a second, and `fmt`'s machinery was a few
/// percent of its send loop.
fn push_decimal(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in (digits.len() - at)..width {
        out.push('0');
    }
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// A template that renders exactly `text`: every brace doubled.
pub fn literal(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// Formats bytes as a version 4, variant 1 UUID (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
pub fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (n, byte) in b.iter().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{byte:02x}");
    }
    s
}

/// Formats Unix milliseconds as ISO 8601 UTC, `2026-11-29T04:41:05.123Z`.
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", sod / 3600, sod % 3600 / 60, sod % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed environment, so renders are exact.
    struct Fixed;
    impl TemplateEnv for Fixed {
        fn now_ms(&mut self) -> i64 {
            1_795_322_465_123
        }
        fn random_bytes(&mut self) -> [u8; 16] {
            [0xab; 16]
        }
        fn random_in(&mut self, min: i64, _max: i64) -> i64 {
            min
        }
    }

    fn render(t: &str, i: u64) -> String {
        Template::parse(t).unwrap().render(i, &mut Fixed)
    }

    #[test]
    fn lab_order_renders_as_json() {
        let v = render(crate::lab::VALUE_TEMPLATE, 7);
        assert_eq!(v, r#"{"orderId": "ORD-0007", "timestamp": "2026-11-22T04:41:05.123Z", "amount": 170}"#);
    }

    #[test]
    fn an_index_is_written_as_fmt_writes_it() {
        for n in [0, 1, 9, 10, 99, 12_345, 99_999_999, 100_000_000, u64::MAX] {
            for width in [0, 1, 4, 8, 25] {
                let mut out = String::from("x");
                push_decimal(&mut out, n, width);
                assert_eq!(out, format!("x{n:0width$}"), "{n} at width {width}");
            }
        }
    }

    #[test]
    fn index_width_and_plain() {
        assert_eq!(render("{i}-{i:04}-{i:06}", 42), "42-0042-000042");
    }

    #[test]
    fn braces_escape_and_json_braces_stay() {
        assert_eq!(render("{{i}} { \"a\": {i} }", 3), "{i} { \"a\": 3 }");
    }

    #[test]
    fn uuid_is_v4_shaped() {
        let u = render("{uuid}", 1);
        assert_eq!(u, "abababab-abab-4bab-abab-abababababab");
    }

    #[test]
    fn the_number_scaled_gives_the_labs_amounts() {
        assert_eq!(render(r#""amount": {i*10+100}"#, 1), r#""amount": 110"#);
        assert_eq!(render("{i*10+100}", 2), "120");
        assert_eq!(render("{i*3}|{i+5}|{i-1}|{i*2-1}", 4), "12|9|3|7");
        for bad in ["{i*}", "{i*x+1}", "{i+}", "{i*2+}", "{ix}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rand_accepts_negative_min() {
        let t = Template::parse("{rand:-5-5}").unwrap();
        assert_eq!(t.render(1, &mut Fixed), "-5");
    }

    #[test]
    fn unknown_and_malformed_placeholders_are_errors() {
        for (t, needle) in [
            ("ORD-{id}", "unknown placeholder {id}"),
            ("{i:4}", "width"),
            ("{rand:9-1}", "MIN must not"),
            ("{rand:x}", "rand:MIN-MAX"),
            ("{now", "not closed"),
            ("{uuid:1}", "unknown placeholder"),
        ] {
            let e = Template::parse(t).unwrap_err();
            assert!(e.to_string().contains(needle), "{t}: {e}");
        }
    }

    #[test]
    fn a_literal_renders_as_itself() {
        let text = r#"{"orderId":"ORD-{i:04}","x":{}}"#;
        assert_eq!(render(&literal(text), 9), text);
    }

    #[test]
    fn iso8601_known_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
    }
}
