package io.vesselseg.bench;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * The request bodies of {@code bench serve}, made before any load: synthetic fundus photographs
 * ({@link SyntheticFundus}) encoded as PNG, and malformed uploads that a server must refuse with a 4xx.
 */
final class Payloads {

  /** One request body; {@code malformed} ones must get a 4xx. */
  record Payload(String kind, byte[] body, boolean malformed) {}

  private Payloads() {}

  /** {@code count} different photographs of {@code w x h} pixels (seeds 1..count) as PNG. */
  static List<Payload> photographs(int count, int w, int h) {
    List<Payload> out = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      out.add(new Payload("photo", ImageFiles.encodePng(image(SyntheticFundus.generate(i, w, h))), false));
    }
    return out;
  }

  /**
   * The malformed uploads, all sent as {@code image/png}: a PNG cut in half ({@code truncated_png}), text bytes
   * ({@code text}), and a ~1 kB PNG whose header claims 100 000 x 100 000 pixels ({@code bomb}).
   */
  static List<Payload> malformed(byte[] aGoodPng) {
    return List.of(
        new Payload("truncated_png", Arrays.copyOf(aGoodPng, aGoodPng.length / 2), true),
        new Payload("text", "this is a text file, not a photograph\n".repeat(20).getBytes(StandardCharsets.UTF_8),
            true),
        new Payload("bomb", pngClaiming(100_000, 100_000), true));
  }

  /** A valid PNG whose header claims {@code w x h} RGB pixels, with a little compressed data (~1 kB). */
  static byte[] pngClaiming(int w, int h) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
      ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
      DataOutputStream d = new DataOutputStream(ihdr);
      d.writeInt(w);
      d.writeInt(h);
      d.write(new byte[] {8, 2, 0, 0, 0});
      chunk(out, "IHDR", ihdr.toByteArray());
      Deflater z = new Deflater(9);
      z.setInput(new byte[1 << 20]);
      z.finish();
      byte[] buf = new byte[1 << 16];
      int n = z.deflate(buf);
      z.end();
      chunk(out, "IDAT", Arrays.copyOf(buf, n));
      chunk(out, "IEND", new byte[0]);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeInt(data.length);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    d.write(t);
    d.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }

  private static BufferedImage image(Sample s) {
    int w = s.width();
    int h = s.height();
    int n = w * h;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    float[] rgb = s.rgb();
    for (int i = 0; i < n; i++) {
      int r = Math.round(rgb[i] * 255);
      int g = Math.round(rgb[n + i] * 255);
      int b = Math.round(rgb[2 * n + i] * 255);
      img.setRGB(i % w, i / w, r << 16 | g << 8 | b);
    }
    return img;
  }
}
