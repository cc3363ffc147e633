package io.vesselseg.measure;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A skeleton ({@link Skeleton#thin}) cut into paths: each path runs from an end or branch pixel through pixels
 * of exactly two edges to the next end or branch pixel; a closed ring with no such pixel is one path whose
 * first and last pixel are the same. End points are pixels with one edge; branch points are 8-connected groups
 * of pixels with three or more. Isolated pixels (no edge) belong to no path and count as neither.
 */
final class SkeletonGraph {

  private final List<int[]> paths;
  private final int branchPoints;
  private final int endPoints;

  private SkeletonGraph(List<int[]> paths, int branchPoints, int endPoints) {
    this.paths = paths;
    this.branchPoints = branchPoints;
    this.endPoints = endPoints;
  }

  /** The paths, each as pixel indices ({@code y * w + x}) in order. */
  List<int[]> paths() {
    return paths;
  }

  int branchPoints() {
    return branchPoints;
  }

  int endPoints() {
    return endPoints;
  }

  boolean isLoop(int[] path) {
    return path.length > 2 && path[0] == path[path.length - 1];
  }

  static SkeletonGraph of(byte[] s, int w, int h) {
    int n = w * h;
    int[] degree = new int[n];
    int ends = 0;
    for (int i = 0; i < n; i++) {
      if (s[i] != 0) {
        degree[i] = Skeleton.degree(s, w, h, i % w, i / w);
        ends += degree[i] == 1 ? 1 : 0;
      }
    }
    int branches = branchGroups(degree, w, h);
    byte[] used = new byte[n]; // bit k: the edge in direction k has been walked
    List<int[]> paths = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) { // first from end/branch pixels, then what is left: closed rings
      for (int i = 0; i < n; i++) {
        boolean start = pass == 0 ? degree[i] >= 1 && degree[i] != 2 : degree[i] == 2;
        if (!start) {
          continue;
        }
        for (int k = 0; k < 8; k++) {
          if ((used[i] & (1 << k)) == 0 && Skeleton.edge(s, w, h, i % w, i / w, k)) {
            paths.add(walk(s, w, h, degree, used, i, k));
          }
        }
      }
    }
    return new SkeletonGraph(paths, branches, ends);
  }

  /** Walks from pixel {@code i} out along direction {@code k} until an end/branch pixel or back to the start. */
  private static int[] walk(byte[] s, int w, int h, int[] degree, byte[] used, int i, int k) {
    List<Integer> path = new ArrayList<>();
    path.add(i);
    int cur = i;
    int dir = k;
    while (true) {
      int next = cur + Skeleton.DY[dir] * w + Skeleton.DX[dir];
      used[cur] |= (byte) (1 << dir);
      used[next] |= (byte) (1 << ((dir + 4) % 8));
      path.add(next);
      if (degree[next] != 2 || next == i) {
        break;
      }
      int nd = -1;
      for (int j = 0; j < 8; j++) {
        if ((used[next] & (1 << j)) == 0 && Skeleton.edge(s, w, h, next % w, next / w, j)) {
          nd = j;
          break;
        }
      }
      if (nd < 0) {
        break;
      }
      cur = next;
      dir = nd;
    }
    return path.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Number of 8-connected groups of pixels with three or more edges. */
  private static int branchGroups(int[] degree, int w, int h) {
    boolean[] seen = new boolean[w * h];
    int groups = 0;
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int i = 0; i < degree.length; i++) {
      if (degree[i] < 3 || seen[i]) {
        continue;
      }
      groups++;
      seen[i] = true;
      queue.add(i);
      while (!queue.isEmpty()) {
        int p = queue.poll();
        for (int k = 0; k < 8; k++) {
          int x = p % w + Skeleton.DX[k];
          int y = p / w + Skeleton.DY[k];
          int q = y * w + x;
          if (x >= 0 && y >= 0 && x < w && y < h && !seen[q] && degree[q] >= 3) {
            seen[q] = true;
            queue.add(q);
          }
        }
      }
    }
    return groups;
  }
}
