using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA011: in <c>nn.Sequential(...)</c>, a LayerNorm whose constant normalized shape contradicts the
/// constant output of the layer right before it: <c>Linear(…, 256)</c> → <c>LayerNorm(128)</c>, or
/// <c>Conv2d(…, 128, …)</c> → <c>LayerNorm([64, 32, 32])</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LayerNormShapeMismatchAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.LayerNormShapeMismatch);

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
            if (layers[i] is not { } layer ||
                layers[i + 1] is not { } norm ||
                !torch.IsNnFactory(norm.TargetMethod, "LayerNorm") ||
                norm.ExplicitArgument("normalized_shape") is not { } shapeArgument ||
                Extents(shapeArgument.Value) is not { Count: > 0 } shape)
            {
                continue;
            }

            IMethodSymbol method = layer.TargetMethod;
            if (torch.IsNnFactory(method, "Linear") &&
                layer.ExplicitArgument("outputSize")?.Value.ConstantInt64() is { } features &&
                shape[shape.Count - 1] != features)
            {
                Report(context, shapeArgument, "Linear", features, "features", "last", shape[shape.Count - 1]);
            }
            else if (torch.IsNnFactoryFamily(method, "Conv") &&
                     method.Name is "Conv1d" or "Conv2d" or "Conv3d" &&
                     shape.Count == method.Name[4] - '0' + 1 &&
                     layer.ExplicitArgument("out_channels")?.Value.ConstantInt64() is { } channels &&
                     shape[0] != channels)
            {
                // Normalized over [C, spatial...]: the first extent is the channel count.
                Report(context, shapeArgument, method.Name, channels, "channels", "channel (first)", shape[0]);
            }
        }
    }

    private static void Report(OperationAnalysisContext context, IArgumentOperation shape, string layer, long produced, string what, string which, long normalized) =>
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.LayerNormShapeMismatch,
            shape.Value.Syntax.GetLocation(),
            layer,
            produced,
            what,
            which,
            normalized));

    /// <summary>The constant extents of a normalized shape: one <c>long</c>, or an array of constants.</summary>
    private static List<long>? Extents(IOperation value)
    {
        if (value.ConstantInt64() is { } single)
        {
            return [single];
        }

        if (value.WithoutConversions() is not IArrayCreationOperation { Initializer: { } initializer })
        {
            return null;
        }

        var extents = new List<long>(initializer.ElementValues.Length);
        foreach (IOperation element in initializer.ElementValues)
        {
            if (element.ConstantInt64() is not { } extent)
            {
                return null;
            }

            extents.Add(extent);
        }

        return extents;
    }
}
