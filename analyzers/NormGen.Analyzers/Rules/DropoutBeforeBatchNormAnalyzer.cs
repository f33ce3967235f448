using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>NGA009: in <c>nn.Sequential(...)</c>, a Dropout immediately followed by a BatchNorm.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DropoutBeforeBatchNormAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.DropoutBeforeBatchNorm);

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
        if (!torch.IsNnFactory(invocation.TargetMethod, "Sequential"))
        {
            return;
        }

        List<IInvocationOperation?> layers = SequentialLayers.Of(invocation);
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            // Element-wise dropout only: Dropout1d/2d/3d drop whole channels, a different trade-off.
            if (layers[i] is { } dropout &&
                layers[i + 1] is { } next &&
                torch.IsNnFactory(dropout.TargetMethod, "Dropout") &&
                torch.IsBatchNormFactory(next.TargetMethod) &&
                dropout.ExplicitArgument("p")?.Value.ConstantDouble() is not 0.0)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DropoutBeforeBatchNorm, next.Syntax.GetLocation()));
            }
        }
    }
}
