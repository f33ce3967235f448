using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace NormGen.Tests.Concurrency;

/// <summary>
/// Kernels are called from any number of threads without locks, which is only safe while nothing
/// static changes: no static field of the runtime or of a generated kernel may be writable, nor a
/// read-only array whose elements could be. The one exception is the worker limit, a setting each call
/// reads once, which changes how the work is split but not the results (<see cref="WorkerCountTests"/>).
/// </summary>
public sealed class StaticStateTests
{
    private static readonly string[] Settings = ["NormGen.Kernels.RowScheduler.s_maxWorkers"];

    [Fact]
    public void The_runtime_has_no_mutable_static_state_but_its_settings() =>
        AssertNoMutableStatics(typeof(LayerNormAttribute).Assembly.GetTypes(), Settings);

    [Fact]
    public void Generated_kernels_have_no_mutable_static_state()
    {
        List<Type> kernels = typeof(StaticStateTests).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<System.CodeDom.Compiler.GeneratedCodeAttribute>()?.Tool == "NormGen")
            .ToList();

        // Every kind of kernel the test project declares is among them.
        Assert.True(kernels.Count >= 100, $"only {kernels.Count} generated kernels found");
        AssertNoMutableStatics(kernels.SelectMany(WithNested));
    }

    [Fact]
    public void The_check_sees_writable_and_array_statics() =>
        Assert.Equal(["s_counter", "s_table"], MutableStatics([typeof(Counterexample)]).Select(f => f.Name).Order());

    private static void AssertNoMutableStatics(IEnumerable<Type> types, string[]? settings = null)
    {
        List<FieldInfo> mutable = MutableStatics(types).Where(f => settings?.Contains($"{f.DeclaringType}.{f.Name}") != true).ToList();
        Assert.True(mutable.Count == 0, "Mutable static fields: " + string.Join(", ", mutable.Select(f => $"{f.DeclaringType}.{f.Name}")));
    }

    private static IEnumerable<FieldInfo> MutableStatics(IEnumerable<Type> types) => types
        // Lambda caches the compiler writes once, idempotently, are not program state.
        .Where(t => t.GetCustomAttribute<CompilerGeneratedAttribute>() is null && !t.Name.StartsWith('<'))
        .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        .Where(f => !f.IsLiteral && (!f.IsInitOnly || f.FieldType.IsArray))
        .Where(f => f.GetCustomAttribute<CompilerGeneratedAttribute>() is null || !f.IsInitOnly);

    private static IEnumerable<Type> WithNested(Type type) => type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).SelectMany(WithNested).Prepend(type);

#pragma warning disable CS0169, CS0649, IDE0044, IDE0051
    private static class Counterexample
    {
        private static int s_counter;
        private static readonly int[] s_table = [1];
        private static readonly int s_constant = 1;
        private const int Limit = 1;
    }
#pragma warning restore CS0169, CS0649, IDE0044, IDE0051
}
