//! `mlag chaos`: the deterministic fault-injection campaign (`mlag_core::sim::chaos`).

use clap::Args;
use l2_types::Instant;
use mlag_core::sim::chaos::{
    Finding, Outcome, PENDING_LIMIT, RunOptions, STEPS_MAX, Scenario, shrink_options,
};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant as WallClock;

/// Arguments of `mlag chaos`.
#[derive(Debug, Args)]
pub(crate) struct ChaosArgs {
    /// How many seeds to run (from `--start`).
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Run this one seed only (with its schedule printed).
    #[arg(long)]
    seed: Option<u64>,
    /// With `--seed`: only these episodes of the schedule (comma-separated indices, or `none`),
    /// as a shrunk reproduction prints them.
    #[arg(long)]
    faults: Option<String>,
    /// Print every seed's topology, schedule and result.
    #[arg(long)]
    verbose: bool,
    /// With `--seed`: write every frame of the run to this pcap file (and, as text with the
    /// links, to the same name with the extension `log`; each MLAG peer's flight recorder to
    /// the extension `pairN.PeerM.json`).
    #[arg(long)]
    pcap: Option<PathBuf>,
    /// Worker threads (each seed runs on one; results are printed in seed order).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Failures reported in full (with their schedule and reproduction) per class.
    #[arg(long, default_value_t = 3)]
    examples: usize,
    /// Do not shrink failures (faster; the seed alone reproduces them).
    #[arg(long)]
    no_shrink: bool,
    /// Every bridge runs the standard's RSTP without root sequencing (the extension against
    /// the count to infinity, `stp::BridgeConfig::root_sequencing`, that the plain bridges and
    /// the pairs' logical bridges run by default).
    #[arg(long)]
    standard_rstp: bool,
}

type CliError = Box<dyn core::error::Error>;

/// Some seeds of a campaign failed (their invariants, not the runner): `mlag` exits with
/// status 3 for it, so a script can tell failing seeds from a runner that could not run.
#[derive(Debug)]
pub(crate) struct SeedsFailed(pub(crate) Vec<u64>);

impl core::fmt::Display for SeedsFailed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} seed(s) failed: {:?}", self.0.len(), self.0)
    }
}

impl core::error::Error for SeedsFailed {}

/// Runs the campaign; an error (non-zero exit) when a seed fails.
pub(crate) fn run(args: &ChaosArgs) -> Result<(), CliError> {
    if let Some(seed) = args.seed {
        return run_one(args, seed);
    }
    let started = WallClock::now();
    let seeds: Vec<u64> = (args.start..args.start.saturating_add(args.seeds)).collect();
    let jobs = args.jobs.max(1);
    let rs = !args.standard_rstp;
    let mut results: Vec<(u64, Outcome)> = Vec::with_capacity(seeds.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|j| {
                let mine: Vec<u64> = seeds.iter().copied().skip(j).step_by(jobs).collect();
                scope.spawn(move || {
                    mine.into_iter()
                        .map(|s| (s, run_guarded(s, rs)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            if let Ok(r) = h.join() {
                results.extend(r);
            }
        }
    });
    results.sort_by_key(|(s, _)| *s);
    let wall = started.elapsed();
    let mut out = std::io::stdout().lock();
    let mut failed = Vec::new();
    let (mut steps, mut virt, mut stale) = (0u64, 0u64, (0u64, 0u64));
    // Second deliveries exempted as frames in flight across an RSTP change: total and seeds.
    let (mut stale_dups, mut stale_dup_seeds) = (0u64, Vec::new());
    // The largest run (events) and the largest queue (pending events), with their seeds.
    let (mut most_steps, mut most_pending) = ((0u64, 0u64), (0u64, 0u64));
    for (seed, o) in &results {
        steps += o.steps;
        virt += o.end.as_nanos();
        most_steps = most_steps.max((o.steps, *seed));
        most_pending = most_pending.max((o.pending_peak, *seed));
        if o.stale_cycles > 0 {
            stale = (stale.0 + o.stale_cycles, stale.1 + 1);
        }
        if o.stale_duplicates > 0 {
            stale_dups += o.stale_duplicates;
            stale_dup_seeds.push(*seed);
        }
        if args.verbose {
            writeln!(out, "seed {seed}: {}", verdict(o))?;
            write!(out, "{}", Scenario::generate(*seed).describe())?;
        }
        if o.finding.is_some() {
            failed.push(*seed);
        }
    }
    // Failures grouped by class (invariant and the last fault event before it); the first
    // seeds of each class are reported in full (shrunk unless --no-shrink).
    let mut classes: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for (seed, o) in &results {
        if let Some(f) = &o.finding {
            let sig = Scenario::generate(*seed).signature(f, None);
            classes.entry(sig).or_default().push(*seed);
        }
    }
    for seeds in classes.values() {
        for seed in seeds.iter().take(args.examples) {
            report_failure(&mut out, *seed, !args.no_shrink, !args.standard_rstp)?;
        }
    }
    if !classes.is_empty() {
        writeln!(out, "failures by class:")?;
        for (sig, seeds) in &classes {
            let shown: Vec<String> = seeds.iter().take(12).map(ToString::to_string).collect();
            writeln!(
                out,
                "  {:5} {sig}: seeds {}{}",
                seeds.len(),
                shown.join(","),
                if seeds.len() > 12 { ",..." } else { "" }
            )?;
        }
    }
    let secs = wall.as_secs_f64().max(1e-9);
    writeln!(
        out,
        "chaos: {} seeds ({}..{}), {} failed, {:.1} s wall, {:.1} seeds/s, {} events, {:.0} s virtual, {} jobs",
        results.len(),
        args.start,
        args.start.saturating_add(args.seeds),
        failed.len(),
        secs,
        results.len() as f64 / secs,
        steps,
        virt as f64 / 1e9,
        jobs
    )?;
    writeln!(
        out,
        "chaos: largest run {} events (seed {}), most pending {} (seed {}); bounds {} and {}",
        most_steps.0, most_steps.1, most_pending.0, most_pending.1, STEPS_MAX, PENDING_LIMIT
    )?;
    writeln!(
        out,
        "chaos: {} frames in flight came round a cycle broken behind them (in {} seeds; not loops)",
        stale.0, stale.1
    )?;
    let shown: Vec<String> = stale_dup_seeds
        .iter()
        .take(40)
        .map(ToString::to_string)
        .collect();
    writeln!(
        out,
        "chaos: {} frames reached a host twice by paths never open together (in {} seeds{}{}; not duplicates)",
        stale_dups,
        stale_dup_seeds.len(),
        if shown.is_empty() { "" } else { ": " },
        shown.join(" ")
    )?;
    if !failed.is_empty() {
        return Err(SeedsFailed(failed).into());
    }
    Ok(())
}

/// Runs one seed; a panic is a finding of that seed (the campaign goes on). The simulator
/// bounds its own memory and time ([`STEPS_MAX`], [`PENDING_LIMIT`]), so one seed cannot take
/// the process down either.
fn run_guarded(seed: u64, root_sequencing: bool) -> Outcome {
    std::panic::catch_unwind(|| {
        Scenario::generate(seed).run(&RunOptions {
            root_sequencing,
            ..RunOptions::default()
        })
    })
    .unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Outcome {
            finding: Some(Finding {
                at: Instant::ZERO,
                invariant: "no panic",
                detail: format!("the run panicked: {what}"),
            }),
            ..Outcome::default()
        }
    })
}

fn verdict(o: &Outcome) -> String {
    match &o.finding {
        None => format!("ok ({} events, {} virtual)", o.steps, o.end),
        Some(f) => format!("FAILED {f}"),
    }
}

fn report_failure(
    out: &mut impl Write,
    seed: u64,
    do_shrink: bool,
    root_sequencing: bool,
) -> Result<(), CliError> {
    let s = Scenario::generate(seed);
    let first = run_guarded(seed, root_sequencing);
    let flag = if root_sequencing {
        ""
    } else {
        " --standard-rstp"
    };
    writeln!(out, "seed {seed}: {}", verdict(&first))?;
    write!(out, "{}", s.describe())?;
    if !do_shrink {
        writeln!(out, "  rerun: mlag chaos --seed {seed}{flag}")?;
        return Ok(());
    }
    let base = RunOptions {
        root_sequencing,
        ..RunOptions::default()
    };
    match shrink_options(&s, &base) {
        Some(m) => {
            writeln!(
                out,
                "  minimal reproduction ({} of {} episodes, {} runs): {}",
                m.episodes.len(),
                s.episodes.len(),
                m.runs,
                m.finding
            )?;
            for i in &m.episodes {
                if let Some(e) = s.episodes.get(*i) {
                    writeln!(out, "    [{i}] {e}")?;
                }
            }
            let list: Vec<String> = m.episodes.iter().map(ToString::to_string).collect();
            if list.is_empty() {
                writeln!(out, "  rerun: mlag chaos --seed {seed}{flag} --faults none")?;
            } else {
                writeln!(
                    out,
                    "  rerun: mlag chaos --seed {seed}{flag} --faults {}",
                    list.join(",")
                )?;
            }
        }
        None => writeln!(out, "  (did not fail again: not deterministic?)")?,
    }
    Ok(())
}

/// `--faults`: `none` or comma-separated episode indices.
fn parse_faults(text: &str) -> Result<Vec<usize>, CliError> {
    let text = text.trim();
    if text.is_empty() || text == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|x| {
            x.trim()
                .parse::<usize>()
                .map_err(|e| format!("--faults {text:?}: {e}").into())
        })
        .collect()
}

fn run_one(args: &ChaosArgs, seed: u64) -> Result<(), CliError> {
    let s = Scenario::generate(seed);
    let only = args.faults.as_deref().map(parse_faults).transpose()?;
    let opts = RunOptions {
        only: only.clone(),
        pcap: args.pcap.is_some(),
        root_sequencing: !args.standard_rstp,
    };
    let started = WallClock::now();
    let o = s.run(&opts);
    let wall = started.elapsed();
    let mut out = std::io::stdout().lock();
    writeln!(out, "seed {seed}")?;
    write!(out, "{}", s.describe())?;
    if let Some(only) = &only {
        writeln!(out, "  running episodes {only:?} only")?;
    }
    writeln!(
        out,
        "{} ({:.3} s wall, {} traffic frames)",
        verdict(&o),
        wall.as_secs_f64(),
        o.frames
    )?;
    if let (Some(path), Some(bytes)) = (&args.pcap, &o.pcap) {
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(log) = &o.log {
            let text = path.with_extension("log");
            std::fs::write(&text, log).map_err(|e| format!("{}: {e}", text.display()))?;
        }
        for (name, json) in &o.recorders {
            let file = path.with_extension(format!("{name}.json"));
            std::fs::write(&file, json).map_err(|e| format!("{}: {e}", file.display()))?;
        }
    }
    if o.finding.is_some() {
        if args.faults.is_none() && !args.no_shrink {
            report_failure(&mut out, seed, true, !args.standard_rstp)?;
        }
        return Err(format!("seed {seed} failed").into());
    }
    Ok(())
}
