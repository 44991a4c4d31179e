// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Threading;
using GoSync.Tests.Concurrency;

namespace GoSync.Tests.Core;

/// <summary>GetOrAdd overloads with <c>out bool added</c> (dotnet/runtime#79934): the flag says whether this call's value went in.</summary>
public sealed class GetOrAddAddedTests
{
    [Fact]
    public void Value_AbsentThenPresent()
    {
        var map = new SyncMap<string, int>();
        Assert.Equal(1, map.GetOrAdd("a", 1, out bool added));
        Assert.True(added);
        Assert.Equal(1, map.GetOrAdd("a", 2, out added));
        Assert.False(added);
        map.Delete("a"); // a tombstone in the dirty map: the lock-free N -> V path once promoted
        _ = map.Count;
        Assert.Equal(3, map.GetOrAdd("a", 3, out added));
        Assert.True(added);
        Assert.Equal(1, map.Count);
        map.AssertInvariants();
    }

    [Fact]
    public void Factory_RunsOnlyForAnAbsentKey()
    {
        var map = new SyncMap<int, string>();
        int runs = 0;
        Assert.Equal("k5", map.GetOrAdd(5, k => { runs++; return "k" + k; }, out bool added));
        Assert.True(added);
        Assert.Equal("k5", map.GetOrAdd(5, k => { runs++; return "other"; }, out added));
        Assert.False(added);
        Assert.Equal(1, runs);
        map.AssertInvariants();
    }

    [Fact]
    public void TArgFactory_GetsItsArgument()
    {
        var map = new SyncMap<int, int>();
        Assert.Equal(47, map.GetOrAdd(7, static (k, a) => k + a, 40, out bool added));
        Assert.True(added);
        Assert.Equal(47, map.GetOrAdd(7, static (_, _) => throw new InvalidOperationException("must not run"), 0, out added));
        Assert.False(added);
        map.AssertInvariants();
    }

    [Fact]
    public void NullFactory_Throws_AndChangesNothing()
    {
        var map = new SyncMap<int, int>();
        Assert.Equal("valueFactory", Assert.Throws<ArgumentNullException>(() => map.GetOrAdd(1, (Func<int, int>)null!, out _)).ParamName);
        Assert.Equal("valueFactory", Assert.Throws<ArgumentNullException>(() => map.GetOrAdd(1, (Func<int, int, int>)null!, 0, out _)).ParamName);
        Assert.True(map.IsEmpty);
    }

    [Fact]
    public void Racing_ExactlyOneCallerAddsEachKey()
    {
        const int Threads = 4;
        const int Keys = 2000;
        var map = new SyncMap<int, int>();
        var addedBy = new int[Keys];
        int wrongValue = 0;
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                for (int k = 0; k < Keys; k++)
                {
                    bool added;
                    int got = ((k + id) % 3) switch
                    {
                        0 => map.GetOrAdd(k, id, out added),
                        1 => map.GetOrAdd(k, _ => id, out added),
                        _ => map.GetOrAdd(k, static (_, a) => a, id, out added),
                    };
                    if (added)
                    {
                        Interlocked.Increment(ref addedBy[k]);
                        if (got != id)
                        {
                            Interlocked.Increment(ref wrongValue); // added, but returned another caller's value
                        }
                    }
                }
            });
        }

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            ThreadTimeLimit.Join(thread, nameof(Racing_ExactlyOneCallerAddsEachKey));
        }

        for (int k = 0; k < Keys; k++)
        {
            Assert.Equal(1, addedBy[k]);
        }

        Assert.Equal(0, wrongValue);
        Assert.Equal(Keys, map.Count);
        map.AssertInvariants();
    }
}
