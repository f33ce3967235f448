namespace NormGen;

/// <summary>
/// A norm whose statistics are taken over a chosen set of axes, with parameters shaped like those
/// axes: <see cref="LayerNormAttribute"/> and <see cref="RmsNormAttribute"/>.
/// </summary>
public abstract class AxisNormAttribute : NormAttribute
{
    /// <summary>Declares a norm called <paramref name="name"/>.</summary>
    /// <param name="name">The norm's name; the emitted kernel type is its PascalCase form.</param>
    protected AxisNormAttribute(string name) : base(name) { }

    /// <summary>
    /// The comma-separated axes to normalize over, taken from the layout, for example <c>"C,H,W"</c>,
    /// or <c>"C"</c> of <c>"N,C,H,W"</c> for a channels-first LayerNorm. Every index of the other
    /// axes gets its own statistics over exactly these axes.
    /// </summary>
    public string? Axes { get; set; }

    /// <summary>
    /// The static extents of <see cref="Axes"/>, in the same order. May be omitted when the layout
    /// gives those extents (<c>"C=64"</c>); when both are present they must agree.
    /// </summary>
    public int[]? Shape { get; set; }

    /// <summary>
    /// Fuses a residual add before the norm: the kernel takes a second input <c>residual</c>, writes
    /// <c>x + residual</c> (the pre-norm residual stream) and normalizes that sum.
    /// </summary>
    public bool Residual { get; set; }

    /// <summary>
    /// Fuses a bias add before the norm (<c>norm(x + inputBias)</c>), typically the bias of the
    /// linear layer in front of it; <c>inputBias</c> is shaped like the normalized axes.
    /// </summary>
    public bool InputBias { get; set; }
}
