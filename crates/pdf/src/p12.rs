//! A PKCS#12 reader for a unit's signing identity: the RSA key, its certificate and the chain.
//!
//! Supports what current tools write by default (OpenSSL 3, Windows "AES256-SHA256"): PBES2 with
//! PBKDF2 and AES-CBC for the key and certificate bags, an HMAC-SHA-256 or HMAC-SHA-1 MAC. Files in
//! the legacy RC2/3DES format are refused with a message saying how to convert them.

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use der::asn1::OctetString;
use der::oid::ObjectIdentifier;
use der::{AnyRef, Decode, Encode};
use hmac::{Hmac, Mac};
use pkcs12::cert_type::CertBag;
use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};
use pkcs12::pfx::Pfx;
use pkcs12::safe_bag::SafeContents;
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use x509_cert::Certificate;

use crate::Error;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const X509_CERT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

/// A signing identity: the private key, its certificate, and the other certificates of the file.
#[derive(Clone)]
pub struct Identity {
    pub key: RsaPrivateKey,
    pub certificate: Certificate,
    pub chain: Vec<Certificate>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field(
                "subject",
                &self.certificate.tbs_certificate.subject.to_string(),
            )
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::Certificate(what.to_string())
}

/// The content of a ContentInfo of type id-data: an OCTET STRING.
fn data_octets(ci: &ContentInfo) -> Result<Vec<u8>, Error> {
    let os: OctetString = ci.content.decode_as().map_err(bad)?;
    Ok(os.into_bytes())
}

/// The inner value of a SafeBag's `[0] EXPLICIT` bag value.
fn bag_inner(bag_value: &[u8]) -> Result<&[u8], Error> {
    Ok(AnyRef::from_der(bag_value).map_err(bad)?.value())
}

/// Reads a PKCS#12 file with its password.
pub fn read_pkcs12(p12: &[u8], password: &str) -> Result<Identity, Error> {
    let pfx = Pfx::from_der(p12).map_err(bad)?;
    if pfx.auth_safe.content_type != ID_DATA {
        return Err(bad(
            "authSafe is not id-data (public-key integrity mode is not supported)",
        ));
    }
    let auth_safe = data_octets(&pfx.auth_safe)?;
    // The MAC proves the password before anything is decrypted.
    if let Some(mac) = &pfx.mac_data {
        let salt = mac.mac_salt.as_bytes();
        let ok = match mac.mac.algorithm.oid {
            ID_SHA256 => {
                let k = derive_key_utf8::<sha2::Sha256>(
                    password,
                    salt,
                    Pkcs12KeyType::Mac,
                    mac.iterations,
                    32,
                )
                .map_err(bad)?;
                let mut h = Hmac::<sha2::Sha256>::new_from_slice(&k).map_err(bad)?;
                h.update(&auth_safe);
                h.verify_slice(mac.mac.digest.as_bytes()).is_ok()
            }
            ID_SHA1 => {
                let k = derive_key_utf8::<sha1::Sha1>(
                    password,
                    salt,
                    Pkcs12KeyType::Mac,
                    mac.iterations,
                    20,
                )
                .map_err(bad)?;
                let mut h = Hmac::<sha1::Sha1>::new_from_slice(&k).map_err(bad)?;
                h.update(&auth_safe);
                h.verify_slice(mac.mac.digest.as_bytes()).is_ok()
            }
            other => return Err(bad(format!("MAC algorithm {other} not supported"))),
        };
        if !ok {
            return Err(Error::Password);
        }
    }
    let parts: Vec<ContentInfo> = Vec::from_der(&auth_safe).map_err(bad)?;
    let mut keys = vec![];
    let mut certs = vec![];
    for part in parts {
        let safe_contents = match part.content_type {
            ID_DATA => data_octets(&part)?,
            ID_ENCRYPTED_DATA => {
                let ed: EncryptedData = part.content.decode_as().map_err(bad)?;
                let alg = ed.enc_content_info.content_enc_alg.to_der().map_err(bad)?;
                let scheme = pkcs5::EncryptionScheme::from_der(&alg).map_err(|_| legacy())?;
                if !matches!(scheme, pkcs5::EncryptionScheme::Pbes2(_)) {
                    return Err(legacy());
                }
                let ct = ed
                    .enc_content_info
                    .encrypted_content
                    .ok_or_else(|| bad("empty encrypted content"))?;
                scheme
                    .decrypt(password, ct.as_bytes())
                    .map_err(|_| Error::Password)?
            }
            _ => continue,
        };
        let bags = SafeContents::from_der(&safe_contents).map_err(bad)?;
        for bag in bags {
            let inner = bag_inner(&bag.bag_value)?;
            match bag.bag_id {
                pkcs12::PKCS_12_PKCS8_KEY_BAG_OID => {
                    let enc = pkcs8::EncryptedPrivateKeyInfo::from_der(inner).map_err(bad)?;
                    if !matches!(enc.encryption_algorithm, pkcs5::EncryptionScheme::Pbes2(_)) {
                        return Err(legacy());
                    }
                    let doc = enc.decrypt(password).map_err(|_| Error::Password)?;
                    keys.push(RsaPrivateKey::from_pkcs8_der(doc.as_bytes()).map_err(|e| {
                        bad(format!(
                            "only RSA keys are supported / chỉ hỗ trợ khóa RSA ({e})"
                        ))
                    })?);
                }
                pkcs12::PKCS_12_KEY_BAG_OID => {
                    keys.push(RsaPrivateKey::from_pkcs8_der(inner).map_err(bad)?);
                }
                pkcs12::PKCS_12_CERT_BAG_OID => {
                    let cb = CertBag::from_der(inner).map_err(bad)?;
                    if cb.cert_id == X509_CERT {
                        certs.push(Certificate::from_der(cb.cert_value.as_bytes()).map_err(bad)?);
                    }
                }
                _ => {}
            }
        }
    }
    let key = keys
        .into_iter()
        .next()
        .ok_or_else(|| bad("no private key / không có khóa bí mật"))?;
    // The signer's certificate is the one whose public key matches the private key.
    let public =
        rsa::pkcs8::EncodePublicKey::to_public_key_der(&key.to_public_key()).map_err(bad)?;
    let pos = certs
        .iter()
        .position(|c| {
            c.tbs_certificate
                .subject_public_key_info
                .to_der()
                .ok()
                .as_deref()
                == Some(public.as_bytes())
        })
        .ok_or_else(|| bad("no certificate for the private key / không có chứng thư của khóa"))?;
    let certificate = certs.remove(pos);
    Ok(Identity {
        key,
        certificate,
        chain: certs,
    })
}

fn legacy() -> Error {
    bad(
        "định dạng mã hóa cũ (RC2/3DES), hãy xuất lại bằng: openssl pkcs12 -in cu.p12 -legacy -nodes | \
         openssl pkcs12 -export -out moi.p12 / legacy RC2/3DES encryption: re-export it with OpenSSL 3 defaults",
    )
}
