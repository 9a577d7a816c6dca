package dev.herald.schema.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The config reader's refusals name the key path, the value, what is allowed and where, in words of
 * the docs: never a parser class or stack. (JSON here; the loaders use the YAML mapper.)
 */
class ConfigReaderTest {
  private static final ObjectMapper JSON = ConfigReader.strict(JsonMapper.builder()).build();

  enum Colour {
    RED,
    GREEN
  }

  record Item(
      String name,
      @JsonDeserialize(using = ConfigReader.PositiveInt.class) Integer count,
      @JsonDeserialize(using = ConfigReader.PositiveDuration.class) Duration every,
      Colour colour) {
    Item {
      if (name != null && name.isBlank()) {
        throw new ConfigProblem("name", name, "must not be blank");
      }
    }
  }

  record Doc(List<Item> items, Boolean on) {}

  static final class AnyCaseColour extends ConfigReader.AnyCaseEnum<Colour> {
    AnyCaseColour() {
      super(Colour.class);
    }
  }

  record Paint(@JsonDeserialize(using = AnyCaseColour.class) Colour colour) {}

  private static ConfigProblem refusal(String json) {
    try {
      ConfigReader.read(JSON, json, Doc.class);
    } catch (ConfigProblem p) {
      return p;
    }
    throw new AssertionError("accepted: " + json);
  }

  @Test
  void readsRecordsAndAnEmptyDocumentIsNull() {
    Doc d = ConfigReader.read(JSON, "{\"items\": [{\"count\": 2, \"every\": \"1m\"}]}", Doc.class);
    assertThat(d.items()).containsExactly(new Item(null, 2, Duration.ofMinutes(1), null));
    assertThat(ConfigReader.read(JSON, "  ", Doc.class)).isNull();
  }

  @Test
  void anUnknownKeyIsNamedWithItsPathPositionAndTheAllowedKeys() {
    ConfigProblem p = refusal("{\"items\": [{},\n {\"colour\": \"RED\", \"cuont\": 2}]}");
    assertThat(p.key()).isEqualTo("items[1].cuont");
    assertThat(p.reason()).isEqualTo("unknown key; allowed: colour, count, every, name");
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.getMessage()).startsWith("line 2, column ");
  }

  @Test
  void aWrongValueIsNamedWithWhatIsAllowed() {
    assertThat(refusal("{\"items\": [{\"count\": 0}]}"))
        .extracting(ConfigProblem::key, ConfigProblem::value, ConfigProblem::reason)
        .containsExactly("items[0].count", "0", "is not a positive integer");
    assertThat(refusal("{\"items\": [{\"every\": \"soon\"}]}").reason()).contains("500ms, 2s");
    assertThat(refusal("{\"items\": [{\"every\": \"0s\"}]}").reason())
        .isEqualTo("must be longer than zero");
    assertThat(refusal("{\"items\": [{\"colour\": \"BLUE\"}]}"))
        .extracting(ConfigProblem::value, ConfigProblem::reason)
        .containsExactly("BLUE", "is not one of RED, GREEN");
    assertThat(refusal("{\"on\": \"yes\"}"))
        .extracting(ConfigProblem::key, ConfigProblem::value, ConfigProblem::reason)
        .containsExactly("on", "yes", "is not true or false");
    assertThat(refusal("{\"items\": {\"a\": 1}}").reason())
        .isEqualTo("must be a list, e.g. [A, B]");
  }

  @Test
  void aRuleInARecordIsReportedUnderItsPath() {
    ConfigProblem p = refusal("{\"items\": [{\"name\": \" \"}]}");
    assertThat(p.key()).isEqualTo("items[0].name");
    assertThat(p.reason()).isEqualTo("must not be blank");
    assertThat(p.line()).isEqualTo(1);
  }

  @Test
  void brokenSyntaxIsOneLineWithoutParserInternals() {
    ConfigProblem p = refusal("{\"items\": [\n}");
    assertThat(p.key()).isEqualTo("(document)");
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.getMessage()).contains("is not valid JSON").doesNotContain("\n", "jackson", "`");
  }

  @Test
  void durationsAreWrittenAsTheFilesWriteThem() {
    assertThat(ConfigReader.format(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(ConfigReader.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(ConfigReader.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }

  @Test
  void anEnumInAnyCaseIsReadAndAnythingElseNamesTheValuesAsTheDocsWriteThem() {
    assertThat(ConfigReader.read(JSON, "{\"colour\": \" green \"}", Paint.class).colour())
        .isEqualTo(Colour.GREEN);
    assertThat(ConfigReader.read(JSON, "{\"colour\": \"Red\"}", Paint.class).colour())
        .isEqualTo(Colour.RED);
    for (String bad : new String[] {"\"blue\"", "1", "true"}) {
      try {
        ConfigReader.read(JSON, "{\"colour\": " + bad + "}", Paint.class);
        throw new AssertionError("accepted: " + bad);
      } catch (ConfigProblem p) {
        assertThat(p.key()).isEqualTo("colour");
        assertThat(p.reason()).isEqualTo("is not one of red, green");
      }
    }
  }
}
