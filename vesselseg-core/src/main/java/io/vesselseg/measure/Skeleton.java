package io.vesselseg.measure;

/**
 * The one-pixel-wide centre lines of a binary mask, and the graph they form.
 *
 * <p>Thinning: Zhang and Suen (CACM 27(3), 1984), two alternating sub-iterations until nothing changes, then a
 * clean-up pass that deletes the "staircase" pixels Zhang–Suen leaves on diagonal lines (a pixel whose two
 * 4-neighbours at a right angle are both set and whose removal keeps its neighbours 8-connected), so that
 * every remaining pixel of a plain line has exactly two 8-neighbours. Graph: 8-neighbours are joined, except a
 * diagonal pair that already shares a set 4-neighbour (no triangles); a pixel's degree is its number of edges.
 * Degree 1 is an end point, degree 3 or more a branch pixel; adjacent branch pixels form one branch point.
 */
public final class Skeleton {

  /** Neighbour offsets clockwise from north: N, NE, E, SE, S, SW, W, NW. */
  static final int[] DX = {0, 1, 1, 1, 0, -1, -1, -1};
  static final int[] DY = {-1, -1, 0, 1, 1, 1, 0, -1};

  private Skeleton() {}

  /**
   * Thins {@code mask} (0/1, row-major {@code w * h}) to its skeleton; the input is not changed.
   *
   * @return a new 0/1 array of the same size
   */
  public static byte[] thin(byte[] mask, int w, int h) {
    byte[] s = new byte[w * h];
    for (int i = 0; i < s.length; i++) {
      s[i] = (byte) (mask[i] != 0 ? 1 : 0);
    }
    int[] del = new int[w * h];
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int pass = 0; pass < 2; pass++) {
        int nDel = 0;
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            if (s[y * w + x] == 0) {
              continue;
            }
            int[] p = ring(s, w, h, x, y);
            int b = 0;
            for (int v : p) {
              b += v;
            }
            if (b < 2 || b > 6 || transitions(p) != 1) {
              continue;
            }
            // p[0]=N, p[2]=E, p[4]=S, p[6]=W
            boolean ok = pass == 0
                ? p[0] * p[2] * p[4] == 0 && p[2] * p[4] * p[6] == 0
                : p[0] * p[2] * p[6] == 0 && p[0] * p[4] * p[6] == 0;
            if (ok) {
              del[nDel++] = y * w + x;
            }
          }
        }
        for (int k = 0; k < nDel; k++) {
          s[del[k]] = 0;
        }
        changed |= nDel > 0;
      }
    }
    removeStaircases(s, w, h);
    return s;
  }

  private static void removeStaircases(byte[] s, int w, int h) {
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (s[y * w + x] == 0) {
          continue;
        }
        int[] p = ring(s, w, h, x, y);
        boolean corner = p[0] + p[2] == 2 || p[2] + p[4] == 2 || p[4] + p[6] == 2 || p[6] + p[0] == 2;
        if (corner && components8(p) == 1) {
          s[y * w + x] = 0;
        }
      }
    }
  }

  /** The 8 neighbours of (x, y), N first, clockwise; outside the image counts as 0. */
  static int[] ring(byte[] s, int w, int h, int x, int y) {
    int[] p = new int[8];
    for (int k = 0; k < 8; k++) {
      int nx = x + DX[k];
      int ny = y + DY[k];
      p[k] = nx >= 0 && ny >= 0 && nx < w && ny < h && s[ny * w + nx] != 0 ? 1 : 0;
    }
    return p;
  }

  /** Number of 0 to 1 transitions around the ring (Zhang–Suen's A(P)). */
  private static int transitions(int[] p) {
    int a = 0;
    for (int k = 0; k < 8; k++) {
      if (p[k] == 0 && p[(k + 1) % 8] == 1) {
        a++;
      }
    }
    return a;
  }

  /**
   * Number of 8-connected groups among the set ring pixels, as seen without the centre: consecutive ring
   * pixels touch, and so do two 4-neighbours around a corner (N and E touch through NE's position).
   */
  private static int components8(int[] p) {
    int[] label = new int[8];
    int n = 0;
    for (int k = 0; k < 8; k++) {
      if (p[k] == 1 && label[k] == 0) {
        n++;
        flood(p, label, k, n);
      }
    }
    return n;
  }

  private static void flood(int[] p, int[] label, int k, int id) {
    label[k] = id;
    for (int j = 0; j < 8; j++) {
      if (p[j] == 1 && label[j] == 0 && touches(k, j)) {
        flood(p, label, j, id);
      }
    }
  }

  private static boolean touches(int a, int b) {
    int dx = Math.abs(DX[a] - DX[b]);
    int dy = Math.abs(DY[a] - DY[b]);
    return dx <= 1 && dy <= 1;
  }

  /**
   * Whether skeleton pixels {@code i} and its neighbour in direction {@code k} are joined by an edge: a
   * diagonal pair is not joined when one of the two pixels between them is set (the path goes through it).
   */
  static boolean edge(byte[] s, int w, int h, int x, int y, int k) {
    int nx = x + DX[k];
    int ny = y + DY[k];
    if (nx < 0 || ny < 0 || nx >= w || ny >= h || s[ny * w + nx] == 0) {
      return false;
    }
    if (DX[k] != 0 && DY[k] != 0) {
      return s[y * w + nx] == 0 && s[ny * w + x] == 0;
    }
    return true;
  }

  /** Number of edges at skeleton pixel (x, y). */
  static int degree(byte[] s, int w, int h, int x, int y) {
    int d = 0;
    for (int k = 0; k < 8; k++) {
      if (edge(s, w, h, x, y, k)) {
        d++;
      }
    }
    return d;
  }
}
