package io.vesselseg;

/** The vesselseg release and the engine it was built against. */
public final class Version {

  public static final String VESSELSEG = "0.1.0";
  public static final String LIBTORCH = "2.10.0 (Bytedeco JavaCPP presets 1.5.13)";

  private Version() {}
}
