namespace NormGen;

/// <summary>An activation fused after a norm's affine step, with PyTorch's definitions.</summary>
public enum Activation
{
    /// <summary>No activation: the norm's output as is.</summary>
    None = 0,

    /// <summary><c>max(z, 0)</c>, as <c>torch.nn.functional.relu</c>.</summary>
    Relu,

    /// <summary><c>z·Φ(z)</c> with the exact normal CDF, as <c>gelu(approximate="none")</c>.</summary>
    Gelu,

    /// <summary>The tanh approximation of GELU, as <c>gelu(approximate="tanh")</c>.</summary>
    GeluTanh,

    /// <summary><c>z·σ(z)</c>, as <c>torch.nn.functional.silu</c>.</summary>
    Silu,
}
