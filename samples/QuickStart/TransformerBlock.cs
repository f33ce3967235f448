using NormGen;

namespace QuickStart;

/// <summary>
/// The norms of a small transformer block working on [batch, time, 768] activations. Each
/// attribute makes NormGen emit a nested kernel type (Ln1, Ln2, FinalNorm) specialized to it.
/// </summary>
[TensorLayout("B,T,D=768")]
[LayerNorm("ln1", Axes = "D", Eps = 1e-5)]
[LayerNorm("ln2", Axes = "D", Eps = 1e-5)]
[RmsNorm("finalNorm", Axes = "D", Eps = 1e-6)]
public static partial class TransformerBlock
{
}

/// <summary>A convolutional stage normalized over channels, height and width.</summary>
[TensorLayout("N,C,H,W")]
[LayerNorm("stage1", Axes = "C,H,W", Shape = [64, 32, 32])]
public static partial class ConvStage
{
}
