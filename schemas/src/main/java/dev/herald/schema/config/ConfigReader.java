package dev.herald.schema.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a configuration document (YAML or JSON, by the mapper the caller builds) into records with
 * Jackson databind, and turns every Jackson error into a {@link ConfigProblem} that names the key
 * path, the value, what is allowed, and the line and column. Unknown keys are refused (a typo must
 * never fall back to a default), and scalars are not coerced (a quoted {@code '2'} is not a
 * number).
 *
 * <pre>{@code
 * ObjectMapper yaml = ConfigReader.strict(YAMLMapper.builder()).build();
 * PolicyFile file = ConfigReader.read(yaml, text, PolicyFile.class); // null for an empty document
 * }</pre>
 *
 * <p>Field checks with their own message go into a deserializer that throws {@link #bad}; rules
 * between keys are checked in a record's compact constructor by throwing a {@link ConfigProblem}
 * with the key relative to that record: it is reported under the record's path.
 */
public final class ConfigReader {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern SOURCE_MARK =
      Pattern.compile("\\[Source: [^\\]]*; line: (\\d+), column: (\\d+)\\]");
  private static final Pattern PARSER_MARK =
      Pattern.compile("\\s*in '[^']*', line (\\d+), column (\\d+):");

  private ConfigReader() {}

  /** Sets the strict reading rules on a mapper builder (e.g. {@code YAMLMapper.builder()}). */
  public static <M extends ObjectMapper, B extends MapperBuilder<M, B>> B strict(B builder) {
    return builder
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .addHandler(new UnknownKeys());
  }

  /**
   * Reads {@code text} as a {@code type}; null when the document is empty (or only comments or
   * {@code ~}).
   *
   * @throws ConfigProblem naming the key, the value, what is allowed, the line and column
   */
  public static <T> T read(ObjectMapper mapper, String text, Class<T> type) {
    try (JsonParser parser = mapper.createParser(text)) {
      if (parser.nextToken() == null) {
        return null;
      }
      return mapper.readValue(parser, type);
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof JsonProcessingException syntax
          && !(syntax instanceof JsonMappingException)) {
        // broken syntax inside a value: Jackson wraps it with the path it had reached
        throw syntaxError(mapper.getFactory().getFormatName(), syntax);
      }
      ConfigProblem problem = locate(mapper, text, translate(e));
      JsonLocation at = e.getLocation();
      throw problem.line() > 0
          ? problem
          : new ConfigProblem(
              problem.key(), problem.value(), problem.reason(), line(at), column(at));
    } catch (JsonProcessingException e) {
      throw syntaxError(mapper.getFactory().getFormatName(), e);
    } catch (IOException e) {
      throw new ConfigProblem("(document)", null, "cannot be read: " + e.getMessage());
    }
  }

  /**
   * The problem with the line and column of its key in {@code text} when it has none yet (a rule
   * between keys checked after reading, or an unknown key Jackson buffered past).
   */
  public static ConfigProblem locate(ObjectMapper mapper, String text, ConfigProblem problem) {
    if (problem.line() > 0) {
      return problem;
    }
    try (JsonParser p = mapper.createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME && pathOf(p.getParsingContext()).equals(problem.key())) {
          JsonLocation at = p.currentTokenLocation();
          return new ConfigProblem(
              problem.key(), problem.value(), problem.reason(), line(at), column(at));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not locatable (the text does not parse that far): the key path alone names it
    }
    return problem;
  }

  private static String pathOf(JsonStreamContext c) {
    if (c == null || c.inRoot()) {
      return "";
    }
    String parent = pathOf(c.getParent());
    if (c.inArray()) {
      return parent + "[" + c.getCurrentIndex() + "]";
    }
    return (parent.isEmpty() ? "" : parent + ".") + c.getCurrentName();
  }

  /**
   * A refused value, thrown from a deserializer: the reader reports it with the key path and the
   * parser's position.
   */
  public static InvalidFormatException bad(JsonParser p, Object value, String reason) {
    return new RefusedValue(p, reason, value);
  }

  /** Deserializes an integer of 1 or more. */
  public static final class PositiveInt extends JsonDeserializer<Integer> {
    @Override
    public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
          || p.getNumberType() != JsonParser.NumberType.INT
          || p.getIntValue() <= 0) {
        throw bad(p, p.getText(), "is not a positive integer");
      }
      return p.getIntValue();
    }
  }

  /**
   * Deserializes an enum written in any case ({@code viewer}, {@code VIEWER}) and refuses anything
   * else naming the allowed values in lower case, as the docs write them. One subclass per enum:
   *
   * <pre>{@code
   * static final class RoleValue extends ConfigReader.AnyCaseEnum<Role> {
   *   RoleValue() { super(Role.class); }
   * }
   * }</pre>
   */
  public abstract static class AnyCaseEnum<E extends Enum<E>> extends JsonDeserializer<E> {
    private final Class<E> type;

    protected AnyCaseEnum(Class<E> type) {
      this.type = type;
    }

    @Override
    public E deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.currentToken() == JsonToken.VALUE_STRING ? p.getText().trim() : null;
      for (E c : type.getEnumConstants()) {
        if (c.name().equalsIgnoreCase(text)) {
          return c;
        }
      }
      throw bad(
          p,
          p.getText(),
          "is not one of "
              + Arrays.stream(type.getEnumConstants())
                  .map(c -> c.name().toLowerCase(Locale.ROOT))
                  .collect(Collectors.joining(", ")));
    }
  }

  /** Deserializes a duration written {@code 500ms}, {@code 2s}, {@code 1m} or {@code 1h}. */
  public static class Durations extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      Matcher m = DURATION.matcher(p.getText().trim());
      if (p.currentToken() != JsonToken.VALUE_STRING || !m.matches()) {
        throw bad(p, p.getText(), "is not a duration; write e.g. 500ms, 2s, 1m or 1h");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
  }

  /** Like {@link Durations}, longer than zero. */
  public static final class PositiveDuration extends Durations {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      Duration d = super.deserialize(p, ctxt);
      if (d.isZero()) {
        throw bad(p, p.getText(), "must be longer than zero");
      }
      return d;
    }
  }

  /** A duration as the config files write it: {@code 1h}, {@code 2m}, {@code 5s}, {@code 500ms}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static ConfigProblem translate(JsonMappingException e) {
    String key = path(e.getPath());
    JsonLocation at = e.getLocation();
    if (e.getCause() instanceof ConfigProblem p) {
      // a rule between keys, checked in a record's constructor: placed at its key when written
      return p.under(key, 0, 0);
    }
    if (e instanceof UnknownKey u) {
      return problem(key, null, "unknown key; allowed: " + sorted(u.known), at);
    }
    if (e instanceof UnrecognizedPropertyException u) {
      return problem(key, null, "unknown key; allowed: " + sorted(u.getKnownPropertyIds()), at);
    }
    if (e instanceof RefusedValue r) {
      return problem(
          key, r.getValue() == null ? null : r.getValue().toString(), r.getOriginalMessage(), at);
    }
    if (e instanceof InvalidFormatException f) {
      return problem(key, String.valueOf(f.getValue()), expected(f.getTargetType()), at);
    }
    if (e instanceof MismatchedInputException m) {
      String value = null;
      if (m.getProcessor() instanceof JsonParser p
          && p.currentToken() != null
          && p.currentToken().isScalarValue()) {
        try {
          value = p.getText();
        } catch (IOException notReadable) {
          // the key and the position still name it
        }
      }
      return problem(key, value, expected(m.getTargetType()), at);
    }
    return problem(key, null, "is not valid here", at);
  }

  /**
   * The parser's complaint on one line. A YAML parser's message quotes the text and says where it
   * found the problem ({@code in 'reader', line 2, column 1:}), which is more exact than the last
   * token's position: that is the position reported.
   */
  private static ConfigProblem syntaxError(String format, JsonProcessingException e) {
    String message = e.getOriginalMessage();
    int line = line(e.getLocation());
    int column = column(e.getLocation());
    Matcher at = PARSER_MARK.matcher(message);
    if (at.find()) {
      line = Integer.parseInt(at.group(1));
      column = Integer.parseInt(at.group(2));
      message = message.substring(0, at.start());
    }
    message = SOURCE_MARK.matcher(message).replaceAll("line $1, column $2");
    return new ConfigProblem(
        "(document)",
        null,
        "is not valid " + format + ": " + message.strip().replaceAll("\\s*\\n\\s*", "; "),
        line,
        column);
  }

  /** What a value of this type must look like, in the words of the docs (no class names). */
  private static String expected(Class<?> type) {
    if (type == null) {
      return "is not valid here";
    }
    if (type.isEnum()) {
      return "is not one of "
          + Arrays.stream(type.getEnumConstants())
              .map(c -> ((Enum<?>) c).name())
              .collect(Collectors.joining(", "));
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "is not an integer";
    }
    if (type == Double.class || type == double.class) {
      return "is not a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "is not true or false";
    }
    if (type == String.class) {
      return "is not a single text value";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "must be a list, e.g. [A, B]";
    }
    return "must be a mapping of keys to values";
  }

  private static ConfigProblem problem(String key, String value, String reason, JsonLocation at) {
    return new ConfigProblem(key, value, reason, line(at), column(at));
  }

  private static int line(JsonLocation at) {
    return at == null ? 0 : Math.max(0, at.getLineNr());
  }

  private static int column(JsonLocation at) {
    return at == null ? 0 : Math.max(0, at.getColumnNr());
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getIndex() >= 0 && r.getFieldName() == null) {
        out.append('[').append(r.getIndex()).append(']');
      } else if (r.getFieldName() != null) {
        out.append(out.isEmpty() ? "" : ".").append(r.getFieldName());
      }
    }
    return out.isEmpty() ? "(root)" : out.toString();
  }

  private static String sorted(Collection<Object> keys) {
    return keys == null
        ? "see the docs"
        : keys.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
  }

  /** Marks a value a deserializer of this package (or a loader's) refused with its own reason. */
  private static final class RefusedValue extends InvalidFormatException {
    private static final long serialVersionUID = 1L;

    RefusedValue(JsonParser p, String reason, Object value) {
      super(p, reason, value, Object.class);
    }
  }

  /**
   * Refuses an unknown key at the position of its value (Jackson's own exception points past it,
   * often at the next line).
   */
  private static final class UnknownKeys extends DeserializationProblemHandler {
    @Override
    public boolean handleUnknownProperty(
        DeserializationContext ctxt,
        JsonParser p,
        JsonDeserializer<?> deserializer,
        Object beanOrClass,
        String propertyName)
        throws IOException {
      UnknownKey e = new UnknownKey(p, deserializer.getKnownPropertyNames());
      e.prependPath(beanOrClass, propertyName);
      throw e;
    }

    @Override
    public Object handleUnexpectedToken(
        DeserializationContext ctxt,
        JavaType targetType,
        JsonToken t,
        JsonParser p,
        String failureMsg)
        throws IOException {
      throw bad(p, t.isScalarValue() ? p.getText() : null, expected(targetType.getRawClass()));
    }

    @Override
    public Object handleWeirdStringValue(
        DeserializationContext ctxt, Class<?> targetType, String value, String failureMsg)
        throws IOException {
      throw bad(ctxt.getParser(), value, expected(targetType));
    }

    @Override
    public Object handleWeirdNumberValue(
        DeserializationContext ctxt, Class<?> targetType, Number value, String failureMsg)
        throws IOException {
      throw bad(ctxt.getParser(), value, expected(targetType));
    }

    @Override
    public Object handleWeirdKey(
        DeserializationContext ctxt, Class<?> rawKeyType, String keyValue, String failureMsg)
        throws IOException {
      throw bad(ctxt.getParser(), keyValue, expected(rawKeyType));
    }
  }

  private static final class UnknownKey extends MismatchedInputException {
    private static final long serialVersionUID = 1L;
    private final transient Collection<Object> known;

    UnknownKey(JsonParser p, Collection<Object> known) {
      super(p, "unknown key", p.currentTokenLocation());
      this.known = known;
    }
  }
}
