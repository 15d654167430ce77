package io.lodestone.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test (class or method) that the quick run ({@code scripts/test.sh -Pquick}, i.e. JUnit's tag
 * expression {@code !slow}) leaves out: one that takes several seconds (a million keys, rewrites
 * under load), kills or freezes servers, or replicates across several server processes. Plain
 * {@code mvn test}, which CI runs, runs them all.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(Slow.TAG)
public @interface Slow {
    String TAG = "slow";
}
