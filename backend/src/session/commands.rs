//! What a session does with each command of its page: one `match` that dispatches, and
//! one method per command. Every refusal is an `error` event; the connection stays.

use std::sync::Arc;
use std::time::{Duration, Instant};

use shared::problem::{Limit, Problem};
use shared::protocol::{Command, ErrorEvent, Event, Fault, ProduceRequest, Records, SetBy, StartAt, TraineeChange};
use shared::settings::ProducerSettings;
use tracing::{info, warn};

use super::Session;
use crate::cluster::ClusterError;
use crate::run::{Plan, Run, RunProducer, messages};

impl Session {
    /// Reads and carries out one command of the page.
    pub(super) async fn command(&mut self, text: &str) {
        self.ctx.class.active(self.id);
        if text.len() > self.ctx.limits.frame_bytes as usize {
            let (max, got) = (self.ctx.limits.frame_bytes.into(), text.len() as u64);
            return self.error(ErrorEvent::new(Problem::Limit { limit: Limit::FrameBytes, max, got })).await;
        }
        match serde_json::from_str::<Command>(text) {
            Ok(Command::Produce(request)) => self.produce(request).await,
            Ok(Command::Stop) => self.stop().await,
            Ok(Command::Join { name }) => self.join(name).await,
            Ok(Command::Progress { done, failed }) => self.ctx.class.progress(self.id, done, failed),
            Ok(Command::Experiment { result }) => self.ctx.class.experiment(self.id, result),
            Ok(Command::Consume { topic, max, from, tag }) => self.consume(topic, max, from, tag).await,
            Ok(Command::Fetch { topic, partition, offset }) => self.fetch(topic, partition, offset).await,
            Ok(Command::Fault { fault }) => self.fault(fault).await,
            Err(e) => self.error(ErrorEvent::new(Problem::UnreadableCommand { detail: e.to_string() })).await,
        }
    }

    async fn error(&self, error: ErrorEvent) {
        self.send(Event::Error(error)).await;
    }

    /// A trainee's fault. On the embedded cluster it goes to the trainee's own cluster
    /// (started by their first fault), so that it costs no one else a run; one that would
    /// undo the instructor's is switched, then the instructor's put back, and the page
    /// told why. Elsewhere (Apache Kafka's processes) every page shares the brokers: it
    /// is switched there, and every page told who did.
    async fn fault(&mut self, fault: Fault) {
        if !self.ctx.limits.trainee_faults {
            return self.error(ErrorEvent::new(Problem::FaultsByInstructor)).await;
        }
        let by = SetBy::Trainee(self.name.clone());
        let Some(own_clusters) = self.ctx.own_clusters.clone() else {
            match self.ctx.cluster.fault(&fault).await {
                Ok(()) => self.ctx.cluster.note(|state| state.set_by = Some(by)),
                Err(e) => self.error(ErrorEvent::new(e.problem())).await,
            }
            return;
        };
        if let Err(e) = self.ctx.cluster.check_fault(&fault) {
            return self.error(ErrorEvent::new(e.problem())).await;
        }
        if self.own.is_none() {
            if self.run.as_ref().is_some_and(|r| r.is_running()) {
                return self.error(ErrorEvent::new(Problem::FirstFaultDuringRun)).await;
            }
            match own_clusters.start(self.topic.as_deref()).await {
                Ok(cluster) => {
                    info!("session {}: its own cluster at {}", self.id, cluster.bootstrap_servers());
                    // Its producer knows the class's cluster: the next run builds one for this.
                    self.close_producer().await;
                    self.own = Some(cluster);
                    self.cluster_moved = true;
                }
                Err(e) => return self.error(ErrorEvent::new(e.problem())).await,
            }
        }
        let Some(own) = self.own.clone() else { return };
        let undone = crate::cluster::own::undoes(&fault, &self.ctx.cluster.subscribe().borrow());
        if let Err(e) = own.fault(&fault).await {
            return self.error(ErrorEvent::new(e.problem())).await;
        }
        own.note(|state| state.set_by = Some(by));
        if !undone.is_empty() {
            own_clusters.put_back(&own).await;
            self.error(ErrorEvent::new(Problem::InstructorFaultStays { brokers: undone })).await;
        }
    }

    async fn consume(&mut self, topic: String, max: u32, from: Vec<StartAt>, tag: Option<String>) {
        let topic = match self.own_topic(topic) {
            Ok(topic) => topic,
            Err(problem) => return self.error(ErrorEvent::at_field("topic", problem)).await,
        };
        let bad_start = from.iter().find_map(|s| shared::protocol::read_error(&topic, s.partition, s.offset));
        match shared::protocol::topic_error(&topic).or(bad_start) {
            Some(problem) => self.error(ErrorEvent::new(problem)).await,
            None => {
                let cluster = Arc::clone(self.cluster());
                self.answer(async move { cluster.consume(&topic, max, from, tag).await }).await;
            }
        }
    }

    async fn fetch(&mut self, topic: String, partition: i32, offset: i64) {
        let topic = match self.own_topic(topic) {
            Ok(topic) => topic,
            Err(problem) => return self.error(ErrorEvent::at_field("topic", problem)).await,
        };
        match shared::protocol::read_error(&topic, partition, offset) {
            Some(problem) => self.error(ErrorEvent::new(problem)).await,
            None => {
                let cluster = Arc::clone(self.cluster());
                self.answer(async move { cluster.fetch(&topic, partition, offset).await }).await;
            }
        }
    }

    /// Reads records in the background (it can take seconds) and sends them, or the
    /// reason they could not be read; the session keeps taking commands meanwhile. One
    /// read-back of the session runs at a time; beyond a few waiting, refused.
    async fn answer(&mut self, read: impl Future<Output = Result<Records, ClusterError>> + Send + 'static) {
        if let Err(problem) = self.read_backs.start(read, self.events.clone()) {
            self.error(ErrorEvent::new(problem)).await;
        }
    }

    /// Carries out the instructor's change to this trainee.
    pub(super) async fn instructed(&mut self, change: TraineeChange) {
        match change {
            TraineeChange::Rename { name } => self.join(name).await,
            TraineeChange::ResetProgress => {
                self.ctx.class.progress(self.id, Vec::new(), Vec::new());
                self.send(Event::ProgressReset).await;
            }
        }
    }

    /// Takes the trainee's name; with a topic per trainee, creates their topic first.
    async fn join(&mut self, name: String) {
        let name = crate::class::names::tidy(&name);
        if let Some(problem) = crate::class::names::name_error(&name) {
            return self.error(ErrorEvent::at_field("name", problem)).await;
        }
        // Unique across the class's servers first, when it spans several: claimed, then
        // kept only if this server gives the name too (the session's earlier name is
        // given up only then).
        let servers = self.ctx.class.servers().cloned();
        let claim = match &servers {
            Some(servers) => match servers.claim(self.id, &name).await {
                Ok(claim) => claim,
                Err(problem) => return self.error(ErrorEvent::at_field("name", problem)).await,
            },
            None => None,
        };
        let topic = match self.ctx.class.name(self.id, &name) {
            Ok(topic) => topic,
            Err(problem) => {
                if let (Some(servers), Some(claim)) = (&servers, &claim) {
                    servers.abandon(claim).await;
                }
                return self.error(ErrorEvent::at_field("name", problem)).await;
            }
        };
        if let (Some(servers), Some(claim)) = (servers, claim) {
            servers.keep(self.id, claim).await;
        }
        if let Some(topic) = &topic
            && let Err(e) = self.cluster().ensure_topic(topic).await
        {
            warn!("{e}");
            return self.error(ErrorEvent::at_field("name", e.problem())).await;
        }
        info!("session {}: trainee {name}", self.id);
        self.name = Some(name.clone());
        self.topic = topic.clone();
        self.send(Event::Joined { name, topic }).await;
    }

    /// The topic a command may use: as asked, or with a topic per trainee, the
    /// trainee's own (which the lab's `orders.created` stands for).
    fn own_topic(&self, topic: String) -> Result<String, Problem> {
        if !self.ctx.class.topic_per_trainee {
            return Ok(topic);
        }
        let own = self.topic.as_ref().ok_or(Problem::NameNeeded)?;
        if topic == shared::lab::TOPIC || topic == *own {
            Ok(own.clone())
        } else {
            Err(Problem::NotYourTopic { topic, own: own.clone() })
        }
    }

    async fn produce(&mut self, request: ProduceRequest) {
        let request = match self.accept(request).await {
            Ok(request) => request,
            Err(error) => return self.error(error).await,
        };
        // Every broker down by a fault: a metadata request would only wait out its
        // timeouts (5 s, then 2 s) before the first message; the run starts at once and
        // each message fails after message.timeout.ms, as Exercise 3 says.
        let all_down = {
            let state = self.cluster().subscribe();
            let state = state.borrow();
            !state.brokers.is_empty() && state.brokers.iter().all(|b| !b.up)
        };
        let partitions = if all_down {
            0
        } else {
            match self.cluster().partitions_of(&request.topic).await {
                Ok(partitions) => partitions.unwrap_or(0),
                Err(e) => return self.error(ErrorEvent::at_field("topic", e.problem())).await,
            }
        };
        let producer = match self.producer_for(&request.settings, &request.topic, !all_down).await {
            Ok(p) => p,
            Err(detail) => return self.error(ErrorEvent::new(Problem::ProducerNotCreated { detail })).await,
        };
        let number = self.last_run().map_or(0, |r| r.number()) + 1;
        // A paced run's schedule starts now, or where the session's last one ended.
        let schedule = self.paced_until().map_or_else(Instant::now, |until| until.max(Instant::now()));
        self.pace = request.rate.map(|rate| (schedule, rate));
        let in_flight = Some(Arc::clone(&self.in_flight));
        let plan = Plan { number, partitions, in_flight, paced_from: Some(schedule), details: true };
        let run = Run::start(producer, request, plan, self.events.clone());
        self.ctx.class.run_started(self.id, Arc::clone(run.run()));
        self.run = Some(run);
    }

    /// When the session's last paced run's schedule ends, from what it sent: the next
    /// paced run starts no earlier, so a session's rate holds across its runs.
    fn paced_until(&self) -> Option<Instant> {
        let (from, rate) = self.pace?;
        let sent = self.last_run()?.stats().sent;
        Some(from + Duration::from_secs_f64(sent as f64 / f64::from(rate.max(1))))
    }

    /// The request as this session runs it, or why it is refused: no other run going on,
    /// valid fields, within the server's limits, to the trainee's own topic, and at most
    /// at the server's rate.
    async fn accept(&self, request: ProduceRequest) -> Result<ProduceRequest, ErrorEvent> {
        if self.run.as_ref().is_some_and(|r| r.is_running()) {
            return Err(ErrorEvent::new(Problem::RunInProgress));
        }
        let fields = request.validate();
        if !fields.is_empty() {
            return Err(ErrorEvent::fields(fields));
        }
        if let Some((field, problem)) = self.beyond_limits(&request) {
            return Err(ErrorEvent::at_field(field, problem));
        }
        let topic = self.own_topic(request.topic.clone()).map_err(|problem| ErrorEvent::at_field("topic", problem))?;
        // A session with a rate limit runs at most at that rate.
        let rate = request.rate.or(self.ctx.limits.rate);
        Ok(ProduceRequest { topic, rate, ..request })
    }

    /// The first of the server's limits `request` goes beyond, with the field at fault.
    fn beyond_limits(&self, request: &ProduceRequest) -> Option<(&'static str, Problem)> {
        let limits = self.ctx.limits;
        let limit = |limit: Limit, max: u32, got: u64| Problem::Limit { limit, max: max.into(), got };
        if request.count > limits.messages_per_run {
            return Some(("count", limit(Limit::MessagesPerRun, limits.messages_per_run, request.count.into())));
        }
        if let (Some(max), Some(rate)) = (limits.rate, request.rate)
            && rate > max
        {
            return Some(("rate", limit(Limit::Rate, max, rate.into())));
        }
        let bytes = messages::largest_message_bytes(request).unwrap_or(0) as u64;
        (bytes > u64::from(limits.message_bytes))
            .then(|| ("value_template", limit(Limit::MessageBytes, limits.message_bytes, bytes)))
    }

    /// The session's producer for `settings`, rebuilt only when they changed; a new one
    /// learns `topic`'s leaders first when `learn` (not while every broker is down).
    async fn producer_for(
        &mut self,
        settings: &ProducerSettings,
        topic: &str,
        learn: bool,
    ) -> Result<Arc<RunProducer>, String> {
        self.producer_used = Instant::now();
        if let Some((current, producer)) = &self.producer
            && current == settings
        {
            return Ok(producer.clone());
        }
        self.close_producer().await;
        let producer = crate::producer::build(settings, self.cluster().producer_bootstrap(), self.events.clone())
            .map_err(|e| e.to_string())?;
        self.ctx.class.counts.producer(true);
        if learn {
            crate::producer::learn_topic(&producer, topic).await;
        }
        self.producer = Some((settings.clone(), Arc::clone(&producer)));
        Ok(producer)
    }

    async fn stop(&mut self) {
        match &self.run {
            Some(run) if run.is_running() => run.stop(),
            _ => self.error(ErrorEvent::new(Problem::NoRun)).await,
        }
    }
}
