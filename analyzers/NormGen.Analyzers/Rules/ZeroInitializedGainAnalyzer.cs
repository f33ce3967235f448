using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA004: a norm's gain γ (<c>weight</c>) set to zero — <c>init.zeros_(bn.weight)</c>,
/// <c>init.constant_(bn.weight, 0)</c>, <c>bn.weight.fill_(0)</c>, <c>bn.weight.zero_()</c> — except
/// where the code marks it as the zero-γ residual technique (see docs/analyzers/NGA004.md).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ZeroInitializedGainAnalyzer : DiagnosticAnalyzer
{
    /// <summary>How the gain was zeroed: one of the <c>*Form</c> values, for the code fix.</summary>
    public const string FormProperty = "Form";

    /// <summary><c>init.zeros_(w)</c>.</summary>
    public const string ZerosForm = "zeros_";

    /// <summary><c>init.constant_(w, 0)</c>.</summary>
    public const string ConstantForm = "constant_";

    /// <summary><c>w.fill_(0)</c>.</summary>
    public const string FillForm = "fill_";

    /// <summary><c>w.zero_()</c>.</summary>
    public const string ZeroForm = "zero_";

    /// <summary>.editorconfig key: comma-separated names of norms that end a residual branch.</summary>
    public const string ResidualNormNamesOption = "normgen.nga004.residual_norm_names";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.ZeroInitializedGain);

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
        if (ZeroedTensor(invocation, torch) is not (IOperation tensor, string form))
        {
            return;
        }

        // Only a norm's gain: the weight of a BatchNorm/InstanceNorm/GroupNorm/LayerNorm module.
        if (tensor.WithoutConversions() is not IPropertyReferenceOperation { Property.Name: "weight", Instance: { } norm } ||
            !torch.IsNormModule(norm.Type))
        {
            return;
        }

        string normName = NormName(norm);
        if (IsMarkedZeroGammaResidual(context, invocation, normName))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.ZeroInitializedGain,
            invocation.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(FormProperty, form),
            normName));
    }

    /// <summary>The tensor a call sets to zero, and the form of the call; null when it sets nothing to zero.</summary>
    private static (IOperation Tensor, string Form)? ZeroedTensor(IInvocationOperation invocation, TorchSharpSymbols torch)
    {
        IMethodSymbol method = invocation.TargetMethod;
        if (SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Init))
        {
            return method.Name switch
            {
                "zeros_" when invocation.ExplicitArgument("tensor") is { } tensor => (tensor.Value, ZerosForm),
                "constant_" when invocation.ExplicitArgument("tensor") is { } tensor &&
                                 invocation.ExplicitArgument("val")?.Value.ConstantDouble() == 0 => (tensor.Value, ConstantForm),
                _ => null,
            };
        }

        if (SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Tensor) && invocation.Instance is { } receiver)
        {
            return method.Name switch
            {
                "zero_" when method.Parameters.Length == 0 => (receiver, ZeroForm),
                "fill_" when invocation.Arguments.Length == 1 && invocation.Arguments[0].Value.ConstantDouble() == 0 => (receiver, FillForm),
                _ => null,
            };
        }

        return null;
    }

    private static string NormName(IOperation norm) =>
        norm.ReferencedSymbol()?.Name ?? norm.WithoutConversions() switch
        {
            IFieldReferenceOperation field => field.Field.Name,
            IPropertyReferenceOperation property => property.Property.Name,
            _ => norm.Syntax.ToString(),
        };

    /// <summary>
    /// The zero-γ residual conventions: the norm's name says "residual" or is listed in the
    /// .editorconfig option; the call sits under an <c>if</c> on a zero_init_residual flag; or a
    /// comment on the statement says "zero-init residual" / "zero-γ residual".
    /// </summary>
    private static bool IsMarkedZeroGammaResidual(OperationAnalysisContext context, IInvocationOperation invocation, string normName)
    {
        if (normName.IndexOf("residual", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            return true;
        }

        if (context.Options.AnalyzerConfigOptionsProvider.GetOptions(invocation.Syntax.SyntaxTree)
                .TryGetValue(ResidualNormNamesOption, out string? names))
        {
            foreach (string name in names.Split(','))
            {
                if (string.Equals(name.Trim(), normName, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        for (IOperation? current = invocation.Parent; current is not null; current = current.Parent)
        {
            if (current is IConditionalOperation conditional && Normalize(conditional.Condition.Syntax.ToString()).Contains("zeroinitresidual"))
            {
                return true;
            }
        }

        SyntaxNode statement = invocation.Syntax;
        while (statement.Parent is { } parent && statement is not Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax)
        {
            statement = parent;
        }

        foreach (SyntaxTrivia trivia in statement.GetLeadingTrivia().AddRange(statement.GetTrailingTrivia()))
        {
            string text = Normalize(trivia.ToString());
            if (text.Contains("zeroinitresidual") || text.Contains("zeroγresidual") || text.Contains("zerogammaresidual"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lower case without separators, so zero_init_residual, zeroInitResidual and "zero-init residual" match.</summary>
    private static string Normalize(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is not ('_' or '-' or ' ' or '\t'))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString();
    }
}
