using System;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;

namespace NormGen.Benchmarks.Quick;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineInfo(int Processors, string Os, string Runtime, string Simd, int TorchThreads, double? OtherProcessesCores, string? Warning)
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

        // A short sample before any work starts: what else is running right now.
        CpuUsage usage = CpuUsage.Start();
        System.Threading.Thread.Sleep(500);
        double? others = usage.OtherProcessesCores();
        if (others >= 0.25)
        {
            warning = (warning is null ? "" : warning + " ") +
                $"Other processes keep {others:0.0} of {Environment.ProcessorCount} cores busy; multi-threaded timings (TorchSharp's most) will be noisy.";
        }

        return new MachineInfo(
            Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            simd, torch.get_num_threads(), others, warning);
    }

    public override string ToString() =>
        $"{Processors} cores, {Simd}, {Runtime}, {Os}, TorchSharp on {TorchThreads} threads" +
        (OtherProcessesCores is { } others ? $", other processes using {others:0.0} cores" : "");
}
