using System;

namespace NormGen;

/// <summary>
/// Names the axes of the tensors a model class normalizes, outermost first, for example
/// <c>"N,C,H,W"</c> or <c>"B,T,D"</c>. An axis may carry a static extent, as in
/// <c>"N,C=64,H=32,W=32"</c>; axes without one are run-time.
/// </summary>
/// <remarks>
/// Norm attributes on the same class pick their normalized axes from this layout. A norm that
/// works on a tensor of another shape sets <see cref="NormAttribute.Layout"/> instead.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class TensorLayoutAttribute : Attribute
{
    /// <summary>Declares the layout of the tensors the class normalizes.</summary>
    /// <param name="axes">Comma-separated axis names, outermost first, each optionally <c>Name=extent</c>.</param>
    public TensorLayoutAttribute(string axes) => Axes = axes;

    /// <summary>The comma-separated axis names, outermost first.</summary>
    public string Axes { get; }
}
