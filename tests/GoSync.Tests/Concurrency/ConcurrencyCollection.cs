// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Tests.Concurrency;

/// <summary>
/// The stress and linearizability tests run one at a time and after the parallel part of the
/// suite, so that their threads get the machine's cores instead of sharing them with other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConcurrencyCollection
{
    public const string Name = "GoSync.Concurrency";
}
