//! The Merkle tree of the log, as in Certificate Transparency (RFC 6962, RFC 9162 §2.1): leaf
//! hashes `SHA-256(0x00 ‖ entry)`, node hashes `SHA-256(0x01 ‖ left ‖ right)`, the tree of `n`
//! leaves split at the largest power of two below `n`.
//!
//! ```
//! use consentry_records::merkle::{inclusion_proof, leaf_hash, root, verify_inclusion};
//! let leaves: Vec<_> = (0..5u8).map(|i| leaf_hash(&[i])).collect();
//! let head = root(&leaves);
//! let path = inclusion_proof(3, &leaves).unwrap();
//! assert!(verify_inclusion(&leaves[3], 3, 5, &path, &head));
//! assert!(!verify_inclusion(&leaves[2], 3, 5, &path, &head));
//! ```

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of the empty tree: `SHA-256()`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The leaf hash of one entry's bytes: `SHA-256(0x00 ‖ bytes)`.
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(bytes);
    h.finalize().into()
}

/// The hash of an inner node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the tree over these leaf hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    let mut f = Frontier::default();
    for l in leaves {
        f.push(*l);
    }
    f.root()
}

/// The roots of the perfect subtrees of a growing tree (one per set bit of its size), so a
/// stream of leaves can be hashed in constant memory and the root read at any size.
#[derive(Clone, Debug, Default)]
pub struct Frontier {
    /// Perfect subtrees, largest first, with their heights.
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl Frontier {
    /// Adds the next leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(height, left)) = self.stack.last() {
            if height != node.0 {
                break;
            }
            self.stack.pop();
            node = (height + 1, node_hash(&left, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    /// How many leaves were pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the tree of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return empty_root();
        };
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 9162 §2.1.3.1), bottom up.
/// `None` when `index` is not a leaf of the tree.
pub fn inclusion_proof(index: u64, leaves: &[Hash]) -> Option<Vec<Hash>> {
    if index >= leaves.len() as u64 {
        return None;
    }
    let mut path = Vec::new();
    path_into(index as usize, leaves, &mut path);
    Some(path)
}

fn path_into(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path_into(m, &leaves[..k], out);
        out.push(root(&leaves[k..]));
    } else {
        path_into(m - k, &leaves[k..], out);
        out.push(root(&leaves[..k]));
    }
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// Checks an audit path (RFC 9162 §2.1.3.2): that `leaf` is leaf `index` of the tree of `size`
/// leaves whose root is `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && &r == root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962's definition, written out recursively, as the reference.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n);
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
    }

    #[test]
    fn frontier_root_is_the_rfc_root_at_every_size() {
        let all = leaves(70);
        let mut f = Frontier::default();
        assert_eq!(f.root(), reference_root(&[]));
        for (i, l) in all.iter().enumerate() {
            f.push(*l);
            assert_eq!(f.root(), reference_root(&all[..=i]), "size {}", i + 1);
        }
    }

    #[test]
    fn every_leaf_proves_in_every_tree_and_nothing_else_does() {
        for n in 1..40 {
            let all = leaves(n);
            let head = root(&all);
            for m in 0..n {
                let path = inclusion_proof(m as u64, &all).unwrap();
                assert!(verify_inclusion(&all[m], m as u64, n as u64, &path, &head));
                // Another leaf, another index, a cut path or another root fail.
                let other = leaf_hash(b"other");
                assert!(!verify_inclusion(&other, m as u64, n as u64, &path, &head));
                if n > 1 {
                    let wrong = (m + 1) % n;
                    assert!(!verify_inclusion(
                        &all[m],
                        wrong as u64,
                        n as u64,
                        &path,
                        &head
                    ));
                    assert!(!verify_inclusion(
                        &all[m],
                        m as u64,
                        n as u64,
                        &path[1..],
                        &head
                    ));
                }
                // The root of a tree one leaf larger: the path does not lead there.
                let mut more = all.clone();
                more.push(leaf_hash(b"next"));
                assert!(!verify_inclusion(
                    &all[m],
                    m as u64,
                    n as u64,
                    &path,
                    &root(&more)
                ));
            }
            assert!(inclusion_proof(n as u64, &all).is_none());
        }
    }

    #[test]
    fn known_answer_empty_tree() {
        // RFC 6962 test vector: the empty tree's root.
        let hex: String = empty_root().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
