//! The certificates the platform client trusts over HTTPS: the system's
//! bundle, read once per process.
//!
//! Why not `hyper-rustls`'s own loading (`rustls-native-certs`): it reads
//! the bundle through a reader, then every file of the certificate
//! directory besides (most of them the same certificates again), which the
//! first platform call of every process would pay for. Reading the one
//! bundle file into memory and parsing it from there is several times
//! quicker and trusts the same certificates.
//!
//! The AWS clients keep the SDK's own loading: the SDK takes other roots
//! only as PEM, which it parses again whenever it builds a connection's TLS
//! configuration, and the bench measured that slower at init than the SDK's
//! own loading, which it keeps for the process.
//!
//! Which file: `SSL_CERT_FILE` when it is set (as OpenSSL and
//! `rustls-native-certs` honour it), else the first bundle found where the
//! Linux distributions keep theirs (Amazon Linux 2023, Lambda's
//! `provided.al2023`, at `/etc/pki/tls/certs/ca-bundle.crt`). With
//! `SSL_CERT_DIR` set, or no bundle readable, [`system`] answers `None` and
//! the client falls back to `rustls-native-certs`, which reads directories
//! too.

use std::sync::OnceLock;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// Where the distributions keep their bundle of trusted roots, in the order
/// `openssl-probe` tries them.
const BUNDLES: [&str; 6] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
];

/// The roots of `pem` that rustls accepts as trust anchors (one that does
/// not parse is left out, as `rustls-native-certs` leaves it); `None` when
/// there is none.
pub fn roots_of(pem: &[u8]) -> Option<RootCertStore> {
    let mut store = RootCertStore::empty();
    // A section that is not valid PEM is skipped, as one rustls cannot use
    // as an anchor is.
    let certs = CertificateDer::pem_slice_iter(pem).flatten();
    let (usable, _unusable) = store.add_parsable_certificates(certs);
    (usable > 0).then_some(store)
}

/// The system's bundle of trusted roots, wherever this distribution keeps
/// it (`SSL_CERT_FILE` aside).
pub fn bundle_path() -> Option<&'static str> {
    BUNDLES
        .into_iter()
        .find(|path| std::path::Path::new(path).is_file())
}

/// The system's trusted roots, read at the first call and kept; `None` when
/// `rustls-native-certs` must load them (see the module's documentation).
pub fn system() -> Option<&'static RootCertStore> {
    static ROOTS: OnceLock<Option<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            if std::env::var_os("SSL_CERT_DIR").is_some() {
                return None;
            }
            let bytes = match std::env::var_os("SSL_CERT_FILE") {
                Some(file) => std::fs::read(file).ok()?,
                None => std::fs::read(bundle_path()?).ok()?,
            };
            let roots = roots_of(&bytes);
            if roots.is_none() {
                tracing::warn!(
                    "the certificate bundle holds no usable root; loading the system's roots the slow way"
                );
            }
            roots
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system's bundle: present on every machine the tests run on.
    fn bundle() -> Vec<u8> {
        std::fs::read(bundle_path().expect("a system certificate bundle")).unwrap()
    }

    #[test]
    fn the_bundle_is_read_whole() {
        let roots = roots_of(&bundle()).expect("roots");
        assert!(roots.len() > 50, "{}", roots.len());
    }

    #[test]
    fn a_certificate_that_does_not_parse_is_left_out_not_fatal() {
        let mut pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec();
        pem.extend(bundle());
        pem.extend_from_slice(b"not a certificate at all\n");
        let roots = roots_of(&pem).expect("roots");
        assert_eq!(roots.len(), roots_of(&bundle()).unwrap().len());
        assert!(roots_of(b"nothing here").is_none());
    }
}
