package dev.herald.schema.ledger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 9162 (Certificate Transparency 2.0, same hashing as RFC 6962) Merkle tree hashing, inclusion
 * and consistency proofs over SHA-256: leaf hash {@code SHA-256(0x00 || data)}, interior node
 * {@code SHA-256(0x01 || left || right)}, the empty tree's hash {@code SHA-256("")}. The proof
 * algorithms are the RFC's (§2.1.3, §2.1.4), checked against the test vectors of
 * transparency-dev/merkle in {@code MerkleTreeTest}.
 *
 * <pre>{@code
 * List<byte[]> leaves = ...;                                   // leaf hashes, in log order
 * byte[] root = MerkleTree.root(leaves, 0, leaves.size());
 * List<byte[]> path = MerkleTree.inclusionProof(leaves, 3, leaves.size());
 * boolean ok = MerkleTree.verifyInclusion(3, leaves.size(), leaves.get(3), path, root);
 * }</pre>
 */
public final class MerkleTree {
  /** SHA-256 output size. */
  public static final int HASH_SIZE = 32;

  private MerkleTree() {}

  /** {@code SHA-256(0x00 || data)}. */
  public static byte[] leafHash(byte[] data) {
    MessageDigest d = sha256();
    d.update((byte) 0);
    d.update(data);
    return d.digest();
  }

  /** {@code SHA-256(0x01 || left || right)}. */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest d = sha256();
    d.update((byte) 1);
    d.update(left);
    d.update(right);
    return d.digest();
  }

  /** The hash of the empty tree, {@code SHA-256("")}. */
  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  /** MTH(D[from:to]) over leaf hashes (RFC 9162 §2.1.1). */
  public static byte[] root(List<byte[]> leafHashes, long from, long to) {
    long n = to - from;
    if (n == 0) {
      return emptyRoot();
    }
    if (n == 1) {
      return leafHashes.get((int) from);
    }
    long k = largestPowerOfTwoBelow(n);
    return nodeHash(root(leafHashes, from, from + k), root(leafHashes, from + k, to));
  }

  /** PATH(m, D[0:size]): the audit path of leaf {@code index} in the tree of {@code size}. */
  public static List<byte[]> inclusionProof(List<byte[]> leafHashes, long index, long size) {
    if (index < 0 || index >= size || size > leafHashes.size()) {
      throw new IllegalArgumentException(
          "no leaf " + index + " in a tree of " + size + " (" + leafHashes.size() + " known)");
    }
    List<byte[]> out = new ArrayList<>();
    path(leafHashes, index, 0, size, out);
    return out;
  }

  private static void path(List<byte[]> d, long m, long from, long to, List<byte[]> out) {
    long n = to - from;
    if (n == 1) {
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m < k) {
      path(d, m, from, from + k, out);
      out.add(root(d, from + k, to));
    } else {
      path(d, m - k, from + k, to, out);
      out.add(root(d, from, from + k));
    }
  }

  /** PROOF(m, D[0:n]): the consistency proof of the tree of {@code m} within that of {@code n}. */
  public static List<byte[]> consistencyProof(List<byte[]> leafHashes, long m, long n) {
    if (m < 0 || m > n || n > leafHashes.size()) {
      throw new IllegalArgumentException(
          "no consistency proof from " + m + " to " + n + " (" + leafHashes.size() + " known)");
    }
    List<byte[]> out = new ArrayList<>();
    if (m > 0 && m < n) {
      subproof(leafHashes, m, 0, n, true, out);
    }
    return out;
  }

  private static void subproof(
      List<byte[]> d, long m, long from, long to, boolean b, List<byte[]> out) {
    long n = to - from;
    if (m == n) {
      if (!b) {
        out.add(root(d, from, to));
      }
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      subproof(d, m, from, from + k, b, out);
      out.add(root(d, from + k, to));
    } else {
      subproof(d, m - k, from + k, to, false, out);
      out.add(root(d, from, from + k));
    }
  }

  /** Verifies an inclusion proof (RFC 9162 §2.1.3.2); false, never an exception, on bad input. */
  public static boolean verifyInclusion(
      long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
    if (index < 0 || index >= size || leafHash == null || root == null || proof == null) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0 || p == null || p.length != HASH_SIZE) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  /**
   * Verifies a consistency proof between a tree of {@code size1} with {@code root1} and one of
   * {@code size2} with {@code root2} (RFC 9162 §2.1.4.2); false, never an exception, on bad input.
   */
  public static boolean verifyConsistency(
      long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
    if (size1 < 0 || size2 < size1 || root1 == null || root2 == null || proof == null) {
      return false;
    }
    if (size1 == size2) {
      return proof.isEmpty() && MessageDigest.isEqual(root1, root2);
    }
    if (size1 == 0) {
      return proof.isEmpty();
    }
    if (proof.isEmpty()) {
      return false;
    }
    List<byte[]> path = new ArrayList<>(proof);
    if (Long.bitCount(size1) == 1) {
      path.add(0, root1);
    }
    for (byte[] c : path) {
      if (c == null || c.length != HASH_SIZE) {
        return false;
      }
    }
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (byte[] c : path.subList(1, path.size())) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, root1) && MessageDigest.isEqual(sr, root2);
  }

  /** The largest power of two strictly below {@code n} (n ≥ 2). */
  static long largestPowerOfTwoBelow(long n) {
    return Long.highestOneBit(n - 1);
  }

  static byte[] copy(byte[] b) {
    return Arrays.copyOf(b, b.length);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java 17 runtime has SHA-256", e);
    }
  }
}
