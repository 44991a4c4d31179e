// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text;
using GoSync.Tests.Concurrency;

namespace GoSync.CoyoteTests;

/// <summary>
/// One run of a scenario: a fresh map, the tasks' recorded operations, and the checks made when all
/// tasks finished. Built on the real-thread suite's pieces (linked from tests/GoSync.Tests/Concurrency):
/// <see cref="Operation"/> records, <see cref="MapOperations.Apply"/> to call the map, and
/// <see cref="LinearizabilityChecker"/> against <see cref="SequentialMapModel"/>.
/// </summary>
/// <remarks>
/// <para>
/// Keys 0 .. <c>checkedKeys - 1</c> are checked: every operation on them is recorded with its arguments
/// and results, and each key's history must be linearizable. Their values live in a band of their own
/// (<see cref="Value"/>), so a value read back by <c>Values</c> names its key. Keys from
/// <see cref="OtherKeyBase"/> drive the map's machinery (a new key rebuilds the dirty map) and hold negative
/// values; keys from <see cref="MissingKeyBase"/> are never stored, so looking them up counts misses.
/// </para>
/// <para>
/// Timestamps come from a logical clock. Under Coyote one task runs at a time and control passes only at
/// the rewritten scheduling points (task operations, Volatile, Interlocked, Monitor), none of which lies
/// between a clock read and the map call it stamps; so the clock orders the calls and returns exactly as
/// the explored schedule did, and a replayed trace prints the same history.
/// </para>
/// </remarks>
internal sealed class Scenario
{
    /// <summary>First of the unchecked keys that scenarios store to force a dirty rebuild.</summary>
    public const int OtherKeyBase = 100;

    /// <summary>First of the keys that are never stored.</summary>
    public const int MissingKeyBase = 900;

    private readonly int _checkedKeys;
    private readonly IEqualityComparer<int>? _keyComparer;
    private readonly List<Worker> _workers = [];
    private readonly HashSet<int> _touched = [];
    private long _clock;

    /// <summary>A scenario of <paramref name="checkedKeys"/> checked keys on a map with <paramref name="keyComparer"/> (null: the default).</summary>
    public Scenario(int checkedKeys, IEqualityComparer<int>? keyComparer = null)
    {
        _checkedKeys = checkedKeys;
        _keyComparer = keyComparer;
        for (int k = 0; k < checkedKeys; k++)
        {
            _touched.Add(k);
        }

        Map = new SyncMap<int, int>(keyComparer) { Name = MapName }; // the name its metrics carry (no listener here: nothing is measured)
        Cover("set_Name(String)");
        Setup = NewWorker(-1);
    }

    /// <summary>Collects the public members the scenarios call (see ApiCoverageTests); null outside that test.</summary>
    public static HashSet<string>? CoverageSink { get; set; }

    /// <summary>The <see cref="SyncMap{TKey, TValue}.Name"/> of every scenario's map.</summary>
    public const string MapName = "coyote-scenario";

    public SyncMap<int, int> Map { get; }

    public int CheckedKeys => _checkedKeys;

    /// <summary>Runs operations before the tasks start (thread -1 in the histories), to put keys in a given state.</summary>
    public Worker Setup { get; }

    /// <summary>The value number <paramref name="n"/> (1..999) of checked key <paramref name="key"/>.</summary>
    public static int Value(int key, int n) => (1000 * (key + 1)) + n;

    /// <summary>Runs each body on its own task and waits for all of them (each body gets its own worker).</summary>
    public async Task RunAsync(params Action<Worker>[] bodies)
    {
        var tasks = new Task[bodies.Length];
        for (int t = 0; t < bodies.Length; t++)
        {
            Action<Worker> body = bodies[t];
            Worker worker = NewWorker(t);
            tasks[t] = Task.Run(() => body(worker));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>
    /// The checks every scenario ends with: the map's invariants hold; each checked key's history (with a
    /// final read) is linearizable; Count, IsEmpty and a full Range agree with the keys a Load finds.
    /// Throws <see cref="ScenarioFailure"/> with the history when one fails.
    /// </summary>
    public void Verify()
    {
        try
        {
            Map.AssertInvariants();
        }
        catch (InvalidOperationException broken)
        {
            throw new ScenarioFailure($"The map's invariants broke: {broken.Message}\n{DescribeAll()}");
        }

        Worker final = NewWorker(-2);
        for (int key = 0; key < _checkedKeys; key++)
        {
            final.Op(OpKind.Load, key);
        }

        for (int key = 0; key < _checkedKeys; key++)
        {
            Operation[] history = HistoryOf(key);
            CheckResult result = LinearizabilityChecker.Check(history, SequentialMapModel.Absent);
            if (result.Verdict != Verdict.Linearizable)
            {
                throw new ScenarioFailure(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{result.Verdict} history for key {key} (longest linearizable prefix {result.LongestPrefix} of {history.Length}; thread -1 is the setup, -2 the final read):\n{LinearizabilityChecker.Describe(history, SequentialMapModel.Absent)}\n{DescribeAll()}"));
            }
        }

        int live = 0;
        foreach (int key in _touched)
        {
            live += Map.ContainsKey(key) ? 1 : 0;
        }

        int ranged = 0;
        Map.Range((_, _) =>
        {
            ranged++;
            return true;
        });
        int count = Map.Count;
        bool isEmpty = Map.IsEmpty;
        Cover("get_Count()");
        Cover("get_IsEmpty()");
        if (count != live || ranged != live || isEmpty != (live == 0))
        {
            throw new ScenarioFailure($"After the run Count={count}, IsEmpty={isEmpty}, a Range visits {ranged} keys, but {live} keys are present.\n{DescribeAll()}");
        }

        if (!ReferenceEquals(Map.Comparer, _keyComparer ?? EqualityComparer<int>.Default))
        {
            throw new ScenarioFailure("Comparer changed during the run.");
        }

        Cover("get_Comparer()");
    }

    internal static void Cover(string member) => CoverageSink?.Add(member);

    internal long Tick() => ++_clock;

    internal void Touch(int key) => _touched.Add(key);

    private Worker NewWorker(int id)
    {
        var worker = new Worker(this, id);
        _workers.Add(worker);
        return worker;
    }

    private Operation[] HistoryOf(int key)
    {
        var ops = new List<Operation>();
        foreach (Worker worker in _workers)
        {
            foreach ((int recordKey, Operation op) in worker.Records)
            {
                if (recordKey == key || op.Kind == OpKind.Clear)
                {
                    ops.Add(op);
                }
            }
        }

        return [.. ops];
    }

    private string DescribeAll()
    {
        var all = new List<(int Key, Operation Op)>();
        foreach (Worker worker in _workers)
        {
            all.AddRange(worker.Records);
        }

        all.Sort((a, b) => a.Op.Invoke.CompareTo(b.Op.Invoke));
        var text = new StringBuilder("Whole history (logical time):\n");
        foreach ((int key, Operation op) in all)
        {
            text.Append(CultureInfo.InvariantCulture, $"  [{op.Invoke,3}..{op.Response,3}] key {(op.Kind == OpKind.Clear ? "*" : key.ToString(CultureInfo.InvariantCulture))}: {op}\n");
        }

        foreach (Worker worker in _workers)
        {
            foreach (string note in worker.Notes)
            {
                text.Append("  ").Append(note).Append('\n');
            }
        }

        return text.ToString();
    }
}

/// <summary>A check of a scenario failed; the message holds the history.</summary>
internal sealed class ScenarioFailure(string message) : Exception(message);
