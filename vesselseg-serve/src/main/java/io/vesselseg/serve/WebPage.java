package io.vesselseg.serve;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.BiFunction;

/**
 * The web page at {@code GET /}: plain HTML, one script and one style sheet, read once from the classpath
 * ({@code io/vesselseg/serve/web/}) and served from memory. Nothing comes from elsewhere, so the page works
 * offline. The page sends each photograph once to {@code POST /v1/segment?output=json&images=true} and does
 * the rest (overlay opacity, re-thresholding, vessel density, the mask to download) in the browser.
 *
 * <p>Caching: every answer carries a strong {@code ETag} (a hash of the file) and {@code Cache-Control:
 * no-cache}, so browsers keep a copy but revalidate it (a {@code 304} without a body) and never run a script
 * older than the page that loads it.
 */
final class WebPage {

  private static final String DIR = "/io/vesselseg/serve/web/";

  private WebPage() {}

  /**
   * Registers {@code GET /}, {@code GET /web/vesselseg.js} and {@code GET /web/vesselseg.css}.
   *
   * @param route wraps a handler with the server's error handling and metrics, given the route's path
   */
  static void register(RoutesConfig routes, BiFunction<String, Handler, Handler> route) {
    serve(routes, route, "/", "index.html", "text/html; charset=utf-8");
    serve(routes, route, "/web/vesselseg.js", "vesselseg.js", "text/javascript; charset=utf-8");
    serve(routes, route, "/web/vesselseg.css", "vesselseg.css", "text/css; charset=utf-8");
  }

  private static void serve(RoutesConfig routes, BiFunction<String, Handler, Handler> route, String path,
      String file, String contentType) {
    byte[] bytes = read(file);
    String etag = "\"" + sha256(bytes).substring(0, 16) + "\"";
    routes.get(path, route.apply(path, ctx -> {
      ctx.header("Cache-Control", "no-cache").header("ETag", etag).header("X-Content-Type-Options", "nosniff");
      if (etag.equals(ctx.header("If-None-Match"))) {
        ctx.status(304);
        return;
      }
      ctx.contentType(contentType).result(bytes);
    }));
  }

  private static byte[] read(String file) {
    try (InputStream in = WebPage.class.getResourceAsStream(DIR + file)) {
      if (in == null) {
        throw new IllegalStateException("the web page's file " + DIR + file + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the web page's file " + DIR + file, e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
