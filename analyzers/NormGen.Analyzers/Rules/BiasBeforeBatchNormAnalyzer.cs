using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA007: in <c>nn.Sequential(...)</c>, a <c>Conv1d/2d/3d</c> or <c>Linear</c> with its bias on,
/// immediately followed by a BatchNorm: the bias is cancelled by the mean subtraction.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BiasBeforeBatchNormAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The property holding the name of the bias parameter (<c>bias</c> or <c>hasBias</c>).</summary>
    public const string ParameterProperty = "Parameter";

    private static readonly string[] LayersWithBias = ["Conv1d", "Conv2d", "Conv3d", "Linear"];

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.BiasBeforeBatchNorm);

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
            if (layers[i] is { } layer &&
                layers[i + 1] is { } next &&
                torch.IsBatchNormFactory(next.TargetMethod) &&
                SymbolEqualityComparer.Default.Equals(layer.TargetMethod.ContainingType, torch.Nn) &&
                System.Array.IndexOf(LayersWithBias, layer.TargetMethod.Name) >= 0 &&
                BiasParameter(layer.TargetMethod) is { } parameter &&
                (layer.ExplicitArgument(parameter.Name) is not { } bias || bias.Value.ConstantBoolean() == true))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.BiasBeforeBatchNorm,
                    layer.Syntax.GetLocation(),
                    ImmutableDictionary<string, string?>.Empty.Add(ParameterProperty, parameter.Name),
                    layer.TargetMethod.Name,
                    parameter.Name));
            }
        }
    }

    private static IParameterSymbol? BiasParameter(IMethodSymbol method)
    {
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.Name is "bias" or "hasBias" && parameter.Type.SpecialType == SpecialType.System_Boolean)
            {
                return parameter;
            }
        }

        return null;
    }
}
