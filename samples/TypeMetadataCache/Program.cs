// Licensed under the MIT license. See LICENSE in the repository root.

// A grow-only cache of per-type metadata: the first workload Go's documentation names for
// sync.Map ("when the entry for a given key is only ever written once but read many times, as
// in caches that only grow"). Reflection is slow, so each type's metadata is computed once and
// then read by every thread for the life of the process. Once the keys have moved to SyncMap's
// read-only map, a lookup is a lock-free read that allocates nothing.
//
// Exit code: 0 when every thread got the one cached instance for each type and the cache holds
// exactly one entry per type; 1 otherwise.

using System;
using System.Linq;
using System.Reflection;
using System.Threading;
using GoSync;
using static System.FormattableString;

internal static class Program
{
    private const int Threads = 8;
    private const int LookupsPerThread = 250_000;
    private const int WarmLookups = 500_000;

    private static int Main()
    {
        // The keys: up to 500 public types of the core library, in a fixed order.
        Type[] types = typeof(object).Assembly.GetExportedTypes()
            .Where(t => !t.IsGenericTypeDefinition)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Take(500)
            .ToArray();

        // Every thread starts at the same moment on a cold cache, so some types are first seen by
        // several threads at once: each computes its own copy, LoadOrStore keeps the first one
        // stored, and every thread goes on with that one.
        var seen = new TypeMetadata?[Threads][];
        int wrongType = 0;
        using (var start = new ManualResetEventSlim(false))
        {
            var workers = new Thread[Threads];
            for (int t = 0; t < Threads; t++)
            {
                int id = t;
                seen[id] = new TypeMetadata?[types.Length];
                workers[t] = new Thread(() =>
                {
                    var random = new Random(id); // seeded: the same lookups on every run
                    start.Wait();
                    for (int i = 0; i < LookupsPerThread; i++)
                    {
                        int k = random.Next(types.Length);
                        TypeMetadata metadata = MetadataCache.Get(types[k]);
                        if (metadata.Type != types[k])
                        {
                            Interlocked.Increment(ref wrongType);
                        }

                        seen[id][k] = metadata;
                    }
                });
                workers[t].Start();
            }

            start.Set();
            foreach (var worker in workers)
            {
                worker.Join();
            }
        }

        // Every instance a thread got must be the one the cache holds now.
        int requested = 0;
        int handedOut = 0;
        int mismatched = 0;
        for (int k = 0; k < types.Length; k++)
        {
            MetadataCache.TryGetCached(types[k], out var cached);
            bool anyThread = false;
            for (int t = 0; t < Threads; t++)
            {
                if (seen[t][k] is { } metadata)
                {
                    anyThread = true;
                    handedOut++;
                    if (!ReferenceEquals(metadata, cached))
                    {
                        mismatched++;
                    }
                }
            }

            if (anyThread)
            {
                requested++;
            }
        }

        // Steady state: the cache is warm, so a lookup should neither lock nor allocate.
        for (int i = 0; i < types.Length; i++)
        {
            MetadataCache.Get(types[i]);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < WarmLookups; i++)
        {
            MetadataCache.Get(types[i % types.Length]);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        int cachedCount = MetadataCache.Count;
        int computed = MetadataCache.Computed;
        Console.WriteLine(Invariant($"Grow-only cache: SyncMap<Type, TypeMetadata>, {Threads} threads x {LookupsPerThread:N0} lookups over {types.Length} types"));
        Console.WriteLine(Invariant($"  types looked up:    {requested}"));
        Console.WriteLine(Invariant($"  entries cached:     {cachedCount}"));
        Console.WriteLine(Invariant($"  metadata computed:  {computed} times ({computed - cachedCount} copies lost a first-sight race and were discarded)"));
        Console.WriteLine(Invariant($"  same instance:      {handedOut - mismatched:N0} of {handedOut:N0} (thread, type) results are the cached instance"));
        Console.WriteLine(Invariant($"  warm lookups:       {WarmLookups:N0} on one thread allocated {allocated:N0} bytes"));
        Console.WriteLine();
        Console.WriteLine("A few entries:");
        foreach (Type type in new[] { typeof(string), typeof(DateTime), typeof(Version), typeof(Exception) })
        {
            Console.WriteLine("  " + MetadataCache.Get(type));
        }

        if (requested == types.Length && cachedCount == types.Length && computed >= cachedCount
            && mismatched == 0 && wrongType == 0)
        {
            Console.WriteLine();
            Console.WriteLine("OK: one entry per type, and every thread got that entry.");
            return 0;
        }

        Console.Error.WriteLine(Invariant($"FAILED: cached {cachedCount} entries for {requested} types; {mismatched} mismatched instances; {wrongType} lookups returned another type's metadata."));
        return 1;
    }
}

/// <summary>What the program wants to know about a type, computed once by reflection.</summary>
internal sealed class TypeMetadata
{
    public TypeMetadata(Type type)
    {
        Type = type;
        Properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    public Type Type { get; }

    public string[] Properties { get; }

    public override string ToString() =>
        Invariant($"{Type.FullName}: {(Type.IsValueType ? "value type" : "class")}, public properties [{string.Join(", ", Properties)}]");
}

/// <summary>The cache: Go's Load, then LoadOrStore on a miss.</summary>
internal static class MetadataCache
{
    private static readonly SyncMap<Type, TypeMetadata> s_cache = new();
    private static int s_computed;

    public static int Count => s_cache.Count;

    public static int Computed => Volatile.Read(ref s_computed);

    public static TypeMetadata Get(Type type)
    {
        // The hot path: once the type is in the read-only map, no lock and no allocation.
        if (s_cache.Load(type, out var metadata))
        {
            return metadata;
        }

        // First sight: compute outside any lock; if another thread stored its copy first,
        // LoadOrStore returns that one and this copy is dropped.
        // (s_cache.GetOrAdd(type, static t => new TypeMetadata(t)) does the same in one call.)
        Interlocked.Increment(ref s_computed);
        return s_cache.LoadOrStore(type, new TypeMetadata(type), out _);
    }

    public static bool TryGetCached(Type type, out TypeMetadata? metadata) => s_cache.Load(type, out metadata);
}
