using System;
using System.Linq;
using NormGen.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// Numerical behaviour the semantics contract asks for: accurate statistics under a large common offset,
/// constant groups that give exactly β, NaN that stays in its group, in-place operation, and results that do
/// not depend on how the batch is split or how often a call is repeated.
/// </summary>
public class GroupNormNumericsTests
{
    public static TheoryData<string> Kernels => GroupNormCases.Names();

    public static TheoryData<string> KernelsWithoutActivation => GroupNormCases.Names(n => n.Activation == Activation.None);

    public static TheoryData<string> FloatAndDoubleKernels => GroupNormCases.Names(n => n.Precision != Precision.Half && n.Activation == Activation.None);

    [Theory]
    [MemberData(nameof(FloatAndDoubleKernels))]
    public void Statistics_stay_accurate_under_a_large_common_offset(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        double offset = norm.Precision == Precision.Double ? 1e7 : 1e3;
        (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch: 2, seed: 31, mean: offset, std: 1);

        GroupNormReference.Forward expected = GroupNormReference.Run(norm.Shape, norm.Epsilon, x, w, b);
        GroupNormReference.Forward actual = norm.Forward(x, w, b);

        // The inputs are exact in the element type; what is left is the rounding of x - mean.
        GroupNormTolerance.AssertClose(norm, expected.Rstd, actual.Rstd, "rstd", looseness: 10);
        GroupNormTolerance.AssertClose(norm, expected.Output, actual.Output, "y", looseness: norm.Precision == Precision.Double ? 1e4 : 50);
    }

    [Theory]
    [MemberData(nameof(KernelsWithoutActivation))]
    public void A_constant_group_gives_exactly_the_bias(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        GroupNormShape shape = norm.Shape;
        (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch: 2, seed: 41);
        double[] values = [0, 1.5, norm.Round(1000.1), norm.Round(-3.3e-3)];
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < shape.Channels; c++)
            {
                double value = values[(n * shape.Groups + c / shape.ChannelsPerGroup) % values.Length];
                for (int s = 0; s < shape.Spatial; s++)
                {
                    x[shape.Index(n, c, s)] = value;
                }
            }
        }

        GroupNormReference.Forward actual = norm.Forward(x, w, b);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < shape.Channels; c++)
            {
                int g = c / shape.ChannelsPerGroup;
                Assert.Equal(x[shape.Index(n, c, 0)], actual.Mean[n * shape.Groups + g]);
                for (int s = 0; s < shape.Spatial; s++)
                {
                    double y = actual.Output[shape.Index(n, c, s)];
                    if (y != (b?[c] ?? 0))
                    {
                        throw new XunitException($"{name}: y at (n={n}, c={c}, s={s}) is {y:R}, expected β = {b?[c] ?? 0:R}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void A_NaN_stays_in_its_group(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        GroupNormShape shape = norm.Shape;
        (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch: 2, seed: 51);
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 52));
        GroupNormReference.Forward clean = norm.Forward(x, w, b);
        double[] cleanDx = norm.Backward(dy, x, w, b, clean).GradInput;

        int poisonedGroup = shape.Groups - 1;
        double[] poisoned = (double[])x.Clone();
        poisoned[shape.Index(1, poisonedGroup * shape.ChannelsPerGroup, shape.Spatial / 2)] = double.NaN;
        GroupNormReference.Forward forward = norm.Forward(poisoned, w, b);
        double[] dx = norm.Backward(dy, poisoned, w, b, forward).GradInput;

        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < shape.Channels; c++)
            {
                bool inside = n == 1 && c / shape.ChannelsPerGroup == poisonedGroup;
                for (int s = 0; s < shape.Spatial; s++)
                {
                    int i = shape.Index(n, c, s);
                    if (inside)
                    {
                        Assert.True(double.IsNaN(forward.Output[i]), $"{name}: y at (1, {c}, {s}) should be NaN");
                        Assert.True(double.IsNaN(dx[i]), $"{name}: dx at (1, {c}, {s}) should be NaN");
                    }
                    else if (forward.Output[i] != clean.Output[i] || dx[i] != cleanDx[i])
                    {
                        throw new XunitException($"{name}: (n={n}, c={c}, s={s}) outside the poisoned group changed: y {forward.Output[i]:R} vs {clean.Output[i]:R}, dx {dx[i]:R} vs {cleanDx[i]:R}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void In_place_results_equal_out_of_place_results(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch: 2, seed: 61);
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 62));
        GroupNormReference.Forward forward = norm.Forward(x, w, b);

        Assert.Equal(forward.Output, norm.ForwardInPlace(x, w, b));
        Assert.Equal(norm.Backward(dy, x, w, b, forward).GradInput, norm.BackwardInPlace(dy, x, w, b, forward));
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Each_sample_gets_the_same_bits_alone_as_in_a_batch_and_repeated_calls_agree(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        const int Batch = 4;
        int length = norm.Shape.SampleLength, groups = norm.Shape.Groups;
        (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, Batch, seed: 71);
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 72));

        GroupNormReference.Forward batch = norm.Forward(x, w, b);
        GroupNormReference.Backward gradients = norm.Backward(dy, x, w, b, batch);
        GroupNormReference.Backward again = norm.Backward(dy, x, w, b, norm.Forward(x, w, b));
        Assert.Equal(gradients.GradInput, again.GradInput);
        if (norm.Affine)
        {
            Assert.Equal(gradients.GradWeight!, again.GradWeight!);
            Assert.Equal(gradients.GradBias!, again.GradBias!);
        }

        for (int n = 0; n < Batch; n++)
        {
            double[] sample = x[(n * length)..((n + 1) * length)];
            GroupNormReference.Forward alone = norm.Forward(sample, w, b);
            double[] dx = norm.Backward(dy[(n * length)..((n + 1) * length)], sample, w, b, alone).GradInput;
            Assert.Equal(batch.Output[(n * length)..((n + 1) * length)], alone.Output);
            Assert.Equal(batch.Mean[(n * groups)..((n + 1) * groups)], alone.Mean);
            Assert.Equal(batch.Rstd[(n * groups)..((n + 1) * groups)], alone.Rstd);
            Assert.Equal(gradients.GradInput[(n * length)..((n + 1) * length)], dx);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void An_empty_batch_does_nothing(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        (double[]? w, double[]? b) = GroupNormData.Parameters(norm, seed: 81);
        GroupNormReference.Forward forward = norm.Forward([], w, b);
        Assert.Empty(forward.Output);
        GroupNormReference.Backward backward = norm.Backward([], [], w, b, forward);
        Assert.Empty(backward.GradInput);
        Assert.True(backward.GradWeight is null || backward.GradWeight.All(v => v == 0));
    }
}
