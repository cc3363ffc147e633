package io.vesselseg;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file so that readers see either the old content or the new, never a half-written file: the
 * bytes go to a hidden temporary file in the same folder, which then replaces the target by rename.
 * Missing parent folders are created; the result is readable by everyone (rw-r--r--).
 */
public final class AtomicFiles {

  /** Writes the content to the stream it is given. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /**
   * @param what a few words for error messages ("model file", "PNG")
   * @throws VesselsegException.Data when the file cannot be written (the target is left as it was)
   */
  public static void write(Path file, String what, Writer writer) {
    Path abs = file.toAbsolutePath();
    Path tmp = null;
    try {
      Files.createDirectories(abs.getParent());
      tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        writer.write(out);
      }
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default permissions
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot write " + what + " " + file + ": " + e.getMessage()
          + " (check that the folder is writable and the disk is not full)", e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: the temporary file is hidden and harmless
        }
      }
    }
  }
}
