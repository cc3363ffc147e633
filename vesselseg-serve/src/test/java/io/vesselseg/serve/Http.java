package io.vesselseg.serve;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.imageio.ImageIO;

/** A small HTTP client for the tests, and synthetic photographs as PNG bytes. */
final class Http {

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final String base;

  Http(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  HttpResponse<byte[]> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  HttpResponse<byte[]> getWithHeader(String path, String header, String value) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header(header, value).GET());
  }

  HttpResponse<byte[]> post(String path, String contentType, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b);
  }

  HttpResponse<byte[]> postWithHeader(String path, String contentType, byte[] body, String header, String value) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
        .header(header, value).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  HttpResponse<byte[]> multipart(String path, String field, byte[] file) {
    String boundary = "vesselsegBoundary42";
    byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field
        + "\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n").getBytes();
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes();
    byte[] body = new byte[head.length + file.length + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(file, 0, body, head.length, file.length);
    System.arraycopy(tail, 0, body, head.length + file.length, tail.length);
    return post(path, "multipart/form-data; boundary=" + boundary, body);
  }

  private static HttpResponse<byte[]> send(HttpRequest.Builder b) {
    try {
      return CLIENT.send(b.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A synthetic fundus photograph as an 8-bit RGB image. */
  static BufferedImage photo(long seed, int w, int h) {
    Sample s = SyntheticFundus.generate(seed, w, h);
    int n = w * h;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < n; i++) {
      int r = Math.round(s.rgb()[i] * 255);
      int g = Math.round(s.rgb()[n + i] * 255);
      int bl = Math.round(s.rgb()[2 * n + i] * 255);
      img.setRGB(i % w, i / w, r << 16 | g << 8 | bl);
    }
    return img;
  }

  static byte[] png(long seed, int w, int h) {
    return ImageFiles.encodePng(photo(seed, w, h));
  }

  static BufferedImage decode(byte[] png) {
    try {
      return ImageIO.read(new ByteArrayInputStream(png));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
