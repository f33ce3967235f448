using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks.Quick;

/// <summary>
/// Times several workloads side by side in the current process. Each is warmed up (tiered JIT, caches,
/// thread pools) and given a batch size of about ten milliseconds of calls; then the workloads take turns,
/// one batch each per round, so a burst of load from elsewhere on the machine lands on all of them alike.
/// Reports the median time per call of each.
/// </summary>
/// <remarks>
/// Between batches of different workloads every core spins briefly. Thread pools keep their workers
/// spinning for a while after a parallel call (libtorch's OpenMP workers for about ten milliseconds), and on
/// a machine with few cores a spinning worker left by one implementation would slow the next one down; the
/// pause lets them park. The pause spins rather than sleeps: on a virtual machine an idle core is handed
/// back to the host and comes back with cold caches and a low clock, which measured up to twice as slow
/// for the first milliseconds of a batch. A training loop never idles between calls, so neither do we.
/// /// </remarks>
internal static class Sampler
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan BudgetPerWorkload = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan BatchTarget = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan CoolDown = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan TieringDelay = TimeSpan.FromMilliseconds(250);
    private const int TieringCalls = 40;
    private const int MinBatches = 5;

    /// <summary>Median microseconds per call of each of <paramref name="workloads"/>, in the same order.</summary>
    public static double[] MedianMicroseconds(IReadOnlyList<Workload> workloads)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var batches = new int[workloads.Count];
        var samples = new List<double>[workloads.Count];
        for (int w = 0; w < workloads.Count; w++)
        {
            batches[w] = BatchSize(workloads[w]);
            samples[w] = [];
        }

        // The runtime promotes hot methods to fully optimized code only after a quiet spell with no new
        // methods compiled, then 30 more calls. Warming all the workloads has compiled plenty, so give
        // tiering its spell now and make those calls, rather than time code that is still being replaced.
        Thread.Sleep(TieringDelay);
        foreach (Workload workload in workloads)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < TieringCalls && clock.Elapsed < WarmUp; i++)
            {
                workload.Run();
            }
        }

        TimeSpan measured = TimeSpan.Zero;
        TimeSpan budget = BudgetPerWorkload * workloads.Count;
        while (samples[0].Count < MinBatches || measured < budget)
        {
            for (int w = 0; w < workloads.Count; w++)
            {
                Settle();
                Workload workload = workloads[w];
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < batches[w]; i++)
                {
                    workload.Run();
                }

                TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
                measured += elapsed;
                samples[w].Add(elapsed.TotalMicroseconds / batches[w]);
            }
        }

        var medians = new double[workloads.Count];
        for (int w = 0; w < workloads.Count; w++)
        {
            medians[w] = Median(samples[w]);
        }

        return medians;
    }

    /// <summary>Warms <paramref name="workload"/> up and returns how many calls make about one batch.</summary>
    private static int BatchSize(Workload workload)
    {
        Settle();
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (calls < 3 || clock.Elapsed < WarmUp)
        {
            workload.Run();
            calls++;

            // A slow call is warm after a couple of runs; don't let it eat the budget.
            if (calls >= 2 && clock.Elapsed > 4 * WarmUp)
            {
                break;
            }
        }

        double perCall = clock.Elapsed.TotalSeconds / calls;
        return (int)Math.Clamp(BatchTarget.TotalSeconds / perCall, 1, 1_000_000);
    }

    /// <summary>Keeps every core busy with nothing for <see cref="CoolDown"/>, so other threads park and no core idles.</summary>
    private static void Settle()
    {
        var spinners = new Thread[Environment.ProcessorCount - 1];
        for (int i = 0; i < spinners.Length; i++)
        {
            spinners[i] = new Thread(Spin) { IsBackground = true };
            spinners[i].Start();
        }

        Spin();
        foreach (Thread spinner in spinners)
        {
            spinner.Join();
        }

        static void Spin()
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < CoolDown)
            {
                Thread.SpinWait(64);
            }
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
