using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA015: a <c>torch.optim</c> factory given <c>model.parameters()</c> of a module with norm layers
/// and a constant weight decay above zero: the decay also shrinks the norms' γ and β and the biases.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WeightDecayOnNormParametersAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.WeightDecayOnNormParameters);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (TorchSharpSymbols.TryCreate(start.Compilation) is not { Optim: not null } torch)
            {
                return;
            }

            var layers = new ModeDependentLayers(torch, start.Compilation);
            start.RegisterOperationAction(context => Analyze(context, torch, layers), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, TorchSharpSymbols torch, ModeDependentLayers layers)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, torch.Optim) ||
            invocation.ExplicitArgument("weight_decay") is not { } decay ||
            decay.Value.ConstantDouble() is not > 0 ||
            invocation.ExplicitArgument("parameters")?.Value.WithoutConversions() is not IInvocationOperation { TargetMethod.Name: "parameters" } parameters ||
            parameters.Instance is not { Type: { } moduleType } instance ||
            !torch.IsModule(moduleType))
        {
            return;
        }

        // A local or field: also from how it was built; anything else (new Model(), a call): from its type.
        ModeDependentLayer found = instance.ReferencedSymbol() is { } module
            ? layers.Of(module, invocation.SemanticModel!)
            : layers.OfModuleType(moduleType);
        if ((found & ModeDependentLayer.Norm) == 0)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.WeightDecayOnNormParameters,
            invocation.Syntax.GetLocation(),
            $"optim.{invocation.TargetMethod.Name}",
            decay.Value.Syntax.ToString(),
            instance.Syntax.ToString()));
    }
}
