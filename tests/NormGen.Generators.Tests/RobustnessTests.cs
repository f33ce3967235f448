using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NormGen.Generators.Diagnostics;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// Code as it looks while someone is typing it: unfinished, mistyped, on the wrong kind of type.
/// Whatever the compiler makes of it, the generator must not throw, must not report, and must not
/// add a single compiler error or warning; the analyzer must not throw either.
/// </summary>
public sealed class RobustnessTests
{
    public static TheoryData<string> HalfTypedAttributes => new()
    {
        // Unfinished syntax.
        """[LayerNorm("ln", Axes = "D", Shape = [4])] public partial class Model {""",
        """[LayerNorm("ln", Axes = "D", Shape = [4] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4, ])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = )] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4]), ] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4])] public partial class { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4])] public partial class Model<> { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4])] public partial class Model<T { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4])] public partial""",
        """[LayerNorm(""",
        """[LayerNorm("ln""",
        """[LayerNorm("ln", Axes = "D", Shape = [4])]""",

        // Missing arguments.
        """[LayerNorm] public partial class Model { }""",
        """[LayerNorm()] public partial class Model { }""",
        """[LayerNorm(Axes = "D", Shape = [4])] public partial class Model { }""",
        """[TensorLayout] [RmsNorm("rms", Axes = "D", Shape = [4])] public partial class Other { }""",

        // Arguments of the wrong type.
        """[LayerNorm("ln", Axes = "D", Shape = [4], Eps = "x")] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], Eps = null)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = "4")] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4.5])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = ["4"])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4L])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = 4, Shape = [4])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = 'D', Shape = [4])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], ElementType = "float")] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], ElementType = typeof(Missing))] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], ElementType = typeof(System.Collections.Generic.List<>))] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], Bias = 1)] public partial class Model { }""",
        """[LayerNorm(4, Axes = "D", Shape = [4])] public partial class Model { }""",
        """[LayerNorm(nameof(Model), Axes = "D", Shape = [4])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [Undefined])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], Eps = Undefined.Value)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], Unknown = 1)] public partial class Model { }""",
        """[LayerNorm("ln", "extra", Axes = "D", Shape = [4])] public partial class Model { }""",

        // Nulls where values belong.
        """[LayerNorm("ln", Axes = "D", Shape = null)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = null, Shape = [4])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], Layout = null)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], ElementType = null)] public partial class Model { }""",
        """[TensorLayout(null)] [RmsNorm("rms", Axes = "D", Shape = [4])] public partial class Other { }""",
        """[LayerNorm(null!, Axes = "D", Shape = [4])] public partial class Model { }""",

        // Values that are out of range.
        """[LayerNorm("ln", Axes = "D", Shape = [int.MaxValue])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "T,D", Shape = [int.MaxValue, int.MaxValue])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [int.MinValue])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [])] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], Eps = double.Epsilon)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4], Eps = double.MaxValue, ElementType = typeof(double))] public partial class Model { }""",
        """[LayerNorm("ln", Layout = "B,T,D=99999999999", Axes = "D")] public partial class Model { }""",
        """[LayerNorm("ln", Layout = " B , T , D = 4 ", Axes = " D ")] public partial class Model { }""",

        // Attributes the runtime doesn't allow, or allows only once.
        """[TensorLayout("B,T,D")] [RmsNorm("rms", Axes = "D", Shape = [4])] public partial class Other { }""",
        """[LayerNorm("ln", Axes = "D", Shape = [4])] [LayerNorm("ln", Axes = "D", Shape = [4])] public partial class Model { }""",
    };

    public static TheoryData<string> HalfTypedChannelNormAttributes => new()
    {
        // Unfinished syntax.
        """[GroupNorm("gn", ] public partial class Model { }""",
        """[GroupNorm("gn", 2 public partial class Model { }""",
        """[GroupNorm("gn", 2, ] public partial class Model { }""",
        """[BatchNorm("bn", Momentum = )] public partial class Model { }""",
        """[BatchNorm("bn", Momentum = 0.1, ] public partial class Model { }""",
        """[InstanceNorm(""",
        """[InstanceNorm("inorm", Affine = true""",
        """[GroupNorm("gn", 2)]""",
        """[BatchNorm("bn")] public partial class""",

        // Missing constructor arguments.
        """[GroupNorm("gn")] public partial class Model { }""",
        """[GroupNorm] public partial class Model { }""",
        """[GroupNorm()] public partial class Model { }""",
        """[GroupNorm(2)] public partial class Model { }""",
        """[GroupNorm(groups: 2)] public partial class Model { }""",
        """[GroupNorm(name: "gn")] public partial class Model { }""",
        """[GroupNorm(Affine = false)] public partial class Model { }""",
        """[BatchNorm] public partial class Model { }""",
        """[BatchNorm()] public partial class Model { }""",
        """[InstanceNorm(Affine = true)] public partial class Model { }""",

        // Constructor arguments of the wrong type or number.
        """[GroupNorm("gn", "2")] public partial class Model { }""",
        """[GroupNorm("gn", 2.0)] public partial class Model { }""",
        """[GroupNorm("gn", 2L)] public partial class Model { }""",
        """[GroupNorm("gn", null)] public partial class Model { }""",
        """[GroupNorm("gn", 2, 3)] public partial class Model { }""",
        """[GroupNorm(2, "gn")] public partial class Model { }""",
        """[GroupNorm("gn", Groups = 2)] public partial class Model { }""",
        """[GroupNorm("gn", Undefined.Groups)] public partial class Model { }""",
        """[GroupNorm(groups: 2, nam: "gn")] public partial class Model { }""",
        """[BatchNorm("bn", 2)] public partial class Model { }""",
        """[InstanceNorm(null)] public partial class Model { }""",

        // Named arguments of the wrong type.
        """[BatchNorm("bn", Momentum = "0.1")] public partial class Model { }""",
        """[BatchNorm("bn", Momentum = null)] public partial class Model { }""",
        """[BatchNorm("bn", Momentum = 0.1m)] public partial class Model { }""",
        """[BatchNorm("bn", ChannelAxis = null)] public partial class Model { }""",
        """[BatchNorm("bn", ChannelAxis = 'C')] public partial class Model { }""",
        """[BatchNorm("bn", ChannelAxis = 4)] public partial class Model { }""",
        """[BatchNorm("bn", Channels = "4")] public partial class Model { }""",
        """[BatchNorm("bn", Channels = 4.0)] public partial class Model { }""",
        """[BatchNorm("bn", Channels = null)] public partial class Model { }""",
        """[BatchNorm("bn", Channels = uint.MaxValue)] public partial class Model { }""",
        """[BatchNorm("bn", Affine = 1)] public partial class Model { }""",
        """[BatchNorm("bn", Affine = null)] public partial class Model { }""",
        """[BatchNorm("bn", TrackRunningStats = "yes")] public partial class Model { }""",
        """[BatchNorm("bn", CumulativeAverage = 1)] public partial class Model { }""",
        """[BatchNorm("bn", Eps = "x")] public partial class Model { }""",
        """[BatchNorm("bn", ElementType = typeof(System.Half[]))] public partial class Model { }""",
        """[BatchNorm("bn", ElementType = typeof(System.Half?))] public partial class Model { }""",
        """[BatchNorm("bn", Activation = 1)] public partial class Model { }""",
        """[BatchNorm("bn", Activation = "Relu")] public partial class Model { }""",
        """[BatchNorm("bn", Activation = null)] public partial class Model { }""",
        """[BatchNorm("bn", Activation = Activation.Missing)] public partial class Model { }""",
        """[BatchNorm("bn", Activation = (Activation)99)] public partial class Model { }""",
        """[BatchNorm("bn", Activation = 0)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "C", Activation = (Activation)(-7))] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "C", Residual = 1)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "W", Residual = null)] public partial class Model { }""",
        """[RmsNorm("rms", Axes = "W", InputBias = "true")] public partial class Model { }""",
        """[RmsNorm("rms", Axes = "W", ElementType = typeof(System.Half), Eps = 1e-300)] public partial class Model { }""",

        // Options of other kinds of norm.
        """[BatchNorm("bn", Residual = true)] public partial class Model { }""",
        """[GroupNorm("gn", 2, InputBias = true)] public partial class Model { }""",
        """[GroupNorm("gn", 2, Momentum = 0.1)] public partial class Model { }""",
        """[GroupNorm("gn", 2, TrackRunningStats = true)] public partial class Model { }""",
        """[InstanceNorm("inorm", CumulativeAverage = true)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "W", Momentum = 0.1)] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "W", ChannelAxis = "C")] public partial class Model { }""",
        """[BatchNorm("bn", Axes = "C")] public partial class Model { }""",
        """[BatchNorm("bn", Shape = [4])] public partial class Model { }""",

        // Values that are out of range or at the edge.
        """[GroupNorm("gn", int.MaxValue)] public partial class Model { }""",
        """[GroupNorm("gn", int.MinValue)] public partial class Model { }""",
        """[BatchNorm("bn", Channels = int.MaxValue)] public partial class Model { }""",
        """[BatchNorm("bn", Channels = int.MinValue)] public partial class Model { }""",
        """[BatchNorm("bn", Layout = "N,C=2147483647,H=2147483647,W=2147483647")] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "C", Layout = "N,C=2147483647,H=2147483647,W=2147483647")] public partial class Model { }""",
        """[LayerNorm("ln", Axes = "N,C", Layout = "N=2147483647,C=2147483647,H=2")] public partial class Model { }""",
        """[BatchNorm("bn", Layout = "N,C=99999999999")] public partial class Model { }""",
        """[BatchNorm("bn", Momentum = double.Epsilon)] public partial class Model { }""",
        """[BatchNorm("bn", Momentum = double.MaxValue)] public partial class Model { }""",
        """[InstanceNorm("inorm", Layout = "N,C=1")] public partial class Model { }""",
        """[BatchNorm("bn", Layout = "N")] public partial class Model { }""",
        """[BatchNorm("bn", Layout = "C")] public partial class Model { }""",
        """[BatchNorm("bn", Layout = "C=4")] public partial class Model { }""",
        """[GroupNorm("gn", 2, Layout = "N,C=4,H=1,W=1")] public partial class Model { }""",
        """[BatchNorm("bn", ChannelAxis = "")] public partial class Model { }""",
        """[BatchNorm("bn", ChannelAxis = "C,H")] public partial class Model { }""",
        """[BatchNorm("bn", ChannelAxis = " C ")] public partial class Model { }""",
        """[BatchNorm("bn", Layout = " N , C = 4 , H = 2 ")] public partial class Model { }""",

        // Several norms of one name, or of one type over several attributes.
        """[BatchNorm("bn")] [GroupNorm("bn", 2)] [InstanceNorm("Bn")] public partial class Model { }""",
        """[BatchNorm("bn")] [BatchNorm("bn")] public partial class Model { }""",
    };

    public static TheoryData<string> ModelTypeDeclarations => new()
    {
        // Kinds of types the attributes can or cannot go on.
        "public partial struct Model { }",
        "public partial record Model(int Width);",
        "public partial record struct Model(int Width);",
        "public static partial class Model { }",
        "public ref partial struct Model { }",
        "public partial interface Model { }",
        "public enum Model { A }",
        "public delegate void Model();",
        "public class Holder { [LayerNorm(\"ln\", Axes = \"D\", Shape = [4])] public void Model() { } }",

        // Types the generator cannot add to.
        "public class Model { }",
        "public struct Model { }",
        "public record Model;",
        "public class Outer { public partial class Model { } }",
        "public partial class Outer { public class Middle { public partial class Model { } } }",
        "file partial class Model { }",
        "file class Model { }",
        "file partial class Outer { public partial class Model { } }",

        // Names the emitted code must spell carefully.
        "public partial class @class { }",
        "public partial class Model<@int> { }",
        "public partial class Outer { public partial class @event { } }",
        "public partial class Model { public partial class Ln { } }",
        "public partial class Model : Base { } public class Base { public int Ln; }",
        "public partial class Model : Base { } public class Base { public class Ln { } }",
        "public partial class Model : Base { } public class Base { private int Ln; }",
        "public partial class Модель { }",
    };

    [Theory]
    [MemberData(nameof(HalfTypedAttributes))]
    public Task Half_typed_or_mistyped_attributes(string declaration) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        {{declaration}}
        """);

    [Theory]
    [MemberData(nameof(HalfTypedChannelNormAttributes))]
    public Task Half_typed_or_mistyped_attributes_of_the_newer_kinds(string declaration) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        {{declaration}}
        """);

    [Theory]
    [MemberData(nameof(ModelTypeDeclarations))]
    public Task Norm_attributes_on_every_kind_of_declaration(string declaration) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
        {{declaration}}
        """);

    [Theory]
    [MemberData(nameof(ModelTypeDeclarations))]
    public Task Channel_norm_attributes_on_every_kind_of_declaration(string declaration) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("ln")]
        [GroupNorm("gn", 2)]
        {{declaration}}
        """);

    [Theory]
    [InlineData("namespace @event;")]
    [InlineData("namespace Outer.@class.Inner;")]
    [InlineData("namespace System;")]
    [InlineData("namespace NormGen;")]
    [InlineData("namespace NormGen.Kernels;")]
    public Task Models_in_awkward_namespaces(string namespaceDeclaration) => VerifyAsync(
        $$"""
        using NormGen;

        {{namespaceDeclaration}}

        [NormGen.TensorLayout("B,T,D")]
        [NormGen.LayerNorm("ln", Axes = "D", Shape = [4])]
        public partial class Model { }
        """);

    [Fact]
    public Task A_user_type_that_shadows_the_runtime_names_the_emitted_code_uses() => VerifyAsync(
        """
        using NormGen;

        namespace Shadowing
        {
            public class System { }
            public class Span<T> { }
            public class MathF { }
            public class Math { }
            public class Half { }
            public class Vector512 { }
            public class Vector128<T> { }
            public class MemoryExtensions { }
            public class MemoryMarshal { }
            public class BitConverter { }
            public enum Activation { Other }

            [TensorLayout("B,T,D")]
            [LayerNorm("ln", Axes = "D", Shape = [4])]
            [RmsNorm("rms", Axes = "D", Shape = [4], ElementType = typeof(double))]
            [LayerNorm("half", Axes = "D", Shape = [4], ElementType = typeof(global::System.Half), Residual = true, InputBias = true, Activation = NormGen.Activation.Gelu)]
            [LayerNorm("columns", Layout = "N,C=4,H=2,W=2", Axes = "C", Activation = NormGen.Activation.Silu)]
            [BatchNorm("bn", Layout = "N,C=4,H=2,W=2", ElementType = typeof(global::System.Half), Activation = NormGen.Activation.Relu)]
            [GroupNorm("gn", 2, Layout = "N,H=2,W=2,C=4")]
            [InstanceNorm("inorm", Layout = "N,C=4,L=8", Affine = true, TrackRunningStats = true)]
            public partial class Model
            {
                public class Kernels { }
                public class Unsafe { }
                public class KernelArguments { }
                public class RowScheduler { }
                public class Activations { }
                public class HalfConversion { }
                public class ReductionPlan { }
                public class PartialSums { }
                public class BatchStatistics { }
                public class Vector256 { }
                public class Parallel { }
                public class Volatile { }
            }
        }
        """);

    [Fact]
    public Task A_user_defined_norm_attribute_is_ignored_without_hiding_the_real_ones() => VerifyAsync(
        """
        using NormGen;

        public sealed class CustomNormAttribute : NormAttribute
        {
            public CustomNormAttribute(string name) : base(name) { }
        }

        [TensorLayout("B,T,D")]
        [CustomNorm("custom", Axes = "D", Shape = [4])]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Ln"]);

    private static async Task VerifyAsync(string source, string[]? emitted = null)
    {
        GeneratorRun run = await GeneratorRun.OfAsync(source);
        run.AssertCleanRun();
        if (emitted is not null)
        {
            Assert.Equal(emitted, run.KernelNames);
        }

        ImmutableArray<Diagnostic> analyzerDiagnostics = await run.Input
            .WithAnalyzers([new NormAttributeAnalyzer()])
            .GetAnalyzerDiagnosticsAsync();
        Assert.DoesNotContain(analyzerDiagnostics, d => d.Id == "AD0001");
    }
}
