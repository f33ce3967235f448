using System;
using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;

namespace NormGen.Benchmarks.Gpu;

/// <summary>Device buffers of one element type and the launches measured on them.</summary>
internal sealed class GpuCases : IDisposable
{
    private readonly List<IDisposable> _buffers = [];

    private GpuCases()
    {
    }

    public Action Copy { get; private set; } = () => { };

    /// <summary>Name, pass, full tensors the launch must move, and the launch.</summary>
    public List<(string Name, string Pass, int Tensors, Action Launch)> Kernels { get; } = [];

    public static GpuCases Float(Accelerator accelerator, int rows)
    {
        var cases = new GpuCases();
        int d = GpuBenchmarkNorms.Ln4096Gpu.RowLength;
        AcceleratorStream stream = accelerator.DefaultStream;
        ArrayView<float> x = cases.Filled(accelerator, rows * d, i => (float)Math.Sin(i)), dy = cases.Filled(accelerator, rows * d, i => (float)Math.Cos(i));
        ArrayView<float> y = cases.Filled(accelerator, rows * d, _ => 0f), dx = cases.Filled(accelerator, rows * d, _ => 0f);
        ArrayView<float> w = cases.Filled(accelerator, d, _ => 1f), b = cases.Filled(accelerator, d, _ => 0f);
        ArrayView<float> dw = cases.Filled(accelerator, d, _ => 0f), db = cases.Filled(accelerator, d, _ => 0f);
        ArrayView<float> mean = cases.Filled(accelerator, rows, _ => 0f), rstd = cases.Filled(accelerator, rows, _ => 0f);
        ArrayView<float> workspace = cases.Filled(accelerator, GpuBenchmarkNorms.Ln4096Gpu.WorkspaceLength(rows), _ => 0f);
        cases.Copy = () => x.CopyTo(stream, y);
        cases.Kernels.Add(("LayerNorm", "forward", 2, () => GpuBenchmarkNorms.Ln4096Gpu.Forward(stream, x, w, b, y, mean, rstd)));
        cases.Kernels.Add(("LayerNorm", "backward", 3, () => GpuBenchmarkNorms.Ln4096Gpu.Backward(stream, dy, x, w, mean, rstd, dx, dw, db, workspace)));
        cases.Kernels.Add(("RMSNorm", "forward", 2, () => GpuBenchmarkNorms.Rms4096Gpu.Forward(stream, x, w, y, rstd)));
        cases.Kernels.Add(("RMSNorm", "backward", 3, () => GpuBenchmarkNorms.Rms4096Gpu.Backward(stream, dy, x, w, rstd, dx, dw, workspace)));
        return cases;
    }

    public static GpuCases Half(Accelerator accelerator, int rows)
    {
        var cases = new GpuCases();
        int d = GpuBenchmarkNorms.Ln4096hGpu.RowLength;
        AcceleratorStream stream = accelerator.DefaultStream;
        ArrayView<ILGPU.Half> x = cases.Filled(accelerator, rows * d, i => (ILGPU.Half)(float)Math.Sin(i)), dy = cases.Filled(accelerator, rows * d, i => (ILGPU.Half)(float)Math.Cos(i));
        ArrayView<ILGPU.Half> y = cases.Filled(accelerator, rows * d, _ => default(ILGPU.Half)), dx = cases.Filled(accelerator, rows * d, _ => default(ILGPU.Half));
        ArrayView<ILGPU.Half> w = cases.Filled(accelerator, d, _ => (ILGPU.Half)1f), b = cases.Filled(accelerator, d, _ => default(ILGPU.Half));
        ArrayView<ILGPU.Half> dw = cases.Filled(accelerator, d, _ => default(ILGPU.Half)), db = cases.Filled(accelerator, d, _ => default(ILGPU.Half));
        ArrayView<float> mean = cases.Filled(accelerator, rows, _ => 0f), rstd = cases.Filled(accelerator, rows, _ => 0f);
        ArrayView<float> workspace = cases.Filled(accelerator, GpuBenchmarkNorms.Ln4096hGpu.WorkspaceLength(rows), _ => 0f);
        cases.Copy = () => x.CopyTo(stream, y);
        cases.Kernels.Add(("LayerNorm", "forward", 2, () => GpuBenchmarkNorms.Ln4096hGpu.Forward(stream, x, w, b, y, mean, rstd)));
        cases.Kernels.Add(("LayerNorm", "backward", 3, () => GpuBenchmarkNorms.Ln4096hGpu.Backward(stream, dy, x, w, mean, rstd, dx, dw, db, workspace)));
        cases.Kernels.Add(("RMSNorm", "forward", 2, () => GpuBenchmarkNorms.Rms4096hGpu.Forward(stream, x, w, y, rstd)));
        cases.Kernels.Add(("RMSNorm", "backward", 3, () => GpuBenchmarkNorms.Rms4096hGpu.Backward(stream, dy, x, w, rstd, dx, dw, workspace)));
        return cases;
    }

    private ArrayView<T> Filled<T>(Accelerator accelerator, long length, Func<long, T> value)
        where T : unmanaged
    {
        var data = new T[length];
        for (long i = 0; i < length; i++)
        {
            data[i] = value(i);
        }

        MemoryBuffer1D<T, Stride1D.Dense> buffer = accelerator.Allocate1D(data);
        _buffers.Add(buffer);
        return buffer.View;
    }

    public void Dispose()
    {
        foreach (IDisposable buffer in _buffers)
        {
            buffer.Dispose();
        }
    }
}
