package dev.ocync.examples.cli;

import dev.ocync.Mapping;
import dev.ocync.TagSelector;
import dev.ocync.config.ConfigMapping;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --shard I/N}: worker I (0-based, as Kubernetes' {@code JOB_COMPLETION_INDEX}) of N takes
 * the images whose {@code from:tag} hashes to I, so N workers running one config mirror disjoint
 * parts that together cover it once. The hash is SHA-256, not {@code String.hashCode}, so the
 * split is the same on every JVM and release. A worker lists and selects the tags of each mapping
 * itself, then runs its share as exact tags (keeping {@code immutable_tags}); a mapping whose tags
 * cannot be listed goes whole to the worker its {@code from} hashes to, which reports the failure.
 */
record Shard(int index, int count) {
  static final int MAX = 1000;

  Shard {
    if (count < 1 || count > MAX || index < 0 || index >= count) {
      throw new IllegalArgumentException("--shard: expected I/N with 0 <= I < N <= " + MAX + ", got " + index + "/" + count);
    }
  }

  /** {@code I/N}, or {@code N} (or {@code /N}) with I from {@code JOB_COMPLETION_INDEX}. */
  static Shard parse(String text, Map<String, String> env) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String i = slash < 0 ? "" : t.substring(0, slash);
    String n = slash < 0 ? t : t.substring(slash + 1);
    if (i.isEmpty()) {
      i = env.getOrDefault("JOB_COMPLETION_INDEX", "");
      if (i.isEmpty()) {
        throw new IllegalArgumentException("--shard " + text + ": no index given and JOB_COMPLETION_INDEX is not set;"
            + " give I/N");
      }
    }
    try {
      return new Shard(Integer.parseInt(i.trim()), Integer.parseInt(n.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--shard: expected I/N such as 0/3, got \"" + text + "\"");
    }
  }

  /** Which worker takes {@code key}. */
  int owner(String key) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int k = 0; k < 8; k++) {
        v = (v << 8) | (h[k] & 0xff);
      }
      return (int) Long.remainderUnsigned(v, count);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  boolean owns(String key) {
    return owner(key) == index;
  }

  /** This worker's tags of {@code tags} (kept tags of the mapping from {@code from}). */
  List<String> share(String from, List<String> tags) {
    return tags.stream().filter(t -> owns(from + ":" + t)).toList();
  }

  /** What one mapping becomes in this shard: empty when it has nothing here. */
  record Part(ConfigMapping config, Optional<Mapping> mapping, int total, int mine) {}

  /** This worker's part of {@code m}, listing the source's tags when the rules need it. */
  Part part(ConfigMapping cm) {
    Mapping m = cm.toMapping();
    TagSelector rules = cm.tags();
    List<String> kept;
    if (rules.exactTags().isPresent()) {
      kept = rules.exactTags().get();
    } else {
      try {
        kept = rules.select(source(m).listTags()).kept();
      } catch (IOException | RuntimeException e) {
        // the engine will meet the same failure: one worker reports it, the others skip the mapping
        return new Part(cm, owns(cm.from()) ? Optional.of(m) : Optional.empty(), 0, 0);
      }
    }
    List<String> mine = share(cm.from(), kept);
    if (mine.isEmpty()) {
      return new Part(cm, Optional.empty(), kept.size(), 0);
    }
    TagSelector.Builder exact = TagSelector.builder().glob(mine.toArray(String[]::new));
    rules.immutableTags().ifPresent(exact::immutableTags);
    return new Part(cm, Optional.of(m.newBuilder().tags(exact.build()).build()), kept.size(), mine.size());
  }

  private static Repository source(Mapping m) {
    Mapping.Endpoint e = m.source();
    if (e.repository().isPresent()) {
      return e.repository().get();
    }
    return e.registry().orElseThrow().repository(e.path().orElseThrow());
  }

  /** Every part of the config's mappings. */
  List<Part> parts(List<ConfigMapping> mappings) {
    List<Part> out = new ArrayList<>();
    for (ConfigMapping cm : mappings) {
      out.add(part(cm));
    }
    return out;
  }

  @Override
  public String toString() {
    return index + "/" + count;
  }
}
