using System;
using NormGen.Tests.Support;
using Xunit;
using K = NormGen.Tests.BatchNorm.BatchNormTestNorms;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// Forward writes its output with non-temporal stores when input and output together pass OutputStreaming.ThresholdBytes,
/// backward its input gradient from 4 MiB on; both from the first vector-aligned element on. These batches cross
/// both sizes, with outputs placed at every alignment, and must give what the cached path and the reference give.
/// </summary>
public class BatchNormStreamingTests
{
    /// <summary>Samples that make a float output large enough for forward and backward to stream.</summary>
    private static int LargeBatch(int sampleLength)
    {
        long outputBytes = Math.Max(Kernels.OutputStreaming.ThresholdBytes / 2, 4L << 20);
        return (int)((outputBytes + 4L * sampleLength - 1) / 4 / sampleLength);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(13)]
    public void Large_evaluation_outputs_equal_the_cached_path_at_every_alignment(int offset)
    {
        AssertEvalMatchesChunks(K.BnLarge.SampleLength, offset,
            (x, y) => K.BnLarge.ForwardEval(x, Weight(8), Bias(8), Running(8), Variance(8), y));
        AssertEvalMatchesChunks(K.BnLargeNhwc.SampleLength, offset,
            (x, y) => K.BnLargeNhwc.ForwardEval(x, Weight(64), Bias(64), Running(64), Variance(64), y));
    }

    [Theory]
    [InlineData("bnLarge", 5)]
    [InlineData("bnLargeNhwc", 7)]
    public void Large_training_outputs_and_input_gradients_match_the_reference(string name, int offset)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = LargeBatch(norm.Channels * norm.Spatial);
        BatchShape shape = norm.Shape(batch);
        float[] x = Floats(TestData.Normal(shape.Length, 70, mean: 1, std: 2));
        float[] dy = Floats(TestData.Normal(shape.Length, 71));
        float[] w = Floats(TestData.Normal(norm.Channels, 72, mean: 1, std: 0.5)), b = Floats(TestData.Normal(norm.Channels, 73));
        float[] rm = new float[norm.Channels], rv = new float[norm.Channels], mean = new float[norm.Channels], rstd = new float[norm.Channels];
        float[] yBuffer = new float[shape.Length + 16], dxBuffer = new float[shape.Length + 16], dw = new float[norm.Channels], db = new float[norm.Channels];
        Span<float> y = yBuffer.AsSpan(offset, shape.Length), dx = dxBuffer.AsSpan(offset, shape.Length);
        long tracked = 0;

        if (name == "bnLarge")
        {
            K.BnLarge.ForwardTraining(x, w, b, rm, rv, ref tracked, y, mean, rstd);
            K.BnLarge.Backward(dy, x, w, mean, rstd, dx, dw, db);
        }
        else
        {
            K.BnLargeNhwc.ForwardTraining(x, w, b, rm, rv, ref tracked, y, mean, rstd);
            K.BnLargeNhwc.Backward(dy, x, w, mean, rstd, dx, dw, db);
        }

        double[] xs = Doubles(x), ws = Doubles(w);
        ReferenceBatchNorm.Forward forward = ReferenceBatchNorm.Train(shape, xs, ws, Doubles(b), norm.Epsilon);
        ReferenceBatchNorm.Gradients gradients = ReferenceBatchNorm.Backward(shape, Doubles(dy), xs, ws, norm.Epsilon);
        Tolerance.AssertClose(forward.Output, Doubles(y.ToArray()), 5e-5, 5e-4, "y");
        Tolerance.AssertClose(gradients.GradInput, Doubles(dx.ToArray()), 5e-5, 5e-4, "dx");
        Assert.Equal(-1, yBuffer.AsSpan(0, offset).IndexOfAnyExcept(0f));
        Assert.Equal(-1, yBuffer.AsSpan(offset + shape.Length).IndexOfAnyExcept(0f));
        Assert.Equal(-1, dxBuffer.AsSpan(offset + shape.Length).IndexOfAnyExcept(0f));
    }

    private static void AssertEvalMatchesChunks(int sampleLength, int offset, EvalKernel eval)
    {
        int batch = LargeBatch(sampleLength);
        float[] x = Floats(TestData.Normal(batch * sampleLength, 74, mean: 1, std: 2));
        float[] buffer = new float[x.Length + 16];
        Span<float> large = buffer.AsSpan(offset, x.Length);
        eval(x, large);

        // Two samples at a time stay far below the threshold, so they take the cached path.
        float[] expected = new float[x.Length];
        for (int n = 0; n < batch; n += 2)
        {
            eval(x.AsSpan(n * sampleLength, 2 * sampleLength), expected.AsSpan(n * sampleLength, 2 * sampleLength));
        }

        Assert.True(expected.AsSpan().SequenceEqual(large), $"streamed output differs from the cached path at offset {offset}");
        Assert.Equal(-1, buffer.AsSpan(0, offset).IndexOfAnyExcept(0f));
        Assert.Equal(-1, buffer.AsSpan(offset + x.Length).IndexOfAnyExcept(0f));
    }

    private delegate void EvalKernel(ReadOnlySpan<float> x, Span<float> y);

    private static float[] Weight(int channels) => Floats(TestData.Normal(channels, 75, mean: 1, std: 0.5));

    private static float[] Bias(int channels) => Floats(TestData.Normal(channels, 76));

    private static float[] Running(int channels) => Floats(TestData.Normal(channels, 77));

    private static float[] Variance(int channels) => Array.ConvertAll(TestData.Normal(channels, 78), v => (float)(0.5 + v * v));

    private static float[] Floats(double[] values) => Array.ConvertAll(values, v => (float)v);

    private static double[] Doubles(float[] values) => Array.ConvertAll(values, v => (double)v);
}
