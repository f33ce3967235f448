using System;
using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;

namespace NormGen.Gpu.Tests.Support;

/// <summary>Device copies of float64 test data in a kernel's element type, freed together.</summary>
internal sealed class Device : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly List<IDisposable> _buffers = [];

    public Device(Accelerator accelerator) => _accelerator = accelerator;

    public AcceleratorStream Stream => _accelerator.DefaultStream;

    public ArrayView<float> Float(double[] values) => Upload(Array.ConvertAll(values, v => (float)v));

    public ArrayView<double> Double(double[] values) => Upload((double[])values.Clone());

    public ArrayView<ILGPU.Half> Half(double[] values) => Upload(Array.ConvertAll(values, v => (ILGPU.Half)(float)v));

    public static double[] Read(ArrayView<float> view) => Array.ConvertAll(view.GetAsArray(), v => (double)v);

    public static double[] Read(ArrayView<double> view) => view.GetAsArray();

    public static double[] Read(ArrayView<ILGPU.Half> view) => Array.ConvertAll(view.GetAsArray(), v => (double)(float)v);

    public void Synchronize() => _accelerator.Synchronize();

    private ArrayView<T> Upload<T>(T[] values)
        where T : unmanaged
    {
        MemoryBuffer1D<T, Stride1D.Dense> buffer = _accelerator.Allocate1D(values);
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
