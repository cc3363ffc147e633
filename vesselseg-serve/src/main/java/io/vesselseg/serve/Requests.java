package io.vesselseg.serve;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Reading request bodies within the upload limit, and waiting for a result within the deadline. */
final class Requests {

  /** The context attribute holding {@link System#nanoTime()} at the request's arrival. */
  static final String ARRIVED = "vesselseg.arrived";

  /** How much of an over-limit body is read and dropped before answering 413 (see {@code tooLarge}). */
  static final long DRAIN_BYTES = 64L << 20;

  private Requests() {}

  static long arrived(Context ctx) {
    Long t = ctx.attribute(ARRIVED);
    return t == null ? System.nanoTime() : t;
  }

  /**
   * The body's bytes, refused with 413 as soon as the declared or read length passes {@code limit}.
   */
  static byte[] body(Context ctx, long limit) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(ctx, declared + " bytes", limit);
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (bytes.length > limit) {
        throw tooLarge(ctx, "more than " + limit + " bytes", limit);
      }
      return bytes;
    } catch (IOException e) {
      throw HttpError.badRequest("cannot read the request body: " + e.getMessage() + "; resend the request");
    }
  }

  /**
   * The photograph's bytes: the multipart field {@code image}, or else the raw body, whose Content-Type must
   * be an image type, {@code application/octet-stream}, curl's default {@code application/x-www-form-urlencoded}
   * or absent (else 415).
   */
  static byte[] image(Context ctx, long limit) {
    String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
    if (type.startsWith("multipart/form-data")) {
      long declared = ctx.req().getContentLengthLong();
      if (declared > limit) {
        throw tooLarge(ctx, declared + " bytes", limit);
      }
      UploadedFile file;
      try {
        file = ctx.uploadedFile("image");
      } catch (RuntimeException e) {
        if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("exceed")) {
          throw tooLarge(ctx, "a larger multipart form", limit);
        }
        throw HttpError.badRequest("cannot read the multipart form: " + e.getMessage() + "; send the photograph "
            + "as the field 'image'");
      }
      if (file == null) {
        throw HttpError.badRequest("the multipart form has no field 'image' (found: "
            + ctx.uploadedFileMap().keySet() + "): send the photograph as the file field 'image'");
      }
      try (InputStream in = file.content()) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw HttpError.badRequest("cannot read the multipart field 'image': " + e.getMessage());
      }
    }
    // curl --data-binary without -H sends application/x-www-form-urlencoded: the bytes decide
    if (!type.isEmpty() && !type.startsWith("image/") && !type.startsWith("application/octet-stream")
        && !type.startsWith("application/x-www-form-urlencoded")) {
      throw new HttpError(415, "unsupported_media_type", "Content-Type '" + ctx.contentType() + "' is not an "
          + "image: send the photograph's bytes (" + ImageInput.FORMATS + ") with an image/* Content-Type or "
          + "application/octet-stream, or as the multipart field 'image'");
    }
    return body(ctx, limit);
  }

  /**
   * The 413 for a body over the limit. The rest of the body (up to {@link #DRAIN_BYTES}) is read and dropped
   * first: a server that answers and closes while the client is still sending makes the client's TCP stack
   * discard the answer (connection reset), so the client would see a broken connection instead of the 413.
   * Larger bodies are not read: the connection is closed after the answer (clients that send
   * {@code Expect: 100-continue}, as curl does, get the 413 before sending anything).
   */
  private static HttpError tooLarge(Context ctx, String found, long limit) {
    long declared = ctx.req().getContentLengthLong();
    if (declared <= limit + DRAIN_BYTES) {
      try {
        InputStream in = ctx.req().getInputStream();
        long left = DRAIN_BYTES + limit;
        byte[] sink = new byte[64 * 1024];
        for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
          left -= n;
        }
      } catch (IOException | RuntimeException e) {
        // the client went away or the stream was consumed elsewhere: nothing left to protect
      }
    }
    return tooLarge(found, limit);
  }

  private static HttpError tooLarge(String found, long limit) {
    return new HttpError(413, "body_too_large", "the request body is " + found + ", more than this server's "
        + "limit of " + limit / (1024 * 1024) + " MiB (--max-upload-mb): send a smaller or more compressed image");
  }

  /**
   * Waits for {@code result} until the deadline ({@code deadlineNanos}, {@link System#nanoTime()} based).
   *
   * @throws HttpError the worker's own error; 504 past the deadline; 400 for input the model refused; 500 else
   */
  static <T> T await(CompletableFuture<T> result, long arrivedNanos, long deadlineNanos) {
    try {
      return result.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      result.cancel(false);
      throw InferenceQueue.deadline((System.nanoTime() - arrivedNanos) / 1e9);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HttpError(503, "stopping", "the server is stopping: retry on another replica");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpError h) {
        throw h;
      }
      if (cause instanceof VesselsegException.Usage || cause instanceof VesselsegException.Data) {
        throw new HttpError(400, "unsegmentable", "the photograph cannot be segmented: " + cause.getMessage());
      }
      throw new HttpError(500, "internal", "internal error while segmenting: " + cause
          + "; the server log has the stack trace");
    }
  }
}
