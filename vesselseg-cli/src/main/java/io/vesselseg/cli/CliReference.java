package io.vesselseg.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command-line reference, {@code docs/cli.md}: every command's usage help (the root, each subcommand and
 * nested ones such as {@code bench soak}), rendered from the picocli definitions at a fixed width without ANSI
 * colours, so the text depends on the code alone. It is the {@code --help} text plus each option's default
 * value (picocli's "Default:" line, left out where the description already names the default).
 * {@code CliReferenceTest} fails when the committed file differs from {@link #render()}; {@link #REGENERATE}
 * (or {@link #main}) rewrites it.
 */
public final class CliReference {

  /** The file, relative to the checkout's root. */
  public static final String FILE = "docs/cli.md";
  /** Columns of the usage help (picocli's default is 80; the terminal's width is never consulted). */
  public static final int WIDTH = 100;
  /** The command that rewrites {@link #FILE} (from the checkout's root). */
  public static final String REGENERATE = "mvn -B -pl vesselseg-cli -am test -Dtest=CliReferenceTest "
      + "-Dsurefire.failIfNoSpecifiedTests=false -Dvesselseg.writeCliDocs=true";

  private CliReference() {}

  /** The whole Markdown text, with {@code \n} line ends. */
  public static String render() {
    CommandLine root = new CommandLine(new Main());
    root.setUsageHelpWidth(WIDTH);
    root.setUsageHelpAutoWidth(false);
    List<CommandLine> commands = new ArrayList<>();
    collect(root, commands);
    commands.forEach(CliReference::showDefaults);

    StringBuilder md = new StringBuilder();
    md.append("# Command-line reference\n\n")
        .append("Generated from the commands' own definitions (`io.vesselseg.cli.CliReference`); do not edit ")
        .append("it by hand.\nAfter changing a command, regenerate it from the checkout's root with\n\n")
        .append("```bash\n").append(REGENERATE).append("\n```\n\n")
        .append("`CliReferenceTest` (part of `mvn -B test`) fails while this file differs from the code.\n")
        .append("Each section is what the command prints with `--help` (e.g. `./vesselseg train --help`), with ")
        .append("every option's default added.\n\n");
    for (CommandLine c : commands) {
      String name = c.getCommandSpec().qualifiedName();
      md.append("- [`").append(name).append("`](#").append(anchor(name)).append(")\n");
    }
    for (CommandLine c : commands) {
      md.append("\n## ").append(c.getCommandSpec().qualifiedName()).append("\n\n```text\n")
          .append(clean(c.getUsageMessage(CommandLine.Help.Ansi.OFF))).append("```\n");
    }
    return md.toString();
  }

  /** {@code c} and its subcommands, depth first, in the order they are declared. */
  private static void collect(CommandLine c, List<CommandLine> into) {
    into.add(c);
    c.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
  }

  /**
   * Makes {@code c}'s usage help show each option's default, except where the description names it already
   * ("(default: ...)"). Options are re-added in their order, so the help's layout does not change otherwise.
   */
  private static void showDefaults(CommandLine c) {
    CommandSpec spec = c.getCommandSpec();
    spec.usageMessage().showDefaultValues(true);
    List<OptionSpec> options = new ArrayList<>(spec.options());
    options.forEach(spec::remove);
    for (OptionSpec o : options) {
      boolean named = String.join(" ", o.description()).toLowerCase(java.util.Locale.ROOT).contains("default");
      spec.addOption(named ? o.toBuilder().showDefaultValue(CommandLine.Help.Visibility.NEVER).build() : o);
    }
  }

  /** GitHub's heading anchor: lower case, spaces to hyphens. */
  private static String anchor(String heading) {
    return heading.toLowerCase(java.util.Locale.ROOT).replace(' ', '-');
  }

  /** {@code \n} line ends, no trailing blanks, exactly one final line end. */
  private static String clean(String usage) {
    StringBuilder out = new StringBuilder();
    for (String line : usage.replace("\r\n", "\n").split("\n", -1)) {
      out.append(line.stripTrailing()).append('\n');
    }
    return out.toString().stripTrailing() + "\n";
  }

  /** Writes {@link #render()} to the file given (default {@link #FILE}, relative to the working directory). */
  public static void main(String[] args) throws IOException {
    Path file = Path.of(args.length > 0 ? args[0] : FILE);
    Files.writeString(file, render(), StandardCharsets.UTF_8);
    System.out.println("wrote " + file);
  }
}
