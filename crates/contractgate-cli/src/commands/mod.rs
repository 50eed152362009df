//! One module per subcommand.

pub mod diff;
pub mod generate;
pub mod lint;
pub mod replay;
pub mod run;
