using NormGen;

namespace NormGen.Benchmarks.Gpu;

/// <summary>
/// The norms measured on an accelerator: a 7B-class hidden size of 4096 in float and Half, and a ResNet-style
/// feature map for BatchNorm and GroupNorm.
/// </summary>
[LayerNorm("ln4096", Layout = "N,D", Axes = "D", Shape = [4096])]
[LayerNorm("ln4096h", Layout = "N,D", Axes = "D", Shape = [4096], ElementType = typeof(System.Half))]
[RmsNorm("rms4096", Layout = "N,D", Axes = "D", Shape = [4096], Eps = 1e-6)]
[RmsNorm("rms4096h", Layout = "N,D", Axes = "D", Shape = [4096], ElementType = typeof(System.Half), Eps = 1e-6)]
[BatchNorm("bn", Layout = "N,C=64,H=32,W=32")]
[GroupNorm("gn", 32, Layout = "N,C=128,H=32,W=32")]
public static partial class GpuBenchmarkNorms
{
}
