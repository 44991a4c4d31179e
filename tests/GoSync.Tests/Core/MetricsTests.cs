// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using GoSync.Tests.BadInput;

namespace GoSync.Tests.Core;

/// <summary>
/// The GoSync meter: each instrument counts its event for the map that caused it (tagged with the map's name), and a
/// map whose instruments nobody enabled records nothing. Maps get unique names, since tests run in parallel and a
/// listener hears every map of the process.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public void EveryInstrument_CountsItsEvent_UnderTheMapsName()
    {
        string name = "metrics-test-" + Guid.NewGuid().ToString("N");
        using var recorder = new Recorder(name);
        var map = new SyncMap<string, int> { Name = name };
        Assert.Equal(name, map.Name);

        map.Store("a", 1); // new key: first dirty map (a rebuild of the empty read map, 0 entries copied)
        Assert.False(map.Load("absent", out _)); // a locked miss (no filter yet) that promotes (misses reach the dirty map's 1 entry)
        map.Delete("a"); // N in the read map
        map.Store("b", 2); // dirty rebuild: expunges 'a', copies nothing
        map.Clear();

        Assert.Equal(1, recorder.Sum("gosync.map.locked_misses"));
        Assert.Equal(1, recorder.Sum("gosync.map.promotions"));
        Assert.Equal(2, recorder.Sum("gosync.map.dirty_rebuilds"));
        Assert.Equal(new long[] { 0, 0 }, recorder.Values("gosync.map.dirty_rebuild.entries"));
        Assert.Equal(1, recorder.Sum("gosync.map.expunges"));
        Assert.Equal(1, recorder.Sum("gosync.map.clears"));
        Assert.Equal(0, recorder.Sum("gosync.map.flooding_switches"));

        foreach (string key in HashFloodingTests.CollidingKeys(150))
        {
            map.Store(key, 0);
        }

        Assert.Equal(1, recorder.Sum("gosync.map.flooding_switches"));
    }

    [Fact]
    public void UnnamedMaps_ReportUnderOneTag()
    {
        using var recorder = new Recorder("(unnamed)");
        var map = new SyncMap<int, int>();
        map.Store(1, 1);
        long before = recorder.Sum("gosync.map.clears");
        map.Clear();
        Assert.True(recorder.Sum("gosync.map.clears") >= before + 1);
    }

    [Fact]
    public void LockedMisses_AllocateNothingWithoutAListener_AndAreCountedWithOne()
    {
        // 1000 dirty-only keys and no miss filter yet (no absent key was looked up before the last new key): 400 loads of
        // absent keys are 400 locked misses, too few to promote. (A dirty-only key's Load takes no lock: LoadDirtyHit.)
        var map = new SyncMap<int, int> { Name = "metrics-alloc-" + Guid.NewGuid().ToString("N") };
        for (int i = 0; i < 1000; i++)
        {
            map.Store(i, i);
        }

        Assert.Equal(0, LoadsAllocate(map, 0, 200)); // (a listener of another test may be on: its instruments are shared)
        using var recorder = new Recorder(map.Name!);
        LoadsAllocate(map, 200, 200); // with a listener the recorder itself allocates; only the count is checked
        Assert.Equal(200, recorder.Sum("gosync.map.locked_misses"));

        static long LoadsAllocate(SyncMap<int, int> map, int first, int count)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = first; i < first + count; i++)
            {
                Assert.False(map.Load(1_000_000 + i, out _)); // absent
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
    }

    /// <summary>Listens to the GoSync meter and keeps the measurements tagged with one map name.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, long Value)> _measurements = new();

        public Recorder(string mapName)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "GoSync")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (tag.Key == "gosync.map.name" && (string?)tag.Value == mapName)
                    {
                        _measurements.Enqueue((instrument.Name, value));
                    }
                }
            });
            _listener.Start();
        }

        public long Sum(string instrument)
        {
            long sum = 0;
            foreach ((string name, long value) in _measurements)
            {
                sum += name == instrument ? value : 0;
            }

            return sum;
        }

        public long[] Values(string instrument)
        {
            var values = new List<long>();
            foreach ((string name, long value) in _measurements)
            {
                if (name == instrument)
                {
                    values.Add(value);
                }
            }

            return values.ToArray();
        }

        public void Dispose() => _listener.Dispose();
    }
}
