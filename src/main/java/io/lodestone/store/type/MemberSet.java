package io.lodestone.store.type;

import java.util.function.Consumer;

/**
 * A collection of distinct members without scores that the sorted-set algebra accepts as an input
 * (ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD), every member counting with score 1, as
 * Redis accepts plain sets there. The set type implements it; nothing else should.
 */
public interface MemberSet {
    /** Number of members. */
    int memberCount();

    boolean containsMember(byte[] member);

    /** Visits every member once, in any order; the arrays must not be modified or kept. */
    void forEachMember(Consumer<byte[]> action);
}
