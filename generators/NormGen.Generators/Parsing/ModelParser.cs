using System;
using System.Collections.Generic;
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

            if (!kernelNames.Add(norm.KernelName))
            {
                diagnostics?.Add(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateNormName, reader.Location(null), norm.Name, type.Name, norm.KernelName));
                continue;
            }

            if (HasUserMemberNamed(type, norm.KernelName))
            {
                diagnostics?.Add(Diagnostic.Create(
                    DiagnosticDescriptors.NameConflictsWithMember, reader.Location(null), norm.Name, norm.KernelName, type.Name));
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
        NormKind? kind = reader.Kind;
        if (kind is null)
        {
            // A user-defined subclass of NormAttribute: nothing we know how to emit.
            return null;
        }

        bool valid = true;
        void Report(DiagnosticDescriptor descriptor, string? argument, params object?[] args)
        {
            valid = false;
            diagnostics?.Add(Diagnostic.Create(descriptor, reader.Location(argument), args));
        }

        string name = reader.Name ?? "";
        string kernelName = KernelNameOf(name);
        if (kernelName.Length == 0)
        {
            Report(DiagnosticDescriptors.InvalidNormName, null, name);
            name = reader.Name ?? "(null)";
        }

        // Element type.
        ElementKind element = ElementKind.Float;
        if (reader.ElementType is { } elementType)
        {
            switch (elementType.SpecialType)
            {
                case SpecialType.System_Single:
                    element = ElementKind.Float;
                    break;
                case SpecialType.System_Double:
                    element = ElementKind.Double;
                    break;
                default:
                    Report(DiagnosticDescriptors.UnsupportedElementType, "ElementType", name, elementType.ToDisplayString(TypeNameFormat));
                    break;
            }
        }

        // Epsilon: PyTorch's defaults when not given (1e-5 for LayerNorm, machine epsilon for RMSNorm).
        double epsilon = reader.Epsilon ?? DefaultEpsilon(kind.Value, element);
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            Report(DiagnosticDescriptors.InvalidEpsilon, "Eps", name, epsilon.ToString("R", CultureInfo.InvariantCulture), "");
        }
        else if (element == ElementKind.Float && !((float)epsilon > 0 && !float.IsInfinity((float)epsilon)))
        {
            Report(DiagnosticDescriptors.InvalidEpsilon, "Eps", name, epsilon.ToString("R", CultureInfo.InvariantCulture), " in float");
        }

        // Layout: the attribute's own, else the class's.
        List<LayoutAxis>? layout;
        if (reader.Layout is { } layoutText)
        {
            layout = LayoutParser.Parse(layoutText, allowExtents: true, out string error);
            if (layout is null)
            {
                Report(DiagnosticDescriptors.InvalidLayout, "Layout", layoutText, error);
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
                Report(DiagnosticDescriptors.MissingLayout, null, name, reader.ModelType.Name);
            }

            return null;
        }

        string layoutDisplay = string.Join(",", layout.Select(a => a.Name));

        // Normalized axes.
        if (reader.Axes is not { } axesText)
        {
            Report(DiagnosticDescriptors.InvalidAxes, null, name, "", "Axes is required (for example Axes = \"" + layout[layout.Count - 1].Name + "\")");
            return null;
        }

        List<LayoutAxis>? axes = LayoutParser.Parse(axesText, allowExtents: false, out string axesError);
        if (axes is null)
        {
            Report(DiagnosticDescriptors.InvalidAxes, "Axes", name, axesText, axesError);
            return null;
        }

        var positions = new List<int>();
        foreach (LayoutAxis axis in axes)
        {
            int position = layout.FindIndex(a => a.Name == axis.Name);
            if (position < 0)
            {
                Report(DiagnosticDescriptors.UnknownAxis, "Axes", name, axis.Name, layoutDisplay);
            }

            positions.Add(position);
        }

        if (!valid)
        {
            return null;
        }

        int firstPosition = layout.Count - axes.Count;
        bool trailingInOrder = true;
        for (int i = 0; i < positions.Count; i++)
        {
            trailingInOrder &= positions[i] == firstPosition + i;
        }

        if (!trailingInOrder)
        {
            string suggestion = string.Join(",", layout.Skip(firstPosition).Select(a => a.Name));
            Report(DiagnosticDescriptors.AxesNotTrailing, "Axes", name, axesText, layoutDisplay, kind.Value == NormKind.LayerNorm ? "LayerNorm" : "RmsNorm", suggestion);
            return null;
        }

        // Extents: from Shape, from the layout, or both when they agree.
        int[]? shape = reader.Shape;
        if (shape is not null && shape.Length != axes.Count)
        {
            Report(DiagnosticDescriptors.ShapeRankMismatch, "Shape", name, axes.Count, shape.Length);
            return null;
        }

        var extents = new int[axes.Count];
        for (int i = 0; i < axes.Count; i++)
        {
            int? fromLayout = layout[positions[i]].Extent;
            int? fromShape = shape?[i];
            if (fromShape is { } s && s <= 0)
            {
                Report(DiagnosticDescriptors.NonPositiveExtent, "Shape", name, axes[i].Name, s);
                continue;
            }

            if (fromShape is { } a && fromLayout is { } b && a != b)
            {
                Report(DiagnosticDescriptors.ConflictingExtent, "Shape", name, axes[i].Name, a, b);
                continue;
            }

            if ((fromShape ?? fromLayout) is not { } extent)
            {
                Report(DiagnosticDescriptors.MissingExtent, shape is null ? null : "Shape", name, axes[i].Name);
                continue;
            }

            extents[i] = extent;
        }

        if (!valid)
        {
            return null;
        }

        long rowLength = 1;
        foreach (int extent in extents)
        {
            rowLength = Math.Min(rowLength * extent, (long)MaxRowLength + 1);
        }

        if (rowLength > MaxRowLength)
        {
            Report(DiagnosticDescriptors.RowTooLarge, "Shape", name, string.Join("×", extents), MaxRowLength);
            return null;
        }

        bool hasWeight = reader.ElementwiseAffine;
        bool hasBias = kind == NormKind.LayerNorm && hasWeight && reader.Bias;

        return new NormSpec(
            kind.Value,
            name,
            kernelName,
            element,
            layout.Select(a => a.Name).ToEquatableArray(),
            axes.Select(a => a.Name).ToEquatableArray(),
            extents.ToEquatableArray(),
            epsilon,
            hasWeight,
            hasBias);
    }

    /// <summary>PyTorch's default epsilon for the norm.</summary>
    public static double DefaultEpsilon(NormKind kind, ElementKind element) => kind switch
    {
        // torch.finfo(dtype).eps, which RMSNorm uses when eps is None.
        NormKind.RmsNorm => element == ElementKind.Double ? 2.220446049250313e-16 : 1.1920928955078125e-07,
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
        var parts = new List<string>();
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            parts.Insert(0, current.MetadataName);
        }

        // Namespace names as declared, without the '@' of escaped keywords: hint names allow no '@'.
        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Insert(0, ns.Name);
        }

        return string.Join(".", parts).Replace('`', '_') + ".g.cs";
    }

    internal static Location AttributeLocation(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? Location.None;
}
