/**
 * The differential suite: the same commands go to Lodestone and to a real redis-server 7.0, and
 * the replies must be the same bytes.
 *
 * <p>Layout: {@link io.lodestone.diff.DiffTest} runs one dynamic test per case file under
 * {@code src/test/resources/diff/}; {@link io.lodestone.diff.CaseFile} parses the case-file format
 * (documented there and at the top of each file); {@link io.lodestone.util.SplitArgs} splits lines
 * like redis-cli; {@link io.lodestone.diff.Normalizer} applies {@code @mask} and {@code @unordered}.
 * {@code @requires} blocks skip cases whose commands Lodestone does not have yet;
 * {@link io.lodestone.diff.CommandTableDiffTest} compares the COMMAND replies that depend on which
 * commands exist, for the commands Lodestone lists.
 *
 * <p>Run: {@code mvn test -Dtest=DiffTest} (against Lodestone), or
 * {@code mvn test -Dtest=DiffTest -Dlodestone.diff.target=redis} to check the suite itself against
 * a second redis-server, which must pass 100%. {@code -Dlodestone.diff.files=strings,keys} picks
 * files. Transcripts go to {@code target/diff-reports/}.
 */
package io.lodestone.diff;
