using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generators.Model;
using NormGen.Generators.Parsing;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// A kernel type cannot be named like one of its own members, so the parser keeps the names each
/// emitter declares in a kernel (<see cref="KernelMemberNames"/>) and reports a norm named after one
/// (NG0017). These tests read the members off generated kernels of every kind, so an emitter that
/// declares a new name fails here until the list has it.
/// </summary>
public sealed class KernelMemberNameTests
{
    public static TheoryData<string> EveryKindOfKernel =>
    [
        """[LayerNorm("probe", Axes = "W")]""",
        """[LayerNorm("probe", Axes = "W", Residual = true, InputBias = true, ElementType = typeof(System.Half), Activation = Activation.Gelu)]""",
        """[RmsNorm("probe", Axes = "W", ElementType = typeof(double), ElementwiseAffine = false, Residual = true)]""",
        """[LayerNorm("probe", Axes = "W", ElementwiseAffine = false, InputBias = true, Activation = Activation.Relu)]""",
        """[LayerNorm("probe", Axes = "C")]""",
        """[RmsNorm("probe", Axes = "C", ElementType = typeof(System.Half), Activation = Activation.Silu)]""",
        """[LayerNorm("probe", Axes = "C,H", ElementType = typeof(double), ElementwiseAffine = false)]""",
        """[BatchNorm("probe")]""",
        """[BatchNorm("probe", Layout = "N,H=2,W=2,C=4", ElementType = typeof(System.Half), Activation = Activation.Relu)]""",
        """[BatchNorm("probe", Layout = "N,C=4", TrackRunningStats = false, Affine = false, ElementType = typeof(double))]""",
        """[BatchNorm("probe", CumulativeAverage = true, Activation = Activation.GeluTanh)]""",
        """[GroupNorm("probe", 2)]""",
        """[GroupNorm("probe", 2, Layout = "N,H=2,W=2,C=4", ElementType = typeof(System.Half), Affine = false, Activation = Activation.Silu)]""",
        """[InstanceNorm("probe", TrackRunningStats = true, Affine = true)]""",
        """[InstanceNorm("probe", Layout = "N,L=4,C=4", ElementType = typeof(double), Activation = Activation.Gelu)]""",
    ];

    [Theory]
    [MemberData(nameof(EveryKindOfKernel))]
    public async Task Every_member_a_kernel_declares_is_a_reserved_name(string attribute)
    {
        GeneratorRun run = await GeneratorRun.OfAsync(
            $$"""
            using NormGen;

            [TensorLayout("N,C=4,H=2,W=2")]
            {{attribute}}
            public partial class Model { }
            """);
        run.AssertCleanRun();
        NormSpec norm = Assert.Single(run.PlannedNorms);

        ClassDeclarationSyntax? kernel = run.GeneratedSources
            .SelectMany(source => source.SyntaxTree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            .SingleOrDefault(type => type.Identifier.Text == "Probe");
        if (kernel is null)
        {
            // No kernel written for this kind (yet): no names to reserve.
            return;
        }

        List<string> missing = kernel.Members.SelectMany(NamesOf).Distinct()
            .Where(name => !KernelMemberNames.Contains(norm, name))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(
            missing.Count == 0,
            $"The {norm.Kind} kernel ({norm.Geometry.Kind}) declares members that KernelMemberNames does not reserve; add them to "
            + $"generators/NormGen.Generators/Parsing/KernelMemberNames.cs: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task A_norm_named_after_each_of_a_kernels_members_is_reported_not_broken()
    {
        // One model per emitter, with a norm named after every member its kernel declares.
        string[] probes =
        [
            """[LayerNorm("probe", Axes = "W")]""",
            """[LayerNorm("probe", Axes = "C")]""",
            """[BatchNorm("probe")]""",
            """[GroupNorm("probe", 2)]""",
        ];

        foreach (string probe in probes)
        {
            GeneratorRun generated = await GeneratorRun.OfAsync($"using NormGen;\n[TensorLayout(\"N,C=4,H=2,W=2\")]\n{probe}\npublic partial class Model {{ }}");
            ClassDeclarationSyntax? kernel = generated.GeneratedSources
                .SelectMany(source => source.SyntaxTree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
                .SingleOrDefault(type => type.Identifier.Text == "Probe");
            if (kernel is null)
            {
                continue;
            }

            List<string> names = kernel.Members.SelectMany(NamesOf).Distinct().ToList();
            string attributes = string.Join("\n", names.Select(name => probe.Replace("\"probe\"", $"\"{char.ToLowerInvariant(name[0])}{name[1..]}\"")));
            string source = $"using NormGen;\n[TensorLayout(\"N,C=4,H=2,W=2\")]\n{attributes}\npublic partial class Model {{ }}";

            GeneratorRun run = await GeneratorRun.OfAsync(source);
            run.AssertCleanRun();
            Assert.Empty(run.PlannedKernelNames);

            List<string> reported = await DiagnosticVerifier.AnalyzerMessagesAsync(source);
            Assert.Equal(names.Count, reported.Count(message => message.Contains("the kernel type itself", StringComparison.Ordinal)));
        }
    }

    [Theory]
    [InlineData("""[BatchNorm("rowLength")]""")]          // a row kernel's member, not a channel kernel's
    [InlineData("""[GroupNorm("rowCount", 2)]""")]
    [InlineData("""[LayerNorm("momentum", Axes = "W")]""")]
    [InlineData("""[LayerNorm("channels", Axes = "C")]""")]
    [InlineData("""[RmsNorm("spatial", Axes = "W")]""")]
    [InlineData("""[InstanceNorm("inner")]""")]
    public async Task A_name_reserved_by_one_kind_of_kernel_is_free_for_the_others(string attribute)
    {
        GeneratorRun run = await GeneratorRun.OfAsync($"using NormGen;\n[TensorLayout(\"N,C=4,H=2,W=2\")]\n{attribute}\npublic partial class Model {{ }}");
        run.AssertCleanRun();
        Assert.Single(run.PlannedKernelNames);
    }

    private static IEnumerable<string> NamesOf(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax method => [method.Identifier.Text],
        PropertyDeclarationSyntax property => [property.Identifier.Text],
        EventDeclarationSyntax @event => [@event.Identifier.Text],
        BaseTypeDeclarationSyntax type => [type.Identifier.Text],
        DelegateDeclarationSyntax @delegate => [@delegate.Identifier.Text],
        BaseFieldDeclarationSyntax field => field.Declaration.Variables.Select(v => v.Identifier.Text),
        _ => [],
    };
}
