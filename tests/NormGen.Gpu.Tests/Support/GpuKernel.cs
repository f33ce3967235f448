using System;
using System.Collections.Generic;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace NormGen.Gpu.Tests.Support;

/// <summary>
/// One generated GPU kernel type seen through a float64 interface: arrays are rounded to the kernel's
/// element type, uploaded, passed to <c>Forward</c>/<c>Backward</c> by parameter name, and read back.
/// </summary>
public sealed class GpuKernel
{
    private readonly Type _type;

    /// <param name="name">The GPU kernel type nested in <see cref="GpuNorms"/>.</param>
    /// <param name="rowLength">The elements normalized together, for kernels that do not declare <c>RowLength</c> (columns).</param>
    public GpuKernel(string name, int? rowLength = null)
    {
        Name = name;
        _type = typeof(GpuNorms).GetNestedType(name, BindingFlags.Public)
            ?? throw new ArgumentException($"GpuNorms has no kernel type {name}.", nameof(name));
        RowLength = rowLength ?? (int)_type.GetField("RowLength")!.GetValue(null)!;
        Epsilon = Convert.ToDouble(_type.GetField("Epsilon")!.GetValue(null)!);
        MethodInfo forward = _type.GetMethod("Forward")!;
        ElementType = forward.GetParameters()[1].ParameterType.GetGenericArguments()[0];
        Centered = Array.Exists(forward.GetParameters(), p => p.Name == "mean");
        HasWeight = Array.Exists(forward.GetParameters(), p => p.Name == "weight");
        HasBias = Array.Exists(forward.GetParameters(), p => p.Name == "bias");
    }

    public string Name { get; }

    public int RowLength { get; }

    public double Epsilon { get; }

    public Type ElementType { get; }

    /// <summary>LayerNorm (subtracts the mean) rather than RMSNorm.</summary>
    public bool Centered { get; }

    public bool HasWeight { get; }

    public bool HasBias { get; }

    public bool IsHalf => ElementType == typeof(ILGPU.Half);

    public bool IsDouble => ElementType == typeof(double);

    public override string ToString() => Name;

    /// <summary>Rounds values to the kernel's element type, so the reference sees exactly the kernel's input.</summary>
    public double[] Round(double[] values) => Array.ConvertAll(values, v => IsHalf ? (double)(float)(System.Half)v : IsDouble ? v : (float)v);

    public (double[] Y, double[] Mean, double[] Rstd) Forward(Accelerator accelerator, double[] x, double[]? weight, double[]? bias)
    {
        int rows = x.Length / RowLength;
        using var scope = new DeviceScope(accelerator, this);
        var arguments = new Dictionary<string, object>
        {
            ["stream"] = accelerator.DefaultStream,
            ["input"] = scope.Elements(x),
            ["weight"] = scope.Elements(weight ?? new double[RowLength]),
            ["bias"] = scope.Elements(bias ?? new double[RowLength]),
            ["output"] = scope.Elements(new double[x.Length]),
            ["mean"] = scope.Statistics(rows),
            ["rstd"] = scope.Statistics(rows),
        };
        Invoke("Forward", arguments);
        accelerator.Synchronize();
        return (scope.Read(arguments["output"]), Centered ? scope.Read(arguments["mean"]) : new double[rows], scope.Read(arguments["rstd"]));
    }

    public (double[] Dx, double[] Dw, double[] Db) Backward(Accelerator accelerator, double[] dy, double[] x, double[]? weight, double[] mean, double[] rstd)
    {
        using var scope = new DeviceScope(accelerator, this);
        int rows = x.Length / RowLength;
        var arguments = new Dictionary<string, object>
        {
            ["stream"] = accelerator.DefaultStream,
            ["gradOutput"] = scope.Elements(dy),
            ["input"] = scope.Elements(x),
            ["weight"] = scope.Elements(weight ?? new double[RowLength]),
            ["mean"] = scope.Statistics(mean),
            ["rstd"] = scope.Statistics(rstd),
            ["gradInput"] = scope.Elements(new double[x.Length]),
            ["gradWeight"] = scope.Elements(new double[RowLength]),
            ["gradBias"] = scope.Elements(new double[RowLength]),
        };
        if (HasWeight || HasBias)
        {
            long workspace = (long)_type.GetMethod("WorkspaceLength")!.Invoke(null, [rows])!;
            arguments["workspace"] = scope.Statistics((int)Math.Max(workspace, 1));
        }

        Invoke("Backward", arguments);
        accelerator.Synchronize();
        return (scope.Read(arguments["gradInput"]), scope.Read(arguments["gradWeight"]), scope.Read(arguments["gradBias"]));
    }

    /// <summary>Calls a kernel method with the named arguments it declares.</summary>
    public void Invoke(string method, IReadOnlyDictionary<string, object> arguments)
    {
        MethodInfo info = _type.GetMethod(method)!;
        object?[] values = Array.ConvertAll(info.GetParameters(), p => arguments[p.Name!]);
        try
        {
            info.Invoke(null, values);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
        }
    }

    /// <summary>Device buffers of one call, freed together.</summary>
    public sealed class DeviceScope : IDisposable
    {
        private readonly Accelerator _accelerator;
        private readonly GpuKernel _kernel;
        private readonly List<IDisposable> _buffers = [];

        public DeviceScope(Accelerator accelerator, GpuKernel kernel)
        {
            _accelerator = accelerator;
            _kernel = kernel;
        }

        /// <summary>A view of the kernel's element type holding <paramref name="values"/>.</summary>
        public object Elements(double[] values) =>
            _kernel.IsHalf ? Upload(Array.ConvertAll(values, v => (ILGPU.Half)(float)v))
            : _kernel.IsDouble ? Upload(values)
            : Upload(Array.ConvertAll(values, v => (float)v));

        /// <summary>A view of the statistics' type (float, or double for double kernels).</summary>
        public object Statistics(double[] values) => _kernel.IsDouble ? Upload(values) : Upload(Array.ConvertAll(values, v => (float)v));

        public object Statistics(int length) => Statistics(new double[length]);

        public double[] Read(object view) => view switch
        {
            ArrayView<float> floats => Array.ConvertAll(floats.GetAsArray(), v => (double)v),
            ArrayView<double> doubles => doubles.GetAsArray(),
            ArrayView<ILGPU.Half> halves => Array.ConvertAll(halves.GetAsArray(), v => (double)(float)v),
            _ => throw new ArgumentException("Not a view this scope made.", nameof(view)),
        };

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
}
