using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// What the generator writes for fused row norms — Half storage, the residual and input-bias adds in
/// front, an activation after — compared with the files under <c>Snapshots/</c>, and compiled with a
/// caller of every overload the fused kernels add, free of errors and warnings.
/// </summary>
public sealed class FusedRowSnapshotTests
{
    [Fact]
    public Task Half_LayerNorm_with_residual_add_and_gelu() => VerifyAsync(
        snapshot: "FusedHalfResidualGeluLayerNorm.g.cs",
        hintName: "Transformer.Block.g.cs",
        """
        using System;
        using NormGen;

        namespace Transformer;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln2", Axes = "D", Shape = [768], ElementType = typeof(Half), Residual = true, Activation = Activation.Gelu)]
        public partial class Block
        {
        }
        """,
        """
        using System;
        using Transformer;

        internal static class Caller
        {
            public static void Train(Half[] x, Half[] res, Half[] w, Half[] b, Half[] y, Half[] sum, float[] mean, float[] rstd, Half[] dy, Half[] dx, Half[] dw, Half[] db)
            {
                Block.Ln2.Forward(x, res, w, b, y, sum);
                Block.Ln2.Forward(x, res, w, b, y, sum, mean, rstd);
                Block.Ln2.Backward(dy, sum, w, b, mean, rstd, dx, dw, db);
                Block.Ln2.Backward(dy, sum, w, b, mean, rstd, dx, Span<Half>.Empty, Span<Half>.Empty);
                _ = Block.Ln2.RowLength == 768 && Block.Ln2.Epsilon == 1e-5f;
            }
        }
        """);

    [Fact]
    public Task Float_RmsNorm_with_input_bias_residual_and_silu_over_long_rows() => VerifyAsync(
        snapshot: "FusedFloatInputBiasResidualSiluRmsNorm.g.cs",
        hintName: "Decoder.g.cs",
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [RmsNorm("mlpNorm", Axes = "D", Shape = [4096], Eps = 1e-6, InputBias = true, Residual = true, Activation = Activation.Silu)]
        internal partial class Decoder
        {
        }
        """,
        """
        internal static class Caller
        {
            public static void Train(float[] x, float[] ib, float[] res, float[] w, float[] y, float[] sum, float[] rstd, float[] dy, float[] dx, float[] dib, float[] dw)
            {
                Decoder.MlpNorm.Forward(x, ib, res, w, y, sum);
                Decoder.MlpNorm.Forward(x, ib, res, w, y, sum, rstd);
                Decoder.MlpNorm.Backward(dy, sum, w, rstd, dx, dib, dw);
            }
        }
        """);

    [Fact]
    public Task Half_RmsNorm_with_input_bias_only() => VerifyAsync(
        snapshot: "FusedHalfInputBiasRmsNorm.g.cs",
        hintName: "Mixer.g.cs",
        """
        using System;
        using NormGen;

        [TensorLayout("N,D")]
        [RmsNorm("norm", Axes = "D", Shape = [64], ElementType = typeof(Half), ElementwiseAffine = false, InputBias = true)]
        internal partial class Mixer
        {
        }
        """,
        """
        using System;

        internal static class Caller
        {
            public static void Train(Half[] x, Half[] ib, Half[] y, float[] rstd, Half[] dy, Half[] dx, Half[] dib)
            {
                Mixer.Norm.Forward(x, ib, y);
                Mixer.Norm.Forward(x, ib, y, rstd);
                Mixer.Norm.Backward(dy, x, ib, rstd, dx, dib);
                Mixer.Norm.Backward(dy, x, ib, rstd, dx, Span<Half>.Empty);
            }
        }
        """);

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
