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
    /// The comma-separated axes to normalize over, taken from the layout, for example <c>"C,H,W"</c>.
    /// Each row that shares one set of statistics spans exactly these axes.
    /// </summary>
    public string? Axes { get; set; }

    /// <summary>
    /// The static extents of <see cref="Axes"/>, in the same order. May be omitted when the layout
    /// gives those extents (<c>"C=64"</c>); when both are present they must agree.
    /// </summary>
    public int[]? Shape { get; set; }

    /// <summary>
    /// Overrides the class's <see cref="TensorLayoutAttribute"/> for this norm, in the same syntax.
    /// </summary>
    public string? Layout { get; set; }

    /// <summary>
    /// The element type of the tensors: <see cref="float"/> (the default) or <see cref="double"/>.
    /// Statistics are accumulated in the same type.
    /// </summary>
    public Type? ElementType { get; set; }
}
