namespace NormGen.Generators.Model;

/// <summary>The normalizations the generator knows how to emit.</summary>
internal enum NormKind
{
    LayerNorm,
    RmsNorm,
}

/// <summary>The element types a kernel can be specialized for.</summary>
internal enum ElementKind
{
    Float,
    Double,
}
