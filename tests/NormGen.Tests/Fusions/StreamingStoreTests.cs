using System;
using NormGen.Kernels;
using Xunit;

namespace NormGen.Tests.Fusions;

/// <summary>
/// Calls that read and write more than <see cref="OutputStreaming.ThresholdBytes"/> write their output with non-temporal
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
    private static readonly int Rows = 2 * (int)(OutputStreaming.ThresholdBytes / 4 / (D * sizeof(float)) / 2 + 1);

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

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Streamed_input_gradients_equal_the_cached_path_at_any_alignment(int misalignment) =>
        AssertStreamedBackwardMatchesHalves(D, misalignment, seed: 5,
            (x, w, b, mean, rstd) => FusionTestNorms.LnWideResidual.Forward(x, new float[x.Length], w, b, new float[x.Length], new float[x.Length], mean, rstd),
            (dy, x, w, mean, rstd, dx, dw, db) => FusionTestNorms.LnWideResidual.Backward(dy, x, w, mean, rstd, dx, dw, db));

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Streamed_long_row_input_gradients_equal_the_cached_path_at_any_alignment(int misalignment) =>
        // Long rows take backward column chunk by column chunk; its dx streams alike.
        AssertStreamedBackwardMatchesHalves(TestNorms.LnLong.RowLength, misalignment, seed: 9,
            (x, w, b, mean, rstd) => TestNorms.LnLong.Forward(x, w, b, new float[x.Length], mean, rstd),
            (dy, x, w, mean, rstd, dx, dw, db) => TestNorms.LnLong.Backward(dy, x, w, mean, rstd, dx, dw, db));

    private delegate void ForwardStatistics(float[] x, float[] w, float[] b, float[] mean, float[] rstd);

    private delegate void BackwardCall(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, Span<float> dx, Span<float> dw, Span<float> db);

    /// <summary>
    /// Backward reads dy and the input and writes dx: it streams from three times dx's size. One call over enough
    /// rows streams; two over half the rows each do not. dx must be the same bits and stay inside its span.
    /// </summary>
    private static void AssertStreamedBackwardMatchesHalves(int rowLength, int misalignment, int seed, ForwardStatistics forward, BackwardCall backward)
    {
        int rows = 2 * (int)(OutputStreaming.ThresholdBytes / 3 / (rowLength * sizeof(float)) / 2 + 1);
        int n = rows * rowLength;
        Assert.True(OutputStreaming.Pays(3L * n * sizeof(float)) && !OutputStreaming.Pays(3L * (n / 2) * sizeof(float)));
        float[] x = Random(n, seed), dy = Random(n, seed + 1), w = Random(rowLength, seed + 2), b = Random(rowLength, seed + 3);
        float[] mean = new float[rows], rstd = new float[rows];
        forward(x, w, b, mean, rstd);

        float[] dxBuffer = new float[n + 16];
        Span<float> dx = dxBuffer.AsSpan(misalignment, n);
        float[] dw = new float[rowLength], db = new float[rowLength];
        backward(dy, x, w, mean, rstd, dx, dw, db);

        float[] dxCached = new float[n];
        int half = n / 2;
        backward(dy.AsSpan(0, half), x.AsSpan(0, half), w, mean.AsSpan(0, rows / 2), rstd.AsSpan(0, rows / 2), dxCached.AsSpan(0, half), default, default);
        backward(dy.AsSpan(half), x.AsSpan(half), w, mean.AsSpan(rows / 2), rstd.AsSpan(rows / 2), dxCached.AsSpan(half), default, default);

        Assert.True(dx.SequenceEqual(dxCached));
        Assert.Equal(-1, dxBuffer.AsSpan(0, misalignment).IndexOfAnyExcept(0f));
        Assert.Equal(-1, dxBuffer.AsSpan(misalignment + n).IndexOfAnyExcept(0f));

        // The parameter gradients sum in other blocks than the two half calls': compare them to a double sum.
        AssertColumnSums(dy, db);
    }

    /// <summary>dβ is dy summed over the rows: checks it against a double sum.</summary>
    private static void AssertColumnSums(float[] dy, float[] db)
    {
        double[] expected = new double[db.Length];
        for (int i = 0; i < dy.Length; i++)
        {
            expected[i % db.Length] += dy[i];
        }

        for (int j = 0; j < db.Length; j++)
        {
            Assert.True(Math.Abs(db[j] - expected[j]) <= 1e-3 * (1 + Math.Abs(expected[j])), $"dβ[{j}] = {db[j]}, expected {expected[j]}");
        }
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
