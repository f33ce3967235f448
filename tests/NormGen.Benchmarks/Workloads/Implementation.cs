using System;

namespace NormGen.Benchmarks.Workloads;

/// <summary>The implementations measured side by side.</summary>
internal enum Implementation
{
    NormGen,
    TorchSharp,
    TensorPrimitives,
    Copy,
}

internal static class ImplementationExtensions
{
    public static Workload Create(this Implementation implementation, CaseData data, Pass pass) => implementation switch
    {
        Implementation.NormGen => data.Case.CreateNormGen(data, pass),
        Implementation.TorchSharp => data.Case.CreateTorchSharp(data, pass),
        Implementation.TensorPrimitives => data.Case.CreateTensorPrimitives(data, pass),
        Implementation.Copy => new CopyWorkload(data, pass),
        _ => throw new ArgumentOutOfRangeException(nameof(implementation)),
    };
}
