using System;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace NormGen.Gpu.Tests.Support;

/// <summary>
/// ILGPU's CPU accelerator, which runs kernels with simulated warps and groups: the default device
/// (warps of 4, groups of up to 16 threads) and one shaped like an NVIDIA GPU (warps of 32).
/// </summary>
public sealed class CpuAccelerators : IDisposable
{
    private readonly Context _context;

    public CpuAccelerators()
    {
        _context = Context.Create(builder => builder.CPU(CPUDevice.Default).CPU(new CPUDevice(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 2, numMultiprocessors: 1)));
        Default = _context.GetCPUDevice(0).CreateCPUAccelerator(_context);
        Warp32 = _context.GetCPUDevice(1).CreateCPUAccelerator(_context);
    }

    /// <summary>Warps of 4 threads, groups of up to 16.</summary>
    public Accelerator Default { get; }

    /// <summary>Warps of 32 threads, groups of up to 64: the shuffle distances of a CUDA warp.</summary>
    public Accelerator Warp32 { get; }

    public void Dispose()
    {
        Warp32.Dispose();
        Default.Dispose();
        _context.Dispose();
    }
}
