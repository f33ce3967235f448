using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA003: eps of a TorchSharp norm factory that is not positive and finite (error), or outside
/// [1e-8, 1e-2] (warning); and the warning range for NormGen attributes, whose invalid values the
/// generator already reports as NG0009.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EpsilonRangeAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Smallest eps that still matters next to a float32 variance.</summary>
    public const double Smallest = 1e-8;

    /// <summary>Largest eps that does not visibly bias the normalized output.</summary>
    public const double Largest = 1e-2;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.EpsilonOutOfRange);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (TorchSharpSymbols.TryCreate(start.Compilation) is { } torch)
            {
                start.RegisterOperationAction(context => AnalyzeFactory(context, torch), OperationKind.Invocation);
            }

            if (start.Compilation.GetTypeByMetadataName("NormGen.NormAttribute") is { } normAttribute)
            {
                start.RegisterOperationAction(context => AnalyzeAttribute(context, normAttribute), OperationKind.Attribute);
            }
        });
    }

    private static void AnalyzeFactory(OperationAnalysisContext context, TorchSharpSymbols torch)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (!(torch.IsNnFactory(method, "LayerNorm") ||
              torch.IsNnFactory(method, "GroupNorm") ||
              torch.IsBatchNormFactory(method) ||
              torch.IsInstanceNormFactory(method)) ||
            invocation.ExplicitArgument("eps") is not { } argument ||
            argument.Value.ConstantDouble() is not { } eps)
        {
            return;
        }

        if (!(eps > 0) || double.IsInfinity(eps))
        {
            Report(context, argument.Value, eps, DiagnosticSeverity.Error, "is not a positive, finite number: the norm divides by zero or produces NaN; use 1e-5");
        }
        else
        {
            ReportIfOutOfRange(context, argument.Value, eps);
        }
    }

    private static void AnalyzeAttribute(OperationAnalysisContext context, INamedTypeSymbol normAttribute)
    {
        var attribute = (IAttributeOperation)context.Operation;
        if (!attribute.AttributeClass().DerivesFrom(normAttribute) ||
            attribute.NamedArgument("Eps") is not { } value ||
            value.ConstantDouble() is not { } eps)
        {
            return;
        }

        // Values that are not positive and finite in the computing type are NG0009's (an error from
        // the generator); reporting them here as well would say the same thing twice.
        bool computesInDouble = attribute.NamedArgument("ElementType")?.WithoutConversions() is ITypeOfOperation { TypeOperand.SpecialType: SpecialType.System_Double };
        bool invalid = !(eps > 0) || double.IsInfinity(eps) ||
            (!computesInDouble && (!((float)eps > 0) || float.IsInfinity((float)eps)));
        if (!invalid)
        {
            ReportIfOutOfRange(context, value, eps);
        }
    }

    private static void ReportIfOutOfRange(OperationAnalysisContext context, IOperation value, double eps)
    {
        if (eps < Smallest)
        {
            Report(context, value, eps, DiagnosticSeverity.Warning, "is below 1e-8 and vanishes next to a float32 variance, so it no longer protects against constant inputs; use 1e-5 (1e-6 for RMSNorm)");
        }
        else if (eps > Largest)
        {
            Report(context, value, eps, DiagnosticSeverity.Warning, "is above 1e-2 and visibly biases the normalized output towards zero; use 1e-5");
        }
    }

    private static void Report(OperationAnalysisContext context, IOperation value, double eps, DiagnosticSeverity severity, string reason) =>
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.EpsilonOutOfRange,
            value.Syntax.GetLocation(),
            severity,
            additionalLocations: null,
            properties: null,
            OperationQueries.ToLiteralText(eps),
            reason));
}
