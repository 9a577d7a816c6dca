package dev.herald.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.auditor.subscribe.SubscriptionConfig;
import dev.herald.infra.security.HeraldAcls;
import dev.herald.schema.Topics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.PatternType;
import org.junit.jupiter.api.Test;

/**
 * The operations kit in {@code infra/deploy} is checked like code, so a typo fails the build: the
 * Prometheus rules with {@code promtool check rules} and {@code promtool test rules}, the
 * Kubernetes manifests parsed with fabric8's model classes (no unknown field anywhere in a typed
 * resource), the Strimzi topics and users compared with {@link Topics} and {@link HeraldAcls}, the
 * auditor's ConfigMap validated by the auditor's own loaders, and the Grafana dashboard's shape.
 * (The series the dashboard and rules query are checked against a real Prometheus scrape in
 * integration-tests' PrometheusMetricsIT.)
 */
class DeployKitTest {
  private static final Path DEPLOY = Path.of("deploy");
  private static final KubernetesSerialization K8S = new KubernetesSerialization();

  @Test
  void prometheusRulesPassPromtoolCheckAndTheirUnitTests() throws Exception {
    Path promtool = tool("promtool", "prometheus");
    Path dir = DEPLOY.resolve("prometheus");

    assertThat(run(dir, promtool.toString(), "check", "rules", "herald-rules.yaml"))
        .contains("SUCCESS");
    assertThat(run(dir, promtool.toString(), "test", "rules", "herald-rules.test.yaml"))
        .contains("SUCCESS");
  }

  @Test
  void everyKubernetesManifestParsesWithNoUnknownField() throws Exception {
    List<HasMetadata> all = manifests();

    assertThat(all)
        .extracting(HasMetadata::getKind)
        .contains(
            "KafkaTopic",
            "KafkaUser",
            "FlinkDeployment",
            "StatefulSet",
            "Service",
            "ConfigMap",
            "PodDisruptionBudget");
    for (HasMetadata r : all) {
      assertThat(r.getMetadata().getName()).as(r.getKind()).isNotBlank();
      if (!(r instanceof GenericKubernetesResource)) {
        assertThat(unknownFields(r, r.getKind(), new IdentityHashMap<>()))
            .as("fields fabric8's %s model does not know (typos?)", r.getKind())
            .isEmpty();
      }
    }
  }

  @Test
  void theAuditorIsAStatefulSetWithAStateVolumeReadinessOnHealthAndADisruptionBudget()
      throws Exception {
    List<HasMetadata> all = manifests();
    StatefulSet sts = one(all, StatefulSet.class);
    PodDisruptionBudget pdb = one(all, PodDisruptionBudget.class);
    Service svc = one(all, Service.class);

    var pod = sts.getSpec().getTemplate().getSpec();
    var auditor = pod.getContainers().get(0);
    assertThat(auditor.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health");
    String stateVolume = sts.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
    assertThat(auditor.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getName()).isEqualTo(stateVolume);
              assertThat(auditor.getArgs()).contains("--state-dir=" + m.getMountPath());
            });
    assertThat(auditor.getArgs()).contains("--http-host=0.0.0.0");
    assertThat(auditor.getArgs()).anySatisfy(a -> assertThat(a).startsWith("--api-tokens="));
    Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    assertThat(podLabels).containsAllEntriesOf(svc.getSpec().getSelector());
    assertThat(sts.getSpec().getServiceName()).isEqualTo(svc.getMetadata().getName());
  }

  @Test
  void theAuditorConfigMapHoldsAValidPolicyAndValidSubscriptions() throws Exception {
    ConfigMap cm = one(manifests(), ConfigMap.class);

    PolicyLoader.parse(cm.getData().get("policy.yaml"));
    assertThat(SubscriptionConfig.parse(cm.getData().get("subscriptions.yaml"))).isNotEmpty();
  }

  @Test
  void strimziTopicsAreHeraldsTopicsWithTheirPartitionsAndConfigs() throws Exception {
    Map<String, Topics.Spec> expected = new TreeMap<>();
    Topics.all().stream()
        .filter(s -> !s.name().equals(Topics.GROUND_TRUTH))
        .forEach(s -> expected.put(s.name(), s));
    Map<String, GenericKubernetesResource> topics = new TreeMap<>();
    for (GenericKubernetesResource t : generic(manifests(), "KafkaTopic")) {
      topics.put((String) spec(t).get("topicName"), t);
    }

    assertThat(topics.keySet()).isEqualTo(expected.keySet());
    topics.forEach(
        (name, t) -> {
          Map<String, Object> spec = spec(t);
          assertThat(((Number) spec.get("partitions")).intValue())
              .as(name)
              .isEqualTo(expected.get(name).partitions());
          @SuppressWarnings("unchecked")
          Map<String, Object> config = (Map<String, Object>) spec.get("config");
          expected
              .get(name)
              .configs()
              .forEach(
                  (k, v) ->
                      assertThat(String.valueOf(config.get(k))).as(name + " " + k).isEqualTo(v));
        });
  }

  @Test
  void strimziUsersGrantExactlyTheAclsOfDocsSecurity() throws Exception {
    Map<String, Set<String>> byUser = new TreeMap<>();
    for (GenericKubernetesResource u : generic(manifests(), "KafkaUser")) {
      Set<String> grants = new TreeSet<>();
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> acls =
          (List<Map<String, Object>>)
              ((Map<String, Object>) spec(u).get("authorization")).get("acls");
      for (Map<String, Object> acl : acls) {
        @SuppressWarnings("unchecked")
        Map<String, Object> res = (Map<String, Object>) acl.get("resource");
        @SuppressWarnings("unchecked")
        List<String> ops = (List<String>) acl.get("operations");
        for (String op : ops) {
          grants.add(
              grant(
                  (String) res.get("type"),
                  (String) res.getOrDefault("name", "kafka-cluster"),
                  (String) res.getOrDefault("patternType", "literal"),
                  op));
        }
      }
      byUser.put(u.getMetadata().getName().replaceFirst("^herald-", ""), grants);
    }
    Map<String, Set<String>> expected = new TreeMap<>();
    for (AclBinding b : HeraldAcls.bindings("herald-auditor")) {
      if (b.pattern().name().equals(Topics.GROUND_TRUTH)) {
        continue; // the simulator's topic: no production principal needs it
      }
      String user = b.entry().principal().replaceFirst("^User:", "");
      expected
          .computeIfAbsent(user, k -> new TreeSet<>())
          .add(
              grant(
                  b.pattern().resourceType().name(),
                  b.pattern().name(),
                  b.pattern().patternType() == PatternType.PREFIXED ? "prefix" : "literal",
                  b.entry().operation().name()));
    }

    assertThat(byUser).isEqualTo(expected);
  }

  @Test
  void theFlinkDeploymentRunsHeraldsJobJar() throws Exception {
    GenericKubernetesResource flink = generic(manifests(), "FlinkDeployment").get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> job = (Map<String, Object>) spec(flink).get("job");

    assertThat(job.get("entryClass")).isEqualTo("dev.herald.flink.HeraldFlinkMain");
    assertThat((String) job.get("jarURI")).endsWith("herald-flink-jobs.jar");
    assertThat((List<?>) job.get("args")).first().isIn("all", "availability", "risk");
    assertThat(flink.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
  }

  @Test
  void theGrafanaDashboardIsImportableJsonWithAQueryPerPanel() throws Exception {
    JsonNode d =
        new ObjectMapper().readTree(DEPLOY.resolve("grafana/herald-dashboard.json").toFile());

    assertThat(d.path("uid").asText()).isEqualTo("herald-auditor");
    assertThat(d.path("panels").size()).isGreaterThan(10);
    Set<Integer> ids = new TreeSet<>();
    for (JsonNode p : d.path("panels")) {
      assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s", p.path("id")).isTrue();
      assertThat(p.path("targets").size()).as(p.path("title").asText()).isPositive();
      p.path("targets")
          .forEach(
              t -> assertThat(t.path("expr").asText()).as(p.path("title").asText()).isNotBlank());
    }
  }

  private static String grant(String type, String name, String pattern, String op) {
    String t = type.toLowerCase(Locale.ROOT).replace("_", "");
    String o = op.toLowerCase(Locale.ROOT).replace("_", "");
    return t + ":" + name + ":" + pattern + ":" + o;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource r) {
    return (Map<String, Object>) r.getAdditionalProperties().get("spec");
  }

  private static List<GenericKubernetesResource> generic(List<HasMetadata> all, String kind) {
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (HasMetadata r : all) {
      if (r.getKind().equals(kind)) {
        assertThat(r).as(kind).isInstanceOf(GenericKubernetesResource.class);
        out.add((GenericKubernetesResource) r);
      }
    }
    assertThat(out).as(kind).isNotEmpty();
    return out;
  }

  private static <T> T one(List<HasMetadata> all, Class<T> type) {
    List<T> found = all.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  static List<HasMetadata> manifests() throws IOException {
    List<HasMetadata> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          Object parsed = K8S.unmarshal(in);
          if (parsed instanceof Collection<?> list) {
            list.forEach(o -> out.add((HasMetadata) o));
          } else {
            out.add((HasMetadata) parsed);
          }
        }
      }
    }
    return out;
  }

  /** Paths of fields a typed model kept in {@code additionalProperties}: unknown, so typos. */
  static List<String> unknownFields(Object o, String path, IdentityHashMap<Object, Boolean> seen)
      throws ReflectiveOperationException {
    List<String> out = new ArrayList<>();
    if (o == null || seen.put(o, true) != null) {
      return out;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object x : c) {
        out.addAll(unknownFields(x, path + "[" + i++ + "]", seen));
      }
      return out;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.addAll(unknownFields(e.getValue(), path + "." + e.getKey(), seen));
      }
      return out;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return out;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0
          || Modifier.isStatic(m.getModifiers())
          || !m.getName().startsWith("get")
          || m.getName().equals("getClass")) {
        continue;
      }
      Object v = m.invoke(o);
      if (m.getName().equals("getAdditionalProperties")) {
        if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
          extra.keySet().forEach(k -> out.add(path + "." + k));
        }
        continue;
      }
      out.addAll(unknownFields(v, path + "." + m.getName().substring(3), seen));
    }
    return out;
  }

  /** promtool and friends: a failure in CI (CI set) when missing, else a skip saying why. */
  private static Path tool(String binary, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, binary);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    String hint =
        binary + " is not installed: apt-get install " + debianPackage + " (.ci/run does)";
    if (System.getenv("CI") != null || Boolean.getBoolean("herald.requireTools")) {
      fail(hint);
    }
    assumeTrue(false, hint);
    return null;
  }

  private static String run(Path dir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }
}
