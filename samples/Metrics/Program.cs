// Licensed under the MIT license. See LICENSE in the repository root.

// The GoSync meter: a named map's promotions, locked misses, dirty rebuilds, expunges and Clears, read here with a
// MeterListener (in production: dotnet-counters monitor --counters GoSync, or OpenTelemetry's AddMeter("GoSync")).
// Also LoadOrCompute: a cache whose factory runs once per key however many threads ask for it.
//
// Exit code: 0 when the counts are the ones this sequence must produce and each factory ran once; 1 otherwise.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using GoSync;

internal static class Program
{
    private static int Main()
    {
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "GoSync")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "gosync.map.name" && (string?)tag.Value == "sample-cache")
                {
                    totals.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
                }
            }
        });
        listener.Start();

        var cache = new SyncMap<int, string> { Name = "sample-cache" };
        int factoryRuns = 0;
        Parallel.For(0, 64, i =>
        {
            // 64 callers, 8 keys: each key's factory runs once, the other callers wait for it or read its value.
            cache.LoadOrCompute(i % 8, key =>
            {
                Interlocked.Increment(ref factoryRuns);
                return "value " + key;
            });
        });

        for (int round = 0; round < 20; round++)
        {
            cache.Load(100 + round, out _); // misses of absent keys: answered by the miss filter, not counted
            cache.Load(round % 8, out _);
        }

        cache.Delete(0);
        cache.Range((_, _) => true); // promotes
        cache.Store(8, "new");       // rebuilds the dirty map, expunging key 0
        cache.Clear();

        Console.WriteLine($"factory runs: {factoryRuns} (8 keys)");
        foreach (var pair in totals)
        {
            Console.WriteLine($"{pair.Key}: {pair.Value}");
        }

        bool ok = factoryRuns == 8
            && totals.GetValueOrDefault("gosync.map.clears") == 1
            && totals.GetValueOrDefault("gosync.map.dirty_rebuilds") >= 2
            && totals.GetValueOrDefault("gosync.map.expunges") == 1
            && totals.GetValueOrDefault("gosync.map.promotions") >= 1;
        Console.WriteLine(ok ? "OK" : "FAILED");
        return ok ? 0 : 1;
    }
}
