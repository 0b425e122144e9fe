//! A session's read-backs (`consume`, `fetch`): one at a time, a few waiting their turn,
//! cancelled when the session ends; and their answers, up to megabytes each, handed to
//! the page one at a time. So one page cannot hold every read-back slot of the server,
//! and a page that asks and does not read costs a few answers of memory, not hundreds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use shared::problem::{Limit, Problem};
use shared::protocol::{ErrorEvent, Event, Records};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::class::Class;
use crate::cluster::ClusterError;

/// Read-backs of one session waiting for their turn, besides the one running: a waiting
/// one holds no records (only the running one and one answer for the page do), so a lab
/// check, a delivery's details and a verify can queue up freely; a flood cannot.
pub const WAITING: usize = 16;

/// The answers waiting for the page, read by the writer.
pub(super) type Answers = mpsc::Receiver<Records>;

/// A session's read-backs.
pub(super) struct ReadBacks {
    /// One read-back at a time.
    turn: Arc<Semaphore>,
    /// Read-backs accepted and not yet answered.
    open: Arc<AtomicUsize>,
    /// Dropped with the session: every read-back still running or waiting is cancelled.
    tasks: JoinSet<()>,
    /// One answer at a time waits for the writer: the next read-back waits for it to go.
    answers: mpsc::Sender<Records>,
    /// The class, which counts read-backs across sessions for `/metrics`.
    class: Arc<Class>,
}

/// A read-back accepted and not answered yet: counted until dropped, when it ends or is
/// cancelled with its session.
struct Accepted {
    open: Arc<AtomicUsize>,
    class: Arc<Class>,
}

impl Drop for Accepted {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
        self.class.counts.read_back(false);
    }
}

impl ReadBacks {
    /// A session's read-backs, and the answers' end the writer reads.
    pub(super) fn new(class: Arc<Class>) -> (Self, Answers) {
        let (answers, answered) = mpsc::channel(1);
        let turn = Arc::new(Semaphore::new(1));
        let read_backs = Self { turn, open: Arc::default(), tasks: JoinSet::new(), answers, class };
        (read_backs, answered)
    }

    /// Starts `read` in its turn: its records go to the writer, or its error to `events`.
    /// Refused when [`WAITING`] read-backs wait already.
    pub(super) fn start(
        &mut self,
        read: impl Future<Output = Result<Records, ClusterError>> + Send + 'static,
        events: mpsc::Sender<Event>,
    ) -> Result<(), Problem> {
        while self.tasks.try_join_next().is_some() {}
        let open = self.open.fetch_add(1, Ordering::SeqCst);
        if open > WAITING {
            self.open.fetch_sub(1, Ordering::SeqCst);
            return Err(Problem::Limit { limit: Limit::ReadBacks, max: WAITING as u64 + 1, got: open as u64 + 1 });
        }
        self.class.counts.read_back(true);
        let accepted = Accepted { open: Arc::clone(&self.open), class: Arc::clone(&self.class) };
        let (turn, answers) = (Arc::clone(&self.turn), self.answers.clone());
        self.tasks.spawn(async move {
            let _accepted = accepted;
            if let Ok(_turn) = turn.acquire().await {
                match read.await {
                    // Waits while the previous answer has not gone to the page.
                    Ok(records) => drop(answers.send(records).await),
                    Err(e) => drop(events.send(Event::Error(ErrorEvent::new(e.problem()))).await),
                }
            }
        });
        Ok(())
    }
}
