package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void backoffDoublesUpToTheCapWithJitterAroundIt() {
    RetryPolicy p = RetryPolicy.builder().initialBackoff(Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(5))
        .jitter(0.25).build();
    assertThat(p.backoff(1, 0.5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.backoff(2, 0.5)).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.backoff(3, 0.5)).isEqualTo(Duration.ofSeconds(4));
    assertThat(p.backoff(4, 0.5)).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.backoff(90, 0.5)).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.backoff(1, 0)).isEqualTo(Duration.ofMillis(750));
    assertThat(p.backoff(1, 0.999999)).isLessThan(Duration.ofMillis(1250)).isGreaterThan(Duration.ofMillis(1249));
  }

  @Test
  void defaultsAndNoneAndCopies() {
    assertThat(RetryPolicy.defaults().attempts()).isEqualTo(4);
    assertThat(RetryPolicy.defaults().maxRetryAfter()).isEqualTo(Duration.ofMinutes(1));
    assertThat(RetryPolicy.none().attempts()).isEqualTo(1);
    assertThat(RetryPolicy.defaults().newBuilder().build()).isEqualTo(RetryPolicy.defaults())
        .hasSameHashCodeAs(RetryPolicy.defaults());
    assertThat(RetryPolicy.defaults().toString())
        .isEqualTo("RetryPolicy{attempts=4, backoff=PT0.5S..PT30S, jitter=0.25, maxRetryAfter=PT1M}");
  }

  @Test
  void badValuesAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> RetryPolicy.builder().attempts(0)).hasMessage("attempts must be 1 to 100, got 0");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5)).hasMessage("jitter must be 0 to 1, got 1.5");
    assertThatThrownBy(() -> RetryPolicy.builder().maxRetryAfter(Duration.ofHours(1)))
        .hasMessage("maxRetryAfter must be 0 to 10 minutes, got PT1H");
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofSeconds(10))
        .maxBackoff(Duration.ofSeconds(1)).build()).hasMessageContaining("shorter than initialBackoff");
  }

  @Test
  void statsAddUp() {
    SyncStats a = new SyncStats(1, 1, 0, 0, 0, 100, 2, 1, 0, 1, 0);
    SyncStats b = new SyncStats(2, 0, 1, 1, 0, 50, 1, 0, 3, 0, 2);
    assertThat(a.plus(b)).isEqualTo(new SyncStats(3, 1, 1, 1, 0, 150, 3, 1, 3, 1, 2));
    assertThat(SyncStats.ZERO.plus(a)).isEqualTo(a);
  }
}
