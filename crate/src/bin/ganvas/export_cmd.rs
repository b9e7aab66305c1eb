//! `ganvas export`: a checkpoint without its optimiser state and raw generator, as shipped in
//! www/models/.

use std::path::PathBuf;

use clap::Args;
use ganvas::files::{read_checkpoint, write_checkpoint};
use ganvas::run::restore;

use crate::error::CliError;

#[derive(Args)]
pub struct ExportArgs {
    /// The checkpoint to export (.safetensors).
    #[arg(long)]
    checkpoint: PathBuf,
    /// Where to write the slim copy: D and EMA-G, config, step and RNG state, without the Adam
    /// moments and the raw G (fine-tuning from it starts the optimisers afresh and G from its
    /// average).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: ExportArgs) -> Result<(), CliError> {
    let full = read_checkpoint(&args.checkpoint)?;
    let slim = full.without_optimizer();
    // Refuse to write something that would not load back.
    restore(&slim, &burn::tensor::Device::flex())
        .map_err(|e| CliError::file(&args.checkpoint, e))?;
    write_checkpoint(&args.out, &slim)?;
    let mb = |p: &PathBuf| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1e6);
    println!(
        "wrote {} ({:.1} MB; the full checkpoint is {:.1} MB)",
        args.out.display(),
        mb(&args.out),
        mb(&args.checkpoint)
    );
    Ok(())
}
