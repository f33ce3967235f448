using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generators.Diagnostics;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Parsing;

/// <summary>
/// Turns a model type's norm attributes into a <see cref="ModelSpec"/>. The generator and the
/// attribute analyzer share it: the analyzer passes a list to collect diagnostics, the generator
/// passes none and emits only the norms that came through valid. It never throws on user input.
/// </summary>
internal static class ModelParser
{
    /// <summary>Longest normalized row a kernel accepts; keeps row offsets and partial buffers in range.</summary>
    public const int MaxRowLength = 1 << 26;

    private static readonly SymbolDisplayFormat TypeNameFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    /// <summary>
    /// Parses every norm declared on <paramref name="type"/>. Returns <see langword="null"/> when the
    /// type itself cannot receive generated code; otherwise a spec holding the valid norms.
    /// </summary>
    public static ModelSpec? Parse(INamedTypeSymbol type, List<Diagnostic>? diagnostics, CancellationToken cancellationToken)
    {
        List<AttributeData> normAttributes = NormAttributesOf(type);
        if (normAttributes.Count == 0)
        {
            return null;
        }

        if (HasMissingName(type))
        {
            // A declaration still being typed (`class { }`, `Model<>`): the compiler reports it.
            return null;
        }

        if (HasDuplicateDefinition(type))
        {
            // Two types of one name and arity in one scope, such as a partial class and a partial
            // struct (CS0101): the compiler reports it, and both would get the same generated file.
            return null;
        }

        if (HasNamespaceMemberAccessibilityError(type))
        {
            // A private or protected type directly in a namespace (CS1527): the compiler reports it,
            // and members of the kernels it would get are not accessible to one another.
            return null;
        }

        Location firstLocation = AttributeLocation(normAttributes[0], cancellationToken);
        if (IsFileLocal(type))
        {
            diagnostics?.Add(Diagnostic.Create(DiagnosticDescriptors.FileLocalModelType, firstLocation, type.Name));
            return null;
        }

        if (!IsPartialAllTheWayOut(type, cancellationToken))
        {
            diagnostics?.Add(Diagnostic.Create(
                DiagnosticDescriptors.ModelTypeMustBePartial, firstLocation, type.ToDisplayString(TypeNameFormat)));
            return null;
        }

        List<LayoutAxis>? classLayout = ParseClassLayout(type, diagnostics, cancellationToken, out bool classLayoutDeclared);

        var norms = new List<NormSpec>();
        var kernelNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (AttributeData attribute in normAttributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reader = new NormAttributeReader(attribute, type, cancellationToken);
            NormSpec? norm = ParseNorm(reader, classLayout, classLayoutDeclared, diagnostics);
            if (norm is null)
            {
                continue;
            }

            if (KernelMemberNames.Contains(norm, norm.KernelName))
            {
                // A type cannot have a member named like itself: the kernel's own members are taken too.
                diagnostics?.Add(Diagnostic.Create(
                    DiagnosticDescriptors.NameConflictsWithMember, reader.Location(null), norm.Name, norm.KernelName,
                    $"the kernel type itself declares a member named '{norm.KernelName}'"));
                continue;
            }

            if (!kernelNames.Add(norm.KernelName))
            {
                diagnostics?.Add(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateNormName, reader.Location(null), norm.Name, type.Name, norm.KernelName));
                continue;
            }

            if (NameTakenInModel(type, norm.KernelName) is { } taken)
            {
                diagnostics?.Add(Diagnostic.Create(
                    DiagnosticDescriptors.NameConflictsWithMember, reader.Location(null), norm.Name, norm.KernelName, taken));
                continue;
            }

            norms.Add(norm);
        }

        return new ModelSpec(
            Namespace: type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes: ContainingTypesOf(type).Select(HeaderOf).ToEquatableArray(),
            Type: HeaderOf(type),
            HintName: HintNameOf(type),
            Norms: norms.ToEquatableArray());
    }

    /// <summary>
    /// The norm attributes on <paramref name="type"/> that NormGen emits kernels for, in source order,
    /// skipping ones the compiler could not bind.
    /// </summary>
    public static List<AttributeData> NormAttributesOf(INamedTypeSymbol type)
    {
        var result = new List<AttributeData>();
        foreach (AttributeData attribute in type.GetAttributes())
        {
            // An attribute with binding errors is the compiler's to report; it is not a norm yet.
            if (attribute.AttributeConstructor is null || !KnownNames.IsNormAttribute(attribute.AttributeClass))
            {
                continue;
            }

            // A user-defined subclass of NormAttribute is not ours to emit, nor to judge; it must not
            // stand first either, or it would hide the type's real norms from the generator.
            if (new NormAttributeReader(attribute, type, CancellationToken.None).Kind is null)
            {
                continue;
            }

            result.Add(attribute);
        }

        return result;
    }

    private static NormSpec? ParseNorm(
        NormAttributeReader reader,
        List<LayoutAxis>? classLayout,
        bool classLayoutDeclared,
        List<Diagnostic>? diagnostics)
    {
        if (reader.Kind is not { } kind)
        {
            // A user-defined subclass of NormAttribute: nothing we know how to emit.
            return null;
        }

        var context = new NormContext(reader, diagnostics);
        string name = reader.Name ?? "";
        string kernelName = KernelNameOf(name);
        if (kernelName.Length == 0)
        {
            context.Report(DiagnosticDescriptors.InvalidNormName, null, name);
            name = reader.Name ?? "(null)";
        }

        context.Name = name;

        // Element type.
        ElementKind element = ElementKind.Float;
        if (reader.ElementType is { } elementType)
        {
            if (elementType.SpecialType == SpecialType.System_Single)
            {
                element = ElementKind.Float;
            }
            else if (elementType.SpecialType == SpecialType.System_Double)
            {
                element = ElementKind.Double;
            }
            else if (elementType is INamedTypeSymbol { Name: "Half", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } })
            {
                element = ElementKind.Half;
            }
            else
            {
                context.Report(DiagnosticDescriptors.UnsupportedElementType, "ElementType", name, elementType.ToDisplayString(TypeNameFormat));
            }
        }

        // Epsilon: PyTorch's defaults when not given (1e-5, machine epsilon for RMSNorm).
        double epsilon = reader.Epsilon ?? DefaultEpsilon(kind, element);
        string epsilonText = epsilon.ToString("R", CultureInfo.InvariantCulture);
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            context.Report(DiagnosticDescriptors.InvalidEpsilon, "Eps", name, epsilonText, "");
        }
        else if (element != ElementKind.Double && !((float)epsilon > 0 && !float.IsInfinity((float)epsilon)))
        {
            // Half kernels compute in float, so float's range is the one that matters.
            context.Report(DiagnosticDescriptors.InvalidEpsilon, "Eps", name, epsilonText, " in float");
        }

        if (reader.HasUnknownActivation)
        {
            context.Report(DiagnosticDescriptors.UnknownActivation, "Activation", name);
        }

        // Layout: the attribute's own, else the class's.
        List<LayoutAxis>? layout;
        if (reader.Layout is { } layoutText)
        {
            layout = LayoutParser.Parse(layoutText, allowExtents: true, out string error);
            if (layout is null)
            {
                context.Report(DiagnosticDescriptors.InvalidLayout, "Layout", layoutText, error);
                return null;
            }
        }
        else if (classLayout is not null)
        {
            layout = classLayout;
        }
        else
        {
            // An invalid class layout was reported once, on the layout attribute itself.
            if (!classLayoutDeclared)
            {
                context.Report(DiagnosticDescriptors.MissingLayout, null, name, reader.ModelType.Name);
            }

            return null;
        }

        var common = new NormSpec(
            kind,
            name,
            kernelName,
            element,
            layout.Select(a => a.Name).ToEquatableArray(),
            EquatableArray<string>.Empty,
            EquatableArray<int>.Empty,
            new NormGeometry(GeometryKind.Rows, 0, 1, 0, 0, 0),
            epsilon,
            HasWeight: false,
            HasBias: false,
            Activation: reader.Activation);

        NormSpec? norm = kind is NormKind.LayerNorm or NormKind.RmsNorm
            ? ParseAxisNorm(common, layout, context)
            : ParseChannelNorm(common, layout, context);
        return context.Valid ? norm : null;
    }

    /// <summary>LayerNorm and RMSNorm: statistics over a block of adjacent axes, parameters shaped like it.</summary>
    private static NormSpec? ParseAxisNorm(NormSpec common, List<LayoutAxis> layout, NormContext context)
    {
        NormAttributeReader reader = context.Reader;
        string name = common.Name;
        string layoutDisplay = string.Join(",", layout.Select(a => a.Name));

        if (reader.Axes is not { } axesText)
        {
            context.Report(DiagnosticDescriptors.InvalidAxes, null, name, "", "Axes is required (for example Axes = \"" + layout[layout.Count - 1].Name + "\")");
            return null;
        }

        List<LayoutAxis>? axes = LayoutParser.Parse(axesText, allowExtents: false, out string axesError);
        if (axes is null)
        {
            context.Report(DiagnosticDescriptors.InvalidAxes, "Axes", name, axesText, axesError);
            return null;
        }

        var positions = new List<int>();
        foreach (LayoutAxis axis in axes)
        {
            int position = layout.FindIndex(a => a.Name == axis.Name);
            if (position < 0)
            {
                context.Report(DiagnosticDescriptors.UnknownAxis, "Axes", name, axis.Name, layoutDisplay);
            }

            positions.Add(position);
        }

        if (!context.Valid)
        {
            return null;
        }

        // The normalized axes must form one block of adjacent axes, in layout order.
        int first = positions[0];
        bool adjacentInOrder = true;
        for (int i = 0; i < positions.Count; i++)
        {
            adjacentInOrder &= positions[i] == first + i;
        }

        if (!adjacentInOrder)
        {
            // The smallest block that holds them all, in layout order: "H,W" for "W,H", "C,H,W" for "C,W".
            int low = positions.Min(), high = positions.Max();
            string suggestion = string.Join(",", layout.Skip(low).Take(high - low + 1).Select(a => a.Name));
            context.Report(DiagnosticDescriptors.AxesNotAdjacent, "Axes", name, axesText, layoutDisplay, suggestion);
            return null;
        }

        // Extents: from Shape, from the layout, or both when they agree.
        int[]? shape = reader.Shape;
        if (shape is not null && shape.Length != axes.Count)
        {
            context.Report(DiagnosticDescriptors.ShapeRankMismatch, "Shape", name, axes.Count, shape.Length);
            return null;
        }

        var extents = new int[axes.Count];
        for (int i = 0; i < axes.Count; i++)
        {
            int? fromLayout = layout[positions[i]].Extent;
            int? fromShape = shape?[i];
            if (fromShape is { } s && s <= 0)
            {
                context.Report(DiagnosticDescriptors.NonPositiveExtent, "Shape", name, axes[i].Name, s);
                continue;
            }

            if (fromShape is { } a && fromLayout is { } b && a != b)
            {
                context.Report(DiagnosticDescriptors.ConflictingExtent, "Shape", name, "Shape", axes[i].Name, a, b);
                continue;
            }

            if ((fromShape ?? fromLayout) is not { } extent)
            {
                context.Report(DiagnosticDescriptors.MissingExtent, shape is null ? null : "Shape", name, axes[i].Name,
                    $"set Shape, or write '{axes[i].Name}=<extent>' in the layout");
                continue;
            }

            extents[i] = extent;
        }

        // Interior axes (channels-first): the axes after the block set the stride, so they need static extents.
        long inner = 1;
        for (int p = first + axes.Count; p < layout.Count; p++)
        {
            if (layout[p].Extent is not { } extent)
            {
                context.Report(DiagnosticDescriptors.MissingExtent, "Layout", name, layout[p].Name,
                    $"write '{layout[p].Name}=<extent>' in the layout; the axes after the normalized ones set its stride");
                continue;
            }

            inner = Math.Min(inner * extent, (long)MaxRowLength + 1);
        }

        if (!context.Valid)
        {
            return null;
        }

        long rowLength = Product(extents);
        if (rowLength > MaxRowLength || rowLength * inner > MaxRowLength)
        {
            // Kernels index the normalized block and the axes after it with int offsets.
            // Reported where the extents that overflow were written.
            IEnumerable<int> spanned = extents.Concat(layout.Skip(first + axes.Count).Select(a => a.Extent ?? 1));
            string argument = rowLength > MaxRowLength && shape is not null ? "Shape" : "Layout";
            context.Report(DiagnosticDescriptors.RowTooLarge, argument, name, string.Join("×", spanned), MaxRowLength);
            return null;
        }

        GeometryKind geometry = inner == 1 ? GeometryKind.Rows : GeometryKind.Columns;
        if (geometry != GeometryKind.Rows)
        {
            ReportFusions(context, reader, name);
            if (!context.Valid)
            {
                return null;
            }
        }

        bool hasWeight = reader.ElementwiseAffine;
        return common with
        {
            Axes = axes.Select(a => a.Name).ToEquatableArray(),
            Shape = extents.ToEquatableArray(),
            Geometry = new NormGeometry(geometry, (int)rowLength, (int)inner, 0, 0, 0),
            HasWeight = hasWeight,
            HasBias = common.Kind == NormKind.LayerNorm && hasWeight && reader.Bias,
            Residual = reader.Residual,
            InputBias = reader.InputBias,
        };
    }

    /// <summary>BatchNorm, GroupNorm and InstanceNorm: statistics per channel, group or instance; parameters per channel.</summary>
    private static NormSpec? ParseChannelNorm(NormSpec common, List<LayoutAxis> layout, NormContext context)
    {
        NormAttributeReader reader = context.Reader;
        string name = common.Name;
        string layoutDisplay = string.Join(",", layout.Select(a => a.Name));

        ReportFusions(context, reader, name);

        string channelAxis = reader.ChannelAxis;
        int channelPosition = layout.FindIndex(a => a.Name == channelAxis);
        if (channelPosition < 0)
        {
            context.Report(DiagnosticDescriptors.UnknownAxis, reader.HasNamed("ChannelAxis") ? "ChannelAxis" : null, name, channelAxis, layoutDisplay);
            return null;
        }

        if (channelPosition == 0 || (channelPosition != 1 && channelPosition != layout.Count - 1))
        {
            context.Report(DiagnosticDescriptors.InvalidChannelAxis, reader.HasNamed("ChannelAxis") ? "ChannelAxis" : null, name, channelAxis, layoutDisplay);
            return null;
        }

        // Channel count: from Channels, from the layout, or both when they agree.
        int? fromLayout = layout[channelPosition].Extent;
        int? fromProperty = reader.Channels;
        int channels = 0;
        if (fromProperty is { } p && p <= 0)
        {
            // Zero is the attribute's "not given", but one written out is as wrong as a negative count.
            context.Report(DiagnosticDescriptors.NonPositiveExtent, "Channels", name, channelAxis, p);
        }
        else if (fromProperty is { } a && fromLayout is { } b && a != b)
        {
            context.Report(DiagnosticDescriptors.ConflictingExtent, "Channels", name, "Channels", channelAxis, a, b);
        }
        else if ((fromProperty ?? fromLayout) is not { } c)
        {
            context.Report(DiagnosticDescriptors.MissingExtent, null, name, channelAxis,
                $"set Channels, or write '{channelAxis}=<extent>' in the layout");
        }
        else
        {
            channels = c;
        }

        // Every axis but the batch axis sets a stride or a loop bound: static extents only.
        long spatial = 1;
        for (int i = 1; i < layout.Count; i++)
        {
            if (i == channelPosition)
            {
                continue;
            }

            if (layout[i].Extent is not { } extent)
            {
                context.Report(DiagnosticDescriptors.MissingExtent, "Layout", name, layout[i].Name,
                    $"write '{layout[i].Name}=<extent>' in the layout; a channel norm needs the extent of every axis but the batch axis");
                continue;
            }

            spatial = Math.Min(spatial * extent, (long)MaxRowLength + 1);
        }

        int groups = 1;
        if (common.Kind == NormKind.GroupNorm)
        {
            groups = reader.Groups ?? 0;
            if (groups <= 0 || (channels > 0 && channels % groups != 0))
            {
                context.ReportAt(DiagnosticDescriptors.GroupsMustDivideChannels, reader.ConstructorArgumentLocation(1, "groups"),
                    name, groups, channels > 0 ? channels.ToString(CultureInfo.InvariantCulture) : "not known");
            }
        }
        else if (common.Kind == NormKind.InstanceNorm)
        {
            groups = channels;
            if (spatial == 1 && layout.Skip(1).All(axis => axis.Extent is not null || axis.Name == channelAxis))
            {
                string spatialAxes = string.Join(",", layout.Skip(1).Where(axis => axis.Name != channelAxis).Select(axis => $"{axis.Name}={axis.Extent}"));
                context.Report(DiagnosticDescriptors.InstanceNormOverOneElement, reader.HasNamed("Layout") ? "Layout" : null,
                    name, spatialAxes.Length > 0 ? $"the spatial axes {spatialAxes}" : "no spatial axis");
            }
        }

        double momentum = reader.Momentum ?? 0.1;
        if (!(momentum >= 0 && momentum <= 1))
        {
            context.Report(DiagnosticDescriptors.InvalidMomentum, "Momentum", name, momentum.ToString("R", CultureInfo.InvariantCulture));
        }

        if (!context.Valid)
        {
            return null;
        }

        if (spatial * channels > MaxRowLength)
        {
            string spanned = string.Join("×", layout.Skip(1).Select(a => a.Name == channelAxis ? channels : a.Extent ?? 1));
            context.Report(DiagnosticDescriptors.RowTooLarge, "Layout", name, spanned, MaxRowLength);
            return null;
        }

        bool affine = reader.Affine ?? common.Kind != NormKind.InstanceNorm;
        bool trackRunningStats = reader.TrackRunningStats ?? common.Kind == NormKind.BatchNorm;
        bool channelsLast = channelPosition == layout.Count - 1 && layout.Count > 2;
        return common with
        {
            Axes = new[] { channelAxis }.ToEquatableArray(),
            Shape = new[] { channels }.ToEquatableArray(),
            Geometry = new NormGeometry(channelsLast ? GeometryKind.ChannelsLast : GeometryKind.ChannelsFirst, 0, 1, channels, groups, (int)spatial),
            HasWeight = affine,
            HasBias = affine,
            TrackRunningStats = common.Kind != NormKind.GroupNorm && trackRunningStats,
            Momentum = momentum,
            CumulativeAverage = reader.CumulativeAverage,
        };
    }

    /// <summary>Residual and InputBias fuse only into norms over contiguous rows: reports each one asked for elsewhere.</summary>
    private static void ReportFusions(NormContext context, NormAttributeReader reader, string name)
    {
        if (reader.Residual)
        {
            context.Report(DiagnosticDescriptors.UnsupportedFusion, "Residual", name, "Residual", "a LayerNorm or RMSNorm over the trailing axes");
        }

        if (reader.InputBias)
        {
            context.Report(DiagnosticDescriptors.UnsupportedFusion, "InputBias", name, "InputBias", "a LayerNorm or RMSNorm over the trailing axes");
        }
    }

    private static long Product(int[] extents)
    {
        long product = 1;
        foreach (int extent in extents)
        {
            product = Math.Min(product * extent, (long)MaxRowLength + 1);
        }

        return product;
    }

    /// <summary>The attribute being parsed, and whether anything reported so far made it invalid.</summary>
    private sealed class NormContext
    {
        private readonly List<Diagnostic>? _diagnostics;

        public NormContext(NormAttributeReader reader, List<Diagnostic>? diagnostics)
        {
            Reader = reader;
            _diagnostics = diagnostics;
        }

        public NormAttributeReader Reader { get; }

        public string Name { get; set; } = "";

        public bool Valid { get; private set; } = true;

        public void Report(DiagnosticDescriptor descriptor, string? argument, params object?[] args) =>
            ReportAt(descriptor, Reader.Location(argument), args);

        public void ReportAt(DiagnosticDescriptor descriptor, Location location, params object?[] args)
        {
            Valid = false;
            _diagnostics?.Add(Diagnostic.Create(descriptor, location, args));
        }
    }

    /// <summary>PyTorch's default epsilon for the norm.</summary>
    public static double DefaultEpsilon(NormKind kind, ElementKind element) => kind switch
    {
        // torch.finfo(dtype).eps, which RMSNorm uses when eps is None.
        NormKind.RmsNorm => element switch
        {
            ElementKind.Double => 2.220446049250313e-16,
            ElementKind.Half => 0.0009765625,
            _ => 1.1920928955078125e-07,
        },
        _ => 1e-5,
    };

    /// <summary>The PascalCase kernel type name for a norm name, or empty when it can't form one.</summary>
    public static string KernelNameOf(string? name)
    {
        if (name is null || name.Length == 0)
        {
            return "";
        }

        string candidate = char.ToUpperInvariant(name[0]) + name.Substring(1);
        return SyntaxFacts.IsValidIdentifier(candidate)
            && SyntaxFacts.GetKeywordKind(candidate) == SyntaxKind.None
            && SyntaxFacts.GetContextualKeywordKind(candidate) == SyntaxKind.None
            && !candidate.StartsWith("@", StringComparison.Ordinal)
                ? candidate
                : "";
    }

    private static List<LayoutAxis>? ParseClassLayout(
        INamedTypeSymbol type, List<Diagnostic>? diagnostics, CancellationToken cancellationToken, out bool declared)
    {
        declared = false;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (attribute.AttributeConstructor is null || !KnownNames.Is(attribute.AttributeClass, "TensorLayoutAttribute"))
            {
                continue;
            }

            declared = true;
            string? text = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
            List<LayoutAxis>? layout = LayoutParser.Parse(text, allowExtents: true, out string error);
            if (layout is null)
            {
                diagnostics?.Add(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidLayout, AttributeLocation(attribute, cancellationToken), text ?? "", error));
            }

            return layout;
        }

        return null;
    }

    private static bool IsPartialAllTheWayOut(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaringSyntaxReferences.Length == 0)
            {
                return false;
            }

            foreach (SyntaxReference reference in current.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration
                    || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool HasDuplicateDefinition(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            ImmutableArray<INamedTypeSymbol> namesakes = current.ContainingType?.GetTypeMembers(current.Name, current.Arity)
                ?? current.ContainingNamespace.GetTypeMembers(current.Name, current.Arity);
            if (namesakes.Length > 1)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasNamespaceMemberAccessibilityError(INamedTypeSymbol type)
    {
        INamedTypeSymbol outermost = type;
        while (outermost.ContainingType is { } containing)
        {
            outermost = containing;
        }

        return outermost.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.NotApplicable);
    }

    private static bool IsFileLocal(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            foreach (SyntaxReference reference in current.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is MemberDeclarationSyntax declaration
                    && declaration.Modifiers.Any(SyntaxKind.FileKeyword))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>What in the model type already uses <paramref name="name"/>, in words, or <see langword="null"/>.</summary>
    private static string? NameTakenInModel(INamedTypeSymbol type, string name)
    {
        if (type.TypeParameters.Any(p => p.Name == name))
        {
            // Members and type parameters share the type's declaration space.
            return $"'{type.Name}' has a type parameter named '{name}'";
        }

        return HasUserMemberNamed(type, name) ? $"'{type.Name}' has a member named '{name}'" : null;
    }

    private static bool HasUserMemberNamed(INamedTypeSymbol type, string name)
    {
        if (type.Name == name)
        {
            // A nested type may not share its container's name.
            return true;
        }

        // A kernel would hide an inherited member of that name (CS0108), even a kernel emitted for a
        // base model: already compiled, or about to be, when the base is a model of this compilation.
        for (INamedTypeSymbol? baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            if (baseType.GetMembers(name).Any(member => IsVisibleToDerived(member, type))
                || NormAttributesOf(baseType).Any(a => KernelNameOf(new NormAttributeReader(a, baseType, CancellationToken.None).Name) == name))
            {
                return true;
            }
        }

        foreach (ISymbol member in type.GetMembers(name))
        {
            // Our own kernel type, from an earlier run of the generator, is not a conflict.
            bool emittedByUs = member.GetAttributes().Any(a =>
                a.AttributeClass?.ToDisplayString() == "System.CodeDom.Compiler.GeneratedCodeAttribute"
                && a.ConstructorArguments.Length > 0
                && a.ConstructorArguments[0].Value as string == KnownNames.GeneratorTool);
            if (!emittedByUs)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsVisibleToDerived(ISymbol member, INamedTypeSymbol derived) => member.DeclaredAccessibility switch
    {
        Accessibility.Private => false,
        Accessibility.Internal or Accessibility.ProtectedAndInternal =>
            SymbolEqualityComparer.Default.Equals(member.ContainingAssembly, derived.ContainingAssembly),
        _ => true,
    };

    private static bool HasMissingName(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.Name.Length == 0 || current.TypeParameters.Any(p => p.Name.Length == 0))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<INamedTypeSymbol> ContainingTypesOf(INamedTypeSymbol type)
    {
        var chain = new Stack<INamedTypeSymbol>();
        for (INamedTypeSymbol? current = type.ContainingType; current is not null; current = current.ContainingType)
        {
            chain.Push(current);
        }

        return chain;
    }

    private static TypeHeader HeaderOf(INamedTypeSymbol type)
    {
        string keyword = (type.IsRecord, type.TypeKind) switch
        {
            (true, TypeKind.Struct) => "record struct",
            (true, _) => "record",
            (false, TypeKind.Struct) => "struct",
            // A model may be nested in an interface, whose partial declarations must all say "interface".
            (false, TypeKind.Interface) => "interface",
            _ => "class",
        };

        if (type.TypeKind == TypeKind.Struct)
        {
            keyword = (type.IsReadOnly ? "readonly " : "") + (type.IsRefLikeType ? "ref " : "") + "partial " + keyword;
        }
        else
        {
            keyword = "partial " + keyword;
        }

        string name = type.TypeParameters.Length == 0
            ? Identifier(type.Name)
            : Identifier(type.Name) + "<" + string.Join(", ", type.TypeParameters.Select(p => Identifier(p.Name))) + ">";
        return new TypeHeader(keyword, name);
    }

    /// <summary>A name as C# source spells it: <c>@class</c> for a type named <c>class</c>.</summary>
    private static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None ? name : "@" + name;

    private static string HintNameOf(INamedTypeSymbol type)
    {
        // Arity is written `_n`, so an underscore of the name itself is doubled: `Model<T>` and a type
        // named `Model_1` beside it must not get the same file.
        var parts = new List<string>();
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            parts.Insert(0, current.MetadataName.Replace("_", "__"));
        }

        // Namespace names as declared, without the '@' of escaped keywords: hint names allow no '@'.
        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Insert(0, ns.Name.Replace("_", "__"));
        }

        return string.Join(".", parts).Replace('`', '_') + ".g.cs";
    }

    internal static Location AttributeLocation(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? Location.None;
}
