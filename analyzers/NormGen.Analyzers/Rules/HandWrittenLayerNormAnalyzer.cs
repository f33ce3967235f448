using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA008: a centered tensor divided by <c>std + eps</c> — <c>(x - mean) / (x.std(-1, keepdim: true) + eps)</c>
/// — the hand-written LayerNorm that differs from <c>nn.LayerNorm</c>: unbiased std by default, and eps
/// outside the square root.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandWrittenLayerNormAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Present (with the replacement text) when the denominator can be rewritten in place.</summary>
    public const string ReplacementProperty = "Replacement";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.HandWrittenLayerNorm);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (TorchSharpSymbols.TryCreate(start.Compilation) is not { } torch || torch.Tensor is null)
            {
                return;
            }

            start.RegisterOperationAction(context => Analyze(context, torch), OperationKind.Binary);
        });
    }

    private static void Analyze(OperationAnalysisContext context, TorchSharpSymbols torch)
    {
        // (x - mean) / (std + eps) or γ * (x - mean) / (std + eps), with Tensor's operators.
        var division = (IBinaryOperation)context.Operation;
        if (division.OperatorKind != BinaryOperatorKind.Divide ||
            !IsTensor(division.Type, torch) ||
            !IsCentered(division.LeftOperand) ||
            division.RightOperand.WithoutConversions() is not IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } sum)
        {
            return;
        }

        // One side of the sum is the standard deviation (a call, or a local holding one); the other a scalar eps.
        IOperation left = sum.LeftOperand.WithoutConversions(), right = sum.RightOperand.WithoutConversions();
        (IOperation deviation, IOperation eps) = IsTensor(left.Type, torch) ? (left, right) : (right, left);
        if (IsTensor(eps.Type, torch) || StandardDeviation(deviation, torch) is not { } std)
        {
            return;
        }

        bool unbiased = std.ExplicitArgument("unbiased")?.Value.ConstantBoolean() != false;
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (deviation is IInvocationOperation && std.Instance is { } receiver)
        {
            properties = properties.Add(ReplacementProperty, Replacement(std, receiver, eps));
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.HandWrittenLayerNorm,
            sum.Syntax.GetLocation(),
            properties,
            deviation.Syntax.ToString(),
            unbiased ? "the unbiased (n − 1) standard deviation, and " : ""));
    }

    /// <summary>Whether the numerator is, or scales, a difference: <c>x - mean</c>, <c>γ * (x - mean)</c>.</summary>
    private static bool IsCentered(IOperation numerator) => numerator.WithoutConversions() switch
    {
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } => true,
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } product => IsCentered(product.LeftOperand) || IsCentered(product.RightOperand),
        _ => false,
    };

    private static bool IsTensor(ITypeSymbol? type, TorchSharpSymbols torch) => type.DerivesFrom(torch.Tensor);

    /// <summary>The <c>Tensor.std(...)</c> call the operation is, or the one a local was initialized with.</summary>
    private static IInvocationOperation? StandardDeviation(IOperation operation, TorchSharpSymbols torch)
    {
        if (operation is ILocalReferenceOperation local)
        {
            foreach (SyntaxReference reference in local.Local.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } initializer } &&
                    initializer.SyntaxTree == operation.Syntax.SyntaxTree &&
                    operation.SemanticModel?.GetOperation(initializer) is { } value)
                {
                    return StandardDeviation(value.WithoutConversions(), torch);
                }
            }

            return null;
        }

        return operation is IInvocationOperation { TargetMethod.Name: "std" } invocation &&
            SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, torch.Tensor)
            ? invocation
            : null;
    }

    /// <summary><c>(x.var(dims, unbiased: false, keepdim: k) + eps).sqrt()</c>, keeping the written dims, keepdim and type.</summary>
    private static string Replacement(IInvocationOperation std, IOperation receiver, IOperation eps)
    {
        var arguments = new System.Collections.Generic.List<string>();
        foreach (IArgumentOperation argument in std.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || argument.IsImplicit || argument.Parameter is null)
            {
                continue;
            }

            string value = ((ArgumentSyntax)argument.Syntax).Expression.ToString();
            switch (argument.Parameter.Name)
            {
                case "unbiased":
                    break;
                case "dim" or "dimensions" when arguments.Count == 0:
                    arguments.Add(value);
                    break;
                default:
                    arguments.Add($"{argument.Parameter.Name}: {value}");
                    break;
            }
        }

        arguments.Insert(arguments.Count > 0 && !arguments[0].Contains(":") ? 1 : 0, "unbiased: false");
        return $"({receiver.Syntax}.var({string.Join(", ", arguments)}) + {eps.Syntax}).sqrt()";
    }
}
