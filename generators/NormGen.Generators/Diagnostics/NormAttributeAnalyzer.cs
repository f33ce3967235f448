using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using NormGen.Generators.Model;
using NormGen.Generators.Parsing;

namespace NormGen.Generators.Diagnostics;

/// <summary>
/// Reports malformed norm attributes. It runs the generator's own parser, so what it reports is
/// exactly what the generator skips, and the generator itself never has to carry diagnostics.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NormAttributeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ModelTypeMustBePartial,
        DiagnosticDescriptors.MissingLayout,
        DiagnosticDescriptors.InvalidLayout,
        DiagnosticDescriptors.UnknownAxis,
        DiagnosticDescriptors.InvalidAxes,
        DiagnosticDescriptors.MissingExtent,
        DiagnosticDescriptors.ShapeRankMismatch,
        DiagnosticDescriptors.NonPositiveExtent,
        DiagnosticDescriptors.InvalidEpsilon,
        DiagnosticDescriptors.DuplicateNormName,
        DiagnosticDescriptors.InvalidNormName,
        DiagnosticDescriptors.UnsupportedElementType,
        DiagnosticDescriptors.AxesNotAdjacent,
        DiagnosticDescriptors.UnsafeCodeRequired,
        DiagnosticDescriptors.ConflictingExtent,
        DiagnosticDescriptors.RowTooLarge,
        DiagnosticDescriptors.NameConflictsWithMember,
        DiagnosticDescriptors.FileLocalModelType,
        DiagnosticDescriptors.GroupsMustDivideChannels,
        DiagnosticDescriptors.InvalidChannelAxis,
        DiagnosticDescriptors.InvalidMomentum,
        DiagnosticDescriptors.UnsupportedFusion,
        DiagnosticDescriptors.UnknownActivation,
        DiagnosticDescriptors.InstanceNormOverOneElement);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Nothing to do in a compilation that doesn't reference the NormGen runtime.
            if (start.Compilation.GetTypeByMetadataName(KnownNames.NormAttribute) is null)
            {
                return;
            }

            bool allowsUnsafe = start.Compilation.Options is CSharpCompilationOptions { AllowUnsafe: true };
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, allowsUnsafe), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, bool allowsUnsafe)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        List<AttributeData> norms = ModelParser.NormAttributesOf(type);
        if (norms.Count == 0)
        {
            return;
        }

        var diagnostics = new List<Diagnostic>();
        ModelSpec? model = ModelParser.Parse(type, diagnostics, context.CancellationToken);
        if (model is not null && model.Norms.Length > 0 && !allowsUnsafe)
        {
            diagnostics.Add(Diagnostic.Create(
                DiagnosticDescriptors.UnsafeCodeRequired,
                ModelParser.AttributeLocation(norms[0], context.CancellationToken),
                type.Name));
        }

        foreach (Diagnostic diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic);
        }
    }
}
