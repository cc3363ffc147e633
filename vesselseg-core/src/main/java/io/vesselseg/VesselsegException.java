package io.vesselseg;

/**
 * The one exception hierarchy of vesselseg. Each subtype maps to a named CLI exit code, and its message
 * says what was expected, what was found and what to do.
 */
public sealed class VesselsegException extends RuntimeException
    permits VesselsegException.Usage, VesselsegException.Data, VesselsegException.Model {

  private final int exitCode;

  private VesselsegException(String message, Throwable cause, int exitCode) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** CLI exit code: 2 bad usage/input, 3 data or I/O, 4 internal. */
  public int exitCode() {
    return exitCode;
  }

  /** Bad arguments or configuration (exit code 2). */
  public static final class Usage extends VesselsegException {
    public Usage(String message) {
      super(message, null, 2);
    }
  }

  /** A missing, unreadable or inconsistent input file, or an I/O failure (exit code 3). */
  public static final class Data extends VesselsegException {
    public Data(String message) {
      super(message, null, 3);
    }

    public Data(String message, Throwable cause) {
      super(message, cause, 3);
    }
  }

  /** A model or checkpoint that cannot be used (wrong format, version or architecture; exit code 3). */
  public static final class Model extends VesselsegException {
    public Model(String message) {
      super(message, null, 3);
    }

    public Model(String message, Throwable cause) {
      super(message, cause, 3);
    }
  }
}
