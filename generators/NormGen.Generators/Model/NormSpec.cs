using NormGen.Generators.Helpers;

namespace NormGen.Generators.Model;

/// <summary>
/// Everything the emitter needs to write one norm's kernel: the validated, fully resolved content
/// of one norm attribute. Plain values only, so the incremental pipeline can compare it.
/// </summary>
/// <param name="Kind">Which normalization.</param>
/// <param name="Name">The name as declared in the attribute.</param>
/// <param name="KernelName">The nested kernel type's name (the PascalCase form of <paramref name="Name"/>).</param>
/// <param name="Element">The element type of the tensors.</param>
/// <param name="Layout">The layout's axis names, outermost first.</param>
/// <param name="Axes">The normalized axes, in layout order.</param>
/// <param name="Shape">The static extents of <paramref name="Axes"/>.</param>
/// <param name="Epsilon">The epsilon added under the square root.</param>
/// <param name="HasWeight">Whether the norm has a gain (γ).</param>
/// <param name="HasBias">Whether the norm has a shift (β).</param>
internal sealed record NormSpec(
    NormKind Kind,
    string Name,
    string KernelName,
    ElementKind Element,
    EquatableArray<string> Layout,
    EquatableArray<string> Axes,
    EquatableArray<int> Shape,
    double Epsilon,
    bool HasWeight,
    bool HasBias)
{
    /// <summary>The number of elements in one normalized row.</summary>
    public int RowLength
    {
        get
        {
            int length = 1;
            foreach (int extent in Shape)
            {
                length *= extent;
            }

            return length;
        }
    }
}
