package dev.ocync.internal.helm;

import dev.ocync.oci.Reference;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Relocation, as a pure function: a chart archive whose {@code values.yaml} names mirrored
 * images instead of upstream ones. Exactly the references {@link ChartImages} discovers in
 * {@code values.yaml} (found by the same rules) and the caller maps are rewritten, by editing the
 * text of their scalars in place, so comments, key order, quoting and layout survive; nothing is
 * re-serialized. The archive is then repacked deterministically, so the same input gives the same
 * bytes: entries sorted by name, regular files only, mode 0644, uid/gid 0 without user or group
 * names, modification time the Unix epoch, a ustar header written here (no PAX or GNU records,
 * which would carry the local user name), and a gzip stream with a fixed header (no name, mtime
 * 0, OS "unknown") compressed by {@link FixedDeflate}, not zlib, whose output differs between
 * implementations: the bytes depend on nothing but the input.
 *
 * <p>Vendored subchart archives ({@code charts/*.tgz}) are relocated the same way, to the depth
 * and within the size budget discovery reads them, and repacked only if something in them changed
 * (an untouched subchart keeps its bytes). Annotations and lock files are not rewritten: they
 * describe the upstream chart and are not rendered.
 *
 * <p>A map's keys are never added or removed: the mirrored reference must have a tag where the
 * map has a tag and a digest where it has a digest. A map without a {@code registry} key gets the
 * mirror registry in front of its {@code repository}. With {@code global.imageRegistry}, that one
 * value is rewritten, so every map it governs (subcharts included, as Helm's globals flow down)
 * must be relocated to the same mirror registry.
 */
final class ChartRelocation {
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final int MODE = 0100644;

  /** One rewritten reference: the chart file, the 1-based line, where in the values, old and new. */
  record Rewrite(String file, int line, String where, String from, String to) {}

  /** The relocated archive and every reference rewritten in it, in document order. */
  record Relocated(byte[] archive, List<Rewrite> rewrites) {}

  private ChartRelocation() {}

  /**
   * Relocates {@code tgz}: each discovered reference that is a key of {@code mirrors} becomes its
   * value. References not in the map stay as they are.
   *
   * @throws IllegalArgumentException if the archive is refused by {@link ChartArchive} rules, a
   *     mirrored reference does not parse, or a rewrite would need keys added or removed
   */
  static Relocated relocate(byte[] tgz, Map<String, String> mirrors) {
    List<Rewrite> rewrites = new ArrayList<>();
    byte[] out = relocate(tgz, mirrors, "", Optional.empty(), 0, new long[] {ChartArchive.MAX_DECOMPRESSED},
        rewrites).orElseThrow();
    return new Relocated(out, List.copyOf(rewrites));
  }

  /**
   * One chart level: its values, then its vendored subcharts (as discovery reads them), then the
   * global registry it owns. A subchart in which nothing changed keeps its original bytes.
   *
   * @return the repacked archive; empty for a subchart in which nothing changed
   */
  private static Optional<byte[]> relocate(byte[] tgz, Map<String, String> mirrors, String prefix,
      Optional<GlobalScope> inherited, int depth, long[] budget, List<Rewrite> rewrites) {
    ChartArchive checked;
    try {
      checked = ChartArchive.read(tgz, budget[0], ChartArchive.MAX_FILE);
    } catch (IllegalArgumentException e) {
      if (depth == 0) {
        throw e;
      }
      return Optional.empty(); // discovery skips a subchart it cannot load, and so does relocation
    }
    budget[0] -= checked.decompressed;
    SortedMap<String, byte[]> files = entries(tgz);
    String valuesName = checked.topFolder + "/values.yaml";
    byte[] values = files.get(valuesName);
    Optional<ValuesEdit> edit = values != null && values.length > 0 && !mirrors.isEmpty()
        ? Optional.of(new ValuesEdit(values, mirrors, rewrites, prefix + "values.yaml", inherited))
        : Optional.empty();
    edit.ifPresent(ValuesEdit::walk);
    Optional<GlobalScope> scope = edit.isPresent() ? edit.get().scope : inherited;
    boolean changed = false;
    if (depth < ChartImages.MAX_SUBCHART_DEPTH) {
      for (Map.Entry<String, byte[]> sub : checked.subcharts.entrySet()) {
        if (budget[0] <= 0) {
          break;
        }
        Optional<byte[]> relocated = relocate(sub.getValue(), mirrors, prefix + sub.getKey() + "/", scope,
            depth + 1, budget, rewrites);
        if (relocated.isPresent()) {
          files.put(checked.topFolder + "/" + sub.getKey(), relocated.get());
          changed = true;
        }
      }
    }
    if (edit.isPresent()) {
      byte[] after = edit.get().finish();
      if (after != values) {
        files.put(valuesName, after);
        changed = true;
      }
    }
    return changed || depth == 0 ? Optional.of(pack(files)) : Optional.empty();
  }

  /**
   * A {@code global.imageRegistry} and the charts it governs (the one that sets it and every
   * subchart below, since Helm's globals flow down): the mirror registries their images go to,
   * and the images it governs that are not relocated.
   */
  private static final class GlobalScope {
    final ScalarNode node;
    final String registry;
    final Set<String> targets = new LinkedHashSet<>();
    final List<String> unmapped = new ArrayList<>();

    GlobalScope(ScalarNode node) {
      this.node = node;
      this.registry = node.getValue().trim();
    }
  }

  /** The archive's regular files by cleaned path (the archive was checked by ChartArchive first). */
  private static SortedMap<String, byte[]> entries(byte[] tgz) {
    SortedMap<String, byte[]> files = new TreeMap<>();
    try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(tgz));
        TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (!e.isFile() || e.isPaxHeader() || e.isGlobalPaxHeader()) {
          continue;
        }
        String name = java.nio.file.Path.of("/", e.getName().replace('\\', '/')).normalize().toString().substring(1);
        files.put(name, ChartArchive.readAtMost(tar, ChartArchive.MAX_FILE));
      }
    } catch (IOException ex) {
      throw new IllegalArgumentException("not a readable tar.gz archive: " + ex.getMessage(), ex);
    }
    return files;
  }

  /** The in-place edits of one values.yaml. */
  private static final class ValuesEdit {
    private final byte[] original;
    private final Map<String, String> mirrors;
    private final List<Rewrite> rewrites;
    private final String file;
    private final boolean bom;
    private final String text;
    /** Replacement text by the code-point span [start, end) of a scalar. */
    private final TreeMap<Integer, Object[]> edits = new TreeMap<>();
    /** The global registry in effect here: a parent's, else this file's own. */
    private Optional<GlobalScope> scope;
    private boolean ownsScope;

    ValuesEdit(byte[] original, Map<String, String> mirrors, List<Rewrite> rewrites, String file,
        Optional<GlobalScope> inherited) {
      this.original = original;
      this.mirrors = mirrors;
      this.rewrites = rewrites;
      this.file = file;
      this.scope = inherited;
      this.bom = original.length >= 3 && original[0] == BOM[0] && original[1] == BOM[1] && original[2] == BOM[2];
      this.text = new String(original, bom ? 3 : 0, original.length - (bom ? 3 : 0), StandardCharsets.UTF_8);
    }

    /** Finds and records the edits of this file; a global registry it sets becomes the scope below it. */
    void walk() {
      Node root;
      try {
        HelmYaml.parse(original, "values.yaml"); // refuses aliases and bombs, as discovery does
        LoaderOptions options = new LoaderOptions();
        options.setNestingDepthLimit(HelmYaml.MAX_DEPTH);
        options.setCodePointLimit(Math.max(original.length, 1024));
        root = new Yaml(options).compose(new StringReader(text));
      } catch (IllegalArgumentException | YAMLException e) {
        return; // discovery found nothing in a values.yaml it cannot read
      }
      if (!(root instanceof MappingNode top)) {
        return;
      }
      Optional<Node> g = value(top, "global");
      if (scope.isEmpty() && g.isPresent() && g.get() instanceof MappingNode gm) {
        Optional<Node> own = value(gm, "imageRegistry").filter(n -> isString(n) && !((ScalarNode) n).getValue()
            .isBlank());
        if (own.isPresent()) {
          scope = Optional.of(new GlobalScope((ScalarNode) own.get()));
          ownsScope = true;
        }
      }
      walk(root, "");
    }

    /** Rewrites the global registry this file owns, once the charts below it were walked; the new bytes. */
    byte[] finish() {
      if (ownsScope && !scope.get().targets.isEmpty()) {
        GlobalScope gs = scope.get();
        if (gs.targets.size() > 1) {
          throw new IllegalArgumentException(file + " global.imageRegistry governs images mirrored to "
              + String.join(" and ", gs.targets) + "; relocation rewrites that one value, so they need one registry");
        }
        if (!gs.unmapped.isEmpty()) {
          throw new IllegalArgumentException(file + " global.imageRegistry also governs "
              + String.join(", ", gs.unmapped) + ", which is not relocated; rewriting it would move that image too");
        }
        String to = gs.targets.iterator().next();
        if (!gs.registry.equals(to)) {
          edit(gs.node, to);
          rewrites.add(new Rewrite(file, line(gs.node), "global.imageRegistry", gs.registry, to));
        }
      }
      if (edits.isEmpty()) {
        return original;
      }
      int[] cps = text.codePoints().toArray();
      StringBuilder out = new StringBuilder(text.length() + 64);
      int at = 0;
      for (Map.Entry<Integer, Object[]> e : edits.entrySet()) {
        int start = e.getKey();
        int end = (Integer) e.getValue()[0];
        out.append(new String(cps, at, start - at)).append((String) e.getValue()[1]);
        at = end;
      }
      out.append(new String(cps, at, cps.length - at));
      byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
      if (!bom) {
        return body;
      }
      byte[] withBom = new byte[body.length + 3];
      System.arraycopy(BOM, 0, withBom, 0, 3);
      System.arraycopy(body, 0, withBom, 3, body.length);
      return withBom;
    }

    /** The same walk as {@link ChartImages}: maps with a repository first, then image strings, then deeper. */
    private void walk(Node node, String path) {
      if (node instanceof MappingNode m) {
        Optional<Node> repository = value(m, "repository");
        if (repository.isPresent() && isString(repository.get())
            && !((ScalarNode) repository.get()).getValue().contains("://")) {
          relocateMap(m, path);
        }
        for (NodeTuple t : m.getValue()) {
          if (!(t.getKeyNode() instanceof ScalarNode k)) {
            continue;
          }
          String p = path.isEmpty() ? k.getValue() : path + "." + k.getValue();
          if (k.getValue().equals("image") && isString(t.getValueNode())) {
            relocateString((ScalarNode) t.getValueNode(), p);
          } else {
            walk(t.getValueNode(), p);
          }
        }
      } else if (node instanceof SequenceNode s) {
        int i = 0;
        for (Node n : s.getValue()) {
          walk(n, path + "[" + i++ + "]");
        }
      }
    }

    private void relocateString(ScalarNode n, String path) {
      String from = n.getValue().trim();
      String to = mirrors.get(from);
      if (to == null || !ChartImages.accepted(from)) {
        return;
      }
      parseMirror(to, file + " " + path);
      if (!to.equals(from)) {
        edit(n, to);
      }
      rewrites.add(new Rewrite(file, line(n), path, from, to));
    }

    private void relocateMap(MappingNode m, String path) {
      ScalarNode repository = (ScalarNode) value(m, "repository").orElseThrow();
      if (repository.getValue().trim().isEmpty()) {
        return;
      }
      Optional<ScalarNode> registryNode = value(m, "registry").filter(n -> text(n).isPresent()).map(ScalarNode.class::cast);
      Optional<ScalarNode> tagNode = value(m, "tag").filter(n -> text(n).isPresent()).map(ScalarNode.class::cast);
      Optional<ScalarNode> digestNode = value(m, "digest").filter(n -> text(n).isPresent()).map(ScalarNode.class::cast);
      Optional<String> registry = scope.isPresent() ? Optional.of(scope.get().registry)
          : registryNode.flatMap(ChartRelocation::text);
      StringBuilder ref = new StringBuilder();
      registry.ifPresent(r -> ref.append(r).append('/'));
      ref.append(repository.getValue().trim());
      tagNode.flatMap(ChartRelocation::text).ifPresent(t -> ref.append(':').append(t));
      digestNode.flatMap(ChartRelocation::text).ifPresent(d -> ref.append('@').append(d));
      String from = ref.toString();
      String where = path.isEmpty() ? "(top level)" : path;
      if (!ChartImages.accepted(from)) {
        return;
      }
      String to = mirrors.get(from);
      if (to == null) {
        scope.ifPresent(gs -> gs.unmapped.add(from + " (" + file + " " + where + ")"));
        return;
      }
      Mirror mirror = parseMirror(to, file + " " + where);
      if (mirror.tag.isPresent() != tagNode.isPresent() || mirror.digest.isPresent() != digestNode.isPresent()) {
        throw new IllegalArgumentException(file + " " + where + ": the mirror reference \"" + to + "\" must have"
            + (tagNode.isPresent() ? " a tag" : " no tag") + " and" + (digestNode.isPresent() ? " a digest" : " no digest")
            + " like the map it replaces (\"" + from + "\"); relocation edits values and adds or removes no keys");
      }
      if (scope.isPresent()) {
        scope.get().targets.add(mirror.registry);
        change(repository, mirror.repository);
      } else if (registryNode.isPresent()) {
        change(registryNode.get(), mirror.registry);
        change(repository, mirror.repository);
      } else {
        change(repository, mirror.registry + "/" + mirror.repository);
      }
      tagNode.ifPresent(n -> change(n, mirror.tag.orElseThrow()));
      digestNode.ifPresent(n -> change(n, mirror.digest.orElseThrow()));
      rewrites.add(new Rewrite(file, line(repository), where, from, to));
    }

    private void change(ScalarNode n, String to) {
      if (!text(n).orElse("").equals(to)) {
        edit(n, to);
      }
    }

    /** Replaces the scalar's text, keeping its quoting where the new value allows it. */
    private void edit(ScalarNode n, String value) {
      String written;
      if (n.getScalarStyle() == ScalarStyle.SINGLE_QUOTED) {
        written = "'" + value + "'";
      } else if (n.getScalarStyle() == ScalarStyle.PLAIN && plainString(value)) {
        written = value;
      } else if (n.getScalarStyle() == ScalarStyle.PLAIN || n.getScalarStyle() == ScalarStyle.DOUBLE_QUOTED) {
        written = "\"" + value + "\"";
      } else {
        throw new IllegalArgumentException(file + " line " + line(n) + ": a block scalar (| or >) names an image;"
            + " relocation rewrites only plain and quoted scalars");
      }
      int start = n.getStartMark().getIndex();
      Object[] previous = edits.put(start, new Object[] {n.getEndMark().getIndex(), written});
      if (previous != null && !previous[1].equals(written)) {
        throw new IllegalArgumentException(file + " line " + line(n) + ": two relocations disagree on one value");
      }
    }
  }

  /** A mirror reference taken apart as written: registry and repository normalized, tag and digest as given. */
  private record Mirror(String registry, String repository, Optional<String> tag, Optional<String> digest) {}

  private static Mirror parseMirror(String to, String where) {
    Reference r;
    try {
      r = Reference.parse(to);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": mirror reference " + e.getMessage(), e);
    }
    int at = to.indexOf('@');
    String name = at < 0 ? to : to.substring(0, at);
    int colon = name.lastIndexOf(':');
    Optional<String> tag = colon > name.lastIndexOf('/') ? Optional.of(name.substring(colon + 1)) : Optional.empty();
    return new Mirror(r.registry(), r.repository(), tag, at < 0 ? Optional.empty() : Optional.of(to.substring(at + 1)));
  }

  private static final Resolver RESOLVER = new Resolver();

  /** Whether {@code v} may be written unquoted and still read back as the same string. */
  private static boolean plainString(String v) {
    return v.matches("[A-Za-z0-9][A-Za-z0-9._/@:+-]*") && RESOLVER.resolve(NodeId.scalar, v, true).equals(Tag.STR);
  }

  private static boolean isString(Node n) {
    return n instanceof ScalarNode s && s.getTag().equals(Tag.STR);
  }

  /** A scalar's text as discovery reads it (Jackson's {@code asText} of a string or number). */
  private static Optional<String> text(Node n) {
    if (!(n instanceof ScalarNode s)) {
      return Optional.empty();
    }
    String v = s.getValue().trim();
    if (s.getTag().equals(Tag.FLOAT)) {
      try {
        v = Double.toString(Double.parseDouble(v.replace("_", "")));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    } else if (s.getTag().equals(Tag.INT)) {
      try {
        v = Long.toString(Long.parseLong(v.replace("_", "")));
      } catch (NumberFormatException e) {
        // left as written
      }
    } else if (!s.getTag().equals(Tag.STR)) {
      return Optional.empty();
    }
    return v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  /** The value of the last tuple keyed {@code key}, as a JSON reader keeps the last duplicate. */
  private static Optional<Node> value(MappingNode m, String key) {
    Node found = null;
    for (NodeTuple t : m.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
        found = t.getValueNode();
      }
    }
    return Optional.ofNullable(found);
  }

  private static int line(Node n) {
    return n.getStartMark().getLine() + 1;
  }

  // ---------------------------------------------------------------- deterministic repacking

  /** Sorted regular files in ustar records (name split into prefix and name up to 255 bytes), gzipped. */
  static byte[] pack(SortedMap<String, byte[]> files) {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      tar.writeBytes(header(f.getKey(), f.getValue().length));
      tar.writeBytes(f.getValue());
      tar.writeBytes(new byte[(512 - f.getValue().length % 512) % 512]);
    }
    tar.writeBytes(new byte[1024]);
    return gzip(tar.toByteArray());
  }

  private static byte[] header(String name, long size) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    String prefix = "";
    String rest = name;
    if (n.length > 100) {
      int split = -1;
      for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
        int pre = name.substring(0, i).getBytes(StandardCharsets.UTF_8).length;
        int post = name.substring(i + 1).getBytes(StandardCharsets.UTF_8).length;
        if (pre <= 155 && post <= 100 && post > 0) {
          split = i;
          break;
        }
      }
      if (split < 0) {
        throw new IllegalArgumentException("file \"" + name + "\" has a path too long to repack (over 255 bytes)");
      }
      prefix = name.substring(0, split);
      rest = name.substring(split + 1);
    }
    put(h, 0, 100, rest.getBytes(StandardCharsets.UTF_8));
    octal(h, 100, 8, MODE);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, 0);
    h[156] = '0';
    put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
    put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
    put(h, 345, 155, prefix.getBytes(StandardCharsets.UTF_8));
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    h[155] = ' ';
    return h;
  }

  private static void put(byte[] h, int off, int len, byte[] v) {
    System.arraycopy(v, 0, h, off, Math.min(len, v.length));
  }

  /** A NUL-terminated, zero-padded octal field of {@code len} bytes. */
  private static void octal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    if (s.length() > len - 1) {
      throw new IllegalArgumentException("value " + v + " does not fit a tar header field");
    }
    s = "0".repeat(len - 1 - s.length()) + s;
    put(h, off, len - 1, s.getBytes(StandardCharsets.US_ASCII));
    h[off + len - 1] = 0;
  }

  /** A gzip member with a fixed header (no name, no mtime, OS unknown) around {@link FixedDeflate}. */
  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 3 + 64);
    out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
    FixedDeflate.deflate(data, out);
    CRC32 crc = new CRC32();
    crc.update(data);
    long c = crc.getValue();
    long size = data.length & 0xffffffffL;
    for (long v : new long[] {c, size}) {
      out.write((int) (v & 0xff));
      out.write((int) (v >> 8 & 0xff));
      out.write((int) (v >> 16 & 0xff));
      out.write((int) (v >> 24 & 0xff));
    }
    return out.toByteArray();
  }
}
