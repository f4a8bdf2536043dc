package dev.ocync;

import static dev.ocync.TagSelector.DropReason.EXCLUDED;
import static dev.ocync.TagSelector.DropReason.GLOB;
import static dev.ocync.TagSelector.DropReason.LATEST;
import static dev.ocync.TagSelector.DropReason.REFERRER_TAG;
import static dev.ocync.TagSelector.DropReason.SEMVER;
import static dev.ocync.TagSelector.DropReason.SOFT_EXCLUDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.TagSelector.DropReason;
import dev.ocync.TagSelector.Dropped;
import dev.ocync.TagSelector.Selection;
import dev.ocync.TagSelector.Sort;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TagSelectorTest {
  private static final String REFERRER = "sha256-" + "a".repeat(64);

  private static List<String> tags(String... t) {
    return List.of(t);
  }

  private static Map<String, DropReason> drops(Object... tagReason) {
    var m = new java.util.LinkedHashMap<String, DropReason>();
    for (int i = 0; i < tagReason.length; i += 2) {
      m.put((String) tagReason[i], (DropReason) tagReason[i + 1]);
    }
    return m;
  }

  /** name, selector, listing, kept (in order), dropped (in input order). */
  static Stream<Arguments> table() {
    return Stream.of(
        row("tags: {} keeps everything but built-in pre-releases (case-insensitive) and referrer tags",
            TagSelector::all,
            tags("1.0", "latest", "2.0-RC1", "2.0-Beta.2", "3-alpha", "x-pre1", "y-SNAPSHOT", "z-nightly", REFERRER,
                "sha512-abc", "1.0-dev", "1.0-r1"),
            tags("1.0", "latest", "1.0-dev", "1.0-r1"),
            drops("2.0-RC1", SOFT_EXCLUDED, "2.0-Beta.2", SOFT_EXCLUDED, "3-alpha", SOFT_EXCLUDED,
                "x-pre1", SOFT_EXCLUDED, "y-SNAPSHOT", SOFT_EXCLUDED, "z-nightly", SOFT_EXCLUDED,
                REFERRER, REFERRER_TAG, "sha512-abc", REFERRER_TAG)),
        row("glob is an OR, case-sensitive",
            () -> TagSelector.builder().glob("v1.*", "v2.*").build(),
            tags("v1.0", "v2.0", "v3.0", "V1.1", "nightly"),
            tags("v1.0", "v2.0"),
            drops("v3.0", GLOB, "V1.1", GLOB, "nightly", GLOB)),
        row("the javadoc example: semver, sort, latest",
            () -> TagSelector.builder().semver(">=1.2, <2").sort(Sort.SEMVER).latest(3).build(),
            tags("1.1", "1.2.0", "1.3.1", "1.4-rc1", "2.0"),
            tags("1.3.1", "1.2.0"),
            drops("1.1", SEMVER, "1.4-rc1", SOFT_EXCLUDED, "2.0", SEMVER)),
        row("ocync's full pipeline test",
            () -> TagSelector.builder().glob("1.*").semver(">=1.18.0").exclude("*-rc*").sort(Sort.SEMVER)
                .latest(2).build(),
            tags("1.18.0", "1.19.0", "1.20.0", "1.20.1-rc1", "1.17.0", "latest", "nightly"),
            tags("1.20.0", "1.19.0"),
            drops("1.18.0", LATEST, "1.20.1-rc1", EXCLUDED, "1.17.0", SEMVER, "latest", GLOB, "nightly", GLOB)),
        row("semver drops tags that are not versions; lenient versions are read",
            () -> TagSelector.builder().semver(">=15.0").build(),
            tags("15.10.5", "v16", "14.9", "latest", "lts-iron", "20240101", "15.0-alpine"),
            tags("15.10.5", "v16", "20240101", "15.0-alpine"),
            drops("14.9", SEMVER, "latest", SEMVER, "lts-iron", SEMVER)),
        row("a pre-release satisfies the range (numeric prefix) but the built-in soft exclude drops it",
            () -> TagSelector.builder().semver(">=1.2.3").build(),
            tags("1.2.3", "1.2.3-rc1", "1.2.4-alpine"),
            tags("1.2.3", "1.2.4-alpine"),
            drops("1.2.3-rc1", SOFT_EXCLUDED)),
        row("npm range syntax through semver4j",
            () -> TagSelector.builder().semver("^1.2 || 3.x").build(),
            tags("1.1.9", "1.2.0", "1.9", "2.0", "3.4.5", "v3"),
            tags("1.2.0", "1.9", "3.4.5", "v3"),
            drops("1.1.9", SEMVER, "2.0", SEMVER)),
        row("literal include pins a tag past glob, semver, soft excludes, sort and latest",
            () -> TagSelector.builder().glob("2.*").semver(">=2.0").softExclude("*-slim").include("1.0-slim", "0.9-rc1")
                .sort(Sort.SEMVER).latest(1).build(),
            tags("0.9-rc1", "1.0-slim", "2.0", "2.1", "2.2-slim"),
            tags("1.0-slim", "0.9-rc1", "2.1"),
            drops("2.0", LATEST, "2.2-slim", SOFT_EXCLUDED)),
        row("literal includes come first in include order, and only when listed",
            () -> TagSelector.builder().glob("9.*").include("c", "missing", "a").build(),
            tags("a", "b", "c", "9.1"),
            tags("c", "a", "9.1"),
            drops("b", GLOB)),
        row("hard exclude beats a literal include",
            () -> TagSelector.builder().include("1.0-debug", "1.0").exclude("*-debug").build(),
            tags("1.0", "1.0-debug", "1.1"),
            tags("1.0", "1.1"),
            drops("1.0-debug", EXCLUDED)),
        row("an include glob rescues from glob and soft excludes",
            () -> TagSelector.builder().glob("1.*").softExclude("*-dev").include("*-dev", "*-rc*").build(),
            tags("1.0", "2.0-dev", "1.1-rc1", "2.0-rc1", "2.0", "1.2-dev"),
            tags("1.0", "2.0-dev", "1.1-rc1", "2.0-rc1", "1.2-dev"),
            drops("2.0", GLOB)),
        row("an include glob does not rescue from the hard exclude",
            () -> TagSelector.builder().include("*-dev").exclude("*-dev").build(),
            tags("1.0", "1.0-dev"),
            tags("1.0"),
            drops("1.0-dev", EXCLUDED)),
        row("an include glob still goes through semver, sort and latest",
            () -> TagSelector.builder().glob("none").include("*-rc*").semver(">=2").sort(Sort.SEMVER).latest(1).build(),
            tags("1.0-rc1", "2.0-rc1", "2.1-rc1", "2.1"),
            tags("2.1-rc1"),
            drops("1.0-rc1", SEMVER, "2.0-rc1", LATEST, "2.1", GLOB)),
        row("soft excludes from defaults are case-sensitive, the built-in list is not",
            () -> TagSelector.builder().softExclude("*-dev").build(),
            tags("1-dev", "1-DEV", "1-Nightly"),
            tags("1-DEV"),
            drops("1-dev", SOFT_EXCLUDED, "1-Nightly", SOFT_EXCLUDED)),
        row("latest 0 keeps only literal includes",
            () -> TagSelector.builder().include("1.0").sort(Sort.ALPHA).latest(0).build(),
            tags("1.0", "2.0", "3.0"),
            tags("1.0"),
            drops("2.0", LATEST, "3.0", LATEST)),
        row("latest does not cap literal includes",
            () -> TagSelector.builder().include("a", "b", "c").sort(Sort.SEMVER).latest(1).build(),
            tags("a", "b", "c", "1", "2"),
            tags("a", "b", "c", "2"),
            drops("1", LATEST)),
        row("sort semver: suffixes below their release, unparseable tags last alphabetically descending",
            () -> TagSelector.builder().include("*-rc*", "*-alpha*", "*-beta*").sort(Sort.SEMVER).build(),
            tags("latest", "1.0.0", "1.0.0-rc1", "nightly", "1.0.0-alpha", "1.1.0-beta1", "1.1.0", "v1.10", "1.9",
                "edge"),
            tags("v1.10", "1.9", "1.1.0", "1.1.0-beta1", "1.0.0", "1.0.0-rc1", "1.0.0-alpha", "nightly", "latest",
                "edge"),
            drops()),
        row("sort alpha is plain descending",
            () -> TagSelector.builder().sort(Sort.ALPHA).build(),
            tags("banana", "apple", "cherry", "10", "9"),
            tags("cherry", "banana", "apple", "9", "10"),
            drops()),
        row("duplicates in a listing count once",
            TagSelector::all,
            tags("1.0", "1.0", "2.0"),
            tags("1.0", "2.0"),
            drops()),
        row("ocync: a literal and a glob include are handled independently",
            () -> TagSelector.builder().softExclude("*-dev").include("latest", "*-dev").semver(">=8.0.0, <9.0.0").build(),
            tags("latest", "8.5.0", "8.5.0-dev", "10.0.0-dev"),
            tags("latest", "8.5.0", "8.5.0-dev"),
            drops("10.0.0-dev", SEMVER)),
        row("ocync: character classes in soft excludes drop -r<N> counters",
            () -> TagSelector.builder().softExclude("*-r[0-9]*").build(),
            tags("1.25.5", "1.25.5-r0", "1.25.5-r10", "1.25.5-rc1"),
            tags("1.25.5"),
            drops("1.25.5-r0", SOFT_EXCLUDED, "1.25.5-r10", SOFT_EXCLUDED, "1.25.5-rc1", SOFT_EXCLUDED)),
        row("ocync: the built-in list drops date-stamped alphas inside a range",
            () -> TagSelector.builder().semver(">=1.0").build(),
            tags("1.10.0", "1.10.0-alpha20241016", "1.9.0-alpha20240501"),
            tags("1.10.0"),
            drops("1.10.0-alpha20241016", SOFT_EXCLUDED, "1.9.0-alpha20240501", SOFT_EXCLUDED)),
        row("ocync: compound suffixes sort numerically token by token",
            () -> TagSelector.builder().sort(Sort.SEMVER).build(),
            tags("v1.27.6-eks-1-27-9", "v1.27.6-eks-1-27-14", "v1.27.6-eks-1-27-12", "25.0.3_9-jre", "25.0.3_10-jre"),
            tags("25.0.3_10-jre", "25.0.3_9-jre", "v1.27.6-eks-1-27-14", "v1.27.6-eks-1-27-12", "v1.27.6-eks-1-27-9"),
            drops()),
        row("exact tags keep what the listing has, in the given order, ignoring built-in excludes",
            () -> TagSelector.exact("2.0-rc1", "1.0", "gone"),
            tags("1.0", "2.0-rc1", "3.0"),
            tags("2.0-rc1", "1.0"),
            drops("3.0", GLOB)));
  }

  private static Arguments row(String name, Supplier<TagSelector> selector, List<String> listing,
      List<String> kept, Map<String, DropReason> dropped) {
    return Arguments.of(name, selector, listing, kept, dropped);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void selects(String name, Supplier<TagSelector> selector, List<String> listing, List<String> kept,
      Map<String, DropReason> dropped) {
    Selection s = selector.get().select(listing);
    assertThat(s.kept()).as("kept").containsExactlyElementsOf(kept);
    assertThat(s.dropped()).as("dropped, in input order")
        .containsExactlyElementsOf(dropped.entrySet().stream().map(e -> new Dropped(e.getKey(), e.getValue())).toList());
  }

  @Test
  void exactTagsOnlyWhenEveryGlobIsALiteralAndNothingElseIsSet() {
    assertThat(TagSelector.exact("1.0", "latest", "1.0").exactTags()).contains(List.of("1.0", "latest"));
    assertThat(TagSelector.builder().glob("1.0").immutableTags("1.*").build().exactTags()).contains(List.of("1.0"));
    assertThat(TagSelector.all().exactTags()).isEmpty();
    assertThat(TagSelector.builder().glob("1.0", "2.*").build().exactTags()).isEmpty();
    assertThat(TagSelector.builder().glob("not a tag").build().exactTags()).isEmpty();
    List<Supplier<TagSelector.Builder>> spoilers = List.of(
        () -> TagSelector.builder().semver(">=1"),
        () -> TagSelector.builder().sort(Sort.ALPHA),
        () -> TagSelector.builder().sort(Sort.ALPHA).latest(1),
        () -> TagSelector.builder().minTags(1),
        () -> TagSelector.builder().exclude("x"),
        () -> TagSelector.builder().softExclude("x"),
        () -> TagSelector.builder().include("x"));
    for (Supplier<TagSelector.Builder> b : spoilers) {
      TagSelector s = b.get().glob("1.0").build();
      assertThat(s.exactTags()).as(s.toString()).isEmpty();
    }
  }

  @Test
  void exactRefusesWhatIsNotATag() {
    assertThatThrownBy(TagSelector::exact).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one tag");
    assertThatThrownBy(() -> TagSelector.exact("1.0", "-bad")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exact tags: \"-bad\" is not a valid tag");
    assertThatThrownBy(() -> TagSelector.exact("1.*")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"1.*\"");
    assertThatThrownBy(() -> TagSelector.exact(REFERRER)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("referrer fallback tag");
  }

  @Test
  void buildChecksRulesTogetherAndSettersTheirArgument() {
    assertThatThrownBy(() -> TagSelector.builder().latest(3).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("tags: latest requires sort to be set");
    assertThatThrownBy(() -> TagSelector.builder().latest(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("tags: latest must be >= 0, got -1");
    assertThatThrownBy(() -> TagSelector.builder().minTags(-2))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("tags: min_tags must be >= 0, got -2");
    assertThatThrownBy(() -> TagSelector.builder().glob("1.*", "[bad"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid glob pattern \"[bad\"");
    assertThatThrownBy(() -> TagSelector.builder().exclude("a}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid exclude pattern \"a}\"");
    assertThatThrownBy(() -> TagSelector.builder().include("ok", "{x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid include pattern \"{x\"");
    assertThatThrownBy(() -> TagSelector.builder().immutableTags("["))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid immutable_tags pattern");
    assertThatThrownBy(() -> TagSelector.builder().semver(">= not_a_version"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid version range '>= not_a_version'");
  }

  @Test
  void minTagsAndImmutableTagsAreExposedForTheEngine() {
    TagSelector s = TagSelector.builder().minTags(3).immutableTags("v*.*.*").build();
    assertThat(s.minTags()).hasValue(3);
    assertThat(s.hasImmutableTags()).isTrue();
    assertThat(s.isImmutable("v1.2.3")).isTrue();
    assertThat(s.isImmutable("latest")).isFalse();
    assertThat(TagSelector.all().hasImmutableTags()).isFalse();
    assertThat(TagSelector.all().isImmutable("v1.2.3")).isFalse();
    assertThat(TagSelector.all().minTags()).isEmpty();
  }

  @Test
  void toStringIsOneLineLikeOcyncsDescribe() {
    assertThat(TagSelector.builder().glob("1.*").semver(">=1.0.0").exclude("*-rc*").sort(Sort.SEMVER).latest(5)
        .minTags(1).build())
        .hasToString("glob 1.*, semver >=1.0.0, exclude *-rc*, sort semver, latest=5, min_tags=1");
    assertThat(TagSelector.builder().semver(">=1.0.0").sort(Sort.SEMVER).latest(5).build())
        .hasToString("semver >=1.0.0, sort semver, latest=5");
    assertThat(TagSelector.builder().glob("1.*", "2.*").exclude("*-dev").softExclude("*-slim").include("edge")
        .minTags(2).immutableTags("v*").build())
        .hasToString("glob 1.*,2.*, exclude *-slim,*-dev, include edge, min_tags=2, immutable_tags v*");
    assertThat(TagSelector.all()).hasToString("all tags");
  }

  @Test
  void keyIsStableAndDistinguishesRules() {
    TagSelector a = TagSelector.builder().glob("1.*").semver(">=1, <2").exclude("*\"x").sort(Sort.SEMVER).latest(5)
        .build();
    assertThat(a.key()).isEqualTo("glob=[\"1.*\"];semver=[\">=1, <2\"];exclude=[\"*\\\"x\"];sort=semver;latest=5");
    assertThat(a.newBuilder().build().key()).isEqualTo(a.key());
    assertThat(a.newBuilder().build()).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(TagSelector.all().key()).isEmpty();
    // hard and soft excludes of the same pattern are different rules
    assertThat(TagSelector.builder().exclude("x").build().key())
        .isNotEqualTo(TagSelector.builder().softExclude("x").build().key());
    assertThat(TagSelector.builder().glob("a,b").build().key())
        .isNotEqualTo(TagSelector.builder().glob("a", "b").build().key());
  }

  @Test
  void accessorsGiveTheRulesBack() {
    TagSelector s = TagSelector.builder().glob("1.*").semver("^1").exclude("a").softExclude("b").include("c", "d*")
        .sort(Sort.ALPHA).latest(2).immutableTags("v*").build();
    assertThat(s.globs()).containsExactly("1.*");
    assertThat(s.semver()).contains("^1");
    assertThat(s.exclude()).containsExactly("a");
    assertThat(s.softExclude()).containsExactly("b");
    assertThat(s.include()).containsExactly("c", "d*");
    assertThat(s.sort()).contains(Sort.ALPHA);
    assertThat(s.latest()).hasValue(2);
    assertThat(s.immutableTags()).isEqualTo(Optional.of("v*"));
  }

  @Test
  void selectionListsAreImmutableCopies() {
    List<String> listing = new java.util.ArrayList<>(Arrays.asList("1.0", "2.0"));
    Selection s = TagSelector.all().select(listing);
    listing.clear();
    assertThat(s.kept()).containsExactly("1.0", "2.0");
    assertThatThrownBy(() -> s.kept().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }
}
