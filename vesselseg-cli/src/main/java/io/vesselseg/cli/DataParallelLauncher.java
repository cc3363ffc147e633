package io.vesselseg.cli;

import io.vesselseg.VesselsegException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code train --nproc N} on one machine: starts N child JVMs (same java, JVM options and class path) running
 * the same command without {@code --nproc}, with the torchrun environment (MASTER_ADDR 127.0.0.1, a free
 * MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK) and, unless {@code --threads} is given, cores/N libtorch threads
 * each. Forwards their output line by line prefixed {@code [rank r]} and waits. The first child to exit
 * non-zero makes the parent stop the others (SIGTERM, then SIGKILL after {@value #GRACE_SECONDS} s) and return
 * that child's exit code with a message naming the rank; the parent's own end (Ctrl-C) stops them too.
 */
final class DataParallelLauncher {

  static final int GRACE_SECONDS = 10;

  private DataParallelLauncher() {}

  /** Runs {@code args} (the whole command line, {@code --nproc} removed) as {@code n} ranks. */
  static int launch(int n, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(args);
    if (args.stream().noneMatch(a -> a.equals("--threads") || a.startsWith("--threads="))) {
      cmd.addAll(List.of("--threads", Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / n))));
    }
    int port = freePort();
    List<Process> ranks = new ArrayList<>();
    Thread stopAll = new Thread(() -> stop(ranks), "stop-ranks");
    Runtime.getRuntime().addShutdownHook(stopAll);
    try {
      for (int r = 0; r < n; r++) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("MASTER_ADDR", "127.0.0.1");
        pb.environment().put("MASTER_PORT", Integer.toString(port));
        pb.environment().put("WORLD_SIZE", Integer.toString(n));
        pb.environment().put("RANK", Integer.toString(r));
        pb.environment().put("LOCAL_RANK", Integer.toString(r));
        Process p = pb.start();
        forward(p.getInputStream(), System.out, r);
        forward(p.getErrorStream(), System.err, r);
        ranks.add(p);
      }
      System.err.println("vesselseg: " + n + " data-parallel processes (pids " + ranks.stream()
          .map(p -> Long.toString(p.pid())).toList() + "), store at 127.0.0.1:" + port);
      while (true) {
        boolean running = false;
        List<Integer> failed = new ArrayList<>();
        for (int r = 0; r < n; r++) {
          Process p = ranks.get(r);
          if (p.isAlive()) {
            running = true;
          } else if (p.exitValue() != 0) {
            failed.add(r);
          }
        }
        if (!failed.isEmpty()) {
          // a rank ended by a signal (code > 128) is named first: the others' failures follow from it
          failed.sort((a, b) -> Boolean.compare(ranks.get(b).exitValue() > 128, ranks.get(a).exitValue() > 128));
          int first = failed.get(0);
          String also = failed.stream().skip(1).map(r -> "rank " + r + " with " + ranks.get(r).exitValue())
              .reduce((a, b) -> a + ", " + b).map(s -> " (and " + s + ")").orElse("");
          System.err.println("error: rank " + first + " exited with code " + ranks.get(first).exitValue() + also
              + ": stopping the other ranks (rank 0's last checkpoint stays usable with --resume)");
          stop(ranks);
          return ranks.get(first).exitValue();
        }
        if (!running) {
          return Main.OK;
        }
        Thread.sleep(200);
      }
    } catch (IOException e) {
      stop(ranks);
      throw new VesselsegException.Data("could not start the data-parallel processes (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(ranks);
      return Main.INTERRUPTED;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopAll);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it stops the ranks
      }
    }
  }

  private static void stop(List<Process> ranks) {
    ranks.forEach(Process::destroy);
    for (Process p : ranks) {
      try {
        if (!p.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }

  private static void forward(InputStream in, PrintStream out, int rank) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          out.println("[rank " + rank + "] " + line);
        }
      } catch (IOException e) {
        // the child is gone
      }
    }, "rank-" + rank + "-output");
    t.setDaemon(true);
    t.start();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new VesselsegException.Data("no free TCP port for the rendezvous store (" + e.getMessage() + ")");
    }
  }
}
