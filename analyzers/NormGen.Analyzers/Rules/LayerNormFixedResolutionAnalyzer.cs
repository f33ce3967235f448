using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA012: <c>nn.LayerNorm(new long[] { C, H, W })</c> (or <c>{ C, D, H, W }</c>) with constant spatial
/// extents: the model then only accepts one input resolution.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LayerNormFixedResolutionAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.LayerNormFixedResolution);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (TorchSharpSymbols.TryCreate(start.Compilation) is not { } torch)
            {
                return;
            }

            start.RegisterOperationAction(context => Analyze(context, torch), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, TorchSharpSymbols torch)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!torch.IsNnFactory(invocation.TargetMethod, "LayerNorm") ||
            invocation.ExplicitArgument("normalized_shape") is not { } shape ||
            shape.Value.WithoutConversions() is not IArrayCreationOperation { Initializer: { } initializer })
        {
            return;
        }

        // Three or four constant extents read as [C, H, W] / [C, D, H, W]; [T, D] pairs are sequences.
        long?[] extents = initializer.ElementValues.Select(e => e.ConstantInt64()).ToArray();
        if (extents.Length is not (3 or 4) || extents.Any(e => e is null))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.LayerNormFixedResolution,
            shape.Value.Syntax.GetLocation(),
            "[" + string.Join(", ", extents) + "]",
            string.Join("×", extents.Skip(1)),
            extents[0]));
    }
}
