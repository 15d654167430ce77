/**
 * The GEO commands (Redis's geo.c): {@link io.lodestone.command.geo.GeoCommands} has the handlers,
 * {@link io.lodestone.command.geo.GeoHash} Redis's geohash arithmetic (geohash.c,
 * geohash_helper.c), {@link io.lodestone.command.geo.PartialSort} Redis's partial quicksort used
 * for COUNT. Geo sets are {@link io.lodestone.store.type.ZSetValue}s.
 */
package io.lodestone.command.geo;
