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
    [MemberData(nameof(ModelTypeDeclarations))]
    public Task Norm_attributes_on_every_kind_of_declaration(string declaration) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
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
            public class Vector512 { }

            [TensorLayout("B,T,D")]
            [LayerNorm("ln", Axes = "D", Shape = [4])]
            [RmsNorm("rms", Axes = "D", Shape = [4], ElementType = typeof(double))]
            public partial class Model
            {
                public class Kernels { }
                public class Unsafe { }
                public class KernelArguments { }
                public class RowScheduler { }
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
