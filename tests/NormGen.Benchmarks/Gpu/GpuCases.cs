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

    /// <summary>The shape measured, for the table.</summary>
    public string Shape { get; private set; } = "";

    /// <summary>Bytes of one full tensor of the case.</summary>
    public long TensorBytes { get; private set; }

    public Action Copy { get; private set; } = () => { };

    /// <summary>Name, pass, full tensors the launch must move, and the launch.</summary>
    public List<(string Name, string Pass, int Tensors, Action Launch)> Kernels { get; } = [];

    public static GpuCases Float(Accelerator accelerator, int rows)
    {
        int d = GpuBenchmarkNorms.Ln4096Gpu.RowLength;
        var cases = new GpuCases { Shape = $"[{rows}, {d}]", TensorBytes = (long)rows * d * sizeof(float) };
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
        int d = GpuBenchmarkNorms.Ln4096hGpu.RowLength;
        var cases = new GpuCases { Shape = $"[{rows}, {d}]", TensorBytes = (long)rows * d * 2 };
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

    public static GpuCases ChannelNorms(Accelerator accelerator, int batch)
    {
        const int BnLength = GpuBenchmarkNorms.BnGpu.SampleLength, GnLength = GpuBenchmarkNorms.GnGpu.SampleLength;
        var cases = new GpuCases
        {
            Shape = $"[{batch}, 64, 32, 32] / [{batch}, 128, 32, 32]",
            TensorBytes = (long)batch * BnLength * sizeof(float),
        };
        AcceleratorStream stream = accelerator.DefaultStream;
        const int BnC = GpuBenchmarkNorms.BnGpu.Channels, GnC = GpuBenchmarkNorms.GnGpu.Channels;
        ArrayView<float> x = cases.Filled(accelerator, (long)batch * BnLength, i => (float)Math.Sin(i)), dy = cases.Filled(accelerator, (long)batch * BnLength, i => (float)Math.Cos(i));
        ArrayView<float> y = cases.Filled(accelerator, (long)batch * BnLength, _ => 0f), dx = cases.Filled(accelerator, (long)batch * BnLength, _ => 0f);
        ArrayView<float> w = cases.Filled(accelerator, BnC, _ => 1f), b = cases.Filled(accelerator, BnC, _ => 0f), runMean = cases.Filled(accelerator, BnC, _ => 0f), runVar = cases.Filled(accelerator, BnC, _ => 1f);
        ArrayView<float> dw = cases.Filled(accelerator, BnC, _ => 0f), db = cases.Filled(accelerator, BnC, _ => 0f), mean = cases.Filled(accelerator, BnC, _ => 0f), rstd = cases.Filled(accelerator, BnC, _ => 0f);
        cases.Copy = () => x.CopyTo(stream, y);
        long tracked = 0;
        cases.Kernels.Add(("BatchNorm", "forward", 2, () => GpuBenchmarkNorms.BnGpu.ForwardTraining(stream, x, w, b, runMean, runVar, ref tracked, y, mean, rstd)));
        cases.Kernels.Add(("BatchNorm", "backward", 3, () => GpuBenchmarkNorms.BnGpu.Backward(stream, dy, x, w, mean, rstd, dx, dw, db)));

        // GroupNorm's sample holds twice BatchNorm's channels: half the batch moves the same bytes.
        int gnBatch = (int)((long)batch * BnLength / GnLength);
        ArrayView<float> gx = x.SubView(0, (long)gnBatch * GnLength), gy = y.SubView(0, (long)gnBatch * GnLength), gdy = dy.SubView(0, (long)gnBatch * GnLength), gdx = dx.SubView(0, (long)gnBatch * GnLength);
        ArrayView<float> gw = cases.Filled(accelerator, GnC, _ => 1f), gb = cases.Filled(accelerator, GnC, _ => 0f), gdw = cases.Filled(accelerator, GnC, _ => 0f), gdb = cases.Filled(accelerator, GnC, _ => 0f);
        ArrayView<float> gmean = cases.Filled(accelerator, (long)gnBatch * GpuBenchmarkNorms.GnGpu.Groups, _ => 0f), grstd = cases.Filled(accelerator, (long)gnBatch * GpuBenchmarkNorms.GnGpu.Groups, _ => 0f);
        ArrayView<float> workspace = cases.Filled(accelerator, GpuBenchmarkNorms.GnGpu.WorkspaceLength(gnBatch), _ => 0f);
        cases.Kernels.Add(("GroupNorm", "forward", 2, () => GpuBenchmarkNorms.GnGpu.Forward(stream, gx, gw, gb, gy, gmean, grstd)));
        cases.Kernels.Add(("GroupNorm", "backward", 3, () => GpuBenchmarkNorms.GnGpu.Backward(stream, gdy, gx, gw, gmean, grstd, gdx, gdw, gdb, workspace)));
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
