namespace NormGen;

/// <summary>
/// Declares a root-mean-square normalization, with PyTorch's semantics:
/// <c>y = x / sqrt(mean(x²) + eps) * weight</c>, the mean taken over <see cref="AxisNormAttribute.Axes"/>.
/// </summary>
/// <example>
/// <code>
/// [TensorLayout("B,T,D")]
/// [RmsNorm("attentionNorm", Axes = "D", Shape = [768], Eps = 1e-6)]
/// public partial class DecoderLayer { }
///
/// DecoderLayer.AttentionNorm.Forward(input, weight, output);
/// </code>
/// </example>
public sealed class RmsNormAttribute : AxisNormAttribute
{
    /// <summary>Declares an RMS normalization called <paramref name="name"/>.</summary>
    /// <param name="name">The norm's name; the emitted kernel type is its PascalCase form.</param>
    public RmsNormAttribute(string name) : base(name) { }

    /// <summary>
    /// The value added to the mean square inside the square root. When not set, the machine
    /// epsilon of the element type, as PyTorch's <c>RMSNorm(eps=None)</c>.
    /// </summary>
    public double Eps { get; set; }

    /// <summary>Whether the norm has a learnable per-element gain (weight, γ). Default <see langword="true"/>.</summary>
    public bool ElementwiseAffine { get; set; } = true;
}
