//! The three key agreements (RFC 6189 §4.4.1, §5.1.5): DH-3072 over the
//! RFC 3526 MODP group, ECDH on P-256, and X25519.
//!
//! DHResult is what s0 hashes: for DH-3072 the shared value big-endian,
//! padded to the 384 octets of p; for EC-256 the x coordinate of the shared
//! point (32 octets); for X25519 the 32-octet shared secret.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, U256, U3072};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use rand_core::OsRng;

use super::algo::KeyAgreement;
use super::crypto::random32;

/// The 3072-bit MODP prime of RFC 3526 §4 (generator 2).
/// p = 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 * pi) + 1690314); the test
/// `modp_prime_is_rfc3526` checks the parts of it the formula fixes.
const MODP3072: U3072 = U3072::from_be_hex(concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
));

fn modp3072() -> U3072 {
    MODP3072
}

/// Why a peer's public value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyAgreementError {
    /// Wrong length for the algorithm.
    #[error("public value of {got} octets, {want} expected")]
    Length {
        /// Octets expected.
        want: usize,
        /// Octets received.
        got: usize,
    },
    /// DH value outside 1 < pv < p-1, a point not on the curve, or an
    /// X25519 value giving an all-zero secret (§4.4.1.1, error 0x61).
    #[error("bad public value")]
    BadValue,
}

enum Secret {
    Dh(U256),
    Ec(p256::ecdh::EphemeralSecret),
    X(x25519_dalek::StaticSecret),
}

/// Our side of one key agreement: a fresh secret and its public value.
pub struct KeyPair {
    kind: KeyAgreement,
    secret: Secret,
    public: Vec<u8>,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// A fresh key pair. DH-3072 uses a 256-bit exponent (twice the 128-bit
    /// strength of the group, as §5.1.5 asks).
    pub fn generate(kind: KeyAgreement) -> KeyPair {
        let (secret, public) = match kind {
            KeyAgreement::Dh3k => {
                let sv = U256::from_be_slice(&random32());
                let p = modp3072();
                let params = DynResidueParams::new(&p);
                let pv = DynResidue::new(&U3072::from_u8(2), params)
                    .pow(&sv)
                    .retrieve();
                (Secret::Dh(sv), pv.to_be_bytes().to_vec())
            }
            KeyAgreement::Ec25 => {
                let s = p256::ecdh::EphemeralSecret::random(&mut OsRng);
                let point = s.public_key().to_encoded_point(false);
                // x || y without the 0x04 SEC1 prefix (§5.1.5).
                let public = point.as_bytes().get(1..).unwrap_or_default().to_vec();
                (Secret::Ec(s), public)
            }
            KeyAgreement::X255 => {
                let s = x25519_dalek::StaticSecret::random_from_rng(OsRng);
                let public = x25519_dalek::PublicKey::from(&s).as_bytes().to_vec();
                (Secret::X(s), public)
            }
        };
        KeyPair {
            kind,
            secret,
            public,
        }
    }

    /// The algorithm.
    pub fn kind(&self) -> KeyAgreement {
        self.kind
    }

    /// Our public value as DHPart carries it.
    pub fn public(&self) -> &[u8] {
        &self.public
    }

    /// DHResult with the peer's public value, after checking it.
    pub fn agree(&self, peer: &[u8]) -> Result<Vec<u8>, KeyAgreementError> {
        let want = self.kind.pv_len();
        if peer.len() != want {
            return Err(KeyAgreementError::Length {
                want,
                got: peer.len(),
            });
        }
        match &self.secret {
            Secret::Dh(sv) => {
                let p = modp3072();
                let pv = U3072::from_be_slice(peer);
                let p_minus_1 = p.wrapping_sub(&U3072::ONE);
                // 1 < pv < p-1: refuses 0, 1, p-1 and anything not reduced.
                if pv <= U3072::ONE || pv >= p_minus_1 {
                    return Err(KeyAgreementError::BadValue);
                }
                let params = DynResidueParams::new(&p);
                let shared = DynResidue::new(&pv, params).pow(sv).retrieve();
                Ok(shared.to_be_bytes().to_vec())
            }
            Secret::Ec(s) => {
                let mut sec1 = Vec::with_capacity(65);
                sec1.push(4);
                sec1.extend_from_slice(peer);
                let pk = p256::PublicKey::from_sec1_bytes(&sec1)
                    .map_err(|_| KeyAgreementError::BadValue)?;
                Ok(s.diffie_hellman(&pk).raw_secret_bytes().to_vec())
            }
            Secret::X(s) => {
                let mut b = [0u8; 32];
                b.copy_from_slice(peer);
                let shared = s.diffie_hellman(&x25519_dalek::PublicKey::from(b));
                if !shared.was_contributory() {
                    return Err(KeyAgreementError::BadValue);
                }
                Ok(shared.as_bytes().to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agreement_matches_both_ways() {
        for &kind in KeyAgreement::ALL {
            let (a, b) = (KeyPair::generate(kind), KeyPair::generate(kind));
            assert_eq!(a.public().len(), kind.pv_len());
            let (x, y) = (a.agree(b.public()).unwrap(), b.agree(a.public()).unwrap());
            assert_eq!(x, y, "{kind}");
            assert!(x.iter().any(|&v| v != 0));
        }
    }

    #[test]
    fn dh_bad_values_refused() {
        let a = KeyPair::generate(KeyAgreement::Dh3k);
        let p = modp3072();
        for bad in [U3072::ZERO, U3072::ONE, p.wrapping_sub(&U3072::ONE), p] {
            assert_eq!(
                a.agree(&bad.to_be_bytes()),
                Err(KeyAgreementError::BadValue)
            );
        }
        let two = U3072::from_u8(2).to_be_bytes();
        assert!(a.agree(&two).is_ok());
        assert!(matches!(
            a.agree(&[1u8; 10]),
            Err(KeyAgreementError::Length { .. })
        ));
        let e = KeyPair::generate(KeyAgreement::Ec25);
        assert_eq!(e.agree(&[7u8; 64]), Err(KeyAgreementError::BadValue));
        let x = KeyPair::generate(KeyAgreement::X255);
        assert_eq!(x.agree(&[0u8; 32]), Err(KeyAgreementError::BadValue));
    }

    /// p is the RFC 3526 prime: top and bottom 64 bits all ones, and it
    /// starts with the octets of pi the formula puts there.
    #[test]
    fn modp_prime_is_rfc3526() {
        let b = modp3072().to_be_bytes();
        assert_eq!(&b[..8], &[0xff; 8]);
        assert_eq!(&b[376..], &[0xff; 8]);
        assert_eq!(&b[8..12], &[0xc9, 0x0f, 0xda, 0xa2]);
        // Fermat: 2^(p-1) = 1 mod p (a typo in the constant would fail),
        // and 2^((p-1)/2) = 1: 2 generates the prime-order subgroup of the
        // safe prime, as RFC 3526 chose it.
        let p = modp3072();
        let params = DynResidueParams::new(&p);
        let two = DynResidue::new(&U3072::from_u8(2), params);
        let p1 = p.wrapping_sub(&U3072::ONE);
        assert_eq!(two.pow(&p1).retrieve(), U3072::ONE);
        assert_eq!(two.pow(&p1.shr_vartime(1)).retrieve(), U3072::ONE);
    }
}
