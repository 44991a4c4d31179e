// Licensed under the MIT license. See LICENSE in the repository root.

#if !NET9_0_OR_GREATER
using System.Threading;

namespace GoSync.Internal;

/// <summary>A plain object used with the <c>lock</c> statement (Monitor) on runtimes without System.Threading.Lock.</summary>
internal sealed class MonitorLock
{
    /// <summary>Whether the calling thread holds this lock.</summary>
    public bool IsHeldByCurrentThread => Monitor.IsEntered(this);
}
#endif
