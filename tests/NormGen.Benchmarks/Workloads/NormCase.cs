using System;
using System.Collections.Generic;
using System.Linq;

namespace NormGen.Benchmarks.Workloads;

/// <summary>A shape to measure: the full input shape, which trailing axes are normalized, and the kernel that does it.</summary>
/// <remarks>Cases order as <see cref="All"/> lists them, so reports keep that order.</remarks>
public sealed class NormCase : IComparable<NormCase>, IComparable
{
    private readonly Func<CaseData, Pass, Workload> _createNormGen;

    private NormCase(string name, NormKind kind, long[] shape, int normalizedAxes, float epsilon, Func<CaseData, Pass, Workload> createNormGen)
    {
        Name = name;
        Kind = kind;
        Shape = shape;
        NormalizedShape = shape[^normalizedAxes..];
        RowLength = checked((int)NormalizedShape.Aggregate(1L, (a, b) => a * b));
        Rows = checked((int)(shape.Aggregate(1L, (a, b) => a * b) / RowLength));
        Epsilon = epsilon;
        _createNormGen = createNormGen;
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
    ];

    public string Name { get; }

    internal NormKind Kind { get; }

    public long[] Shape { get; }

    public long[] NormalizedShape { get; }

    public int RowLength { get; }

    public int Rows { get; }

    public float Epsilon { get; }

    internal Workload CreateNormGen(CaseData data, Pass pass) => _createNormGen(data, pass);

    public int CompareTo(NormCase? other) => other is null ? 1 : Index.CompareTo(other.Index);

    public int CompareTo(object? obj) => CompareTo(obj as NormCase);

    public override string ToString() => Name;

    private int Index => ((IList<NormCase>)All).IndexOf(this);

    private static NormCase LayerNorm<TKernel>(string name, long[] shape, int normalizedAxes, float epsilon)
        where TKernel : INormGenKernel
        => new(name, NormKind.LayerNorm, shape, normalizedAxes, epsilon, static (data, pass) => new NormGenWorkload<TKernel>(data, pass));
}
