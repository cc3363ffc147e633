package io.vesselseg.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vesselseg.AtomicFiles;
import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header mapping each tensor name to {dtype, shape, data_offsets} plus a string-to-string
 * {@code __metadata__}, then the raw little-endian tensor bytes. Pure Java; readable by PyTorch's
 * {@code safetensors.torch.load_file}. Files are written atomically (temporary file, then rename).
 */
public final class SafeTensors {

  /** One tensor's raw little-endian bytes; dtype is a safetensors name (F32, I64, U8). */
  public record Entry(String dtype, long[] shape, byte[] data) {}

  /** A whole file: tensors in file order and the metadata. */
  public record Contents(Map<String, Entry> tensors, Map<String, String> metadata) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;

  private SafeTensors() {}

  public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    ObjectNode meta = header.putObject("__metadata__");
    metadata.forEach(meta::put);
    long offset = 0;
    for (var e : tensors.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", e.getValue().dtype());
      var shape = t.putArray("shape");
      for (long s : e.getValue().shape()) {
        shape.add(s);
      }
      long end = offset + e.getValue().data().length;
      t.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] head;
    try {
      head = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int padded = (head.length + 7) / 8 * 8; // align the data section to 8 bytes, padding with spaces
    byte[] headPadded = new byte[padded];
    System.arraycopy(head, 0, headPadded, 0, head.length);
    for (int i = head.length; i < padded; i++) {
      headPadded[i] = ' ';
    }
    AtomicFiles.write(file, "model file", out -> {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(headPadded);
      for (Entry e : tensors.values()) {
        out.write(e.data());
      }
    });
  }

  public static Contents read(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new VesselsegException.Model("cannot read model file " + file + ": " + e.getMessage(), e);
    }
    return parse(all, file.toString());
  }

  /** Parses a whole file held in memory; {@code name} is used in error messages. */
  public static Contents parse(byte[] all, String name) {
    String bad = "model file " + name + " is not a valid safetensors file";
    if (all.length < 8) {
      throw new VesselsegException.Model(bad + " (only " + all.length + " bytes; is it truncated?)");
    }
    long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n <= 0 || n > MAX_HEADER || 8 + n > all.length) {
      throw new VesselsegException.Model(bad + " (header length " + n + " does not fit the "
          + all.length + "-byte file; is it truncated or another format?)");
    }
    JsonNode header;
    try {
      header = JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new VesselsegException.Model(bad + " (its JSON header does not parse)", e);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    Map<String, Entry> tensors = new LinkedHashMap<>();
    long base = 8 + n;
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      var f = it.next();
      if (f.getKey().equals("__metadata__")) {
        f.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      JsonNode t = f.getValue();
      JsonNode shapeNode = t.get("shape");
      JsonNode offs = t.get("data_offsets");
      if (t.get("dtype") == null || shapeNode == null || offs == null || offs.size() != 2) {
        throw new VesselsegException.Model(bad + " (tensor " + f.getKey() + " lacks dtype/shape/offsets)");
      }
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeNode.get(i).asLong();
      }
      long begin = base + offs.get(0).asLong();
      long end = base + offs.get(1).asLong();
      if (begin < base || end < begin || end > all.length) {
        throw new VesselsegException.Model(bad + " (tensor " + f.getKey() + " points past the end of the "
            + "file; is it truncated?)");
      }
      byte[] data = new byte[(int) (end - begin)];
      System.arraycopy(all, (int) begin, data, 0, data.length);
      tensors.put(f.getKey(), new Entry(t.get("dtype").asText(), shape, data));
    }
    return new Contents(tensors, meta);
  }

  static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // best effort cleanup of a temporary file
      }
    }
  }
}
