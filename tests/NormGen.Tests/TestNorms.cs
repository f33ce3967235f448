using NormGen;

namespace NormGen.Tests;

/// <summary>
/// The norms under test. The row lengths cover a single element, lengths below every vector
/// width (7), exact multiples (16, 768), and lengths that leave scalar tails after the vector loops (4099).
/// </summary>
[TensorLayout("B,T,D")]
[LayerNorm("ln1", Axes = "D", Shape = [1])]
[LayerNorm("ln7", Axes = "D", Shape = [7])]
[LayerNorm("ln16", Axes = "D", Shape = [16])]
[LayerNorm("ln768", Axes = "D", Shape = [768])]
[LayerNorm("ln4099", Axes = "D", Shape = [4099])]
[LayerNorm("ln7d", Axes = "D", Shape = [7], ElementType = typeof(double))]
[LayerNorm("ln768d", Axes = "D", Shape = [768], ElementType = typeof(double))]
[LayerNorm("ln4099d", Axes = "D", Shape = [4099], ElementType = typeof(double))]
[LayerNorm("lnNoBias", Axes = "D", Shape = [37], Bias = false, Eps = 1e-3)]
[LayerNorm("lnPlain", Axes = "D", Shape = [37], ElementwiseAffine = false)]
[LayerNorm("lnChw", Layout = "N,C,H,W", Axes = "C,H,W", Shape = [4, 5, 6])]
[LayerNorm("lnLong", Axes = "D", Shape = [32775])]
[LayerNorm("lnLongNoBias", Axes = "D", Shape = [32768], Bias = false)]
[LayerNorm("lnLongPlainD", Axes = "D", Shape = [16391], ElementType = typeof(double), ElementwiseAffine = false)]
[RmsNorm("rms1", Axes = "D", Shape = [1], Eps = 1e-6)]
[RmsNorm("rms7", Axes = "D", Shape = [7], Eps = 1e-6)]
[RmsNorm("rms768", Axes = "D", Shape = [768], Eps = 1e-6)]
[RmsNorm("rms4099", Axes = "D", Shape = [4099], Eps = 1e-6)]
[RmsNorm("rms7d", Axes = "D", Shape = [7], ElementType = typeof(double))]
[RmsNorm("rms4099d", Axes = "D", Shape = [4099], ElementType = typeof(double), Eps = 1e-6)]
[RmsNorm("rmsPlain", Axes = "D", Shape = [33], ElementwiseAffine = false, Eps = 1e-6)]
[RmsNorm("rmsLong", Axes = "D", Shape = [32768], Eps = 1e-6)]
[RmsNorm("rmsLongD", Axes = "D", Shape = [16391], ElementType = typeof(double), Eps = 1e-6)]
internal static partial class TestNorms
{
}
