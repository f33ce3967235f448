using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// What the generator writes for LayerNorm/RMSNorm over interior axes (channels-first), compared line for line with
/// the files under <c>Snapshots/</c>, and compiled with a caller of the documented kernel API, free of errors and warnings.
/// </summary>
public sealed class ColumnNormSnapshotTests
{
    [Fact]
    public Task Channels_first_LayerNorm_over_C_of_NCHW() => VerifyAsync(
        snapshot: "ChannelsFirstLayerNorm.g.cs",
        hintName: "Vision.ConvNeXtBlock.g.cs",
        """
        using NormGen;

        namespace Vision;

        [TensorLayout("N,C=96,H=56,W=56")]
        [LayerNorm("norm", Axes = "C", Eps = 1e-6)]
        public partial class ConvNeXtBlock
        {
        }
        """,
        """
        using System;
        using Vision;

        internal static class Caller
        {
            public static void Train(float[] x, float[] w, float[] b, float[] y, float[] mean, float[] rstd, float[] dy, float[] dx, float[] dw, float[] db)
            {
                _ = ConvNeXtBlock.Norm.OuterCount(x.Length) + ConvNeXtBlock.Norm.ColumnCount(x.Length);
                ConvNeXtBlock.Norm.Forward(x, w, b, y);
                ConvNeXtBlock.Norm.Forward(x, w, b, y, mean, rstd);
                ConvNeXtBlock.Norm.Forward(x, w, b, x, Span<float>.Empty, Span<float>.Empty);
                ConvNeXtBlock.Norm.Backward(dy, x, w, mean, rstd, dx, dw, db);
                ConvNeXtBlock.Norm.Backward(dy, x, w, mean, rstd, dx, Span<float>.Empty, Span<float>.Empty);
                _ = ConvNeXtBlock.Norm.Reduced == 96 && ConvNeXtBlock.Norm.Inner == 56 * 56 && ConvNeXtBlock.Norm.Epsilon == 1e-6f
                    && ConvNeXtBlock.Norm.NormalizedShape[0] == 96;
            }
        }
        """);

    [Fact]
    public Task Half_RmsNorm_over_an_interior_axis_with_a_fused_activation() => VerifyAsync(
        snapshot: "ChannelsFirstHalfRmsNormSilu.g.cs",
        hintName: "Video.Stage.g.cs",
        """
        using System;
        using NormGen;

        namespace Video;

        [TensorLayout("N,C=48,T=4,H=10,W=10")]
        [RmsNorm("mix", Axes = "C", ElementType = typeof(Half), Activation = Activation.Silu)]
        [LayerNorm("plain", Axes = "C,T", ElementwiseAffine = false, ElementType = typeof(double))]
        internal partial class Stage
        {
        }
        """,
        """
        using System;
        using Video;

        internal static class Caller
        {
            public static void Train(Half[] x, Half[] w, Half[] y, float[] rstd, Half[] dy, Half[] dx, Half[] dw, double[] xd, double[] yd, double[] mean, double[] rstdd, double[] dxd)
            {
                Stage.Mix.Forward(x, w, y);
                Stage.Mix.Forward(x, w, y, rstd);
                Stage.Mix.Backward(dy, x, w, rstd, dx, dw);
                Stage.Plain.Forward(xd, yd, mean, rstdd);
                Stage.Plain.Backward(yd, xd, mean, rstdd, dxd);
                _ = Stage.Mix.Inner == 400 && Stage.Plain.Reduced == 192 && Stage.Plain.Inner == 100;
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
