//! TODO
use crate::common::Report;
use crate::runner::Size;
/// Runs the scenario.
pub fn run(_size: Size) -> Report {
    Report::new("bad-input")
}
