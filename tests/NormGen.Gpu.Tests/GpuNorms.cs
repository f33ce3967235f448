using NormGen;

namespace NormGen.Gpu.Tests;

/// <summary>
/// The norms under test. Row lengths up to 1024 are normalized by a warp per row, longer ones by a
/// group per row; the lengths include a single element, lengths below and between warp multiples (7, 37, 100)
/// and a long row that leaves a tail after the group's stride (1500).
/// </summary>
[TensorLayout("B,T,D")]
[LayerNorm("ln1", Axes = "D", Shape = [1])]
[LayerNorm("ln7", Axes = "D", Shape = [7])]
[LayerNorm("ln256", Axes = "D", Shape = [256])]
[LayerNorm("ln1500", Axes = "D", Shape = [1500])]
[LayerNorm("lnNoBias", Axes = "D", Shape = [37], Bias = false, Eps = 1e-3)]
[LayerNorm("lnPlain", Axes = "D", Shape = [37], ElementwiseAffine = false)]
[LayerNorm("ln100h", Axes = "D", Shape = [100], ElementType = typeof(System.Half))]
[LayerNorm("ln1500h", Axes = "D", Shape = [1500], ElementType = typeof(System.Half))]
[LayerNorm("ln100d", Axes = "D", Shape = [100], ElementType = typeof(double))]
[LayerNorm("ln1500d", Axes = "D", Shape = [1500], ElementType = typeof(double))]
[RmsNorm("rms7", Axes = "D", Shape = [7], Eps = 1e-6)]
[RmsNorm("rms1500", Axes = "D", Shape = [1500], Eps = 1e-6)]
[RmsNorm("rmsPlain", Axes = "D", Shape = [33], ElementwiseAffine = false, Eps = 1e-6)]
[RmsNorm("rms100h", Axes = "D", Shape = [100], ElementType = typeof(System.Half), Eps = 1e-6)]
[RmsNorm("rms100d", Axes = "D", Shape = [100], ElementType = typeof(double))]
[LayerNorm("lnChannels", Layout = "N,C=8,H=2,W=3", Axes = "C")]
[RmsNorm("rmsChannelsH", Layout = "N,C=12,L=50", Axes = "C", ElementType = typeof(System.Half), Eps = 1e-6)]
[LayerNorm("lnChannelsD", Layout = "N,C=3,H=4,W=5", Axes = "C,H", ElementType = typeof(double), ElementwiseAffine = false)]
[RmsNorm("rmsChannelsSiluH", Layout = "N,C=12,L=50", Axes = "C", ElementType = typeof(System.Half), Activation = Activation.Silu)]
[LayerNorm("lnChannelsRelu", Layout = "N,C=8,H=2,W=3", Axes = "C", Activation = Activation.Relu)]
[LayerNorm("lnResidual", Axes = "D", Shape = [100], Residual = true)]
[LayerNorm("lnResidualTanh", Axes = "D", Shape = [1100], Residual = true, Activation = Activation.GeluTanh)]
[RmsNorm("rmsBiasSiluD", Axes = "D", Shape = [48], InputBias = true, Activation = Activation.Silu, ElementType = typeof(double))]
[LayerNorm("lnFused", Axes = "D", Shape = [37], InputBias = true, Residual = true, Activation = Activation.Relu)]
[RmsNorm("rmsBiasReluH", Axes = "D", Shape = [1500], InputBias = true, Activation = Activation.Relu, ElementType = typeof(System.Half), Eps = 1e-6)]
[RmsNorm("rmsSiluH", Axes = "D", Shape = [16], Activation = Activation.Silu, ElementType = typeof(System.Half))]
[RmsNorm("rmsBiasD", Axes = "D", Shape = [64], InputBias = true, ElementType = typeof(double))]
[LayerNorm("lnGelu", Axes = "D", Shape = [16], Activation = Activation.Gelu)]
[RmsNorm("rmsGeluD", Axes = "D", Shape = [40], Activation = Activation.Gelu, ElementType = typeof(double))]
internal static partial class GpuNorms
{
}

/// <summary>BatchNorm in every arrangement the GPU kernels handle: channels-first with spatial axes, channels-last, and 1-D.</summary>
[TensorLayout("N,C=6,H=3,W=5")]
[BatchNorm("bn2d", Momentum = 0.2)]
[BatchNorm("bnHalf", ElementType = typeof(System.Half), TrackRunningStats = false)]
[BatchNorm("bnLast", Layout = "N,H=2,W=3,C=8")]
[BatchNorm("bn1d", Layout = "N,C=5", ElementType = typeof(double), Affine = false, CumulativeAverage = true, Eps = 1e-3)]
[BatchNorm("bnRelu", Activation = Activation.Relu)]
[BatchNorm("bnSilu", Layout = "N,L=9,C=4", Activation = Activation.Silu)]
internal static partial class GpuBatchNorms
{
}

/// <summary>GroupNorm and InstanceNorm, channels-first and channels-last.</summary>
[TensorLayout("N,C=6,H=3,W=5")]
[GroupNorm("gn", 3)]
[GroupNorm("gnLastHalf", 2, Layout = "N,H=4,W=5,C=6", ElementType = typeof(System.Half))]
[GroupNorm("gnOne", 1, Layout = "N,C=6,L=40", Affine = false, Eps = 1e-3)]
[InstanceNorm("inst", ElementType = typeof(double))]
[InstanceNorm("instLast", Layout = "N,L=7,C=6", Affine = true)]
[GroupNorm("gnRelu", 2, Layout = "N,H=3,W=4,C=6", Activation = Activation.Relu)]
[InstanceNorm("instRelu", Activation = Activation.Relu, ElementType = typeof(double))]
[InstanceNorm("instRunning", TrackRunningStats = true, Affine = true, Momentum = 0.2)]
internal static partial class GpuGroupNorms
{
}
