package io.vesselseg.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An Open Inference Protocol (KServe v2) REST inference request for this model, read with Jackson's streaming
 * parser so that a tensor's data costs one byte per UINT8 value, not a JSON tree: one input {@code image},
 * datatype {@code UINT8}, shape {@code [1, H, W, 3]} (RGB, row-major; {@code data} flat or nested), and
 * optionally the {@code outputs} wanted by name. The binary tensor extension is understood: with a JSON header of
 * {@code Inference-Header-Content-Length} bytes, the input's raw bytes ({@code parameters.binary_data_size})
 * follow it, and outputs asked for with {@code binary_data: true} (or all, with the request parameter
 * {@code binary_data_output}) are sent raw after the response's JSON. Every rule broken is a 400 whose message
 * says what was expected; more values than {@code maxPixels * 3} is a 413.
 */
final class OipRequest {

  static final String INPUT = "image";
  static final List<String> OUTPUTS = List.of("probabilities", "mask", "fov");

  private static final JsonFactory JSON = new JsonFactory();

  final String id;
  final int height;
  final int width;
  final byte[] rgb;
  final List<Output> outputs;

  /** An output asked for: its name, and whether it goes back raw (binary extension) rather than as JSON. */
  record Output(String name, boolean binary) {}

  private OipRequest(String id, int height, int width, byte[] rgb, List<Output> outputs) {
    this.id = id;
    this.height = height;
    this.width = width;
    this.rgb = rgb;
    this.outputs = outputs;
  }

  private static final class Input {
    String name;
    String datatype;
    long[] shape;
    byte[] data = new byte[1 << 16];
    int size;
    long binarySize = -1;
  }

  /**
   * Parses a request.
   *
   * @param jsonLength the JSON header's length ({@code Inference-Header-Content-Length}); -1: the whole body
   */
  static OipRequest parse(byte[] body, long jsonLength, long maxPixels) {
    if (jsonLength > body.length || jsonLength < -1) {
      throw HttpError.badRequest("Inference-Header-Content-Length is " + jsonLength + ", but the body has only "
          + body.length + " bytes: expected the length of the JSON part that starts the body");
    }
    int json = jsonLength < 0 ? body.length : (int) jsonLength;
    String id = null;
    boolean binaryOut = false;
    List<Input> inputs = new ArrayList<>();
    List<Asked> asked = new ArrayList<>();
    try (JsonParser p = JSON.createParser(body, 0, json)) {
      expect(p.nextToken() == JsonToken.START_OBJECT, "the body is not a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "id" -> id = p.getValueAsString();
          case "parameters" -> {
            if (t == JsonToken.START_OBJECT) {
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("binary_data_output")) {
                  binaryOut = p.getValueAsBoolean();
                } else {
                  p.skipChildren();
                }
              }
            }
          }
          case "inputs" -> {
            expect(t == JsonToken.START_ARRAY, "'inputs' is not an array");
            while (p.nextToken() == JsonToken.START_OBJECT) {
              inputs.add(input(p, maxPixels * 3));
            }
          }
          case "outputs" -> {
            expect(t == JsonToken.START_ARRAY, "'outputs' is not an array");
            while (p.nextToken() == JsonToken.START_OBJECT) {
              asked.add(output(p));
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw HttpError.badRequest("the inference request is not valid JSON: " + why
          + "; expected {\"inputs\": [{\"name\": \"image\", \"shape\": [1, H, W, 3], \"datatype\": \"UINT8\", "
          + "\"data\": [...]}]}");
    }
    List<Output> outputs = new ArrayList<>();
    for (String o : OUTPUTS) {
      if (asked.isEmpty()) {
        outputs.add(new Output(o, binaryOut));
      }
    }
    for (Asked a : asked) {
      outputs.add(new Output(a.name(), a.binary() != null ? a.binary() : binaryOut));
    }
    return validate(id, inputs, outputs, maxPixels, body, json);
  }

  /** One entry of 'outputs': its name and its own binary_data parameter (null when not given). */
  private record Asked(String name, Boolean binary) {}

  private static Asked output(JsonParser p) throws IOException {
    String name = null;
    Boolean binary = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      if (f.equals("name")) {
        name = p.getValueAsString();
      } else if (f.equals("parameters") && t == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String k = p.currentName();
          p.nextToken();
          if (k.equals("binary_data")) {
            binary = p.getValueAsBoolean();
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return new Asked(name, binary);
  }

  private static Input input(JsonParser p, long maxValues) throws IOException {
    Input in = new Input();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "name" -> in.name = p.getValueAsString();
        case "datatype" -> in.datatype = p.getValueAsString();
        case "shape" -> {
          expect(t == JsonToken.START_ARRAY, "input 'shape' is not an array of integers");
          List<Long> dims = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p.currentToken() == JsonToken.VALUE_NUMBER_INT, "input 'shape' holds " + p.getText()
                + ": expected integers");
            dims.add(p.getLongValue());
          }
          in.shape = dims.stream().mapToLong(Long::longValue).toArray();
        }
        case "parameters" -> {
          if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String k = p.currentName();
              p.nextToken();
              if (k.equals("binary_data_size")) {
                expect(p.currentToken() == JsonToken.VALUE_NUMBER_INT, "input parameter binary_data_size is "
                    + p.getText() + ": expected the byte count of the input's raw data");
                in.binarySize = p.getLongValue();
              } else {
                p.skipChildren();
              }
            }
          }
        }
        case "data" -> {
          expect(t == JsonToken.START_ARRAY, "input 'data' is not an array");
          data(p, in, maxValues);
        }
        default -> p.skipChildren();
      }
    }
    return in;
  }

  /** Reads a (possibly nested) array of UINT8 values into {@code in.data}. */
  private static void data(JsonParser p, Input in, long maxValues) throws IOException {
    int depth = 1;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_ARRAY) {
        depth++;
      } else if (t == JsonToken.END_ARRAY) {
        depth--;
      } else if (t == JsonToken.VALUE_NUMBER_INT) {
        int v = p.getIntValue();
        expect(v >= 0 && v <= 255, "input data value " + p.getText() + " at index " + in.size
            + " is outside 0..255: expected UINT8 values");
        if (in.size == in.data.length) {
          if (in.size >= maxValues) {
            throw new HttpError(413, "too_many_pixels", "the input holds more than " + maxValues + " values ("
                + maxValues / 3 + " RGB pixels, --max-pixels): downscale the image before sending");
          }
          in.data = Arrays.copyOf(in.data, (int) Math.min(maxValues, Math.min(Integer.MAX_VALUE - 8,
              2L * in.data.length)));
        }
        in.data[in.size++] = (byte) v;
      } else {
        throw HttpError.badRequest("input data holds " + (t == null ? "the end of the body" : p.getText())
            + " at index " + in.size + ": expected UINT8 integers 0..255 (datatype UINT8)");
      }
    }
  }

  private static OipRequest validate(String id, List<Input> inputs, List<Output> outputs, long maxPixels,
      byte[] body, int json) {
    expect(inputs.size() == 1, "the request has " + inputs.size() + " inputs: expected exactly one, named '"
        + INPUT + "'");
    Input in = inputs.get(0);
    expect(INPUT.equals(in.name), "input '" + in.name + "' is unknown: expected the input '" + INPUT + "'");
    expect("UINT8".equals(in.datatype), "input '" + INPUT + "' has datatype " + in.datatype + ": expected UINT8 "
        + "(RGB values 0..255)");
    expect(in.shape != null && in.shape.length == 4 && in.shape[0] == 1 && in.shape[3] == 3
        && in.shape[1] > 0 && in.shape[2] > 0, "input '" + INPUT + "' has shape "
        + (in.shape == null ? "none" : Arrays.toString(in.shape)) + ": expected [1, H, W, 3] (one RGB image, H and "
        + "W positive)");
    long pixels = in.shape[1] * in.shape[2];
    if (pixels > maxPixels) {
      throw new HttpError(413, "too_many_pixels", "input '" + INPUT + "' is " + in.shape[2] + "x" + in.shape[1]
          + " = " + pixels + " pixels, more than this server's limit of " + maxPixels + " (--max-pixels)");
    }
    byte[] rgb;
    if (in.binarySize >= 0) {
      expect(in.size == 0, "input '" + INPUT + "' has both JSON data and binary_data_size: expected one of them");
      expect(in.binarySize == pixels * 3 && json + in.binarySize == body.length, "input '" + INPUT + "' declares "
          + in.binarySize + " binary bytes and " + (body.length - json) + " follow the JSON header, but its shape "
          + Arrays.toString(in.shape) + " needs " + pixels * 3);
      rgb = Arrays.copyOfRange(body, json, body.length);
    } else {
      expect(json == body.length, "the body has " + (body.length - json) + " bytes after the JSON header, but no "
          + "input declares binary_data_size");
      expect(in.size == pixels * 3, "input '" + INPUT + "' has " + in.size + " data values, but its shape "
          + Arrays.toString(in.shape) + " needs " + pixels * 3);
      rgb = in.size == in.data.length ? in.data : Arrays.copyOf(in.data, in.size);
    }
    for (Output o : outputs) {
      expect(OUTPUTS.contains(o.name()), "output '" + o.name() + "' is unknown: expected some of " + OUTPUTS);
    }
    return new OipRequest(id, (int) in.shape[1], (int) in.shape[2], rgb, List.copyOf(outputs));
  }

  private static void expect(boolean ok, String message) {
    if (!ok) {
      throw HttpError.badRequest(message);
    }
  }

  /** The input as an 8-bit RGB image (made on the worker). */
  BufferedImage image() {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] argb = new int[width * height];
    for (int i = 0; i < argb.length; i++) {
      argb[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
    }
    img.setRGB(0, 0, width, height, argb, 0, width);
    return img;
  }
}
