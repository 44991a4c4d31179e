// Licensed under the MIT license. See LICENSE in the repository root.

using System.Reflection;
using Microsoft.Coyote.SystematicTesting;

namespace GoSync.CoyoteTests;

/// <summary>The scenarios together call every public method and property of <see cref="SyncMap{TKey, TValue}"/>, and each has an xunit test.</summary>
public sealed class ApiCoverageTests
{
    [Fact]
    public void EveryPublicOperation_AppearsInSomeScenario()
    {
        // Constructors are not operations; the enumerator's own members are reached through GetEnumerator.
        var publicMembers = typeof(SyncMap<,>)
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Select(Signature)
            .ToHashSet();
        var called = new HashSet<string>();
        Scenario.CoverageSink = called;
        try
        {
            foreach (MethodInfo scenario in ScenarioMethods())
            {
                // One schedule each: the fixed scenarios call the same members on every schedule.
                CoyoteRunner.Run(scenario.Name, scenario.CreateDelegate<Func<Task>>(), iterations: 1);
            }
        }
        finally
        {
            Scenario.CoverageSink = null;
        }

        Assert.Empty(publicMembers.Except(called).Order());
        Assert.Empty(called.Except(publicMembers).Order()); // a name the scenarios record that is not a member: a typo
    }

    [Fact]
    public void EveryScenario_HasATest()
    {
        var tests = typeof(ScenarioTests).GetMethods().Where(m => m.GetCustomAttribute<FactAttribute>() is not null).Select(m => m.Name);
        Assert.Equal(ScenarioMethods().Select(m => m.Name).Order(), tests.Order());
    }

    private static IEnumerable<MethodInfo> ScenarioMethods() =>
        typeof(Scenarios).GetMethods().Where(m => m.GetCustomAttribute<TestAttribute>() is not null);

    private static string Signature(MethodInfo m) =>
        $"{m.Name}({string.Join(",", m.GetParameters().Select(p => p.ParameterType.Name))})";
}
