package dev.ocync.internal.engine;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Reference;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Finds what travels with an image: its referrers (signatures, SBOMs, attestations, found through
 * {@link Repository#listReferrers}, which uses the referrers API or the tag schema), their
 * referrers in turn (a signature of an SBOM) up to a depth bound, the same for the children of an
 * index where asked, and cosign's legacy tags {@code sha256-<hex>.sig}, {@code .att} and
 * {@code .sbom}.
 *
 * <p>The result is a {@link Plan}: referrer manifests (fetched and verified by digest) in an order
 * the engine can copy them in, every referrer after its subject. It also holds the source's own
 * tag-schema indexes, so that {@link FallbackIndex} can copy them byte for byte to a target
 * without the referrers API.
 *
 * <p>Order: breadth first. The subject's referrers in the order the source lists them, then each
 * child's, then the legacy tags of the subject and of each child; then the referrers of those, and
 * so on. A referrer the policy refuses is not copied and its own referrers are not looked for (they
 * would have nothing to hang on at the target). A digest met twice is taken once.
 *
 * <p>Requests: one {@code listReferrers} per subject, child and accepted referrer; one manifest GET
 * per accepted referrer; at a source without the referrers API, one more GET of the tag-schema
 * index for each of those that has referrers (its bytes are needed to copy it unchanged), except
 * where the request says the source has only the tag schema: then that GET is the listing; and for
 * legacy tags, three HEADs per subject, child and referrer unless the caller passes the source's
 * tag list, in which case a tag not in it is not asked for.
 *
 * <p>Legacy cosign tags are not filtered by artifact type (their manifests carry none): they come
 * whenever {@link Request#legacyTags()} is on, which the engine sets when artifacts are enabled.
 * Their target tag is the same name; they do not go into a tag-schema index.
 */
final class Referrers {
  /** Depth used when the caller does not say: a signature of an attestation of an SBOM of the image. */
  static final int DEFAULT_MAX_DEPTH = 4;
  /** No caller may ask for more. */
  static final int MAX_DEPTH = 16;
  /** At most this many referrers per image (all levels); more is a sign of a misbehaving source. */
  static final int MAX_REFERRERS = 10_000;
  static final List<String> LEGACY_SUFFIXES = List.of(".sig", ".att", ".sbom");

  private Referrers() {}

  /**
   * What to look for.
   *
   * @param subject the image's manifest at the source
   * @param children index children whose referrers come too (the kept ones after a platform filter), or none
   * @param accepts which referrer descriptors (as the source lists them) are copied
   * @param maxDepth referrer levels followed, 1 to {@value #MAX_DEPTH}: 1 is the subject's own referrers
   * @param legacyTags whether cosign's {@code sha256-<hex>.sig/.att/.sbom} tags come along
   * @param sourceTags the source's tags when the caller listed them, so legacy tags are not asked for one by one
   * @param tagSchemaOnly whether the source lists referrers only through the tag schema (a registry
   *     without the referrers API): then a subject whose {@code <alg>-<hex>} tag is not among
   *     {@code sourceTags} has no referrers, and is not asked
   */
  record Request(Descriptor subject, List<Descriptor> children, Predicate<Descriptor> accepts, int maxDepth,
      boolean legacyTags, Optional<Set<String>> sourceTags, boolean tagSchemaOnly) {
    Request {
      Objects.requireNonNull(subject, "subject");
      children = List.copyOf(children);
      Objects.requireNonNull(accepts, "accepts");
      if (maxDepth < 1 || maxDepth > MAX_DEPTH) {
        throw new IllegalArgumentException("referrer depth must be between 1 and " + MAX_DEPTH + ": " + maxDepth);
      }
      sourceTags = sourceTags.map(Set::copyOf);
    }

    /** The subject alone, default depth, legacy tags on, every referrer accepted by {@code accepts}. */
    static Request of(Descriptor subject, Predicate<Descriptor> accepts) {
      return new Request(subject, List.of(), accepts, DEFAULT_MAX_DEPTH, true, Optional.empty(), false);
    }

    Request withChildren(List<Descriptor> children) {
      return new Request(subject, children, accepts, maxDepth, legacyTags, sourceTags, tagSchemaOnly);
    }

    Request withMaxDepth(int maxDepth) {
      return new Request(subject, children, accepts, maxDepth, legacyTags, sourceTags, tagSchemaOnly);
    }

    Request withLegacyTags(boolean legacyTags) {
      return new Request(subject, children, accepts, maxDepth, legacyTags, sourceTags, tagSchemaOnly);
    }

    Request withSourceTags(Set<String> sourceTags) {
      return new Request(subject, children, accepts, maxDepth, legacyTags, Optional.of(sourceTags), tagSchemaOnly);
    }

    /** As {@link #withSourceTags}, for a source that finds referrers only by tag schema (no referrers API). */
    Request withTagSchemaTags(Set<String> sourceTags) {
      return new Request(subject, children, accepts, maxDepth, legacyTags, Optional.of(sourceTags), true);
    }
  }

  /**
   * One manifest to copy.
   *
   * @param manifest the referrer, as fetched and verified at the source
   * @param subject the digest it refers to (its {@code subject}, or the image a legacy tag names)
   * @param depth 1 for a referrer of the image or of a child, 2 for a referrer of that, …
   * @param tag for a legacy cosign manifest, its tag (pushed with it); empty for an OCI referrer (pushed by digest)
   */
  record Referrer(Manifest manifest, Digest subject, int depth, Optional<String> tag) {
    /** Its entry in a tag-schema index ({@link FallbackIndex#entry}). */
    Descriptor entry() {
      return FallbackIndex.entry(manifest);
    }

    /** An OCI referrer (with a subject), as opposed to a legacy cosign tag. */
    boolean isOciReferrer() {
      return tag.isEmpty();
    }
  }

  /**
   * What discovery found.
   *
   * @param referrers every manifest to copy, each after its subject
   * @param sourceIndexes the source's tag-schema index by subject digest, where the source has one
   * @param missing referrers the source listed but could not serve (a dangling tag-schema entry), with why
   * @param truncated whether {@value #MAX_REFERRERS} was reached and the rest left out
   */
  record Plan(List<Referrer> referrers, Map<Digest, Manifest> sourceIndexes, List<String> missing,
      boolean truncated) {
    Plan {
      referrers = List.copyOf(referrers);
      sourceIndexes = Map.copyOf(sourceIndexes);
      missing = List.copyOf(missing);
    }

    /** The subjects that have OCI referrers in this plan, in plan order. */
    List<Digest> subjects() {
      Set<Digest> out = new LinkedHashSet<>();
      referrers.stream().filter(Referrer::isOciReferrer).forEach(r -> out.add(r.subject()));
      return List.copyOf(out);
    }

    /** The OCI referrers of {@code subject}, in plan order. */
    List<Referrer> referrersOf(Digest subject) {
      return referrers.stream().filter(r -> r.isOciReferrer() && r.subject().equals(subject)).toList();
    }
  }

  /**
   * Discovers what travels with {@code request.subject()} at {@code source}.
   *
   * @throws IOException if the source fails to list or serve referrers (a listed referrer that is
   *     not there is not a failure: it is in {@link Plan#missing()})
   */
  static Plan discover(Repository source, Request request) throws IOException {
    List<Referrer> out = new ArrayList<>();
    Map<Digest, Manifest> sourceIndexes = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    Set<Digest> seen = new HashSet<>();
    Optional<Boolean> sourceKeepsIndex = Optional.empty();

    record Node(Digest digest, int depth) {}
    Deque<Node> level = new ArrayDeque<>();
    level.add(new Node(request.subject().digest(), 0));
    seen.add(request.subject().digest());
    for (Descriptor child : request.children()) {
      if (seen.add(child.digest())) {
        level.add(new Node(child.digest(), 0));
      }
    }
    while (!level.isEmpty()) {
      Deque<Node> next = new ArrayDeque<>();
      List<Node> nodes = List.copyOf(level);
      // OCI referrers of every node of this level, then legacy tags of every node of this level
      for (Node node : nodes) {
        if (node.depth() >= request.maxDepth()) {
          continue;
        }
        if (request.tagSchemaOnly() && !request.sourceTags().get().contains(FallbackIndex.tag(node.digest()))) {
          continue; // no referrers API and no tag-schema index: nothing refers to it
        }
        List<Descriptor> listed;
        if (request.tagSchemaOnly()) {
          // the tag-schema index is both the listing and the bytes to copy: one GET for both
          Optional<Manifest> index = tagSchemaIndex(source, node.digest());
          index.ifPresent(i -> sourceIndexes.put(node.digest(), i));
          listed = index.map(Manifest::manifests).orElse(List.of());
        } else {
          listed = source.listReferrers(node.digest(), Optional.empty());
          if (listed.isEmpty()) {
            continue;
          }
          if (sourceKeepsIndex.isEmpty()) {
            sourceKeepsIndex = Optional.of(source.keepsReferrersIndex());
          }
          if (!sourceKeepsIndex.get()) {
            sourceIndex(source, node.digest()).ifPresent(i -> sourceIndexes.put(node.digest(), i));
          }
        }
        for (Descriptor d : listed) {
          if (!MediaType.isManifest(d.mediaType()) || !request.accepts().test(d) || !seen.add(d.digest())) {
            continue;
          }
          if (out.size() >= MAX_REFERRERS) {
            return new Plan(out, sourceIndexes, missing, true);
          }
          Optional<Manifest> m = fetch(source, d.digest().toString(), "referrer " + d.digest() + " of " + node.digest(),
              missing);
          if (m.isPresent()) {
            out.add(new Referrer(m.get(), node.digest(), node.depth() + 1, Optional.empty()));
            next.add(new Node(d.digest(), node.depth() + 1));
          }
        }
      }
      if (request.legacyTags()) {
        for (Node node : nodes) {
          if (node.depth() >= request.maxDepth()) {
            continue;
          }
          for (String suffix : LEGACY_SUFFIXES) {
            String tag = node.digest().algorithm().id() + "-" + node.digest().encoded() + suffix;
            if (!Reference.isTag(tag) || request.sourceTags().map(tags -> !tags.contains(tag)).orElse(false)) {
              continue; // cosign names only sha256 subjects; a sha512 name would be too long for a tag
            }
            if (request.sourceTags().isEmpty()) {
              Optional<Descriptor> resolved = source.resolve(tag);
              if (resolved.isEmpty() || seen.contains(resolved.get().digest())) {
                continue;
              }
            }
            if (out.size() >= MAX_REFERRERS) {
              return new Plan(out, sourceIndexes, missing, true);
            }
            Optional<Manifest> m = fetch(source, tag, "cosign tag " + tag, missing);
            if (m.isPresent() && seen.add(m.get().digest())) {
              out.add(new Referrer(m.get(), node.digest(), node.depth() + 1, Optional.of(tag)));
              next.add(new Node(m.get().digest(), node.depth() + 1));
            }
          }
        }
      }
      level = next;
    }
    return new Plan(out, sourceIndexes, missing, false);
  }

  /** The source's tag-schema index for {@code subject}, when it has one that is an OCI index. */
  private static Optional<Manifest> sourceIndex(Repository source, Digest subject) throws IOException {
    try {
      Manifest m = source.fetchManifest(FallbackIndex.tag(subject));
      return m.mediaType().equals(MediaType.OCI_INDEX) ? Optional.of(m) : Optional.empty();
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * The subject's tag-schema index at a source without the referrers API, which is what its
   * {@link Repository#listReferrers} would read: none when the tag is not there; a tag holding
   * something else fails, as that listing does.
   */
  private static Optional<Manifest> tagSchemaIndex(Repository source, Digest subject) throws IOException {
    String tag = FallbackIndex.tag(subject);
    Manifest m;
    try {
      m = source.fetchManifest(tag);
    } catch (NotFoundException e) {
      return Optional.empty();
    }
    if (!m.mediaType().equals(MediaType.OCI_INDEX)) {
      throw new RegistryException("the referrers tag " + tag + " holds a " + m.mediaType() + ", not an OCI index",
          RegistryException.Context.of(source.location()).reference(tag));
    }
    return Optional.of(m);
  }

  private static Optional<Manifest> fetch(Repository source, String reference, String what, List<String> missing)
      throws IOException {
    try {
      return Optional.of(source.fetchManifest(reference));
    } catch (NotFoundException e) {
      missing.add(what + " is listed at " + source.location() + " but not there: " + e.getMessage());
      return Optional.empty();
    }
  }
}
