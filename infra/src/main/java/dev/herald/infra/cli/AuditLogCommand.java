package dev.herald.infra.cli;

import dev.herald.schema.Topics;
import dev.herald.schema.TreeHead;
import dev.herald.schema.ledger.AuditLogVerifier;
import dev.herald.schema.ledger.AuditLogVerifier.AuditorKey;
import dev.herald.schema.ledger.AuditLogVerifier.Check;
import dev.herald.schema.ledger.MerkleTree;
import dev.herald.schema.serde.ByteBuffers;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald audit-log}: the auditor's Merkle log of its alerts, as a witness sees it.
 *
 * <pre>{@code
 * herald audit-log heads --latest -o json > head.json      # a witness keeps a signed head
 * herald audit-log check --log-id herald-auditor/lifecycle/0 --old head.json
 * }</pre>
 *
 * <p>Exit codes of {@code check}: 0 every head verifies and extends the older one; 3 a check failed
 * (a dropped or rewritten alert, a bad signature); 1 nothing to check (no such log or heads, broker
 * unreachable); 2 usage.
 */
@Command(
    name = "audit-log",
    mixinStandardHelpOptions = true,
    description = "The auditor's signed, append-only log of its alerts (RFC 9162 Merkle tree).",
    subcommands = {AuditLogCommand.Heads.class, AuditLogCommand.CheckLog.class})
final class AuditLogCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Topics a log is read from (another auditor's, or a copy, can be named). */
  static final class LogTopics {
    @Option(
        names = "--audit-log-topic",
        defaultValue = Topics.AUDIT_LOG,
        description = "Topic of the log leaves (default: ${DEFAULT-VALUE}).")
    String leaves;

    @Option(
        names = "--tree-heads-topic",
        defaultValue = Topics.TREE_HEADS,
        description = "Topic of the signed tree heads (default: ${DEFAULT-VALUE}).")
    String heads;
  }

  @Command(
      name = "heads",
      mixinStandardHelpOptions = true,
      description = "Lists the signed tree heads (a witness saves one with --latest -o json).")
  static final class Heads implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin AlertsCommand.RegistryOption registry;
    @Mixin LogTopics topics;

    @Option(names = "--log-id", description = "Only this log.")
    String logId;

    @Option(names = "--latest", description = "Only the latest head of each log.")
    boolean latest;

    @Option(
        names = {"-o", "--output"},
        defaultValue = "table",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    AlertsCommand.Output output;

    @Override
    public Integer call() {
      AuditLogSource source =
          new AuditLogSource(
              client.clientProperties(), registry.connect(), spec.commandLine().getErr());
      List<TreeHead> out = new ArrayList<>();
      source
          .heads(topics.heads)
          .forEach(
              (id, heads) -> {
                if (logId == null || logId.equals(id)) {
                  out.addAll(latest ? heads.subList(heads.size() - 1, heads.size()) : heads);
                }
              });
      PrintWriter w = spec.commandLine().getOut();
      if (output == AlertsCommand.Output.json) {
        List<Object> json = new ArrayList<>();
        out.forEach(h -> json.add(AuditLogSource.toJson(h)));
        w.println(AuditLogSource.json(json.size() == 1 ? json.get(0) : json));
      } else {
        w.printf("%-40s %8s %-16s %-24s %s%n", "LOG", "SIZE", "KEY ID", "TIME", "ROOT");
        for (TreeHead h : out) {
          w.printf(
              "%-40s %8d %-16s %-24s %s%n",
              h.getLogId(),
              h.getTreeSize(),
              h.getKeyId(),
              h.getTimestamp(),
              AuditLogSource.toJson(h).get("rootHash"));
        }
      }
      w.flush();
      if (out.isEmpty()) {
        spec.commandLine()
            .getErr()
            .println(
                "no tree heads"
                    + (logId == null ? "" : " of log " + logId)
                    + " on "
                    + topics.heads
                    + "; is the auditor running (it publishes one every --tree-head-interval)?");
        return HeraldCli.EXIT_FAILURE;
      }
      return HeraldCli.EXIT_OK;
    }
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description =
          "Checks that the auditor's log only grew: every signed head of the log matches the"
              + " published leaves, and the newest head extends an older one (RFC 9162"
              + " consistency proof), so a dropped or rewritten alert is caught.",
      footer = {"", "Exit codes: 0 consistent, 3 a check failed, 1 nothing to check, 2 usage."})
  static final class CheckLog implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin AlertsCommand.RegistryOption registry;
    @Mixin LogTopics topics;

    @Option(names = "--log-id", required = true, description = "The log to check.")
    String logId;

    @Option(
        names = "--old",
        paramLabel = "FILE",
        description =
            "An older signed head a witness kept (JSON of 'heads -o json'); default: the first"
                + " head on the topic.")
    Path oldHead;

    @Option(
        names = "--new",
        paramLabel = "FILE",
        description = "A newer signed head (JSON); default: the latest head on the topic.")
    Path newHead;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      AuditLogSource source =
          new AuditLogSource(
              client.clientProperties(), registry.connect(), spec.commandLine().getErr());
      Map<String, AuditorKey> keys = source.auditorKeys();
      List<TreeHead> heads = source.heads(topics.heads).getOrDefault(logId, List.of());
      TreeHead older = oldHead != null ? AuditLogSource.readHead(oldHead) : null;
      TreeHead newer = newHead != null ? AuditLogSource.readHead(newHead) : null;
      if (older == null && !heads.isEmpty()) {
        older = heads.get(0);
      }
      if (newer == null && !heads.isEmpty()) {
        newer = heads.get(heads.size() - 1);
      }
      if (older == null || newer == null) {
        throw new CliException(
            "no signed tree head of log '" + logId + "' on " + topics.heads,
            "list the logs with: herald audit-log heads; the auditor publishes a head every"
                + " --tree-head-interval once its log has alerts");
      }
      AuditLogSource.Leaves leaves = source.leaves(topics.leaves, logId);
      List<Check> checks = new ArrayList<>();
      for (String p : leaves.problems()) {
        checks.add(new Check("log", false, p));
      }
      List<TreeHead> all = new ArrayList<>(heads);
      if (oldHead != null) {
        all.add(older);
      }
      if (newHead != null) {
        all.add(newer);
      }
      for (TreeHead h : all) {
        checks.add(matches(h, leaves.hashes()));
      }
      checks.addAll(AuditLogVerifier.consistency(older, newer, keys, leaves.hashes()));
      boolean ok = true;
      out.printf(
          "log %s: %d leaves, %d signed heads%n", logId, leaves.hashes().size(), heads.size());
      for (Check c : checks) {
        ok &= c.ok();
        out.printf("  %-7s %-17s %s%n", c.ok() ? "OK" : "FAILED", c.name(), c.detail());
      }
      out.println(
          ok
              ? "  CONSISTENT: the log only grew; every signed head matches it"
              : "  INCONSISTENT: the auditor dropped or rewrote what it had logged and signed");
      out.flush();
      return ok ? HeraldCli.EXIT_OK : HeraldCli.EXIT_CHECK_FAILED;
    }

    /** Whether the first {@code treeSize} published leaves hash to the head's signed root. */
    private static Check matches(TreeHead h, List<byte[]> leaves) {
      String what = "head of size " + h.getTreeSize() + " at " + h.getTimestamp();
      if (leaves.size() < h.getTreeSize()) {
        return new Check(
            "head vs log",
            false,
            what + ": only " + leaves.size() + " leaves published; leaves were dropped");
      }
      boolean ok =
          MessageDigest.isEqual(
              MerkleTree.root(leaves, 0, h.getTreeSize()), ByteBuffers.bytes(h.getRootHash()));
      return new Check(
          "head vs log",
          ok,
          what + (ok ? ": the leaves hash to its root" : ": the leaves do not hash to its root"));
    }
  }
}
