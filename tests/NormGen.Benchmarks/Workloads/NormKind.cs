namespace NormGen.Benchmarks.Workloads;

internal enum NormKind
{
    LayerNorm,
    RmsNorm,
}
