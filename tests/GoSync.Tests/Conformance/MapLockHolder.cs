// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace GoSync.Tests.Conformance;

/// <summary>
/// Holds a <see cref="SyncMap{TKey, TValue}"/>'s private lock (the field <c>_lock</c>, found by reflection) on a
/// dedicated thread until disposed, so a test can show that an operation completes without taking the lock.
/// </summary>
public sealed class MapLockHolder : IDisposable
{
    /// <summary>Generous bound for an operation that must not wait for the lock (a slow, shared machine included).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ManualResetEventSlim _release = new(false);
    private readonly Thread _thread;
    private Exception? _failure;

    private MapLockHolder(object lockObject)
    {
        using var acquired = new ManualResetEventSlim(false);
        _thread = new Thread(() =>
        {
            try
            {
                if (lockObject is Lock threadingLock)
                {
                    threadingLock.Enter();
                    acquired.Set();
                    _release.Wait();
                    threadingLock.Exit();
                }
                else
                {
                    Monitor.Enter(lockObject);
                    acquired.Set();
                    _release.Wait();
                    Monitor.Exit(lockObject);
                }
            }
#pragma warning disable CA1031 // Reported on Dispose.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _failure = e;
                acquired.Set();
            }
        })
        {
            IsBackground = true,
            Name = "SyncMap lock holder",
        };
        _thread.Start();
        if (!acquired.Wait(Patience))
        {
            _release.Set(); // in case it gets the lock later: let the holder thread go
            throw new TimeoutException($"the lock-holder thread did not take the map's lock within {Patience.TotalSeconds} s");
        }

        if (_failure is not null)
        {
            throw new InvalidOperationException("could not take the map's lock", _failure);
        }
    }

    /// <summary>Takes <paramref name="map"/>'s lock on another thread and returns once it is held.</summary>
    public static MapLockHolder Hold<TKey, TValue>(SyncMap<TKey, TValue> map)
        where TKey : notnull
        => new(FindLock(map));

    /// <summary>Runs <paramref name="action"/> on another thread while the map's lock is held, and asserts it completes.</summary>
    public static void AssertCompletesWithoutTheLock<TKey, TValue>(SyncMap<TKey, TValue> map, string what, Action action)
        where TKey : notnull
    {
        Task task;
        bool completed;
        using (Hold(map))
        {
            task = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            completed = task.Wait(Patience);
        }

        // The lock is free again here, so a blocked task finishes now and its exception, if any, surfaces.
        Concurrency.ThreadTimeLimit.Wait(task, what);
        Assert.True(completed, $"{what} did not complete while another thread held the map's lock: it takes the lock");
    }

    /// <summary>The object the map locks: the private instance field <c>_lock</c>, of type <see cref="Lock"/> or <see cref="object"/>.</summary>
    public static object FindLock<TKey, TValue>(SyncMap<TKey, TValue> map)
        where TKey : notnull
    {
        const BindingFlags Flags = BindingFlags.NonPublic | BindingFlags.Instance;
        FieldInfo? field = typeof(SyncMap<TKey, TValue>).GetField("_lock", Flags);
        FieldInfo[] candidates = typeof(SyncMap<TKey, TValue>).GetFields(Flags).Where(f => f.FieldType == typeof(Lock)).ToArray();
        if (field is null && candidates.Length == 1)
        {
            field = candidates[0];
        }

        if (field is null || field.GetValue(map) is not { } value)
        {
            string fields = string.Join(", ", typeof(SyncMap<TKey, TValue>).GetFields(Flags).Select(f => $"{f.FieldType.Name} {f.Name}"));
            throw new InvalidOperationException(
                $"cannot find SyncMap's lock: expected a private instance field '_lock' of type System.Threading.Lock or object; fields are: {fields}");
        }

        return value;
    }

    public void Dispose()
    {
        _release.Set();
        Concurrency.ThreadTimeLimit.Join(_thread, "the lock holder");
        _release.Dispose();
        if (_failure is not null)
        {
            throw new InvalidOperationException("the lock holder thread failed", _failure);
        }
    }
}
