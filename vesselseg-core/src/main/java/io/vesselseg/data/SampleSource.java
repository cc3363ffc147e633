package io.vesselseg.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.IntFunction;

/**
 * The photographs of a split, decoded one at a time: iterating (or {@link #get}) decodes a photograph each
 * time it is asked for and keeps nothing, so a pass over a set holds one photograph at a time whatever the
 * set's size. Files were paired and checked when the source was opened; decoding can still fail on a broken
 * file ({@link io.vesselseg.VesselsegException.Data}). {@link #loadAll()} gives the eager list that training
 * needs.
 */
public final class SampleSource implements Iterable<Sample> {

  private final List<String> ids;
  private final IntFunction<Sample> loader;

  private SampleSource(List<String> ids, IntFunction<Sample> loader) {
    this.ids = List.copyOf(ids);
    this.loader = loader;
  }

  /** A source over samples already in memory (the synthetic set, tests). */
  public static SampleSource of(List<Sample> samples) {
    List<Sample> copy = List.copyOf(samples);
    return new SampleSource(copy.stream().map(Sample::id).toList(), copy::get);
  }

  /** A source that decodes sample {@code i} (id {@code ids.get(i)}) with {@code loader} on every request. */
  static SampleSource lazy(List<String> ids, IntFunction<Sample> loader) {
    return new SampleSource(ids, loader);
  }

  /** Number of photographs. */
  public int size() {
    return ids.size();
  }

  /** Their ids, in order, known without decoding. */
  public List<String> ids() {
    return ids;
  }

  /** Decodes photograph {@code i}. */
  public Sample get(int i) {
    return loader.apply(i);
  }

  /** Decodes the photograph with this id, or returns null when the source has none. */
  public Sample get(String id) {
    int i = ids.indexOf(id);
    return i < 0 ? null : get(i);
  }

  /** Every photograph decoded and held (memory grows with the set: for training's patch sampling). */
  public List<Sample> loadAll() {
    List<Sample> out = new ArrayList<>(size());
    forEach(out::add);
    return out;
  }

  @Override
  public Iterator<Sample> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < ids.size();
      }

      @Override
      public Sample next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return get(next++);
      }
    };
  }
}
