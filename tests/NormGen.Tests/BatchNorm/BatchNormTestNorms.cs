using NormGen;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// The batch normalizations under test. Channels-first runs cover one element (<c>N,C</c>, which is the
/// channels-last arrangement), lengths below every vector width (7), a run that is a multiple of none (30),
/// and runs longer than a segment (2304 = 2048 + 256); channels-last channel counts cover tails after
/// the vector loops (20 = 16 + 4) and counts below every width (3). Half kernels and fused activations
/// run over both arrangements, with and without affine parameters and running statistics.
/// </summary>
[BatchNorm("bn1d", Layout = "N,C=6")]
[BatchNorm("bn1dSeq", Layout = "N,C=5,L=7")]
[BatchNorm("bn2d", Layout = "N,C=4,H=5,W=6")]
[BatchNorm("bn2dLong", Layout = "N,C=3,H=48,W=48", Momentum = 0.3)]
[BatchNorm("bn3d", Layout = "N,C=3,D=2,H=3,W=4", Eps = 1e-3)]
[BatchNorm("bn2dD", Layout = "N,C=4,H=5,W=6", ElementType = typeof(double))]
[BatchNorm("bn1dD", Layout = "N,C=9", ElementType = typeof(double))]
[BatchNorm("bnNhwc", Layout = "N,H=5,W=6,C=20")]
[BatchNorm("bnNhwc3", Layout = "N,H=4,W=4,C=3")]
[BatchNorm("bnNhwcD", Layout = "N,H=3,W=5,C=7", ElementType = typeof(double))]
[BatchNorm("bnCumulative", Layout = "N,C=4,H=5,W=6", CumulativeAverage = true)]
[BatchNorm("bnUntracked", Layout = "N,C=4,H=5,W=6", TrackRunningStats = false)]
[BatchNorm("bnUntrackedNhwc", Layout = "N,H=5,W=6,C=20", TrackRunningStats = false)]
[BatchNorm("bnPlain", Layout = "N,C=4,H=5,W=6", Affine = false)]
#pragma warning disable NGA002 // a momentum of 0.5 exercises the running-statistics update, not a Keras habit
[BatchNorm("bnPlainNhwc", Layout = "N,L=6,C=20", Affine = false, Momentum = 0.5)]
#pragma warning restore NGA002
[BatchNorm("bnLarge", Layout = "N,C=8,H=32,W=32")]
[BatchNorm("bnLargeNhwc", Layout = "N,H=16,W=16,C=64")]
[BatchNorm("bnHalf", Layout = "N,C=4,H=5,W=6", ElementType = typeof(System.Half))]
[BatchNorm("bnHalfLong", Layout = "N,C=2,H=48,W=48", ElementType = typeof(System.Half))]
[BatchNorm("bnHalfNhwc", Layout = "N,H=5,W=6,C=20", ElementType = typeof(System.Half))]
[BatchNorm("bnRelu", Layout = "N,C=4,H=5,W=6", Activation = Activation.Relu)]
[BatchNorm("bnSiluNhwc", Layout = "N,H=5,W=6,C=20", Activation = Activation.Silu)]
[BatchNorm("bnGeluD", Layout = "N,C=3,H=4,W=5", ElementType = typeof(double), Activation = Activation.Gelu)]
[BatchNorm("bnGeluTanhNhwcD", Layout = "N,L=5,C=7", ElementType = typeof(double), Activation = Activation.GeluTanh, Momentum = 0.2)]
[BatchNorm("bnSiluPlainD", Layout = "N,C=3,L=11", ElementType = typeof(double), Activation = Activation.Silu, Affine = false)]
[BatchNorm("bnHalfGelu", Layout = "N,C=3,L=10", ElementType = typeof(System.Half), Activation = Activation.Gelu)]
[BatchNorm("bnHalfReluNhwc", Layout = "N,L=9,C=12", ElementType = typeof(System.Half), Activation = Activation.Relu, TrackRunningStats = false)]
internal static partial class BatchNormTestNorms
{
}
