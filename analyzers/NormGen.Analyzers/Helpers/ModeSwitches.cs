using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace NormGen.Analyzers.Helpers;

/// <summary>What a call does to a module's mode.</summary>
internal enum ModeSwitch
{
    None,
    Eval,
    Train,

    /// <summary><c>train(flag)</c> with a flag only known at run time.</summary>
    Unknown,
}

/// <summary>The <c>eval()</c> / <c>train()</c> calls on a module within one method body.</summary>
internal static class ModeSwitches
{
    /// <summary>The outermost operation of the member body that contains <paramref name="operation"/>.</summary>
    public static IOperation BodyRoot(IOperation operation)
    {
        IOperation root = operation;
        while (root.Parent is { } parent)
        {
            root = parent;
        }

        return root;
    }

    /// <summary>What <paramref name="invocation"/> does to the mode of the module it is called on.</summary>
    public static ModeSwitch Classify(IInvocationOperation invocation, TorchSharpSymbols torch)
    {
        IMethodSymbol method = invocation.TargetMethod;
        if (!torch.IsModule(method.ContainingType) && !torch.IsModule(invocation.Instance?.Type))
        {
            return ModeSwitch.None;
        }

        switch (method.Name)
        {
            case "eval" when method.Parameters.Length == 0:
                return ModeSwitch.Eval;
            case "train" when method.Parameters.Length == 1:
                IArgumentOperation? flag = invocation.Arguments.Length == 1 ? invocation.Arguments[0] : null;
                if (flag is null || flag.ArgumentKind == ArgumentKind.DefaultValue)
                {
                    return ModeSwitch.Train;
                }

                return flag.Value.ConstantBoolean() switch
                {
                    true => ModeSwitch.Train,
                    false => ModeSwitch.Eval,
                    null => ModeSwitch.Unknown,
                };
            default:
                return ModeSwitch.None;
        }
    }

    /// <summary>
    /// The last mode switch on <paramref name="module"/> that starts before <paramref name="position"/>
    /// in <paramref name="body"/>, with the call; (None, null) when there is none.
    /// </summary>
    public static (ModeSwitch Switch, IInvocationOperation? Call) LastBefore(IOperation body, ISymbol module, int position, TorchSharpSymbols torch)
    {
        (ModeSwitch, IInvocationOperation?) last = (ModeSwitch.None, null);
        int lastPosition = -1;
        foreach (IOperation operation in body.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation invocation &&
                invocation.Syntax.SpanStart < position &&
                invocation.Syntax.SpanStart > lastPosition &&
                SymbolEqualityComparer.Default.Equals(invocation.Instance.ReferencedSymbol(), module) &&
                Classify(invocation, torch) is var kind and not ModeSwitch.None)
            {
                last = (kind, invocation);
                lastPosition = invocation.Syntax.SpanStart;
            }
        }

        return last;
    }

    /// <summary>Whether <paramref name="invocation"/> runs a module: <c>forward</c> or <c>call</c> on a module.</summary>
    public static bool IsModuleCall(IInvocationOperation invocation, TorchSharpSymbols torch) =>
        invocation.TargetMethod.Name is "forward" or "call" &&
        invocation.Instance is not null &&
        torch.IsModule(invocation.Instance.Type);
}
