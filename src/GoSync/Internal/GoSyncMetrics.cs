// Licensed under the MIT license. See LICENSE in the repository root.

using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace GoSync.Internal;

/// <summary>
/// The <c>GoSync</c> meter (System.Diagnostics.Metrics; dotnet-counters, OpenTelemetry) and its instruments. Every
/// measurement is taken on a path that already holds the map's lock (never on a lock-free read or write), and only
/// when the instrument is enabled by a listener (<see cref="Instrument.Enabled"/>, one field read), so a map nobody
/// listens to pays one predictable branch per locked event and allocates nothing.
/// </summary>
internal static class GoSyncMetrics
{
    /// <summary>The meter's name.</summary>
    internal const string MeterName = "GoSync";

    /// <summary>The tag that names the map (<see cref="SyncMap{TKey, TValue}.Name"/>).</summary>
    internal const string MapNameTag = "gosync.map.name";

    /// <summary>The tag value of maps without a name.</summary>
    internal const string UnnamedMap = "(unnamed)";

    private static readonly Meter s_meter = new(MeterName);

    internal static readonly Counter<long> Promotions =
        s_meter.CreateCounter<long>("gosync.map.promotions", "{promotion}", "Dirty maps promoted to be the read map.");

    internal static readonly Counter<long> LockedMisses =
        s_meter.CreateCounter<long>("gosync.map.locked_misses", "{miss}", "Lookups that missed the read map and took the lock (a Load or LoadOrStore that finds a live dirty-only key without the lock is not counted here).");

    internal static readonly Counter<long> DirtyRebuilds =
        s_meter.CreateCounter<long>("gosync.map.dirty_rebuilds", "{rebuild}", "Dirty maps rebuilt from the read map (O(n) under the lock).");

    internal static readonly Histogram<long> DirtyRebuildEntries =
        s_meter.CreateHistogram<long>("gosync.map.dirty_rebuild.entries", "{entry}", "Entries copied by each dirty-map rebuild.");

    internal static readonly Counter<long> Expunges =
        s_meter.CreateCounter<long>("gosync.map.expunges", "{entry}", "Deleted entries expunged (left out of a rebuilt dirty map).");

    internal static readonly Counter<long> Clears =
        s_meter.CreateCounter<long>("gosync.map.clears", "{clear}", "Clear calls that emptied a non-empty map.");

    internal static readonly Counter<long> FloodingSwitches =
        s_meter.CreateCounter<long>("gosync.map.flooding_switches", "{switch}", "String tables switched to the randomized hash (a chain passed the flooding bound).");

    internal static KeyValuePair<string, object?> Tag(string? mapName) => new(MapNameTag, mapName ?? UnnamedMap);
}
