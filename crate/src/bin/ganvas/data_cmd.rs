//! `ganvas data fetch NAME`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::error::CliError;

#[derive(Subcommand)]
pub enum DataAction {
    /// Download and verify a data set: fashion-mnist, mnist or emoji.
    Fetch {
        /// The data set.
        name: String,
        /// Folder that receives `<name>/`.
        #[arg(long, default_value = "data")]
        dir: PathBuf,
    },
}

pub fn run(action: DataAction) -> Result<(), CliError> {
    match action {
        DataAction::Fetch { name, dir } => {
            eprintln!("fetching {name} into {} …", dir.display());
            let path = ganvas::data::fetch(&name, &dir)?;
            println!("{name}: ready in {}", path.display());
            Ok(())
        }
    }
}
