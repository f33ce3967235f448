using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// What the generator writes for GroupNorm and InstanceNorm, channels-first and channels-last, compared line for
/// line with the files under <c>Snapshots/</c>, and compiled with a caller of the documented kernel API, free of
/// errors and warnings.
/// </summary>
public sealed class GroupNormSnapshotTests
{
    [Fact]
    public Task Channels_first_GroupNorm_whose_groups_span_several_blocks() => VerifyAsync(
        snapshot: "GroupNormChannelsFirst.g.cs",
        hintName: "Diffusion.ResBlock.g.cs",
        """
        using NormGen;

        namespace Diffusion;

        [TensorLayout("N,C=128,H=64,W=64")]
        [GroupNorm("norm1", 32, Eps = 1e-6)]
        public partial class ResBlock
        {
        }
        """,
        """
        using System;
        using Diffusion;

        internal static class Caller
        {
            public static void Train(float[] x, float[] w, float[] b, float[] y, float[] mean, float[] rstd, float[] dy, float[] dx, float[] dw, float[] db)
            {
                _ = ResBlock.Norm1.BatchSize(x.Length);
                ResBlock.Norm1.Forward(x, w, b, y);
                ResBlock.Norm1.Forward(x, w, b, y, mean, rstd);
                ResBlock.Norm1.Forward(x, w, b, x, Span<float>.Empty, Span<float>.Empty);
                ResBlock.Norm1.Backward(dy, x, w, mean, rstd, dx, dw, db);
                ResBlock.Norm1.Backward(dy, x, w, mean, rstd, dx, Span<float>.Empty, Span<float>.Empty);
                _ = ResBlock.Norm1.Channels == 128 && ResBlock.Norm1.Groups == 32 && ResBlock.Norm1.ChannelsPerGroup == 4
                    && ResBlock.Norm1.Spatial == 64 * 64 && ResBlock.Norm1.GroupLength == 4 * 64 * 64 && ResBlock.Norm1.Epsilon == 1e-6f;
            }
        }
        """);

    [Fact]
    public Task Channels_last_Half_GroupNorm_with_a_fused_SiLU() => VerifyAsync(
        snapshot: "GroupNormChannelsLastHalfSilu.g.cs",
        hintName: "Diffusion.Upsampler.g.cs",
        """
        using System;
        using NormGen;

        namespace Diffusion;

        [TensorLayout("N,H=16,W=16,C=320")]
        [GroupNorm("norm", 32, ElementType = typeof(Half), Activation = Activation.Silu)]
        internal partial class Upsampler
        {
        }
        """,
        """
        using System;
        using Diffusion;

        internal static class Caller
        {
            public static void Train(Half[] x, Half[] w, Half[] b, Half[] y, float[] mean, float[] rstd, Half[] dy, Half[] dx, Half[] dw, Half[] db)
            {
                Upsampler.Norm.Forward(x, w, b, y);
                Upsampler.Norm.Forward(x, w, b, y, mean, rstd);
                Upsampler.Norm.Backward(dy, x, w, b, mean, rstd, dx, dw, db);
                _ = Upsampler.Norm.SampleLength == 16 * 16 * 320 && Upsampler.Norm.ChannelsPerGroup == 10;
            }
        }
        """);

    [Fact]
    public Task Channels_last_InstanceNorm_in_double_with_running_statistics() => VerifyAsync(
        snapshot: "InstanceNormChannelsLastRunning.g.cs",
        hintName: "Style.Transfer.g.cs",
        """
        using NormGen;

        namespace Style;

        [TensorLayout("N,D=4,H=8,W=8,C=16")]
        [InstanceNorm("norm", Affine = true, TrackRunningStats = true, Momentum = 0.05, ElementType = typeof(double))]
        [InstanceNorm("plain", Layout = "N,C=16,L=100", ElementType = typeof(double))]
        public partial class Transfer
        {
        }
        """,
        """
        using System;
        using Style;

        internal static class Caller
        {
            public static void Train(double[] x, double[] w, double[] b, double[] y, double[] runningMean, double[] runningVar, double[] mean, double[] rstd, double[] dy, double[] dx, double[] dw, double[] db)
            {
                Transfer.Norm.Forward(x, w, b, y, mean, rstd);
                Transfer.Norm.ForwardTraining(x, w, b, y, runningMean, runningVar);
                Transfer.Norm.ForwardTraining(x, w, b, y, runningMean, runningVar, mean, rstd);
                Transfer.Norm.ForwardEval(x, w, b, runningMean, runningVar, y);
                Transfer.Norm.Backward(dy, x, w, mean, rstd, dx, dw, db);
                Transfer.Plain.Forward(x, y, mean, rstd);
                Transfer.Plain.Backward(dy, x, mean, rstd, dx);
                _ = Transfer.Norm.Momentum == 0.05 && Transfer.Norm.Groups == 16 && Transfer.Plain.Spatial == 100;
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
