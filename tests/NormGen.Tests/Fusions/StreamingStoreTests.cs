using System;
using NormGen.Kernels;
using Xunit;

namespace NormGen.Tests.Fusions;

/// <summary>
/// Calls that read and write more than <see cref="OutputStreaming.CacheBytes"/> write their output with non-temporal
/// stores, peeled to an aligned address first: the results are the same bits as the cached path's, at any alignment of the outputs.
/// (Kernels with a fused activation never stream: the activation reads each row back at once.)
/// </summary>
public class StreamingStoreTests
{
    private const int D = 768;

    /// <summary>
    /// Enough rows that one residual call (x, the residual, their sum and y: four times its output) crosses the
    /// streaming threshold, and half of them don't.
    /// </summary>
    private static readonly int Rows = 2 * (int)(OutputStreaming.CacheBytes / 4 / (D * sizeof(float)) / 2 + 1);

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Streamed_residual_layer_norm_equals_the_cached_path_at_any_alignment(int misalignment)
    {
        int n = Rows * D;
        float[] x = Random(n, 1), res = Random(n, 2), w = Random(D, 3), b = Random(D, 4);
        Assert.True(OutputStreaming.Pays(4L * n * sizeof(float)) && !OutputStreaming.Pays(4L * (n / 2) * sizeof(float)));

        // One call over all rows streams; two calls over half the rows each do not.
        float[] yBuffer = new float[n + 16], sumBuffer = new float[n + 16];
        Span<float> y = yBuffer.AsSpan(misalignment, n), sum = sumBuffer.AsSpan(2 * misalignment, n);
        FusionTestNorms.LnWideResidual.Forward(x, res, w, b, y, sum);

        float[] yCached = new float[n], sumCached = new float[n];
        int half = n / 2;
        FusionTestNorms.LnWideResidual.Forward(x.AsSpan(0, half), res.AsSpan(0, half), w, b, yCached.AsSpan(0, half), sumCached.AsSpan(0, half));
        FusionTestNorms.LnWideResidual.Forward(x.AsSpan(half), res.AsSpan(half), w, b, yCached.AsSpan(half), sumCached.AsSpan(half));

        Assert.True(y.SequenceEqual(yCached));
        Assert.True(sum.SequenceEqual(sumCached));
    }

    private static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = 4 * random.NextSingle() - 2;
        }

        return values;
    }
}
