//! The certificates memnun trusts over HTTPS: for the AWS clients, the
//! roots AWS's endpoints chain to, built in; for the platform client, the
//! system's bundle, read once per process.
//!
//! ## The AWS clients
//!
//! In the `aws` partition, every endpoint memnun calls (DynamoDB, SQS, SES,
//! SSM, S3) presents a certificate of Amazon Trust Services, whose chains
//! end at Amazon Root CA 1–4 or at the Starfield root that cross-signs them.
//! Those five ([`AWS_ROOTS`], `aws-roots.pem` beside this file, with their
//! fingerprints) are all the AWS clients trust. Why not the system's
//! bundle, as the SDK would load it: reading and parsing its 145 roots
//! took about 1 ms of every cold start (a fifth of init), to trust 140
//! authorities those endpoints do not use; and trusting fewer is the safer
//! default. A deployment that must reach AWS through something else (a
//! TLS-inspecting proxy, an emulator over TLS), or in another partition
//! (the China regions, whose endpoints these roots are not known to cover),
//! names its bundle in `AWS_CA_BUNDLE`, as the AWS CLI reads it; it then
//! replaces the built-in roots, and init stops naming the variable when
//! the file does not hold only certificates rustls can trust.
//!
//! ## The platform client
//!
//! Shops' stores and help desks (Shopify, Zendesk, …) use any public
//! authority, so the platform client trusts the system's bundle. Why not
//! `hyper-rustls`'s own loading (`rustls-native-certs`): it reads
//! the bundle through a reader, then every file of the certificate
//! directory besides (most of them the same certificates again), which the
//! first platform call of every process would pay for. Reading the one
//! bundle file into memory and parsing it from there is several times
//! quicker and trusts the same certificates.
//!
//! Which file: `SSL_CERT_FILE` when it is set (as OpenSSL and
//! `rustls-native-certs` honour it), else the first bundle found where the
//! Linux distributions keep theirs (Amazon Linux 2023, Lambda's
//! `provided.al2023`, at `/etc/pki/tls/certs/ca-bundle.crt`). With
//! `SSL_CERT_DIR` set, or no bundle readable, [`system`] answers `None` and
//! the client falls back to `rustls-native-certs`, which reads directories
//! too.

use std::borrow::Cow;
use std::sync::OnceLock;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// The roots AWS's service endpoints chain to, in PEM: Amazon Root CA 1–4
/// and Starfield Services Root Certificate Authority – G2.
pub const AWS_ROOTS: &str = include_str!("aws-roots.pem");

/// The variable naming a bundle the AWS clients trust instead of
/// [`AWS_ROOTS`] (as the AWS CLI and boto3 read it).
pub const AWS_CA_BUNDLE: &str = "AWS_CA_BUNDLE";

/// The PEM the AWS clients trust: the bundle `AWS_CA_BUNDLE` names when it
/// is set, else [`AWS_ROOTS`].
///
/// The SDK parses these again whenever it builds a TLS configuration, and
/// stops the process at a certificate it cannot use; so a bundle is checked
/// whole here, at init, and refused with the variable's name.
pub fn aws() -> crate::Result<Cow<'static, [u8]>> {
    let Some(path) = std::env::var_os(AWS_CA_BUNDLE).filter(|p| !p.is_empty()) else {
        return Ok(Cow::Borrowed(AWS_ROOTS.as_bytes()));
    };
    let refused = |reason: String| crate::Error::Config {
        var: AWS_CA_BUNDLE,
        reason,
    };
    let pem = std::fs::read(&path)
        .map_err(|e| refused(format!("names a file that cannot be read ({})", e.kind())))?;
    trusted_whole(&pem).map_err(refused)?;
    Ok(Cow::Owned(pem))
}

/// How many roots `pem` holds, when every certificate in it is one rustls
/// takes as a trust anchor and there is at least one; else why not.
pub fn trusted_whole(pem: &[u8]) -> Result<usize, String> {
    let mut store = RootCertStore::empty();
    for (i, cert) in CertificateDer::pem_slice_iter(pem).enumerate() {
        let n = i + 1;
        let cert =
            cert.map_err(|_| format!("names a bundle whose certificate {n} is not valid PEM"))?;
        store.add(cert).map_err(|_| {
            format!("names a bundle whose certificate {n} cannot be a trusted root")
        })?;
    }
    if store.is_empty() {
        return Err("names a file with no certificate in it".into());
    }
    Ok(store.len())
}

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
    fn the_aws_roots_are_the_five_aws_chains_end_at() {
        use sha2::{Digest, Sha256};
        // The SHA-256 fingerprints Amazon Trust Services publishes
        // (https://www.amazontrust.com/repository/).
        let published = [
            "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", // Amazon Root CA 1
            "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", // Amazon Root CA 2
            "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", // Amazon Root CA 3
            "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", // Amazon Root CA 4
            "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", // Starfield Services G2
        ];
        let ours: Vec<String> = CertificateDer::pem_slice_iter(AWS_ROOTS.as_bytes())
            .map(|cert| {
                let digest = Sha256::digest(cert.expect("valid PEM").as_ref());
                digest.iter().map(|b| format!("{b:02x}")).collect()
            })
            .collect();
        assert_eq!(ours, published);
        assert_eq!(trusted_whole(AWS_ROOTS.as_bytes()), Ok(5));
    }

    #[test]
    fn a_bundle_for_the_aws_clients_must_hold_only_usable_roots() {
        assert!(trusted_whole(&bundle()).is_ok_and(|n| n > 50));
        let mut broken = AWS_ROOTS.as_bytes().to_vec();
        broken.extend_from_slice(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        let why = trusted_whole(&broken).unwrap_err();
        assert!(why.contains("certificate 6"), "{why}");
        assert_eq!(
            trusted_whole(b"no certificate here"),
            Err("names a file with no certificate in it".into())
        );
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
