using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// What the generator writes for typical models, compared line for line with the files under
/// <c>Snapshots/</c> (see <see cref="Snapshot"/> to accept a deliberate change). Each test also
/// compiles the generated code together with a caller of the documented kernel API, and requires
/// that compilation to be free of errors and warnings.
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public Task LayerNorm_over_the_last_axis_with_weight_and_bias() => VerifyAsync(
        snapshot: "LayerNormFloatWithWeightAndBias.g.cs",
        hintName: "Transformer.Block.g.cs",
        """
        using NormGen;

        namespace Transformer;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln1", Axes = "D", Shape = [768])]
        public partial class Block
        {
        }
        """,
        """
        using System;
        using Transformer;

        internal static class Caller
        {
            public static void Train(float[] x, float[] w, float[] b, float[] y, float[] mean, float[] rstd, float[] dy, float[] dx, float[] dw, float[] db)
            {
                _ = Block.Ln1.RowCount(x.Length);
                Block.Ln1.Forward(x, w, b, y);
                Block.Ln1.Forward(x, w, b, y, mean, rstd);
                Block.Ln1.Forward(x, w, b, y, Span<float>.Empty, Span<float>.Empty);
                Block.Ln1.Backward(dy, x, w, mean, rstd, dx, dw, db);
                Block.Ln1.Backward(dy, x, w, mean, rstd, dx, Span<float>.Empty, Span<float>.Empty);
                _ = Block.Ln1.RowLength == 768 && Block.Ln1.Epsilon == 1e-5f && Block.Ln1.NormalizedShape[0] == 768;
            }
        }
        """);

    [Fact]
    public Task RmsNorm_in_double_without_affine_parameters_in_the_global_namespace() => VerifyAsync(
        snapshot: "RmsNormDoubleWithoutAffine.g.cs",
        hintName: "Decoder.g.cs",
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [RmsNorm("finalNorm", Axes = "D", Shape = [512], ElementType = typeof(double), ElementwiseAffine = false, Eps = 1e-6)]
        internal partial class Decoder
        {
        }
        """,
        """
        internal static class Caller
        {
            public static void Train(double[] x, double[] y, double[] rstd, double[] dy, double[] dx)
            {
                _ = Decoder.FinalNorm.RowCount(x.Length);
                Decoder.FinalNorm.Forward(x, y);
                Decoder.FinalNorm.Forward(x, y, rstd);
                Decoder.FinalNorm.Backward(dy, x, rstd, dx);
                _ = Decoder.FinalNorm.RowLength == 512 && Decoder.FinalNorm.Epsilon == 1e-6;
            }
        }
        """);

    [Fact]
    public Task Nested_generic_model_with_two_kinds_of_norm_in_a_namespace() => VerifyAsync(
        snapshot: "NestedGenericModel.g.cs",
        hintName: "Models.Vision.Backbone_1.Stage_1.g.cs",
        """
        using NormGen;

        namespace Models.Vision
        {
            public partial class Backbone<TScalar>
            {
                [TensorLayout("B,T,D=96")]
                [LayerNorm("preNorm", Axes = "D")]
                [RmsNorm("postNorm", Axes = "D", Eps = 1e-6)]
                internal sealed partial class Stage<TConfig> where TConfig : class
                {
                }
            }
        }
        """,
        """
        using Models.Vision;

        internal static class Caller
        {
            public static void Train(float[] x, float[] w, float[] b, float[] y, float[] rstd)
            {
                Backbone<int>.Stage<string>.PreNorm.Forward(x, w, b, y);
                Backbone<int>.Stage<string>.PostNorm.Forward(x, w, y, rstd);
                _ = Backbone<int>.Stage<string>.PostNorm.Epsilon == 1e-6f;
            }
        }
        """);

    [Fact]
    public Task LayerNorm_over_channels_and_space_with_extents_from_the_layout() => VerifyAsync(
        snapshot: "LayerNormOverChwFromLayoutExtents.g.cs",
        hintName: "Vision.ConvStem.g.cs",
        """
        using NormGen;

        namespace Vision;

        [TensorLayout("N,C=64,H=32,W=32")]
        [LayerNorm("stemNorm", Axes = "C,H,W")]
        public partial class ConvStem
        {
        }
        """,
        """
        using Vision;

        internal static class Caller
        {
            public static void Train(float[] x, float[] w, float[] b, float[] y, float[] mean, float[] rstd, float[] dy, float[] dx, float[] dw, float[] db)
            {
                ConvStem.StemNorm.Forward(x, w, b, y, mean, rstd);
                ConvStem.StemNorm.Backward(dy, x, w, mean, rstd, dx, dw, db);
                _ = ConvStem.StemNorm.RowLength == 64 * 32 * 32 && ConvStem.StemNorm.NormalizedShape.Length == 3;
            }
        }
        """);

    [Fact]
    public async Task Generated_code_is_warning_free_in_a_project_that_builds_documentation()
    {
        const string source = """
            using NormGen;

            /// <summary>A model whose project builds XML documentation.</summary>
            [TensorLayout("B,T,D")]
            [LayerNorm("ln1", Axes = "D", Shape = [8])]
            [RmsNorm("rms", Axes = "D", Shape = [8])]
            public partial class DocumentedModel
            {
            }
            """;

        var test = new NormGeneratorTest(buildsDocumentation: true)
        {
            CompilerDiagnostics = CompilerDiagnostics.Warnings,
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        test.TestState.Sources.Add(source);
        await test.RunAsync();
    }

    private static async Task VerifyAsync(string snapshot, string hintName, params string[] sources)
    {
        if (Snapshot.Accepting)
        {
            GeneratorRun run = await GeneratorRun.OfAsync(sources);
            Snapshot.Accept(snapshot, run.TextOf(hintName));
        }

        var test = new NormGeneratorTest { CompilerDiagnostics = CompilerDiagnostics.Warnings };
        foreach (string source in sources)
        {
            test.TestState.Sources.Add(source);
        }

        test.TestState.GeneratedSources.Add((typeof(NormGenerator), hintName, SourceText.From(Snapshot.Read(snapshot), Encoding.UTF8)));
        await test.RunAsync();
    }
}
