// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace GoSync.Redis.Internal;

/// <summary>
/// A Lua script run by <c>EVALSHA</c>, falling back to <c>EVAL</c> (which also caches it on the server) when the server
/// answers <c>NOSCRIPT</c> (first use, a restarted server, <c>SCRIPT FLUSH</c>). A NOSCRIPT reply means nothing ran,
/// so the retry cannot apply the script twice.
/// </summary>
internal sealed class Script
{
    private readonly string _text;
    private readonly byte[] _sha1;

    private Script(string text)
    {
        _text = text;
#pragma warning disable CA5350 // SHA-1 is what EVALSHA names scripts by; it is not used for security.
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350
    }

    /// <summary>The script's text, as sent by <c>EVAL</c>.</summary>
    public string Text => _text;

    public RedisResult Evaluate(IDatabase db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return db.ScriptEvaluate(_sha1, keys, args);
        }
        catch (RedisServerException e) when (IsNoScript(e))
        {
            return db.ScriptEvaluate(_text, keys, args);
        }
    }

    public async Task<RedisResult> EvaluateAsync(IDatabase db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(_sha1, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (IsNoScript(e))
        {
            return await db.ScriptEvaluateAsync(_text, keys, args).ConfigureAwait(false);
        }
    }

    private static bool IsNoScript(RedisServerException e) => e.Message.StartsWith("NOSCRIPT", StringComparison.OrdinalIgnoreCase);

    // Each script names the one hash it touches in KEYS[1] (so it is atomic and cluster-safe); ARGV[1] is the field.
    // HGET returns false (Lua) for a missing field, which a script returns as a nil reply.

    /// <summary>Swap: returns the previous value (nil when absent) and stores ARGV[2].</summary>
    public static readonly Script Swap = new(
        "local p = redis.call('HGET', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return p");

    /// <summary>LoadOrStore: returns the present value, or stores ARGV[2] and returns nil.</summary>
    public static readonly Script LoadOrStore = new(
        "local v = redis.call('HGET', KEYS[1], ARGV[1]) if v then return v end redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return false");

    /// <summary>LoadAndDelete: returns the value (nil when absent) and deletes the field.</summary>
    public static readonly Script LoadAndDelete = new(
        "local v = redis.call('HGET', KEYS[1], ARGV[1]) if v then redis.call('HDEL', KEYS[1], ARGV[1]) end return v");

    /// <summary>CompareAndSwap: stores ARGV[3] and returns 1 if the value's bytes equal ARGV[2]; 0 otherwise (absent included).</summary>
    public static readonly Script CompareAndSwap = new(
        "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end return 0");

    /// <summary>CompareAndDelete: deletes the field and returns 1 if its value's bytes equal ARGV[2]; 0 otherwise.</summary>
    public static readonly Script CompareAndDelete = new(
        "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end return 0");
}
