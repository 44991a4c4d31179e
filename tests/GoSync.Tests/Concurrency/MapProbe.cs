// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Reflection;
using GoSync.Internal;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Looks inside a quiescent <see cref="SyncMap{TKey, TValue}"/> (by reflection on its private
/// fields <c>_read</c>, <c>_dirty</c>, <c>_emptyRead</c>, the snapshot's <c>Map</c> and the entries'
/// <c>LoadSlot()</c>) so that the linearizability test can show that promotion, dirty rebuilds,
/// expunging and unexpunging really happened between the start and the end of its rounds.
/// If the implementation renames these members the probe fails with a message saying which.
/// </summary>
internal static class MapProbe
{
    /// <summary>The internal state of a map at one quiescent moment.</summary>
    internal sealed class Snapshot
    {
        public required object ReadMap { get; init; }

        public required object? Dirty { get; init; }

        public required object EmptyReadMap { get; init; }

        /// <summary>Read-map entries (by reference) and whether each was expunged.</summary>
        public required Dictionary<object, bool> ReadEntryExpunged { get; init; }
    }

    /// <summary>What changed between two snapshots.</summary>
    internal readonly record struct Transitions(bool Promoted, bool DirtyRebuilt, bool Expunged, bool Unexpunged);

    public static Snapshot Capture(SyncMap<int, int> map)
    {
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        var entries = new Dictionary<object, bool>(ReferenceEqualityComparer.Instance);
        foreach ((object entry, bool expunged) in state.ReadEntries)
        {
            entries[entry] = expunged;
        }

        return new Snapshot
        {
            ReadMap = state.ReadTable,
            Dirty = state.DirtyTable,
            EmptyReadMap = state.EmptyReadTable,
            ReadEntryExpunged = entries,
        };
    }

    public static Transitions Compare(Snapshot before, Snapshot after)
    {
        // A read map that is neither the old one nor Clear's shared empty one was a dirty map: promotion.
        bool promoted = !ReferenceEquals(after.ReadMap, before.ReadMap) && !ReferenceEquals(after.ReadMap, after.EmptyReadMap);

        // A dirty map that did not exist before (now dirty, or already promoted) was built by a rebuild.
        bool rebuilt = (after.Dirty is not null && !ReferenceEquals(after.Dirty, before.Dirty))
            || (promoted && !ReferenceEquals(after.ReadMap, before.Dirty));

        // Only a dirty rebuild leaves an expunged entry in the read map (Clear replaces the read map),
        // and only unexpunging moves an entry out of the expunged state.
        bool expunged = false;
        foreach ((object entry, bool isExpunged) in after.ReadEntryExpunged)
        {
            if (isExpunged && !(before.ReadEntryExpunged.TryGetValue(entry, out bool was) && was))
            {
                expunged = true;
            }
        }

        bool unexpunged = false;
        foreach ((object entry, bool wasExpunged) in before.ReadEntryExpunged)
        {
            if (wasExpunged && !SyncMap<int, int>.IsExpungedNow(entry))
            {
                unexpunged = true;
            }
        }

        return new Transitions(promoted, rebuilt, expunged, unexpunged);
    }
}
/// <summary>How many rounds saw each internal transition (see <see cref="MapProbe"/>).</summary>
internal sealed class TransitionCoverage
{
    public int Rounds { get; private set; }

    public int Promotions { get; private set; }

    public int DirtyRebuilds { get; private set; }

    public int Expunges { get; private set; }

    public int Unexpunges { get; private set; }

    public void Add(MapProbe.Transitions t)
    {
        Rounds++;
        Promotions += t.Promoted ? 1 : 0;
        DirtyRebuilds += t.DirtyRebuilt ? 1 : 0;
        Expunges += t.Expunged ? 1 : 0;
        Unexpunges += t.Unexpunged ? 1 : 0;
    }

    public override string ToString() =>
        $"rounds with a promotion: {Promotions}, a dirty rebuild: {DirtyRebuilds}, an expunge: {Expunges}, an unexpunge: {Unexpunges} (of {Rounds})";
}
