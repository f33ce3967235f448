using System;

namespace NormGen;

/// <summary>
/// Properties shared by every normalization a model class declares. Each derived attribute makes
/// the NormGen generator emit a nested kernel type, named after <see cref="Name"/>, that is
/// specialized to the normalized shape, the epsilon and the element type given here.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
public abstract class NormAttribute : Attribute
{
    /// <summary>Declares a norm called <paramref name="name"/>.</summary>
    /// <param name="name">
    /// The norm's name; the emitted kernel type is its PascalCase form (<c>"ln1"</c> → <c>Ln1</c>).
    /// </param>
    protected NormAttribute(string name) => Name = name;

    /// <summary>The norm's name, unique within the class.</summary>
    public string Name { get; }

    /// <summary>
    /// Overrides the class's <see cref="TensorLayoutAttribute"/> for this norm, in the same syntax.
    /// </summary>
    public string? Layout { get; set; }

    /// <summary>
    /// The element type of the tensors: <see cref="float"/> (the default), <see cref="double"/> or
    /// <see cref="Half"/>. Statistics accumulate in the element type, and in float for Half.
    /// </summary>
    public Type? ElementType { get; set; }

    /// <summary>An activation fused after the affine step; its derivative is fused into the backward pass.</summary>
    public Activation Activation { get; set; }
}
