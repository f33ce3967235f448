using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// What the generator writes for BatchNorm, channels-first and channels-last, compared line for line with the files
/// under <c>Snapshots/</c>, and compiled with a caller of the whole documented kernel API (training, evaluation, both
/// backward passes and the synchronized building blocks), free of errors and warnings.
/// </summary>
public sealed class BatchNormSnapshotTests
{
    [Fact]
    public Task Channels_first_BatchNorm2d_with_running_statistics() => VerifyAsync(
        snapshot: "BatchNorm2dChannelsFirst.g.cs",
        hintName: "Vision.ResidualBlock.g.cs",
        """
        using NormGen;

        namespace Vision;

        [TensorLayout("N,C=64,H=32,W=32")]
        [BatchNorm("bn1")]
        public partial class ResidualBlock
        {
        }
        """,
        """
        using System;
        using NormGen.Kernels;
        using Vision;

        internal static class Caller
        {
            public static void Train(float[] x, float[] w, float[] b, float[] rm, float[] rv, float[] y, float[] mean, float[] rstd, float[] dy, float[] dx, float[] dw, float[] db)
            {
                long tracked = 0;
                _ = ResidualBlock.Bn1.BatchSize(x.Length);
                ResidualBlock.Bn1.ForwardTraining(x, w, b, rm, rv, ref tracked, y);
                ResidualBlock.Bn1.ForwardTraining(x, w, b, rm, rv, ref tracked, y, mean, rstd);
                ResidualBlock.Bn1.ForwardEval(x, w, b, rm, rv, y);
                ResidualBlock.Bn1.Backward(dy, x, w, mean, rstd, dx, dw, db);
                ResidualBlock.Bn1.Backward(dy, x, w, mean, rstd, dx, Span<float>.Empty, Span<float>.Empty);
                ResidualBlock.Bn1.BackwardEval(dy, x, w, rm, rv, dx, dw, db);

                float[] m2 = new float[64], merged = new float[64], mergedM2 = new float[64], sum = new float[64], sumXhat = new float[64];
                long count = ResidualBlock.Bn1.ComputeStatistics(x, mean, m2);
                count = BatchStatistics.Merge<float>([count, count], [.. mean, .. mean], [.. m2, .. m2], merged, mergedM2);
                ResidualBlock.Bn1.ForwardSynchronized(x, w, b, count, merged, mergedM2, rm, rv, ref tracked, y, mean, rstd);
                ResidualBlock.Bn1.BackwardReduce(dy, x, mean, rstd, sum, sumXhat);
                ResidualBlock.Bn1.BackwardSynchronized(dy, x, w, mean, rstd, count, sum, sumXhat, dx);
                _ = ResidualBlock.Bn1.Channels == 64 && ResidualBlock.Bn1.Spatial == 32 * 32 && ResidualBlock.Bn1.SampleLength == 64 * 32 * 32
                    && ResidualBlock.Bn1.Epsilon == 1e-5f && ResidualBlock.Bn1.Momentum == 0.1;
            }
        }
        """);

    [Fact]
    public Task Channels_last_Half_BatchNorm_with_a_fused_ReLU_and_no_running_statistics() => VerifyAsync(
        snapshot: "BatchNormChannelsLastHalfRelu.g.cs",
        hintName: "Vision.MobileBlock.g.cs",
        """
        using System;
        using NormGen;

        namespace Vision;

        [TensorLayout("N,H=14,W=14,C=96")]
        [BatchNorm("norm", ElementType = typeof(Half), Activation = Activation.Relu, TrackRunningStats = false)]
        public partial class MobileBlock
        {
        }
        """,
        """
        using System;
        using Vision;

        internal static class Caller
        {
            public static void Train(Half[] x, Half[] w, Half[] b, Half[] y, float[] mean, float[] rstd, float[] m2, Half[] dy, Half[] dx, Half[] dw, Half[] db, float[] sum, float[] sumXhat)
            {
                MobileBlock.Norm.Forward(x, w, b, y);
                MobileBlock.Norm.Forward(x, w, b, y, mean, rstd);
                MobileBlock.Norm.Backward(dy, x, w, b, mean, rstd, dx, dw, db);
                long count = MobileBlock.Norm.ComputeStatistics(x, mean, m2);
                MobileBlock.Norm.ForwardSynchronized(x, w, b, count, mean, m2, y, mean, rstd);
                MobileBlock.Norm.BackwardReduce(dy, x, w, b, mean, rstd, sum, sumXhat);
                MobileBlock.Norm.BackwardSynchronized(dy, x, w, b, mean, rstd, count, sum, sumXhat, dx);
                _ = MobileBlock.Norm.Channels == 96 && MobileBlock.Norm.Spatial == 14 * 14;
            }
        }
        """);

    [Fact]
    public Task BatchNorm1d_in_double_without_affine_parameters_with_a_cumulative_average() => VerifyAsync(
        snapshot: "BatchNorm1dDoubleCumulative.g.cs",
        hintName: "Tabular.g.cs",
        """
        using NormGen;

        [TensorLayout("N,F=16")]
        [BatchNorm("inputNorm", ChannelAxis = "F", ElementType = typeof(double), Affine = false, CumulativeAverage = true, Eps = 1e-3)]
        internal partial class Tabular
        {
        }
        """,
        """
        internal static class Caller
        {
            public static void Train(double[] x, double[] rm, double[] rv, double[] y, double[] mean, double[] rstd, double[] dy, double[] dx)
            {
                long tracked = 0;
                Tabular.InputNorm.ForwardTraining(x, rm, rv, ref tracked, y, mean, rstd);
                Tabular.InputNorm.ForwardEval(x, rm, rv, y);
                Tabular.InputNorm.Backward(dy, x, mean, rstd, dx);
                Tabular.InputNorm.BackwardEval(dy, x, rm, rv, dx);
                _ = Tabular.InputNorm.Channels == 16 && Tabular.InputNorm.Spatial == 1 && Tabular.InputNorm.Epsilon == 1e-3;
            }
        }
        """);

    [Fact]
    public async Task Generated_BatchNorm_code_is_warning_free_in_a_project_that_builds_documentation()
    {
        const string source = """
            using System;
            using NormGen;

            /// <summary>A model whose project builds XML documentation.</summary>
            [TensorLayout("N,C=8,D=2,H=3,W=4")]
            [BatchNorm("bn3d", Activation = Activation.Gelu)]
            [BatchNorm("bnHalf", ElementType = typeof(Half), TrackRunningStats = false, Affine = false)]
            [BatchNorm("bnLast", Layout = "N,L=5,C=12", Activation = Activation.Silu, ElementType = typeof(double))]
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
