package dev.ocync.examples.cli;

import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.TagSelector;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.config.Endpoint;
import dev.ocync.config.OcyncConfig;
import dev.ocync.oci.Reference;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code ocync tags REPOSITORY}: what tag rules keep from a live repository, and why the rest is dropped. */
final class TagsCommand extends Subcommand {
  static final Cli.Command SPEC = new Cli.Command("tags", new String[] {
      "Lists a repository's tags and applies tag rules as a mapping's tags: block would:",
      "the kept tags on stdout, one a line, in mirror order; each dropped tag on stderr with",
      "the rule that dropped it. Without rules: every tag but the built-in pre-release",
      "excludes (*-rc*, *-alpha*, ...), as tags: {} in a config.",
      "",
      "REPOSITORY: [http://|https://]host/path (docker.io/library/nginx, nginx),",
      "oci:DIR or oci-archive:FILE (a layout's plain tags).",
      ""
    }, new String[] {
      "",
      "Exit codes: 0 listed, 2 the repository could not be listed, 3 bad rules,",
      "4 authentication refused.",
      "",
      "Example: ocync tags docker.io/library/postgres --semver '>=15' --sort semver --latest 3"
    }, 90, false, new Cli.Option[] {
      Cli.Option.value(Cli.Type.PATH, "CONFIG",
          "Use the registry settings (credentials, TLS) of this config for the repository's host.", "-c", "--config"),
      Cli.Option.value(Cli.Type.STRING, "PATTERN", "Keep tags matching a glob (repeatable).", "--glob").asRepeatable(),
      Cli.Option.value(Cli.Type.STRING, "RANGE", "Keep versions in this range ('>=1.25, <2').", "--semver"),
      Cli.Option.value(Cli.Type.STRING, "PATTERN", "Drop tags matching a glob (repeatable).", "--exclude")
          .asRepeatable(),
      Cli.Option.value(Cli.Type.STRING, "TAG|PATTERN",
          "Always keep these, even past the built-in excludes (repeatable).", "--include").asRepeatable(),
      Cli.Option.value(Cli.Type.STRING, "semver|alpha", "Order kept tags, newest first.", "--sort"),
      Cli.Option.value(Cli.Type.INT, "N", "Keep the first N after --sort.", "--latest"),
      Verbosity.VERBOSE, Verbosity.QUIET, Verbosity.DEBUG
    }, new Cli.Positional[] {new Cli.Positional("REPOSITORY", Cli.Type.STRING, "The repository to list.")});

  String repository;
  Path config;
  List<String> globs;
  String semver;
  List<String> excludes;
  List<String> includes;
  String sort;
  Integer latest;

  TagsCommand() {
    super(SPEC);
  }

  @Override
  void accept(Cli.Parsed p) {
    repository = p.positional(0);
    config = p.path("--config");
    globs = p.list("--glob");
    semver = p.string("--semver");
    excludes = p.list("--exclude");
    includes = p.list("--include");
    sort = p.string("--sort");
    latest = p.integer("--latest");
    verbosity = Verbosity.of(p);
  }

  @Override
  int call() throws IOException {
    Progress.Level level = verbosity.level();
    PrintWriter err = err();
    TagSelector selector;
    try {
      selector = selector();
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return Exit.CONFIG;
    }
    Optional<OcyncConfig> cfg = Optional.empty();
    if (config != null) {
      cfg = ConfigFiles.load(config, env(), err, level);
      if (cfg.isEmpty()) {
        return Exit.CONFIG;
      }
    }
    List<Closeable> opened = new ArrayList<>();
    try {
      Repository repo = open(cfg, opened);
      List<String> listed;
      try {
        listed = repo.listTags();
      } catch (AuthenticationException e) {
        err.println("error: authentication refused by registry " + e.registry() + ": " + e.getMessage());
        return Exit.AUTH;
      } catch (IOException e) {
        err.println("error: cannot list the tags of " + repository + ": " + e.getMessage());
        return Exit.ALL_FAILED;
      }
      TagSelector.Selection s = selector.select(listed);
      PrintWriter out = out();
      s.kept().forEach(out::println);
      out.flush();
      if (level != Progress.Level.QUIET) {
        for (TagSelector.Dropped d : s.dropped()) {
          err.println("dropped " + d.tag() + "  (" + reason(d.reason()) + ")");
        }
        err.println(listed.size() + " tags listed, " + s.kept().size() + " kept, " + s.dropped().size() + " dropped");
      }
      return Exit.OK;
    } finally {
      for (Closeable c : opened) {
        c.close();
      }
      if (cfg.isPresent()) {
        cfg.get().close();
      }
    }
  }

  private TagSelector selector() {
    TagSelector.Builder b = TagSelector.builder();
    if (!globs.isEmpty()) {
      b.glob(globs.toArray(String[]::new));
    }
    if (semver != null) {
      b.semver(semver);
    }
    if (!excludes.isEmpty()) {
      b.exclude(excludes.toArray(String[]::new));
    }
    if (!includes.isEmpty()) {
      b.include(includes.toArray(String[]::new));
    }
    if (sort != null) {
      b.sort(switch (sort.toLowerCase(Locale.ROOT)) {
        case "semver" -> TagSelector.Sort.SEMVER;
        case "alpha" -> TagSelector.Sort.ALPHA;
        default -> throw new IllegalArgumentException("--sort: expected semver or alpha, got \"" + sort + "\"");
      });
    }
    if (latest != null) {
      b.latest(latest);
    }
    return b.build();
  }

  private Repository open(Optional<OcyncConfig> cfg, List<Closeable> opened) {
    if (repository.startsWith("oci:")) {
      Repository r = OciLayout.directory(Path.of(repository.substring(4)));
      opened.add(r);
      return r;
    }
    if (repository.startsWith("oci-archive:")) {
      Repository r = OciLayout.archive(Path.of(repository.substring(12)));
      opened.add(r);
      return r;
    }
    String scheme = repository.startsWith("http://") ? "http://" : repository.startsWith("https://") ? "https://" : "";
    String rest = repository.substring(scheme.length());
    if (rest.startsWith("docker://")) {
      rest = rest.substring(9);
    }
    Reference ref = Reference.parse(rest);
    if (rest.contains("@") || rest.substring(rest.lastIndexOf('/') + 1).contains(":")) {
      throw new IllegalArgumentException("REPOSITORY \"" + repository + "\" names a tag or digest; give the"
          + " repository only, such as " + ref.registry() + "/" + ref.repository());
    }
    Optional<Registry> configured = cfg.flatMap(c -> c.registries().values().stream()
        .map(Endpoint::registry).flatMap(Optional::stream).filter(r -> r.host().equals(ref.registry())).findFirst());
    if (configured.isPresent()) {
      return configured.get().repository(ref.repository());
    }
    Registry r = Registry.builder(scheme + ref.registry()).credentials(CredentialProvider.defaults()).build();
    opened.add(r);
    return r.repository(ref.repository());
  }

  static String reason(TagSelector.DropReason r) {
    return switch (r) {
      case GLOB -> "matches no --glob";
      case SEMVER -> "not a version in the --semver range";
      case EXCLUDED -> "matches an --exclude";
      case SOFT_EXCLUDED -> "a built-in pre-release exclude; --include it to keep it";
      case LATEST -> "beyond --latest";
      case REFERRER_TAG -> "a referrer tag, which travels with its subject";
    };
  }
}
