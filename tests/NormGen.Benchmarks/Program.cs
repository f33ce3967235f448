using System;
using BenchmarkDotNet.Running;
using NormGen.Benchmarks.Gpu;
using NormGen.Benchmarks.Quick;
using TorchSharp;

namespace NormGen.Benchmarks;

/// <summary>
/// <c>--quick [--json PATH] [--svg PATH] [--check-floors] [--case TEXT]</c>: every case side by side in one
/// process, in about a minute. <c>--gpu [--json PATH] [--cpu-accelerator]</c>: the ILGPU kernels against a device copy.
/// Anything else goes to BenchmarkDotNet (for example <c>--filter *</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (GpuOptions.Requested(args))
        {
            return GpuRunner.Run(GpuOptions.Parse(args));
        }

        if (QuickOptions.Requested(args))
        {
            // TorchSharp gets every core, as NormGen does.
            torch.set_num_threads(Environment.ProcessorCount);
            return QuickRunner.Run(QuickOptions.Parse(args));
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
