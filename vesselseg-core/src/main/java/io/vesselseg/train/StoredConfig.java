package io.vesselseg.train;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.vesselseg.VesselsegException;
import io.vesselseg.model.Precision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON of a {@link TrainConfig}, written by Jackson from the records themselves: field names in snake case
 * (the CLI flags), precision as its label, paths as written. Reading accepts that nested form and the flat map
 * of the versions before the settings were grouped, whose keys are the same field names without their group.
 */
final class StoredConfig {

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .registerModule(new SimpleModule("vesselseg-config")
          .addSerializer(Path.class, ToStringSerializer.instance)
          .addDeserializer(Path.class, new StdDeserializer<>(Path.class) {
            @Override
            public Path deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
              return Path.of(p.getValueAsString());
            }
          })
          .addSerializer(Precision.class, new StdSerializer<>(Precision.class) {
            @Override
            public void serialize(Precision v, JsonGenerator gen, SerializerProvider sp) throws IOException {
              gen.writeString(v.label());
            }
          })
          .addDeserializer(Precision.class, new StdDeserializer<>(Precision.class) {
            @Override
            public Precision deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
              return Precision.parse(p.getValueAsString());
            }
          }));

  /**
   * The settings the first versions did not store yet, each with the value that reproduces what those
   * versions did ({@code split_seed} null: split by the run's seed). Any other setting missing from a flat map
   * means a damaged file.
   */
  private static final String BEFORE_THEY_WERE_STORED = "{\"split_seed\": null, \"fold\": 1, \"thresholds_from\": "
      + "\"\", \"refine_depth\": 0, \"refine_channels\": 0, \"augment\": \"basic\", \"loss\": \"bce+dice\", "
      + "\"input\": \"rgb\", \"ema\": 0.0, \"dropblock\": 0.0, "
      + "\"distill_from\": \"\", \"distill_weight\": 0.5, \"init\": \"\", \"freeze\": \"\", \"train_images\": 0, "
      + "\"set_weights\": [], \"fov_diameter\": 0}";

  /**
   * Settings added after the configuration was grouped, with the value that reproduces what the versions before
   * them did, per group: a nested config that lacks one gets it.
   */
  private static final Map<String, Map<String, Object>> ADDED_SINCE_GROUPED = Map.of(
      "objective", Map.of("distill_from", "", "distill_weight", 0.5, "init", "", "freeze", ""),
      "data", Map.of("train_images", 0, "set_weights", java.util.List.of()),
      "sampling", Map.of("fov_diameter", 0));

  private StoredConfig() {}

  /** {@code value} (a config record) as a JSON tree. */
  static JsonNode tree(Object value) {
    return JSON.valueToTree(value);
  }

  /** The leaves of {@code tree} under their own names, in order; the names are unique across groups. */
  static Map<String, Object> flatten(JsonNode tree) {
    Map<String, Object> flat = new LinkedHashMap<>();
    flattenInto(tree, flat);
    return flat;
  }

  private static void flattenInto(JsonNode node, Map<String, Object> flat) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        flattenInto(v, flat);
      } else if (flat.containsKey(e.getKey())) {
        throw new IllegalStateException("two settings named " + e.getKey() + ": flat keys must be unique");
      } else {
        flat.put(e.getKey(), v.isNumber() ? v.numberValue() : v.isBoolean() ? v.booleanValue()
            : v.isNull() ? null : v.isArray() ? joined(v) : v.asText());
      }
    }
  }

  /** A list setting as one value: its items' text, comma-separated ("" when empty). */
  private static String joined(JsonNode array) {
    java.util.List<String> items = new java.util.ArrayList<>();
    array.forEach(item -> items.add(item.asText()));
    return String.join(",", items);
  }

  /** Reads the nested form, or the flat map of earlier versions. */
  static TrainConfig read(String json) {
    JsonNode root;
    try {
      root = json == null ? null : JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new VesselsegException.Model("the stored training config does not parse (" + e.getOriginalMessage()
          + "): the file is damaged; start a new run", e);
    }
    if (root == null || !root.isObject()) {
      throw new VesselsegException.Model("the file stores no training config (found " + root + "): it was not "
          + "written by vesselseg train");
    }
    JsonNode nested = root.path("schedule").isObject() ? withAdded((ObjectNode) root) : nest((ObjectNode) root);
    try {
      return JSON.treeToValue(nested, TrainConfig.class);
    } catch (ValueInstantiationException e) {
      String why = e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage();
      throw new VesselsegException.Model("the stored training config breaks a rule of this version (" + why
          + "): start a new run", e);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new VesselsegException.Model("the stored training config does not read (" + why + "): the file is "
          + "damaged or from another version", e);
    }
  }

  /** A nested config with the settings of {@link #ADDED_SINCE_GROUPED} it lacks. */
  private static ObjectNode withAdded(ObjectNode nested) {
    ADDED_SINCE_GROUPED.forEach((group, keys) -> {
      if (nested.get(group) instanceof ObjectNode g) {
        keys.forEach((k, v) -> {
          if (!g.has(k)) {
            g.set(k, JSON.valueToTree(v));
          }
        });
      }
    });
    return nested;
  }

  /**
   * The flat map of earlier versions in groups: each key goes to the group whose record has a field of that
   * name (the shape is taken from the defaults' JSON, so it follows the records); keys those versions did not
   * write yet get {@link #BEFORE_THEY_WERE_STORED}; other keys are left out, so a missing one is reported.
   */
  private static ObjectNode nest(ObjectNode flat) {
    ObjectNode shape = (ObjectNode) tree(TrainConfig.defaults("synthetic", Path.of(".")));
    JsonNode before;
    try {
      before = JSON.readTree(BEFORE_THEY_WERE_STORED);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    ObjectNode nested = JSON.createObjectNode();
    shape.fields().forEachRemaining(group -> {
      ObjectNode g = nested.putObject(group.getKey());
      group.getValue().fieldNames().forEachRemaining(key -> {
        JsonNode v = flat.has(key) ? flat.get(key) : before.get(key);
        if (v != null) {
          g.set(key, v);
        }
      });
    });
    return nested;
  }
}
