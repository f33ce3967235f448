using System;
using NormGen;

namespace NormGen.Tests.Fusions;

/// <summary>
/// Fused row norms under test, each beside the plain norm with the same shape and parameters that
/// the unfused composition (separate add, norm, activation) runs through. Row lengths: 37 leaves
/// vector tails; 768 is the transformer width; 4099 makes the scratch rows too long for the stack;
/// 32775 takes the long-row statistics and backward.
/// </summary>
[TensorLayout("B,T,D")]
// float
[LayerNorm("lnGelu", Axes = "D", Shape = [37], Activation = Activation.Gelu)]
[LayerNorm("lnReluNoBias", Axes = "D", Shape = [37], Bias = false, Activation = Activation.Relu)]
[LayerNorm("lnSiluPlain", Axes = "D", Shape = [37], ElementwiseAffine = false, Activation = Activation.Silu)]
[LayerNorm("lnResidual", Axes = "D", Shape = [37], Residual = true)]
[LayerNorm("lnInputBias", Axes = "D", Shape = [37], InputBias = true)]
[LayerNorm("lnAllGeluTanh", Axes = "D", Shape = [37], Residual = true, InputBias = true, Activation = Activation.GeluTanh)]
[RmsNorm("rmsSilu", Axes = "D", Shape = [37], Eps = 1e-6, Activation = Activation.Silu)]
[RmsNorm("rmsResidualBias", Axes = "D", Shape = [37], Eps = 1e-6, Residual = true, InputBias = true)]
[RmsNorm("rmsPlainInputBiasGelu", Axes = "D", Shape = [37], Eps = 1e-6, ElementwiseAffine = false, InputBias = true, Activation = Activation.Gelu)]
[LayerNorm("lnLongResidualGelu", Axes = "D", Shape = [4099], Residual = true, Activation = Activation.Gelu)]
[LayerNorm("lnWideResidual", Axes = "D", Shape = [768], Residual = true)]
[LayerNorm("lnWideGelu", Axes = "D", Shape = [768], Activation = Activation.Gelu)]
[LayerNorm("lnWideSilu", Axes = "D", Shape = [768], Activation = Activation.Silu)]
[LayerNorm("plain", Axes = "D", Shape = [37])]
[LayerNorm("plainNoBias", Axes = "D", Shape = [37], Bias = false)]
[LayerNorm("plainNoAffine", Axes = "D", Shape = [37], ElementwiseAffine = false)]
[RmsNorm("plainRms", Axes = "D", Shape = [37], Eps = 1e-6)]
[RmsNorm("plainRmsNoAffine", Axes = "D", Shape = [37], Eps = 1e-6, ElementwiseAffine = false)]
[LayerNorm("plainLong", Axes = "D", Shape = [4099])]
[LayerNorm("lnHugeResidual", Axes = "D", Shape = [32768], Residual = true)]
[RmsNorm("rmsHugeResidualBias", Axes = "D", Shape = [32775], Eps = 1e-6, Residual = true, InputBias = true)]
[LayerNorm("plainHuge", Axes = "D", Shape = [32768])]
[RmsNorm("plainHugeRms", Axes = "D", Shape = [32775], Eps = 1e-6)]
// double: every activation and both prologues, for finite differences
[LayerNorm("lnReluInputBiasD", Axes = "D", Shape = [37], ElementType = typeof(double), InputBias = true, Activation = Activation.Relu)]
[LayerNorm("lnGeluResidualD", Axes = "D", Shape = [37], ElementType = typeof(double), Residual = true, Activation = Activation.Gelu)]
[LayerNorm("lnAllGeluTanhD", Axes = "D", Shape = [37], ElementType = typeof(double), Residual = true, InputBias = true, Activation = Activation.GeluTanh)]
[RmsNorm("rmsSiluInputBiasD", Axes = "D", Shape = [37], ElementType = typeof(double), Eps = 1e-6, InputBias = true, Activation = Activation.Silu)]
[LayerNorm("plainD", Axes = "D", Shape = [37], ElementType = typeof(double))]
[RmsNorm("plainRmsD", Axes = "D", Shape = [37], ElementType = typeof(double), Eps = 1e-6)]
// Half
[LayerNorm("lnHalf", Axes = "D", Shape = [37], ElementType = typeof(Half))]
[LayerNorm("lnHalfResidualGelu", Axes = "D", Shape = [37], ElementType = typeof(Half), Residual = true, Activation = Activation.Gelu)]
[LayerNorm("lnHalfInputBiasSilu", Axes = "D", Shape = [37], ElementType = typeof(Half), Bias = false, InputBias = true, Activation = Activation.Silu)]
[RmsNorm("rmsHalfAll", Axes = "D", Shape = [37], ElementType = typeof(Half), Eps = 1e-6, Residual = true, InputBias = true, Activation = Activation.Relu)]
[RmsNorm("rmsHalfPlain", Axes = "D", Shape = [37], ElementType = typeof(Half), Eps = 1e-6, ElementwiseAffine = false)]
[LayerNorm("lnHalfLongResidualGelu", Axes = "D", Shape = [4099], ElementType = typeof(Half), Residual = true, Activation = Activation.Gelu)]
[LayerNorm("lnHalfWideResidual", Axes = "D", Shape = [768], ElementType = typeof(Half), Residual = true)]
[LayerNorm("lnHalfWideGelu", Axes = "D", Shape = [768], ElementType = typeof(Half), Activation = Activation.Gelu)]
[LayerNorm("plainHalfNoBias", Axes = "D", Shape = [37], ElementType = typeof(Half), Bias = false)]
[RmsNorm("plainRmsHalf", Axes = "D", Shape = [37], ElementType = typeof(Half), Eps = 1e-6)]
[LayerNorm("plainHalfLong", Axes = "D", Shape = [4099], ElementType = typeof(Half))]
internal static partial class FusionTestNorms
{
}
