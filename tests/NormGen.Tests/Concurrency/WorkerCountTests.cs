using System;
using NormGen.Kernels;
using NormGen.Tests.BatchNorm;
using NormGen.Tests.ChannelsFirst;
using NormGen.Tests.GroupNorm;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.Concurrency;

/// <summary>
/// Every kernel gives the same bits whatever number of threads <see cref="RowScheduler.MaxWorkers"/> allows:
/// work is split by the shape alone and reductions are summed in a fixed order. The data is large enough that
/// calls split across workers. The limit is process-wide, so these tests run alone.
/// </summary>
[Collection(nameof(WorkerCountTests))]
[CollectionDefinition(nameof(WorkerCountTests), DisableParallelization = true)]
public sealed class WorkerCountTests
{
    private static readonly int[] WorkerCounts = [1, 2, 3, 8];

    /// <summary>Elements enough for several workers (and reduction blocks) in every kind of kernel.</summary>
    private const long Elements = 8 * RowScheduler.MinElementsPerWorker;

    public static TheoryData<string> RowKernels => Norms.Names;

    public static TheoryData<string> GroupKernels => GroupNormCases.Names();

    public static TheoryData<string> BatchKernels => BatchNormCases.Names;

    public static TheoryData<string> ColumnKernels => ChannelsFirstCases.Names;

    [Theory]
    [MemberData(nameof(RowKernels))]
    public void Row_norms(string name) => AssertIndependentOfWorkers(() => KernelRuns.Row(name, job: 1, Elements));

    [Theory]
    [MemberData(nameof(GroupKernels))]
    public void Group_and_instance_norms(string name) => AssertIndependentOfWorkers(() => KernelRuns.Group(name, job: 1, Elements));

    [Theory]
    [MemberData(nameof(BatchKernels))]
    public void Batch_norms(string name) => AssertIndependentOfWorkers(() => KernelRuns.Batch(name, job: 1, Elements));

    [Theory]
    [MemberData(nameof(ColumnKernels))]
    public void Channels_first_norms(string name) => AssertIndependentOfWorkers(() => KernelRuns.ChannelsFirst(name, job: 1, Elements));

    [Fact]
    public void The_limit_must_allow_a_worker()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RowScheduler.MaxWorkers = 0);
    }

    private static void AssertIndependentOfWorkers(Func<double[][]> run)
    {
        int original = RowScheduler.MaxWorkers;
        try
        {
            RowScheduler.MaxWorkers = 1;
            double[][] expected = run();
            foreach (int workers in WorkerCounts[1..])
            {
                RowScheduler.MaxWorkers = workers;
                double[][] actual = run();
                for (int output = 0; output < expected.Length; output++)
                {
                    KernelRuns.AssertBitwiseEqual(expected[output], actual[output], $"output {output}", $"with {workers} workers", "with one");
                }
            }
        }
        finally
        {
            RowScheduler.MaxWorkers = original;
        }
    }
}
