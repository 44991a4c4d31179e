// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;

namespace GoSync.Tests.BadInput;

/// <summary>
/// Every single-key operation of <see cref="SyncMap{TKey, TValue}"/> (plus Range, Count and Clear)
/// applied to the map under test and, separately, to a plain <see cref="Dictionary{TKey, TValue}"/>
/// standing for the sequential specification, each returning (bool, value) so the two can be compared.
/// </summary>
internal static class SingleKeyOps
{
    public const int Kinds = 24;

    public static string Name(int kind) => kind switch
    {
        0 => "Load",
        1 => "Store",
        2 => "LoadOrStore",
        3 => "LoadAndDelete",
        4 => "Delete",
        5 => "Swap",
        6 => "CompareAndSwap",
        7 => "CompareAndDelete",
        8 => "TryAdd",
        9 => "TryUpdate",
        10 => "TryRemove(key)",
        11 => "TryRemove(pair)",
        12 => "GetOrAdd(factory)",
        13 => "GetOrAdd(value)",
        14 => "GetOrAdd<TArg>",
        15 => "AddOrUpdate(factories)",
        16 => "AddOrUpdate(value)",
        17 => "AddOrUpdate<TArg>",
        18 => "TryGetValue",
        19 => "this[key] get",
        20 => "this[key] set",
        21 => "ContainsKey",
        22 => "Range",
        _ => "Clear",
    };

    /// <summary>The update function every AddOrUpdate uses.</summary>
    public static string Update(string current) => current + "+";

    /// <summary>Runs operation <paramref name="kind"/> on the map.</summary>
    public static (bool Ok, string? Value) OnMap(SyncMap<string, string> map, int kind, string key, string value, string old)
    {
        switch (kind)
        {
            case 0: return (map.Load(key, out string? v0), v0);
            case 1: map.Store(key, value); return (true, null);
            case 2: { string a = map.LoadOrStore(key, value, out bool loaded); return (loaded, a); }
            case 3: return (map.LoadAndDelete(key, out string? v3), v3);
            case 4: map.Delete(key); return (true, null);
            case 5: return (map.Swap(key, value, out string? v5), v5);
            case 6: return (map.CompareAndSwap(key, old, value), null);
            case 7: return (map.CompareAndDelete(key, old), null);
            case 8: return (map.TryAdd(key, value), null);
            case 9: return (map.TryUpdate(key, value, old), null);
            case 10: return (map.TryRemove(key, out string? v10), v10);
            case 11: return (map.TryRemove(KeyValuePair.Create(key, old)), null);
            case 12: return (true, map.GetOrAdd(key, _ => value));
            case 13: return (true, map.GetOrAdd(key, value));
            case 14: return (true, map.GetOrAdd(key, static (_, v) => v, value));
            case 15: return (true, map.AddOrUpdate(key, _ => value, static (_, c) => Update(c)));
            case 16: return (true, map.AddOrUpdate(key, value, static (_, c) => Update(c)));
            case 17: return (true, map.AddOrUpdate(key, static (_, v) => v, static (_, c, _) => Update(c), value));
            case 18: return (map.TryGetValue(key, out string? v18), v18);
            case 19:
                try
                {
                    return (true, map[key]);
                }
                catch (KeyNotFoundException)
                {
                    return (false, null);
                }

            case 20: map[key] = value; return (true, null);
            case 21: return (map.ContainsKey(key), null);
            case 22:
            {
                int visited = 0;
                map.Range((_, _) =>
                {
                    visited++;
                    return true;
                });
                return (true, visited.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            default: map.Clear(); return (true, null);
        }
    }

    /// <summary>Runs operation <paramref name="kind"/> on the sequential model.</summary>
    public static (bool Ok, string? Value) OnModel(Dictionary<string, string> model, int kind, string key, string value, string old)
    {
        bool has = model.TryGetValue(key, out string? current);
        switch (kind)
        {
            case 0 or 18: return (has, has ? current : null);
            case 1 or 20: model[key] = value; return (true, null);
            case 2:
                if (has)
                {
                    return (true, current);
                }

                model[key] = value;
                return (false, value);
            case 3 or 10: model.Remove(key); return (has, has ? current : null);
            case 4: model.Remove(key); return (true, null);
            case 5: model[key] = value; return (has, has ? current : null);
            case 6 or 9:
                if (has && current == old)
                {
                    model[key] = value;
                    return (true, null);
                }

                return (false, null);
            case 7 or 11:
                if (has && current == old)
                {
                    model.Remove(key);
                    return (true, null);
                }

                return (false, null);
            case 8:
                if (has)
                {
                    return (false, null);
                }

                model[key] = value;
                return (true, null);
            case 12 or 13 or 14:
                if (!has)
                {
                    model[key] = value;
                }

                return (true, has ? current : value);
            case 15 or 16 or 17:
                model[key] = has ? Update(current!) : value;
                return (true, model[key]);
            case 19: return (has, has ? current : null);
            case 21: return (has, null);
            case 22: return (true, model.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            default: model.Clear(); return (true, null);
        }
    }
}
