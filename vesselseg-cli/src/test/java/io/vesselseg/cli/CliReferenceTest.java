package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/cli.md} is the picocli usage help of every command, as {@link CliReference} renders it. With
 * {@code -Dvesselseg.writeCliDocs=true} the test rewrites the file instead of comparing.
 */
class CliReferenceTest {

  private static Path file() {
    return Path.of(System.getProperty("vesselseg.checkout", "..")).resolve(CliReference.FILE).normalize();
  }

  @Test
  void docsCliMdIsUpToDate() throws IOException {
    String expected = CliReference.render();
    Path file = file();
    if (Boolean.getBoolean("vesselseg.writeCliDocs")) {
      Files.writeString(file, expected, StandardCharsets.UTF_8);
      System.out.println("wrote " + file);
      return;
    }
    String stale = CliReference.FILE + " is stale: regenerate with " + CliReference.REGENERATE;
    if (!Files.isRegularFile(file)) {
      fail(file + " is missing: " + stale);
    }
    String actual = Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n");
    if (!actual.equals(expected)) {
      String[] a = actual.split("\n", -1);
      String[] e = expected.split("\n", -1);
      int line = 0;
      while (line < Math.min(a.length, e.length) && a[line].equals(e[line])) {
        line++;
      }
      fail(stale + "\n(first difference at line " + (line + 1) + ": the file has\n  "
          + (line < a.length ? a[line] : "<end of file>") + "\nwhere the commands give\n  "
          + (line < e.length ? e[line] : "<end of file>") + ")");
    }
  }

  @Test
  void everyCommandHasItsSectionInPlainText() {
    String md = CliReference.render();
    assertEquals(md, CliReference.render(), "rendering must be deterministic");
    for (String command : new String[] {"vesselseg", "vesselseg train", "vesselseg evaluate", "vesselseg predict",
        "vesselseg segment", "vesselseg visualize", "vesselseg verify", "vesselseg export", "vesselseg crossval",
        "vesselseg ensemble", "vesselseg demo", "vesselseg bench", "vesselseg bench soak",
        "vesselseg bench speed", "vesselseg bench serve", "vesselseg bench serve-soak"}) {
      assertTrue(md.contains("\n## " + command + "\n\n```text\nUsage: " + command + " "),
          "no section for '" + command + "'");
    }
    assertFalse(md.contains("\u001b"), "ANSI escape codes in the reference");
    assertFalse(md.contains("\r"), "carriage returns in the reference");
    assertTrue(md.contains(CliReference.REGENERATE), "the header names the regeneration command");
  }
}
