//! The task that writes a connection's events to its socket, in frames: one event as it
//! is, small events together in one `batch` (how the server keeps up under load), records
//! read back in a frame of their own.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use shared::protocol::{Event, Records};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::warn;

/// Most events in one frame.
const BATCH_MAX: usize = 512;

/// How long one frame may wait for the page to read before the page counts as gone.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a closing session's writer may take to send what is left and its close frame.
const FINISH_WAIT: Duration = Duration::from_secs(2);

/// How long a connection taken over by the page's new one gets for its close frame: it is
/// most likely dead already.
const HAND_OVER_WAIT: Duration = Duration::from_millis(500);

/// What waits for a connection's writer: the session's events, and read-backs' answers
/// (one at a time, so that a page that does not read holds one, not hundreds).
pub(super) struct Queues {
    /// Events, bounded in number.
    pub events: mpsc::Receiver<Event>,
    /// Records read back, one waiting at most.
    pub answers: mpsc::Receiver<Records>,
}

impl Queues {
    /// Drops what waits: older than what a page that came back gets now.
    pub(super) fn clear(&mut self) {
        while self.events.try_recv().is_ok() {}
        while self.answers.try_recv().is_ok() {}
    }
}

/// What the session tells its writer.
enum Control {
    /// Stop writing now and give the queue back: the page went away.
    Detach,
    /// Write what is left, then close the socket with this frame.
    Close(CloseFrame),
    /// Close the socket at once with this frame, leaving what is left for the page's
    /// new connection.
    HandOver(CloseFrame),
}

/// The writer of one connection.
pub(super) struct Writer {
    task: JoinHandle<Queues>,
    control: Option<oneshot::Sender<Control>>,
}

impl Writer {
    /// Writes `queue` to `sink` until it is detached, the page stops reading, or every
    /// sender is gone (then it closes the socket with the reason it was given).
    /// It pings the page every `ping_every`: a browser answers by itself, and a page
    /// that does not is away (see the session).
    pub(super) fn start(sink: SplitSink<WebSocket, Message>, queue: Queues, ping_every: Duration) -> Self {
        let (control, controlled) = oneshot::channel();
        Self { task: tokio::spawn(write(sink, queue, controlled, ping_every)), control: Some(control) }
    }

    /// Resolves when the writer stopped by itself (the page stopped reading or its
    /// socket broke), with the queue for the page's next connection.
    pub(super) async fn stopped(&mut self) -> Queues {
        (&mut self.task).await.expect("the writer does not panic")
    }

    /// Stops writing and gives the queue back, for the page's next connection.
    pub(super) async fn detach(mut self) -> Queues {
        if let Some(control) = self.control.take() {
            let _ = control.send(Control::Detach);
        }
        self.task.await.expect("the writer does not panic")
    }

    /// Closes this connection with `close` (bounded: it may be dead) and gives the
    /// queue back, for the page's new connection.
    pub(super) async fn hand_over(mut self, close: CloseFrame) -> Queues {
        if let Some(control) = self.control.take() {
            let _ = control.send(Control::HandOver(close));
        }
        self.task.await.expect("the writer does not panic")
    }

    /// Lets the writer send what is left, then `close` (bounded).
    pub(super) async fn finish(mut self, close: CloseFrame) {
        if let Some(control) = self.control.take() {
            let _ = control.send(Control::Close(close));
        }
        let _ = tokio::time::timeout(FINISH_WAIT, self.task).await;
    }
}

/// The writer's task; returns the queue when it stops.
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: Queues,
    mut controlled: oneshot::Receiver<Control>,
    ping_every: Duration,
) -> Queues {
    let mut pending = Vec::with_capacity(BATCH_MAX);
    let mut closing = None;
    // The first ping one period in: the page has just said hello.
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    loop {
        tokio::select! {
            biased;
            control = &mut controlled, if closing.is_none() => match control {
                Ok(Control::Detach) => return queue,
                Ok(Control::HandOver(close)) => {
                    let _ = tokio::time::timeout(HAND_OVER_WAIT, sink.send(Message::Close(Some(close)))).await;
                    return queue;
                }
                Ok(Control::Close(close)) => closing = Some(close),
                // The session is gone without a word: write what is left.
                Err(_) => closing = Some(plain_close()),
            },
            // Before the events: one answer at most waits, and a streaming run's events
            // would never leave it a turn.
            Some(records) = queue.answers.recv() => pending.push(Event::Records(records)),
            n = queue.events.recv_many(&mut pending, BATCH_MAX) => if n == 0 { break },
            _ = ping.tick() => {
                match tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Ping(Default::default()))).await {
                    Ok(Ok(())) => continue,
                    _ => return queue,
                }
            }
        }
        for frame in frames(std::mem::take(&mut pending)) {
            if !send(&mut sink, &frame).await {
                return queue;
            }
        }
    }
    // Every sender is gone: the session is over and every outcome was sent.
    let close = match closing {
        Some(close) => close,
        None => match controlled.await {
            Ok(Control::Close(close)) => close,
            _ => plain_close(),
        },
    };
    let _ = sink.send(Message::Close(Some(close))).await;
    queue
}

/// A close frame with no particular reason.
fn plain_close() -> CloseFrame {
    CloseFrame { code: close_code::NORMAL, reason: "session closed".into() }
}

/// Sends one frame; false when the page is gone (its socket broke, or it did not read
/// for [`SEND_TIMEOUT`]: it is dropped rather than let the session wait on it forever).
async fn send(sink: &mut SplitSink<WebSocket, Message>, frame: &Event) -> bool {
    let json = match serde_json::to_string(frame) {
        Ok(json) => json,
        Err(e) => {
            warn!("could not encode an event: {e}");
            return true;
        }
    };
    match tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Text(json.into()))).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) => false,
        Err(_) => {
            warn!("a page did not read for {SEND_TIMEOUT:?}; closing its connection");
            false
        }
    }
}

/// What queued up, as frames: one event as it is; small events together in one `batch`;
/// records read back, up to megabytes each, in a frame of their own, so that several
/// answers never make one huge frame.
fn frames(events: Vec<Event>) -> Vec<Event> {
    let mut frames = Vec::new();
    let mut batch = Vec::new();
    let flush = |batch: &mut Vec<Event>, frames: &mut Vec<Event>| match batch.len() {
        0 => {}
        1 => frames.push(batch.pop().expect("one event")),
        _ => frames.push(Event::Batch { events: std::mem::take(batch) }),
    };
    for event in events {
        if matches!(event, Event::Records(_)) {
            flush(&mut batch, &mut frames);
            frames.push(event);
        } else {
            batch.push(event);
        }
    }
    flush(&mut batch, &mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::protocol::Records;

    #[test]
    fn records_travel_alone_and_small_events_together() {
        let records =
            || Event::Records(Records { tag: None, topic: "t".into(), records: Vec::new(), truncated: false });
        let small = || Event::Broadcast { text: "hi".into() };
        let framed = frames(vec![small(), small(), records(), small(), records(), records()]);
        let kinds: Vec<_> = framed
            .iter()
            .map(|f| match f {
                Event::Batch { events } => format!("batch of {}", events.len()),
                Event::Records(_) => "records".to_owned(),
                _ => "one".to_owned(),
            })
            .collect();
        assert_eq!(kinds, ["batch of 2", "records", "one", "records", "records"]);
    }
}
