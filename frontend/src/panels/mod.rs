//! The page's panels, one module each.

mod acks;
mod acks_loss;
mod charts;
pub(crate) mod cluster;
mod compare;
mod config;
mod deliveries;
mod export;
pub(crate) mod faults;
mod lab;
mod logs;
mod message;
mod partitions;
mod run;

pub use acks_loss::AcksLossPanel;
pub use charts::ChartsPanel;
pub use cluster::{ClusterLine, ClusterPanel};
pub use compare::ComparePanel;
pub use config::ConfigPanel;
pub use deliveries::DeliveryTable;
pub use export::ExportPanel;
pub use lab::LabSidebar;
pub use logs::LogsPanel;
pub use message::MessagePanel;
pub use partitions::PartitionStrip;
pub use run::RunPanel;
