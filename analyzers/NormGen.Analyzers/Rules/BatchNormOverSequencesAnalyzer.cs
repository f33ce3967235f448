using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA013: <c>nn.BatchNorm1d(...)</c> built inside a module class that also holds embeddings,
/// attention or transformer layers — a sequence model, where BatchNorm mixes time steps and padding.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BatchNormOverSequencesAnalyzer : DiagnosticAnalyzer
{
    private static readonly string[] SequenceModules =
    [
        "TorchSharp.Modules.Embedding",
        "TorchSharp.Modules.MultiheadAttention",
        "TorchSharp.Modules.TransformerEncoderLayer",
        "TorchSharp.Modules.TransformerDecoderLayer",
        "TorchSharp.Modules.TransformerEncoder",
        "TorchSharp.Modules.TransformerDecoder",
        "TorchSharp.Modules.Transformer",
    ];

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.BatchNormOverSequences);

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

            ImmutableArray<INamedTypeSymbol> sequenceModules = ResolveAll(start.Compilation);
            start.RegisterOperationAction(context => Analyze(context, torch, sequenceModules), OperationKind.Invocation);
        });
    }

    private static ImmutableArray<INamedTypeSymbol> ResolveAll(Compilation compilation)
    {
        ImmutableArray<INamedTypeSymbol>.Builder types = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
        foreach (string name in SequenceModules)
        {
            if (compilation.GetTypeByMetadataName(name) is { } type)
            {
                types.Add(type);
            }
        }

        return types.ToImmutable();
    }

    private static void Analyze(OperationAnalysisContext context, TorchSharpSymbols torch, ImmutableArray<INamedTypeSymbol> sequenceModules)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!torch.IsNnFactory(invocation.TargetMethod, "BatchNorm1d") ||
            context.ContainingSymbol.ContainingType is not { } type ||
            !torch.IsModule(type) ||
            invocation.ExplicitArgument("num_features") is not { } features)
        {
            return;
        }

        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false } field && SequenceModule(field.Type, sequenceModules) is { } sequence)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.BatchNormOverSequences,
                    invocation.Syntax.GetLocation(),
                    type.Name,
                    $"{sequence.Name} '{field.Name}'",
                    features.Value.Syntax.ToString()));
                return;
            }
        }
    }

    private static INamedTypeSymbol? SequenceModule(ITypeSymbol type, ImmutableArray<INamedTypeSymbol> sequenceModules)
    {
        foreach (INamedTypeSymbol candidate in sequenceModules)
        {
            if (type.DerivesFrom(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
