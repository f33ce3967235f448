using System;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;

namespace NormGen.Benchmarks.Quick;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineInfo(int Processors, string Os, string Runtime, string Simd, int TorchThreads, double? LoadAverage, string? Warning)
{
    public static MachineInfo Describe()
    {
        string simd = Vector512.IsHardwareAccelerated ? "Vector512"
            : Vector256.IsHardwareAccelerated ? "Vector256"
            : Vector128.IsHardwareAccelerated ? "Vector128"
            : "scalar";

        string? warning = null;
        foreach (Assembly assembly in new[] { typeof(MachineInfo).Assembly, typeof(NormGen.Kernels.RowScheduler).Assembly })
        {
            if (assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
            {
                warning = $"{assembly.GetName().Name} is a Debug build; run with -c Release for meaningful numbers.";
            }
        }

        double? load = LoadAverage1Min();
        if (load >= 1.0)
        {
            warning = (warning is null ? "" : warning + " ") +
                $"Other processes keep {load:0.0} cores busy; multi-threaded timings (TorchSharp's most) will be noisy.";
        }

        return new MachineInfo(
            Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            simd, torch.get_num_threads(), load, warning);
    }

    /// <summary>The one-minute load average where the OS reports it (Linux), else null.</summary>
    public static double? LoadAverage1Min()
    {
        try
        {
            string text = System.IO.File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public override string ToString() =>
        $"{Processors} cores, {Simd}, {Runtime}, {Os}, TorchSharp on {TorchThreads} threads" +
        (LoadAverage is { } load ? $", load average {load:0.0}" : "");
}
