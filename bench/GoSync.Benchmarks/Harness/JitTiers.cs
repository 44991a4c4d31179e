// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Reflection;

namespace GoSync.Benchmarks.Harness;

/// <summary>
/// Which methods have optimized code, as the runtime reports it: an in-process listener of the runtime's JIT events
/// (the "Microsoft-Windows-DotNETRuntime" event source, JIT keyword), which records every method that got a fully
/// optimized body (tier 1, or optimized from the start, as methods marked AggressiveOptimization are). Used by
/// <see cref="JitWarmup"/> to check that the method a measurement enters runs tier-1 code, not tier-0 code that
/// on-stack replacement patches up mid-loop.
/// </summary>
/// <remarks>
/// Each MethodLoadVerbose event carries the method's MethodDesc (MethodID, the <see cref="RuntimeMethodHandle.Value"/> the
/// warm-up looks up: they matched for the int-key loops and for the string-key ones, whose code is shared across
/// reference-type instantiations; their warm-ups end without the warning) and its optimization tier in bits 7-9 of
/// MethodFlags, numbered as the runtime's JitOptimizationTier: 2 Optimized, 3 QuickJitted, 4 OptimizedTier1,
/// 5 OptimizedTier1OSR, 6 InstrumentedTier. Events arrive on the listener's dispatch thread, some milliseconds after
/// the compilation.
/// </remarks>
public sealed class JitTiers : EventListener
{
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private const int TierOptimized = 2;
    private const int TierOptimizedTier1 = 4;

    private static readonly object s_gate = new();
    private static JitTiers? s_instance;

    // Guarded by _optimizedGate: MethodDescs with an optimized body, and whether any JIT event arrived at all.
    private readonly object _optimizedGate = new();
    private readonly HashSet<nint> _optimized = [];
    private bool _sawEvents;

    private JitTiers()
    {
    }

    /// <summary>Starts the process-wide listener (once); the later calls do nothing.</summary>
    public static void Start()
    {
        lock (s_gate)
        {
            s_instance ??= new JitTiers();
        }
    }

    /// <summary>
    /// Whether the listener has seen any JIT event: false if it was not started or the runtime's events are off
    /// (DOTNET_EnableEventPipe=0, for instance), and then <see cref="IsOptimized"/> can tell nothing.
    /// </summary>
    public static bool Available
    {
        get
        {
            JitTiers? t = s_instance;
            if (t is null)
            {
                return false;
            }

            lock (t._optimizedGate)
            {
                return t._sawEvents;
            }
        }
    }

    /// <summary>Whether <paramref name="method"/> has been compiled with full optimization (tier 1 or optimized from the start).</summary>
    public static bool IsOptimized(MethodBase method)
    {
        JitTiers? t = s_instance;
        if (t is null)
        {
            return false;
        }

        nint id = method.MethodHandle.Value;
        lock (t._optimizedGate)
        {
            return t._optimized.Contains(id);
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, JitKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is null || !eventData.EventName.StartsWith("MethodLoadVerbose", StringComparison.Ordinal) ||
            eventData.PayloadNames is null || eventData.Payload is null)
        {
            return;
        }

        int idAt = eventData.PayloadNames.IndexOf("MethodID");
        int flagsAt = eventData.PayloadNames.IndexOf("MethodFlags");
        if (idAt < 0 || flagsAt < 0)
        {
            return;
        }

        nint id = (nint)Convert.ToUInt64(eventData.Payload[idAt]);
        int tier = (int)((Convert.ToUInt32(eventData.Payload[flagsAt]) >> 7) & 0x7);
        lock (_optimizedGate)
        {
            _sawEvents = true;
            if (tier is TierOptimizedTier1 or TierOptimized)
            {
                _optimized.Add(id);
            }
        }
    }
}
