using System;
using System.Collections.Generic;
using NormGen.Tests.BatchNorm;
using NormGen.Tests.ChannelsFirst;
using NormGen.Tests.GroupNorm;
using NormGen.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Tests.Concurrency;

/// <summary>
/// One forward and backward call of a kernel on data made from <c>job</c>, with every output (and, for BatchNorm,
/// the running statistics and eval output) returned for bitwise comparison. <c>minElements</c> makes the data at
/// least that large, so that calls split across workers.
/// </summary>
internal static class KernelRuns
{
    public static double[][] Row(string name, int job, long minElements)
    {
        NormCase norm = Norms.Named(name);
        int rows = 1 + job * Math.Max(1, 4096 / norm.RowLength) + (int)(minElements / norm.RowLength);
        double[] x = norm.Round(TestData.Normal(rows * norm.RowLength, seed: job, mean: 0.5, std: 2));
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 100 + job));
        (double[]? w, double[]? b) = TestData.Parameters(norm, seed: 200 + job);
        ReferenceNorms.Forward forward = norm.Forward(x, w, b);
        ReferenceNorms.Backward backward = norm.Backward(dy, x, w, forward);
        return [forward.Output, forward.Mean, forward.Rstd, backward.GradInput, backward.GradWeight, backward.GradBias];
    }

    public static double[][] Group(string name, int job, long minElements)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        int batch = 1 + job % 5 + (int)(minElements / norm.Shape.SampleLength);
        (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch, seed: job);
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 100 + job));
        GroupNormReference.Forward forward = norm.Forward(x, w, b);
        GroupNormReference.Backward backward = norm.Backward(dy, x, w, b, forward);
        return [forward.Output, forward.Mean, forward.Rstd, backward.GradInput, backward.GradWeight ?? [], backward.GradBias ?? []];
    }

    public static double[][] Batch(string name, int job, long minElements)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = BatchNormTestData.BatchFor(norm) + job % 4 + (int)(minElements / (norm.Channels * norm.Spatial));
        double[] x = BatchNormTestData.Input(norm, batch, seed: job);
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 100 + job));
        (double[] w, double[] b) = BatchNormTestData.Parameters(norm, seed: 200 + job);
        (double[] runningMean, double[] runningVar) = BatchNormTestData.Running(norm, seed: 300 + job);
        long tracked = job;
        ReferenceBatchNorm.Forward forward = norm.Train(x, w, b, runningMean, runningVar, ref tracked);
        ReferenceBatchNorm.Gradients backward = norm.Backward(dy, x, w, b, forward.Mean, forward.Rstd);
        double[] eval = norm.Eval(x, w, b, runningMean, runningVar);
        return [forward.Output, forward.Mean, forward.Rstd, runningMean, runningVar, [tracked], backward.GradInput, backward.GradWeight, backward.GradBias, eval];
    }

    public static double[][] ChannelsFirst(string name, int job, long minElements)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        int outer = 1 + job % 4 + (int)(minElements / norm.OuterLength);
        double[] x = norm.Round(TestData.Normal(outer * norm.Reduced * norm.Inner, seed: job, mean: 0.5, std: 2));
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 100 + job));
        double[]? w = norm.HasWeight ? norm.Round(TestData.Normal(norm.Reduced, seed: 200 + job, mean: 1, std: 0.5)) : null;
        double[]? b = norm.HasBias ? norm.Round(TestData.Normal(norm.Reduced, seed: 300 + job, std: 0.5)) : null;
        ColumnForward forward = norm.Forward(x, w, b);
        ColumnBackward backward = norm.Backward(dy, x, w, b, forward);
        return [forward.Output, forward.Mean, forward.Rstd, backward.GradInput, backward.GradWeight, backward.GradBias];
    }

    public static void AssertBitwiseEqual(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what, string actualLabel, string expectedLabel)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                throw new XunitException($"{what}[{i}]: {actual[i]:R} {actualLabel}, {expected[i]:R} {expectedLabel}");
            }
        }
    }
}
