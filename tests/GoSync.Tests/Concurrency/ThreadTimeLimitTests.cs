// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Threading;

namespace GoSync.Tests.Concurrency;

/// <summary>The time limit of the real-thread tests fails, with the caller's context, instead of waiting forever.</summary>
public sealed class ThreadTimeLimitTests
{
    [Fact]
    public void Join_ThrowsWithTheSeed_WhenTheThreadOutlivesTheLimit()
    {
        using var release = new ManualResetEventSlim();
        var stuck = new Thread(() => release.Wait()) { IsBackground = true, Name = "stuck" };
        stuck.Start();
        try
        {
            TimeoutException timeout = Assert.Throws<TimeoutException>(() => ThreadTimeLimit.Join(stuck, "seed=42", TimeSpan.FromMilliseconds(50)));
            Assert.Contains("seed=42", timeout.Message, StringComparison.Ordinal);
            Assert.Contains("'stuck'", timeout.Message, StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
            ThreadTimeLimit.Join(stuck, "releasing the stuck thread");
        }
    }

    [Fact]
    public void Join_Returns_WhenTheThreadEnds()
    {
        var quick = new Thread(() => { }) { IsBackground = true };
        quick.Start();
        ThreadTimeLimit.Join(quick, "seed=1");
        Assert.False(quick.IsAlive);
    }
}
