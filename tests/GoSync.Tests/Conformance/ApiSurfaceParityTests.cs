// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Reflection;

namespace GoSync.Tests.Conformance;

/// <summary>
/// The public surface of <see cref="SyncMap{TKey, TValue}"/> is a superset of
/// <see cref="ConcurrentDictionary{TKey, TValue}"/>'s on the running runtime (.NET 10), checked by reflection on the
/// open generic types: every public instance constructor, method, property and indexer of ConcurrentDictionary has
/// a counterpart with the same name, parameter types, parameter names and return type, so code written against
/// ConcurrentDictionary compiles unchanged against SyncMap (apart from the exclusions below).
/// </summary>
public sealed class ApiSurfaceParityTests
{
    private const BindingFlags PublicInstance = BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static readonly Type s_cd = typeof(ConcurrentDictionary<,>);
    private static readonly Type s_map = typeof(SyncMap<,>);

    /// <summary>ConcurrentDictionary methods SyncMap deliberately does not mirror.</summary>
    private static readonly HashSet<string> s_excludedMethods =
    [
        // SyncMap returns a public struct enumerator instead of IEnumerator<KVP> (so foreach does not allocate);
        // checked separately by GetEnumerator_ReturnsThePublicStructEnumerator.
        "GetEnumerator",
    ];

    [Fact]
    public void EveryConcurrentDictionaryConstructor_HasACounterpart()
    {
        string[] missing = s_cd.GetConstructors(PublicInstance)
            .Select(Signature)
            .Except(s_map.GetConstructors(PublicInstance).Select(Signature))
            .ToArray();
        Assert.True(missing.Length == 0, "SyncMap lacks ConcurrentDictionary's constructors:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void EveryConcurrentDictionaryMethod_HasACounterpart()
    {
        MethodInfo[] cdMethods = s_cd.GetMethods(PublicInstance).Where(m => !m.IsSpecialName && !s_excludedMethods.Contains(m.Name)).ToArray();
        Assert.True(cdMethods.Length >= 14, $"expected ConcurrentDictionary's public methods, found {cdMethods.Length}");

        var mapSignatures = s_map.GetMethods(PublicInstance).Where(m => !m.IsSpecialName).Select(Signature).ToHashSet();
        string[] missing = cdMethods.Select(Signature).Where(s => !mapSignatures.Contains(s)).ToArray();
        Assert.True(
            missing.Length == 0,
            "SyncMap lacks (or differs on) ConcurrentDictionary's methods:\n" + string.Join("\n", missing)
            + "\n\nSyncMap has:\n" + string.Join("\n", mapSignatures.Order()));
    }

    [Fact]
    public void EveryMemberOfConcurrentDictionarysAlternateLookup_HasACounterpart()
    {
        Type cdLookup = s_cd.GetNestedType("AlternateLookup`1")!;
        Type mapLookup = s_map.GetNestedType("AlternateLookup`1")!;
        Assert.NotNull(cdLookup);
        Assert.NotNull(mapLookup);
        Assert.True(mapLookup.IsValueType);
        MethodInfo[] cdMethods = cdLookup.GetMethods(PublicInstance).Where(m => !m.IsSpecialName).ToArray();
        Assert.True(cdMethods.Length >= 6, $"expected AlternateLookup's methods, found {cdMethods.Length}");
        var mapMethods = mapLookup.GetMethods(PublicInstance).Where(m => !m.IsSpecialName).Select(Signature).ToHashSet();
        string[] missing = cdMethods.Select(Signature).Where(sig => !mapMethods.Contains(sig))
            .Concat(cdLookup.GetProperties(PublicInstance).Select(Signature).Except(mapLookup.GetProperties(PublicInstance).Select(Signature)))
            .ToArray();
        Assert.True(missing.Length == 0, "SyncMap's AlternateLookup lacks:\n" + string.Join("\n", missing) + "\n\nIt has:\n" + string.Join("\n", mapMethods.Order()));

        // And what ConcurrentDictionary's lacks (issue 9).
        foreach (string name in new[] { "GetOrAdd", "LoadOrStore", "Store", "LoadAndDelete", "LoadOrCompute" })
        {
            Assert.Contains(mapLookup.GetMethods(PublicInstance), m => m.Name == name);
        }
    }

    [Fact]
    public void ExcludedMethods_ExistOnConcurrentDictionary()
    {
        // Keeps the exclusion list honest: each name must still be a ConcurrentDictionary method.
        var names = s_cd.GetMethods(PublicInstance).Select(m => m.Name).ToHashSet();
        Assert.All(s_excludedMethods, name => Assert.Contains(name, names));
    }

    [Fact]
    public void EveryConcurrentDictionaryPropertyAndIndexer_HasACounterpart()
    {
        PropertyInfo[] cdProperties = s_cd.GetProperties(PublicInstance);
        Assert.Contains(cdProperties, p => p.GetIndexParameters().Length == 1);

        var mapSignatures = s_map.GetProperties(PublicInstance).Select(Signature).ToHashSet();
        string[] missing = cdProperties.Select(Signature).Where(s => !mapSignatures.Contains(s)).ToArray();
        Assert.True(
            missing.Length == 0,
            "SyncMap lacks (or differs on) ConcurrentDictionary's properties:\n" + string.Join("\n", missing)
            + "\n\nSyncMap has:\n" + string.Join("\n", mapSignatures.Order()));
    }

    [Fact]
    public void GenericMethods_HaveTheSameArityAndConstraints()
    {
        foreach (MethodInfo cdMethod in s_cd.GetMethods(PublicInstance).Where(m => m.IsGenericMethodDefinition && !s_excludedMethods.Contains(m.Name)))
        {
            MethodInfo mapMethod = s_map.GetMethods(PublicInstance).Single(m => Signature(m) == Signature(cdMethod));
            Type[] cdArgs = cdMethod.GetGenericArguments();
            Type[] mapArgs = mapMethod.GetGenericArguments();
            Assert.Equal(cdArgs.Length, mapArgs.Length);
            for (int i = 0; i < cdArgs.Length; i++)
            {
                string what = $"{Signature(cdMethod)}, type parameter {cdArgs[i].Name}";
                Assert.Equal(cdArgs[i].Name, mapArgs[i].Name);

                // Includes AllowByRefLike: ConcurrentDictionary's TArg is 'allows ref struct'.
                Assert.True(
                    cdArgs[i].GenericParameterAttributes == mapArgs[i].GenericParameterAttributes,
                    $"{what}: SyncMap has {mapArgs[i].GenericParameterAttributes}, ConcurrentDictionary {cdArgs[i].GenericParameterAttributes}");
                Assert.Equal(
                    cdArgs[i].GetGenericParameterConstraints().Select(TypeName).Order(),
                    mapArgs[i].GetGenericParameterConstraints().Select(TypeName).Order());
            }
        }

        // The one constraint that matters today, stated directly.
        // Every generic GetOrAdd, including the one that reports 'added' (dotnet/runtime#79934), which CD lacks.
        MethodInfo[] getOrAdds = s_map.GetMethods(PublicInstance).Where(m => m.Name == "GetOrAdd" && m.IsGenericMethodDefinition).ToArray();
        Assert.Equal(2, getOrAdds.Length);
        Assert.All(getOrAdds, getOrAdd => Assert.True(getOrAdd.GetGenericArguments()[0].GenericParameterAttributes.HasFlag(GenericParameterAttributes.AllowByRefLike)));
        MethodInfo addOrUpdate = s_map.GetMethods(PublicInstance).Single(m => m.Name == "AddOrUpdate" && m.IsGenericMethodDefinition);
        Assert.True(addOrUpdate.GetGenericArguments()[0].GenericParameterAttributes.HasFlag(GenericParameterAttributes.AllowByRefLike));
    }

    [Fact]
    public void NullableAnnotations_MatchConcurrentDictionary()
    {
        // A drop-in replacement must not change the nullable warnings callers get: compare the nullability of every
        // parameter and return value, and the nullable-analysis attributes ([MaybeNullWhen(false)] and friends).
        var context = new NullabilityInfoContext();
        var differences = new List<string>();
        foreach (MethodBase cdMember in s_cd.GetMethods(PublicInstance).Where(m => !s_excludedMethods.Contains(m.Name)).Cast<MethodBase>().Concat(s_cd.GetConstructors(PublicInstance)))
        {
            string signature = Signature(cdMember);
            MethodBase? mapMember = s_map.GetMethods(PublicInstance).Cast<MethodBase>().Concat(s_map.GetConstructors(PublicInstance)).SingleOrDefault(m => Signature(m) == signature);
            if (mapMember is null)
            {
                continue; // Reported by the counterpart tests.
            }

            ParameterInfo[] cdParameters = cdMember.GetParameters();
            ParameterInfo[] mapParameters = mapMember.GetParameters();
            for (int i = 0; i < cdParameters.Length; i++)
            {
                string want = Nullability(context, cdParameters[i]);
                string got = Nullability(context, mapParameters[i]);
                if (want != got)
                {
                    differences.Add($"{signature} parameter {cdParameters[i].Name}: SyncMap {got}, ConcurrentDictionary {want}");
                }
            }

            if (cdMember is MethodInfo cdMethod && mapMember is MethodInfo mapMethod)
            {
                string want = Nullability(context, cdMethod.ReturnParameter);
                string got = Nullability(context, mapMethod.ReturnParameter);
                if (want != got)
                {
                    differences.Add($"{signature} return: SyncMap {got}, ConcurrentDictionary {want}");
                }
            }
        }

        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public void GetEnumerator_ReturnsThePublicStructEnumerator()
    {
        MethodInfo getEnumerator = s_map.GetMethod("GetEnumerator", PublicInstance, Type.EmptyTypes)
            ?? throw new InvalidOperationException("SyncMap has no public GetEnumerator()");
        Type enumerator = getEnumerator.ReturnType;
        Assert.True(enumerator.IsValueType, $"GetEnumerator returns {enumerator}, expected a struct");
        Assert.True(enumerator.IsNestedPublic, $"{enumerator} is not a public nested type");
        Assert.Equal("Enumerator", enumerator.Name);
        Assert.Equal(s_map, enumerator.DeclaringType);

        Type closed = typeof(SyncMap<int, string>.Enumerator);
        Assert.Equal(closed, typeof(SyncMap<int, string>).GetMethod("GetEnumerator", Type.EmptyTypes)!.ReturnType);
        Assert.True(typeof(IEnumerator<KeyValuePair<int, string>>).IsAssignableFrom(closed));
        Assert.True(typeof(IDisposable).IsAssignableFrom(closed));
    }

    [Fact]
    public void EveryInterfaceOfConcurrentDictionary_IsImplemented()
    {
        Type[] cdInterfaces = typeof(ConcurrentDictionary<Guid, string>).GetInterfaces();
        Type[] mapInterfaces = typeof(SyncMap<Guid, string>).GetInterfaces();
        Assert.True(cdInterfaces.Length >= 8);
        Type[] missing = cdInterfaces.Except(mapInterfaces).ToArray();
        Assert.True(missing.Length == 0, "SyncMap does not implement: " + string.Join(", ", missing.Select(t => t.ToString())));
    }

    [Fact]
    public void SyncMap_IsASealedClassInNamespaceGoSync_WithNotNullKey()
    {
        Assert.True(s_map.IsClass);
        Assert.True(s_map.IsSealed);
        Assert.True(s_map.IsPublic);
        Assert.Equal("GoSync", s_map.Namespace);
        Assert.Equal("SyncMap`2", s_map.Name);

        Type[] parameters = s_map.GetGenericArguments();
        Assert.Equal(["TKey", "TValue"], parameters.Select(p => p.Name));

        // 'where TKey : notnull' is metadata for the compiler: nullable state 1 (not null) on the type parameter,
        // either on the parameter itself or inherited from the type's [NullableContext]. Same as ConcurrentDictionary.
        Type cdKey = s_cd.GetGenericArguments()[0];
        Assert.Equal((byte?)1, TypeParameterNullableState(cdKey));
        Assert.Equal((byte?)1, TypeParameterNullableState(parameters[0]));
        Assert.Equal(TypeParameterNullableState(s_cd.GetGenericArguments()[1]), TypeParameterNullableState(parameters[1]));
        Assert.Equal(GenericParameterAttributes.None, parameters[0].GenericParameterAttributes & GenericParameterAttributes.SpecialConstraintMask);
    }

    private static byte? TypeParameterNullableState(Type parameter)
    {
        CustomAttributeData? own = parameter.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.NullableAttribute");
        if (own is not null)
        {
            return own.ConstructorArguments[0].Value as byte?;
        }

        CustomAttributeData? context = parameter.DeclaringType!.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.NullableContextAttribute");
        return context?.ConstructorArguments[0].Value as byte?;
    }

    private static string Nullability(NullabilityInfoContext context, ParameterInfo parameter)
    {
        NullabilityInfo info = context.Create(parameter);
        IEnumerable<string> attributes = parameter.GetCustomAttributesData()
            .Where(a => a.AttributeType.Namespace == typeof(MaybeNullWhenAttribute).Namespace)
            .Select(a => a.AttributeType.Name + "(" + string.Join(", ", a.ConstructorArguments.Select(c => c.Value)) + ")")
            .Order();
        return $"{info.ReadState}/{info.WriteState} [{string.Join(", ", attributes)}]";
    }

    /// <summary>
    /// A member's signature with type parameters written by position (!0 = TKey, !1 = TValue, !!0 = a method's
    /// first type parameter) and both map types written as SELF, so the two types' signatures compare as strings.
    /// </summary>
    private static string Signature(MethodBase method)
    {
        string returns = method is MethodInfo m ? TypeName(m.ReturnType) + " " : "";
        string arity = method.IsGenericMethodDefinition ? $"``{method.GetGenericArguments().Length}" : "";
        string parameters = string.Join(", ", method.GetParameters().Select(Parameter));
        string name = method is ConstructorInfo ? ".ctor" : method.Name;
        return $"{returns}{name}{arity}({parameters})";
    }

    private static string Signature(PropertyInfo property)
    {
        string index = property.GetIndexParameters().Length == 0 ? "" : "[" + string.Join(", ", property.GetIndexParameters().Select(Parameter)) + "]";
        string accessors = (property.GetGetMethod() is null ? "" : " get;") + (property.GetSetMethod() is null ? "" : " set;");
        return $"{TypeName(property.PropertyType)} {property.Name}{index} {{{accessors} }}";
    }

    private static string Parameter(ParameterInfo p) =>
        (p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : "")
        + (p.IsOptional ? "optional " : "")
        + (p.IsDefined(typeof(ParamArrayAttribute)) ? "params " : "")
        + TypeName(p.ParameterType) + " " + p.Name;

    private static string TypeName(Type type)
    {
        if (type.IsByRef)
        {
            return TypeName(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (type.IsGenericParameter)
        {
            return (type.DeclaringMethod is null ? "!" : "!!") + type.GenericParameterPosition.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (type.IsGenericType)
        {
            Type definition = type.GetGenericTypeDefinition();
            string name = definition == s_cd || definition == s_map ? "SELF"
                : definition.DeclaringType == s_cd || definition.DeclaringType == s_map ? "SELF+" + definition.Name // AlternateLookup`1
                : definition.FullName!;
            return name + "<" + string.Join(", ", type.GetGenericArguments().Select(TypeName)) + ">";
        }

        return type.FullName ?? type.Name;
    }

    [Fact]
    public void Signature_TellsTKeyFromTValue_AndOutFromByValue()
    {
        // Guards the comparison itself: a helper that wrote every type parameter the same way would pass anything.
        MethodInfo tryGetValue = s_cd.GetMethod("TryGetValue")!;
        Assert.Equal("System.Boolean TryGetValue(!0 key, out !1 value)", Signature(tryGetValue));
        MethodInfo getOrAdd = s_cd.GetMethods().Single(m => m.Name == "GetOrAdd" && m.IsGenericMethodDefinition);
        Assert.Equal("!1 GetOrAdd``1(!0 key, System.Func`3<!0, !!0, !1> valueFactory, !!0 factoryArgument)", Signature(getOrAdd));
        Assert.NotEqual(Signature(s_cd.GetMethod("TryAdd")!), Signature(s_cd.GetMethod("TryUpdate")!));

        // ... and the nullability text sees the attributes it compares.
        string outValue = Nullability(new NullabilityInfoContext(), s_map.GetMethod("TryGetValue")!.GetParameters()[1]);
        Assert.Contains("MaybeNullWhenAttribute(False)", outValue, StringComparison.Ordinal);
    }
}
