// Licensed under the MIT license. See LICENSE in the repository root.

// The map's single lock. On .NET 9+ it is System.Threading.Lock (cheaper than Monitor on an object);
// on .NET 8 a small class locked with Monitor that offers the same IsHeldByCurrentThread check.
#if NET9_0_OR_GREATER
global using SyncLock = System.Threading.Lock;
#else
global using SyncLock = GoSync.Internal.MonitorLock;
#endif
