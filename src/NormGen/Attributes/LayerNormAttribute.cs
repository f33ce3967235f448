namespace NormGen;

/// <summary>
/// Declares a layer normalization, with PyTorch's semantics:
/// <c>y = (x - mean) / sqrt(var + eps) * weight + bias</c>, where the mean and the biased variance
/// are taken over <see cref="AxisNormAttribute.Axes"/> for every index of the remaining (run-time) axes.
/// </summary>
/// <example>
/// <code>
/// [TensorLayout("N,C,H,W")]
/// [LayerNorm("ln1", Axes = "C,H,W", Shape = [64, 32, 32], Eps = 1e-5)]
/// public partial class Encoder { }
///
/// Encoder.Ln1.Forward(input, weight, bias, output);
/// </code>
/// </example>
public sealed class LayerNormAttribute : AxisNormAttribute
{
    /// <summary>Declares a layer normalization called <paramref name="name"/>.</summary>
    /// <param name="name">The norm's name; the emitted kernel type is its PascalCase form.</param>
    public LayerNormAttribute(string name) : base(name) { }

    /// <summary>The value added to the variance inside the square root. Default <c>1e-5</c>, as in PyTorch.</summary>
    public double Eps { get; set; } = 1e-5;

    /// <summary>Whether the norm has a learnable per-element gain (weight, γ). Default <see langword="true"/>.</summary>
    public bool ElementwiseAffine { get; set; } = true;

    /// <summary>
    /// Whether the norm has a learnable per-element shift (bias, β) when
    /// <see cref="ElementwiseAffine"/> is on. Default <see langword="true"/>.
    /// </summary>
    public bool Bias { get; set; } = true;
}
