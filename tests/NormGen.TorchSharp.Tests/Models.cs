using NormGen;

namespace NormGen.TorchModules.Tests;

/// <summary>Row norms over the last axis in float32, as a transformer declares them.</summary>
[TensorLayout("B,T,D")]
[LayerNorm("ln", Axes = "D", Shape = [48])]
[RmsNorm("rms", Axes = "D", Shape = [48], Eps = 1e-6)]
[LayerNorm("residualLn", Axes = "D", Shape = [48], Residual = true)]
[RmsNorm("residualRms", Axes = "D", Shape = [48], Eps = 1e-6, Residual = true)]
[LayerNorm("gelu", Axes = "D", Shape = [48], Activation = Activation.Gelu)]
public partial class Rows32 { }

/// <summary>The same row norms in float64, for gradient checks.</summary>
[TensorLayout("B,T,D")]
[LayerNorm("ln", Axes = "D", Shape = [24], ElementType = typeof(double))]
[RmsNorm("rms", Axes = "D", Shape = [24], Eps = 1e-6, ElementType = typeof(double))]
[LayerNorm("residualLn", Axes = "D", Shape = [24], Residual = true, ElementType = typeof(double))]
public partial class Rows64 { }

/// <summary>Row norms in Half.</summary>
[TensorLayout("B,T,D")]
[LayerNorm("ln", Axes = "D", Shape = [64], ElementType = typeof(System.Half))]
[RmsNorm("rms", Axes = "D", Shape = [64], Eps = 1e-5, ElementType = typeof(System.Half))]
public partial class RowsHalf { }

/// <summary>Norms of a convolutional network on N,C,H,W in float32.</summary>
[TensorLayout("N,C=8,H=6,W=5")]
[LayerNorm("chw", Axes = "C,H,W")]
[LayerNorm("channels", Axes = "C", Eps = 1e-6)]
[BatchNorm("bn")]
[GroupNorm("gn", 4)]
[InstanceNorm("instance", Affine = true)]
[InstanceNorm("instanceRunning", Affine = true, TrackRunningStats = true)]
public partial class Conv32 { }

/// <summary>Channel norms in float64, for gradient checks.</summary>
[TensorLayout("N,C=4,H=3,W=5")]
[LayerNorm("channels", Axes = "C", ElementType = typeof(double))]
[BatchNorm("bn", ElementType = typeof(double))]
[GroupNorm("gn", 2, ElementType = typeof(double))]
[InstanceNorm("instance", Affine = true, ElementType = typeof(double))]
public partial class Conv64 { }

/// <summary>Channel norms on channels-last N,H,W,C tensors.</summary>
[TensorLayout("N,H=6,W=5,C=8")]
[BatchNorm("bn")]
[GroupNorm("gn", 4)]
public partial class ChannelsLast32 { }

/// <summary>Channel norms in Half.</summary>
[TensorLayout("N,C=8,H=6,W=5")]
[BatchNorm("bn", ElementType = typeof(System.Half))]
[GroupNorm("gn", 4, ElementType = typeof(System.Half))]
public partial class ConvHalf { }
