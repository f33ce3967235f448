using System;
using System.Threading;
using System.Threading.Tasks;

namespace NormGen.Kernels;

/// <summary>
/// Runs row kernels on the calling thread, or splits them across cores when the work is large
/// enough to pay for the hand-off. One row, or a few short ones, never touch the thread pool.
/// </summary>
public static class RowScheduler
{
    /// <summary>
    /// Elements (row length × rows) below which a call stays on the calling thread. Waking a pool
    /// thread costs a few microseconds, about the time to normalize this many floats.
    /// </summary>
    public const long MinElementsPerWorker = 1 << 15;

    private static int s_maxWorkers = Environment.ProcessorCount;

    /// <summary>
    /// The most threads a kernel call uses; the machine's processor count unless set. Results do not depend on
    /// it: reductions are split by the shape alone and summed in a fixed order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than one.</exception>
    public static int MaxWorkers
    {
        get => Volatile.Read(ref s_maxWorkers);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref s_maxWorkers, value);
        }
    }

    /// <summary>Runs <paramref name="kernel"/> over <paramref name="rowCount"/> rows of <paramref name="rowLength"/> elements.</summary>
    public static void Run<TKernel>(in TKernel kernel, int rowCount, int rowLength)
        where TKernel : struct, IRowKernel
    {
        int workers = WorkersFor(rowCount, rowLength);
        if (workers <= 1)
        {
            if (rowCount > 0)
            {
                kernel.Execute(0, rowCount);
            }

            return;
        }

        // The kernel holds pointers pinned by the caller's fixed statement, which outlives this call.
        TKernel shared = kernel;
        Parallel.For(0, workers, worker =>
        {
            int first = (int)((long)rowCount * worker / workers);
            int next = (int)((long)rowCount * (worker + 1) / workers);
            shared.Execute(first, next - first);
        });
    }

    /// <summary>Runs every block of <paramref name="plan"/>; blocks may run in any order and on any thread.</summary>
    public static void Run<TKernel>(in TKernel kernel, ReductionPlan plan, int rowLength)
        where TKernel : struct, IRowBlockKernel
    {
        int workers = Math.Min(WorkersFor(plan.RowCount, rowLength), plan.BlockCount);
        if (workers <= 1)
        {
            for (int block = 0; block < plan.BlockCount; block++)
            {
                kernel.Execute(block, plan.FirstRow(block), plan.RowsIn(block));
            }

            return;
        }

        TKernel shared = kernel;
        Parallel.For(0, plan.BlockCount, new ParallelOptions { MaxDegreeOfParallelism = workers }, block =>
            shared.Execute(block, plan.FirstRow(block), plan.RowsIn(block)));
    }

    /// <summary>The number of workers worth using for the given amount of work.</summary>
    public static int WorkersFor(int rowCount, int rowLength)
    {
        long elements = (long)rowCount * rowLength;
        long byWork = elements / MinElementsPerWorker;
        return (int)Math.Max(1, Math.Min(Math.Min(byWork, rowCount), MaxWorkers));
    }
}
