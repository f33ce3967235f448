using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA006: a training step (<c>loss.backward()</c> followed by an optimizer's <c>step()</c>) on a
/// module whose last mode switch reaching it is <c>eval()</c>: earlier in the method, or later in the
/// same loop body (the next iteration trains in eval mode — the evaluate-every-epoch loop).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TrainingAfterEvalAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The property holding the module expression to call <c>train()</c> on.</summary>
    public const string ModuleProperty = "Module";

    /// <summary>The property saying where the fix goes: <see cref="LoopStart"/> or <see cref="BeforeStatement"/>.</summary>
    public const string PlacementProperty = "Placement";

    /// <summary>Insert as the first statement of the loop body given as the additional location.</summary>
    public const string LoopStart = "LoopStart";

    /// <summary>Insert before the statement given as the additional location.</summary>
    public const string BeforeStatement = "BeforeStatement";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.TrainingAfterEval);

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

    /// <summary>Whether <paramref name="call"/> runs in a loop that does not hold <paramref name="backward"/>: a phase that ended before it.</summary>
    private static bool InEarlierLoop(IOperation call, IOperation backward)
    {
        for (IOperation? current = call.Parent; current is not null; current = current.Parent)
        {
            if (current is ILoopOperation && !current.Syntax.Span.Contains(backward.Syntax.Span))
            {
                return true;
            }
        }

        return false;
    }

    private static void Analyze(OperationAnalysisContext context, TorchSharpSymbols torch, ModeDependentLayers layers)
    {
        var backward = (IInvocationOperation)context.Operation;
        if (backward.TargetMethod.Name != "backward" ||
            !SymbolEqualityComparer.Default.Equals(backward.TargetMethod.ContainingType, torch.Tensor))
        {
            return;
        }

        IOperation body = ModeSwitches.BodyRoot(backward);
        int position = backward.Syntax.SpanStart;

        // The modules trained are those run before the backward pass in its own block (the step's
        // loop body, or the method); modules run elsewhere in the method, or in a loop of that block
        // that has finished before it (an earlier phase), belong to other steps.
        SyntaxNode stepBlock = backward.Syntax.FirstAncestorOrSelf<BlockSyntax>() ?? body.Syntax;

        // A training step: an optimizer steps after the backward pass.
        bool steps = false;
        var modules = new List<(ISymbol Symbol, IOperation Receiver)>();
        foreach (IOperation operation in body.Descendants())
        {
            if (operation is not IInvocationOperation invocation)
            {
                continue;
            }

            if (invocation.TargetMethod.Name == "step" &&
                invocation.Instance?.Type.DerivesFrom(torch.Optimizer) == true &&
                invocation.Syntax.SpanStart > position)
            {
                steps = true;
            }
            else if (invocation.Syntax.SpanStart < position &&
                     stepBlock.Span.Contains(invocation.Syntax.Span) &&
                     !InEarlierLoop(invocation, backward) &&
                     ModeSwitches.IsModuleCall(invocation, torch) &&
                     invocation.Instance.ReferencedSymbol() is { } module &&
                     !modules.Exists(m => SymbolEqualityComparer.Default.Equals(m.Symbol, module)))
            {
                modules.Add((module, invocation.Instance!));
            }
        }

        if (!steps)
        {
            return;
        }

        foreach ((ISymbol module, IOperation receiver) in modules)
        {
            if (ReachingEval(body, module, backward, torch) is not (IInvocationOperation eval, SyntaxNode anchor, string placement) ||
                (layers.Of(module, backward.SemanticModel!) & ModeDependentLayer.ModeDependent) == ModeDependentLayer.None)
            {
                continue;
            }

            string moduleText = receiver.Syntax.ToString();
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.TrainingAfterEval,
                backward.Syntax.GetLocation(),
                additionalLocations: [anchor.GetLocation(), eval.Syntax.GetLocation()],
                properties: ImmutableDictionary<string, string?>.Empty
                    .Add(ModuleProperty, moduleText)
                    .Add(PlacementProperty, placement),
                moduleText));
        }
    }

    /// <summary>
    /// The <c>eval()</c> that sets the module's mode at <paramref name="backward"/>, with where
    /// <c>train()</c> should go; null when the mode there is training or unknown.
    /// </summary>
    private static (IInvocationOperation Eval, SyntaxNode Anchor, string Placement)? ReachingEval(
        IOperation body, ISymbol module, IInvocationOperation backward, TorchSharpSymbols torch)
    {
        int position = backward.Syntax.SpanStart;
        (ModeSwitch kind, IInvocationOperation? call) = ModeSwitches.LastBefore(body, module, position, torch);

        // In a loop with no switch before the step in its body, the last switch later in the body is
        // what the next iteration starts with.
        for (IOperation? current = backward.Parent; current is not null; current = current.Parent)
        {
            if (current is not ILoopOperation { Body: { } loopBody })
            {
                continue;
            }

            if (call is not null && loopBody.Syntax.Span.Contains(call.Syntax.Span))
            {
                break;
            }

            (ModeSwitch wrapKind, IInvocationOperation? wrapCall) = ModeSwitches.LastBefore(loopBody, module, loopBody.Syntax.Span.End, torch);
            if (wrapCall is not null && wrapCall.Syntax.SpanStart > position)
            {
                return wrapKind == ModeSwitch.Eval && loopBody.Syntax is BlockSyntax block
                    ? (wrapCall, block, LoopStart)
                    : null;
            }
        }

        if (kind != ModeSwitch.Eval || call is null)
        {
            return null;
        }

        // Before the forward pass (the module's last call before the backward pass, after the eval());
        // precisely, before the statement on its path that shares a block with the eval().
        SyntaxNode start = backward.Syntax;
        int latest = call.Syntax.SpanStart;
        foreach (IOperation operation in body.Descendants())
        {
            if (operation is IInvocationOperation forward &&
                forward.Syntax.SpanStart > latest &&
                forward.Syntax.SpanStart < position &&
                ModeSwitches.IsModuleCall(forward, torch) &&
                SymbolEqualityComparer.Default.Equals(forward.Instance.ReferencedSymbol(), module))
            {
                start = forward.Syntax;
                latest = forward.Syntax.SpanStart;
            }
        }

        for (SyntaxNode? node = start; node is not null; node = node.Parent)
        {
            if (node is StatementSyntax statement && statement.Parent is BlockSyntax parent && parent.Span.Contains(call.Syntax.Span))
            {
                return (call, statement, BeforeStatement);
            }
        }

        return null;
    }
}
