package io.vesselseg.viz;

import io.vesselseg.data.ImageFiles;
import java.awt.image.BufferedImage;
import java.util.Base64;
import java.util.List;

/** Small helpers for the self-contained HTML pages (index, run report): escaping, tables, inline CSS. */
public final class Html {

  /** Inline style sheet shared by the pages (no external resources). */
  public static final String CSS = """
      body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px;color:#1f2937;max-width:1400px}
      h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #e5e7eb}
      table{border-collapse:collapse;margin:8px 0;font-size:13px}
      th,td{border:1px solid #d1d5db;padding:3px 8px;text-align:right}
      th{background:#f3f4f6}td.k,th.k{text-align:left}tr.best td{background:#dcfce7}
      img{max-width:100%;border:1px solid #e5e7eb}figure{display:inline-block;margin:8px;vertical-align:top}
      figcaption{font-size:13px;text-align:center}
      """;

  private Html() {}

  /** Escapes text for HTML content and attribute values. */
  public static String esc(Object o) {
    String s = String.valueOf(o);
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /** The start of a page: doctype, UTF-8, title and the inline CSS. */
  public static String head(String title) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title)
        + "</title><style>" + CSS + "</style></head><body>\n<h1>" + esc(title) + "</h1>\n";
  }

  /** A table; cells are escaped. The first column is left-aligned. */
  public static String table(List<String> header, List<List<String>> rows) {
    StringBuilder sb = new StringBuilder("<table><tr>");
    for (int i = 0; i < header.size(); i++) {
      sb.append(i == 0 ? "<th class=\"k\">" : "<th>").append(esc(header.get(i))).append("</th>");
    }
    sb.append("</tr>\n");
    for (List<String> row : rows) {
      sb.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        sb.append(i == 0 ? "<td class=\"k\">" : "<td>").append(esc(row.get(i))).append("</td>");
      }
      sb.append("</tr>\n");
    }
    return sb.append("</table>\n").toString();
  }

  /** A PNG data: URI of an image. */
  public static String dataUri(BufferedImage img) {
    return dataUri(ImageFiles.encodePng(img));
  }

  /** A PNG data: URI of a PNG file's bytes. */
  public static String dataUri(byte[] png) {
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
  }
}
