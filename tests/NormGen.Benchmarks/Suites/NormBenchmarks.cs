using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using NormGen.Benchmarks.Workloads;
using TorchSharp;

namespace NormGen.Benchmarks.Suites;

/// <summary>
/// The BenchmarkDotNet view of the cases: one benchmark per implementation, TorchSharp as the baseline,
/// so the Ratio column reads as NormGen's time relative to TorchSharp's.
/// </summary>
[Config(typeof(NormBenchmarkConfig))]
public abstract class NormBenchmarks
{
    private CaseData? _data;
    private Workload? _normGen;
    private Workload? _torchSharp;
    private Workload? _tensorPrimitives;
    private Workload? _copy;

    [ParamsSource(nameof(Cases))]
    public NormCase Case { get; set; } = NormCase.All[0];

    public static IEnumerable<NormCase> Cases => NormCase.All;

    protected abstract Pass Pass { get; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Environment.ProcessorCount);
        _data = new CaseData(Case);
        _normGen = Implementation.NormGen.Create(_data, Pass);
        _torchSharp = Implementation.TorchSharp.Create(_data, Pass);
        _tensorPrimitives = Implementation.TensorPrimitives.Create(_data, Pass);
        _copy = Implementation.Copy.Create(_data, Pass);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _normGen?.Dispose();
        _torchSharp?.Dispose();
        _tensorPrimitives?.Dispose();
        _copy?.Dispose();
    }

    // Not named NormGen: BenchmarkDotNet's generated code names the parameter type from the
    // NormGen namespace inside a class that derives from this one, where NormGen would be this method.
    [Benchmark(Description = "NormGen")]
    public void NormGenKernel() => _normGen!.Run();

    [Benchmark(Baseline = true)]
    public void TorchSharp() => _torchSharp!.Run();

    [Benchmark]
    public void TensorPrimitives() => _tensorPrimitives!.Run();

    /// <summary>The roofline: only the bytes every implementation must move.</summary>
    [Benchmark]
    public void Copy() => _copy!.Run();
}

/// <summary>Forward pass: normalize, no statistics saved, no autograd graph.</summary>
public class ForwardBenchmarks : NormBenchmarks
{
    protected override Pass Pass => Pass.Forward;
}

/// <summary>Forward pass saving statistics, then backward into dx, dγ and dβ.</summary>
public class ForwardBackwardBenchmarks : NormBenchmarks
{
    protected override Pass Pass => Pass.ForwardBackward;
}
