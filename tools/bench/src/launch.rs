//! How the bench starts what it measures against the stub: memnun's release
//! binaries with the template's environment and Lambda's, the Python and
//! Node.js peers under their interpreters, and what each of them trusts.
//!
//! One place for it, because two phases start the same processes: init
//! measured with every function in turn ([`crate::measure::init_in_turn`])
//! and each function's own phase ([`crate::measure::measure`]). A launch
//! that differed between them would make their figures incomparable.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::measure::Transport;
use crate::process::Launch;
use crate::stub::Stub;

/// One of memnun's functions as the bench starts it.
pub struct Target {
    /// Its binary's name (`order-journey`).
    pub name: String,
    /// The release binary.
    pub binary: PathBuf,
    /// The template's environment for it and Lambda's (without the stub's
    /// endpoints, which depend on the transport).
    pub base: Vec<(String, String)>,
}

/// What every launch of one bench run shares.
pub struct Launcher<'a> {
    /// The bundles with the stub's CA, when the stub has a certificate.
    pub trust: Option<&'a Trusted>,
    /// The stub's CA alone.
    pub ca: Option<&'a Path>,
    /// Where the peers' compiled modules go.
    pub scratch: &'a Path,
}

impl Launcher<'_> {
    /// memnun's `target`, reaching `stub` over `transport`.
    pub fn memnun(&self, target: &Target, stub: &Stub, transport: Transport) -> Launch {
        let mut env = target.base.clone();
        env.extend(stub.endpoint_env(transport != Transport::Plain));
        if let Some(trust) = self.trust {
            env.push(("SSL_CERT_FILE".into(), trust.system.display().to_string()));
            // Over plain HTTP the AWS clients trust what they have built in,
            // as on Lambda: no file is read, and the init measured parses
            // the five roots once, not a bundle twice.
            if transport != Transport::Plain {
                env.push(("AWS_CA_BUNDLE".into(), trust.aws.display().to_string()));
            }
        }
        if transport == Transport::TlsUnprimed {
            env.push(("TLS_PRIMING".into(), "off".into()));
        }
        Launch {
            label: target.name.clone(),
            program: target.binary.clone(),
            args: Vec::new(),
            env,
        }
    }

    /// `peer`'s implementation of `target` under `program` (its
    /// interpreter), reaching `stub` over `transport`. The peer never
    /// primes, so the transport only picks the endpoints.
    pub fn peer(
        &self,
        peer: Peer,
        program: &Path,
        target: &Target,
        stub: &Stub,
        transport: Transport,
    ) -> Launch {
        let mut env = target.base.clone();
        env.extend(stub.endpoint_env(transport != Transport::Plain));
        let module = target.name.replace('-', "_");
        env.push(("_HANDLER".into(), format!("{module}.handler")));
        env.extend(peer.env(
            self.ca,
            self.trust.map(|t| t.system.as_path()),
            self.scratch,
        ));
        Launch {
            label: format!("{} ({})", target.name, peer.label()),
            program: program.to_path_buf(),
            args: vec![peer.bootstrap().display().to_string()],
            env,
        }
    }
}

/// What the runtimes measured trust, each with the stub's CA appended.
pub struct Trusted {
    /// The system's bundle (`trusted.pem`): the Python peer's AWS clients
    /// (`AWS_CA_BUNDLE`) and memnun's platform client (`SSL_CERT_FILE`).
    pub system: PathBuf,
    /// The roots memnun's AWS clients have built in (`aws-trusted.pem`,
    /// memnun's `AWS_CA_BUNDLE`): on Lambda they read no file, and parse
    /// these five.
    pub aws: PathBuf,
}

/// Writes the bundles of [`Trusted`] into `dir`.
pub fn trusted(ca: &Path, dir: &Path) -> Result<Trusted, Error> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Error::Setup(format!("{}: {e}", path.display())))
    };
    let system = memnun_shared::adapters::trust::bundle_path()
        .ok_or_else(|| Error::Setup("no system certificate bundle".into()))?;
    let ca = read(ca)?;
    let write = |name: &str, mut bundle: Vec<u8>| {
        if !bundle.ends_with(b"\n") {
            bundle.push(b'\n');
        }
        bundle.extend_from_slice(&ca);
        let out = dir.join(name);
        std::fs::write(&out, bundle)
            .map_err(|e| Error::Setup(format!("{}: {e}", out.display())))?;
        Ok::<_, Error>(out)
    };
    Ok(Trusted {
        system: write("trusted.pem", read(Path::new(system))?)?,
        aws: write(
            "aws-trusted.pem",
            memnun_shared::adapters::trust::AWS_ROOTS
                .as_bytes()
                .to_vec(),
        )?,
    })
}

/// The environment Lambda gives every function, beyond the template's.
pub fn lambda_env(name: &str, log_level: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_FUNCTION_NAME", name),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", log_level),
        ("AWS_REGION", memnun_tests::template::LOCAL_REGION),
        ("AWS_DEFAULT_REGION", memnun_tests::template::LOCAL_REGION),
        ("AWS_ACCESS_KEY_ID", "ASIABENCHBENCHBENCH0"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "bench/bench/bench/bench/bench/bench/bench0",
        ),
        ("AWS_SESSION_TOKEN", "bench-session-token"),
        ("TZ", ":UTC"),
        ("LANG", "en_US.UTF-8"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The bench's own directory (`tools/bench`).
pub fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The peers memnun is measured beside: the same two functions, the same
/// calls, written the way most shops write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// Python 3.11 on boto3 (`tools/bench/peer`).
    Python,
    /// Node.js 20 on the AWS SDK for JavaScript v3 (`tools/bench/peer-node`).
    Node,
}

impl Peer {
    pub const ALL: [Peer; 2] = [Peer::Python, Peer::Node];

    pub fn label(self) -> &'static str {
        match self {
            Peer::Python => "Python peer",
            Peer::Node => "Node.js peer",
        }
    }

    fn dir(self) -> PathBuf {
        bench_dir().join(match self {
            Peer::Python => "peer",
            Peer::Node => "peer-node",
        })
    }

    pub fn installer(self) -> String {
        format!(
            "tools/bench/{}/install.sh",
            match self {
                Peer::Python => "peer",
                Peer::Node => "peer-node",
            }
        )
    }

    /// What must exist for it to run, as the note says when it does not.
    pub fn missing(self) -> String {
        match self {
            Peer::Python => format!(
                "{} is missing",
                self.dir().join(".venv/bin/python").display()
            ),
            Peer::Node => format!(
                "{} is missing, or node is not on PATH",
                self.dir().join("node_modules").display()
            ),
        }
    }

    /// The interpreter, when the peer is installed.
    pub fn program(self) -> Option<PathBuf> {
        match self {
            Peer::Python => Some(self.dir().join(".venv/bin/python")).filter(|p| p.exists()),
            Peer::Node => {
                if !self.dir().join("node_modules").exists() {
                    return None;
                }
                std::env::var_os("PATH").and_then(|paths| {
                    std::env::split_paths(&paths)
                        .map(|dir| dir.join("node"))
                        .find(|node| node.is_file())
                })
            }
        }
    }

    fn bootstrap(self) -> PathBuf {
        self.dir().join(match self {
            Peer::Python => "bootstrap.py",
            Peer::Node => "bootstrap.mjs",
        })
    }

    /// Its runtime's own settings: what it trusts (Python the same bundle
    /// as memnun, read as botocore reads its own; Node.js its built-in roots
    /// and the stub's CA), where compiled modules go (under target/, not
    /// beside the sources).
    fn env(self, ca: Option<&Path>, trust: Option<&Path>, scratch: &Path) -> Vec<(String, String)> {
        let mut env = Vec::new();
        match self {
            Peer::Python => {
                if let Some(trust) = trust {
                    env.push(("AWS_CA_BUNDLE".into(), trust.display().to_string()));
                }
                env.push((
                    "PYTHONPYCACHEPREFIX".into(),
                    scratch.join("pycache").display().to_string(),
                ));
            }
            Peer::Node => {
                if let Some(ca) = ca {
                    env.push(("NODE_EXTRA_CA_CERTS".into(), ca.display().to_string()));
                }
            }
        }
        env
    }
}
