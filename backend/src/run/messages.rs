//! A run's messages: its key, value and header templates, parsed once and rendered by
//! sequence number, and the clock that stamps each message's CreateTime.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::{Rng, SeedableRng};
use shared::problem::Problem;
use shared::protocol::ProduceRequest;
use shared::template::{Template, TemplateEnv};

/// Values for `{now}`, `{uuid}` and `{rand:..}` from the system clock and a real RNG.
pub struct ServerEnv<R: Rng>(pub R);

impl<R: Rng> TemplateEnv for ServerEnv<R> {
    fn now_ms(&mut self) -> i64 {
        unix_now_ms()
    }
    fn random_bytes(&mut self) -> [u8; 16] {
        self.0.random()
    }
    fn random_in(&mut self, min: i64, max: i64) -> i64 {
        self.0.random_range(min..=max)
    }
}

/// The system clock, in Unix milliseconds.
pub fn unix_now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// One message as rendered; its value stays in [`Messages`]'s buffer and its header
/// names in [`Messages::header_names`].
pub struct Rendered {
    /// The key, if the run has a key template.
    pub key: Option<String>,
    /// The headers' values, in the order of their names.
    pub header_values: Vec<String>,
}

/// The templates of a run, parsed once, and what renders them.
pub struct Messages {
    key: Option<Template>,
    value: Template,
    header_names: Vec<String>,
    header_values: Vec<Template>,
    // StdRng, not ThreadRng: ThreadRng is !Send and a run moves between threads.
    env: ServerEnv<rand::rngs::StdRng>,
    /// One buffer for every value of the run: librdkafka copies it.
    value_buffer: String,
}

impl Messages {
    /// The templates of `request`, or the first that does not parse.
    pub fn parse(request: &ProduceRequest) -> Result<Self, Problem> {
        let parse = |name: &str, t: &str| {
            Template::parse(t).map_err(|problem| Problem::Template { field: name.to_owned(), problem })
        };
        Ok(Self {
            key: request.key_template.as_deref().map(|t| parse("key_template", t)).transpose()?,
            value: parse("value_template", &request.value_template)?,
            header_names: request.headers.iter().map(|h| h.name.clone()).collect(),
            header_values: request.headers.iter().map(|h| parse(&h.name, &h.value)).collect::<Result<_, _>>()?,
            env: ServerEnv(rand::rngs::StdRng::from_os_rng()),
            value_buffer: String::new(),
        })
    }

    /// Renders message `seq`: its value into [`Messages::value`], its key and headers.
    pub fn render(&mut self, seq: u64) -> Rendered {
        let key = self.key.as_ref().map(|t| t.render(seq, &mut self.env));
        self.value.render_into(seq, &mut self.env, &mut self.value_buffer);
        let header_values = self.header_values.iter().map(|t| t.render(seq, &mut self.env)).collect();
        Rendered { key, header_values }
    }

    /// The headers' names, in the order of [`Rendered::header_values`].
    pub fn header_names(&self) -> &[String] {
        &self.header_names
    }

    /// The value of the message rendered last.
    pub fn value(&self) -> &str {
        &self.value_buffer
    }

    /// The bytes of message `seq` as rendered: key, value, header names and values.
    pub fn bytes(&mut self, seq: u64) -> usize {
        let rendered = self.render(seq);
        let names: usize = self.header_names.iter().map(String::len).sum();
        let values: usize = rendered.header_values.iter().map(String::len).sum();
        rendered.key.map_or(0, |k| k.len()) + self.value_buffer.len() + names + values
    }
}

/// The bytes of `request`'s largest message as rendered: its first and its last (an
/// index grows with the sequence number); `None` when a template does not parse
/// (validation says why).
pub fn largest_message_bytes(request: &ProduceRequest) -> Option<usize> {
    let mut messages = Messages::parse(request).ok()?;
    let last = u64::from(request.count.max(1));
    Some(messages.bytes(1).max(messages.bytes(last)))
}

/// Most characters of a message's value in a log line.
pub const PREVIEW_CHARS: usize = 120;

/// A message's value as a log line shows it: at most [`PREVIEW_CHARS`] characters, and
/// its size when it is longer (a 1 MB value is not a log line).
pub fn preview(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(PREVIEW_CHARS) {
        None => value.into(),
        Some((end, _)) => format!("{}… ({} bytes)", &value[..end], value.len()).into(),
    }
}

/// Each message's CreateTime: the Unix time of the run's start plus the monotonic time
/// since, so that a run's timestamps never go back. Reading the clock is a cost at a
/// million messages a second, so a pipelined run reads it once every
/// [`Clock::READ_EVERY`] messages (well under a millisecond, CreateTime's unit) and after
/// any wait; a sync or paced run reads it for every message.
pub struct Clock {
    unix_ms_at_start: i64,
    start: Instant,
    last: Instant,
}

impl Clock {
    /// How many messages of a pipelined run share one reading.
    pub const READ_EVERY: u64 = 64;

    /// A clock whose start is `start`, at `unix_ms` Unix milliseconds.
    pub fn new(unix_ms: i64, start: Instant) -> Self {
        Self { unix_ms_at_start: unix_ms, start, last: start }
    }

    /// Whether message `seq` reads the clock: every message when `each`, else one in
    /// [`Clock::READ_EVERY`], and the first after a wait.
    pub fn reads(seq: u64, each: bool, waited: bool) -> bool {
        each || waited || seq % Self::READ_EVERY == 1
    }

    /// The send time and CreateTime of a message: `now` when the clock was read for it,
    /// else the last reading.
    pub fn stamp(&mut self, now: Option<Instant>) -> (Instant, i64) {
        if let Some(now) = now {
            self.last = now;
        }
        let since_start = self.last.saturating_duration_since(self.start);
        (self.last, self.unix_ms_at_start + since_start.as_millis() as i64)
    }
}

/// When message `seq` of a run paced at `rate` messages a second is due.
pub fn due(start: Instant, seq: u64, rate: u32) -> Instant {
    start + Duration::from_secs_f64(seq.saturating_sub(1) as f64 / f64::from(rate.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::protocol::HeaderTemplate;

    #[test]
    fn messages_are_rendered_by_sequence_number() {
        let request = ProduceRequest {
            key_template: Some("ORD-{i:04}".into()),
            value_template: r#"{"n": {i}}"#.into(),
            headers: vec![HeaderTemplate { name: "seq".into(), value: "{i}".into() }],
            ..ProduceRequest::lab()
        };
        let mut messages = Messages::parse(&request).unwrap();
        let third = messages.render(3);
        assert_eq!(third.key.as_deref(), Some("ORD-0003"));
        assert_eq!(messages.value(), r#"{"n": 3}"#);
        assert_eq!(
            (messages.header_names(), third.header_values.as_slice()),
            (&["seq".to_owned()][..], &["3".to_owned()][..])
        );
        assert_eq!(messages.bytes(12), "ORD-0012".len() + r#"{"n": 12}"#.len() + "seq".len() + 2);
    }

    #[test]
    fn a_template_that_does_not_parse_is_named() {
        let request = ProduceRequest { value_template: "{nope}".into(), ..ProduceRequest::lab() };
        let Err(Problem::Template { field, .. }) = Messages::parse(&request) else { panic!("parsed") };
        assert_eq!(field, "value_template");
        assert_eq!(largest_message_bytes(&request), None);
    }

    #[test]
    fn the_largest_message_is_the_last_when_its_index_grows() {
        let request = ProduceRequest {
            count: 100_000,
            key_template: Some(shared::lab::KEY_TEMPLATE.into()),
            value_template: "{i}".into(),
            headers: Vec::new(),
            ..ProduceRequest::lab()
        };
        let key = "ORD-".len() + 6; // ORD-{i:04} at 100000
        assert_eq!(largest_message_bytes(&request), Some(key + 6));
    }

    #[test]
    fn a_log_line_shows_a_bounded_preview() {
        assert_eq!(preview("short"), "short");
        let long = "é".repeat(10_000);
        let shown = preview(&long);
        assert!(shown.starts_with(&"é".repeat(PREVIEW_CHARS)) && shown.ends_with("… (20000 bytes)"), "{shown}");
        assert!(shown.chars().count() < PREVIEW_CHARS + 20);
    }

    #[test]
    fn create_time_follows_the_monotonic_clock_read_when_due() {
        let start = Instant::now();
        let mut clock = Clock::new(1_000_000, start);
        assert_eq!(clock.stamp(Some(start + Duration::from_millis(7))).1, 1_000_007);
        // Not read: the last reading stands.
        assert_eq!(clock.stamp(None), (start + Duration::from_millis(7), 1_000_007));
        assert!(Clock::reads(1, false, false) && Clock::reads(65, false, false));
        assert!(!Clock::reads(2, false, false) && !Clock::reads(64, false, false));
        assert!(Clock::reads(2, true, false) && Clock::reads(2, false, true));
    }

    #[test]
    fn a_paced_run_spreads_its_messages_evenly() {
        let start = Instant::now();
        assert_eq!(due(start, 1, 20), start);
        assert_eq!(due(start, 21, 20), start + Duration::from_secs(1));
    }
}
