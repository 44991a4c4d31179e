// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace GoSync.Internal;

/// <summary>What a debugger shows for a <see cref="SyncMap{TKey, TValue}"/>: its pairs, taken with one Range pass.</summary>
internal sealed class SyncMapDebugView<TKey, TValue>
    where TKey : notnull
{
    private readonly SyncMap<TKey, TValue> _map;

    public SyncMapDebugView(SyncMap<TKey, TValue> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        _map = map;
    }

    [DebuggerBrowsable(DebuggerBrowsableState.RootHidden)]
    public KeyValuePair<TKey, TValue>[] Items => _map.ToArray();
}
