package io.vesselseg.viz;

import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One row of a run's {@code metrics.csv} (one per epoch), as written by {@code train.RunDirectory}.
 *
 * @param best true when this epoch had the best validation F1 so far
 */
public record MetricsRow(int epoch, long step, double trainLoss, double valLoss, double valF1,
    double valAuc, double threshold, double lr, double patchesPerSecond, double elapsedSeconds,
    boolean best) {

  /** The CSV columns, in the order {@code read} expects them. */
  public static final List<String> COLUMNS = List.of("epoch", "step", "train_loss", "val_loss", "val_f1",
      "val_auc", "threshold", "lr", "patches_per_s", "elapsed_s", "best");

  /**
   * Parses a metrics.csv: a header naming exactly {@link #COLUMNS}, then one row per epoch. Blank lines
   * are skipped.
   *
   * @throws VesselsegException.Data when the file cannot be read or a line is malformed; the message names
   *     the file, the line number and the column
   */
  public static List<MetricsRow> read(Path csv) {
    List<String> lines;
    try {
      lines = Files.readAllLines(csv);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read metrics file " + csv + ": " + e.getMessage(), e);
    }
    if (lines.isEmpty() || lines.get(0).isBlank()) {
      throw new VesselsegException.Data("metrics file " + csv + " line 1: expected the header "
          + String.join(",", COLUMNS) + ", found an empty line");
    }
    List<String> header = Arrays.stream(lines.get(0).split(",", -1)).map(String::strip).toList();
    if (!header.equals(COLUMNS)) {
      throw new VesselsegException.Data("metrics file " + csv + " line 1: expected the header "
          + String.join(",", COLUMNS) + ", found " + lines.get(0));
    }
    List<MetricsRow> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      if (!lines.get(i).isBlank()) {
        rows.add(parse(csv, i + 1, lines.get(i)));
      }
    }
    return rows;
  }

  private static MetricsRow parse(Path csv, int lineNo, String line) {
    String[] f = line.split(",", -1);
    if (f.length != COLUMNS.size()) {
      throw new VesselsegException.Data("metrics file " + csv + " line " + lineNo + ": expected "
          + COLUMNS.size() + " comma-separated columns, found " + f.length + " (" + line + ")");
    }
    Cells c = new Cells(csv, lineNo, f);
    return new MetricsRow((int) c.integer(0), c.integer(1), c.number(2), c.number(3), c.number(4),
        c.number(5), c.number(6), c.number(7), c.number(8), c.number(9), c.bool(10));
  }

  /** The cells of one line, parsed with messages that name the line and column. */
  private record Cells(Path csv, int lineNo, String[] f) {

    long integer(int col) {
      try {
        return Long.parseLong(f[col].strip());
      } catch (NumberFormatException e) {
        throw bad(col, "an integer");
      }
    }

    double number(int col) {
      String s = f[col].strip();
      try {
        return s.equalsIgnoreCase("nan") ? Double.NaN : Double.parseDouble(s);
      } catch (NumberFormatException e) {
        throw bad(col, "a number");
      }
    }

    boolean bool(int col) {
      String s = f[col].strip().toLowerCase(Locale.ROOT);
      if (!s.equals("true") && !s.equals("false")) {
        throw bad(col, "true or false");
      }
      return s.equals("true");
    }

    private VesselsegException.Data bad(int col, String expected) {
      return new VesselsegException.Data("metrics file " + csv + " line " + lineNo + ", column "
          + (col + 1) + " (" + COLUMNS.get(col) + "): expected " + expected + ", found '" + f[col] + "'");
    }
  }
}
