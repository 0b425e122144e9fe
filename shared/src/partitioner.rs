//! librdkafka's partitioners, so the page can predict where a key goes before sending.
//!
//! The same functions as librdkafka's `rdkafka_msg.c`: CRC32 for `consistent*`, Java's
//! murmur2 for `murmur2*`, FNV-1a for `fnv1a*`. Keyless messages under the `*_random`
//! partitioners (and every message under `random`) have no predictable partition:
//! librdkafka's sticky partitioner picks one and keeps it for
//! `sticky.partitioning.linger.ms`.

use crate::settings::Partitioner;

/// CRC-32 (IEEE 802.3, reflected), as librdkafka's `rd_crc32`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Java's murmur2, as Kafka's Java producer and librdkafka's `rd_murmur2` compute it.
pub fn murmur2(bytes: &[u8]) -> u32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    let mut h = SEED ^ bytes.len() as u32;
    let mut chunks = bytes.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M) ^ k;
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate().rev() {
            h ^= u32::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^ (h >> 15)
}

/// FNV-1a, with the absolute value librdkafka takes to match Sarama.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    let h = bytes.iter().fold(0x811C_9DC5_u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193)) as i32;
    h.wrapping_abs() as u32
}

/// The partition librdkafka picks for `key` among `partitions`, or `None` when it is
/// not determined by the key (random, or keyless under a `*_random` partitioner).
pub fn predict(partitioner: Partitioner, key: Option<&[u8]>, partitions: u32) -> Option<u32> {
    if partitions == 0 {
        return None;
    }
    let key = key.unwrap_or_default();
    let keyless = key.is_empty();
    let hash = match partitioner {
        Partitioner::Random => return None,
        Partitioner::ConsistentRandom | Partitioner::Murmur2Random | Partitioner::Fnv1aRandom if keyless => {
            return None;
        }
        Partitioner::Consistent | Partitioner::ConsistentRandom => crc32(key),
        Partitioner::Murmur2 | Partitioner::Murmur2Random => murmur2(key) & 0x7fff_ffff,
        Partitioner::Fnv1a | Partitioner::Fnv1aRandom => fnv1a(key),
    };
    Some(hash % partitions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_librdkafkas_java_vectors() {
        let pre = "PreAmbleWillBeRemoved,ThePrePartThatIs";
        let cases: [(&str, u32); 11] = [
            ("kafka", 0xd067cf64),
            ("giberish123456789", 0x8f552b0c),
            ("1234", 0x9fc97b14),
            ("234", 0xe7c009ca),
            ("34", 0x873930da),
            ("4", 0x5a4b5ca1),
            (pre, 0x78424f1c),
            (&pre[1..], 0x4a62b377),
            (&pre[2..], 0xe0e4e09e),
            (&pre[3..], 0x62b8b43f),
            ("", 0x106e08d9),
        ];
        for (key, want) in cases {
            assert_eq!(murmur2(key.as_bytes()), want, "{key:?}");
        }
    }

    #[test]
    fn crc32_is_the_standard_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn keyless_and_random_are_not_predicted() {
        assert_eq!(predict(Partitioner::ConsistentRandom, None, 6), None);
        assert_eq!(predict(Partitioner::Random, Some(b"k"), 6), None);
        // consistent maps the empty key to one partition: crc32("") = 0.
        assert_eq!(predict(Partitioner::Consistent, None, 6), Some(0));
    }

    #[test]
    fn librdkafka_and_java_disagree_on_most_keys() {
        let differ = (1..=100)
            .filter(|i| {
                let key = format!("ORD-{i:04}");
                predict(Partitioner::ConsistentRandom, Some(key.as_bytes()), 6)
                    != predict(Partitioner::Murmur2Random, Some(key.as_bytes()), 6)
            })
            .count();
        assert!(differ > 60, "{differ} of 100 keys land elsewhere with Java's hash");
    }
}
