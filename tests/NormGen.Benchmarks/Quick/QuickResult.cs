using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks.Quick;

/// <summary>One case and pass, measured side by side: median microseconds per call of each implementation.</summary>
internal sealed record QuickResult(string Case, Pass Pass, double NormGenUs, double TorchSharpUs, double TensorPrimitivesUs, double CopyUs)
{
    public double SpeedupVsTorchSharp => TorchSharpUs / NormGenUs;

    public double SpeedupVsTensorPrimitives => TensorPrimitivesUs / NormGenUs;

    /// <summary>How close NormGen comes to the copy roofline: copy time over NormGen time (1 = as fast as copying).</summary>
    public double CopyShare => CopyUs / NormGenUs;
}
