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
    /// <summary>The shape the floors are stated for: [32768, 4096].</summary>
    private const int GpuRows = 32768;

    /// <summary>A shape small enough for ILGPU's CPU accelerator, which simulates every GPU thread.</summary>
    private const int SmokeRows = 4;

    /// <summary>The batch of the channel norms' feature maps ([128, 64, 32, 32]: 32 MiB of float).</summary>
    private const int GpuBatch = 128;

    private const int SmokeBatch = 2;

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
        Console.WriteLine($"{accelerator.Name} ({accelerator.AcceleratorType}), {iterations} timed launches each{(smoke ? " — smoke run, not a measurement" : "")}");

        var results = new List<GpuResult>();
        results.AddRange(Measure(accelerator, iterations, "float", GpuCases.Float(accelerator, rows)));
        results.AddRange(Measure(accelerator, iterations, "half", GpuCases.Half(accelerator, rows)));
        results.AddRange(Measure(accelerator, iterations, "float", GpuCases.ChannelNorms(accelerator, smoke ? SmokeBatch : GpuBatch)));

        Print(results);
        if (options.JsonPath is not null)
        {
            var report = new { accelerator = accelerator.Name, type = accelerator.AcceleratorType.ToString(), smoke, results };
            File.WriteAllText(options.JsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"JSON written to {options.JsonPath}");
        }

        return 0;
    }

    private static IEnumerable<GpuResult> Measure(Accelerator accelerator, int iterations, string element, GpuCases cases)
    {
        using (cases)
        {
            long tensorBytes = cases.TensorBytes;

            // A copy reads and writes the tensor once: the bandwidth the norms are held against.
            double copySeconds = Time(accelerator, iterations, cases.Copy);
            double copyBandwidth = 2.0 * tensorBytes / copySeconds;
            yield return new GpuResult("copy", element, "-", cases.Shape, 2 * tensorBytes, copySeconds, copyBandwidth, 1, "");

            foreach ((string name, string pass, int tensors, Action launch) in cases.Kernels)
            {
                // Bytes the kernel cannot avoid: each full tensor read or written once (parameters and statistics are negligible).
                long bytes = tensors * tensorBytes;
                double seconds = Time(accelerator, iterations, launch);
                double bandwidth = bytes / seconds;
                // The issue's floors on an H100, for LayerNorm and RMSNorm at [32768, 4096].
                string floor = name is "LayerNorm" or "RMSNorm" && accelerator.AcceleratorType == AcceleratorType.Cuda
                    ? $"H100 floor {(pass == "forward" ? 0.70 : 0.50):P0}"
                    : "";
                yield return new GpuResult(name, element, pass, cases.Shape, bytes, seconds, bandwidth, bandwidth / copyBandwidth, floor);
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
        Console.WriteLine($"{"kernel",-10} {"type",-6} {"pass",-9} {"shape",-36} {"time (µs)",12} {"GB/s",10} {"of copy",9}  note");
        foreach (GpuResult r in results)
        {
            Console.WriteLine($"{r.Kernel,-10} {r.Element,-6} {r.Pass,-9} {r.Shape,-36} {r.Seconds * 1e6,12:F1} {r.BytesPerSecond / 1e9,10:F1} {r.FractionOfCopy,9:P1}  {r.Note}");
        }
    }
}

/// <summary>One row of the table.</summary>
internal sealed record GpuResult(
    string Kernel, string Element, string Pass, string Shape, long Bytes, double Seconds,
    double BytesPerSecond, double FractionOfCopy, string Note);
