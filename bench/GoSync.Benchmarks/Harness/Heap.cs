// Licensed under the MIT license. See LICENSE in the repository root.

using System;

namespace GoSync.Benchmarks.Harness;

/// <summary>The managed heap brought to rest between an untimed setup and what is measured after it.</summary>
public static class Heap
{
    /// <summary>
    /// A full blocking collection, the finalizers it queued, and a second collection for what they released: the
    /// garbage made so far is gone before a measurement starts, so it is neither counted as retained nor collected
    /// inside a timed span.
    /// </summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
