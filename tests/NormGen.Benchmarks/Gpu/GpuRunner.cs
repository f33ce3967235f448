using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using ILGPU;
using ILGPU.Runtime;

namespace NormGen.Benchmarks.Gpu;

/// <summary>
/// Measures each generated GPU kernel's achieved bandwidth (bytes it must move / time) against a
/// device-to-device copy of the same bytes on the same accelerator, and prints a table (and JSON).
/// </summary>
internal static class GpuRunner
{
    private const int RowLength = 4096;

    /// <summary>The shape the floors are stated for: [32768, 4096].</summary>
    private const int GpuRows = 32768;

    /// <summary>A shape small enough for ILGPU's CPU accelerator, which simulates every GPU thread.</summary>
    private const int SmokeRows = 4;

    public static int Run(GpuOptions options)
    {
        using Context context = Context.Create(builder => builder.Default());
        Device? device = context.Devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.Cuda)
            ?? context.Devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.OpenCL);
        if (device is null && !options.CpuAccelerator)
        {
            Console.WriteLine("No CUDA or OpenCL device found: nothing measured. Pass --cpu-accelerator for a smoke run of a tiny shape on ILGPU's CPU accelerator.");
            return 0;
        }

        device ??= context.Devices.First(d => d.AcceleratorType == AcceleratorType.CPU);
        using Accelerator accelerator = device.CreateAccelerator(context);
        bool smoke = accelerator.AcceleratorType == AcceleratorType.CPU;
        int rows = smoke ? SmokeRows : GpuRows;
        int iterations = smoke ? 2 : 50;
        Console.WriteLine($"{accelerator.Name} ({accelerator.AcceleratorType}), shape [{rows}, {RowLength}], {iterations} timed launches each{(smoke ? " — smoke run, not a measurement" : "")}");

        var results = new List<GpuResult>();
        results.AddRange(Measure(accelerator, rows, iterations, "float", sizeof(float), GpuCases.Float(accelerator, rows)));
        results.AddRange(Measure(accelerator, rows, iterations, "half", 2, GpuCases.Half(accelerator, rows)));
        foreach (string kernel in new[] { "BatchNorm", "GroupNorm" })
        {
            results.Add(new GpuResult(kernel, "float", "forward", rows, RowLength, 0, 0, 0, 0, "no GPU kernel generated yet"));
        }

        Print(results);
        if (options.JsonPath is not null)
        {
            var report = new { accelerator = accelerator.Name, type = accelerator.AcceleratorType.ToString(), smoke, results };
            File.WriteAllText(options.JsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"JSON written to {options.JsonPath}");
        }

        return 0;
    }

    private static IEnumerable<GpuResult> Measure(Accelerator accelerator, int rows, int iterations, string element, int elementSize, GpuCases cases)
    {
        using (cases)
        {
            long tensorBytes = (long)rows * RowLength * elementSize;

            // A copy reads and writes the tensor once: the bandwidth the norms are held against.
            double copySeconds = Time(accelerator, iterations, cases.Copy);
            double copyBandwidth = 2.0 * tensorBytes / copySeconds;
            yield return new GpuResult("copy", element, "-", rows, RowLength, 2 * tensorBytes, copySeconds, copyBandwidth, 1, "");

            foreach ((string name, string pass, int tensors, Action launch) in cases.Kernels)
            {
                // Bytes the kernel cannot avoid: each full tensor read or written once (parameters and statistics are negligible).
                long bytes = tensors * tensorBytes;
                double seconds = Time(accelerator, iterations, launch);
                double bandwidth = bytes / seconds;
                double floor = pass == "forward" ? 0.70 : 0.50;
                yield return new GpuResult(name, element, pass, rows, RowLength, bytes, seconds, bandwidth, bandwidth / copyBandwidth,
                    accelerator.AcceleratorType == AcceleratorType.Cuda ? $"H100 floor {floor:P0}" : "");
            }
        }
    }

    private static double Time(Accelerator accelerator, int iterations, Action launch)
    {
        launch();
        launch();
        accelerator.Synchronize();
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            launch();
        }

        accelerator.Synchronize();
        return stopwatch.Elapsed.TotalSeconds / iterations;
    }

    private static void Print(IReadOnlyList<GpuResult> results)
    {
        Console.WriteLine();
        Console.WriteLine($"{"kernel",-10} {"type",-6} {"pass",-9} {"time (µs)",12} {"GB/s",10} {"of copy",9}  note");
        foreach (GpuResult r in results)
        {
            if (r.Seconds == 0)
            {
                Console.WriteLine($"{r.Kernel,-10} {r.Element,-6} {"-",-9} {"-",12} {"-",10} {"-",9}  {r.Note}");
                continue;
            }

            Console.WriteLine($"{r.Kernel,-10} {r.Element,-6} {r.Pass,-9} {r.Seconds * 1e6,12:F1} {r.BytesPerSecond / 1e9,10:F1} {r.FractionOfCopy,9:P1}  {r.Note}");
        }
    }
}

/// <summary>One row of the table.</summary>
internal sealed record GpuResult(
    string Kernel, string Element, string Pass, int Rows, int RowLength, long Bytes, double Seconds,
    double BytesPerSecond, double FractionOfCopy, string Note);
