using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA005: a module with BatchNorm, Dropout or InstanceNorm-with-running-stats called under
/// <c>torch.no_grad()</c> / <c>torch.inference_mode()</c>, or in a method named for evaluation or
/// prediction that never runs a backward pass, while its last mode switch earlier in the method is
/// not <c>eval()</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InferenceWithoutEvalAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The property holding the module expression to call <c>eval()</c> on, for the code fix.</summary>
    public const string ModuleProperty = "Module";

    /// <summary>.editorconfig key: also check modules that arrive as parameters (the caller may have switched them).</summary>
    public const string IncludeParametersOption = "normgen.nga005.include_parameters";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.InferenceWithoutEval);

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

            var layers = new ModeDependentLayers(torch, start.Compilation);
            start.RegisterOperationAction(context => Analyze(context, torch, layers), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, TorchSharpSymbols torch, ModeDependentLayers layers)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!ModeSwitches.IsModuleCall(invocation, torch) ||
            invocation.Instance.ReferencedSymbol() is not { } module ||
            (GradientFreeScope(invocation, torch) ?? EvaluationMethod(invocation, context.ContainingSymbol, torch)) is not (IOperation scope, IOperation region, string scopeName))
        {
            return;
        }

        // A module passed in may have been switched by the caller; checked only on request.
        if (module is IParameterSymbol &&
            !(context.Options.AnalyzerConfigOptionsProvider.GetOptions(invocation.Syntax.SyntaxTree)
                .TryGetValue(IncludeParametersOption, out string? include) && include.Trim() == "true"))
        {
            return;
        }

        IOperation body = ModeSwitches.BodyRoot(invocation);
        if (ModeSwitches.LastBefore(body, module, invocation.Syntax.SpanStart, torch).Switch is ModeSwitch.Eval or ModeSwitch.Unknown)
        {
            return;
        }

        // One report per module and block: the first call of the module in it.
        foreach (IOperation other in region.Descendants())
        {
            if (other is IInvocationOperation earlier &&
                earlier.Syntax.SpanStart < invocation.Syntax.SpanStart &&
                ModeSwitches.IsModuleCall(earlier, torch) &&
                SymbolEqualityComparer.Default.Equals(earlier.Instance.ReferencedSymbol(), module))
            {
                return;
            }
        }

        ModeDependentLayer found = layers.Of(module, invocation.SemanticModel!) & ModeDependentLayer.ModeDependent;
        if (found == ModeDependentLayer.None)
        {
            return;
        }

        string moduleText = invocation.Instance!.Syntax.ToString();
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.InferenceWithoutEval,
            invocation.Syntax.GetLocation(),
            additionalLocations: [scope.Syntax.GetLocation()],
            properties: ImmutableDictionary<string, string?>.Empty.Add(ModuleProperty, moduleText),
            moduleText,
            ModeDependentLayers.Describe(found),
            scopeName));
    }

    /// <summary>
    /// The innermost statement that turns gradients off around <paramref name="operation"/>:
    /// a <c>using (torch.no_grad())</c> statement or a <c>using var _ = torch.no_grad();</c>
    /// declaration earlier in an enclosing block (the declaration is returned, with the block as the
    /// region it covers).
    /// </summary>
    internal static (IOperation Scope, IOperation Region, string Name)? GradientFreeScope(IOperation operation, TorchSharpSymbols torch)
    {
        IOperation child = operation;
        for (IOperation? current = operation.Parent; current is not null; child = current, current = current.Parent)
        {
            if (current is IUsingOperation @using && child != @using.Resources && GradientMode(@using.Resources, torch) is { } name)
            {
                return (@using, @using, name);
            }

            if (current is IBlockOperation block)
            {
                foreach (IOperation statement in block.Operations)
                {
                    if (statement == child)
                    {
                        break;
                    }

                    if (statement is IUsingDeclarationOperation declaration && GradientMode(declaration.DeclarationGroup, torch) is { } declared)
                    {
                        return (declaration, block, declared);
                    }
                }
            }

            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                // A lambda runs whenever it is called, not necessarily under the block around it.
                return null;
            }
        }

        return null;
    }

    /// <summary>Words in a method name that say it evaluates: <c>Evaluate</c>, <c>EvalLoss</c>, <c>Predict</c>, <c>RunInference</c>, <c>Validate</c>.</summary>
    private static readonly string[] EvaluationWords = ["Eval", "Predict", "Infer", "Validat"];

    /// <summary>
    /// The method around <paramref name="operation"/> when its name says it evaluates and its body
    /// never calls <c>backward()</c>: the statement holding the call is returned as the place for
    /// <c>eval()</c>, with the whole body as the region.
    /// </summary>
    private static (IOperation Scope, IOperation Region, string Name)? EvaluationMethod(IOperation operation, ISymbol containingSymbol, TorchSharpSymbols torch)
    {
        if (containingSymbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method ||
            Array.FindIndex(EvaluationWords, word => method.Name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0) < 0)
        {
            return null;
        }

        // The statement holding the call, in the innermost block.
        IOperation? statement = null;
        IOperation child = operation;
        for (IOperation? current = operation.Parent; current is not null; child = current, current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                // A lambda runs whenever it is called, not necessarily as part of the evaluation.
                return null;
            }

            if (current is IBlockOperation && statement is null)
            {
                statement = child;
            }

            // Code that sets the gradient mode itself (inference_mode(false), enable_grad()) says what it does; the name yields.
            if (current is IUsingOperation @using && child != @using.Resources && SetsGradientMode(@using.Resources, torch))
            {
                return null;
            }
        }

        IOperation body = ModeSwitches.BodyRoot(operation);
        foreach (IOperation descendant in body.Descendants())
        {
            if (descendant is IInvocationOperation { TargetMethod.Name: "backward" } backward &&
                SymbolEqualityComparer.Default.Equals(backward.TargetMethod.ContainingType, torch.Tensor))
            {
                return null;
            }
        }

        return (statement ?? operation, body, $"{method.Name}() (it evaluates and never calls backward())");
    }

    private static bool SetsGradientMode(IOperation resource, TorchSharpSymbols torch)
    {
        foreach (IOperation operation in resource.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation { TargetMethod.Name: "inference_mode" or "enable_grad" or "set_grad_enabled" } invocation &&
                SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, torch.Torch))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"no_grad()" or "inference_mode()" when the resource turns gradients off.</summary>
    private static string? GradientMode(IOperation resource, TorchSharpSymbols torch)
    {
        foreach (IOperation operation in resource.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation invocation &&
                SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, torch.Torch))
            {
                switch (invocation.TargetMethod.Name)
                {
                    case "no_grad":
                        return "no_grad()";
                    case "inference_mode" when invocation.ExplicitArgument("mode") is not { } mode || mode.Value.ConstantBoolean() == true:
                        return "inference_mode()";
                }
            }
        }

        return null;
    }
}
