using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks.Quick;

/// <summary>
/// Every case and pass in one process: the implementations take turns on the same inputs (see
/// <see cref="Sampler"/>), after a check that they all compute the same thing. Prints a line per case
/// as it finishes, then the table, the floors, and optionally JSON and an SVG chart.
/// </summary>
internal static class QuickRunner
{
    // In the order QuickResult takes their times.
    private static readonly Implementation[] Implementations =
        [Implementation.NormGen, Implementation.TorchSharp, Implementation.TensorPrimitives, Implementation.Copy];

    public static int Run(QuickOptions options)
    {
        TextWriter log = Console.Out;
        MachineInfo machine = MachineInfo.Describe();
        var clock = Stopwatch.StartNew();
        CpuUsage usage = CpuUsage.Start();
        log.WriteLine($"NormGen quick benchmark: {machine}");
        if (machine.Warning is { } warning)
        {
            log.WriteLine($"WARNING: {warning}");
        }

        List<NormCase> cases = NormCase.All
            .Where(c => options.CaseFilter is null || c.Name.Contains(options.CaseFilter, StringComparison.OrdinalIgnoreCase))
            .ToList();

        log.WriteLine($"Checking outputs against TorchSharp (max error / max |reference|, must be <= {ParityCheck.Tolerance:0e+0}):");
        var data = new Dictionary<NormCase, CaseData>();
        bool parity = true;
        foreach (NormCase normCase in cases)
        {
            data[normCase] = new CaseData(normCase);
            parity &= ParityCheck.Run(data[normCase], log);
        }

        if (!parity)
        {
            log.WriteLine("Outputs differ from TorchSharp beyond tolerance; not timing a wrong result.");
            return 1;
        }

        log.WriteLine($"Timing (median µs per call; {clock.Elapsed.TotalSeconds:0.0} s so far):");
        var results = new List<QuickResult>();
        foreach (NormCase normCase in cases)
        {
            foreach (Pass pass in Enum.GetValues<Pass>())
            {
                double[] times = Measure(data[normCase], pass);
                var result = new QuickResult(normCase.Name, pass, times[0], times[1], times[2], times[3]);
                results.Add(result);
                log.WriteLine(
                    $"  {normCase.Name,-34} {PassNames.Short(pass),-8} NormGen {result.NormGenUs,10:0.00} µs | " +
                    $"{result.SpeedupVsTorchSharp,6:0.00}x TorchSharp | {result.SpeedupVsTensorPrimitives,6:0.00}x TensorPrimitives | " +
                    $"copy/NormGen {result.CopyShare:0.00}   [{clock.Elapsed.TotalSeconds:0.0} s]");
            }

            data.Remove(normCase);
        }

        log.WriteLine();
        ResultTable.Write(log, results);

        log.WriteLine();
        log.WriteLine("Floors:");
        List<FloorOutcome> floors = Floors.Evaluate(results).ToList();
        foreach (FloorOutcome outcome in floors)
        {
            log.WriteLine($"  {(outcome.Holds ? "PASS" : "FAIL")}  {outcome.Floor.Description}: measured {outcome.Value:0.00}");
        }

        double? othersDuringRun = usage.OtherProcessesCores();
        if (options.JsonPath is { } jsonPath)
        {
            JsonReport.Write(jsonPath, machine, othersDuringRun, results, floors);
            log.WriteLine($"Wrote {jsonPath}");
        }

        if (options.SvgPath is { } svgPath)
        {
            SpeedupChart.Write(svgPath, machine, results);
            log.WriteLine($"Wrote {svgPath}");
        }

        string others = othersDuringRun is { } cores ? $"; other processes used {cores:0.00} cores on average meanwhile" : "";
        log.WriteLine($"Done in {clock.Elapsed.TotalSeconds:0.0} s{others}.");
        return options.CheckFloors && floors.Any(f => !f.Holds) ? 2 : 0;
    }

    /// <summary>Median µs per call of each of <see cref="Implementations"/>, timed side by side.</summary>
    private static double[] Measure(CaseData data, Pass pass)
    {
        var workloads = new List<Workload>();
        try
        {
            foreach (Implementation implementation in Implementations)
            {
                workloads.Add(implementation.Create(data, pass));
            }

            return Sampler.MedianMicroseconds(workloads);
        }
        finally
        {
            workloads.ForEach(w => w.Dispose());
        }
    }
}
