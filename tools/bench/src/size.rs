//! The size of what is deployed: each function's release binary, and the
//! zip Lambda receives (`bootstrap` alone, deflated, as `cargo lambda build
//! --output-format zip` makes it).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::Error;

/// A binary's sizes, in bytes.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Size {
    /// The binary (`bootstrap`).
    pub bootstrap: u64,
    /// Its zip.
    pub zip: u64,
}

/// Measures `binary`: its size, and its zip's, made with Python's zipfile
/// (deflate, level 6: what zip tools use by default) in `scratch`.
pub fn measure(binary: &Path, scratch: &Path) -> Result<Size, Error> {
    let bootstrap = std::fs::metadata(binary)
        .map_err(|e| Error::Run(format!("{}: {e}", binary.display())))?
        .len();
    std::fs::create_dir_all(scratch)
        .map_err(|e| Error::Run(format!("{}: {e}", scratch.display())))?;
    let name = binary
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "function".into());
    let zip: PathBuf = scratch.join(format!("{name}.zip"));
    let script = "import sys, zipfile\n\
        info = zipfile.ZipInfo('bootstrap', date_time=(2026, 1, 1, 0, 0, 0))\n\
        info.external_attr = 0o100755 << 16\n\
        info.compress_type = zipfile.ZIP_DEFLATED\n\
        data = open(sys.argv[1], 'rb').read()\n\
        with zipfile.ZipFile(sys.argv[2], 'w') as z:\n    z.writestr(info, data, compresslevel=6)\n";
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(binary)
        .arg(&zip)
        .status()
        .map_err(|e| Error::Run(format!("python3 (to zip {name}): {e}")))?;
    if !status.success() {
        return Err(Error::Run(format!("zipping {name} failed: {status}")));
    }
    let zip = std::fs::metadata(&zip)
        .map_err(|e| Error::Run(format!("{}: {e}", zip.display())))?
        .len();
    Ok(Size { bootstrap, zip })
}
