using System.Globalization;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting;

/// <summary>How an element type is spelled in emitted code.</summary>
internal sealed class ElementTypeInfo
{
    public static readonly ElementTypeInfo Float = new("float", "global::System.MathF.Sqrt", 4, "f");
    public static readonly ElementTypeInfo Double = new("double", "global::System.Math.Sqrt", 8, "d");

    private readonly string _suffix;

    private ElementTypeInfo(string keyword, string sqrt, int size, string suffix)
    {
        Keyword = keyword;
        Sqrt = sqrt;
        Size = size;
        _suffix = suffix;
    }

    public static ElementTypeInfo Of(ElementKind kind) => kind == ElementKind.Double ? Double : Float;

    /// <summary>The C# keyword, <c>float</c> or <c>double</c>.</summary>
    public string Keyword { get; }

    /// <summary>The square-root function for this type.</summary>
    public string Sqrt { get; }

    /// <summary>Bytes per element.</summary>
    public int Size { get; }

    /// <summary>A literal of this type that round-trips <paramref name="value"/> after conversion to the type.</summary>
    public string Literal(double value) => Size == 4
        ? ((float)value).ToString("R", CultureInfo.InvariantCulture) + _suffix
        : value.ToString("R", CultureInfo.InvariantCulture) + _suffix;
}

/// <summary>A SIMD width the emitter writes a row routine for.</summary>
internal sealed class VectorWidth
{
    public static readonly VectorWidth[] All =
    [
        new("Vector512", 64),
        new("Vector256", 32),
        new("Vector128", 16),
    ];

    private VectorWidth(string name, int bytes)
    {
        Name = name;
        Bytes = bytes;
    }

    /// <summary>The intrinsics type name, e.g. <c>Vector512</c>.</summary>
    public string Name { get; }

    public int Bytes { get; }

    /// <summary>The fully qualified static helper class, e.g. <c>global::System.Runtime.Intrinsics.Vector512</c>.</summary>
    public string Helper => "global::System.Runtime.Intrinsics." + Name;

    public int Lanes(ElementTypeInfo element) => Bytes / element.Size;
}
