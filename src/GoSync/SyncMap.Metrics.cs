// Licensed under the MIT license. See LICENSE in the repository root.

using System.Runtime.CompilerServices;
using GoSync.Internal;

namespace GoSync;

// Metrics: the map's side of the GoSync meter (see Internal/GoSyncMetrics.cs and design.md, "Metrics"). Each Record
// method is called on a path that holds the lock; each costs one enabled check when nobody listens.
public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// The name this map's measurements carry in the <c>GoSync</c> meter (tag <c>gosync.map.name</c>); maps without a
    /// name report under <c>(unnamed)</c>. Set it when creating the map: <c>new SyncMap&lt;K, V&gt; { Name = "sessions" }</c>.
    /// </summary>
    public string? Name { get; init; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RecordLockedMiss()
    {
        if (GoSyncMetrics.LockedMisses.Enabled)
        {
            GoSyncMetrics.LockedMisses.Add(1, GoSyncMetrics.Tag(Name));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RecordPromotion()
    {
        if (GoSyncMetrics.Promotions.Enabled)
        {
            GoSyncMetrics.Promotions.Add(1, GoSyncMetrics.Tag(Name));
        }
    }

    // A dirty rebuild that copied `copied` entries and expunged `expunged` deleted ones, and may have switched to the randomized hash.
    private void RecordDirtyRebuild(int copied, int expunged, bool switchedToRandomized)
    {
        if (GoSyncMetrics.DirtyRebuilds.Enabled)
        {
            GoSyncMetrics.DirtyRebuilds.Add(1, GoSyncMetrics.Tag(Name));
        }

        if (GoSyncMetrics.DirtyRebuildEntries.Enabled)
        {
            GoSyncMetrics.DirtyRebuildEntries.Record(copied, GoSyncMetrics.Tag(Name));
        }

        if (expunged > 0 && GoSyncMetrics.Expunges.Enabled)
        {
            GoSyncMetrics.Expunges.Add(expunged, GoSyncMetrics.Tag(Name));
        }

        if (switchedToRandomized)
        {
            RecordFloodingSwitch();
        }
    }

    private void RecordClear()
    {
        if (GoSyncMetrics.Clears.Enabled)
        {
            GoSyncMetrics.Clears.Add(1, GoSyncMetrics.Tag(Name));
        }
    }

    private void RecordFloodingSwitch()
    {
        if (GoSyncMetrics.FloodingSwitches.Enabled)
        {
            GoSyncMetrics.FloodingSwitches.Add(1, GoSyncMetrics.Tag(Name));
        }
    }
}
