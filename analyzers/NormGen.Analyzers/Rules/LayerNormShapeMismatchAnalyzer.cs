using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA011: a LayerNorm whose constant normalized shape contradicts the constant output of the layer
/// right before it: <c>Linear(…, 256)</c> → <c>LayerNorm(128)</c>, or <c>Conv2d(…, 128, …)</c> →
/// <c>LayerNorm([64, 32, 32])</c>; in <c>nn.Sequential(...)</c>, or in consecutive module calls
/// (<c>ln.forward(fc.forward(x))</c>).
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
        if (torch.IsNnFactory(invocation.TargetMethod, "Sequential"))
        {
            List<IInvocationOperation?> layers = SequentialLayers.Of(invocation);
            for (int i = 0; i + 1 < layers.Count; i++)
            {
                if (layers[i] is { } layer && layers[i + 1] is { } norm && Mismatch(layer, norm, torch) is { } mismatch)
                {
                    Report(context, mismatch.Shape.Value.Syntax.GetLocation(), mismatch);
                }
            }
        }
        else if (ModeSwitches.IsModuleCall(invocation, torch) && invocation.Arguments.Length == 1)
        {
            AnalyzeForwardCall(context, invocation, torch);
        }
    }

    /// <summary>
    /// <c>norm.forward(layer.forward(x))</c>, or <c>h = layer.forward(x); ... norm.forward(h)</c> in
    /// straight-line code, where both modules are built by factory calls in this file.
    /// </summary>
    private static void AnalyzeForwardCall(OperationAnalysisContext context, IInvocationOperation normCall, TorchSharpSymbols torch)
    {
        SemanticModel model = normCall.SemanticModel!;
        if (normCall.Instance.ReferencedSymbol() is not { } normModule ||
            Factory(normModule, model) is not { } norm ||
            !torch.IsNnFactory(norm.TargetMethod, "LayerNorm") ||
            Producer(normCall.Arguments[0].Value, normCall) is not IInvocationOperation layerCall ||
            !ModeSwitches.IsModuleCall(layerCall, torch) ||
            layerCall.Instance.ReferencedSymbol() is not { } layerModule ||
            Factory(layerModule, model) is not { } layer ||
            Mismatch(layer, norm, torch) is not { } mismatch)
        {
            return;
        }

        Report(context, normCall.Syntax.GetLocation(), mismatch);
    }

    /// <summary>
    /// The operation that produced the value: itself, or for a local or parameter the last write before the use
    /// when that write is a statement of the same block (straight-line code, no branch in between).
    /// </summary>
    private static IOperation? Producer(IOperation value, IOperation use)
    {
        value = value.WithoutConversions();
        ISymbol? variable = value switch
        {
            ILocalReferenceOperation reference => reference.Local,
            IParameterReferenceOperation reference => reference.Parameter,
            _ => null,
        };
        if (variable is null)
        {
            return value;
        }

        // The last write before the use (a write that contains the use, as in x = ln.forward(x), comes after it).
        IOperation? lastWrite = null;
        IOperation? lastValue = null;
        foreach (IOperation operation in ModeSwitches.BodyRoot(use).Descendants())
        {
            IOperation? written;
            switch (operation)
            {
                case IAssignmentOperation assignment when SymbolEqualityComparer.Default.Equals(assignment.Target.ReferencedSymbol(), variable):
                    written = assignment is ISimpleAssignmentOperation simple ? simple.Value : null;
                    break;
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, variable):
                    written = declarator.GetVariableInitializer()?.Value;
                    break;
                default:
                    continue;
            }

            if (operation.Syntax.Span.End <= use.Syntax.SpanStart &&
                (lastWrite is null || operation.Syntax.SpanStart > lastWrite.Syntax.SpanStart))
            {
                lastWrite = operation;
                lastValue = written;
            }
        }

        // Straight-line code only: the write and the use are statements of the same block.
        return lastWrite is not null && StatementOf(lastWrite) is { Parent: { } block } && block == StatementOf(use)?.Parent
            ? lastValue?.WithoutConversions()
            : null;
    }

    /// <summary>The statement of a block that holds the operation.</summary>
    private static IOperation? StatementOf(IOperation operation)
    {
        for (IOperation current = operation; current.Parent is { } parent; current = parent)
        {
            if (parent is IBlockOperation)
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>
    /// The factory call that builds the module held by a local or field: its initializer, or the one
    /// assignment to it in the constructors, written in the file being analyzed.
    /// </summary>
    private static IInvocationOperation? Factory(ISymbol module, SemanticModel model)
    {
        IInvocationOperation? found = null;
        foreach (SyntaxReference reference in module.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == model.SyntaxTree &&
                reference.GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } initializer })
            {
                return model.GetOperation(initializer)?.WithoutConversions() as IInvocationOperation;
            }
        }

        if (module is not IFieldSymbol field)
        {
            return null;
        }

        foreach (IMethodSymbol constructor in field.ContainingType.InstanceConstructors)
        {
            foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree != model.SyntaxTree)
                {
                    continue;
                }

                foreach (AssignmentExpressionSyntax assignment in reference.GetSyntax().DescendantNodes().OfType<AssignmentExpressionSyntax>())
                {
                    if (model.GetOperation(assignment) is ISimpleAssignmentOperation operation &&
                        SymbolEqualityComparer.Default.Equals(operation.Target.ReferencedSymbol(), field))
                    {
                        if (found is not null)
                        {
                            // Assigned more than once: which one runs is not known here.
                            return null;
                        }

                        found = operation.Value.WithoutConversions() as IInvocationOperation;
                    }
                }
            }
        }

        return found;
    }

    private static (IArgumentOperation Shape, string Layer, long Produced, string What, string Which, long Normalized)? Mismatch(
        IInvocationOperation layer, IInvocationOperation norm, TorchSharpSymbols torch)
    {
        if (!torch.IsNnFactory(norm.TargetMethod, "LayerNorm") ||
            norm.ExplicitArgument("normalized_shape") is not { } shapeArgument ||
            Extents(shapeArgument.Value) is not { Count: > 0 } shape)
        {
            return null;
        }

        IMethodSymbol method = layer.TargetMethod;
        if (torch.IsNnFactory(method, "Linear") &&
            layer.ExplicitArgument("outputSize")?.Value.ConstantInt64() is { } features &&
            shape[shape.Count - 1] != features)
        {
            return (shapeArgument, "Linear", features, "features", "last", shape[shape.Count - 1]);
        }

        if (torch.IsNnFactoryFamily(method, "Conv") &&
            method.Name is "Conv1d" or "Conv2d" or "Conv3d" &&
            shape.Count == method.Name[4] - '0' + 1 &&
            layer.ExplicitArgument("out_channels")?.Value.ConstantInt64() is { } channels &&
            shape[0] != channels)
        {
            // Normalized over [C, spatial...]: the first extent is the channel count.
            return (shapeArgument, method.Name, channels, "channels", "channel (first)", shape[0]);
        }

        return null;
    }

    private static void Report(OperationAnalysisContext context, Location location, (IArgumentOperation Shape, string Layer, long Produced, string What, string Which, long Normalized) mismatch) =>
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.LayerNormShapeMismatch,
            location,
            mismatch.Layer,
            mismatch.Produced,
            mismatch.What,
            mismatch.Which,
            mismatch.Normalized));

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
