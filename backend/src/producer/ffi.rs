//! Every call the playground makes into librdkafka's C API itself, beside rdkafka's safe
//! API: the only module where `unsafe` is allowed (the workspace denies it elsewhere).
//! Each unsafe block says the contract it relies on.
//!
//! - [`MainQueue`]: a producer's main event queue, watched with librdkafka's event
//!   callback (`rd_kafka_queue_cb_event_enable`), so that a task of the runtime serves
//!   events instead of a thread per producer; see `events`.
//! - [`TopicHandle`] and [`send`]: a run sends through one `rd_kafka_topic_t` with
//!   `rd_kafka_producev`, instead of rdkafka's `send`, which names the topic for every
//!   message; the headers as librdkafka's list. Measured against rdkafka's `send`
//!   (`playground produce`, a million messages, 20 runs each, interleaved): 757 ms
//!   against 827 ms, medians; 9 % of the run, which `playground produce`'s target
//!   against kcat (0.8, at 0.87) would not survive.
//! - [`persistence`]: a failed message's persistence status, which rdkafka does not wrap.
//! - [`trim_heap`]: glibc's `malloc_trim` once a producer is destroyed.
//!
//! These rely on how rdkafka 0.39.0 (pinned exactly in the workspace) builds its
//! `BaseProducer`: events on the client's main queue, and each message's opaque a
//! `Box` it takes back in the delivery callback; this module's tests check both on a
//! real producer and a mock cluster over TCP.
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::Arc;

use rdkafka::bindings as rdsys;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::Producer;
use shared::protocol::Persistence;

use super::events::Wake;
use super::{Delivery, Failure, LabProducer, NotQueued, Outgoing, release};

/// A producer's main queue, watched: librdkafka wakes its [`Wake`] when an event comes.
pub(super) struct MainQueue {
    queue: *mut rdsys::rd_kafka_queue_t,
    /// What librdkafka wakes (`events` reads whether a run serves).
    pub(super) wake: Arc<Wake>,
}

// SAFETY: a librdkafka queue handle may be used from any thread; the pointer is only
// passed to librdkafka's thread-safe queue functions.
unsafe impl Send for MainQueue {}
unsafe impl Sync for MainQueue {}

impl MainQueue {
    /// Watches `client`'s main queue (where rdkafka's `BaseProducer` polls its events).
    pub(super) fn watch(client: *mut rdsys::rd_kafka_t) -> Self {
        let wake = Arc::new(Wake::new());
        // SAFETY: `client` is a live handle; the queue reference taken here is released
        // in `drop`, before the client can be destroyed (it is a field of the producer
        // dropped before rdkafka's client).
        let queue = unsafe { rdsys::rd_kafka_queue_get_main(client) };
        // SAFETY: the opaque is the `Wake` this struct keeps alive; `drop` disables the
        // callback (under the queue's lock) before the struct's `Arc` goes.
        unsafe { rdsys::rd_kafka_queue_cb_event_enable(queue, Some(wake_up), Arc::as_ptr(&wake).cast_mut().cast()) };
        Self { queue, wake }
    }

    /// Events waiting in the queue.
    pub(super) fn len(&self) -> usize {
        // SAFETY: the handle is live until `drop`.
        unsafe { rdsys::rd_kafka_queue_length(self.queue) }
    }

    /// What librdkafka wakes.
    pub(super) fn wake(&self) -> Arc<Wake> {
        Arc::clone(&self.wake)
    }
}

impl Drop for MainQueue {
    fn drop(&mut self) {
        // SAFETY: the handle is live. Disabling takes the queue's lock, under which the
        // callback runs: once it returns, no wake-up runs or will run.
        unsafe {
            rdsys::rd_kafka_queue_cb_event_enable(self.queue, None, std::ptr::null_mut());
            rdsys::rd_kafka_queue_destroy(self.queue);
        }
        self.wake.producer_gone();
    }
}

/// librdkafka's callback, on its own thread, when the queue gets an event while empty:
/// it must not wait, and does not (a `Notify` stores one wake-up if nobody waits).
unsafe extern "C" fn wake_up(_client: *mut rdsys::rd_kafka_t, opaque: *mut c_void) {
    // SAFETY: the opaque is the `Wake` of a live `MainQueue` (see `MainQueue::watch`).
    let wake = unsafe { &*opaque.cast::<Wake>() };
    wake.woken();
}

/// librdkafka's handle on one topic of a producer (`rd_kafka_topic_t`), taken once for
/// a run: rdkafka's `send` names the topic for every message, which librdkafka then
/// looks up under its lock, with a C string made for it (about a tenth of a pipelined
/// run's send loop). It keeps its producer alive, and is released before it.
pub struct TopicHandle<M: Delivery> {
    topic: *mut rdkafka::bindings::rd_kafka_topic_t,
    /// Taken only when dropped, after the topic handle is released.
    producer: Option<Arc<LabProducer<M>>>,
}

// SAFETY: librdkafka's topic handles may be used from any thread.
unsafe impl<M: Delivery> Send for TopicHandle<M> {}
unsafe impl<M: Delivery> Sync for TopicHandle<M> {}

impl<M: Delivery> TopicHandle<M> {
    /// `producer`'s handle on `topic`.
    pub fn new(producer: &Arc<LabProducer<M>>, topic: &str) -> Result<Self, KafkaError> {
        let name =
            std::ffi::CString::new(topic).map_err(|_| KafkaError::MessageProduction(RDKafkaErrorCode::InvalidTopic))?;
        // SAFETY: the client is live (`producer` holds it); a null configuration takes the
        // producer's own; the handle is released in `drop`, before the producer can go.
        let handle = unsafe {
            rdkafka::bindings::rd_kafka_topic_new(
                producer.base.client().native_ptr(),
                name.as_ptr(),
                std::ptr::null_mut(),
            )
        };
        if handle.is_null() {
            // SAFETY: reads this thread's last librdkafka error.
            let code = unsafe { rdkafka::bindings::rd_kafka_last_error() };
            return Err(KafkaError::MessageProduction(code.into()));
        }
        Ok(Self { topic: handle, producer: Some(Arc::clone(producer)) })
    }

    /// The producer.
    pub fn producer(&self) -> &LabProducer<M> {
        self.producer.as_ref().expect("the producer is only taken when the handle is dropped")
    }
}

impl<M: Delivery> Drop for TopicHandle<M> {
    fn drop(&mut self) {
        // SAFETY: taken in `new`, released once, while `self.producer` still holds the client.
        unsafe { rdkafka::bindings::rd_kafka_topic_destroy(self.topic) };
        if let Some(producer) = self.producer.take() {
            release(producer);
        }
    }
}

/// Queues `message` to `topic` with its `opaque`, which its delivery report will bring
/// back. rdkafka's `BaseProducer::send`, with the run's topic handle instead of its name.
pub fn send<M: Delivery>(topic: &TopicHandle<M>, message: &Outgoing<'_>, opaque: Box<M>) -> Result<(), NotQueued<M>> {
    use rdkafka::bindings as rdsys;
    use rdkafka::bindings::rd_kafka_vtype_t::*;
    use rdkafka::util::IntoOpaque;
    let headers = headers_of(message);
    let (key, key_len) =
        message.key.map_or((std::ptr::null_mut(), 0), |k| (k.as_ptr().cast_mut().cast::<std::ffi::c_void>(), k.len()));
    let opaque = opaque.into_ptr();
    // SAFETY: as rdkafka's own `send`: librdkafka copies the value and the key
    // (RD_KAFKA_MSG_F_COPY) before it returns; the handles are live; the opaque comes back
    // with the delivery report (`LabContext::delivery`), or here on an error; the headers
    // are librdkafka's once the message is queued, ours to free when it is not.
    let error = unsafe {
        rdsys::rd_kafka_producev(
            topic.producer().base.client().native_ptr(),
            RD_KAFKA_VTYPE_RKT,
            topic.topic,
            RD_KAFKA_VTYPE_PARTITION,
            message.partition.unwrap_or(-1),
            RD_KAFKA_VTYPE_MSGFLAGS,
            rdsys::RD_KAFKA_MSG_F_COPY,
            RD_KAFKA_VTYPE_VALUE,
            message.value.as_ptr().cast_mut().cast::<std::ffi::c_void>(),
            message.value.len(),
            RD_KAFKA_VTYPE_KEY,
            key,
            key_len,
            RD_KAFKA_VTYPE_OPAQUE,
            opaque,
            RD_KAFKA_VTYPE_TIMESTAMP,
            message.timestamp_ms,
            RD_KAFKA_VTYPE_HEADERS,
            headers,
            RD_KAFKA_VTYPE_END,
        )
    };
    if error == rdsys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    // SAFETY: not queued: the headers and the opaque are still ours, each taken back once.
    let back = unsafe {
        if !headers.is_null() {
            rdsys::rd_kafka_headers_destroy(headers);
        }
        Box::<M>::from_ptr(opaque)
    };
    Err(match RDKafkaErrorCode::from(error) {
        RDKafkaErrorCode::QueueFull => NotQueued::QueueFull(back),
        code => NotQueued::Refused(back, Failure::refused(&KafkaError::MessageProduction(code))),
    })
}

/// The message's headers as librdkafka's list, or null without any (one allocation less).
fn headers_of(message: &Outgoing<'_>) -> *mut rdkafka::bindings::rd_kafka_headers_t {
    use rdkafka::bindings as rdsys;
    if message.header_names.is_empty() {
        return std::ptr::null_mut();
    }
    // SAFETY: a new list, which librdkafka copies each name and value into.
    unsafe {
        let headers = rdsys::rd_kafka_headers_new(message.header_names.len());
        for (name, value) in message.header_names.iter().zip(message.header_values) {
            rdsys::rd_kafka_header_add(
                headers,
                name.as_ptr().cast(),
                name.len() as isize,
                value.as_ptr().cast(),
                value.len() as isize,
            );
        }
        headers
    }
}

/// Gives the memory freed by a destroyed producer back to the system: its buffers were
/// allocated and freed on several threads, and glibc keeps what each thread's arena freed.
pub(super) fn trim_heap() {
    // SAFETY: malloc_trim only returns free memory of glibc's heaps to the system.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// librdkafka's persistence status of a failed message.
pub(super) fn persistence(message: &rdkafka::message::BorrowedMessage<'_>) -> Persistence {
    use rdkafka::bindings::rd_kafka_msg_status_t as S;
    // SAFETY: the message is valid for the duration of the delivery callback, and
    // rd_kafka_message_status only reads it. rdkafka has no safe wrapper for it.
    let status = unsafe { rdkafka::bindings::rd_kafka_message_status(message.ptr()) };
    match status {
        S::RD_KAFKA_MSG_STATUS_NOT_PERSISTED => Persistence::NotPersisted,
        S::RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED => Persistence::PossiblyPersisted,
        S::RD_KAFKA_MSG_STATUS_PERSISTED => Persistence::Persisted,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use rdkafka::mocking::MockCluster;
    use shared::protocol::ErrorName;
    use shared::settings::ProducerSettings;

    use super::super::{Report, build};
    use super::*;

    /// The librdkafka these contracts (and the mock cluster's behaviour the page describes)
    /// were checked against: an upgrade fails here first, to check both again before
    /// changing the version here.
    #[test]
    fn the_librdkafka_these_contracts_were_checked_against() {
        let (_, version) = rdkafka::util::get_rdkafka_version();
        assert_eq!(version, "2.12.1", "librdkafka changed: check src/producer/ffi.rs's contracts, then update this");
    }

    /// A message's opaque, telling its report.
    struct Told(mpsc::Sender<Report>);

    impl Delivery for Told {
        fn reported(self, report: Report) {
            let _ = self.0.send(report);
        }
    }

    /// What the producer relies on from rdkafka's `BaseProducer`, on a real (mock) cluster
    /// over TCP: its delivery reports come through the main queue this module watches
    /// (librdkafka's wake-up reaches the serving task), each with the opaque [`send`]
    /// gave; a message librdkafka refuses gives its opaque back at once.
    #[tokio::test]
    async fn a_message_sent_by_topic_handle_comes_back_with_its_opaque_through_the_watched_queue() {
        let cluster = MockCluster::new(1).unwrap();
        cluster.create_topic("ffi", 1, 1).unwrap();
        let (events, _kept) = tokio::sync::mpsc::channel(64);
        let producer = build::<Told>(&ProducerSettings::default(), &cluster.bootstrap_servers(), events).unwrap();
        let topic = TopicHandle::new(&producer, "ffi").unwrap();
        let names = ["h".to_owned()];
        let values = ["v".to_owned()];
        let message = Outgoing {
            topic: "ffi",
            partition: Some(0),
            key: Some("k"),
            value: "hello",
            header_names: &names,
            header_values: &values,
            timestamp_ms: 1_700_000_000_000,
        };
        let (told, reports) = mpsc::channel();
        assert!(send(&topic, &message, Box::new(Told(told.clone()))).is_ok());
        let report = tokio::task::spawn_blocking(move || reports.recv_timeout(Duration::from_secs(10)))
            .await
            .unwrap()
            .expect("the delivery report, through the watched queue");
        let written = report.outcome.expect("delivered");
        assert_eq!((written.partition, written.offset), (0, Some(0)));
        // Too large for message.max.bytes: refused before queueing, the opaque given back.
        let huge = "x".repeat(2_000_000);
        let refused = Outgoing { value: &huge, ..message };
        match send(&topic, &refused, Box::new(Told(told))) {
            Err(NotQueued::Refused(_, failure)) => assert_eq!(failure.error, ErrorName::MessageSizeTooLarge),
            Err(NotQueued::QueueFull(_)) => panic!("queue full, not refused"),
            Ok(()) => panic!("a 2 MB message was queued"),
        }
        drop(topic);
    }
}
