import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Two chores inside the FROM-scratch image, which has no shell, curl or wget: {@code health URL} (the image's
 * HEALTHCHECK: exit 0 on a 2xx answer within 5 s, 1 otherwise, with a one-line reason) and
 * {@code load ARGS_FILE CLASS...} (used once at image build time: initialising the JavaCPP preset classes makes
 * JavaCPP unpack their natives into {@code org.bytedeco.javacpp.cachedir}; then it writes a java @argument file
 * that makes the service load them from there: {@code -Dorg.bytedeco.javacpp.pathsFirst=true
 * -Djava.library.path=} the unpacked directories). Java 17, java.base only; deploy/build-image.sh compiles it into
 * /opt/vesselseg/tools.
 */
public final class ImageTool {

  private ImageTool() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("health")) {
      System.exit(health(args[1]));
    } else if (args.length >= 3 && args[0].equals("load")) {
      String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
      if (cache == null) {
        System.err.println("ImageTool load: set -Dorg.bytedeco.javacpp.cachedir to the directory to unpack into");
        System.exit(2);
      }
      for (int i = 2; i < args.length; i++) {
        long t0 = System.nanoTime();
        Class.forName(args[i], true, ImageTool.class.getClassLoader());
        System.out.printf("loaded %s (natives unpacked in %s) in %.1f s%n", args[i], cache,
            (System.nanoTime() - t0) / 1e9);
      }
      List<Path> dirs = nativeDirs(Path.of(cache));
      if (dirs.isEmpty()) {
        System.err.println("ImageTool load: no shared libraries under " + cache + " after loading the classes");
        System.exit(1);
      }
      String line = "-Dorg.bytedeco.javacpp.pathsFirst=true -Djava.library.path="
          + dirs.stream().map(Path::toString).collect(Collectors.joining(":")) + "\n";
      Files.writeString(Path.of(args[1]), line);
      System.out.print(args[1] + ": " + line);
    } else {
      System.err.println("usage: ImageTool health URL | ImageTool load ARGS_FILE CLASS...");
      System.exit(2);
    }
  }

  /** The directories under {@code cache} that hold shared libraries, sorted. */
  private static List<Path> nativeDirs(Path cache) throws IOException {
    try (Stream<Path> files = Files.walk(cache)) {
      return files.filter(f -> f.getFileName().toString().matches("lib.*\\.so(\\..*)?"))
          .map(Path::getParent).distinct().sorted().collect(Collectors.toList());
    }
  }

  private static int health(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(5000);
      c.setReadTimeout(5000);
      int status = c.getResponseCode();
      c.disconnect();
      if (status / 100 == 2) {
        return 0;
      }
      System.err.println("unhealthy: " + url + " answered " + status);
      return 1;
    } catch (Exception e) {
      System.err.println("unhealthy: " + url + ": " + e);
      return 1;
    }
  }
}
