// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Redis;

/// <summary>How <see cref="RedisSyncMap{TKey, TValue}.Range"/> walks a hash.</summary>
public enum RangeStrategy
{
    /// <summary>
    /// <see cref="Snapshot"/> on Microsoft Garnet (as StackExchange.Redis identifies the product at connection time; also while no server is connected), whose
    /// <c>HSCAN</c> can skip live fields while others are deleted; <see cref="Scan"/> on every other server.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// <c>HSCAN</c> pages, with the fields already visited remembered so that none is shown twice. Correct where the server
    /// keeps <c>SCAN</c>'s guarantee (Redis, Valkey): a field present for the whole walk is returned at least once.
    /// Memory: one entry per visited field.
    /// </summary>
    Scan = 1,

    /// <summary>
    /// One <c>HGETALL</c> per shard: every field and value of the shard at one moment, in one round trip (what a
    /// hand-written program does). Correct on every server. Memory: the whole shard at once in the client; the server
    /// answers in O(n). For maps too large for that, use more shards or <see cref="PagedSnapshot"/>.
    /// </summary>
    Snapshot = 2,

    /// <summary>
    /// <c>HKEYS</c> (every field of the shard at one moment), then the values by pages of <c>HMGET</c>; fields deleted in
    /// between are skipped. Correct on every server. Memory: every field name of the shard, and one page of values.
    /// </summary>
    PagedSnapshot = 3,
}
