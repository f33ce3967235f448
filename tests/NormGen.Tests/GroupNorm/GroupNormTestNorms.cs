using System;
using NormGen;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// The GroupNorm and InstanceNorm kernels under test. The small shapes (12 channels over 5×7) leave scalar
/// tails after every vector width; the large ones are cut into several blocks, which exercises the block
/// merges and the path that spreads the blocks of few samples over the cores.
/// </summary>
[GroupNorm("gnFirst", 3, Layout = "N,C=12,H=5,W=7")]
[GroupNorm("gnFirstD", 3, Layout = "N,C=12,H=5,W=7", ElementType = typeof(double))]
[GroupNorm("gnLast", 3, Layout = "N,H=5,W=7,C=12")]
[GroupNorm("gnLastD", 3, Layout = "N,H=5,W=7,C=12", ElementType = typeof(double))]
[GroupNorm("gnOneGroup", 1, Layout = "N,C=12,H=5,W=7", Eps = 1e-3)]
[GroupNorm("gnPerChannel", 12, Layout = "N,C=12,H=5,W=7")]
[GroupNorm("gnOneGroupLast", 1, Layout = "N,H=5,W=7,C=12")]
[GroupNorm("gnPerChannelLast", 12, Layout = "N,H=5,W=7,C=12")]
[GroupNorm("gnPlain", 4, Layout = "N,C=8,L=9", Affine = false)]
[GroupNorm("gnPlainLast", 4, Layout = "N,L=9,C=8", Affine = false)]
[GroupNorm("gnBlocks", 2, Layout = "N,C=4,H=67,W=61")]
[GroupNorm("gnBlocksD", 2, Layout = "N,C=4,H=67,W=61", ElementType = typeof(double))]
[GroupNorm("gnBlocksLast", 3, Layout = "N,H=40,W=40,C=12")]
[GroupNorm("gnBlocksWide", 1, Layout = "N,C=4,H=128,W=130")]
[GroupNorm("gnWideLast", 10, Layout = "N,H=2,W=3,C=1030")]
[GroupNorm("gnHalf", 3, Layout = "N,C=12,H=5,W=7", ElementType = typeof(Half))]
[GroupNorm("gnHalfLast", 3, Layout = "N,H=5,W=7,C=12", ElementType = typeof(Half))]
[GroupNorm("gnSilu", 3, Layout = "N,C=12,H=5,W=7", Activation = Activation.Silu)]
[GroupNorm("gnReluLastD", 3, Layout = "N,H=5,W=7,C=12", ElementType = typeof(double), Activation = Activation.Relu)]
[GroupNorm("gnGeluBlocks", 2, Layout = "N,C=4,H=67,W=61", Activation = Activation.Gelu)]
[GroupNorm("gnGeluTanhLast", 3, Layout = "N,H=5,W=7,C=12", Activation = Activation.GeluTanh)]
[InstanceNorm("inFirst", Layout = "N,C=12,H=5,W=7")]
[InstanceNorm("inFirstD", Layout = "N,C=12,H=5,W=7", ElementType = typeof(double))]
[InstanceNorm("inLast", Layout = "N,H=5,W=7,C=12")]
[InstanceNorm("inAffine", Layout = "N,C=12,H=5,W=7", Affine = true)]
[InstanceNorm("inRunning", Layout = "N,C=12,H=5,W=7", Affine = true, TrackRunningStats = true, Momentum = 0.2)]
[InstanceNorm("inRunningD", Layout = "N,C=12,H=5,W=7", Affine = true, TrackRunningStats = true, ElementType = typeof(double))]
[InstanceNorm("inRunningLast", Layout = "N,H=5,W=7,C=12", Affine = true, TrackRunningStats = true)]
[InstanceNorm("inRunningPlain", Layout = "N,C=6,L=10", TrackRunningStats = true)]
[InstanceNorm("inRunningHalf", Layout = "N,C=12,H=5,W=7", Affine = true, TrackRunningStats = true, ElementType = typeof(Half))]
[InstanceNorm("in1d", Layout = "N,C=6,L=33", Eps = 1e-4)]
[InstanceNorm("in3d", Layout = "N,C=5,D=3,H=4,W=5", Affine = true)]
[InstanceNorm("inBlocksLast", Layout = "N,H=64,W=64,C=16", Affine = true)]
internal static partial class GroupNormTestNorms
{
}
