package io.vesselseg.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * NumPy's {@code .npy} format (version 1.0) for a float32 matrix, so that {@code numpy.load} reads a map
 * exactly: magic, a header padded to a multiple of 64 bytes, then little-endian floats in row-major order.
 * Kept here because the format is 10 lines and no Java library on Central is smaller.
 */
public final class Npy {

  private Npy() {}

  /** The bytes of a {@code rows × cols} float32 array. */
  public static byte[] encode(float[] values, int rows, int cols) {
    if (values.length != (long) rows * cols) {
      throw new IllegalArgumentException(rows + "x" + cols + " needs " + (long) rows * cols + " values, got "
          + values.length);
    }
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
    int unpadded = 10 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }
}
