// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Numerics;
using GoSync.Internal;
using GoSync.Tests.Concurrency;

namespace GoSync.Tests.Core;

/// <summary>
/// <see cref="StripedCount"/>, the map's live-key count: one word until two writers collide, then one cell per
/// processor. Every change is counted, whichever word it went to, and the cells are bounded.
/// </summary>
public sealed class StripedCountTests
{
    private sealed class Holder
    {
        internal StripedCount Count;
    }

    [Fact]
    public void OneWriter_NeverCreatesCells_AndReadsItsSum()
    {
        var h = new Holder();
        for (int i = 0; i < 10_000; i++)
        {
            h.Count.Add(i % 3 == 0 ? -1 : 2);
        }

        // 3,334 of the i are multiples of 3: 3,334 * -1 + 6,666 * 2.
        Assert.Equal(9_998, h.Count.Read());
        Assert.False(h.Count.IsStriped, "a single writer never fails a compare-and-swap, so it never needs cells");
    }

    [Fact]
    public void Cells_ArePowerOfTwoPerProcessor_AtMostSixtyFour_AndKeepTheSum()
    {
        var h = new Holder();
        h.Count.Add(41);
        StripedCount.Cell[] cells = h.Count.CreateCells();
        Assert.True(h.Count.IsStriped);
        Assert.True(BitOperations.IsPow2(cells.Length), $"{cells.Length} cells");
        Assert.InRange(cells.Length, Math.Min(StripedCount.MaxCells, Environment.ProcessorCount), StripedCount.MaxCells);
        Assert.Same(cells, h.Count.CreateCells()); // created once: every writer agrees on one array
        Assert.Equal(41, h.Count.Read());

        h.Count.Add(1);
        h.Count.Add(-50);
        Assert.Equal(-8, h.Count.Read());
        Assert.Equal(-8, h.Count.Read()); // reading changes nothing
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ThreadsAddingAtOnce_LoseNoChange(bool stripedFromTheStart)
    {
        var h = new Holder();
        if (stripedFromTheStart)
        {
            h.Count.CreateCells();
        }

        int threads = Math.Max(4, Environment.ProcessorCount);
        int perThread = StressEnvironment.Scaled(200_000);

        // Each thread adds +1 and -1 in turn, and +3 every 1,000th time: the total is known, the intermediate sums are
        // not, and the cells receive changes of both signs (a processor's cell can go negative).
        Gate.Run(threads, id =>
        {
            for (int i = 0; i < perThread; i++)
            {
                h.Count.Add((i & 1) == 0 ? 1 : -1);
                if (i % 1000 == 0)
                {
                    h.Count.Add(3);
                }
            }
        });

        long expected = (long)threads * (((perThread + 999) / 1000) * 3 + (perThread & 1));
        Assert.Equal(expected, h.Count.Read());
    }

    [Fact]
    public void MapCount_IsExact_AfterThreadsInsertAndDeleteAtOnce_OverAStripedCount()
    {
        var map = new SyncMap<int, int>();
        map.StripeCountForTests();
        int threads = 4;
        int perThread = StressEnvironment.Scaled(20_000);

        // Thread t owns keys t, t + threads, ...: it stores each, deletes every other one, and re-stores every fourth.
        Gate.Run(threads, id =>
        {
            for (int i = 0; i < perThread; i++)
            {
                int key = id + (i * threads);
                map.Store(key, key);
                if ((i & 1) == 0)
                {
                    map.Delete(key);
                    if ((i & 3) == 0)
                    {
                        Assert.Equal(key, map.LoadOrStore(key, key, out bool loaded));
                        Assert.False(loaded);
                    }
                }
            }
        });

        int expectedPerThread = (perThread / 2) + ((perThread + 3) / 4);
        Assert.Equal(threads * expectedPerThread, map.Count);
        int ranged = 0;
        map.Range((_, _) => ++ranged > 0);
        Assert.Equal(map.Count, ranged);
        map.AssertInvariants();
    }
}
