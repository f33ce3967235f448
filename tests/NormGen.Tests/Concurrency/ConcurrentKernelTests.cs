using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NormGen.Tests.BatchNorm;
using NormGen.Tests.ChannelsFirst;
using NormGen.Tests.GroupNorm;
using NormGen.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Tests.Concurrency;

/// <summary>
/// A kernel called from many threads at once, each on its own buffers (of different sizes, so some
/// calls split across the thread pool and some don't), gives bit for bit what the same calls give
/// one after another.
/// </summary>
public sealed class ConcurrentKernelTests
{
    private const int Threads = 12;

    public static TheoryData<string> RowKernels => Norms.Names;

    public static TheoryData<string> GroupKernels => GroupNormCases.Names();

    public static TheoryData<string> BatchKernels => BatchNormCases.Names;

    public static TheoryData<string> ColumnKernels => ChannelsFirstCases.Names;

    [Theory]
    [MemberData(nameof(RowKernels))]
    public void Row_norms(string name)
    {
        NormCase norm = Norms.Named(name);
        AssertConcurrentMatchesSerial(job =>
        {
            int rows = 1 + job * Math.Max(1, 4096 / norm.RowLength);
            double[] x = norm.Round(TestData.Normal(rows * norm.RowLength, seed: job, mean: 0.5, std: 2));
            double[] dy = norm.Round(TestData.Normal(x.Length, seed: 100 + job));
            (double[]? w, double[]? b) = TestData.Parameters(norm, seed: 200 + job);
            ReferenceNorms.Forward forward = norm.Forward(x, w, b);
            ReferenceNorms.Backward backward = norm.Backward(dy, x, w, forward);
            return [forward.Output, forward.Mean, forward.Rstd, backward.GradInput, backward.GradWeight, backward.GradBias];
        });
    }

    [Theory]
    [MemberData(nameof(GroupKernels))]
    public void Group_and_instance_norms(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        AssertConcurrentMatchesSerial(job =>
        {
            (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch: 1 + job % 5, seed: job);
            double[] dy = norm.Round(TestData.Normal(x.Length, seed: 100 + job));
            GroupNormReference.Forward forward = norm.Forward(x, w, b);
            GroupNormReference.Backward backward = norm.Backward(dy, x, w, b, forward);
            return [forward.Output, forward.Mean, forward.Rstd, backward.GradInput, backward.GradWeight ?? [], backward.GradBias ?? []];
        });
    }

    [Theory]
    [MemberData(nameof(BatchKernels))]
    public void Batch_norms(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        AssertConcurrentMatchesSerial(job =>
        {
            int batch = BatchNormTestData.BatchFor(norm) + job % 4;
            double[] x = BatchNormTestData.Input(norm, batch, seed: job);
            double[] dy = norm.Round(TestData.Normal(x.Length, seed: 100 + job));
            (double[] w, double[] b) = BatchNormTestData.Parameters(norm, seed: 200 + job);
            (double[] runningMean, double[] runningVar) = BatchNormTestData.Running(norm, seed: 300 + job);
            long tracked = job;
            ReferenceBatchNorm.Forward forward = norm.Train(x, w, b, runningMean, runningVar, ref tracked);
            ReferenceBatchNorm.Gradients backward = norm.Backward(dy, x, w, b, forward.Mean, forward.Rstd);
            double[] eval = norm.Eval(x, w, b, runningMean, runningVar);
            return [forward.Output, forward.Mean, forward.Rstd, runningMean, runningVar, [tracked], backward.GradInput, backward.GradWeight, backward.GradBias, eval];
        });
    }

    [Theory]
    [MemberData(nameof(ColumnKernels))]
    public void Channels_first_norms(string name)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        AssertConcurrentMatchesSerial(job =>
        {
            int outer = 1 + job % 4;
            double[] x = norm.Round(TestData.Normal(outer * norm.Reduced * norm.Inner, seed: job, mean: 0.5, std: 2));
            double[] dy = norm.Round(TestData.Normal(x.Length, seed: 100 + job));
            double[]? w = norm.HasWeight ? norm.Round(TestData.Normal(norm.Reduced, seed: 200 + job, mean: 1, std: 0.5)) : null;
            double[]? b = norm.HasBias ? norm.Round(TestData.Normal(norm.Reduced, seed: 300 + job, std: 0.5)) : null;
            ColumnForward forward = norm.Forward(x, w, b);
            ColumnBackward backward = norm.Backward(dy, x, w, b, forward);
            return [forward.Output, forward.Mean, forward.Rstd, backward.GradInput, backward.GradWeight, backward.GradBias];
        });
    }

    /// <summary>
    /// Runs <paramref name="job"/> 0…<see cref="Threads"/>−1 one after another, then all at once on their
    /// own threads released together (twice over, so each runs beside every other), and compares bits.
    /// </summary>
    private static void AssertConcurrentMatchesSerial(Func<int, double[][]> job)
    {
        double[][][] serial = Enumerable.Range(0, Threads).Select(job).ToArray();

        var concurrent = new double[2 * Threads][][];
        var failures = new ConcurrentQueue<Exception>();
        using var start = new ManualResetEventSlim();
        Thread[] threads = Enumerable.Range(0, 2 * Threads).Select(i => new Thread(() =>
        {
            start.Wait();
            try
            {
                concurrent[i] = job(i % Threads);
            }
            catch (Exception exception)
            {
                failures.Enqueue(exception);
            }
        })).ToArray();
        Array.ForEach(threads, t => t.Start());
        start.Set();
        Array.ForEach(threads, t => t.Join());

        Assert.Empty(failures);
        for (int i = 0; i < concurrent.Length; i++)
        {
            double[][] expected = serial[i % Threads], actual = concurrent[i];
            for (int output = 0; output < expected.Length; output++)
            {
                AssertBitwiseEqual(expected[output], actual[output], $"job {i % Threads} (thread {i}), output {output}");
            }
        }
    }

    private static void AssertBitwiseEqual(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                throw new XunitException($"{what}[{i}]: {actual[i]:R} concurrently, {expected[i]:R} serially");
            }
        }
    }
}
