package dev.herald.auditor.topology;

import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;

/** Structural checks of a decoded batch: what the schema cannot say. */
final class BatchValidation {
  static final int HASH_SIZE = 32;

  private BatchValidation() {}

  /** The first structural problem of {@code batch}, or null when it is well-formed. */
  static String problem(ReportBatch batch) {
    if (blank(batch.getNodeId())) {
      return "batch has no nodeId";
    }
    if (batch.getBatchSeq() < 1) {
      return "batchSeq " + batch.getBatchSeq() + " is not positive";
    }
    if (batch.getSignature() == null
        || batch.getSignature().remaining() != Ed25519.SIGNATURE_SIZE) {
      return "signature is not " + Ed25519.SIGNATURE_SIZE + " bytes";
    }
    int i = 0;
    for (StateChange r : batch.getReports()) {
      String where = "report " + i++ + ": ";
      if (blank(r.getEventId()) || blank(r.getGroup()) || blank(r.getEntityKey())) {
        return where + "eventId, group and entityKey must not be empty";
      }
      if (r.getVersion() < 1) {
        return where + "version " + r.getVersion() + " is not positive";
      }
      if (size(r.getStateHash()) != HASH_SIZE || size(r.getOpDigest()) != HASH_SIZE) {
        return where + "stateHash and opDigest must be 32-byte SHA-256 digests";
      }
      int prev = size(r.getPrevStateHash());
      if (prev != 0 && prev != HASH_SIZE) {
        return where + "prevStateHash must be empty or 32 bytes, not " + prev;
      }
      if (blank(r.getOpId())) {
        return where + "opId must not be empty";
      }
    }
    return null;
  }

  private static boolean blank(CharSequence s) {
    return s == null || s.toString().isBlank();
  }

  private static int size(ByteBuffer b) {
    return b == null ? -1 : b.remaining();
  }
}
