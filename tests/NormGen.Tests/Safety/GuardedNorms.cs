using System;
using NormGen;

namespace NormGen.Tests.Safety;

/// <summary>
/// One kernel of every kind and arrangement, small enough that each argument fits a few pages: the
/// targets of the guarded-memory tests. Samples are [C=6, H=3, W=5] = 90 values.
/// </summary>
[TensorLayout("N,C=6,H=3,W=5")]
[LayerNorm("layerNorm", Axes = "C,H,W")]
[RmsNorm("rmsNorm", Axes = "W", ElementType = typeof(double))]
[LayerNorm("fusedNorm", Layout = "B,T,D=37", Axes = "D", Residual = true, InputBias = true, Activation = Activation.Gelu)]
[RmsNorm("halfNorm", Layout = "B,T,D=19", Axes = "D", ElementType = typeof(Half), Residual = true)]
[LayerNorm("channelsFirst", Axes = "C", Activation = Activation.Silu)]
[BatchNorm("batchNorm")]
[BatchNorm("batchNormLast", Layout = "N,H=3,W=5,C=6", ElementType = typeof(double), Activation = Activation.Relu)]
[GroupNorm("groupNorm", 3)]
[GroupNorm("groupNormLast", 2, Layout = "N,H=3,W=5,C=6", ElementType = typeof(Half))]
[InstanceNorm("instanceNorm", Affine = true, TrackRunningStats = true)]
[InstanceNorm("instanceNormPlain")]
internal static partial class GuardedNorms
{
}
