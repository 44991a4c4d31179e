// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading;
using GoSync.Internal;

namespace GoSync;

public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// Go's <c>Range</c>: calls <paramref name="f"/> for each key and value present in the map, until
    /// <paramref name="f"/> returns <see langword="false"/>.
    /// </summary>
    /// <param name="f">The callback; return <see langword="false"/> to stop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Not a snapshot: no key is visited twice; a key present and unchanged for the whole call is visited;
    /// each value passed was the key's value at some moment during the call. No lock is held while
    /// <paramref name="f"/> runs, so it may call any method of this map, a nested Range included. If new keys are
    /// pending in the dirty map, Range first promotes it (Go's rule). Allocates nothing on a promoted map.
    /// </remarks>
    public void Range(Func<TKey, TValue, bool> f)
    {
        if (f is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(f));
        }

        // Go's walk: from a random slot, once around. O(slots) = O(keys in the read table): a table is rebuilt with
        // only its live keys at the first new key after a promotion (RangeDeleteFirstTests).
        ReadOnly read = LoadReadForRange();
        int used = read.Used;
        for (int n = 0, i = RandomStart(used); n < used; n++, i = i + 1 == used ? 0 : i + 1)
        {
            Entry? e = read.SlotAt(i);
            if (e is not null && e.TryLoad(out TValue? value) && !f(e.Key, value))
            {
                return;
            }
        }
    }

    /// <summary>Where a walk over <paramref name="used"/> slots starts: at random, as Go's map iteration does.</summary>
    private static int RandomStart(int used) => used <= 1 ? 0 : Random.Shared.Next(used);

    /// <summary>
    /// Go's <c>Range</c> with a caller state passed to each call, so that a static lambda (no closure allocation) suffices.
    /// Same guarantees as <see cref="Range(Func{TKey, TValue, bool})"/>.
    /// </summary>
    /// <typeparam name="TState">The type of the state.</typeparam>
    /// <param name="state">The state passed to every call of <paramref name="f"/>.</param>
    /// <param name="f">The callback; return <see langword="false"/> to stop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is <see langword="null"/>.</exception>
    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f)
    {
        if (f is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(f));
        }

        ReadOnly read = LoadReadForRange();
        int used = read.Used;
        for (int n = 0, i = RandomStart(used); n < used; n++, i = i + 1 == used ? 0 : i + 1)
        {
            Entry? e = read.SlotAt(i);
            if (e is not null && e.TryLoad(out TValue? value) && !f(state, e.Key, value))
            {
                return;
            }
        }
    }

    /// <summary>
    /// The read map a Range walks: the current one, after promoting the dirty map if new keys are pending
    /// (so the walk covers every key present when it starts). The returned map is immutable.
    /// </summary>
    private ReadOnly LoadReadForRange()
    {
        ReadOnly read = Volatile.Read(ref _read); // acquire
        if (!read.Amended)
        {
            return read;
        }

        lock (_lock)
        {
            read = _read;
            if (read.Amended)
            {
                read = PromoteLocked();
            }
        }

        return read;
    }

    /// <summary>Returns an enumerator over the map's pairs with the same guarantees as <see cref="Range(Func{TKey, TValue, bool})"/>.</summary>
    /// <returns>A struct enumerator: <c>foreach</c> over a promoted map allocates nothing.</returns>
    /// <remarks>The loop body runs with no lock held and may modify the map.</remarks>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>
    /// Enumerates a <see cref="SyncMap{TKey, TValue}"/> without locks and without allocating. Not a snapshot:
    /// see <see cref="Range(Func{TKey, TValue, bool})"/> for what it promises.
    /// </summary>
    public struct Enumerator : IEnumerator<KeyValuePair<TKey, TValue>>
    {
        private readonly SyncMap<TKey, TValue>? _map;

        // The read snapshot being walked (immutable), how many slots it has, the random slot the walk started at, and
        // how many slots it has looked at (it stops after `_used`, once around).
        private ReadOnly? _table;
        private int _used;
        private int _start;
        private int _seen;
        private KeyValuePair<TKey, TValue> _current;

        internal Enumerator(SyncMap<TKey, TValue> map)
        {
            _map = map;
            _table = null;
            _used = 0;
            _start = 0;
            _seen = 0;
            _current = default;
            Start(map);
        }

        /// <summary>Gets the pair at the enumerator's position.</summary>
        public readonly KeyValuePair<TKey, TValue> Current => _current;

        readonly object IEnumerator.Current => _current;

        /// <summary>Advances to the next key that is present, skipping deleted ones.</summary>
        /// <returns><see langword="false"/> once every key has been passed.</returns>
        public bool MoveNext()
        {
            ReadOnly? table = _table;
            if (table is null)
            {
                return false;
            }

            while (_seen < _used)
            {
                int i = _start + _seen++;
                Entry? e = table.SlotAt(i < _used ? i : i - _used);
                if (e is not null && e.TryLoad(out TValue? value))
                {
                    _current = new KeyValuePair<TKey, TValue>(e.Key, value);
                    return true;
                }
            }

            _current = default;
            return false;
        }

        /// <summary>Restarts the enumeration over the map's current read map (promoting pending keys first).</summary>
        public void Reset()
        {
            if (_map is not null)
            {
                Start(_map);
            }

            _current = default;
        }

        private void Start(SyncMap<TKey, TValue> map)
        {
            ReadOnly read = map.LoadReadForRange();
            _table = read;
            _used = read.Used;
            _start = RandomStart(_used);
            _seen = 0;
        }

        /// <summary>Does nothing: the enumerator holds no resources.</summary>
        public readonly void Dispose()
        {
        }
    }

    /// <summary>The non-generic <see cref="IDictionaryEnumerator"/> over a map (allocated once per enumeration).</summary>
    private sealed class DictionaryEnumerator : IDictionaryEnumerator
    {
        private Enumerator _inner;

        internal DictionaryEnumerator(SyncMap<TKey, TValue> map) => _inner = map.GetEnumerator();

        public DictionaryEntry Entry => new(_inner.Current.Key, _inner.Current.Value);

        public object Key => _inner.Current.Key;

        public object? Value => _inner.Current.Value;

        public object Current => Entry;

        public bool MoveNext() => _inner.MoveNext();

        public void Reset() => _inner.Reset();
    }
}
