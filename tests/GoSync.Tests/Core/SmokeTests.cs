// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Tests.Core;

public sealed class SmokeTests
{
    [Fact]
    public void GoOperations_BasicSequence()
    {
        var m = new SyncMap<int, int>();
        Assert.False(m.Load(1, out _));
        m.Store(1, 10);
        Assert.True(m.Load(1, out int v));
        Assert.Equal(10, v);
        Assert.Equal(10, m.LoadOrStore(1, 20, out bool loaded));
        Assert.True(loaded);
        Assert.Equal(30, m.LoadOrStore(3, 30, out loaded));
        Assert.False(loaded);
        Assert.True(m.Swap(1, 11, out int prev));
        Assert.Equal(10, prev);
        Assert.True(m.CompareAndSwap(1, 11, 12));
        Assert.False(m.CompareAndSwap(1, 11, 13));
        Assert.False(m.CompareAndSwap(99, 0, 1));
        Assert.True(m.CompareAndDelete(1, 12));
        Assert.False(m.Load(1, out _));
        Assert.Equal(1, m.Count);
        m.AssertInvariants();
        for (int i = 0; i < 100; i++)
        {
            m.Store(i, i);
            m.Load(i + 1000, out _);
        }

        m.AssertInvariants();
        Assert.Equal(100, m.Count);
        int seen = 0;
        m.Range((k, val) => { Assert.Equal(k, val); seen++; return true; });
        Assert.Equal(100, seen);
        m.Clear();
        Assert.Equal(0, m.Count);
        m.AssertInvariants();
        Assert.Equal(5, m.AddOrUpdate(7, 5, (_, old) => old + 1));
        Assert.Equal(6, m.AddOrUpdate(7, 5, (_, old) => old + 1));
        m.AssertInvariants();
    }
}
