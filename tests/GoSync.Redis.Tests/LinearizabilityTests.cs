// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using GoSync.Redis.Tests.Infrastructure;
using GoSync.Tests.Concurrency;
using GoSync.Tests.Reference;
using StackExchange.Redis;

namespace GoSync.Redis.Tests;

/// <summary>
/// Every single-key operation of <see cref="RedisSyncMap{TKey, TValue}"/> (and Clear) is linearizable when 2 to 4
/// clients, each on its own connection, work on the same keys: the histories they record are judged by the in-process
/// suite's checker (<see cref="LinearizabilityChecker"/>, linked) against its sequential model of one key.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LinearizabilityTests(RedisServerFixture server)
{
    private const int Keys = 3;

    private static readonly OpKind[] s_kinds =
    [
        OpKind.Load, OpKind.Store, OpKind.LoadOrStore, OpKind.LoadAndDelete, OpKind.Delete,
        OpKind.Swap, OpKind.CompareAndSwap, OpKind.CompareAndDelete,
    ];

    [Theory]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    [InlineData(2, false)]
    [InlineData(4, false)]
    public void SingleKeyOperations_AreLinearizable_AcrossClients(int clients, bool scripts)
    {
        // Rounds of `clients` threads, each with its own connection, each running 64/clients operations on 3 keys, so a
        // key's history never exceeds the checker's 64 operations. Values are drawn from 0..3, so CompareAndSwap and
        // CompareAndDelete often match. About 2% of operations are Clear (one DEL: atomic with one shard).
        int rounds = 25 * TestEnvironment.StressScale;
        int opsPerClient = LinearizabilityChecker.MaxOperations / clients;
        int seed = TestEnvironment.Seed(7000 + clients + (scripts ? 0 : 100));
        var connections = Enumerable.Range(0, clients).Select(_ => server.Connect()).ToArray();
        try
        {
            RedisKey name = RedisServerFixture.NewName(nameof(SingleKeyOperations_AreLinearizable_AcrossClients));
            var maps = connections
                .Select(c => new RedisSyncMap<int, int>(c.GetDatabase(), name, new RedisSyncMapOptions<int, int> { UseScripts = scripts }))
                .ToArray();
            long overlapping = 0;
            for (int round = 0; round < rounds; round++)
            {
                int roundSeed = seed + round;
                maps[0].Clear();
                var recorded = new List<(int Key, Operation Op)>[clients];
                Limits.RunTogether(Enumerable.Range(0, clients).Select(c => (Action)(() =>
                {
                    var random = new Random(roundSeed * 31 + c);
                    var mine = new List<(int, Operation)>(opsPerClient);
                    for (int i = 0; i < opsPerClient; i++)
                    {
                        mine.Add(RunOne(maps[c], c, random));
                    }

                    recorded[c] = mine;
                })).ToArray());

                var all = recorded.SelectMany(r => r).ToList();
                for (int key = 0; key < Keys; key++)
                {
                    Operation[] history = all.Where(x => x.Key == key || x.Op.Kind == OpKind.Clear).Select(x => x.Op).ToArray();
                    CheckResult result = LinearizabilityChecker.Check(history, SequentialMapModel.Absent);
                    Assert.True(
                        result.Verdict == Verdict.Linearizable,
                        $"seed {roundSeed} (GOSYNC_SEED={seed}, round {round}), key {key}: {result.Verdict}\n{LinearizabilityChecker.Describe(history, SequentialMapModel.Absent)}");
                    overlapping += CountOverlapping(history);
                }
            }

            // The check means something only if operations of different clients overlapped in time.
            Assert.True(overlapping > 0, "no two operations overlapped: the clients ran one after another");
        }
        finally
        {
            foreach (ConnectionMultiplexer c in connections)
            {
                c.Dispose();
            }
        }
    }

    private static (int Key, Operation Op) RunOne(RedisSyncMap<int, int> m, int thread, Random random)
    {
        int key = random.Next(Keys);
        var op = new Operation
        {
            Kind = random.Next(50) == 0 ? OpKind.Clear : s_kinds[random.Next(s_kinds.Length)],
            Thread = thread,
            Arg1 = random.Next(4),
            Arg2 = random.Next(4),
        };
        op.Invoke = Stopwatch.GetTimestamp();
        switch (op.Kind)
        {
            case OpKind.Load:
                op.Ok = m.Load(key, out op.Value);
                break;
            case OpKind.Store:
                m.Store(key, op.Arg1);
                break;
            case OpKind.LoadOrStore:
                op.Value = m.LoadOrStore(key, op.Arg1, out op.Ok);
                break;
            case OpKind.LoadAndDelete:
                op.Ok = m.LoadAndDelete(key, out op.Value);
                break;
            case OpKind.Delete:
                m.Delete(key);
                break;
            case OpKind.Swap:
                op.Ok = m.Swap(key, op.Arg1, out op.Value);
                break;
            case OpKind.CompareAndSwap:
                op.Ok = m.CompareAndSwap(key, op.Arg2, op.Arg1);
                break;
            case OpKind.CompareAndDelete:
                op.Ok = m.CompareAndDelete(key, op.Arg2);
                break;
            case OpKind.Clear:
                m.Clear();
                break;
        }

        op.Response = Stopwatch.GetTimestamp();
        return (key, op);
    }

    private static long CountOverlapping(Operation[] history)
    {
        long n = 0;
        for (int i = 0; i < history.Length; i++)
        {
            for (int j = i + 1; j < history.Length; j++)
            {
                if (history[i].Thread != history[j].Thread && history[i].Invoke < history[j].Response && history[j].Invoke < history[i].Response)
                {
                    n++;
                }
            }
        }

        return n;
    }

    [Fact]
    public void Checker_RejectsAHistoryThatIsNotLinearizable()
    {
        // The checker as linked here still catches a lost update: two Loads after a completed Store see nothing.
        var history = new[]
        {
            new Operation { Kind = OpKind.Store, Thread = 0, Arg1 = 1, Invoke = 1, Response = 2 },
            new Operation { Kind = OpKind.Load, Thread = 1, Ok = false, Invoke = 3, Response = 4 },
        };
        Assert.Equal(Verdict.Violation, LinearizabilityChecker.Check(history, SequentialMapModel.Absent).Verdict);
    }
}
