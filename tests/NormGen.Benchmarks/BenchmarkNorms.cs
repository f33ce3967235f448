namespace NormGen.Benchmarks;

/// <summary>
/// The norms under measurement, declared the way a model would declare them. Shapes follow common
/// models: BERT-base / GPT-2 hidden size 768, a 7B-class hidden size 4096, and a ResNet-style
/// feature map normalized over channels and space.
/// </summary>
[LayerNorm("ln768", Layout = "N,D", Axes = "D", Shape = [768])]
[LayerNorm("ln4096", Layout = "N,D", Axes = "D", Shape = [4096])]
[LayerNorm("lnChw", Layout = "N,C,H,W", Axes = "C,H,W", Shape = [64, 32, 32])]
[RmsNorm("rms768", Layout = "N,D", Axes = "D", Shape = [768], Eps = 1e-6)]
public static partial class BenchmarkNorms
{
}
