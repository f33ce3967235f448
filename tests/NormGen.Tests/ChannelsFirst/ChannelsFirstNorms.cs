using System;
using NormGen;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>
/// LayerNorm and RMSNorm over interior axes — the channels-first LayerNorm of ConvNeXt and its relatives. The
/// shapes cover inner extents that leave scalar tails after every vector width (63, 35, 21), a single channel,
/// five-dimensional layouts (one normalized axis, and two), inner extents spanning several panels (600, 323),
/// every affine variant, double, Half, and fused activations.
/// </summary>
[LayerNorm("cfC96", Layout = "N,C=96,H=7,W=9", Axes = "C")]
[LayerNorm("cfC1", Layout = "N,C=1,H=5,W=7", Axes = "C")]
[LayerNorm("cf5d", Layout = "N,C=12,D=3,H=4,W=5", Axes = "C")]
[LayerNorm("cf5dTwoAxes", Layout = "N,C=6,D=3,H=4,W=5", Axes = "C,D")]
[LayerNorm("cfWide", Layout = "N,C=8,H=20,W=30", Axes = "C")]
[LayerNorm("cfNoBias", Layout = "N,C=16,H=5,W=5", Axes = "C", Bias = false, Eps = 1e-3)]
[LayerNorm("cfPlain", Layout = "N,C=16,H=5,W=5", Axes = "C", ElementwiseAffine = false)]
[LayerNorm("cfDouble", Layout = "N,C=20,H=3,W=7", Axes = "C", ElementType = typeof(double))]
[RmsNorm("cfRms", Layout = "N,C=24,H=5,W=6", Axes = "C", Eps = 1e-6)]
[RmsNorm("cfRmsDouble", Layout = "N,C=24,H=5,W=6", Axes = "C", ElementType = typeof(double))]
[LayerNorm("cfHalf", Layout = "N,C=32,H=6,W=7", Axes = "C", ElementType = typeof(Half))]
[LayerNorm("cfHalfWide", Layout = "N,C=8,H=20,W=30", Axes = "C", ElementType = typeof(Half))]
[RmsNorm("cfRmsHalf", Layout = "N,C=24,H=5,W=6", Axes = "C", ElementType = typeof(Half), Eps = 1e-6)]
[LayerNorm("cfGelu", Layout = "N,C=12,H=17,W=19", Axes = "C", Activation = Activation.Gelu)]
[LayerNorm("cfRelu", Layout = "N,C=16,H=5,W=7", Axes = "C", Activation = Activation.Relu)]
[RmsNorm("cfRmsGeluTanh", Layout = "N,C=16,H=5,W=7", Axes = "C", Activation = Activation.GeluTanh, Eps = 1e-6)]
[LayerNorm("cfSiluDouble", Layout = "N,C=10,H=3,W=5", Axes = "C", ElementType = typeof(double), Activation = Activation.Silu)]
[LayerNorm("cfSiluHalf", Layout = "N,C=16,H=5,W=7", Axes = "C", ElementType = typeof(Half), Activation = Activation.Silu)]
internal static partial class ChannelsFirstNorms
{
}
