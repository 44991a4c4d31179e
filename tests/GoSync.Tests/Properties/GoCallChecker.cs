// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using GoSync.Tests.Reference;

namespace GoSync.Tests.Properties;

/// <summary>A reference map the checker compares <see cref="SyncMap{TKey, TValue}"/> with.</summary>
/// <param name="Name">Its name in failure messages.</param>
/// <param name="Create">Makes a fresh empty instance.</param>
public sealed record ReferenceMap(string Name, Func<IGoMap<string, string?>> Create)
{
    /// <summary>Go's RWMutexMap.</summary>
    public static ReferenceMap Locked { get; } =
        new(nameof(LockedDictionaryMap<string, string?>), () => new LockedDictionaryMap<string, string?>());

    /// <summary>Go's DeepCopyMap.</summary>
    public static ReferenceMap CopyOnWrite { get; } =
        new(nameof(CopyOnWriteMap<string, string?>), () => new CopyOnWriteMap<string, string?>());
}

/// <summary>
/// Go's <c>quick.CheckEqual(applyMap, applyRWMutexMap)</c>, made stricter: the calls run in
/// lock-step on a fresh <see cref="SyncMap{TKey, TValue}"/> and fresh reference maps, and after every
/// call the results and the SyncMap's <c>Count</c>/<c>IsEmpty</c> must match the references; the
/// SyncMap's <c>AssertInvariants()</c> runs periodically and at the end; the final contents (one
/// full Range each, no key twice) must be equal.
/// </summary>
public sealed class GoCallChecker
{
    private readonly ResultMapping _mapping;
    private readonly ReferenceMap[] _references;
    private readonly int _invariantsEvery;

    /// <summary>Creates a checker.</summary>
    /// <param name="mapping">How results are reported (Go's exact mapping or the direct one).</param>
    /// <param name="invariantsEvery">Run AssertInvariants after every this many calls (and at the end).</param>
    /// <param name="references">The reference maps; the first one's results are the expected ones.</param>
    public GoCallChecker(ResultMapping mapping, int invariantsEvery, params ReferenceMap[] references)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentOutOfRangeException.ThrowIfLessThan(references.Length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(invariantsEvery, 1);
        _mapping = mapping;
        _invariantsEvery = invariantsEvery;
        _references = references;
    }

    /// <summary>Makes the fresh SyncMap for each replay (default: <c>new SyncMap&lt;string, string?&gt;()</c>).</summary>
    public Func<SyncMap<string, string?>> CreateSyncMap { get; init; } = static () => new SyncMap<string, string?>();

    /// <summary>
    /// For maps with a custom key comparer: one spelling per equivalence class of keys. Contents are
    /// compared in this spelling because the maps legitimately differ in which of two equal keys they
    /// report: after a delete, a Dictionary stores the key of the next insert, while SyncMap (like
    /// Go's sync.Map) revives the deleted entry still in its read map, keeping the key it was first
    /// stored under. Checked here: each key is held once, with the right value.
    /// </summary>
    public Func<string, string>? CanonicalKey { get; init; }

    /// <summary>Called with the SyncMap after every call of <see cref="FindFailure"/> (e.g. to observe its machinery).</summary>
    public Action<SyncMap<string, string?>>? AfterEachCall { get; init; }

    /// <summary>Replays <paramref name="calls"/> on fresh maps; null when all agree, else the first disagreement.</summary>
    public string? FindFailure(IReadOnlyList<GoCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        SyncMap<string, string?> syncMap = CreateSyncMap();
        var subject = new SyncMapAdapter<string, string?>(syncMap);
        var references = new IGoMap<string, string?>[_references.Length];
        for (int r = 0; r < references.Length; r++)
        {
            references[r] = _references[r].Create();
        }

        for (int i = 0; i < calls.Count; i++)
        {
            GoCall call = calls[i];
            GoResult actual = GoCalls.Apply(subject, call, _mapping, CanonicalKey);
            GoResult expected = GoCalls.Apply(references[0], call, _mapping, CanonicalKey);
            for (int r = 1; r < references.Length; r++)
            {
                GoResult other = GoCalls.Apply(references[r], call, _mapping, CanonicalKey);
                if (other != expected)
                {
                    return $"call #{i} {call}: the reference maps disagree ({_references[0].Name} {expected}, " +
                        $"{_references[r].Name} {other}): a bug in the test's references.";
                }
            }

            if (actual != expected)
            {
                return $"call #{i} {call}: SyncMap returned {actual}, {_references[0].Name} returned {expected}.";
            }

            AfterEachCall?.Invoke(syncMap);
            string? failure = CheckCount(syncMap, references[0], i, call)
                ?? ((i + 1) % _invariantsEvery == 0 ? CheckInvariants(syncMap, $"after call #{i} {call}") : null);
            if (failure is not null)
            {
                return failure;
            }
        }

        return CheckFinalContents(subject, references) ?? CheckInvariants(syncMap, "at the end");
    }

    /// <summary>Replays <paramref name="calls"/> and lists every call with the SyncMap's and the first reference's results.</summary>
    public string Trace(IReadOnlyList<GoCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        SyncMap<string, string?> syncMap = CreateSyncMap();
        var subject = new SyncMapAdapter<string, string?>(syncMap);
        IGoMap<string, string?> reference = _references[0].Create();
        var text = new StringBuilder();
        for (int i = 0; i < calls.Count; i++)
        {
            GoResult actual = GoCalls.Apply(subject, calls[i], _mapping, CanonicalKey);
            GoResult expected = GoCalls.Apply(reference, calls[i], _mapping, CanonicalKey);
            text.Append(CultureInfo.InvariantCulture, $"  #{i} {calls[i]}: SyncMap {actual}, {_references[0].Name} {expected}");
            text.AppendLine(actual == expected ? string.Empty : "   <-- differs");
        }

        text.Append("  final: SyncMap ").Append(Describe(() => GoCalls.Format(GoCalls.Contents(subject, CanonicalKey))))
            .Append(", ").Append(_references[0].Name).Append(' ')
            .AppendLine(GoCalls.Format(GoCalls.Contents(reference, CanonicalKey)));
        return text.ToString();
    }

    /// <summary>Runs the map's AssertInvariants; null when they hold, else the failure.</summary>
    public static string? CheckInvariants<TKey, TValue>(SyncMap<TKey, TValue> map, string when)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(map);
        try
        {
            map.AssertInvariants();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"AssertInvariants failed {when}: {e.Message}";
        }
    }

    private string? CheckCount(SyncMap<string, string?> syncMap, IGoMap<string, string?> reference, int index, GoCall call)
    {
        int expected = GoCalls.Contents(reference, CanonicalKey).Count;
        int count;
        bool isEmpty;
        try
        {
            count = syncMap.Count;
            isEmpty = syncMap.IsEmpty;
        }
#pragma warning disable CA1031 // Any exception is a failure to report with the sequence.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"after call #{index} {call}: Count/IsEmpty threw {e.GetType().Name}: {e.Message}";
        }

        if (count != expected || isEmpty != (expected == 0))
        {
            return $"after call #{index} {call}: SyncMap Count = {count}, IsEmpty = {isEmpty}; the reference holds {expected} entries.";
        }

        return null;
    }

    private string? CheckFinalContents(IGoMap<string, string?> subject, IGoMap<string, string?>[] references)
    {
        string expected = GoCalls.Format(GoCalls.Contents(references[0], CanonicalKey));
        for (int r = 1; r < references.Length; r++)
        {
            string other = GoCalls.Format(GoCalls.Contents(references[r], CanonicalKey));
            if (other != expected)
            {
                return $"final contents: the reference maps disagree ({_references[0].Name} {expected}, {_references[r].Name} {other}).";
            }
        }

        string actual = Describe(() => GoCalls.Format(GoCalls.Contents(subject, CanonicalKey)));
        return actual == expected ? null : $"final contents: SyncMap Range saw {actual}, {_references[0].Name} holds {expected}.";
    }

    private static string Describe(Func<string> f)
    {
        try
        {
            return f();
        }
#pragma warning disable CA1031 // The exception is reported as the observed outcome.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"threw {e.GetType().Name}: {e.Message}";
        }
    }
}
