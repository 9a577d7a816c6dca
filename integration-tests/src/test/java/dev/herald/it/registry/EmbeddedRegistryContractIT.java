package dev.herald.it.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.registry.SchemaRegistryException;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The registry contract against Herald's embedded registry, over HTTP, on a real KRaft broker; plus
 * what the embedded registry promises beyond the contract (Confluent's defaults and codes).
 */
class EmbeddedRegistryContractIT extends SchemaRegistryContract {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA =
      new KafkaBrokerExtension(false).withSchemaRegistry(r -> r.topic("_herald_schemas_contract"));

  @Override
  protected String registryUrl() {
    return KAFKA.registryUrl();
  }

  @Test
  void theDefaultLevelIsBackwardLikeConfluent() {
    String subject = "defaults-" + UUID.randomUUID();
    client.register(subject, uniqueRecord("a"));

    assertThat(client.getCompatibility(subject)).isEqualTo("BACKWARD");
  }

  @Test
  void anInvalidLevelIs42203() {
    assertThatThrownBy(() -> client.setCompatibility(null, "SIDEWAYS"))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(422);
              assertThat(e.errorCode())
                  .isEqualTo(SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL);
            });
  }

  @Test
  void idsAreAGlobalSequence() {
    int first = client.register("seq-" + UUID.randomUUID(), uniqueRecord("a"));

    int second = client.register("seq-" + UUID.randomUUID(), uniqueRecord("a"));

    assertThat(second).isEqualTo(first + 1);
  }

  @Test
  void schemasThatDifferOnlyInADefaultGetDifferentIds() {
    // The parsing canonical form drops defaults, which matter for compatibility: ids follow
    // Schema.toString().
    String name = "D" + UUID.randomUUID().toString().replace("-", "");
    Schema zero =
        SchemaBuilder.record(name).fields().name("n").type().intType().intDefault(0).endRecord();
    Schema one =
        SchemaBuilder.record(name).fields().name("n").type().intType().intDefault(1).endRecord();

    int first = client.register("defaults-a-" + name, zero);
    int second = client.register("defaults-b-" + name, one);

    assertThat(second).isNotEqualTo(first);
    assertThat(client.getById(second).getField("n").defaultVal()).isEqualTo(1);
  }
}
