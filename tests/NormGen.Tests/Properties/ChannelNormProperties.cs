using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using NormGen.Tests.BatchNorm;
using NormGen.Tests.GroupNorm;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.Properties;

/// <summary>
/// Every GroupNorm, InstanceNorm and BatchNorm kernel of the test project (channels-first and
/// channels-last, float, double and Half, with and without affine parameters, running statistics and
/// fused activations) on random batch sizes and random data of every regime, forward and backward
/// against the float64 reference.
/// </summary>
public sealed class ChannelNormProperties
{
    private static readonly IReadOnlyList<GroupNormCase> GroupKernels = GroupNormCases.All.ToList();
    private static readonly IReadOnlyList<BatchNormCase> BatchKernels = BatchNormCases.All.ToList();

    private static Gen<ValueRegime> Regimes { get; } = Gen.Int[0, Enum.GetValues<ValueRegime>().Length - 1].Select(i => (ValueRegime)i);

    private static Gen<(int Kernel, int Batch, ValueRegime Regime, int Seed)> GroupCases { get; } =
        Gen.Select(Gen.Int[0, GroupKernels.Count - 1], Gen.Int[1, 6], Regimes, Gen.Int[0, 1 << 20]);

    private static Gen<(int Kernel, int Batch, ValueRegime Regime, int Seed)> BatchCases { get; } =
        Gen.Select(Gen.Int[0, BatchKernels.Count - 1], Gen.Int[2, 6], Regimes, Gen.Int[0, 1 << 20]);

    [Fact]
    public void Group_and_instance_norms_follow_the_reference() => GroupCases.Sample(
        CheckGroupNorm,
        seed: PropertyChecks.Seed,
        iter: PropertyChecks.Iterations(200),
        print: DescribeGroupNorm);

    [Fact]
    public void Batch_norms_follow_the_reference() => BatchCases.Sample(
        CheckBatchNorm,
        seed: PropertyChecks.Seed,
        iter: PropertyChecks.Iterations(200),
        print: DescribeBatchNorm);

    private static string DescribeGroupNorm((int Kernel, int Batch, ValueRegime Regime, int Seed) c) =>
        $"{GroupKernels[c.Kernel].Name}, batch {c.Batch}, {c.Regime}, data seed {c.Seed}";

    private static string DescribeBatchNorm((int Kernel, int Batch, ValueRegime Regime, int Seed) c) =>
        $"{BatchKernels[c.Kernel].Name}, batch {c.Batch}, {c.Regime}, data seed {c.Seed}";

    private static void CheckGroupNorm(int kernel, int batch, ValueRegime regime, int seed)
    {
        GroupNormCase norm = GroupKernels[kernel];
        double[] x = RegimeData.Values(regime, norm.Precision, batch * norm.Shape.SampleLength, norm.Shape.SampleLength, seed, norm.Round);
        (double[]? weight, double[]? bias) = GroupNormData.Parameters(norm, seed + 1);

        // Non-finite inputs poison their own (sample, group) only: the reference runs without them, and
        // the poisoned groups must come out with non-finite statistics.
        bool[] poisoned = PoisonedGroups(norm.Shape, x);
        GroupNormReference.Forward expected = GroupNormReference.Run(norm.Shape, norm.Epsilon, Finite(x), weight, bias, norm.Activation);
        MarkPoisoned(expected, poisoned, (i, _) => i / norm.Shape.SampleLength * norm.Shape.Groups + GroupOf(norm.Shape, i));
        GroupNormReference.Forward actual = norm.Forward(x, weight, bias);
        double xhatError = PropertyChecks.NormalizedError(norm.Precision, regime, norm.Shape.ChannelsPerGroup * norm.Shape.Spatial, x, expected.Rstd);
        double gain = weight is null ? 1 : PropertyChecks.MaxAbs(weight);
        PropertyChecks.AssertClose(norm.Precision, expected.Output, actual.Output, "y", looseness: 2, xhatError * gain, ignore: poisoned);
        PropertyChecks.AssertClose(
            norm.Precision, expected.Mean, actual.Mean, "mean", looseness: 2, 4 * norm.Shape.ChannelsPerGroup * norm.Shape.Spatial * PropertyChecks.Epsilon(norm.Precision) * PropertyChecks.MaxAbs(x), anyNonFinite: true);
        PropertyChecks.AssertClose(norm.Precision, expected.Rstd, actual.Rstd, "rstd", looseness: regime == ValueRegime.LargeOffset ? 100 : 2, anyNonFinite: true);

        if (regime == ValueRegime.NonFinite)
        {
            return;
        }

        double[] dy = norm.Round(TestData.Normal(x.Length, seed + 2));
        GroupNormReference.Backward gradients = GroupNormReference.Gradients(norm.Shape, norm.Epsilon, dy, x, weight, bias, norm.Activation);
        GroupNormReference.Backward actualGradients = norm.Backward(dy, x, weight, bias, actual);
        double looseness = regime == ValueRegime.LargeOffset ? 64 : 8;
        double termScale = PropertyChecks.MaxAbs(expected.Rstd) * PropertyChecks.MaxAbs(dy) * gain;
        PropertyChecks.AssertClose(
            norm.Precision, gradients.GradInput, actualGradients.GradInput, "dx", looseness,
            PropertyChecks.CancellationError(norm.Precision, looseness, expected.Rstd, dy, weight) + 2 * termScale * xhatError);
        if (norm.Affine)
        {
            PropertyChecks.AssertClose(norm.Precision, gradients.GradWeight!, actualGradients.GradWeight!, "dγ", looseness, batch * norm.Shape.Spatial * PropertyChecks.MaxAbs(dy) * xhatError * (1 + 4 * gain));
            PropertyChecks.AssertClose(norm.Precision, gradients.GradBias!, actualGradients.GradBias!, "dβ", looseness, batch * norm.Shape.Spatial * PropertyChecks.MaxAbs(dy) * xhatError * gain);
        }
    }

    private static void CheckBatchNorm(int kernel, int batch, ValueRegime regime, int seed)
    {
        BatchNormCase norm = BatchKernels[kernel];
        Precision precision = norm.IsDouble ? Precision.Double : norm.IsHalf ? Precision.Half : Precision.Float;
        BatchShape shape = norm.Shape(batch);
        int length = batch * norm.Channels * norm.Spatial;
        double[] x = RegimeData.Values(regime, precision, length, length, seed, norm.Round);
        (double[] w, double[] b) = BatchNormTestData.Parameters(norm, seed + 1);
        double[]? weight = BatchNormTestData.Weight(norm, w), bias = BatchNormTestData.Bias(norm, b);
        (double[] runningMean, double[] runningVar) = BatchNormTestData.Running(norm, seed + 3);
        long tracked = 0;

        bool[] poisoned = PoisonedChannels(shape, x);
        ReferenceBatchNorm.Forward expected = ReferenceBatchNorm.Train(shape, Finite(x), weight, bias, norm.Epsilon, norm.Activation);
        for (int c = 0; c < norm.Channels; c++)
        {
            if (shape.IndicesOf(c).Any(i => poisoned[i]))
            {
                (expected.Mean[c], expected.Rstd[c]) = (double.NaN, double.NaN);
            }
        }

        ReferenceBatchNorm.Forward actual = norm.Train(x, w, b, runningMean, runningVar, ref tracked);
        double xhatError = PropertyChecks.NormalizedError(precision, regime, batch * norm.Spatial, x, expected.Rstd);
        double gain = weight is null ? 1 : PropertyChecks.MaxAbs(weight);
        PropertyChecks.AssertClose(precision, expected.Output, actual.Output, "y", looseness: 2, xhatError * gain, ignore: poisoned);
        PropertyChecks.AssertClose(
            precision, expected.Mean, actual.Mean, "saveMean", looseness: 2, 4 * batch * norm.Spatial * PropertyChecks.Epsilon(precision) * PropertyChecks.MaxAbs(x), anyNonFinite: true);
        PropertyChecks.AssertClose(precision, expected.Rstd, actual.Rstd, "saveRstd", looseness: regime == ValueRegime.LargeOffset ? 100 : 2, anyNonFinite: true);

        if (regime == ValueRegime.NonFinite)
        {
            return;
        }

        double[] dy = norm.Round(TestData.Normal(x.Length, seed + 2));
        ReferenceBatchNorm.Gradients gradients = ReferenceBatchNorm.Backward(shape, dy, x, weight, norm.Epsilon, bias, norm.Activation);
        ReferenceBatchNorm.Gradients actualGradients = norm.Backward(dy, x, w, b, actual.Mean, actual.Rstd);
        double looseness = regime == ValueRegime.LargeOffset ? 64 : 8;
        double termScale = PropertyChecks.MaxAbs(expected.Rstd) * PropertyChecks.MaxAbs(dy) * gain;
        PropertyChecks.AssertClose(
            precision, gradients.GradInput, actualGradients.GradInput, "dx", looseness,
            PropertyChecks.CancellationError(precision, looseness, expected.Rstd, dy, weight) + 2 * termScale * xhatError);
        if (norm.Affine)
        {
            PropertyChecks.AssertClose(precision, gradients.GradWeight, actualGradients.GradWeight, "dγ", looseness, length / norm.Channels * PropertyChecks.MaxAbs(dy) * xhatError * (1 + 4 * gain));
            PropertyChecks.AssertClose(precision, gradients.GradBias, actualGradients.GradBias, "dβ", looseness, length / norm.Channels * PropertyChecks.MaxAbs(dy) * xhatError * gain);
        }
    }

    /// <summary>The input with its NaNs and infinities replaced by zeros: what the reference computes the other units from.</summary>
    private static double[] Finite(double[] x) => Array.ConvertAll(x, v => double.IsFinite(v) ? v : 0);

    private static int GroupOf(GroupNormShape shape, int index)
    {
        int within = index % shape.SampleLength;
        int channel = shape.ChannelsLast ? within % shape.Channels : within / shape.Spatial;
        return channel / shape.ChannelsPerGroup;
    }

    /// <summary>Sets the statistics of every poisoned unit to NaN: the kernel's must not be finite there.</summary>
    private static void MarkPoisoned(GroupNormReference.Forward expected, bool[] poisoned, Func<int, bool, int> unitOf)
    {
        for (int i = 0; i < poisoned.Length; i++)
        {
            if (poisoned[i])
            {
                int unit = unitOf(i, true);
                (expected.Mean[unit], expected.Rstd[unit]) = (double.NaN, double.NaN);
            }
        }
    }

    /// <summary>
    /// The outputs of every (sample, group) whose input holds a NaN or an infinity. What they become is
    /// the kernel's business (NaN, as in PyTorch; the reference's activations cannot take NaN); the
    /// property is that nothing outside them is touched.
    /// </summary>
    private static bool[] PoisonedGroups(GroupNormShape shape, double[] x)
    {
        var poisoned = new bool[x.Length];
        int batch = x.Length / shape.SampleLength;
        for (int n = 0; n < batch; n++)
        {
            for (int g = 0; g < shape.Groups; g++)
            {
                int[] unit = Enumerable.Range(g * shape.ChannelsPerGroup, shape.ChannelsPerGroup)
                    .SelectMany(c => Enumerable.Range(0, shape.Spatial).Select(s => shape.Index(n, c, s)))
                    .ToArray();
                if (unit.Any(i => !double.IsFinite(x[i])))
                {
                    Array.ForEach(unit, i => poisoned[i] = true);
                }
            }
        }

        return poisoned;
    }

    /// <summary>The outputs of every channel whose input holds a NaN or an infinity (see <see cref="PoisonedGroups"/>).</summary>
    private static bool[] PoisonedChannels(BatchShape shape, double[] x)
    {
        var poisoned = new bool[x.Length];
        for (int c = 0; c < shape.Channels; c++)
        {
            int[] unit = shape.IndicesOf(c).ToArray();
            if (unit.Any(i => !double.IsFinite(x[i])))
            {
                Array.ForEach(unit, i => poisoned[i] = true);
            }
        }

        return poisoned;
    }
}
