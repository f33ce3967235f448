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
    public void Row_norms(string name) => AssertConcurrentMatchesSerial(job => KernelRuns.Row(name, job, minElements: 0));

    [Theory]
    [MemberData(nameof(GroupKernels))]
    public void Group_and_instance_norms(string name) => AssertConcurrentMatchesSerial(job => KernelRuns.Group(name, job, minElements: 0));

    [Theory]
    [MemberData(nameof(BatchKernels))]
    public void Batch_norms(string name) => AssertConcurrentMatchesSerial(job => KernelRuns.Batch(name, job, minElements: 0));

    [Theory]
    [MemberData(nameof(ColumnKernels))]
    public void Channels_first_norms(string name) => AssertConcurrentMatchesSerial(job => KernelRuns.ChannelsFirst(name, job, minElements: 0));

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
                KernelRuns.AssertBitwiseEqual(expected[output], actual[output], $"job {i % Threads} (thread {i}), output {output}", "concurrently", "serially");
            }
        }
    }

}
