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
/// Valid declarations in all the shapes users write them: the analyzer stays silent (no false
/// positives) and the generator emits every norm, in code that compiles cleanly.
/// </summary>
public sealed class ValidModelTests
{
    [Theory]
    [InlineData("""[LayerNorm("ln", Axes = "D", Shape = [768])]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "D", Shape = [768], Eps = 1e-6, Bias = false)]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "D", Shape = [768], ElementwiseAffine = false, Bias = false)]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "D", Shape = [3], ElementType = typeof(double))]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "T,D", Shape = [4, 5])]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "B,T,D", Shape = [1, 1, 1])]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Layout = "N,C,H=7,W=7", Axes = "H,W")]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Layout = "N,C,H=7,W=7", Axes = "H,W", Shape = [7, 7])]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "T,D", Shape = [8192, 8192])]""", "Ln")]  // exactly the longest row
    [InlineData("""[RmsNorm("rms", Axes = "D", Shape = [4096])]""", "Rms")]
    [InlineData("""[RmsNorm("rms", Axes = "D", Shape = [4096], Eps = 1e-6, ElementwiseAffine = false)]""", "Rms")]
    [InlineData("""[RmsNorm("rms", Axes = "D", Shape = [5], ElementType = typeof(System.Double))]""", "Rms")]
    [InlineData("""[LayerNorm("ln_f", Axes = "D", Shape = [4])]""", "Ln_f")]
    [InlineData("""[LayerNorm("_private", Axes = "D", Shape = [4])]""", "_private")]
    [InlineData("""[LayerNorm("норма", Axes = "D", Shape = [4])]""", "Норма")]
    [InlineData("""[LayerNorm(name: "ln", Axes = "D", Shape = [Dims.D])]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "D", Shape = new[] { 4 })]""", "Ln")]
    [InlineData("""[LayerNorm(Dims.Name, Axes = Dims.Axis, Shape = [4], Eps = Dims.Eps)]""", "Ln")]
    public async Task A_single_norm_is_accepted_and_emitted(string attribute, string kernel)
    {
        string source = $$"""
            using NormGen;

            static class Dims
            {
                public const int D = 4;
                public const string Name = "ln";
                public const string Axis = "D";
                public const double Eps = 1e-3;
            }

            [TensorLayout("B,T,D")]
            {{attribute}}
            public partial class Model { }
            """;

        await VerifyAsync(source, "Model." + kernel);
    }

    [Theory]
    // LayerNorm and RMSNorm over interior blocks: channels-first LayerNorm and its relatives.
    [InlineData("""[LayerNorm("ln", Axes = "C")]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "C", Eps = 1e-6, ElementwiseAffine = false)]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "C", Bias = false, ElementType = typeof(double))]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "C,H")]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "H")]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "C", Shape = [8])]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "C", Layout = "N,C,H=4,W=4", Shape = [8])]""", "Ln")]
    [InlineData("""[RmsNorm("rms", Axes = "C")]""", "Rms")]
    [InlineData("""[RmsNorm("rms", Axes = "C", ElementwiseAffine = false, ElementType = typeof(System.Half))]""", "Rms")]
    // Half, fusions and activations over trailing axes.
    [InlineData("""[LayerNorm("ln", Axes = "W", ElementType = typeof(System.Half))]""", "Ln")]
    [InlineData("""[RmsNorm("rms", Axes = "H,W", ElementType = typeof(System.Half), Eps = 1e-6)]""", "Rms")]
    [InlineData("""[LayerNorm("ln", Axes = "W", Residual = true)]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "C,H,W", InputBias = true, ElementType = typeof(double))]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "W", Residual = true, InputBias = true, Activation = Activation.Gelu, ElementType = typeof(System.Half))]""", "Ln")]
    [InlineData("""[RmsNorm("rms", Axes = "W", Residual = true, ElementwiseAffine = false)]""", "Rms")]
    [InlineData("""[RmsNorm("rms", Axes = "W", InputBias = true, Activation = Activation.Silu)]""", "Rms")]
    [InlineData("""[LayerNorm("ln", Axes = "C", Activation = Activation.GeluTanh)]""", "Ln")]
    [InlineData("""[LayerNorm("ln", Axes = "W", Activation = Activation.Relu, ElementwiseAffine = false)]""", "Ln")]
    // BatchNorm.
    [InlineData("""[BatchNorm("bn")]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Momentum = 0)]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Momentum = 1)]""", "Bn")]
    [InlineData("""[BatchNorm("bn", CumulativeAverage = true)]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Affine = false, TrackRunningStats = false)]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Channels = 8, Eps = 1e-3)]""", "Bn")]
    [InlineData("""[BatchNorm("bn", ElementType = typeof(System.Half), Activation = Activation.Relu)]""", "Bn")]
    [InlineData("""[BatchNorm("bn", ElementType = typeof(double), Momentum = 0.01)]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Layout = "N,C=16")]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Layout = "N,C=16,L=32")]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Layout = "N,C=4,D=2,H=2,W=2")]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Layout = "N,H=4,W=4,C=16")]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Layout = "N,C,H=4,W=4", Channels = 16)]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Layout = "N,F=16,T=8", ChannelAxis = "F")]""", "Bn")]
    [InlineData("""[BatchNorm("bn", Layout = "N,T=8,F=16", ChannelAxis = "F")]""", "Bn")]
    // GroupNorm.
    [InlineData("""[GroupNorm("gn", 1)]""", "Gn")]
    [InlineData("""[GroupNorm("gn", 2)]""", "Gn")]
    [InlineData("""[GroupNorm("gn", 8)]""", "Gn")]
    [InlineData("""[GroupNorm("gn", 4, Affine = false, Eps = 1e-6)]""", "Gn")]
    [InlineData("""[GroupNorm("gn", 4, ElementType = typeof(System.Half), Activation = Activation.Silu)]""", "Gn")]
    [InlineData("""[GroupNorm(groups: 4, name: "gn")]""", "Gn")]
    [InlineData("""[GroupNorm("gn", Dims.Groups)]""", "Gn")]
    [InlineData("""[GroupNorm("gn", 32, Layout = "N,H=8,W=8,C=64")]""", "Gn")]
    // InstanceNorm.
    [InlineData("""[InstanceNorm("inorm")]""", "Inorm")]
    [InlineData("""[InstanceNorm("inorm", Affine = true)]""", "Inorm")]
    [InlineData("""[InstanceNorm("inorm", TrackRunningStats = true, Momentum = 0.2)]""", "Inorm")]
    [InlineData("""[InstanceNorm("inorm", ElementType = typeof(System.Half), Affine = true, TrackRunningStats = true)]""", "Inorm")]
    [InlineData("""[InstanceNorm("inorm", Layout = "N,C=3,H=32,W=32", ElementType = typeof(double))]""", "Inorm")]
    [InlineData("""[InstanceNorm("inorm", Layout = "N,L=32,C=3")]""", "Inorm")]
    public async Task A_single_norm_of_every_kind_is_accepted_and_emitted(string attribute, string kernel)
    {
        string source = $$"""
            using NormGen;

            static class Dims
            {
                public const int Groups = 4;
            }

            [TensorLayout("N,C=8,H=4,W=4")]
            {{attribute}}
            public partial class Model { }
            """;

        await VerifyAsync(source, "Model." + kernel);
    }

    [Fact]
    public Task Every_kind_of_norm_side_by_side_on_one_layout() => VerifyAsync(
        """
        using System;
        using NormGen;

        namespace Vision;

        [TensorLayout("N,C=16,H=8,W=8")]
        [BatchNorm("bn1")]
        [LayerNorm("ln", Axes = "C")]
        [RmsNorm("rms", Axes = "C,H,W", ElementType = typeof(Half))]
        [GroupNorm("gn", 4, Activation = Activation.Silu)]
        [InstanceNorm("inorm", Affine = true)]
        [LayerNorm("rowNorm", Axes = "H,W", Residual = true)]
        [BatchNorm("bnLast", Layout = "N,H=8,W=8,C=16", ElementType = typeof(Half))]
        public partial class ResNetStage { }
        """,
        "ResNetStage.Bn1", "ResNetStage.BnLast", "ResNetStage.Gn", "ResNetStage.Inorm", "ResNetStage.Ln", "ResNetStage.Rms", "ResNetStage.RowNorm");

    [Fact]
    public Task Channel_norms_on_every_kind_of_model_type() => VerifyAsync(
        [
            """
            using NormGen;

            [TensorLayout("N,C=4,H=2,W=2")]
            [BatchNorm("bn")]
            public partial struct Model { }

            [TensorLayout("N,C=4,H=2,W=2")]
            [GroupNorm("gn", 2)]
            public partial record Record(int Width);

            public partial class Outer<T>
            {
                [TensorLayout("N,C=4,H=2,W=2")]
                [InstanceNorm("inorm")]
                internal static partial class Inner { }
            }
            """,
        ],
        ["Inner.Inorm", "Model.Bn", "Record.Gn"]);

    [Theory]
    [InlineData("public partial struct Model { }")]
    [InlineData("public readonly partial struct Model { }")]
    [InlineData("public ref partial struct Model { }")]
    [InlineData("public partial record Model(int Width);")]
    [InlineData("public partial record struct Model(int Width);")]
    [InlineData("public readonly partial record struct Model(int Width);")]
    [InlineData("public sealed partial class Model { }")]
    [InlineData("public abstract partial class Model { }")]
    [InlineData("public static partial class Model { }")]
    [InlineData("public unsafe partial class Model { }")]
    [InlineData("internal partial class Model : System.IDisposable { public void Dispose() { } }")]
    [InlineData("public partial class Model<T> where T : struct, System.IComparable<T> { }")]
    public Task Any_partial_class_struct_or_record_can_be_a_model(string declaration) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [8])]
        {{declaration}}
        """,
        "Model.Ln");

    [Fact]
    public Task A_model_nested_in_a_struct_an_interface_and_a_generic_class() => VerifyAsync(
        """
        using NormGen;

        namespace Deep.Name.Space;

        public partial struct Outer
        {
            public partial interface IMiddle
            {
                public partial class Inner<T>
                {
                    [TensorLayout("B,T,D")]
                    [RmsNorm("rms", Axes = "D", Shape = [8])]
                    public partial class Model { }
                }
            }
        }
        """,
        "Model.Rms");

    [Fact]
    public Task Norms_spread_over_partial_declarations_in_several_files_are_emitted_once_in_one_file() => VerifyAsync(
        [
            """
            using NormGen;

            [TensorLayout("B,T,D")]
            public partial class Model { }
            """,
            """
            using NormGen;

            [RmsNorm("rms", Axes = "D", Shape = [8])]
            [LayerNorm("ln1", Axes = "D", Shape = [8])]
            public partial class Model { }
            """,
            """
            using NormGen;

            [LayerNorm("ln2", Axes = "D", Shape = [8])]
            [RmsNorm("rms2", Axes = "D", Shape = [8])]
            public partial class Model { }
            """,
        ],
        ["Model.Ln1", "Model.Ln2", "Model.Rms", "Model.Rms2"]);

    [Fact]
    public Task Norms_of_several_kinds_over_partial_declarations_are_emitted_once_whichever_comes_first() => VerifyAsync(
        [
            """
            using NormGen;

            [TensorLayout("N,C=8,H=2,W=2")]
            [GroupNorm("gn", 2)]
            public partial class Model { }
            """,
            """
            using NormGen;

            [BatchNorm("bn")]
            [LayerNorm("ln", Axes = "C")]
            public partial class Model { }
            """,
            """
            using NormGen;

            [InstanceNorm("inorm")]
            [RmsNorm("rms", Axes = "W")]
            public partial class Model { }
            """,
        ],
        ["Model.Bn", "Model.Gn", "Model.Inorm", "Model.Ln", "Model.Rms"]);

    [Fact]
    public Task Models_with_the_same_name_in_different_places_get_their_own_files() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [8])]
        public partial class Model { }

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [8])]
        public partial class Model<T> { }

        namespace Other
        {
            [TensorLayout("B,T,D")]
            [LayerNorm("ln", Axes = "D", Shape = [8])]
            public partial class Model { }

            public partial class Outer
            {
                [TensorLayout("B,T,D")]
                [LayerNorm("ln", Axes = "D", Shape = [8])]
                public partial class Model { }
            }
        }
        """,
        "Model.Ln", "Model.Ln", "Model.Ln", "Model.Ln");

    [Fact]
    public async Task The_generated_kernels_do_not_count_as_conflicting_members()
    {
        // Once the generator has run, the model type has a member named after each kernel; the
        // analyzer, which sees the generated code in the IDE and in the build, must not take it for NG0017.
        GeneratorRun run = await GeneratorRun.OfAsync(
            """
            using NormGen;

            [TensorLayout("N,C=8,H=2,W=2")]
            [LayerNorm("ln1", Axes = "W")]
            [RmsNorm("rms", Axes = "W")]
            [LayerNorm("channels", Axes = "C")]
            [BatchNorm("bn")]
            [GroupNorm("gn", 2)]
            [InstanceNorm("inorm")]
            public partial class Model { }
            """);
        run.AssertCleanRun();
        run.AssertEmitted(["Model.Bn", "Model.Channels", "Model.Gn", "Model.Inorm", "Model.Ln1", "Model.Rms"]);

        ImmutableArray<Diagnostic> diagnostics = await run.Output
            .WithAnalyzers([new NormAttributeAnalyzer()])
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);
    }

    [Fact]
    public Task A_project_without_unsafe_code_and_without_norms_gets_no_NG0014() => VerifyAsync(
        ["""
        using NormGen;

        [TensorLayout("B,T,D")]
        public partial class Model { }

        public class Plain { }
        """],
        [],
        allowUnsafe: false);

    private static Task VerifyAsync(string source, params string[] emitted) => VerifyAsync([source], emitted);

    private static async Task VerifyAsync(string[] sources, string[] emitted, bool allowUnsafe = true)
    {
        var test = new NormAttributeAnalyzerTest(allowUnsafe);
        test.TestState.Sources.AddRange(sources.Select((s, i) => ($"/0/Test{i}.cs", Microsoft.CodeAnalysis.Text.SourceText.From(s))));
        await test.RunAsync();

        GeneratorRun run = await GeneratorRun.OfAsync(sources, allowUnsafe);
        run.AssertCleanRun();
        run.AssertEmitted(emitted);
    }
}
