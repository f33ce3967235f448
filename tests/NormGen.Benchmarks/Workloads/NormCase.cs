using System;
using System.Collections.Generic;
using System.Linq;

namespace NormGen.Benchmarks.Workloads;

/// <summary>A shape to measure: the full input shape, which trailing axes are normalized, and the kernel that does it.</summary>
/// <remarks>Cases order as <see cref="All"/> lists them, so reports keep that order.</remarks>
public sealed class NormCase : IComparable<NormCase>, IComparable
{
    private readonly Func<CaseData, Pass, Workload> _createNormGen;
    private readonly Func<CaseData, Pass, Workload> _createTorchSharp;
    private readonly Func<CaseData, Pass, Workload> _createTensorPrimitives;

    private NormCase(string name, NormKind kind, long[] shape, int normalizedAxes, float epsilon, Func<CaseData, Pass, Workload> createNormGen)
        : this(name, kind, shape, shape[^normalizedAxes..], epsilon, createNormGen,
            static (data, pass) => new TorchSharpWorkload(data, pass), static (data, pass) => new TensorPrimitivesWorkload(data, pass))
    {
    }

    private NormCase(
        string name, NormKind kind, long[] shape, long[] normalizedShape, float epsilon, Func<CaseData, Pass, Workload> createNormGen,
        Func<CaseData, Pass, Workload> createTorchSharp, Func<CaseData, Pass, Workload> createTensorPrimitives)
    {
        Name = name;
        Kind = kind;
        Shape = shape;
        NormalizedShape = normalizedShape;
        RowLength = checked((int)NormalizedShape.Aggregate(1L, (a, b) => a * b));
        Rows = checked((int)(shape.Aggregate(1L, (a, b) => a * b) / RowLength));
        Epsilon = epsilon;
        _createNormGen = createNormGen;
        _createTorchSharp = createTorchSharp;
        _createTensorPrimitives = createTensorPrimitives;
    }

    /// <summary>Every case, in the order the reports list them.</summary>
    public static IReadOnlyList<NormCase> All { get; } =
    [
        LayerNorm<Ln768Kernel>("LayerNorm [1,768]", [1, 768], 1, BenchmarkNorms.Ln768.Epsilon),
        LayerNorm<Ln768Kernel>("LayerNorm [64,768]", [64, 768], 1, BenchmarkNorms.Ln768.Epsilon),
        LayerNorm<Ln768Kernel>("LayerNorm [4096,768]", [4096, 768], 1, BenchmarkNorms.Ln768.Epsilon),
        LayerNorm<Ln4096Kernel>("LayerNorm [8192,4096]", [8192, 4096], 1, BenchmarkNorms.Ln4096.Epsilon),
        LayerNorm<LnChwKernel>("LayerNorm C,H,W of [32,64,32,32]", [32, 64, 32, 32], 3, BenchmarkNorms.LnChw.Epsilon),
        new("RMSNorm [4096,768]", NormKind.RmsNorm, [4096, 768], 1, BenchmarkNorms.Rms768.Epsilon,
            static (data, pass) => new NormGenWorkload<Rms768Kernel>(data, pass)),
        .. ChannelsFirstCases.All,
        .. ResidualCases.All,
        .. GroupNormCases.All,
        .. BatchNormCases.All,
    ];

    public string Name { get; }

    internal NormKind Kind { get; }

    public long[] Shape { get; }

    public long[] NormalizedShape { get; }

    public int RowLength { get; }

    public int Rows { get; }

    public float Epsilon { get; }

    internal Workload CreateNormGen(CaseData data, Pass pass) => _createNormGen(data, pass);

    internal Workload CreateTorchSharp(CaseData data, Pass pass) => _createTorchSharp(data, pass);

    internal Workload CreateTensorPrimitives(CaseData data, Pass pass) => _createTensorPrimitives(data, pass);

    /// <summary>
    /// A LayerNorm over axis 1 (C) of an N,C,spatial… shape, in that memory layout: <see cref="Rows"/> counts the
    /// (n, spatial) positions and <see cref="RowLength"/> is C. The comparisons bring their own workloads.
    /// </summary>
    internal static NormCase ChannelsFirst(
        string name, long[] shape, float epsilon, Func<CaseData, Pass, Workload> createNormGen,
        Func<CaseData, Pass, Workload> createTorchSharp, Func<CaseData, Pass, Workload> createTensorPrimitives)
        => new(name, NormKind.LayerNorm, shape, [shape[1]], epsilon, createNormGen, createTorchSharp, createTensorPrimitives);

    /// <summary>A LayerNorm or RMSNorm over the trailing axes whose comparisons bring their own workloads (a fused norm, say).</summary>
    internal static NormCase Trailing(
        string name, NormKind kind, long[] shape, int normalizedAxes, float epsilon, Func<CaseData, Pass, Workload> createNormGen,
        Func<CaseData, Pass, Workload> createTorchSharp, Func<CaseData, Pass, Workload> createTensorPrimitives)
        => new(name, kind, shape, shape[^normalizedAxes..], epsilon, createNormGen, createTorchSharp, createTensorPrimitives);

    public int CompareTo(NormCase? other) => other is null ? 1 : Index.CompareTo(other.Index);

    public int CompareTo(object? obj) => CompareTo(obj as NormCase);

    public override string ToString() => Name;

    private int Index => ((IList<NormCase>)All).IndexOf(this);

    private static NormCase LayerNorm<TKernel>(string name, long[] shape, int normalizedAxes, float epsilon)
        where TKernel : INormGenKernel
        => new(name, NormKind.LayerNorm, shape, normalizedAxes, epsilon, static (data, pass) => new NormGenWorkload<TKernel>(data, pass));
}
