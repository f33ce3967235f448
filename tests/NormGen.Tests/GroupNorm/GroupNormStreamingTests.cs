using System;
using NormGen.Tests.Support;
using Xunit;
using static NormGen.Tests.GroupNorm.GroupNormTestNorms;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// Outputs of 4 MiB and more are written with non-temporal stores, after a head that aligns them. Whatever the
/// output's alignment, every element must get exactly the bits it gets when its sample is normalized alone (small
/// enough to be stored the ordinary way).
/// </summary>
public class GroupNormStreamingTests
{
    private const int Batch = 16;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Channels_first_streamed_outputs_equal_those_of_single_samples(int misalignment)
    {
        const int Length = GnBlocksWide.SampleLength, Groups = GnBlocksWide.Groups;
        float[] x = Floats(Batch * Length, 1), dy = Floats(Batch * Length, 2), w = Floats(GnBlocksWide.Channels, 3), b = Floats(GnBlocksWide.Channels, 4);
        float[] y = new float[Batch * Length + 16], dx = new float[Batch * Length + 16];
        float[] mean = new float[Batch * Groups], rstd = new float[Batch * Groups];
        Span<float> output = y.AsSpan(misalignment, Batch * Length), gradInput = dx.AsSpan(misalignment, Batch * Length);
        GnBlocksWide.Forward(x, w, b, output, mean, rstd);
        GnBlocksWide.Backward(dy, x, w, mean, rstd, gradInput, default, default);

        float[] ySample = new float[Length], dxSample = new float[Length], meanSample = new float[Groups], rstdSample = new float[Groups];
        for (int n = 0; n < Batch; n++)
        {
            ReadOnlySpan<float> xs = x.AsSpan(n * Length, Length);
            GnBlocksWide.Forward(xs, w, b, ySample, meanSample, rstdSample);
            GnBlocksWide.Backward(dy.AsSpan(n * Length, Length), xs, w, meanSample, rstdSample, dxSample, default, default);
            Assert.True(output.Slice(n * Length, Length).SequenceEqual(ySample), $"y of sample {n}");
            Assert.True(gradInput.Slice(n * Length, Length).SequenceEqual(dxSample), $"dx of sample {n}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(14)]
    public void Channels_last_streamed_outputs_equal_those_of_single_samples(int misalignment)
    {
        const int Length = InBlocksLast.SampleLength, Groups = InBlocksLast.Groups;
        float[] x = Floats(Batch * Length, 5), dy = Floats(Batch * Length, 6), w = Floats(InBlocksLast.Channels, 7), b = Floats(InBlocksLast.Channels, 8);
        float[] y = new float[Batch * Length + 16], dx = new float[Batch * Length + 16];
        float[] mean = new float[Batch * Groups], rstd = new float[Batch * Groups];
        Span<float> output = y.AsSpan(misalignment, Batch * Length), gradInput = dx.AsSpan(misalignment, Batch * Length);
        InBlocksLast.Forward(x, w, b, output, mean, rstd);
        InBlocksLast.Backward(dy, x, w, mean, rstd, gradInput, default, default);

        float[] ySample = new float[Length], dxSample = new float[Length], meanSample = new float[Groups], rstdSample = new float[Groups];
        for (int n = 0; n < Batch; n++)
        {
            ReadOnlySpan<float> xs = x.AsSpan(n * Length, Length);
            InBlocksLast.Forward(xs, w, b, ySample, meanSample, rstdSample);
            InBlocksLast.Backward(dy.AsSpan(n * Length, Length), xs, w, meanSample, rstdSample, dxSample, default, default);
            Assert.True(output.Slice(n * Length, Length).SequenceEqual(ySample), $"y of sample {n}");
            Assert.True(gradInput.Slice(n * Length, Length).SequenceEqual(dxSample), $"dx of sample {n}");
        }
    }

    private static float[] Floats(int length, int seed) => Array.ConvertAll(TestData.Normal(length, seed, mean: 0.25, std: 1.5), v => (float)v);
}
