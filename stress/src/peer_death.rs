//! TODO
use crate::common::Report;
use crate::runner::Size;
/// Runs the scenario.
pub fn run(_size: Size) -> Report {
    Report::new("peer-death")
}
/// Child.
pub fn child(_role: &str) -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
