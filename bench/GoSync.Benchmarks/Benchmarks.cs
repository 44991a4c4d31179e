// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Workloads;

namespace GoSync.Benchmarks;

// One class per benchmark of Go's map_bench_test.go, named as in Go 1.19 (the newest Go tree prefixes each with
// "Map": BenchmarkMapLoadMostlyHits), in Go's order, plus the string-key and struct-value variants of LoadMostlyHits,
// LoadOrStoreBalanced and Range. Program.Benchmarks lists them in this order.

public class LoadMostlyHits : GoMapBenchmark<int, int, LoadMostlyHitsWorkload<int, int, IntKeys>>;

public class LoadMostlyHitsStringKeys : GoMapBenchmark<string, int, LoadMostlyHitsWorkload<string, int, StringKeys>>;

public class LoadMostlyHitsStructValues : GoMapBenchmark<int, Struct32, LoadMostlyHitsWorkload<int, Struct32, StructValues>>;

public class LoadMostlyMisses : GoMapBenchmark<int, int, LoadMostlyMissesWorkload>;

public class LoadOrStoreBalanced : GoMapBenchmark<int, int, LoadOrStoreBalancedWorkload<int, int, IntKeys>>;

public class LoadOrStoreBalancedStringKeys : GoMapBenchmark<string, int, LoadOrStoreBalancedWorkload<string, int, StringKeys>>;

public class LoadOrStoreBalancedStructValues : GoMapBenchmark<int, Struct32, LoadOrStoreBalancedWorkload<int, Struct32, StructValues>>;

public class LoadOrStoreUnique : GoMapBenchmark<int, int, LoadOrStoreUniqueWorkload>;

public class LoadOrStoreCollision : GoMapBenchmark<int, int, LoadOrStoreCollisionWorkload>;

public class LoadAndDeleteBalanced : GoMapBenchmark<int, int, LoadAndDeleteBalancedWorkload>;

public class LoadAndDeleteUnique : GoMapBenchmark<int, int, LoadAndDeleteUniqueWorkload>;

public class LoadAndDeleteCollision : GoMapBenchmark<int, int, LoadAndDeleteCollisionWorkload>;

public class Range : GoMapBenchmark<int, int, RangeWorkload<int, int, IntKeys>>;

public class RangeStringKeys : GoMapBenchmark<string, int, RangeWorkload<string, int, StringKeys>>;

public class RangeStructValues : GoMapBenchmark<int, Struct32, RangeWorkload<int, Struct32, StructValues>>;

public class AdversarialAlloc : GoMapBenchmark<int, int, AdversarialAllocWorkload>;

public class AdversarialDelete : GoMapBenchmark<int, int, AdversarialDeleteWorkload>;

public class DeleteCollision : GoMapBenchmark<int, int, DeleteCollisionWorkload>;

public class SwapCollision : GoMapBenchmark<int, int, SwapCollisionWorkload>;

public class SwapMostlyHits : GoMapBenchmark<int, int, SwapMostlyHitsWorkload>;

public class SwapMostlyMisses : GoMapBenchmark<int, int, SwapMostlyMissesWorkload>;

public class CompareAndSwapCollision : GoMapBenchmark<int, int, CompareAndSwapCollisionWorkload>;

public class CompareAndSwapNoExistingKey : GoMapBenchmark<int, int, CompareAndSwapNoExistingKeyWorkload>;

public class CompareAndSwapValueNotEqual : GoMapBenchmark<int, int, CompareAndSwapValueNotEqualWorkload>;

public class CompareAndSwapMostlyHits : GoMapBenchmark<int, int, CompareAndSwapMostlyHitsWorkload>;

public class CompareAndSwapMostlyMisses : GoMapBenchmark<int, int, CompareAndSwapMostlyMissesWorkload>;

public class CompareAndDeleteCollision : GoMapBenchmark<int, int, CompareAndDeleteCollisionWorkload>;

public class CompareAndDeleteMostlyHits : GoMapBenchmark<int, int, CompareAndDeleteMostlyHitsWorkload>;

public class CompareAndDeleteMostlyMisses : GoMapBenchmark<int, int, CompareAndDeleteMostlyMissesWorkload>;

public class Clear : GoMapBenchmark<int, int, ClearWorkload>;

// Not in Go's map_bench_test.go: the write-side patterns of issue 8 (Workloads/WriteSideWorkloads.cs).

public class LoadAbsentPendingDirty : GoMapBenchmark<int, int, LoadAbsentPendingDirtyWorkload>;

public class LoadOrStoreHotKeys : GoMapBenchmark<int, int, LoadOrStoreHotKeysWorkload>;

public class GrowOnlyCache : GoMapBenchmark<int, int, GrowOnlyCacheWorkload>;

public class SlidingWindowChurn : GoMapBenchmark<int, int, SlidingWindowChurnWorkload>;

// Not in Go's map_bench_test.go: get-or-create with a value factory on present keys, issue 9
// (Workloads/FactoryWorkloads.cs).

public class LoadOrComputeHits : GoMapBenchmark<int, int, LoadOrComputeHitsWorkload>;

public class GetOrAddFactoryHits : GoMapBenchmark<int, int, GetOrAddFactoryHitsWorkload>;
