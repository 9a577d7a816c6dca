package dev.herald.it.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Random but valid instances of any Herald record type, from its schema alone, so a test covers
 * every field of every type and new fields without being edited.
 */
final class RandomRecords {
  private RandomRecords() {}

  /** A random {@code type} from {@code seed}; the same seed gives the same record. */
  static <T extends SpecificRecord> T of(Class<T> type, long seed) {
    Schema schema = SpecificData.get().getSchema(type);
    Object generic = random(schema, new Random(seed), 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      new GenericDatumWriter<>(schema).write(generic, encoder);
      encoder.flush();
      return new SpecificDatumReader<T>(type)
          .read(
              null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object random(Schema schema, Random random, int depth) {
    switch (schema.getType()) {
      case RECORD:
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
          record.put(field.pos(), random(field.schema(), random, depth + 1));
        }
        return record;
      case ENUM:
        List<String> symbols = schema.getEnumSymbols();
        return new GenericData.EnumSymbol(schema, symbols.get(random.nextInt(symbols.size())));
      case ARRAY:
        int n = depth > 4 ? 0 : random.nextInt(3) + 1;
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(random(schema.getElementType(), random, depth + 1));
        }
        return new GenericData.Array<>(schema, items);
      case MAP:
        Map<String, Object> map = new HashMap<>();
        for (int i = random.nextInt(3); i > 0; i--) {
          map.put("k" + random.nextInt(1000), random(schema.getValueType(), random, depth + 1));
        }
        return map;
      case UNION:
        List<Schema> branches = schema.getTypes();
        return random(branches.get(random.nextInt(branches.size())), random, depth + 1);
      case FIXED:
        byte[] fixed = new byte[schema.getFixedSize()];
        random.nextBytes(fixed);
        return new GenericData.Fixed(schema, fixed);
      case STRING:
        return "s" + Long.toHexString(random.nextLong()) + "-ü€";
      case BYTES:
        byte[] bytes = new byte[random.nextInt(40)];
        random.nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
      case INT:
        return random.nextInt(1_000_000);
      case LONG:
        return 1_700_000_000_000L + random.nextInt(1_000_000_000);
      case FLOAT:
        return random.nextFloat();
      case DOUBLE:
        return random.nextDouble();
      case BOOLEAN:
        return random.nextBoolean();
      case NULL:
        return null;
      default:
        throw new IllegalArgumentException("no random value for " + schema);
    }
  }
}
