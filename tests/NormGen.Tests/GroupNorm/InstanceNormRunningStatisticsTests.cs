using System;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// InstanceNorm with running statistics, as PyTorch's <c>track_running_stats=True</c>: training steps move the
/// running mean and (unbiased) variance by the momentum, averaged over the batch; evaluation normalizes with them.
/// </summary>
public class InstanceNormRunningStatisticsTests
{
    public static TheoryData<string> Kernels => GroupNormCases.Names(n => n.TracksRunningStats);

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Training_steps_update_the_running_statistics_and_normalize_with_the_batch(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        int channels = norm.Shape.Channels;
        double[] runningMean = new double[channels], runningVar = new double[channels];
        Array.Fill(runningVar, 1.0);
        double[] expectedMean = (double[])runningMean.Clone(), expectedVar = (double[])runningVar.Clone();

        for (int step = 0; step < 4; step++)
        {
            (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch: 1 + step, seed: 100 + step, mean: step - 1, std: 1 + step);
            (double[] y, runningMean, runningVar) = norm.ForwardTraining(x, w, b, runningMean, runningVar);
            (expectedMean, expectedVar) = GroupNormReference.UpdateRunning(norm.Shape, norm.Momentum, x, expectedMean, expectedVar);

            GroupNormTolerance.AssertClose(norm, GroupNormReference.Run(norm.Shape, norm.Epsilon, x, w, b).Output, y, $"y at step {step}");
            GroupNormTolerance.AssertClose(norm, norm.Round(expectedMean), runningMean, $"running mean at step {step}", looseness: 2);
            GroupNormTolerance.AssertClose(norm, norm.Round(expectedVar), runningVar, $"running var at step {step}", looseness: 2);

            // The reference keeps going from the kernel's rounded state, as the next training step does.
            expectedMean = runningMean;
            expectedVar = runningVar;
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Evaluation_normalizes_with_the_running_statistics(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch: 3, seed: 111);
        double[] runningMean = norm.Round(TestData.Normal(norm.Shape.Channels, seed: 112));
        double[] runningVar = norm.Round(Array.ConvertAll(TestData.Normal(norm.Shape.Channels, seed: 113), v => 0.5 + v * v));

        double[] expected = GroupNormReference.Eval(norm.Shape, norm.Epsilon, x, w, b, runningMean, runningVar);
        GroupNormTolerance.AssertClose(norm, expected, norm.ForwardEval(x, w, b, runningMean, runningVar), "eval y");
    }

    [Fact]
    public void Training_forward_saves_the_same_statistics_as_the_plain_forward()
    {
        const int Batch = 2, Length = Batch * GroupNormTestNorms.InRunning.SampleLength, Count = Batch * GroupNormTestNorms.InRunning.Groups;
        float[] x = Array.ConvertAll(TestData.Normal(Length, seed: 121), v => (float)v);
        float[] w = Array.ConvertAll(TestData.Normal(12, seed: 122, mean: 1), v => (float)v), b = new float[12];
        float[] y1 = new float[Length], y2 = new float[Length], mean1 = new float[Count], mean2 = new float[Count], rstd1 = new float[Count], rstd2 = new float[Count];
        float[] runningMean = new float[12], runningVar = new float[12];

        GroupNormTestNorms.InRunning.Forward(x, w, b, y1, mean1, rstd1);
        GroupNormTestNorms.InRunning.ForwardTraining(x, w, b, y2, runningMean, runningVar, mean2, rstd2);

        Assert.Equal(y1, y2);
        Assert.Equal(mean1, mean2);
        Assert.Equal(rstd1, rstd2);
    }
}
