package dev.herald.schema.ledger;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The state an append-only RFC 9162 log needs to extend itself and compute its root: its size and
 * the roots of the perfect subtrees its leaves decompose into (one per set bit of the size, largest
 * first) — at most 64 hashes, whatever the size. This is what the auditor keeps per log; the leaf
 * hashes themselves go to {@code herald.audit-log.v1} (32 bytes per alert).
 *
 * <pre>{@code
 * CompactRange log = CompactRange.EMPTY.append(leafHash);
 * byte[] root = log.root();
 * byte[] stored = log.encode();  // CompactRange.decode(stored) gives it back
 * }</pre>
 *
 * @param size number of leaves
 * @param peaks roots of the perfect subtrees, left to right (largest first)
 */
public record CompactRange(long size, List<byte[]> peaks) {
  /** The empty log. */
  public static final CompactRange EMPTY = new CompactRange(0, List.of());

  public CompactRange {
    peaks = List.copyOf(peaks);
    if (size < 0 || Long.bitCount(size) != peaks.size()) {
      throw new IllegalArgumentException(
          "a log of "
              + size
              + " leaves has "
              + Long.bitCount(size)
              + " peaks, not "
              + peaks.size());
    }
  }

  /** The log with {@code leafHash} appended. */
  public CompactRange append(byte[] leafHash) {
    List<byte[]> next = new ArrayList<>(peaks);
    byte[] h = leafHash;
    // merge equal-sized subtrees: one per trailing set bit of the old size
    for (long s = size; (s & 1) == 1; s >>= 1) {
      h = MerkleTree.nodeHash(next.remove(next.size() - 1), h);
    }
    next.add(h);
    return new CompactRange(size + 1, next);
  }

  /** MTH of the log's leaves (the right-to-left fold of the peaks). */
  public byte[] root() {
    if (peaks.isEmpty()) {
      return MerkleTree.emptyRoot();
    }
    byte[] h = peaks.get(peaks.size() - 1);
    for (int i = peaks.size() - 2; i >= 0; i--) {
      h = MerkleTree.nodeHash(peaks.get(i), h);
    }
    return h;
  }

  /** 8-byte size followed by the peaks. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8 + 32 * peaks.size());
    out.writeBytes(ByteBuffer.allocate(8).putLong(size).array());
    peaks.forEach(out::writeBytes);
    return out.toByteArray();
  }

  /** Reads {@link #encode()}; {@link IllegalArgumentException} when the bytes are not one. */
  public static CompactRange decode(byte[] bytes) {
    if (bytes == null || bytes.length < 8 || (bytes.length - 8) % MerkleTree.HASH_SIZE != 0) {
      throw new IllegalArgumentException("not an encoded compact range");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long size = b.getLong();
    List<byte[]> peaks = new ArrayList<>();
    while (b.hasRemaining()) {
      byte[] p = new byte[MerkleTree.HASH_SIZE];
      b.get(p);
      peaks.add(p);
    }
    return new CompactRange(size, peaks);
  }
}
