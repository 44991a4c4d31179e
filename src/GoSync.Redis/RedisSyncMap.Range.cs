// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace GoSync.Redis;

// Range. Each key lives in exactly one shard (its placement never changes), so walking the shards one after another
// and keeping Go's contract within each keeps it for the map.
public sealed partial class RedisSyncMap<TKey, TValue>
{
    /// <summary>
    /// Go's <c>Range</c>: calls <paramref name="f"/> for each key and value until it returns <see langword="false"/>.
    /// </summary>
    /// <param name="f">The callback; return <see langword="false"/> to stop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Not a snapshot: no key is visited twice; a key present and unchanged for the whole call is visited; each value
    /// shown was the key's value at some moment during the call. Pages are fetched as the walk goes
    /// (<see cref="RedisSyncMapOptions{TKey, TValue}.RangePageSize"/> fields per round trip); nothing is held on the
    /// server while <paramref name="f"/> runs, so it may call any method of this map. How each shard is walked:
    /// <see cref="RangeStrategy"/>.
    /// </remarks>
    public void Range(Func<TKey, TValue, bool> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        RangeStrategy strategy = ResolveRangeStrategy();
        foreach (RedisKey shard in _shards)
        {
            if (strategy == RangeStrategy.Scan)
            {
                var seen = new HashSet<RedisValue>();
                foreach (HashEntry e in _db.HashScan(shard, default, _rangePageSize))
                {
                    if (seen.Add(e.Name) && !f(_keys.Deserialize(e.Name), _values.Deserialize(e.Value)))
                    {
                        return;
                    }
                }
            }
            else if (strategy == RangeStrategy.Snapshot)
            {
                foreach (HashEntry e in _db.HashGetAll(shard))
                {
                    if (!f(_keys.Deserialize(e.Name), _values.Deserialize(e.Value)))
                    {
                        return;
                    }
                }
            }
            else
            {
                RedisValue[] fields = _db.HashKeys(shard);
                for (int start = 0; start < fields.Length; start += _rangePageSize)
                {
                    RedisValue[] page = fields.AsSpan(start, Math.Min(_rangePageSize, fields.Length - start)).ToArray();
                    RedisValue[] values = _db.HashGet(shard, page);
                    for (int i = 0; i < page.Length; i++)
                    {
                        // A null value: the field was deleted after HKEYS; it was not present for the whole walk.
                        if (!values[i].IsNull && !f(_keys.Deserialize(page[i]), _values.Deserialize(values[i])))
                        {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Go's <c>Range</c> as an asynchronous stream, with the guarantees of <see cref="Range"/>. Stop early with
    /// <c>break</c>.
    /// </summary>
    /// <param name="cancellationToken">Stops the walk (checked before each pair and each round trip).</param>
    /// <returns>The keys and values.</returns>
    public async IAsyncEnumerable<KeyValuePair<TKey, TValue>> RangeAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        RangeStrategy strategy = ResolveRangeStrategy();
        foreach (RedisKey shard in _shards)
        {
            if (strategy == RangeStrategy.Scan)
            {
                var seen = new HashSet<RedisValue>();
                await foreach (HashEntry e in _db.HashScanAsync(shard, default, _rangePageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    if (seen.Add(e.Name))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        yield return new(_keys.Deserialize(e.Name), _values.Deserialize(e.Value));
                    }
                }
            }
            else if (strategy == RangeStrategy.Snapshot)
            {
                foreach (HashEntry e in await _db.HashGetAllAsync(shard).ConfigureAwait(false))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return new(_keys.Deserialize(e.Name), _values.Deserialize(e.Value));
                }
            }
            else
            {
                RedisValue[] fields = await _db.HashKeysAsync(shard).ConfigureAwait(false);
                for (int start = 0; start < fields.Length; start += _rangePageSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    RedisValue[] page = fields.AsSpan(start, Math.Min(_rangePageSize, fields.Length - start)).ToArray();
                    RedisValue[] values = await _db.HashGetAsync(shard, page).ConfigureAwait(false);
                    for (int i = 0; i < page.Length; i++)
                    {
                        if (!values[i].IsNull)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            yield return new(_keys.Deserialize(page[i]), _values.Deserialize(values[i]));
                        }
                    }
                }
            }
        }
    }

    /// <summary>Gets the strategy Range uses on this map's server (<see cref="RangeStrategy.Auto"/> resolved).</summary>
    /// <returns>The option's strategy when it is not <see cref="RangeStrategy.Auto"/>; otherwise <see cref="RangeStrategy.Scan"/> or <see cref="RangeStrategy.Snapshot"/>.</returns>
    public RangeStrategy GetRangeStrategy() => ResolveRangeStrategy();

    private RangeStrategy ResolveRangeStrategy()
    {
        if (_rangeStrategy != RangeStrategy.Auto)
        {
            return _rangeStrategy;
        }

        int known = Volatile.Read(ref _serverKind); // acquire; pairs with the Volatile.Write below
        if (known != 0)
        {
            return (RangeStrategy)known;
        }

        // StackExchange.Redis identifies the product from its connection handshake (no command is sent). Garnet on any
        // endpoint means Snapshot; an endpoint not connected yet is asked again by the next Range.
        bool connected = false;
        foreach (IServer server in _db.Multiplexer.GetServers())
        {
            if (!server.IsConnected)
            {
                continue;
            }

            connected = true;
            if (server.GetProductVariant(out _) == ProductVariant.Garnet)
            {
                return Remember(RangeStrategy.Snapshot);
            }
        }

        return connected ? Remember(RangeStrategy.Scan) : RangeStrategy.Snapshot;
    }

    private RangeStrategy Remember(RangeStrategy s)
    {
        Volatile.Write(ref _serverKind, (int)s); // release; the same value whichever thread writes it
        return s;
    }
}
