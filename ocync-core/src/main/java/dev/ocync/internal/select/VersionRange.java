package dev.ocync.internal.select;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.semver4j.RangesList;
import org.semver4j.RangesListFactory;
import org.semver4j.Semver;

/**
 * A {@code semver} range for tags, in one of two syntaxes.
 *
 * <ul>
 *   <li><b>ocync comparators</b>, when every comma-separated part is one: {@code >=}, {@code <=},
 *       {@code >}, {@code <}, {@code =} or bare (meaning {@code =}), then a bound of dotted
 *       numbers with an optional {@code v} ({@code >=1.0, <2}). Exactly ocync's semantics: the
 *       tag's numeric prefix is compared with the bound zero-padded, so {@code >=15.0} matches
 *       {@code 15.10.5}, {@code 1.2} means exactly 1.2(.0), and a fourth component counts.
 *   <li><b>npm ranges</b> through semver4j otherwise: {@code ^1.2}, {@code ~1.2.3}, {@code 1.x},
 *       {@code *}, {@code 1.2 - 1.4}, space- or comma-joined comparators (AND) and {@code ||}
 *       (OR). The tag's first three numeric components are the version; more are ignored.
 * </ul>
 *
 * <p>Pre-releases: in both syntaxes only the tag's numeric prefix is compared, so
 * {@code 1.2.3-rc1} and {@code 1.2.3-alpine} both satisfy {@code >=1.2.3} and {@code ^1.2}. A
 * Docker suffix is as often a variant ({@code -alpine}) as a pre-release, so whether such tags
 * are wanted is the exclude rules' job: the built-in soft excludes drop {@code -rc}, {@code -beta}
 * and the like. A pre-release in an npm bound orders as in semver ({@code >=1.2.3-rc.1} admits
 * 1.2.3).
 */
public final class VersionRange {
  private static final Pattern OCYNC_PART = Pattern.compile("(>=|<=|>|<|=)?\\s*v?[0-9]+(\\.[0-9]+)*");
  private static final Pattern OCYNC_SPLIT = Pattern.compile("^(>=|<=|>|<|=)?\\s*v?(.*)$");
  private static final String NPM_VERSION =
      "v?[0-9]+(\\.([0-9]+|[xX*])){0,2}(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?";
  private static final Pattern NPM_UNIT = Pattern.compile(
      "(>=|<=|>|<|=|\\^|~)" + NPM_VERSION
          + "|v?([0-9]+|[xX*])(\\.([0-9]+|[xX*])){0,2}(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?"
          + "|" + NPM_VERSION + " - " + NPM_VERSION);
  private static final int MAX_LENGTH = 1024;

  private final String text;
  private final List<long[]> ocyncBounds; // ocync syntax: per constraint, op code at [0]
  private final List<List<RangesList>> alternatives; // npm syntax: OR of ANDs

  private VersionRange(String text, List<long[]> ocyncBounds, List<List<RangesList>> alternatives) {
    this.text = text;
    this.ocyncBounds = ocyncBounds;
    this.alternatives = alternatives;
  }

  /**
   * Parses a range.
   *
   * @throws IllegalArgumentException {@code invalid version range '<range>': <reason>}
   */
  public static VersionRange parse(String range) {
    Objects.requireNonNull(range, "semver");
    String trimmed = range.trim();
    if (trimmed.isEmpty()) {
      throw invalid(range, "empty range");
    }
    if (trimmed.length() > MAX_LENGTH) {
      throw invalid(trimmed.substring(0, 40) + "...", "longer than " + MAX_LENGTH + " characters");
    }
    String[] parts = trimmed.split(",", -1);
    boolean ocync = true;
    for (String p : parts) {
      ocync &= OCYNC_PART.matcher(p.trim()).matches();
    }
    return ocync ? ocync(range, parts) : npm(range, trimmed);
  }

  private static VersionRange ocync(String range, String[] parts) {
    List<long[]> constraints = new ArrayList<>();
    for (String p : parts) {
      var m = OCYNC_SPLIT.matcher(p.trim());
      m.matches();
      String op = m.group(1) == null ? "=" : m.group(1);
      String[] nums = m.group(2).split("\\.");
      long[] c = new long[nums.length + 1];
      c[0] = switch (op) {
        case ">=" -> 0;
        case "<=" -> 1;
        case ">" -> 2;
        case "<" -> 3;
        default -> 4;
      };
      for (int i = 0; i < nums.length; i++) {
        try {
          c[i + 1] = Long.parseUnsignedLong(nums[i]);
        } catch (NumberFormatException e) {
          throw invalid(range, "malformed bound '" + m.group(2) + "'");
        }
      }
      constraints.add(c);
    }
    return new VersionRange(range, List.copyOf(constraints), List.of());
  }

  private static VersionRange npm(String range, String trimmed) {
    List<List<RangesList>> alternatives = new ArrayList<>();
    for (String alt : trimmed.split("\\|\\|", -1)) {
      List<String> tokens = new ArrayList<>(List.of(alt.replace(',', ' ').trim().split("\\s+")));
      tokens.removeIf(String::isEmpty);
      if (tokens.isEmpty()) {
        throw invalid(range, "empty alternative around '||'");
      }
      List<RangesList> units = new ArrayList<>();
      for (int i = 0; i < tokens.size(); i++) {
        String unit = tokens.get(i);
        if (unit.matches(">=|<=|>|<|=|\\^|~") && i + 1 < tokens.size()) {
          unit += tokens.get(++i); // ">= 1.2" written with a space
        } else if (i + 2 < tokens.size() && tokens.get(i + 1).equals("-")) {
          unit += " - " + tokens.get(i + 2); // hyphen range
          i += 2;
        }
        if (!NPM_UNIT.matcher(unit).matches()) {
          throw invalid(range, "cannot read '" + unit + "'; use comparators like >=1.2, <2 "
              + "or npm ranges like ^1.2, ~1.2.3, 1.x, 1.2 - 1.4, joined with ||");
        }
        RangesList parsed;
        try {
          parsed = RangesListFactory.create(unit);
        } catch (RuntimeException e) {
          throw invalid(range, "cannot read '" + unit + "': " + e.getMessage());
        }
        if (parsed.get().isEmpty()) {
          throw invalid(range, "cannot read '" + unit + "'");
        }
        units.add(parsed);
      }
      alternatives.add(List.copyOf(units));
    }
    return new VersionRange(range, List.of(), List.copyOf(alternatives));
  }

  private static IllegalArgumentException invalid(String range, String reason) {
    return new IllegalArgumentException("invalid version range '" + range + "': " + reason);
  }

  /** Whether the version satisfies the range. */
  public boolean matches(TagVersion v) {
    if (!ocyncBounds.isEmpty()) {
      for (long[] c : ocyncBounds) {
        int cmp = v.comparePrefix(java.util.Arrays.copyOfRange(c, 1, c.length));
        boolean ok = switch ((int) c[0]) {
          case 0 -> cmp >= 0;
          case 1 -> cmp <= 0;
          case 2 -> cmp > 0;
          case 3 -> cmp < 0;
          default -> cmp == 0;
        };
        if (!ok) {
          return false;
        }
      }
      return true;
    }
    for (int i = 0; i < 3; i++) {
      if (Long.compareUnsigned(v.component(i), Integer.MAX_VALUE) > 0) {
        return false; // semver4j versions are ints; such a tag is no npm version
      }
    }
    Semver s = Semver.of((int) v.component(0), (int) v.component(1), (int) v.component(2));
    for (List<RangesList> all : alternatives) {
      if (all.stream().allMatch(r -> r.isSatisfiedBy(s))) {
        return true;
      }
    }
    return false;
  }

  /** The range as written. */
  @Override
  public String toString() {
    return text;
  }
}
