using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA002: a BatchNorm momentum of 0.5 or more — <c>nn.BatchNorm2d(64, momentum: 0.99)</c> or
/// <c>[BatchNorm("bn", Momentum = 0.99)]</c> — almost always a value carried over from Keras, where
/// momentum is the weight of the old running statistics rather than of the new batch.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class KerasMomentumAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The property holding the PyTorch-convention value (1 − m), for the code fix.</summary>
    public const string ConvertedProperty = "Converted";

    /// <summary>Values from here up (excluding 1, the "last batch only" setting) read as Keras momentum.</summary>
    public const double Threshold = 0.5;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.KerasMomentum);

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

            if (start.Compilation.GetTypeByMetadataName("NormGen.BatchNormAttribute") is { } batchNormAttribute)
            {
                start.RegisterOperationAction(context => AnalyzeAttribute(context, batchNormAttribute), OperationKind.Attribute);
            }
        });
    }

    private static void AnalyzeFactory(OperationAnalysisContext context, TorchSharpSymbols torch)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (torch.IsBatchNormFactory(invocation.TargetMethod) &&
            invocation.ExplicitArgument("momentum") is { } momentum)
        {
            Report(context, momentum.Value);
        }
    }

    private static void AnalyzeAttribute(OperationAnalysisContext context, INamedTypeSymbol batchNormAttribute)
    {
        var attribute = (IAttributeOperation)context.Operation;
        if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass(), batchNormAttribute) &&
            attribute.NamedArgument("Momentum") is { } momentum)
        {
            Report(context, momentum);
        }
    }

    private static void Report(OperationAnalysisContext context, IOperation value)
    {
        // Values outside [0, 1] are invalid rather than Keras-like (the generator reports them for
        // attributes); exactly 1 is a legitimate PyTorch setting (keep only the last batch). Written
        // so that NaN is outside the range too.
        if (value.ConstantDouble() is not { } momentum || !(momentum >= Threshold && momentum < 1))
        {
            return;
        }

        string converted = OneMinus(momentum);
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.KerasMomentum,
            value.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(ConvertedProperty, converted),
            OperationQueries.ToLiteralText(momentum),
            converted));
    }

    /// <summary>1 − m written as a short literal: decimal arithmetic, so 1 − 0.99 is 0.01, not 0.010000000000000009.</summary>
    public static string OneMinus(double momentum)
    {
        decimal exact = 1m - decimal.Parse(OperationQueries.ToLiteralText(momentum), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
        return exact.ToString(System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.') is { Length: > 0 } text ? text : "0";
    }
}
