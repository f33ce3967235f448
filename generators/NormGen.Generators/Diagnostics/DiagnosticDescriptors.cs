using Microsoft.CodeAnalysis;

namespace NormGen.Generators.Diagnostics;

/// <summary>Every diagnostic about NormGen attributes, in one place.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NormGen.Attributes";

    private static DiagnosticDescriptor Error(string id, string title, string message) => new(
        id,
        title,
        message,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLink(id));

    /// <summary>The documentation page of a diagnostic.</summary>
    public static string HelpLink(string id) =>
        $"https://github.com/normgen/normgen/blob/main/docs/diagnostics/{id}.md";

    public static readonly DiagnosticDescriptor ModelTypeMustBePartial = Error(
        "NG0001",
        "A type that declares norms must be partial",
        "'{0}' declares norms, so it must be partial, and so must every type that contains it");

    public static readonly DiagnosticDescriptor MissingLayout = Error(
        "NG0002",
        "A norm needs a tensor layout",
        "Norm '{0}' has no layout: add [TensorLayout(\"...\")] to '{1}' or set Layout on the attribute");

    public static readonly DiagnosticDescriptor InvalidLayout = Error(
        "NG0003",
        "The tensor layout is malformed",
        "The layout \"{0}\" is invalid: {1}");

    public static readonly DiagnosticDescriptor UnknownAxis = Error(
        "NG0004",
        "A normalized axis is not in the layout",
        "Norm '{0}' normalizes over axis '{1}', which is not in the layout \"{2}\"");

    public static readonly DiagnosticDescriptor InvalidAxes = Error(
        "NG0005",
        "The normalized axes are malformed",
        "Norm '{0}' has invalid Axes \"{1}\": {2}");

    public static readonly DiagnosticDescriptor MissingExtent = Error(
        "NG0006",
        "A normalized axis has no static extent",
        "Norm '{0}' has no static extent for axis '{1}': {2}");

    public static readonly DiagnosticDescriptor ShapeRankMismatch = Error(
        "NG0007",
        "Shape and Axes have different lengths",
        "Norm '{0}' normalizes over {1} axes but Shape has {2} extents");

    public static readonly DiagnosticDescriptor NonPositiveExtent = Error(
        "NG0008",
        "An extent is not positive",
        "Norm '{0}': axis '{1}' has extent {2}; extents must be positive");

    public static readonly DiagnosticDescriptor InvalidEpsilon = Error(
        "NG0009",
        "Eps must be positive and finite",
        "Norm '{0}' has Eps = {1}; eps must be a positive, finite number{2}");

    public static readonly DiagnosticDescriptor DuplicateNormName = Error(
        "NG0010",
        "Two norms of a type share a name",
        "Norm name '{0}' is already used in '{1}' (both would emit the kernel type '{2}')");

    public static readonly DiagnosticDescriptor InvalidNormName = Error(
        "NG0011",
        "A norm name must form a C# identifier",
        "\"{0}\" is not a usable norm name: it must start with a letter or '_' and hold only letters, digits and '_'");

    public static readonly DiagnosticDescriptor UnsupportedElementType = Error(
        "NG0012",
        "Unsupported element type",
        "Norm '{0}' has ElementType '{1}'; supported element types are float, double and System.Half");

    public static readonly DiagnosticDescriptor AxesNotAdjacent = Error(
        "NG0013",
        "Normalized axes must be adjacent in the layout",
        "Norm '{0}' normalizes over \"{1}\", which are not adjacent axes of the layout \"{2}\" in layout order; normalize over one block of adjacent axes, listed in layout order, such as \"{3}\"");

    public static readonly DiagnosticDescriptor UnsafeCodeRequired = Error(
        "NG0014",
        "Generated kernels need unsafe code",
        "The kernels of '{0}' work on pinned memory: allow unsafe code in the project (<AllowUnsafeBlocks>true</AllowUnsafeBlocks>)");

    public static readonly DiagnosticDescriptor ConflictingExtent = Error(
        "NG0015",
        "Shape and layout disagree on an extent",
        "Norm '{0}': {1} gives axis '{2}' the extent {3}, but the layout gives it {4}");

    public static readonly DiagnosticDescriptor RowTooLarge = Error(
        "NG0016",
        "The normalized row is too large",
        "Norm '{0}' spans {1} elements in its static axes; at most {2} are supported");

    public static readonly DiagnosticDescriptor NameConflictsWithMember = Error(
        "NG0017",
        "A norm's kernel type name is already taken",
        "Norm '{0}' emits the nested type '{1}', but that name is taken: {2}");

    public static readonly DiagnosticDescriptor FileLocalModelType = Error(
        "NG0018",
        "A file-local type cannot declare norms",
        "'{0}' is file-local, so the generated kernels cannot be added to it; make it internal or public");

    public static readonly DiagnosticDescriptor GroupsMustDivideChannels = Error(
        "NG0019",
        "GroupNorm's groups must divide its channels",
        "GroupNorm '{0}' has {1} groups; the number of groups must be a positive divisor of its channel count ({2})");

    public static readonly DiagnosticDescriptor InvalidChannelAxis = Error(
        "NG0020",
        "The channel axis must come second or last",
        "Norm '{0}' uses channel axis '{1}' of the layout \"{2}\"; it must follow the batch axis (channels-first, N,C,H,W) or be the last axis (channels-last, N,H,W,C)");

    public static readonly DiagnosticDescriptor InvalidMomentum = Error(
        "NG0021",
        "Momentum must lie in [0, 1]",
        "Norm '{0}' has Momentum = {1}; momentum is the new batch's weight in the running statistics and must lie in [0, 1]");

    public static readonly DiagnosticDescriptor UnsupportedFusion = Error(
        "NG0022",
        "This fusion is not available for this norm",
        "Norm '{0}' asks for {1}, which fuses only into {2}");

    public static readonly DiagnosticDescriptor UnknownActivation = Error(
        "NG0023",
        "Unknown activation",
        "Norm '{0}' has an Activation value that is not a member of NormGen.Activation");

    public static readonly DiagnosticDescriptor InstanceNormOverOneElement = Error(
        "NG0024",
        "InstanceNorm needs more than one spatial element",
        "InstanceNorm '{0}' normalizes each (sample, channel) over {1}, a single element: every output would be the bias and the unbiased running variance undefined; PyTorch rejects this in training. Give the layout's spatial axes more than one element, or use BatchNorm or LayerNorm");
}
