// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading;

namespace GoSync.Internal;

/// <summary>
/// A count that many threads change at once without all of them writing one memory word: the map's live-key count.
/// Every change goes to <see cref="_base"/> with one compare-and-swap while writers do not collide; the first failed
/// compare-and-swap (two writers changed the count at the same moment) creates one cell per processor, each on a cache
/// line of its own, and from then on a writer adds to the cell of the processor it runs on (the shape of Java's
/// LongAdder). A single shared word costs every writer a cache-line transfer from the core that wrote it last: with
/// two threads inserting and deleting, that transfer was the largest single cost of an insert (docs/benchmarks.md).
/// <para>Cost: <see cref="Add"/> is one interlocked operation (a full fence: callers rely on it, see
/// <c>ReadOnly.MarkDirtyOnly</c>). <see cref="Read"/> is O(1) before the first collision and O(cells) after it, where
/// cells is the processor count rounded up to a power of two, at most <see cref="MaxCells"/>: independent of the
/// number of keys. Memory: 8 bytes until a collision, then a 64-byte cell per processor (1 KB on 16 processors).</para>
/// <para>Exactness: the sum of the base and the cells is exact once the writes that changed them have returned.
/// <see cref="Read"/> reads the words one after another, so a read that overlaps writes may count some of them and not
/// others (so may be off by the writes that overlap it, and a delete may be counted before the insert it undid).
/// Cells are 64-bit, so no cell overflows whatever the order in which processors insert and delete.</para>
/// A mutable struct: used only as a field of its owner, never copied.
/// </summary>
internal struct StripedCount
{
    /// <summary>The most cells a count creates (64 cache lines, 4 KB).</summary>
    internal const int MaxCells = 64;

    // The count's base word: every change until the first collision, and none after it (only the cells change then).
    // Changed only by Interlocked operations.
    private long _base;

    // Null until a writer's compare-and-swap on _base fails; then set once (Interlocked.CompareExchange, so all writers
    // agree on one array) and never replaced. Its length is a power of two; each element is changed only by Interlocked.Add.
    private Cell[]? _cells;

    /// <summary>Whether the cells exist (writers have collided at least once). For tests.</summary>
    internal bool IsStriped => Volatile.Read(ref _cells) is not null;

    /// <summary>Adds <paramref name="delta"/>. One interlocked operation (a full fence), two after the first collision's creation of the cells. Lock-free.</summary>
    internal void Add(long delta)
    {
        // Acquire: pairs with the CompareExchange that published the array (its elements are zero-initialised).
        Cell[]? cells = Volatile.Read(ref _cells);
        if (cells is null)
        {
            long seen = Volatile.Read(ref _base);

            // Full fence. Fails only when another writer changed the base since our read: a collision.
            if (Interlocked.CompareExchange(ref _base, seen + delta, seen) == seen)
            {
                return;
            }

            cells = CreateCells();
        }

        // Full fence. The cell of the processor this thread runs on (a hint: a thread moved to another processor
        // meanwhile adds to another cell, which only costs sharing, never a lost change).
        Interlocked.Add(ref cells[Thread.GetCurrentProcessorId() & (cells.Length - 1)].Value, delta);
    }

    /// <summary>The base plus every cell (see the type's remarks for exactness). Lock-free.</summary>
    internal long Read()
    {
        // Acquire reads: each word as last written by an Interlocked operation.
        long sum = Volatile.Read(ref _base);
        Cell[]? cells = Volatile.Read(ref _cells);
        if (cells is not null)
        {
            for (int i = 0; i < cells.Length; i++)
            {
                sum += Volatile.Read(ref cells[i].Value);
            }
        }

        return sum;
    }

    /// <summary>Creates the cells for a count that writers have started to share (for tests too: the count stays the same).</summary>
    internal Cell[] CreateCells()
    {
        int count = (int)Math.Min(MaxCells, BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, Environment.ProcessorCount)));
        var cells = new Cell[count];

        // Full fence; publishes the zeroed array. A writer that lost this race uses the winner's array.
        return Interlocked.CompareExchange(ref _cells, cells, null) ?? cells;
    }

    /// <summary>One cell: a 64-bit count alone on a 64-byte cache line (as far as array element alignment allows).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct Cell
    {
        [FieldOffset(0)]
        internal long Value;
    }
}
