//! `--plot`: an SVG of the `poll-N` family (messages per second and application-thread CPU
//! time per message against N, one line per side), drawn with `plotters`' SVG backend.

use plotters::prelude::*;

use crate::workload::{Failure, Result, Side};

/// Where `--plot` writes the chart, relative to the bench crate (`bench/results/poll-n.svg`
/// in the workspace).
pub(crate) const PATH: &str = "results/poll-n.svg";

/// One point: (N, messages per second, CPU nanoseconds per message).
pub(crate) type Point = (usize, f64, f64);

/// One side's points.
pub(crate) type Series = Vec<Point>;

/// A panel: title, unit, and the point's value it shows.
type Panel = (&'static str, &'static str, fn(&Point) -> f64);

/// Draws the two panels for the three sides' series to [`PATH`] (under `root`, the bench
/// crate's directory).
pub(crate) fn poll_n(root: &std::path::Path, series: &[(Side, Series)]) -> Result<String> {
    let path = root.join(PATH);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Failure(format!("{}: {e}", dir.display())))?;
    }
    let fail = |e: &dyn std::fmt::Display| Failure(format!("plot: {e}"));
    let area = SVGBackend::new(&path, (1100, 450)).into_drawing_area();
    area.fill(&WHITE).map_err(|e| fail(&e))?;
    let panels = area.split_evenly((1, 2));
    let n_max = series.iter().flat_map(|(_, s)| s.iter().map(|p| p.0)).max().unwrap_or(10);
    let panel_specs: [Panel; 2] = [
        ("Messages per second (poll-N)", "msgs/s", |p| p.1),
        ("Application-thread CPU per message (poll-N)", "ns/msg", |p| p.2),
    ];
    for (panel, (title, unit, value)) in panels.iter().zip(panel_specs) {
        let y_max = series.iter().flat_map(|(_, s)| s.iter().map(value)).fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((5usize..n_max * 2).log_scale(), 0.0..y_max * 1.15)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc("connections in the poll group (N)")
            .y_desc(unit)
            .draw()
            .map_err(|e| fail(&e))?;
        for (side, points) in series {
            let color = match side {
                Side::Raw => BLACK,
                Side::Wrapper => BLUE,
                Side::Peer => RED,
            };
            let line: Vec<(usize, f64)> = points.iter().map(|p| (p.0, value(p))).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
                .map_err(|e| fail(&e))?
                .label(side_label(*side))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
            chart
                .draw_series(line.into_iter().map(|p| Circle::new(p, 3, color.filled())))
                .map_err(|e| fail(&e))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| fail(&e))?;
    }
    area.present().map_err(|e| fail(&e))?;
    Ok(path.display().to_string())
}

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Raw => "raw flat API",
        Side::Wrapper => "steam-sockets",
        Side::Peer => "gns-rs",
    }
}
