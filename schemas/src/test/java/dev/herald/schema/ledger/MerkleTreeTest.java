package dev.herald.schema.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * RFC 9162 hashing and proofs: the test vectors of transparency-dev/merkle (proof/verify_test.go:
 * eight leaves, their roots, inclusion and consistency proofs), and properties over every tree size
 * 1..N (proofs generated here verify; any change to a proof, a size, a root or a leaf makes them
 * fail).
 */
class MerkleTreeTest {
  private static final HexFormat HEX = HexFormat.of();

  private static final String[] LEAVES = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f"
  };

  private static final String[] ROOTS = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };

  private static List<byte[]> vectorLeaves() {
    List<byte[]> out = new ArrayList<>();
    for (String l : LEAVES) {
      out.add(MerkleTree.leafHash(HEX.parseHex(l)));
    }
    return out;
  }

  private static List<byte[]> hashes(String... hex) {
    List<byte[]> out = new ArrayList<>();
    for (String h : hex) {
      out.add(HEX.parseHex(h));
    }
    return out;
  }

  @Test
  void rootsMatchTheCtTestVectorsForEverySize() {
    List<byte[]> leaves = vectorLeaves();
    for (int size = 1; size <= 8; size++) {
      assertThat(HEX.formatHex(MerkleTree.root(leaves, 0, size))).isEqualTo(ROOTS[size - 1]);
      CompactRange range = CompactRange.EMPTY;
      for (int i = 0; i < size; i++) {
        range = range.append(leaves.get(i));
      }
      assertThat(HEX.formatHex(range.root())).isEqualTo(ROOTS[size - 1]);
    }
    assertThat(HEX.formatHex(MerkleTree.emptyRoot()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void inclusionProofsMatchTheCtTestVectors() {
    List<byte[]> leaves = vectorLeaves();
    // {leaf (1-based), size, proof}
    Object[][] vectors = {
      {
        1,
        8,
        hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")
      },
      {
        6,
        8,
        hashes(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")
      },
      {3, 3, hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")},
      {
        2,
        5,
        hashes(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")
      },
    };
    for (Object[] v : vectors) {
      int index = (Integer) v[0] - 1;
      int size = (Integer) v[1];
      @SuppressWarnings("unchecked")
      List<byte[]> expected = (List<byte[]>) v[2];
      List<byte[]> proof = MerkleTree.inclusionProof(leaves, index, size);
      assertThat(proof).usingElementComparator(java.util.Arrays::compare).isEqualTo(expected);
      byte[] root = HEX.parseHex(ROOTS[size - 1]);
      assertThat(MerkleTree.verifyInclusion(index, size, leaves.get(index), expected, root))
          .isTrue();
      assertThat(MerkleTree.verifyInclusion(index + 1, size, leaves.get(index), expected, root))
          .isFalse();
    }
  }

  @Test
  void consistencyProofsMatchTheCtTestVectors() {
    List<byte[]> leaves = vectorLeaves();
    Object[][] vectors = {
      {
        1,
        8,
        hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")
      },
      {
        6,
        8,
        hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")
      },
      {
        2,
        5,
        hashes(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")
      },
      {
        6,
        7,
        hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")
      },
    };
    for (Object[] v : vectors) {
      int m = (Integer) v[0];
      int n = (Integer) v[1];
      @SuppressWarnings("unchecked")
      List<byte[]> expected = (List<byte[]>) v[2];
      assertThat(MerkleTree.consistencyProof(leaves, m, n))
          .usingElementComparator(java.util.Arrays::compare)
          .isEqualTo(expected);
      byte[] r1 = HEX.parseHex(ROOTS[m - 1]);
      byte[] r2 = HEX.parseHex(ROOTS[n - 1]);
      assertThat(MerkleTree.verifyConsistency(m, n, r1, r2, expected)).isTrue();
      assertThat(MerkleTree.verifyConsistency(m, n, r2, r1, expected)).as("swapped").isFalse();
      assertThat(MerkleTree.verifyConsistency(m, n, r1, r2, List.of())).as("empty").isFalse();
    }
  }

  @Test
  void trivialConsistencyCasesFollowTheReferenceImplementation() {
    byte[] empty = MerkleTree.emptyRoot();
    byte[] some = MerkleTree.leafHash(new byte[] {1});
    assertThat(MerkleTree.verifyConsistency(0, 0, empty, empty, List.of())).isTrue();
    assertThat(MerkleTree.verifyConsistency(0, 1, empty, some, List.of())).isTrue();
    assertThat(MerkleTree.verifyConsistency(1, 1, some, some, List.of())).isTrue();
    assertThat(MerkleTree.verifyConsistency(1, 1, some, empty, List.of())).isFalse();
    assertThat(MerkleTree.verifyConsistency(2, 1, some, some, List.of())).as("shrinks").isFalse();
    assertThat(MerkleTree.verifyConsistency(1, 1, some, some, List.of(empty))).isFalse();
    assertThat(MerkleTree.verifyConsistency(1, 2, some, some, List.of())).isFalse();
  }

  @Test
  void aSingleLeafTreeHasItsLeafAsRootAndAnEmptyProof() {
    byte[] leaf = MerkleTree.leafHash("data".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(MerkleTree.verifyInclusion(0, 1, leaf, List.of(), leaf)).isTrue();
    assertThat(MerkleTree.verifyInclusion(0, 1, leaf, List.of(), new byte[0])).isFalse();
    assertThat(MerkleTree.verifyInclusion(0, 0, leaf, List.of(), leaf)).isFalse();
    assertThat(MerkleTree.verifyInclusion(1, 1, leaf, List.of(), leaf)).isFalse();
  }

  private static List<byte[]> leaves(int n) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          MerkleTree.leafHash(("alert-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    return out;
  }

  @Property
  void everyLeafHasAVerifyingInclusionProofAndNoOtherLeafDoes(
      @ForAll @IntRange(min = 1, max = 70) int size,
      @ForAll @IntRange(min = 0, max = 69) int index) {
    Assume.that(index < size);
    List<byte[]> leaves = leaves(size);
    byte[] root = MerkleTree.root(leaves, 0, size);
    List<byte[]> proof = MerkleTree.inclusionProof(leaves, index, size);

    assertThat(MerkleTree.verifyInclusion(index, size, leaves.get(index), proof, root)).isTrue();
    byte[] other = MerkleTree.leafHash(new byte[] {42});
    assertThat(MerkleTree.verifyInclusion(index, size, other, proof, root)).isFalse();
    if (size > 1) {
      int wrong = (index + 1) % size;
      assertThat(MerkleTree.verifyInclusion(wrong, size, leaves.get(index), proof, root)).isFalse();
    }
    for (int i = 0; i < proof.size(); i++) {
      List<byte[]> flipped = new ArrayList<>(proof);
      byte[] c = flipped.get(i).clone();
      c[0] ^= 8;
      flipped.set(i, c);
      assertThat(MerkleTree.verifyInclusion(index, size, leaves.get(index), flipped, root))
          .isFalse();
    }
  }

  @Property
  void everyPrefixIsConsistentWithTheLongerLogAndADroppedOrRewrittenLeafIsNot(
      @ForAll @IntRange(min = 1, max = 70) int size2,
      @ForAll @IntRange(min = 1, max = 70) int size1) {
    Assume.that(size1 <= size2);
    List<byte[]> leaves = leaves(size2);
    byte[] root1 = MerkleTree.root(leaves, 0, size1);
    byte[] root2 = MerkleTree.root(leaves, 0, size2);
    List<byte[]> proof = MerkleTree.consistencyProof(leaves, size1, size2);

    assertThat(MerkleTree.verifyConsistency(size1, size2, root1, root2, proof)).isTrue();

    // the auditor rewrites one leaf of the first tree and extends that: no proof links the heads
    for (int rewritten = 0; rewritten < size1; rewritten++) {
      List<byte[]> forged = new ArrayList<>(leaves);
      forged.set(rewritten, MerkleTree.leafHash(new byte[] {7, 7}));
      byte[] forgedRoot = MerkleTree.root(forged, 0, size2);
      List<byte[]> forgedProof = MerkleTree.consistencyProof(forged, size1, size2);
      assertThat(MerkleTree.verifyConsistency(size1, size2, root1, forgedRoot, forgedProof))
          .isFalse();
    }
    // ... or drops one leaf of the first tree
    if (size1 < size2 || size1 > 1) {
      List<byte[]> dropped = new ArrayList<>(leaves);
      dropped.remove(size1 - 1);
      if (dropped.size() >= size1 && size1 > 0) {
        byte[] droppedRoot = MerkleTree.root(dropped, 0, dropped.size());
        List<byte[]> droppedProof = MerkleTree.consistencyProof(dropped, size1, dropped.size());
        assertThat(
                MerkleTree.verifyConsistency(
                    size1, dropped.size(), root1, droppedRoot, droppedProof))
            .isFalse();
      }
    }
    if (!proof.isEmpty()) {
      List<byte[]> truncated = proof.subList(0, proof.size() - 1);
      assertThat(MerkleTree.verifyConsistency(size1, size2, root1, root2, truncated)).isFalse();
    }
  }

  @Property
  void theCompactRangeRootIsTheTreeRootAndSurvivesEncoding(
      @ForAll @IntRange(min = 0, max = 200) int size) {
    List<byte[]> leaves = leaves(size);
    CompactRange range = CompactRange.EMPTY;
    for (byte[] l : leaves) {
      range = CompactRange.decode(range.append(l).encode());
    }
    assertThat(range.size()).isEqualTo(size);
    assertThat(range.peaks()).hasSize(Long.bitCount(size));
    assertThat(range.root()).isEqualTo(MerkleTree.root(leaves, 0, size));
  }
}
