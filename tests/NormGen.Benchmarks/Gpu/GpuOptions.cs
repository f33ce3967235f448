using System;

namespace NormGen.Benchmarks.Gpu;

/// <summary>
/// <c>--gpu [--json PATH] [--cpu-accelerator]</c>: the generated ILGPU kernels' bandwidth against a device-to-device
/// copy on the same accelerator. Without a CUDA or OpenCL device it says so and measures nothing, unless
/// <c>--cpu-accelerator</c> asks for a smoke run of a tiny shape on ILGPU's CPU accelerator.
/// </summary>
internal sealed record GpuOptions(string? JsonPath, bool CpuAccelerator)
{
    public static bool Requested(string[] args) => Array.IndexOf(args, "--gpu") >= 0;

    public static GpuOptions Parse(string[] args)
    {
        string? json = null;
        bool cpu = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--gpu":
                    break;
                case "--json" when i + 1 < args.Length:
                    json = args[++i];
                    break;
                case "--cpu-accelerator":
                    cpu = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown GPU benchmark option '{args[i]}'. Usage: --gpu [--json PATH] [--cpu-accelerator]", nameof(args));
            }
        }

        return new GpuOptions(json, cpu);
    }
}
