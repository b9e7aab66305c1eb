//! `ganvas info CHECKPOINT`.

use std::path::Path;

use ganvas::files::read_checkpoint;
use ganvas::run::{config_of, restore};

use crate::error::CliError;

pub fn run(path: &Path) -> Result<(), CliError> {
    let checkpoint = read_checkpoint(path)?;
    let config = config_of(&checkpoint).map_err(|e| CliError::file(&path, e))?;
    // Every tensor against the architecture of the stored config (sizes are within the limits
    // by now, so building the model is cheap).
    restore(&checkpoint, &burn::tensor::Device::flex()).map_err(|e| CliError::file(&path, e))?;
    let step = checkpoint.meta("step").unwrap_or("?");
    println!("checkpoint  {}", path.display());
    println!("format      {}", checkpoint.meta("format").unwrap_or("?"));
    println!(
        "run         {} (step {step} of {})",
        config.name, config.run.steps
    );
    println!("model       {:?}", config.model);
    println!(
        "loss        {:?}, batch {} × {}",
        config.train.loss, config.train.batch, config.train.accumulate
    );
    for section in ["g", "d", "ema", "opt_g", "opt_d"] {
        let arrays = checkpoint.section(section);
        let params: usize = arrays.values().map(|(_, v)| v.len()).sum();
        println!("{section:<11} {} tensors, {params} values", arrays.len());
    }
    println!("\n{}", checkpoint.meta("config").unwrap_or(""));
    Ok(())
}
